#!/usr/bin/env bash
# Re-render the committed renders: samples/render/specs/*.json -> samples/,
# samples/render/specs_tests/*.json -> tests/renders/ (image + truth each;
# logs stay in a temporary folder). Several minutes per handful of images.
#
#   bash samples/render/bundle.sh
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "${HERE}/../.." && pwd)"
TMP="$(mktemp -d)"
trap 'rm -rf "${TMP}"' EXIT
bash "${HERE}/render.sh" --batch "${HERE}/specs" "${TMP}/samples"
bash "${HERE}/render.sh" --batch "${HERE}/specs_tests" "${TMP}/tests"
mkdir -p "${ROOT}/tests/renders"
for f in "${TMP}"/samples/*.truth.json; do
  stem="$(basename "${f}" .truth.json)"
  cp "${TMP}/samples/${stem}".{jpg,truth.json} "${ROOT}/samples/"
done
for f in "${TMP}"/tests/*.truth.json; do
  stem="$(basename "${f}" .truth.json)"
  cp "${TMP}/tests/${stem}".{jpg,truth.json} "${ROOT}/tests/renders/"
done
echo "copied $(ls "${TMP}"/samples/*.truth.json | wc -l) samples and $(ls "${TMP}"/tests/*.truth.json | wc -l) test renders" >&2
