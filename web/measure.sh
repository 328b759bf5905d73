#!/usr/bin/env bash
# Measures what docs/browser.md says of the page, for the default model: the
# module's and the page's sizes, the in-browser times (headless Chromium), how
# the page reads 20 drawn test digits; and saves the screenshot docs/web.png.
#
#   web/measure.sh
#
# Needs what the browser test needs: python3 with Playwright and Chromium
# (DIGITNET_CHROMIUM names the binary, /usr/bin/chromium by default).
set -euo pipefail
cd "$(dirname "$0")/.."

cargo build --release -q -p digitnet
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
target/release/digitnet web --out "$tmp/page"
python3 host/tests/web/browser.py --out "$tmp" --screenshot docs/web.png --reps 300 \
  "$tmp/page/index.html:20" >"$tmp/report.json"
python3 - "$tmp/report.json" web/digitnet-web.wasm "$tmp/page/index.html" <<'PY'
import json, os, sys
report, wasm, page = sys.argv[1:]
p = json.load(open(report))["pages"][0]
t = p["timing"]
right = sum(d["digit"] == d["label"] for d in p["drawn"])
print(f"WebAssembly module (web/digitnet-web.wasm): {os.path.getsize(wasm):,} bytes")
print(f"page for the default model (index.html):    {os.path.getsize(page):,} bytes")
print(f"load-time check: {p['badge']}")
print(f"drawn test digits read as their labels: {right} of {len(p['drawn'])}")
print(f"in Chromium, median over {t['drawings']} drawings of {t['reps']} repetitions:")
print(f"  prepare + forward pass (one module call, 280x280 canvas): {t['picture_ms']:.3f} ms")
print(f"  forward pass alone:                                      {t['forward_ms']:.4f} ms")
print(f"  stroke to updated answer (read canvas, call, redraw):    {t['update_ms']:.3f} ms")
print("screenshot: docs/web.png")
PY
