#!/usr/bin/env bash
# Fuzzes every reader of io.ReaderFuzzTest for its maxDuration (20 s) each, one JVM per method (Jazzer
# fuzzes one @FuzzTest per run). A crashing input is written to
# src/test/resources/io/github/saestitch/io/ReaderFuzzTestInputs/METHOD/crash-*: fix the reader, keep
# the file (a normal test run replays it). Usage: scripts/fuzz.sh [METHOD ...]
set -euo pipefail
root=$(cd "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")/.." && pwd)
methods=("$@")
[ ${#methods[@]} -gt 0 ] || methods=(safetensors npy cfgJson storeManifest pytorchZip)
for m in "${methods[@]}"; do
  echo "fuzz: $m"
  JAZZER_FUZZ=1 SAESTITCH_SKIP_BROWSER=1 "$root/run-tests" -o -q -Dtest="ReaderFuzzTest#$m" \
    -Dsurefire.failIfNoSpecifiedTests=false -Dspotless.apply.skip=true
done
