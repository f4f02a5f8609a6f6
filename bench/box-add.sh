#!/usr/bin/env bash
# Box-add benchmark: boxer against its real peers on the same box file, in the same run.
#
# The box holds 1 GiB of random data (box.img) and a 2 GiB sparse image (sparse.raw), packed by
# bsdtar -czf, the tool Vagrant itself uses. Each round, in turn: `bsdtar -xzf` into a fresh folder,
# `boxer box add` into a fresh BOXER_HOME, and `vagrant box add` into a fresh VAGRANT_HOME when
# vagrant is installed. Prints median wall times, the ratios, boxer's peak memory, and whether the
# sparse image stayed sparse. Targets (issue 2): boxer <= 1.0x bsdtar, peak memory < 64 MiB.
#
# Environment: ROUNDS (default 5), BENCH_CACHE (default ~/.cache/boxer-bench; the 1 GiB box is
# built once and reused), BOXER (path of a release boxer; built when unset).
set -euo pipefail
cd "$(dirname "$0")/.."

rounds=${ROUNDS:-5}
cache=${BENCH_CACHE:-$HOME/.cache/boxer-bench}
mkdir -p "$cache"
for tool in bsdtar /usr/bin/time; do
  command -v "$tool" >/dev/null || { echo "box-add bench: $tool is missing; run scripts/bootstrap" >&2; exit 2; }
done

if [ -z "${BOXER:-}" ]; then
  swift build -c release --product boxer >&2
  BOXER=$PWD/.build/release/boxer
fi

box=$cache/large.box
if [ ! -s "$box" ]; then
  echo "building $box (1 GiB random + 2 GiB sparse, gzip)..." >&2
  src=$cache/src
  rm -rf "$src" && mkdir -p "$src"
  dd if=/dev/urandom of="$src/box.img" bs=1M count=1024 status=none
  truncate -s 2G "$src/sparse.raw"
  echo '{"provider":"libvirt","format":"qcow2","virtual_size":3}' > "$src/metadata.json"
  (cd "$src" && bsdtar -czf "$box.partial" metadata.json box.img sparse.raw)
  mv "$box.partial" "$box"
  rm -rf "$src"
fi

work=$(mktemp -d "${TMPDIR:-/tmp}/boxer-bench.XXXXXX")
trap 'rm -rf "$work"' EXIT

# Runs a command under GNU time; prints "seconds kilobytes".
measure() {
  local out=$work/time.txt
  sync
  /usr/bin/time -f "%e %M" -o "$out" "$@" >/dev/null 2>"$work/stderr.txt" || { cat "$work/stderr.txt" >&2; return 1; }
  cat "$out"
}

median() { sort -n | awk '{a[NR]=$1} END {print (NR%2) ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2}'; }

have_vagrant=0
command -v vagrant >/dev/null && have_vagrant=1
: > "$work/bsdtar" ; : > "$work/boxer" ; : > "$work/boxer.mem" ; : > "$work/vagrant"
cat "$box" > /dev/null  # everyone reads the box from the page cache

for round in $(seq "$rounds"); do
  rm -rf "$work/x" && mkdir "$work/x"
  measure bsdtar -xzf "$box" -C "$work/x" | awk '{print $1}' >> "$work/bsdtar"
  rm -rf "$work/x"

  rm -rf "$work/home"
  read -r secs kb < <(BOXER_HOME=$work/home measure "$BOXER" box add --name bench/large "$box")
  echo "$secs" >> "$work/boxer"; echo "$kb" >> "$work/boxer.mem"
  if [ "$round" -eq 1 ]; then
    stored=$work/home/boxes/bench-VAGRANTSLASH-large/0/libvirt
    sparse_kb=$(du -k "$stored/sparse.raw" | cut -f1)
    size=$(stat -c %s "$stored/sparse.raw")
    cmp -s <(bsdtar -xOf "$box" box.img) "$stored/box.img" || { echo "box.img differs after boxer box add" >&2; exit 1; }
  fi
  rm -rf "$work/home"

  if [ "$have_vagrant" = 1 ]; then
    rm -rf "$work/vagrant.d"
    VAGRANT_HOME=$work/vagrant.d VAGRANT_CHECKPOINT_DISABLE=1 measure vagrant box add --name bench/large "$box" | awk '{print $1}' >> "$work/vagrant"
    rm -rf "$work/vagrant.d"
  fi
done

bsdtar_s=$(median < "$work/bsdtar")
boxer_s=$(median < "$work/boxer")
peak_kb=$(sort -n "$work/boxer.mem" | tail -1)
ratio=$(awk -v a="$boxer_s" -v b="$bsdtar_s" 'BEGIN {printf "%.2f", a / b}')
peak_mib=$(awk -v k="$peak_kb" 'BEGIN {printf "%.1f", k / 1024}')

echo "box-add benchmark ($rounds rounds, median wall time; box $(du -h "$box" | cut -f1) gzip, 1 GiB random + 2 GiB sparse)"
echo "  bsdtar -xzf:      ${bsdtar_s} s   (runs: $(paste -sd' ' "$work/bsdtar"))"
echo "  boxer box add:    ${boxer_s} s   (runs: $(paste -sd' ' "$work/boxer"))"
if [ "$have_vagrant" = 1 ]; then
  vagrant_s=$(median < "$work/vagrant")
  echo "  vagrant box add:  ${vagrant_s} s   (runs: $(paste -sd' ' "$work/vagrant"))"
  echo "  ratio boxer/vagrant: $(awk -v a="$boxer_s" -v b="$vagrant_s" 'BEGIN {printf "%.2f", a / b}')x"
fi
echo "  ratio boxer/bsdtar:  ${ratio}x  (target <= 1.00x)"
echo "  boxer peak memory:   ${peak_mib} MiB  (target < 64 MiB)"
echo "  sparse.raw after add: ${size} bytes apparent, ${sparse_kb} KiB allocated"
status=0
awk -v r="$ratio" 'BEGIN {exit !(r <= 1.0)}' || { echo "  MISSED: boxer is slower than bsdtar"; status=1; }
awk -v m="$peak_mib" 'BEGIN {exit !(m < 64)}' || { echo "  MISSED: peak memory"; status=1; }
[ "$sparse_kb" -lt 1024 ] || { echo "  MISSED: sparse.raw was filled in"; status=1; }
exit $status
