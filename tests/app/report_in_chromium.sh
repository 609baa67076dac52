#!/usr/bin/env bash
# `migflow report` opens offline in a browser: two runs of the small world, the report,
# then headless Chromium (no network, a fresh profile) renders it; the DOM holds the
# comparison table, the figures and the settings that differ, and the screenshot is not
# blank. Usage: report_in_chromium.sh MIGFLOW_BINARY TEST_DATA WORK_DIR
set -euo pipefail
migflow=$1 data=$2 work=$3
rm -rf "$work" && mkdir -p "$work/profile"
"$migflow" run "$data/small.yaml" --out "$work/a.h5" --replicates 3 --threads 2 2> /dev/null
"$migflow" run "$data/all_policies.yaml" --out "$work/b.h5" --replicates 3 --threads 2 2> /dev/null
"$migflow" report "$work/a.h5" "$work/b.h5" --out "$work/report.html"
# Self-contained: no script, nothing fetched from elsewhere.
if grep -q '<script\|src="http\|href="http\|url(http' "$work/report.html"; then
  echo "FAIL: the report loads something from elsewhere" >&2
  exit 1
fi
flags=(--headless --no-sandbox --disable-gpu --disable-quic --no-first-run --disable-background-networking
       --disable-component-update --disable-sync --user-data-dir="$work/profile" --window-size=1280,1600)
timeout 120 chromium "${flags[@]}" --dump-dom "file://$work/report.html" > "$work/dom.html" 2> "$work/chromium.log"
timeout 120 chromium "${flags[@]}" --screenshot="$work/report.png" "file://$work/report.html" \
  >> "$work/chromium.log" 2>&1
for want in '<table class="comparison">' '<td>arrivals_irregular</td>' '<svg' 'policies[name=border_capacity]' \
            'Provenance'; do
  grep -qF "$want" "$work/dom.html" || { echo "FAIL: the rendered page lacks $want" >&2; exit 1; }
done
/usr/bin/python3 - "$work/report.png" <<'PY'
import sys
from PIL import Image
image = Image.open(sys.argv[1]).convert("RGB")
colours = image.getcolors(maxcolors=1 << 20) or []
dark = sum(n for n, (r, g, b) in colours if r + g + b < 200)
print(f"screenshot {image.size[0]}x{image.size[1]}: {len(colours)} colours, {dark} dark pixels")
if image.size[0] < 1000 or len(colours) < 50 or dark < 2000:
    sys.exit("FAIL: the screenshot is blank")
PY
echo "report rendered in headless Chromium: $work/report.png"
