#!/usr/bin/env bash
# Builds what a user without Rust installs, into DIST (default dist/):
#   sagitta-VERSION-py3-none-manylinux_*_x86_64.whl  the binary and ONNX Runtime
#   sagitta_models-VERSION-py3-none-any.whl          the four models
#   sagitta-VERSION-x86_64-linux.tar.gz              all of it, for no Python
#   SHA256SUMS                                       of the three
# Install: pip install --no-index --find-links DIST sagitta
# Check:   bash scripts/check_install.sh DIST
#
# The binary is built with the `packaged` feature: it finds the runtime and
# the models only in PREFIX/share/sagitta beside its PREFIX/bin, never in this
# checkout or the build cache. Needs python3 with venv and pip, and PyPI once
# for the pinned maturin and auditwheel (kept in target/package/tools).
set -euo pipefail
cd "$(dirname "$0")/.."
DIST=$(mkdir -p "${1:-dist}" && cd "${1:-dist}" && pwd)

MATURIN=1.16.0
AUDITWHEEL=6.8.2
WORK=target/package
TOOLS=$WORK/tools

version=$(sed -n 's/^version = "\(.*\)"$/\1/p' Cargo.toml | head -1)
if ! grep -q "\"sagitta-models==$version\"" pyproject.toml; then
    echo "error: pyproject.toml must depend on sagitta-models==$version (the crate's version)" >&2
    exit 1
fi
# The pins build.rs fetches and checks the runtime library with.
pin() { sed -n "s/^const $1: &str = \"\(.*\)\";$/\1/p" build.rs; }
ort_version=$(pin ORT_VERSION)
lib_sha256=$(pin LIB_SHA256)
wheel_name=$(pin WHEEL_NAME)
wheel_sha256=$(pin WHEEL_SHA256)

if ! "$TOOLS/bin/maturin" --version 2>/dev/null | grep -q " $MATURIN$"; then
    python3 -m venv "$TOOLS"
    "$TOOLS/bin/pip" install --quiet "maturin==$MATURIN" "auditwheel==$AUDITWHEEL"
fi

# The binary; build.rs puts the verified runtime library beside it.
cargo build --release --locked --features packaged --bin sagitta
library=target/release/libonnxruntime.so
if [ "$(sha256sum "$library" | cut -d' ' -f1)" != "$lib_sha256" ]; then
    echo "error: $library does not have the sha256 build.rs pins ($lib_sha256)" >&2
    exit 1
fi

# ONNX Runtime's licence and notices ship with its library; they are in the
# wheel build.rs fetched (downloaded again here if the cache was emptied).
ort_wheel="${SAGITTA_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/sagitta}/onnxruntime-$ort_version/wheel/$wheel_name"
if [ ! -f "$ort_wheel" ]; then
    ort_wheel=$WORK/$wheel_name
    "$TOOLS/bin/pip" download --quiet --no-deps --only-binary :all: --dest "$WORK" \
        --python-version 3.11 --platform manylinux_2_28_x86_64 "onnxruntime==$ort_version"
fi
if [ "$(sha256sum "$ort_wheel" | cut -d' ' -f1)" != "$wheel_sha256" ]; then
    echo "error: $ort_wheel does not have the sha256 build.rs pins ($wheel_sha256)" >&2
    exit 1
fi

# share/sagitta as installed: runtime and licences (the models come from
# their own wheel, or are added to the archive below).
share=$WORK/wheel-data/data/share/sagitta
rm -rf "$WORK/wheel-data"
mkdir -p "$share/licenses"
cp "$library" "$share/libonnxruntime.so"
python3 - "$ort_wheel" "$share/licenses" <<'EOF'
import sys, zipfile
from pathlib import Path
with zipfile.ZipFile(sys.argv[1]) as wheel:
    for member in ("LICENSE", "ThirdPartyNotices.txt", "Privacy.md"):
        data = wheel.read(f"onnxruntime/{member}")
        Path(sys.argv[2], f"onnxruntime-{member}").write_bytes(data)
EOF

rm -f "$DIST"/sagitta-*.whl "$DIST"/sagitta_models-*.whl "$DIST"/sagitta-*.tar.gz "$DIST/SHA256SUMS"
"$TOOLS/bin/maturin" build --release --locked --out "$DIST"
python3 scripts/make_models_wheel.py "$version" models "$DIST" >/dev/null

# The archive: the same layout, models included, for users without Python.
name=sagitta-$version-x86_64-linux
root=$WORK/$name
rm -rf "$root"
mkdir -p "$root/bin" "$root/share/sagitta/models"
cp target/release/sagitta "$root/bin/"
cp -r "$share/." "$root/share/sagitta/"
cp models/*.onnx models/LICENSE-mediapipe-apache-2.0.txt "$root/share/sagitta/models/"
cp README.md LICENSE-MIT LICENSE-APACHE "$root/"
(cd "$root" && find bin share -type f | sort | xargs sha256sum > SHA256SUMS)
tar --sort=name --owner=0 --group=0 --numeric-owner --mtime=@0 \
    -C "$WORK" -czf "$DIST/$name.tar.gz" "$name"
rm -rf "$root"

(cd "$DIST" && sha256sum sagitta-*.whl sagitta_models-*.whl "$name.tar.gz" > SHA256SUMS)
echo "platform tag, as auditwheel sees it:"
"$TOOLS/bin/auditwheel" show "$DIST"/sagitta-"$version"-*.whl
ls -l "$DIST"
