#!/usr/bin/env bash
# Checks what scripts/package.sh built, as a user without Rust meets it:
# installs the wheels into a fresh virtual environment outside the checkout,
# unpacks the archive elsewhere, and analyses a bundled sample with each,
# with no network, HOME empty, no cargo on PATH, and this checkout and the
# build's cache hidden (an empty folder mounted over each, in a private
# mount namespace: needs root, as CI has). Fails if anything is missing.
# Prints the figures benches/README.md reports: sizes and times.
#
# Usage: bash scripts/check_install.sh [DIST]   (default dist/)
set -euo pipefail
cd "$(dirname "$0")/.."
checkout=$(pwd)
DIST=$(cd "${1:-dist}" && pwd)
version=$(sed -n 's/^version = "\(.*\)"$/\1/p' Cargo.toml | head -1)
sample=samples/standing_anterior_tilt.jpg

work=$(mktemp -d /tmp/sagitta-install-check.XXXXXX)
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/home" "$work/photos"
cp "$sample" "$work/photos/"
photo=$work/photos/$(basename "$sample")

now() { date +%s.%N; }
seconds() { python3 -c "import sys; print(f'{float(sys.argv[2]) - float(sys.argv[1]):.2f}')" "$1" "$2"; }

python3 -m venv "$work/venv"
start=$(now)
# Offline: only the built files, and only wheels.
unshare --net "$work/venv/bin/pip" install --quiet --no-index --only-binary :all: \
    --find-links "$DIST" sagitta
install_s=$(seconds "$start" "$(now)")

mkdir -p "$work/archive"
tar -C "$work/archive" -xzf "$DIST/sagitta-$version-x86_64-linux.tar.gz"
archive_bin=$work/archive/sagitta-$version-x86_64-linux/bin

cache="${SAGITTA_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/sagitta}"
# Runs "$@" with nothing of the build machine in reach.
isolated() {
    unshare --mount --net sh -c '
        checkout=$1 cache=$2 home=$3 bin=$4; shift 4
        mount -t tmpfs none "$checkout"
        if [ -d "$cache" ]; then mount -t tmpfs none "$cache"; fi
        exec env -i HOME="$home" PATH="$bin:/usr/bin:/bin" "$@"
    ' isolated "$checkout" "$cache" "$work/home" "$1" "${@:2}"
}

isolated "$work/venv/bin" sh -c '! command -v cargo && ! command -v rustc' >/dev/null \
    || { echo "error: cargo or rustc is still on PATH in the isolated run" >&2; exit 1; }

check() { # LABEL BIN_DIR PREFIX
    local label=$1 bin=$2 prefix=$3
    local report
    report=$(isolated "$bin" sagitta --version)
    echo "$report" | sed "s/^/  $label --version: /"
    # The runtime and all four models, from the installed prefix, verified.
    if [ "$(echo "$report" | grep -c "$prefix/share/sagitta/.* (verified)$")" != 5 ]; then
        echo "error: $label: not every file came from $prefix/share/sagitta verified" >&2
        exit 1
    fi
    local start json
    start=$(now)
    json=$(isolated "$bin" sagitta analyze --format json "$photo")
    echo "  $label: first analyze $(seconds "$start" "$(now)") s"
    # The analysis ran the pinned models and measured the pelvis.
    echo "$json" | python3 -c '
import json, sys
doc = json.load(sys.stdin)
pinned = {line.split()[0] for line in open("models/SHA256SUMS") if line.strip()}
for role in ("detector", "landmark"):
    assert doc["model"][role]["sha256"] in pinned, f"{role} model not a pinned one"
assert "pelvic_tilt" in doc["measurements"], "no pelvic tilt in the analysis"
'
}

echo "sizes (bytes):"
(cd "$DIST" && stat -c '  %n %s' sagitta-*.whl sagitta_models-*.whl "sagitta-$version-x86_64-linux.tar.gz")
echo "install into a fresh venv (offline, from $DIST): $install_s s"
check wheel "$work/venv/bin" "$work/venv"
check archive "$archive_bin" "$work/archive/sagitta-$version-x86_64-linux"
echo "ok: the wheel and the archive analyse $sample with no checkout, cache, cargo, HOME or network"
