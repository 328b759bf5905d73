#!/usr/bin/env bash
# Training speed side by side: `digitnet bench` (one and two threads) and the
# same math in numpy vectorised over the mini-batch (bench/numpy_reference.py,
# one thread), in one run on this machine, for two configurations:
#   chapter 1: [784, 30, 10] sigmoid, quadratic cost, batch 10, eta 3.0
#   [784, 100, 10] sigmoid, cross-entropy cost, batch 10, eta 0.5
# Prints a Markdown table of median seconds per training epoch (50,000
# images; the per-epoch test evaluation is not counted) and the ratios.
#
# Needs python3 with numpy; threadpoolctl reports numpy's BLAS kernel:
#   pip install numpy threadpoolctl
# Usage: bench/speed.sh [EPOCHS] [REPEATS]
#   digitnet runs REPEATS times (default 3) of EPOCHS epochs (default 10) for
#   each thread count and configuration, interleaved, and the run with the
#   median time per epoch is reported; numpy runs 3 epochs once.
# Run it on an otherwise idle machine: other programs on the cores slow the
# two-thread figure most (the script prints the load average before and after,
# and every digitnet run's time, so that a disturbed run shows).
set -euo pipefail
cd "$(dirname "$0")/.."
epochs=${1:-10}
repeats=${2:-3}
cargo build --release -q -p digitnet
bin=target/release/digitnet
python3 -c 'import numpy' 2>/dev/null || {
  echo "bench/speed.sh needs numpy: pip install numpy threadpoolctl" >&2
  exit 1
}
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
echo "load average before: $(cut -d' ' -f1-3 /proc/loadavg)"

# name | digitnet flags | numpy flags
configs=(
  "chapter 1: [784,30,10] sigmoid, quadratic, η 3.0||"
  "[784,100,10] sigmoid, cross-entropy, η 0.5|--hidden 100 --cost cross-entropy --eta 0.5|--hidden 100 --cost cross-entropy --eta 0.5"
)
for i in "${!configs[@]}"; do
  IFS='|' read -r name flags npflags <<<"${configs[$i]}"
  for r in $(seq "$repeats"); do
    for t in 1 2; do
      # shellcheck disable=SC2086
      "$bin" bench --json --threads "$t" --epochs "$epochs" $flags >"$tmp/rust$t-$i-$r.json"
    done
  done
  # numpy on one thread, with OpenBLAS choosing its kernel for this processor
  # (OPENBLAS_CORETYPE / OPENBLAS_L2_SIZE, if set in the environment, would
  # force a slower one).
  # shellcheck disable=SC2086
  env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1 \
    MKL_NUM_THREADS=1 python3 bench/numpy_reference.py --json --epochs 3 $npflags >"$tmp/numpy-$i.json"
  echo "$name" >"$tmp/name-$i"
done
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"

python3 - "$tmp" "${#configs[@]}" <<'PY'
import json, sys
tmp, n = sys.argv[1], int(sys.argv[2])
import glob
load = lambda p: json.load(open(p))

def median_run(t, i):
    # The run whose median epoch is the median of the repeats.
    runs = sorted((load(p) for p in glob.glob(f"{tmp}/rust{t}-{i}-*.json")),
                  key=lambda r: r["epoch_seconds"])
    times = " ".join(f"{r['epoch_seconds']:.4f}" for r in runs)
    print(f"{t} thread(s), configuration {i + 1}: {times} s per epoch")
    return runs[len(runs) // 2]

best = {(t, i): median_run(t, i) for i in range(n) for t in (1, 2)}
print()
print("| configuration | numpy, 1 thread | digitnet, 1 thread | × numpy | digitnet, 2 threads | × numpy | × 1 thread |")
print("|---|---|---|---|---|---|---|")
for i in range(n):
    name = open(f"{tmp}/name-{i}").read().strip()
    r1, r2, npy = best[(1, i)], best[(2, i)], load(f"{tmp}/numpy-{i}.json")
    a, b, c = npy["epoch_seconds"], r1["epoch_seconds"], r2["epoch_seconds"]
    print(f"| {name} | {a:.3f} s | {b:.4f} s | {a/b:.1f}× | {c:.4f} s | {a/c:.1f}× | {b/c:.2f}× |")
r = best[(1, 0)]
print()
print(f"digitnet: instruction set {r['simd']}; MNIST load {r['load_seconds']:.3f} s "
      f"(gunzip {r['gunzip_seconds']:.3f} s); test set classified in "
      f"{1e3 * r['eval_seconds']:.2f} ms on 1 thread, "
      f"{1e3 * best[(2, 0)]['eval_seconds']:.2f} ms on 2 (chapter 1 network)")
print(f"numpy {npy['numpy']}: BLAS {npy['blas']}")
PY
