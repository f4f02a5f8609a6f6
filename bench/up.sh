#!/usr/bin/env bash
# `boxer up` against the physical limit, in the same run.
#
# 1. Time to SSH for one machine: `boxer up` of a one-machine project (the tiny test box, no
#    provisioners) from nothing to done, against a raw `qemu-system-x86_64` launch of the same
#    box image with the same flags (overlay disk, NoCloud seed with a key, restricted NAT with the
#    SSH forward), polled the way a careful script polls: wait for the SSH greeting (a TCP knock
#    every 0.1 s), then `ssh true` with the same client options boxer uses, until it lets us in.
# 2. Three machines at once: `boxer up` of a three-machine project against the one-machine time.
# Prints medians and the ratios. Targets (issue 4): one machine <= 1.10x raw; three <= 1.4x one.
# Guests run under the accelerator boxer picks for this host (TCG where KVM does not work).
#
# Environment: ROUNDS (default 3), BOXER (a boxer binary; scripts/release builds one when unset).
set -euo pipefail
cd "$(dirname "$0")/.."
. bench/lib.sh
rounds=${ROUNDS:-3}
for tool in qemu-system-x86_64 qemu-img ssh ssh-keygen bsdtar; do
  command -v "$tool" >/dev/null || { echo "up bench: $tool is missing; run scripts/bootstrap" >&2; exit 2; }
done
[ -n "${BOXER:-}" ] || BOXER=$(scripts/release)
box=$(BOXER=$BOXER scripts/testbox.sh tiny-amd64 | tail -n 1)

work=$(mktemp -d "${TMPDIR:-/tmp}/boxer-up-bench.XXXXXX")
cleanup() {
  for pidfile in "$work"/raw*/qemu.pid; do [ -f "$pidfile" ] && kill "$(cat "$pidfile")" 2>/dev/null; done || true
  for project in "$work"/p1 "$work"/p3; do
    [ -d "$project" ] && (cd "$project" && BOXER_HOME=$work/home "$BOXER" destroy -f >/dev/null 2>&1) || true
  done
  rm -rf "$work"
}
trap cleanup EXIT
export BOXER_HOME=$work/home BOXER_QEMU_RESTRICT=1
"$BOXER" box add boxer/tiny "$box" >/dev/null
image=$(find "$BOXER_HOME/boxes" -name box.img | head -n 1)
accel=$(BOXER_HOME=$work/home "$BOXER" --version >/dev/null; if [ -r /sys/module/kvm_pvm ] || ! grep -qE 'vmx|svm' /proc/cpuinfo || [ ! -w /dev/kvm ]; then echo tcg; else echo kvm; fi)

now() { date +%s.%N; }
elapsed() { awk -v s="$1" -v e="$(now)" 'BEGIN {printf "%.3f", e - s}'; }

raw_boot() { # dir: one raw machine from nothing to SSH (the pid is left in dir/qemu.pid)
  local dir=$1 port
  qemu-img create -q -f qcow2 -F qcow2 -b "$image" "$dir/disk.qcow2"
  ssh-keygen -q -t ed25519 -N "" -f "$dir/key"
  printf 'instance-id: raw\nlocal-hostname: raw\n' > "$dir/meta-data"
  printf '#cloud-config\nusers:\n  - name: vagrant\n    ssh_authorized_keys:\n      - %s\n' "$(cat "$dir/key.pub")" > "$dir/user-data"
  (cd "$dir" && bsdtar --format iso9660 --options iso9660:volume-id=cidata -cf seed.iso user-data meta-data)
  port=$(free_port)
  qemu-system-x86_64 -machine q35 -accel "$accel" -m 256M -smp 1 \
    -drive "file=$dir/disk.qcow2,if=virtio,format=qcow2" -drive "file=$dir/seed.iso,if=virtio,format=raw,readonly=on" \
    -device virtio-rng-pci -netdev "user,id=nat,restrict=on,hostfwd=tcp:127.0.0.1:$port-:22" -device virtio-net-pci,netdev=nat \
    -display none -daemonize -pidfile "$dir/qemu.pid" -serial "file:$dir/console.log"
  until banner "$port" && ssh -q -T -p "$port" -o BatchMode=yes -o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null \
        -o IdentitiesOnly=yes -o PasswordAuthentication=no -o ConnectTimeout=5 -i "$dir/key" vagrant@127.0.0.1 true 2>/dev/null; do sleep 0.1; done
}
raw_stop() { local pid; pid=$(cat "$1/qemu.pid"); kill "$pid"; while kill -0 "$pid" 2>/dev/null; do sleep 0.05; done; }
raw_round() { # count: that many raw machines at once, timed until all answer SSH
  local start i
  rm -rf "$work"/raw*; for i in $(seq 1 "$1"); do mkdir -p "$work/raw$i"; done
  start=$(now)
  for i in $(seq 1 "$1"); do raw_boot "$work/raw$i" & done
  wait
  elapsed "$start"
  for i in $(seq 1 "$1"); do raw_stop "$work/raw$i"; done
}

project() { # name machines...
  local dir=$work/$1; shift
  mkdir -p "$dir"
  { echo 'Vagrant.configure("2") do |config|'; echo '  config.vm.box = "boxer/tiny"'
    for machine in "$@"; do echo "  config.vm.define \"$machine\""; done; echo 'end'; } > "$dir/Vagrantfile"
  echo "$dir"
}
boxer_round() { # project dir
  local start
  start=$(now)
  (cd "$1" && "$BOXER" up >/dev/null)
  elapsed "$start"
  (cd "$1" && "$BOXER" destroy -f >/dev/null)
}

p1=$(project p1 one)
p3=$(project p3 one two three)
raw=() raw3=() one=() three=()
for round in $(seq 1 "$rounds"); do
  raw+=("$(raw_round 1)")
  raw3+=("$(raw_round 3)")
  one+=("$(boxer_round "$p1")")
  three+=("$(boxer_round "$p3")")
  echo "round $round: raw ${raw[-1]} s, raw three ${raw3[-1]} s, boxer one ${one[-1]} s, boxer three ${three[-1]} s" >&2
done
raw_m=$(printf '%s\n' "${raw[@]}" | median)
raw3_m=$(printf '%s\n' "${raw3[@]}" | median)
one_m=$(printf '%s\n' "${one[@]}" | median)
three_m=$(printf '%s\n' "${three[@]}" | median)
ratio_one=$(awk -v a="$one_m" -v b="$raw_m" 'BEGIN {printf "%.2f", a / b}')
ratio_three=$(awk -v a="$three_m" -v b="$one_m" 'BEGIN {printf "%.2f", a / b}')
echo "up benchmark (tiny box, accelerator $accel, median of $rounds rounds)"
echo "  raw qemu-system-x86_64 to SSH: ${raw_m} s"
echo "  boxer up, one machine:         ${one_m} s   ratio ${ratio_one}x raw (target <= 1.10)"
echo "  boxer up, three machines:      ${three_m} s   ratio ${ratio_three}x one (target <= 1.40)"
echo "  raw, three machines at once:   ${raw3_m} s   ratio $(awk -v a="$raw3_m" -v b="$raw_m" 'BEGIN {printf "%.2f", a / b}')x raw one (the host's own limit; $(nproc) cores)"
status=0
awk -v r="$ratio_one" 'BEGIN {exit !(r <= 1.10)}' || { echo "  MISSED: one machine is over 1.10x raw"; status=1; }
awk -v r="$ratio_three" 'BEGIN {exit !(r <= 1.40)}' || { echo "  MISSED: three machines are over 1.40x one"; status=1; }
exit $status
