#!/usr/bin/env bash
# sagitta's angles against rendered ground truth, next to MediaPipe's own
# Python pipeline on the same images.
#
#   bash benches/accuracy/run.sh [RENDERS_DIR]
#
# RENDERS_DIR holds renders with their *.truth.json. Without it, the sweep
# of samples/render/sweep.py (88 specs, fixed seed) is rendered into the
# cache ~/.cache/sagitta/renders/sweep first; renders already there are kept,
# so only the first run takes long (about a minute a render on 2 cores).
# The tilt series (sweep.py --series 8: 8 people at 6 tilts each) is rendered
# the same way into ~/.cache/sagitta/renders/series (SERIES_DIR) and reported
# per person. Builds sagitta
# (release), makes or reuses the MediaPipe virtualenv of the golden tests
# (PEER_VENV, default ~/.cache/sagitta/mp-venv) with the lite and heavy
# models added from the pinned npm package, then runs accuracy.py.
# ACCURACY_JSON=FILE keeps every render's row.
set -euo pipefail

SCRIPT_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO_ROOT="$(cd "${SCRIPT_DIR}/../.." && pwd)"
PYTHON="${PYTHON:-python3}"
if [ $# -ge 1 ]; then
  RENDERS="$1"
  [ -d "${RENDERS}" ] || { echo "no folder ${RENDERS}" >&2; exit 2; }
else
  RENDERS="${HOME}/.cache/sagitta/renders/sweep"
  "${PYTHON}" "${REPO_ROOT}/samples/render/sweep.py" --out "${RENDERS}/specs"
  nice -n 5 bash "${REPO_ROOT}/samples/render/render.sh" --batch "${RENDERS}/specs" "${RENDERS}"
fi
SERIES="${SERIES_DIR:-${HOME}/.cache/sagitta/renders/series}"
if [ -z "${SERIES_DIR:-}" ]; then
  "${PYTHON}" "${REPO_ROOT}/samples/render/sweep.py" --series 8 --out "${SERIES}/specs"
  nice -n 5 bash "${REPO_ROOT}/samples/render/render.sh" --batch "${SERIES}/specs" "${SERIES}"
fi

source "${REPO_ROOT}/tests/golden/mediapipe_venv.sh"
mediapipe_venv "${PEER_VENV:-${HOME}/.cache/sagitta/mp-venv}"
mediapipe_extra_models

cd "${REPO_ROOT}"
cargo build --release --quiet
GLOG_minloglevel=2 TF_CPP_MIN_LOG_LEVEL=2 \
  "${VENV}/bin/python" "${SCRIPT_DIR}/accuracy.py" --renders "${RENDERS}" \
  --sagitta target/release/sagitta --mediapipe 1 --mediapipe 2 --series "${SERIES}" \
  ${ACCURACY_JSON:+--json "${ACCURACY_JSON}"} 2> >(grep -v -e '^W0000' -e '^I0000' -e 'WARNING: All log' >&2)
