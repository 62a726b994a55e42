#!/usr/bin/env bash
# Installs the Debian 12 packages FHIR Portal needs to build, run and test.
# Idempotent: only missing packages are installed. Runs as root, or through sudo otherwise.
set -euo pipefail

packages=(
  # toolchain
  build-essential cmake ninja-build pkg-config git ca-certificates
  # Qt 6.4 (qt6-httpserver-dev needs qt6-websockets-dev, which Debian forgets to pull in)
  qt6-base-dev qt6-base-dev-tools qt6-httpserver-dev qt6-websockets-dev qt6-networkauth-dev
  libgl-dev qt6-qpa-plugins libqt6svg6
  # libraries
  qtkeychain-qt6-dev nlohmann-json3-dev libssl-dev libsqlite3-dev
  # fonts so offscreen and Xvfb rendering have glyphs
  fonts-dejavu-core
  # test-time tools: virtual display, session bus, a real Secret Service
  xvfb xauth dbus dbus-x11 gnome-keyring
  # the openssl tool makes a throw-away certificate for the TLS-error test
  openssl
  # the guided-tour test runs the cURL command the app shows
  curl
  # packaging metadata checks
  appstream desktop-file-utils
)

# npm fetches the FHIR definitions; a machine that already has Node.js and npm keeps them.
command -v npm >/dev/null 2>&1 || packages+=(npm)

missing=()
for p in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done

if [ ${#missing[@]} -eq 0 ]; then
  echo "install-deps: all packages present"
  exit 0
fi

sudo_cmd=()
if [ "$(id -u)" -ne 0 ]; then
  if command -v sudo >/dev/null 2>&1; then
    sudo_cmd=(sudo)
  else
    echo "install-deps: need root or sudo to install: ${missing[*]}" >&2
    exit 1
  fi
fi

echo "install-deps: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
"${sudo_cmd[@]}" apt-get update -qq
"${sudo_cmd[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}"
