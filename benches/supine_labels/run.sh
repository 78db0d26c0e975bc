#!/usr/bin/env bash
# Model keypoints against the hand labels of the supine photos.
#
#   bash benches/supine_labels/run.sh     # from the repository root or anywhere
#
# Builds sagitta (release), creates or reuses the MediaPipe virtualenv the
# golden tests and benches/peer use (PyPI mediapipe==0.10.21 from the pinned
# list, plus the heavy landmark model), then runs compare.py with MediaPipe's
# full and heavy models beside sagitta. PEER_VENV=DIR keeps the virtualenv
# there (default ~/.cache/sagitta/mp-venv); SAGITTA_SHARED=DIR reads ../shared
# from DIR (for a worktree without ../shared beside it).
set -euo pipefail

SCRIPT_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO_ROOT="$(cd "${SCRIPT_DIR}/../.." && pwd)"
PYTHON="${PYTHON:-python3}"

source "${REPO_ROOT}/tests/golden/mediapipe_venv.sh"
mediapipe_venv "${PEER_VENV:-${HOME}/.cache/sagitta/mp-venv}"
mediapipe_extra_models

cd "${REPO_ROOT}"
cargo build --release --quiet
GLOG_minloglevel=2 TF_CPP_MIN_LOG_LEVEL=2 \
  "${VENV}/bin/python" "${SCRIPT_DIR}/compare.py" \
  --sagitta target/release/sagitta --mediapipe 1 --mediapipe 2 --per-photo "$@" \
  2> >(grep -v -e '^W0000' -e '^I0000' -e 'WARNING: All log' -e 'XNNPACK' >&2)
