#!/usr/bin/env bash
# `boxer package` against the work it stands for, in the same run: the halted tiny test guest
# packaged by boxer (reading the project, flattening, metadata, parallel gzip), against
# `qemu-img convert` of the same overlay into one qcow2 plus `bsdtar -czf` of it with a
# metadata.json (what a script would do). Each round the machine is brought up and halted
# again. Prints the medians and the ratio. Target (issue 19): <= 1.0x.
#
# Environment: ROUNDS (default 3), BOXER (a boxer binary; scripts/release builds one when unset).
set -euo pipefail
cd "$(dirname "$0")/.."
. bench/lib.sh
rounds=${ROUNDS:-3}
for tool in qemu-img bsdtar; do
  command -v "$tool" >/dev/null || { echo "package bench: $tool is missing; run scripts/bootstrap" >&2; exit 2; }
done
[ -n "${BOXER:-}" ] || BOXER=$(scripts/release)
box=$(BOXER=$BOXER scripts/testbox.sh tiny-amd64 | tail -n 1)

work=$(mktemp -d "${TMPDIR:-/tmp}/boxer-package-bench.XXXXXX")
cleanup() {
  (cd "$work/project" 2>/dev/null && BOXER_HOME=$work/home "$BOXER" destroy -f >/dev/null 2>&1) || true
  rm -rf "$work"
}
trap cleanup EXIT
export BOXER_HOME=$work/home BOXER_QEMU_RESTRICT=1
"$BOXER" box add boxer/tiny "$box" >/dev/null
mkdir -p "$work/project" "$work/raw"
cd "$work/project"
printf 'Vagrant.configure("2") { |c| c.vm.box = "boxer/tiny" }\n' > Vagrantfile

now() { date +%s.%N; }
elapsed() { awk -v s="$1" -v e="$(now)" 'BEGIN {printf "%.3f", e - s}'; }
raw=() ours=()
for round in $(seq 1 "$rounds"); do
  "$BOXER" up >/dev/null
  "$BOXER" halt >/dev/null
  disk=$work/project/.vagrant/machines/default/qemu/disk.qcow2
  start=$(now)
  qemu-img convert -q -O qcow2 "$disk" "$work/raw/box.img"
  printf '{"provider":"libvirt","format":"qcow2","virtual_size":1}\n' > "$work/raw/metadata.json"
  (cd "$work/raw" && bsdtar -czf "$work/raw.box" metadata.json box.img)
  raw+=("$(elapsed "$start")")
  rm -rf "$work/raw.box" "$work/raw/box.img"
  start=$(now)
  "$BOXER" package --output "$work/ours.box" >/dev/null
  ours+=("$(elapsed "$start")")
  rm -f "$work/ours.box"
done
m() { printf '%s\n' "$@" | median; }
echo "package of the halted tiny guest ($rounds rounds, medians):"
echo "  boxer package $(m "${ours[@]}") s, qemu-img convert + bsdtar -czf $(m "${raw[@]}") s, ratio $(awk -v b="$(m "${ours[@]}")" -v r="$(m "${raw[@]}")" 'BEGIN {printf "%.2f", b / r}')x"
