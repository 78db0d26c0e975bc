#!/usr/bin/env bash
# Build the BlazePose ONNX models in models/ from MediaPipe's published TFLite
# files.  See models/README.md for provenance, licence and the tensor spec.
#
#   bash models/convert.sh [--image PATH] [MODEL...]
#
# MODEL is any of: detector lite full heavy all (default: all).
# Re-runnable: the virtualenv (models/.venv) and the npm tarball
# (models/.cache) are reused while their pins match, and every model is
# converted afresh, checked against its TFLite original, and only then moved
# into place.  The output is byte-for-byte reproducible.
set -euo pipefail

MODELS_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO_DIR="$(dirname "$MODELS_DIR")"
VENV="$MODELS_DIR/.venv"
CACHE="$MODELS_DIR/.cache"
HELPER="$MODELS_DIR/convert_blazepose.py"
REQUIREMENTS="$MODELS_DIR/requirements-convert.txt"
PYTHON="${PYTHON:-python3}"
IMAGE="$REPO_DIR/../shared/photos/free_exercise_db_stretches/Standing_Pelvic_Tilt__0.jpg"

# Source: npm @mediapipe/pose (Apache-2.0), fetched with `npm pack`.
NPM_SPEC="@mediapipe/pose@0.5.1675469404"
NPM_TARBALL="mediapipe-pose-0.5.1675469404.tgz"
NPM_SHA256="8bb349a7b3a3ba699df23be804ddd3b3eab810b50b15406894be257859388a84"

# model -> "path in the npm package|source file|sha256 of the source|kind"
declare -A SOURCE=(
  [detector]="package/pose_solution_packed_assets.data|pose_detection.tflite|a63c614bef30d35947f13be361820b1e4e3bec9cfeebf4d11216a18373108e85|detector"
  [lite]="package/pose_landmark_lite.tflite|pose_landmark_lite.tflite|f17bfbecadb61c3be1baa8b8d851cc6619c870a87167b32848ad20db306b9d61|landmark"
  [full]="package/pose_landmark_full.tflite|pose_landmark_full.tflite|e9a5c5cb17f736fafd4c2ec1da3b3d331d6edbe8a0d32395855aeb2cdfd64b9f|landmark"
  [heavy]="package/pose_landmark_heavy.tflite|pose_landmark_heavy.tflite|59e42d71bcd44cbdbabc419f0ff76686595fd265419566bd4009ef703ea8e1fe|landmark"
)
ALL_MODELS=(detector lite full heavy)

usage() {
  sed -n '5,11p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'
}

say() { printf '==> %s\n' "$*"; }
die() { printf 'convert.sh: %s\n' "$*" >&2; exit 1; }
sha256() { sha256sum "$1" | cut -d' ' -f1; }

# --- arguments ---------------------------------------------------------------
models=()
while (($#)); do
  case "$1" in
    -h|--help) usage; exit 0 ;;
    --image) (($# >= 2)) || die "--image needs a path"; IMAGE="$2"; shift 2 ;;
    all) models+=("${ALL_MODELS[@]}"); shift ;;
    detector|lite|full|heavy) models+=("$1"); shift ;;
    *) usage >&2; die "unknown argument: $1" ;;
  esac
done
((${#models[@]})) || models=("${ALL_MODELS[@]}")
[[ -f "$IMAGE" ]] || die "check image not found: $IMAGE (pass --image PATH)"
command -v npm >/dev/null || die "npm is needed (Debian: apt-get install npm)"
command -v "$PYTHON" >/dev/null || die "$PYTHON not found"

# --- virtualenv with the pinned converter ------------------------------------
stamp="$(cat "$REQUIREMENTS" <("$PYTHON" -c 'import sys; print(sys.version)') | sha256sum | cut -d' ' -f1)"
if [[ -x "$VENV/bin/python" && "$(cat "$VENV/.stamp" 2>/dev/null)" == "$stamp" ]]; then
  say "reusing virtualenv $VENV"
else
  say "creating virtualenv $VENV (tensorflow-cpu etc., about 1.7 GB)"
  rm -rf "$VENV"
  "$PYTHON" -m venv "$VENV"
  "$VENV/bin/python" -m pip install --quiet --disable-pip-version-check \
    --only-binary=:all: -r "$REQUIREMENTS"
  echo "$stamp" >"$VENV/.stamp"
fi

# --- sources from npm ---------------------------------------------------------
mkdir -p "$CACHE/src"
tarball="$CACHE/$NPM_TARBALL"
if [[ ! -f "$tarball" || "$(sha256 "$tarball")" != "$NPM_SHA256" ]]; then
  say "fetching $NPM_SPEC with npm pack"
  rm -f "$tarball"
  (cd "$CACHE" && npm pack --silent "$NPM_SPEC" >/dev/null)
  [[ -f "$tarball" ]] || die "npm pack did not produce $NPM_TARBALL"
fi
got="$(sha256 "$tarball")"
[[ "$got" == "$NPM_SHA256" ]] || die "$NPM_TARBALL: sha256 $got, expected $NPM_SHA256"
say "$NPM_TARBALL sha256 ok"

extract_dir="$(mktemp -d)"
trap 'rm -rf "$extract_dir"' EXIT
for m in "${ALL_MODELS[@]}"; do
  IFS='|' read -r inner src want _ <<<"${SOURCE[$m]}"
  if [[ ! -f "$CACHE/src/$src" || "$(sha256 "$CACHE/src/$src")" != "$want" ]]; then
    tar -xzf "$tarball" -C "$extract_dir" "$inner"
    # pose_solution_packed_assets.data holds exactly one file, the detector
    # pose_detection.tflite (bytes 0..end, per its loader script).
    install -m 0644 "$extract_dir/$inner" "$CACHE/src/$src"
  fi
  got="$(sha256 "$CACHE/src/$src")"
  [[ "$got" == "$want" ]] || die "$src: sha256 $got, expected $want"
done
say "source .tflite files verified"

# --- convert and check ----------------------------------------------------------
export TF_CPP_MIN_LOG_LEVEL=2 TF_ENABLE_ONEDNN_OPTS=0
declare -A done_models=()
for m in "${models[@]}"; do
  [[ -z "${done_models[$m]:-}" ]] || continue
  done_models[$m]=1
  IFS='|' read -r _ src _ kind <<<"${SOURCE[$m]}"
  out="${src%.tflite}.onnx"
  tmp="$CACHE/$out.tmp"
  say "converting $src -> models/$out"
  IFS='|' read -r inner _ src_sha _ <<<"${SOURCE[$m]}"
  "$VENV/bin/python" "$HELPER" convert --kind "$kind" \
    --source "npm $NPM_SPEC, $inner, sha256 $src_sha" "$CACHE/src/$src" "$tmp"
  "$VENV/bin/python" "$HELPER" check --kind "$kind" --image "$IMAGE" "$CACHE/src/$src" "$tmp"
  mv -f "$tmp" "$MODELS_DIR/$out"
done

# --- record checksums -----------------------------------------------------------
# SHA256SUMS lists the built models (check with: cd models && sha256sum -c --ignore-missing SHA256SUMS).
(
  cd "$MODELS_DIR"
  present=()
  for m in "${ALL_MODELS[@]}"; do
    IFS='|' read -r _ src _ _ <<<"${SOURCE[$m]}"
    [[ -f "${src%.tflite}.onnx" ]] && present+=("${src%.tflite}.onnx")
  done
  if ((${#present[@]})); then sha256sum "${present[@]}" >SHA256SUMS; fi
)

say "sources (npm $NPM_SPEC)"
for m in "${ALL_MODELS[@]}"; do
  IFS='|' read -r _ src _ _ <<<"${SOURCE[$m]}"
  printf '  %s  %10d  %s\n' "$(sha256 "$CACHE/src/$src")" "$(stat -c %s "$CACHE/src/$src")" "$src"
done
say "results (models/)"
for m in "${ALL_MODELS[@]}"; do
  IFS='|' read -r _ src _ _ <<<"${SOURCE[$m]}"
  f="$MODELS_DIR/${src%.tflite}.onnx"
  [[ -f "$f" ]] && printf '  %s  %10d  %s\n' "$(sha256 "$f")" "$(stat -c %s "$f")" "${src%.tflite}.onnx"
done
say "done"
