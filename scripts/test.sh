#!/usr/bin/env bash
# README command 2: install what is missing, build with AddressSanitizer and
# UndefinedBehaviorSanitizer, run every test. Ends with CTest's summary line.
set -euo pipefail
cd "$(dirname "$0")/.."

bash scripts/install-deps.sh
cmake --preset asan
cmake --build --preset asan
ctest --preset asan
