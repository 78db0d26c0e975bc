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
