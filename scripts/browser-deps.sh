#!/usr/bin/env bash
# Installs what the browser test (report.BrowserReportTest) needs, when it is missing, and says so:
#   - Debian's Chromium (/usr/bin/chromium) and a font, with apt-get (as root, non-interactive);
#   - playwright-core, pinned by browser-test/package-lock.json, with `npm ci` (it never downloads a
#     browser: the test drives /usr/bin/chromium).
# Quick when both are present (no apt-get, no npm). Skipped entirely with SAESTITCH_SKIP_BROWSER=1.
# Exit status 2 with a message saying what to do when something cannot be installed.
# Run by ./run-tests; safe to run by hand: scripts/browser-deps.sh
set -euo pipefail
root=$(cd "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")/.." && pwd)
say() { echo "browser-deps: $*" >&2; }
skip_hint="or set SAESTITCH_SKIP_BROWSER=1 to skip the browser test"

if [ "${SAESTITCH_SKIP_BROWSER:-}" = 1 ]; then
    say "SAESTITCH_SKIP_BROWSER=1: not installing Chromium or playwright-core (the browser test is skipped)."
    exit 0
fi

chromium=${SAESTITCH_CHROMIUM:-/usr/bin/chromium}
if [ ! -x "$chromium" ]; then
    if [ "$(id -u)" != 0 ]; then
        say "Chromium is not installed ($chromium) and this is not root, so it cannot be installed here."
        say "Install it with: sudo apt-get install -y chromium fonts-dejavu-core   ($skip_hint)."
        exit 2
    fi
    command -v apt-get >/dev/null 2>&1 || { say "no apt-get: install Chromium at $chromium yourself ($skip_hint)."; exit 2; }
    say "installing Debian's chromium (for the browser test; once) ..."
    export DEBIAN_FRONTEND=noninteractive
    pkgs=(chromium fonts-dejavu-core)
    # A fresh machine may have no package lists yet: update only when the install cannot find the package.
    if ! apt-get install -y -q --no-install-recommends "${pkgs[@]}" >/tmp/saestitch-apt.log 2>&1; then
        apt-get update -q >>/tmp/saestitch-apt.log 2>&1 || true
        apt-get install -y -q --no-install-recommends "${pkgs[@]}" >>/tmp/saestitch-apt.log 2>&1 \
            || { tail -20 /tmp/saestitch-apt.log >&2; say "apt-get install chromium failed (log: /tmp/saestitch-apt.log; $skip_hint)."; exit 2; }
    fi
    [ -x "$chromium" ] || { say "installed chromium, but $chromium is still missing ($skip_hint)."; exit 2; }
    say "installed $("$chromium" --version 2>/dev/null | head -1)"
fi

for tool in node npm; do
    command -v "$tool" >/dev/null 2>&1 || { say "$tool is not on the PATH: install Node.js 20 or newer with npm ($skip_hint)."; exit 2; }
done
node_major=$(node -p 'process.versions.node.split(".")[0]')
[ "$node_major" -ge 20 ] || { say "node $(node --version) is too old: playwright-core needs Node.js 20 or newer ($skip_hint)."; exit 2; }

# npm ci only when node_modules does not match the committed lock file (a stamp holds the lock's hash).
dir="$root/browser-test"
stamp="$dir/node_modules/.saestitch-lock.sha256"
want=$(sha256sum "$dir/package-lock.json" | cut -d' ' -f1)
if [ ! -f "$dir/node_modules/playwright-core/package.json" ] || [ "$(cat "$stamp" 2>/dev/null)" != "$want" ]; then
    say "npm ci in browser-test/ (playwright-core, pinned by package-lock.json; no browser download) ..."
    # PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD: belt and braces, playwright-core has no install script anyway.
    (cd "$dir" && PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 npm ci --no-audit --no-fund --loglevel=error >&2) \
        || { say "npm ci failed in browser-test/ ($skip_hint)."; exit 2; }
    echo "$want" >"$stamp"
fi
