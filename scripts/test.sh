#!/usr/bin/env bash
# The README's test command: installs what the tests need on a fresh Debian
# machine, then runs `cargo test` (arguments are passed on to it).
# - python3 with pip: the build fetches ONNX Runtime from PyPI (pinned,
#   checksummed);
# - chromium and chromium-driver: the review page's browser tests
#   (tests/it/review_browser.rs) fail without them, they never skip.
# Packages are installed only where missing, so a prepared machine needs
# neither root nor a network.
set -euo pipefail
cd "$(dirname "$0")/.."

missing=()
if ! python3 -m pip --version >/dev/null 2>&1 || ! python3 -c 'import ensurepip' 2>/dev/null; then
    missing+=(python3 python3-pip python3-venv)
fi
command -v chromium >/dev/null 2>&1 || missing+=(chromium)
command -v chromedriver >/dev/null 2>&1 || missing+=(chromium-driver)
if ((${#missing[@]})); then
    sudo=()
    [[ $(id -u) -eq 0 ]] || sudo=(sudo)
    "${sudo[@]}" apt-get update
    DEBIAN_FRONTEND=noninteractive "${sudo[@]}" apt-get install -y --no-install-recommends "${missing[@]}"
fi

cargo test "$@"
