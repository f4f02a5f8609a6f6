#!/usr/bin/env bash
# Build benchmark: `boxer build testbox-amd64 --provider libvirt` (one 1G libvirt box, gzip level
# 6) against `packer build` of an equivalent Packer template (qemu builder + shell provisioner +
# vagrant post-processor, compression_level 6), on the same machine in the same run. Both start
# from the same ready source image (the recipe's tiny busybox+dropbear qcow2, built once by an
# untimed warm-up `boxer build` into BENCH_CACHE), both grow it to 1G, boot it under the same
# QEMU (q35, the same accelerator, 1024 MiB, 1 CPU, virtio disk, virtio-rng, user NAT with
# restrict=on: nothing leaves this machine), run the template's provisioning over SSH as
# `vagrant` with Vagrant's insecure key, run boxer's guest cleanup, power off, compact the disk
# and write a gzip'd libvirt .box. Rounds alternate which tool goes first; afterwards every box
# is checked with `gzip -t` and `bsdtar -tf` (box.img and metadata.json listed) and, when mtools
# is here, for the provisioning's /boot/boxer-build inside box.img. Prints per-round and median
# wall times and the ratio. Target: boxer <= 0.8x Packer's wall time.
#
# One difference is forced: dropbear 2022.83 (the guest's SSH server) offers ssh-rsa host keys
# while it has only an ed25519 one, and Packer 1.6.6's Go SSH client, which prefers ssh-rsa and
# cannot be told otherwise, makes it abort the handshake (rsa.c:164 `key != NULL`). So Packer's
# guest gets a NoCloud seed (a read-only virtio disk, as boxer's is) whose runcmd starts a second
# dropbear on port 2222 that also has an RSA host key (made here, untimed), and Packer's SSH
# forward goes there. boxer's guest gets its own seed as usual.
#
# `bench/build.sh --iso` times the build from an installer ISO instead (bench/build-iso.sh).
#
# Environment: ROUNDS (default 4, even so that each tool goes first as often), BENCH_CACHE (default ~/.cache/boxer-bench; the source image is
# built once under images/), BOXER (a release boxer; built when unset), PACKER (default: packer
# on PATH; when missing only boxer is timed), BENCH_KEEP=1 keeps the work folder and its logs.
set -euo pipefail
cd "$(dirname "$0")/.."
[ "${1:-}" = --iso ] && exec bench/build-iso.sh
. bench/lib.sh

rounds=${ROUNDS:-4}
cache=${BENCH_CACHE:-$HOME/.cache/boxer-bench}
mkdir -p "$cache/images"
for tool in qemu-system-x86_64 qemu-img bsdtar gzip openssl python3 sha256sum; do
  command -v "$tool" >/dev/null || { echo "build bench: $tool is missing; run scripts/bootstrap" >&2; exit 2; }
done
if [ -z "${BOXER:-}" ]; then
  swift build -c release --product boxer >&2
  BOXER=$PWD/.build/release/boxer
fi
packer=${PACKER:-$(command -v packer || true)}

work=$(mktemp -d "${TMPDIR:-/tmp}/boxer-build-bench.XXXXXX")
running="" # the pid of the boxer or packer run in progress (bench/lib.sh's timed)
bench="build bench"
trap cleanup EXIT
trap 'exit 130' INT TERM

export BOXER_QEMU_RESTRICT=1 BOXER_IMAGE_CACHE=$cache/images
# Neither side traces unless the logs are kept (BENCH_KEEP=1), and then both do.
unset BOXER_LOG PACKER_LOG PACKER_LOG_PATH
boxer_build() { # dir
  # --no-cache: every round customizes (each has its own BOXER_HOME anyway). exec: the pid the
  # bench waits for and signals is boxer's own, not a subshell's.
  local trace=(); [ "${BENCH_KEEP:-0}" = 1 ] && trace=(--log "$1/boxer-trace.log")
  BOXER_HOME=$1/home exec "$BOXER" build testbox-amd64 --output "$1/out" --provider libvirt --compression gzip --level 6 --no-cache "${trace[@]}"
}

# Warm-up (untimed): builds the source image into the cache if needed and gives us the key.
echo "build bench: warm-up boxer build (makes the source image once)..." >&2
mkdir -p "$work/warm"
timed "$work/warm/log" boxer_build "$work/warm"
accel=$(sed -n 's/.*Booting testbox-amd64 in QEMU (\([a-z]*\):.*/\1/p' "$work/warm/log" | head -n 1)
src=$(sed -n 's/.*reusing \(.*\/box\.img\), built before.*/\1/p' "$work/warm/log" | tail -n 1)
[ -n "$src" ] || src=$(ls -t "$cache"/images/recipe-tiny-amd64-*/box.img | head -n 1)
[ -s "$src" ] || { echo "build bench: no source image under $cache/images" >&2; exit 1; }
key=$work/warm/home/insecure_private_key
[ -s "$key" ] || { echo "build bench: boxer wrote no insecure_private_key" >&2; exit 1; }

if [ -n "$packer" ]; then
  packer_version=$("$packer" version | head -n 1)
  # Packer's inputs (untimed): the same image, the same scripts, the seed it needs.
  p=$work/packer
  scripts/packer-testbox.sh prepare "$src" "$key" "$p"
  packer_build() { # dir
    ACCEL=${accel:-tcg} PACKER=$packer PACKER_DEBUG=${BENCH_KEEP:-0} scripts/packer-testbox.sh build "$p" "$1"
  }
fi

if [ -n "$packer" ]; then
  # Packer gets an untimed warm-up too (its binary and plugins in the page cache).
  echo "build bench: warm-up packer build..." >&2
  mkdir -p "$work/warm-packer"
  timed "$work/warm-packer/log" packer_build "$work/warm-packer"
fi
echo "build bench: testbox-amd64, libvirt, 1G, gzip level 6, QEMU ${accel:-?}, $(nproc) cores, $rounds rounds"
[ -n "$packer" ] && echo "build bench: against $packer_version" || echo "build bench: packer is not installed (apt-get install packer); timing boxer only"
run_rounds

checked="gzip -t and bsdtar -tf"; command -v mtype >/dev/null && checked+=", /boot/boxer-build inside box.img"
for round in $(seq "$rounds"); do
  check_box boxer "$(ls "$work/r$round/boxer/out"/*.box)" "boxer-build=^customized by boxer build on"
  [ -n "$packer" ] && check_box packer "$work/r$round/packer/packer.box" "boxer-build=^customized by boxer build on"
done
x=$(printf '%s\n' "${boxer_times[@]}" | median)
last=$work/r$rounds
if [ -z "$packer" ]; then
  printf 'median: boxer build %.2f s; no packer to compare with (target boxer <= 0.8x Packer'"'"'s time)\n' "$x"
  echo "boxer's boxes pass $checked"
  exit 0
fi
pk=$(printf '%s\n' "${packer_times[@]}" | median)
printf 'sizes: boxer %d bytes, packer %d bytes\n' "$(stat -c %s "$(ls "$last/boxer/out"/*.box)")" "$(stat -c %s "$last/packer/packer.box")"
printf 'median: boxer build %.2f s, packer build %.2f s; boxer is %.2fx Packer'"'"'s time (target <= 0.8x)\n' \
  "$x" "$pk" "$(awk -v x="$x" -v p="$pk" 'BEGIN {print x / p}')"
echo "all boxes pass $checked"
