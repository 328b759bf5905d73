#!/usr/bin/env bash
# Regenerates what docs/tour.md shows: the pictures under docs/ and the
# commands' output under docs/tour/. Run from anywhere in the repository:
#
#   docs/generate.sh
#
# Needs cargo and python3 (standard library only, to write a CSV in the
# Kaggle layout from the bundled MNIST). Timings in the output are this
# machine's; everything else is reproducible.
set -euo pipefail
cd "$(dirname "$0")/.."

cargo build --release -q -p digitnet --example draw_digits
cargo build --release -q -p digitnet
bin="$PWD/target/release/digitnet"
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
here="$PWD"
mkdir -p docs/tour docs/digits

# Digits drawn as pen strokes (not MNIST), PNG and JPEG, any size.
rm -f docs/digits/drawn-*
target/release/examples/draw_digits docs/digits >/dev/null

run() { # run OUTPUT ARGS...: writes `$ digitnet ARGS` and what it prints into OUTPUT
  local out="$1"; shift
  { echo "\$ digitnet $*"; "$bin" "$@" 2>&1 || echo "(exit status $?)"; } >"$out"
}

run docs/tour/predict.txt predict docs/digits/drawn-0.png docs/digits/drawn-1.png \
  docs/digits/drawn-2.jpg docs/digits/drawn-3.png docs/digits/drawn-4.png docs/digits/drawn-5.png \
  docs/digits/drawn-6.png docs/digits/drawn-7.jpg docs/digits/drawn-8.png docs/digits/drawn-9.png
run docs/tour/predict-show.txt predict --show docs/digits/drawn-6.png
# Files that fail are named; the others are still classified.
echo "these are notes, not a picture" >"$tmp/notes.png"
: >"$tmp/empty.png"
{ printf 'P5\n40 40\n255\n'; head -c 1600 /dev/zero | tr '\0' '\377'; } >"$tmp/blank.pgm"
(cd "$tmp" && cp "$here/docs/digits/drawn-3.png" . \
  && run "$here/docs/tour/predict-errors.txt" predict notes.png empty.png blank.pgm drawn-3.png)
run docs/tour/predict-json.txt predict --json docs/digits/drawn-7.jpg --index 8
# The default run, with the validation set and the accuracy chart.
run docs/tour/train.txt train --validation --plot docs/accuracy.png --out "$tmp/default.safetensors"
sed -i "s#$tmp/#/tmp/#g" docs/tour/train.txt
run docs/tour/eval.txt eval
run docs/tour/inspect.txt inspect --misclassified docs/misclassified.png \
  --weights docs/weights.png --confusion docs/confusion.png

# Your own data: the first 42,000 MNIST training digits as a Kaggle-layout CSV
# (label,pixel0,...,pixel783), trained on outside the checkout.
python3 - "$tmp/train.csv" <<'PY'
import gzip, sys
def idx(path):
    data = gzip.open(path).read()
    return data[4 + 4 * data[3]:]
images = idx("data/mnist/train-images-idx3-ubyte.gz")
labels = idx("data/mnist/train-labels-idx1-ubyte.gz")
with open(sys.argv[1], "w") as f:
    f.write("label," + ",".join(f"pixel{p}" for p in range(784)) + "\n")
    for i in range(42000):
        f.write(",".join(map(str, [labels[i], *images[784 * i:784 * (i + 1)]])) + "\n")
PY
(cd "$tmp" && run "$here/docs/tour/csv.txt" train --data train.csv)
# A row whose label is not a digit: line 4 (the third row of data).
(cd "$tmp" && { head -n 3 train.csv; sed -n 4p train.csv | sed 's/^[0-9]/12/'; } >bad.csv \
  && run "$here/docs/tour/csv-error.txt" train --data bad.csv)

# The page of `digitnet web` in headless Chromium: docs/web.png, and the
# figures of docs/browser.md (needs Chromium and Playwright).
(cd "$here" && web/measure.sh)

ls -l docs/*.png docs/digits docs/tour
