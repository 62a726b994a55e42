#!/bin/sh
# Runs a command against a real Secret Service: a private D-Bus session and a fresh, unlocked
# gnome-keyring in a throw-away HOME, so a test can store secrets without touching the user's.
#   tests/run-with-keyring.sh build/debug/bin/tst_secretstore
set -eu

for tool in dbus-run-session gnome-keyring-daemon; do
    if ! command -v "$tool" >/dev/null 2>&1; then
        echo "run-with-keyring: $tool is missing (scripts/install-deps.sh installs it)" >&2
        exit 1
    fi
done

home=$(mktemp -d "${TMPDIR:-/tmp}/fhir-keyring.XXXXXX")
trap 'rm -rf "$home"' EXIT INT TERM
mkdir -p "$home/.local/share/keyrings" "$home/.cache" "$home/run"
chmod 700 "$home/run"

status=0
env HOME="$home" XDG_DATA_HOME="$home/.local/share" XDG_CONFIG_HOME="$home/.config" \
    XDG_CACHE_HOME="$home/.cache" XDG_RUNTIME_DIR="$home/run" \
    dbus-run-session -- sh -c '
        printf pw | gnome-keyring-daemon --unlock --components=secrets >/dev/null
        exec "$@"' run-with-keyring "$@" || status=$?
exit "$status"
