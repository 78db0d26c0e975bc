#!/usr/bin/env bash
# sagitta against MediaPipe's Python pose solution, side by side in one run.
#
#   bash benches/peer/run.sh            # from the repository root or anywhere
#
# Builds sagitta (release), creates a throw-away virtualenv with PyPI
# mediapipe==0.10.21 from the pinned list the golden tests use
# (tests/golden/requirements.txt), then runs benches/peer/compare.py, which
# times both on the same photos and prints the table and the ratios.
# PEER_VENV=/some/dir creates or reuses a persistent virtualenv there instead;
# REPEATS=N sets the repetitions of each timed run (default 5).
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
command -v taskset >/dev/null || { echo "taskset (util-linux) is needed for the one-core runs" >&2; exit 2; }

if [ -n "${PEER_VENV:-}" ]; then
  VENV="${PEER_VENV}"
else
  TMP="$(mktemp -d)"
  trap 'rm -rf "${TMP}"' EXIT
  VENV="${TMP}/venv"
fi
if [ ! -x "${VENV}/bin/python" ]; then
  echo "Creating virtualenv in ${VENV} ..." >&2
  "${PYTHON}" -m venv "${VENV}"
  # Same pins and --no-deps as tests/golden/make_golden.sh: mediapipe's
  # declared jax/jaxlib/sentencepiece/sounddevice are not used by the pose solution.
  "${VENV}/bin/python" -m pip install --quiet --no-deps --only-binary=:all: \
    -r "${REPO_ROOT}/tests/golden/requirements.txt"
fi

cd "${REPO_ROOT}"
cargo build --release --quiet
# Quieten MediaPipe's glog/absl chatter.
GLOG_minloglevel=2 TF_CPP_MIN_LOG_LEVEL=2 \
  "${VENV}/bin/python" "${SCRIPT_DIR}/compare.py" \
  --sagitta target/release/sagitta --repeats "${REPEATS:-5}"
