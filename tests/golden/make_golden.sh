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


source "${REPO_ROOT}/tests/golden/mediapipe_venv.sh"
mediapipe_venv "${GOLDEN_VENV:-}"

cd "${REPO_ROOT}"
# Quieten MediaPipe's glog/absl chatter.
GLOG_minloglevel=2 TF_CPP_MIN_LOG_LEVEL=2 \
  "${VENV}/bin/python" "${SCRIPT_DIR}/make_golden.py"
