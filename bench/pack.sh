#!/usr/bin/env bash
# Packaging benchmark (issue 6): boxer's gzip of a 1 GiB disk image against `bsdtar -czf`, the
# tool Vagrant and Packer users pack boxes with, on the same folder in the same run, both at
# gzip level 6. The image is 1 GiB of this machine's own binaries and libraries (real, mixed
# compressible data, not zeros or random bytes), stored as data, not sparse, and read into the
# page cache before the rounds. Each round packs with bsdtar and with `boxer box pack`, each going
# first in turn; then both outputs are checked with `gzip -t` and
# `bsdtar -tf`, and boxer's is unpacked and compared with the image. Prints median wall times,
# the ratio and boxer's peak memory. Target: boxer >= 1.8x as fast as bsdtar on 2 cores.
#
# Environment: ROUNDS (default 3), BENCH_CACHE (default ~/.cache/boxer-bench; the image is made
# once), BOXER (a release boxer; built when unset).
set -euo pipefail
cd "$(dirname "$0")/.."
. bench/lib.sh

rounds=${ROUNDS:-3}
cache=${BENCH_CACHE:-$HOME/.cache/boxer-bench}
mkdir -p "$cache"
for tool in bsdtar gzip /usr/bin/time; do
  command -v "$tool" >/dev/null || { echo "pack bench: $tool is missing; run scripts/bootstrap" >&2; exit 2; }
done
if [ -z "${BOXER:-}" ]; then
  swift build -c release --product boxer >&2
  BOXER=$PWD/.build/release/boxer
fi

src=$cache/pack-src
if [ ! -s "$src/box.img" ] || [ "$(stat -c %s "$src/box.img")" != 1073741824 ]; then
  echo "making $src/box.img (1 GiB of /usr's files)..." >&2
  rm -rf "$src" && mkdir -p "$src"
  # Repeat the listing if /usr holds less than 1 GiB.
  for _ in 1 2 3 4 5 6 7 8; do find /usr -xdev -type f -size +16k -print0 | sort -z | xargs -0 cat 2>/dev/null; done | head -c 1073741824 > "$src/box.img" || true
  echo '{"provider":"libvirt","format":"qcow2","virtual_size":1}' > "$src/metadata.json"
fi

work=$(mktemp -d "${TMPDIR:-/tmp}/boxer-pack-bench.XXXXXX")
trap 'rm -rf "$work"' EXIT
cores=$(nproc)
echo "pack bench: 1 GiB image, gzip level 6, $cores cores, $rounds rounds"
bsdtar_times=() boxer_times=() peak=0
# Both read the image from the page cache: it is read once before the rounds.
cat "$src/box.img" > /dev/null
run_bsdtar() {
  local start; start=$(date +%s.%N)
  (cd "$src" && bsdtar -czf "$work/bsdtar.box" metadata.json box.img)
  t=$(awk -v s="$start" -v e="$(date +%s.%N)" 'BEGIN {print e - s}'); bsdtar_times+=("$t")
}
run_boxer() {
  local start; start=$(date +%s.%N)
  /usr/bin/time -f %M -o "$work/rss" "$BOXER" box pack "$src" --output "$work/boxer.box" --compression gzip --level 6 >/dev/null
  t2=$(awk -v s="$start" -v e="$(date +%s.%N)" 'BEGIN {print e - s}'); boxer_times+=("$t2")
  rss=$(cat "$work/rss"); if [ "$rss" -gt "$peak" ]; then peak=$rss; fi
}
for round in $(seq "$rounds"); do
  rm -f "$work"/*.box
  # Each goes first in turn.
  if [ $((round % 2)) = 1 ]; then run_bsdtar; run_boxer; else run_boxer; run_bsdtar; fi
  printf 'round %d: bsdtar %.2f s, boxer %.2f s\n' "$round" "$t" "$t2"
done
for box in bsdtar boxer; do
  gzip -t "$work/$box.box" || { echo "pack bench: gzip -t refuses $box.box" >&2; exit 1; }
  bsdtar -tf "$work/$box.box" >/dev/null || { echo "pack bench: bsdtar cannot list $box.box" >&2; exit 1; }
done
mkdir "$work/x" && bsdtar -xf "$work/boxer.box" -C "$work/x" box.img
cmp -s "$work/x/box.img" "$src/box.img" || { echo "pack bench: boxer.box does not unpack to the image" >&2; exit 1; }
b=$(printf '%s\n' "${bsdtar_times[@]}" | median)
x=$(printf '%s\n' "${boxer_times[@]}" | median)
printf 'sizes: bsdtar %d bytes, boxer %d bytes\n' "$(stat -c %s "$work/bsdtar.box")" "$(stat -c %s "$work/boxer.box")"
printf 'median: bsdtar -czf %.2f s, boxer box pack %.2f s; boxer is %.2fx as fast (target >= 1.8x); boxer peak RSS %.1f MiB\n' \
  "$b" "$x" "$(awk -v b="$b" -v x="$x" 'BEGIN {print b / x}')" "$(awk -v k="$peak" 'BEGIN {print k / 1024}')"
echo "both outputs pass gzip -t and bsdtar -tf; boxer's unpacks to the same image"
