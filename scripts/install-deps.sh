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
  # the one real-browser test: an OAuth login through the embedded server's pages
  chromium
)

# npm fetches the FHIR definitions and the test OpenID provider's modules (oidc-provider), and
# node runs that provider; a machine that already has Node.js and npm keeps them.
command -v npm >/dev/null 2>&1 || packages+=(npm)

# oidc-provider 9 needs Node.js 20.18 or later; Debian 12's own nodejs is 18. Said, not fixed:
# the build goes on, and only the tests that start the provider fail (and say why).
check_node() {
  local version
  version=$(node --version 2>/dev/null || true)
  if [[ ! $version =~ ^v([0-9]+)\.([0-9]+) ]] \
     || (( BASH_REMATCH[1] < 20 || (BASH_REMATCH[1] == 20 && BASH_REMATCH[2] < 18) )); then
    echo "install-deps: warning: the OpenID provider tests need Node.js 20.18 or later;" \
         "this machine has ${version:-no node}" >&2
  fi
}
trap check_node EXIT

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
