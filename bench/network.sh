#!/usr/bin/env bash
# Environment networks (NIC2) against QEMU's own point-to-point link, in the same run.
#
# Two machines of one project (`boxer up`, the tiny test box) talk over NIC2, 192.168.X.0/24,
# through boxer's userspace switch (`boxer network-switch`, unix datagrams, QEMU -netdev dgram).
# Against them: two raw `qemu-system-*` launches of the same box image with the same flags as
# boxer's (machine type, accelerator, -m, -smp, virtio-net-pci; read from the command line of
# a QEMU boxer started), whose second NICs are joined directly by `-netdev socket` (one listens
# on 127.0.0.1, the other connects), with static addresses 10.77.0.1/.2 set by hand in the guests.
# All four guests stay up for the whole run, so each side is measured with the other idle.
# Each round, in an order that alternates between rounds:
#   throughput: guest A sends SIZE_MIB MiB of zeros to guest B's eth1 (busybox dd | nc; B: nc -l
#     > /dev/null), timed inside A from before dd until nc exits (B has read all and closed);
#     B's eth1 receive counter checks that it all arrived;
#   latency: `ping -c PINGS -i 0.2` from A to B; every reply's RTT goes into the median.
# Then the switch's peak memory: VmHWM of its process (/proc/PID/status) after all the traffic.
# Prints medians over ROUNDS and the ratios. Targets (environment networks): throughput via the
# switch >= 0.8x the p2p link; switch VmHWM < 16 MiB. The latency ratio is reported, not gated.
# Guests run under the accelerator boxer picks for this host (TCG where KVM does not work), so
# both sides may be limited by the guests' CPU as much as by the link.
#
# Environment: ROUNDS (default 3), SIZE_MIB (default 32), PINGS (default 20), BOXER (a boxer
# binary; scripts/release builds one when unset). No address off this machine is contacted: the
# NATs are restricted (restrict=on) and the p2p link listens on 127.0.0.1 only.
set -euo pipefail
shopt -s inherit_errexit
cd "$(dirname "$0")/.."
rounds=${ROUNDS:-3} size_mib=${SIZE_MIB:-32} pings=${PINGS:-20}
for tool in qemu-system-x86_64 qemu-img ssh ssh-keygen bsdtar python3; do
  command -v "$tool" >/dev/null || { echo "network bench: $tool is missing; run scripts/bootstrap" >&2; exit 2; }
done
[ -n "${BOXER:-}" ] || BOXER=$(scripts/release)
box=$(BOXER=$BOXER scripts/testbox.sh tiny-amd64 | tail -n 1)

work=$(mktemp -d "${TMPDIR:-/tmp}/boxer-net-bench.XXXXXX")
project=$work/project
cleanup() {
  local pid
  for pidfile in "$work"/raw*/qemu.pid; do [ -f "$pidfile" ] && kill "$(cat "$pidfile")" 2>/dev/null; done || true
  for pid in $(jobs -p); do kill "$pid" 2>/dev/null; done || true
  [ -f "$project/Vagrantfile" ] && (cd "$project" && BOXER_HOME=$work/home "$BOXER" destroy -f >/dev/null 2>&1) || true
  # The switch stops with the last machine; one that did not is still ours.
  for pidfile in "$work"/home/run/net-*/switch.pid; do
    [ -f "$pidfile" ] || continue
    pid=$(cat "$pidfile")
    if [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null && grep -q network-switch "/proc/$pid/cmdline" 2>/dev/null; then
      echo "network bench: the switch (pid $pid) outlived destroy; stopping it" >&2
      kill "$pid" 2>/dev/null || true
    fi
  done
  for pidfile in "$work"/raw*/qemu.pid; do
    [ -f "$pidfile" ] || continue
    pid=$(cat "$pidfile"); while kill -0 "$pid" 2>/dev/null; do sleep 0.05; done
  done
  rm -rf "$work"
}
trap cleanup EXIT
export BOXER_HOME=$work/home BOXER_QEMU_RESTRICT=1

median() { sort -n | awk '{a[NR]=$1} END {if (NR == 0) {print "nan"; exit} print (NR % 2) ? a[(NR+1)/2] : (a[NR/2] + a[NR/2+1]) / 2}'; }
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
# Waits until an SSH server greets on 127.0.0.1:PORT (at most 180 s).
banner() { python3 - "$1" <<'PY'
import socket, sys, time
deadline = time.time() + 180
while time.time() < deadline:
    try:
        s = socket.create_connection(("127.0.0.1", int(sys.argv[1])), timeout=0.3)
        if s.recv(4) == b"SSH-":
            sys.exit(0)
    except OSError:
        pass
    time.sleep(0.1)
sys.exit(1)
PY
}
ssh_options=(-q -T -o BatchMode=yes -o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null
             -o IdentitiesOnly=yes -o PasswordAuthentication=no -o ConnectTimeout=10)

# --- boxer's side: one project, machines a and b, NIC2 through the switch.
mkdir -p "$project"
cat > "$project/Vagrantfile" <<'VAGRANTFILE'
Vagrant.configure("2") do |config|
  config.vm.box = "boxer/tiny"
  config.vm.define "a"
  config.vm.define "b"
end
VAGRANTFILE
"$BOXER" box add boxer/tiny "$box" >/dev/null
image=$(find "$BOXER_HOME/boxes" -name box.img | head -n 1)
echo "network bench: boxer up (two machines)" >&2
(cd "$project" && "$BOXER" up >/dev/null)
switch_pid=$(cat "$BOXER_HOME"/run/net-*/switch.pid 2>/dev/null | head -n 1)
[ -n "$switch_pid" ] && kill -0 "$switch_pid" 2>/dev/null || { echo "network bench: no running switch after boxer up" >&2; exit 1; }
on_boxer() { (cd "$project" && "$BOXER" ssh "$1" -c "$2"); }
eth1_address() { awk '{sub(/\/.*/, "", $4); print $4; exit}'; }
a_boxer=$(on_boxer a "ip -4 -o addr show dev eth1" | eth1_address)
b_boxer=$(on_boxer b "ip -4 -o addr show dev eth1" | eth1_address)
case "$b_boxer" in 192.168.*) ;; *) echo "network bench: machine b has no NIC2 address (got '$b_boxer')" >&2; exit 1 ;; esac

# The flags boxer gave QEMU, so the raw machines get the same ones.
qemu_pid=$(cat "$(find "$project/.vagrant" -name qemu.pid | head -n 1)")
mapfile -d '' boxer_args < "/proc/$qemu_pid/cmdline"
qemu_binary=${boxer_args[0]}
flags=()
for i in "${!boxer_args[@]}"; do
  case "${boxer_args[$i]}" in -machine|-accel|-cpu|-m|-smp) flags+=("${boxer_args[$i]}" "${boxer_args[$((i + 1))]}") ;; esac
done
accel=$(printf '%s\n' "${boxer_args[@]}" | grep -A1 -x -- -accel | tail -n 1)

# --- the p2p side: two raw QEMUs, NIC2 joined by -netdev socket.
p2p_port=$(free_port)
raw_start() { # n (1 listens, 2 connects)
  local dir=$work/raw$1 link
  mkdir -p "$dir"
  qemu-img create -q -f qcow2 -F qcow2 -b "$image" "$dir/disk.qcow2"
  ssh-keygen -q -t ed25519 -N "" -f "$dir/key"
  printf 'instance-id: raw%s\nlocal-hostname: raw%s\n' "$1" "$1" > "$dir/meta-data"
  printf '#cloud-config\nusers:\n  - name: vagrant\n    ssh_authorized_keys:\n      - %s\n' "$(cat "$dir/key.pub")" > "$dir/user-data"
  (cd "$dir" && bsdtar --format iso9660 --options iso9660:volume-id=cidata -cf seed.iso user-data meta-data)
  free_port > "$dir/port"
  if [ "$1" = 1 ]; then link="listen=127.0.0.1:$p2p_port"; else link="connect=127.0.0.1:$p2p_port"; fi
  "$qemu_binary" "${flags[@]}" \
    -drive "file=$dir/disk.qcow2,if=virtio,format=qcow2,discard=unmap" -drive "file=$dir/seed.iso,if=virtio,format=raw,readonly=on" \
    -device virtio-rng-pci \
    -netdev "user,id=nat,restrict=on,hostfwd=tcp:127.0.0.1:$(cat "$dir/port")-:22" -device virtio-net-pci,netdev=nat \
    -netdev "socket,id=p,$link" -device "virtio-net-pci,netdev=p,mac=52:54:00:77:00:0$1" \
    -display none -daemonize -pidfile "$dir/qemu.pid" -serial "file:$dir/console.log"
}
on_raw() { ssh "${ssh_options[@]}" -p "$(cat "$work/raw$1/port")" -i "$work/raw$1/key" vagrant@127.0.0.1 "$2"; }
raw_ready() { # n: SSH answers; eth1 gets its address by hand (its DHCP client stops: no server there)
  local n=$1 tries=0
  banner "$(cat "$work/raw$n/port")" || { echo "network bench: raw machine $n did not boot" >&2; exit 1; }
  until on_raw "$n" true 2>/dev/null; do
    tries=$((tries + 1)); [ $tries -lt 100 ] || { echo "network bench: cannot log in to raw machine $n" >&2; exit 1; }
    sleep 0.2
  done
  on_raw "$n" "[ -f /run/udhcpc.eth1.pid ] && kill \$(cat /run/udhcpc.eth1.pid); sleep 0.2; ip -4 addr flush dev eth1; ip addr add 10.77.0.$n/24 dev eth1; ip link set eth1 up"
}
echo "network bench: raw QEMUs (${flags[*]}), NIC2 by -netdev socket on 127.0.0.1:$p2p_port" >&2
raw_start 1
raw_start 2
raw_ready 1
raw_ready 2
a_p2p=10.77.0.1 b_p2p=10.77.0.2

# --- the measurements. run: on_boxer or on_raw; A and B: machine names for it; address: B's eth1.
rx_bytes='sed "s/:/ /" /proc/net/dev | awk "\$1 == \"eth1\" {print \$2}"'
throughput() { # run A B address port -> MB/s (10^6 bytes per second) on stdout
  local run=$1 a=$2 b=$3 address=$4 port=$5 out=$work/receiver.$port count times rx tries=0
  count=$((size_mib * 16))
  # nc's stdin is a FIFO held open (not /dev/null): at EOF on stdin busybox nc shuts its sending
  # half, and the sender's nc would take that for the end.
  "$run" "$b" "r0=\$($rx_bytes); f=/tmp/hold.$port; mkfifo \$f; sleep 3600 > \$f & hold=\$!; nc -l -p $port < \$f > /dev/null & nc=\$!
    while ! netstat -ltn | grep -q ':$port '; do usleep 20000; done; echo ready; wait \$nc; kill \$hold; rm -f \$f; echo rx=\$(( \$($rx_bytes) - r0 ))" > "$out" &
  local receiver=$!
  until grep -q ready "$out"; do
    tries=$((tries + 1)); [ $tries -lt 600 ] || { echo "network bench: the receiver on $b did not start" >&2; exit 1; }
    sleep 0.1
  done
  times=$("$run" "$a" "s=\$(cut -d' ' -f1 /proc/uptime); dd if=/dev/zero bs=64k count=$count 2>/dev/null | nc $address $port; rc=\$?; e=\$(cut -d' ' -f1 /proc/uptime); echo \$s \$e \$rc")
  wait "$receiver"
  rx=$(sed -n 's/^rx=//p' "$out")
  read -r start end rc <<< "$times"
  [ "$rc" = 0 ] || { echo "network bench: nc on $a failed ($rc)" >&2; exit 1; }
  [ -n "$rx" ] && [ "$rx" -ge $((count * 65536)) ] || { echo "network bench: $b received ${rx:-nothing} bytes of $((count * 65536))" >&2; exit 1; }
  awk -v b=$((count * 65536)) -v s="$start" -v e="$end" 'BEGIN {printf "%.2f", b / (e - s) / 1e6}'
}
latency() { # run A address -> one RTT (ms) per line
  "$1" "$2" "sudo ping -c $pings -i 0.2 $3" | sed -n 's/.*time=\([0-9.]*\) ms.*/\1/p'
}

p2p_tp=() boxer_tp=()
: > "$work/p2p.rtt"; : > "$work/boxer.rtt"
measure() { # side round
  local port=$((5000 + $2 * 2 + ${3:-0})) tp
  if [ "$1" = p2p ]; then
    latency on_raw 1 "$b_p2p" | tee -a "$work/p2p.rtt" >/dev/null
    tp=$(throughput on_raw 1 2 "$b_p2p" "$port"); p2p_tp+=("$tp")
  else
    latency on_boxer a "$b_boxer" | tee -a "$work/boxer.rtt" >/dev/null
    tp=$(throughput on_boxer a b "$b_boxer" "$port"); boxer_tp+=("$tp")
  fi
}
# Warm-up: ARP, the first TCP connection.
on_raw 1 "ping -c 2 $b_p2p >/dev/null"; on_boxer a "ping -c 2 $b_boxer >/dev/null"
for round in $(seq 1 "$rounds"); do
  if [ $((round % 2)) = 1 ]; then measure p2p "$round" 0; measure boxer "$round" 1
  else measure boxer "$round" 1; measure p2p "$round" 0; fi
  echo "round $round: p2p ${p2p_tp[-1]} MB/s, boxer switch ${boxer_tp[-1]} MB/s" >&2
done
hwm_kib=$(awk '/^VmHWM:/ {print $2}' "/proc/$switch_pid/status")
rss_kib=$(awk '/^VmRSS:/ {print $2}' "/proc/$switch_pid/status")

p2p_m=$(printf '%s\n' "${p2p_tp[@]}" | median)
boxer_m=$(printf '%s\n' "${boxer_tp[@]}" | median)
p2p_rtt=$(median < "$work/p2p.rtt")
boxer_rtt=$(median < "$work/boxer.rtt")
tp_ratio=$(awk -v a="$boxer_m" -v b="$p2p_m" 'BEGIN {printf "%.2f", a / b}')
rtt_ratio=$(awk -v a="$boxer_rtt" -v b="$p2p_rtt" 'BEGIN {printf "%.2f", a / b}')
hwm=$(awk -v k="$hwm_kib" 'BEGIN {printf "%.1f", k / 1024}')
echo "network benchmark (tiny box, accelerator $accel, $size_mib MiB A -> B over NIC2, median of $rounds rounds; $(nproc) host cores)"
echo "  throughput, QEMU -netdev socket p2p:  ${p2p_m} MB/s"
echo "  throughput, boxer switch (dgram):     ${boxer_m} MB/s   ratio ${tp_ratio}x p2p (target >= 0.80)"
echo "  ping RTT median, p2p:                 ${p2p_rtt} ms ($(wc -l < "$work/p2p.rtt") replies)"
echo "  ping RTT median, boxer switch:        ${boxer_rtt} ms ($(wc -l < "$work/boxer.rtt") replies)   ratio ${rtt_ratio}x p2p"
echo "  switch (pid $switch_pid) peak memory VmHWM: ${hwm} MiB, now VmRSS $(awk -v k="$rss_kib" 'BEGIN {printf "%.1f", k / 1024}') MiB (target < 16)"
status=0
awk -v r="$tp_ratio" 'BEGIN {exit !(r >= 0.80)}' || { echo "  MISSED: throughput through the switch is under 0.8x the p2p link"; status=1; }
awk -v m="$hwm" 'BEGIN {exit !(m < 16)}' || { echo "  MISSED: the switch's peak memory is not under 16 MiB"; status=1; }
exit $status
