#!/usr/bin/env bash
# Regenerate the golden keypoint files tests/golden/*.json with MediaPipe's own
# pose pipeline (PyPI mediapipe==0.10.21, legacy mediapipe.solutions.pose).
#
#   bash tests/golden/make_golden.sh
#
# Builds a throw-away virtualenv (deleted afterwards) from the pinned
# tests/golden/requirements.txt, then runs tests/golden/make_golden.py on
# samples/*.jpg and three photos under ../shared/photos/ (relative to the
# repository root). Set GOLDEN_VENV=/some/dir to create/reuse a persistent
# virtualenv there instead.
set -euo pipefail

SCRIPT_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO_ROOT="$(cd "${SCRIPT_DIR}/../.." && pwd)"
PYTHON="${PYTHON:-python3}"

# mediapipe 0.10.21 ships wheels for CPython 3.9-3.12 only.
"${PYTHON}" - <<'PY'
import sys
if not ((3, 9) <= sys.version_info[:2] <= (3, 12)):
    sys.exit(f"mediapipe 0.10.21 needs CPython 3.9-3.12, this is {sys.version.split()[0]}")
PY

if [ -n "${GOLDEN_VENV:-}" ]; then
  VENV="${GOLDEN_VENV}"
else
  TMP="$(mktemp -d)"
  trap 'rm -rf "${TMP}"' EXIT
  VENV="${TMP}/venv"
fi

if [ ! -x "${VENV}/bin/python" ]; then
  echo "Creating virtualenv in ${VENV} ..." >&2
  "${PYTHON}" -m venv "${VENV}"
  # Every dependency is pinned in requirements.txt; --no-deps keeps pip from
  # pulling mediapipe's unused declared deps (jax, jaxlib, ...).
  "${VENV}/bin/python" -m pip install --quiet --no-deps --only-binary=:all: \
    -r "${SCRIPT_DIR}/requirements.txt"
fi

cd "${REPO_ROOT}"
# Quieten MediaPipe's glog/absl chatter.
GLOG_minloglevel=2 TF_CPP_MIN_LOG_LEVEL=2 \
  "${VENV}/bin/python" "${SCRIPT_DIR}/make_golden.py"
