# Sourced by ./saestitch and ./run-tests: sets SAESTITCH_JAVA_HOME to a JDK >= 25.
# Order: $JAVA_HOME if it is >= 25, then /usr/lib/jvm/*, then `java` on the PATH.
_saestitch_java_major() {
  "$1/bin/java" -XshowSettings:properties -version 2>&1 \
    | sed -n 's/^ *java.specification.version = \([0-9]*\).*/\1/p' | head -n 1
}
saestitch_find_jdk() {
  local cand major
  for cand in "${JAVA_HOME:-}" /usr/lib/jvm/* "$(dirname "$(dirname "$(readlink -f "$(command -v java 2>/dev/null || echo /nonexistent)")")")"; do
    [ -n "$cand" ] && [ -x "$cand/bin/java" ] && [ -x "$cand/bin/javac" ] || continue
    major=$(_saestitch_java_major "$cand")
    if [ -n "$major" ] && [ "$major" -ge 25 ]; then
      SAESTITCH_JAVA_HOME=$cand
      return 0
    fi
  done
  cat >&2 <<'MSG'
saestitch: no JDK 25 or newer found (looked at $JAVA_HOME, /usr/lib/jvm/* and `java` on the PATH).
  Install one, e.g. on Debian/Ubuntu with the Adoptium repository:  apt-get install temurin-25-jdk
  or download Temurin 25 and set JAVA_HOME to it.
MSG
  return 1
}
