#!/usr/bin/env bash
# Fuzzes the readers again (every ./run-tests already fuzzes each for ReaderFuzzing.BUDGET; the corpus in
# .cifuzz-corpus/ grows with every run, so repeated runs go deeper). A crashing input is written to
# src/test/resources/io/github/saestitch/io/CLASSInputs/METHOD/crash-*: fix the reader, keep the file.
# Usage: scripts/fuzz.sh [CLASS ...]   (CLASS: Safetensors Npy CfgJson StoreManifest PytorchZip)
set -euo pipefail
root=$(cd "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")/.." && pwd)
classes=("$@")
[ ${#classes[@]} -gt 0 ] || classes=(Safetensors Npy CfgJson StoreManifest PytorchZip)
for c in "${classes[@]}"; do
  echo "fuzz: ${c}FuzzTest"
  SAESTITCH_SKIP_BROWSER=1 "$root/run-tests" -o -q -Dtest="${c}FuzzTest" \
    -Dsurefire.failIfNoSpecifiedTests=false -Dspotless.apply.skip=true
done
