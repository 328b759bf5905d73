#!/usr/bin/env bash
# Reruns the chapter-3 table of docs/results.md: each recipe trained from
# three seeds (six for the unstable row), test accuracy after the last epoch
# as mean and range, and validation accuracy where the book quotes validation
# figures.
#
# Usage: bench/chapter3-table.sh [ROW...]     (rows are numbered 1-12; default all)
#        SEEDS="1 2 3 4 5 6 7 8 9 10" bench/chapter3-table.sh 11 12   (other seeds)
# Prints a Markdown table and the running time of each row.
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build --release -q -p digitnet
bin=target/release/digitnet
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT

# name | seeds | flags
rows=(
  "[784,30,10] quadratic, N(0,1), 30 ep, η 3.0|1 2 3|"
  "[784,100,10] quadratic, N(0,1), 30 ep, η 3.0|1 2 3 4 5 6|--hidden 100"
  "[784,30,10] cross-entropy, N(0,1), 30 ep, η 0.5|1 2 3|--cost cross-entropy --eta 0.5"
  "[784,100,10] cross-entropy, N(0,1), 30 ep, η 0.5|1 2 3|--hidden 100 --cost cross-entropy --eta 0.5"
  "[784,30,10] cross-entropy, N(0,1), λ 5.0, 30 ep, η 0.5|1 2 3|--cost cross-entropy --eta 0.5 --lambda 5"
  "[784,30,10] cross-entropy, scaled, λ 5.0, 30 ep, η 0.5|1 2 3|--cost cross-entropy --init scaled --eta 0.5 --lambda 5"
  "[784,100,10] cross-entropy, N(0,1), λ 5.0, 30 ep, η 0.5|1 2 3|--hidden 100 --cost cross-entropy --eta 0.5 --lambda 5"
  "[784,100,10] cross-entropy, scaled, λ 5.0, 30 ep, η 0.5|1 2 3|--hidden 100 --cost cross-entropy --init scaled --eta 0.5 --lambda 5"
  "[784,100,10] cross-entropy, N(0,1), λ 5.0, 60 ep, η 0.1|1 2 3|--hidden 100 --cost cross-entropy --eta 0.1 --lambda 5 --epochs 60"
  "[784,100,10] cross-entropy, scaled, λ 5.0, 60 ep, η 0.1|1 2 3|--hidden 100 --cost cross-entropy --init scaled --eta 0.1 --lambda 5 --epochs 60"
  "notebook: [784,30,10] cross-entropy, scaled, λ 1.0, batch 100, 30 ep, η 3.0|1 2 3|--cost cross-entropy --init scaled --lambda 1 --batch-size 100 --eta 3"
  "tutorial: [784,16,10] ReLU + softmax, uniform, full batch, 350 steps, lr 0.2|1 2 3|--hidden 16 --activation relu --cost log-likelihood --init uniform --batch-size 50000 --epochs 350 --eta 0.2"
)
selected=("$@")
[ ${#selected[@]} -gt 0 ] || selected=($(seq 1 ${#rows[@]}))

# mean and range of percentages given one per line: "mean (min–max)"
summary() { awk '{s+=$1; if(NR==1||$1<lo)lo=$1; if(NR==1||$1>hi)hi=$1} END{printf "%.2f (%.2f–%.2f)", s/NR, lo, hi}'; }

echo "| # | run | seeds | test, last epoch: mean (range) | validation, last epoch | seconds |"
echo "|---|---|---|---|---|---|"
for i in "${selected[@]}"; do
  IFS='|' read -r name seeds flags <<<"${rows[$((i - 1))]}"
  seeds=${SEEDS:-$seeds}
  : >"$tmp/test"; : >"$tmp/val"
  start=$SECONDS
  for seed in $seeds; do
    # shellcheck disable=SC2086
    "$bin" train $flags --seed "$seed" --validation --out "$tmp/m.safetensors" >"$tmp/log"
    grep -o 'test accuracy [0-9.]*% after the last epoch' "$tmp/log" | grep -o '[0-9.]*' | head -n 1 >>"$tmp/test"
    tail -n 4 "$tmp/log" | grep -o 'validation [0-9]* / [0-9]*' | tail -n 1 |
      awk '{printf "%.2f\n", 100 * $2 / $4}' >>"$tmp/val"
    echo "row $i seed $seed: test $(tail -n 1 "$tmp/test")%, validation $(tail -n 1 "$tmp/val")%" >&2
  done
  secs=$((SECONDS - start))
  printf '| %s | %s | %s | %s | %s | %d |\n' "$i" "$name" "$(echo $seeds | wc -w)" \
    "$(summary <"$tmp/test")" "$(summary <"$tmp/val")" "$secs"
done
