#!/usr/bin/env bash
# Regenerate the sample photos in samples/ from the Sports2D demo video.
#
#   bash samples/extract.sh
#
# Source: PyPI sports2d==0.8.34 (BSD-3-Clause, Sports2D by David Pagnon),
# file Sports2D/Demo/demo.mp4 inside the wheel (1768x994, 30 fps, 230 frames).
# See samples/README.md and samples/LICENSE-sports2d.txt.
#
# Needs: python3 with pip, ffmpeg (installed with apt-get if missing).
# Output is deterministic: frames are picked by frame number, crops are fixed,
# and the JPEG encoder runs in bit-exact mode with metadata stripped.
set -euo pipefail

SPORTS2D_VERSION="0.8.34"
WHEEL_NAME="sports2d-${SPORTS2D_VERSION}-py3-none-any.whl"
WHEEL_SHA256="733b6db70742636ae9c35d870c22bd416582f579abd5881bee93a14bb0e2655d"
VIDEO_IN_WHEEL="Sports2D/Demo/demo.mp4"
VIDEO_SHA256="d9a66417185647b112304b57093f0c180f37a768e6a14daca75ca541f3b78039"
LICENSE_IN_WHEEL="sports2d-${SPORTS2D_VERSION}.dist-info/licenses/LICENSE"

# JPEG quality: ffmpeg's mjpeg encoder takes a quantiser scale, not a 0-100
# quality; -q:v 2 is its finest usable step (roughly quality 90-95).
JPEG_Q=2

# Frames: name  frame-number(30 fps)  crop w:h:x:y (in the 1768x994 frame)  gait phase
# The walker is ~405 px tall (head top y~521, feet y~930), so a 600 px tall
# crop (y 394..994) makes her fill ~67% of its height. Each crop is 480x600
# and placed around her; the second person (standing on the box at the left,
# x < ~780) is outside every crop, and walker_01's crop is shifted left to
# leave out a tiny passer-by near the shop front (x ~1475, y ~610).
FRAMES=(
  "walker_01 72 480:600:977:394 swing: rear foot lifted, passing the stance foot"
  "walker_02 78 480:600:993:394 double support: front heel strike, legs wide apart"
  "walker_03 87 480:600:940:394 single support: stance leg vertical, rear heel raised"
  "walker_04 96 480:600:810:394 double support: other leg forward"
)
# walker_rotated90.jpg = walker_02's crop rotated 90 degrees clockwise
# (ffmpeg transpose=1): a stand-in for a person lying down.
ROTATED_FROM=78
ROTATED_CROP="480:600:993:394"

SCRIPT_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
OUT_DIR="${SCRIPT_DIR}"

need_ffmpeg() {
  if command -v ffmpeg >/dev/null 2>&1; then
    return
  fi
  echo "ffmpeg not found; installing Debian package ffmpeg" >&2
  local sudo=""
  if [ "$(id -u)" -ne 0 ]; then sudo="sudo"; fi
  $sudo apt-get update
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y --no-install-recommends ffmpeg
}

sha256_of() {
  python3 -c 'import hashlib,sys; print(hashlib.sha256(open(sys.argv[1],"rb").read()).hexdigest())' "$1"
}

TMP="$(mktemp -d)"
trap 'rm -rf "${TMP}"' EXIT

need_ffmpeg

echo "Downloading ${WHEEL_NAME} ..." >&2
if ! python3 -m pip download --no-deps --only-binary=:all: \
      "sports2d==${SPORTS2D_VERSION}" -d "${TMP}" >&2; then
  echo "error: no wheel for sports2d==${SPORTS2D_VERSION} could be downloaded." >&2
  echo "This script pins the wheel's sha256 and will not fall back to an sdist" >&2
  echo "(different bytes; the pinned hash would not match)." >&2
  exit 1
fi
WHEEL="${TMP}/${WHEEL_NAME}"
if [ ! -f "${WHEEL}" ]; then
  echo "error: expected ${WHEEL_NAME}, got: $(ls "${TMP}")" >&2
  exit 1
fi

got="$(sha256_of "${WHEEL}")"
if [ "${got}" != "${WHEEL_SHA256}" ]; then
  echo "error: sha256 mismatch for ${WHEEL_NAME}: got ${got}, want ${WHEEL_SHA256}" >&2
  exit 1
fi

# A wheel is a zip archive.
python3 - "${WHEEL}" "${TMP}" "${VIDEO_IN_WHEEL}" "${LICENSE_IN_WHEEL}" <<'PY'
import sys, zipfile
wheel, dest, *members = sys.argv[1:]
with zipfile.ZipFile(wheel) as z:
    for m in members:
        z.extract(m, dest)
PY
VIDEO="${TMP}/${VIDEO_IN_WHEEL}"

got="$(sha256_of "${VIDEO}")"
if [ "${got}" != "${VIDEO_SHA256}" ]; then
  echo "error: sha256 mismatch for ${VIDEO_IN_WHEEL}: got ${got}, want ${VIDEO_SHA256}" >&2
  exit 1
fi

if ! cmp -s "${TMP}/${LICENSE_IN_WHEEL}" "${OUT_DIR}/LICENSE-sports2d.txt"; then
  echo "note: writing ${OUT_DIR}/LICENSE-sports2d.txt from the wheel" >&2
  cp "${TMP}/${LICENSE_IN_WHEEL}" "${OUT_DIR}/LICENSE-sports2d.txt"
fi

# extract_frame FRAME_NUMBER FILTERS OUTPUT
extract_frame() {
  local n="$1" filters="$2" out="$3"
  # Decode from the start and select by frame number (no seeking), so the
  # picked frame does not depend on keyframe placement or timestamp rounding.
  ffmpeg -nostdin -hide_banner -loglevel error -y \
    -i "${VIDEO}" -an -sn -dn \
    -vf "select=eq(n\,${n}),${filters}" \
    -frames:v 1 \
    -c:v mjpeg -q:v "${JPEG_Q}" -pix_fmt yuvj420p \
    -map_metadata -1 -fflags +bitexact -flags:v +bitexact \
    "${out}"
}

for entry in "${FRAMES[@]}"; do
  read -r name n crop _phase <<<"${entry}"
  extract_frame "${n}" "crop=${crop}" "${OUT_DIR}/${name}.jpg"
  echo "wrote samples/${name}.jpg (frame ${n}, crop ${crop})" >&2
done

extract_frame "${ROTATED_FROM}" "crop=${ROTATED_CROP},transpose=1" \
  "${OUT_DIR}/walker_rotated90.jpg"
echo "wrote samples/walker_rotated90.jpg (frame ${ROTATED_FROM}, crop ${ROTATED_CROP}, rotated 90 deg clockwise)" >&2
