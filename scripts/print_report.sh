#!/usr/bin/env bash
# Prints sagitta's HTML reports to PDF with headless Chromium and checks that
# each fits on one or two A4 pages.
#
#   scripts/print_report.sh [--png] REPORT.html...
#       print these reports (`sagitta analyze --out DIR --report` writes them);
#       each PDF goes beside its report
#   scripts/print_report.sh [--png]
#       print the sample reports made from the test fixtures (the standing one
#       has the longest routine, with phase two) into target/report-samples/
#
# --png also renders every page as PNG (REPORT-N.png), to look at them.
# Installs Debian's chromium and poppler-utils when they are missing (as root).
# Exit status 1 when a report takes more than two pages.
set -euo pipefail

MAX_PAGES=2
png=false
if [[ ${1:-} == --png ]]; then
    png=true
    shift
fi

missing=()
command -v chromium >/dev/null || missing+=(chromium)
command -v pdfinfo >/dev/null || missing+=(poppler-utils)
if ((${#missing[@]})); then
    apt-get update -qq
    apt-get install -y -qq "${missing[@]}" >/dev/null
fi

repo=$(cd "$(dirname "$0")/.." && pwd)
reports=("$@")
if ((${#reports[@]} == 0)); then
    samples="$repo/target/report-samples"
    rm -rf "$samples"
    (cd "$repo" && SAGITTA_REPORT_DIR="$samples" cargo test --quiet --test it \
        -- --ignored --exact report::write_sample_reports >/dev/null)
    reports=("$samples"/*.report.html)
fi

profile=$(mktemp -d)
trap 'rm -rf "$profile"' EXIT

status=0
for report in "${reports[@]}"; do
    html=$(realpath "$report")
    pdf="${html%.html}.pdf"
    # No network, no sync, a throw-away profile: the page must stand alone.
    chromium --headless --no-sandbox --disable-gpu --disable-background-networking \
        --disable-component-update --disable-sync --no-first-run \
        --user-data-dir="$profile" --no-pdf-header-footer \
        --print-to-pdf="$pdf" "file://$html" 2>/dev/null
    pages=$(pdfinfo "$pdf" | awk '/^Pages:/ { print $2 }')
    verdict=ok
    if ((pages > MAX_PAGES)); then
        verdict="TOO LONG (more than $MAX_PAGES pages)"
        status=1
    fi
    echo "$pdf: $pages page(s), $verdict"
    if $png; then
        pdftoppm -png -r 70 "$pdf" "${html%.html}"
    fi
done
exit "$status"
