#!/usr/bin/env bash
# README command 1: install what is missing, build the release preset, start FHIR Portal.
# Arguments go to fhir-portal (for example `scripts/run.sh schema Patient`).
set -euo pipefail
cd "$(dirname "$0")/.."

bash scripts/install-deps.sh
cmake --preset release
cmake --build --preset release
exec build/release/bin/fhir-portal "$@"
