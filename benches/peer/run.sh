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

command -v taskset >/dev/null || { echo "taskset (util-linux) is needed for the one-core runs" >&2; exit 2; }

source "${REPO_ROOT}/tests/golden/mediapipe_venv.sh"
mediapipe_venv "${PEER_VENV:-}"

cd "${REPO_ROOT}"
cargo build --release --quiet
# Quieten MediaPipe's glog/absl chatter.
GLOG_minloglevel=2 TF_CPP_MIN_LOG_LEVEL=2 \
  "${VENV}/bin/python" "${SCRIPT_DIR}/compare.py" \
  --sagitta target/release/sagitta --repeats "${REPEATS:-5}"
