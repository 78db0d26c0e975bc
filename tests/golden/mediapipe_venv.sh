# Sourced by tests/golden/make_golden.sh and benches/peer/run.sh: one place
# that makes the virtualenv with MediaPipe 0.10.21 from the pinned list.
#
#   mediapipe_venv DIR   # sets VENV; DIR empty = a temporary one, removed on exit
#
# Needs PYTHON and REPO_ROOT set. Every dependency is pinned in
# tests/golden/requirements.txt; --no-deps keeps pip from pulling the
# declared dependencies the pose solution never loads (jax, jaxlib,
# sentencepiece, sounddevice).
mediapipe_venv() {
  # mediapipe 0.10.21 ships wheels for CPython 3.9-3.12 only.
  "${PYTHON}" - <<'PY'
import sys
if not ((3, 9) <= sys.version_info[:2] <= (3, 12)):
    sys.exit(f"mediapipe 0.10.21 needs CPython 3.9-3.12, this is {sys.version.split()[0]}")
PY
  if [ -n "$1" ]; then
    VENV="$1"
  else
    MEDIAPIPE_TMP="$(mktemp -d)"
    trap 'rm -rf "${MEDIAPIPE_TMP}"' EXIT
    VENV="${MEDIAPIPE_TMP}/venv"
  fi
  if [ ! -x "${VENV}/bin/python" ]; then
    echo "Creating virtualenv in ${VENV} ..." >&2
    "${PYTHON}" -m venv "${VENV}"
    "${VENV}/bin/python" -m pip install --quiet --no-deps --only-binary=:all: \
      -r "${REPO_ROOT}/tests/golden/requirements.txt"
  fi
}

# The Python wheel bundles only the full landmark model; model_complexity 0
# and 2 would fetch theirs from the web at first use. This installs the lite
# and heavy .tflite files from the npm package models/convert.sh uses
# (pinned, sha256-checked) into the virtualenv instead. Needs VENV and npm.
mediapipe_extra_models() {
  local spec="@mediapipe/pose@0.5.1675469404"
  local tarball_sha="8bb349a7b3a3ba699df23be804ddd3b3eab810b50b15406894be257859388a84"
  local dest
  dest="$("${VENV}/bin/python" -c 'import mediapipe, os; print(os.path.join(os.path.dirname(mediapipe.__file__), "modules", "pose_landmark"))')"
  declare -A want=(
    [pose_landmark_lite.tflite]=f17bfbecadb61c3be1baa8b8d851cc6619c870a87167b32848ad20db306b9d61
    [pose_landmark_heavy.tflite]=59e42d71bcd44cbdbabc419f0ff76686595fd265419566bd4009ef703ea8e1fe
  )
  local name missing=0
  for name in "${!want[@]}"; do
    [ "$(sha256sum "${dest}/${name}" 2>/dev/null | cut -d' ' -f1)" = "${want[$name]}" ] || missing=1
  done
  [ "${missing}" = 1 ] || return 0
  local work
  work="$(mktemp -d)"
  (cd "${work}" && npm pack --silent "${spec}" >/dev/null)
  local tarball=("${work}"/*.tgz)
  [ "$(sha256sum "${tarball[0]}" | cut -d' ' -f1)" = "${tarball_sha}" ] \
    || { echo "${spec}: unexpected sha256" >&2; rm -rf "${work}"; return 1; }
  for name in "${!want[@]}"; do
    tar -xzf "${tarball[0]}" -C "${work}" "package/${name}"
    [ "$(sha256sum "${work}/package/${name}" | cut -d' ' -f1)" = "${want[$name]}" ] \
      || { echo "${name}: unexpected sha256" >&2; rm -rf "${work}"; return 1; }
    install -m 0644 "${work}/package/${name}" "${dest}/${name}"
  done
  rm -rf "${work}"
}
