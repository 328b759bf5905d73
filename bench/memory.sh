#!/usr/bin/env bash
# Peak resident memory (GNU time's "Maximum resident set size") of the
# default `digitnet train` and of `digitnet predict` on large but legal
# pictures, as the "Bounded" table of docs/reliability.md gives them.
#
# Usage: bench/memory.sh
# Needs /usr/bin/time (apt-get install time) and python3 (to write the pictures).
set -euo pipefail
cd "$(dirname "$0")/.."
[ -x /usr/bin/time ] || { echo "bench/memory.sh: /usr/bin/time is not installed (apt-get install time)" >&2; exit 2; }
cargo build --release -q -p digitnet
bin=$PWD/target/release/digitnet
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT

# A grey PNG of W x H pixels: white paper with a dark vertical stroke (a "1").
png() {
  python3 - "$1" "$2" "$3" <<'PY'
import struct, sys, zlib
w, h, out = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3]
blank = b"\x00" + b"\xf0" * w
x0, x1 = w // 2 - max(1, w // 40), w // 2 + max(1, w // 40)
ink = b"\x00" + b"\xf0" * x0 + b"\x10" * (x1 - x0) + b"\xf0" * (w - x1)
z = zlib.compressobj(1)
body = bytearray()
for y in range(h):
    body += z.compress(ink if h // 5 <= y < 4 * h // 5 else blank)
body += z.flush()
def chunk(kind, data):
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
with open(out, "wb") as f:
    f.write(b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", w, h, 8, 0, 0, 0, 0))
            + chunk(b"IDAT", bytes(body)) + chunk(b"IEND", b""))
PY
}

# Peak RSS in MB of a command run in folder $1.
peak() {
  local dir=$1; shift
  (cd "$dir" && /usr/bin/time -f '%M' -o "$tmp/rss" "$@" >/dev/null)
  echo "$(( $(cat "$tmp/rss") / 1024 ))"
}

mkdir -p "$tmp/empty"
png 4000 3000 "$tmp/photo-4000x3000.png"
png 16384 16384 "$tmp/largest-16384x16384.png"
echo "| command | peak resident memory |"
echo "|---|---|"
echo "| \`digitnet train\` (MNIST from data/mnist) | $(peak . "$bin" train --out "$tmp/m.safetensors") MB |"
echo "| \`digitnet train\` outside a checkout (the built-in MNIST) | $(peak "$tmp/empty" "$bin" train --out "$tmp/m.safetensors") MB |"
echo "| \`digitnet predict\` a 4000 × 3000 grey PNG | $(peak . "$bin" predict "$tmp/photo-4000x3000.png") MB |"
echo "| \`digitnet predict\` a 16384 × 16384 grey PNG (the largest side accepted) | $(peak . "$bin" predict "$tmp/largest-16384x16384.png") MB |"
