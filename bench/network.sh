#!/usr/bin/env bash
# Environment networks (NIC2) against QEMU's own point-to-point link, in the same run.
#
# Two machines of one project (`boxer up`, the tiny test box) talk over NIC2, 192.168.X.0/24,
# through boxer's userspace switch (`boxer network-switch`, which connects to the unix socket each
# machine's QEMU listens on: `-netdev stream,server=on`).
# Against them: two raw `qemu-system-*` launches of the same box image with the flags boxer gave
# its QEMUs (machine type, accelerator, -cpu, -m, -smp; read from a boxer-started QEMU's command
# line), virtio-net-pci NICs, the same scheduling priority, and NIC2 joined directly by
# `-netdev socket` (one listens on 127.0.0.1, the other connects), with static addresses set by
# hand in the guests (10.77.0.0/24, which exists only inside them). For reference, not gated and
# off by default (DGRAM_REFERENCE=1): two more raw QEMUs whose NIC2s send each other datagrams
# directly (`-netdev dgram`), the transport boxer's switch used first and gave up because QEMU
# reads datagrams one per main-loop pass (0.58-0.74x the p2p link through the switch).
# All guests stay up for the whole run, so each pair is measured with the others idle. Each
# round, in an order that rotates between rounds:
#   throughput: guest A sends SIZE_MIB MiB of zeros to guest B over NIC2 (busybox dd | nc; B:
#     nc -l > /dev/null), timed inside A from before dd until nc exits (B has read it all and
#     closed); B's eth1 receive counter checks that it all arrived; MB/s = 10^6 bytes/s;
#   latency: `ping -c PINGS -i 0.2` from A to B; every reply's RTT goes into the median.
# Then the switch's peak memory: VmHWM of its process (/proc/PID/status) after all the traffic.
# Prints medians over ROUNDS and the ratios. Targets (environment networks): throughput via the
# switch >= 0.8x the p2p link; switch VmHWM < 16 MiB. The latency ratio is printed, not gated.
# Guests run under the accelerator boxer picks for this host (TCG where KVM does not work), so
# the guests' CPU (and the host's cores: two TCG guests and their I/O threads at once) limit
# both sides as much as the link does.
#
# Environment: ROUNDS (default 3), SIZE_MIB (default 32), PINGS (default 20), DGRAM_REFERENCE
# (default 0; 1 adds the direct -netdev dgram pair), BOXER (a boxer binary; scripts/release
# builds one when unset). Nothing off this machine is contacted: the NATs are restricted
# (restrict=on), the p2p link is on 127.0.0.1, the datagram sockets are unix sockets.
set -euo pipefail
shopt -s inherit_errexit
cd "$(dirname "$0")/.."
. bench/lib.sh
rounds=${ROUNDS:-3} size_mib=${SIZE_MIB:-32} pings=${PINGS:-20} dgram_reference=${DGRAM_REFERENCE:-0}
for tool in qemu-img ssh ssh-keygen bsdtar python3 nice; do
  command -v "$tool" >/dev/null || { echo "network bench: $tool is missing; run scripts/bootstrap" >&2; exit 2; }
done
[ -n "${BOXER:-}" ] || BOXER=$(scripts/release)
box=$(BOXER=$BOXER scripts/testbox.sh tiny-amd64 | tail -n 1)

work=$(mktemp -d "${TMPDIR:-/tmp}/boxer-net-bench.XXXXXX")
project=$work/project
cleanup() {
  local pid pidfile
  for pidfile in "$work"/raw*/qemu.pid; do [ -f "$pidfile" ] && kill "$(cat "$pidfile")" 2>/dev/null; done || true
  [ -f "$project/Vagrantfile" ] && (cd "$project" && BOXER_HOME=$work/home "$BOXER" destroy -f >/dev/null 2>&1) || true
  # The switch stops with the last machine; one that did not is still ours.
  for pidfile in "$work"/home/run/net-*/switch.pid; do
    [ -f "$pidfile" ] || continue
    pid=$(cat "$pidfile")
    if [ -n "$pid" ] && grep -q network-switch "/proc/$pid/cmdline" 2>/dev/null; then
      echo "network bench: the switch (pid $pid) outlived boxer destroy; stopping it" >&2
      kill "$pid" 2>/dev/null || true
    fi
  done
  for pidfile in "$work"/raw*/qemu.pid; do   # QEMU removes its pidfile as it exits
    [ -f "$pidfile" ] || continue
    pid=$(cat "$pidfile"); while kill -0 "$pid" 2>/dev/null; do sleep 0.05; done
  done
  rm -rf "$work"
}
trap cleanup EXIT
export BOXER_HOME=$work/home BOXER_QEMU_RESTRICT=1

ratio() { awk -v a="$1" -v b="$2" 'BEGIN {printf "%.2f", a / b}'; }
nice_of() { sed 's/.*) //' "/proc/$1/stat" | awk '{print $17}'; }   # field 19, after "pid (comm)"
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
echo "network bench: boxer up (machines a and b)" >&2
(cd "$project" && "$BOXER" up >/dev/null)
switch_pid=$(cat "$BOXER_HOME"/run/net-*/switch.pid 2>/dev/null | head -n 1)
[ -n "$switch_pid" ] && kill -0 "$switch_pid" 2>/dev/null || { echo "network bench: no running switch after boxer up" >&2; exit 1; }
on_boxer() { (cd "$project" && "$BOXER" ssh "$1" -c "$2"); }
b_boxer=$(on_boxer b "ip -4 -o addr show dev eth1" | awk '{sub(/\/.*/, "", $4); print $4; exit}')
case "$b_boxer" in 192.168.*) ;; *) echo "network bench: machine b has no NIC2 address (got '$b_boxer')" >&2; exit 1 ;; esac

# The flags boxer gave QEMU, and its priority, so the raw machines get the same ones.
qemu_pid=$(cat "$(find "$project/.vagrant" -name qemu.pid | head -n 1)")
mapfile -d '' boxer_args < "/proc/$qemu_pid/cmdline"
qemu_binary=${boxer_args[0]}
flags=()
for i in "${!boxer_args[@]}"; do
  case "${boxer_args[$i]}" in -machine|-accel|-cpu|-m|-smp) flags+=("${boxer_args[$i]}" "${boxer_args[$((i + 1))]}") ;; esac
done
accel=$(printf '%s\n' "${boxer_args[@]}" | grep -A1 -x -- -accel | tail -n 1)
boxer_nice=$(nice_of "$qemu_pid")
nice_step=$((boxer_nice - $(nice_of $BASHPID)))

# --- the raw machines: 1 and 2 joined by -netdev socket, 3 and 4 by -netdev dgram.
p2p_port=$(free_port)
raw_start() { # n
  local n=$1 dir=$work/raw$1 link
  mkdir -p "$dir"
  qemu-img create -q -f qcow2 -F qcow2 -b "$image" "$dir/disk.qcow2"
  ssh-keygen -q -t ed25519 -N "" -f "$dir/key"
  printf 'instance-id: raw%s\nlocal-hostname: raw%s\n' "$n" "$n" > "$dir/meta-data"
  printf '#cloud-config\nusers:\n  - name: vagrant\n    ssh_authorized_keys:\n      - %s\n' "$(cat "$dir/key.pub")" > "$dir/user-data"
  (cd "$dir" && bsdtar --format iso9660 --options iso9660:volume-id=cidata -cf seed.iso user-data meta-data)
  free_port > "$dir/port"
  case $n in
    1) link="socket,id=p,listen=127.0.0.1:$p2p_port" ;;
    2) link="socket,id=p,connect=127.0.0.1:$p2p_port" ;;
    *) link="dgram,id=p,local.type=unix,local.path=$work/d$n.sock,remote.type=unix,remote.path=$work/d$((7 - n)).sock" ;;
  esac
  nice -n "$nice_step" "$qemu_binary" "${flags[@]}" \
    -drive "file=$dir/disk.qcow2,if=virtio,format=qcow2,discard=unmap" -drive "file=$dir/seed.iso,if=virtio,format=raw,readonly=on" \
    -device virtio-rng-pci \
    -netdev "user,id=nat,restrict=on,hostfwd=tcp:127.0.0.1:$(cat "$dir/port")-:22" -device virtio-net-pci,netdev=nat \
    -netdev "$link" -device "virtio-net-pci,netdev=p,mac=52:54:00:77:00:0$n" \
    -display none -daemonize -pidfile "$dir/qemu.pid" -serial "file:$dir/console.log"
  [ "$(nice_of "$(cat "$dir/qemu.pid")")" = "$boxer_nice" ] || echo "network bench: raw QEMU $n does not run at boxer's nice $boxer_nice (not root?)" >&2
}
on_raw() { ssh "${ssh_options[@]}" -p "$(cat "$work/raw$1/port")" -i "$work/raw$1/key" vagrant@127.0.0.1 "$2"; }
raw_ready() { # n: SSH answers; eth1 gets 10.77.0.n by hand (its DHCP client stops: no server there)
  local n=$1 tries=0
  banner "$(cat "$work/raw$n/port")" || { echo "network bench: raw machine $n did not boot" >&2; exit 1; }
  until on_raw "$n" true 2>/dev/null; do
    tries=$((tries + 1)); [ $tries -lt 100 ] || { echo "network bench: cannot log in to raw machine $n" >&2; exit 1; }
    sleep 0.2
  done
  on_raw "$n" "[ -f /run/udhcpc.eth1.pid ] && kill \$(cat /run/udhcpc.eth1.pid); sleep 0.2; ip -4 addr flush dev eth1; ip addr add 10.77.0.$n/24 dev eth1; ip link set eth1 up"
}
raws=(1 2); sides=(p2p boxer)
[ "$dgram_reference" = 0 ] || { raws+=(3 4); sides+=(dgram); }
echo "network bench: raw QEMUs (${flags[*]}, nice $boxer_nice), NIC2 by -netdev socket on 127.0.0.1:$p2p_port$([ "$dgram_reference" = 0 ] || echo " and by -netdev dgram")" >&2
for n in "${raws[@]}"; do raw_start "$n"; done
for n in "${raws[@]}"; do raw_ready "$n"; done

# --- the measurements. run: on_boxer or on_raw; A and B: its machine names; address: B's eth1.
rx_bytes='sed "s/:/ /" /proc/net/dev | awk "\$1 == \"eth1\" {print \$2}"'
throughput() { # run A B address port -> MB/s on stdout
  local run=$1 a=$2 b=$3 address=$4 port=$5 out=$work/receiver.$5 count times rx tries=0 receiver start end rc
  count=$((size_mib * 16))
  # nc's stdin is a FIFO held open (not /dev/null): at EOF on stdin busybox nc shuts its sending
  # half, and the sender's nc would take that for the end.
  "$run" "$b" "r0=\$($rx_bytes); f=/tmp/hold.$port; mkfifo \$f; sleep 3600 > \$f & hold=\$!; nc -l -p $port < \$f > /dev/null & nc=\$!
    while ! netstat -ltn | grep -q ':$port '; do usleep 20000; done; echo ready; wait \$nc; kill \$hold; rm -f \$f; echo rx=\$(( \$($rx_bytes) - r0 ))" > "$out" &
  receiver=$!
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

declare -A tp=()
measure() { # side port
  local side=$1 run a b address
  case $side in
    p2p) run=on_raw a=1 b=2 address=10.77.0.2 ;;
    dgram) run=on_raw a=3 b=4 address=10.77.0.4 ;;
    boxer) run=on_boxer a=a b=b address=$b_boxer ;;
  esac
  latency "$run" "$a" "$address" >> "$work/$side.rtt"
  tp[$side]+="$(throughput "$run" "$a" "$b" "$address" "$2") "
}
# Warm-up: ARP, a first connection each.
on_raw 1 "ping -c 2 10.77.0.2 >/dev/null"; on_boxer a "ping -c 2 $b_boxer >/dev/null"
[ "$dgram_reference" = 0 ] || on_raw 3 "ping -c 2 10.77.0.4 >/dev/null"
for round in $(seq 1 "$rounds"); do
  for k in "${!sides[@]}"; do
    side=${sides[$(( (k + round - 1) % ${#sides[@]} ))]}
    measure "$side" $((5000 + round * 10 + k))
  done
  line="round $round:"
  for side in "${sides[@]}"; do line+=" $side $(awk '{print $NF}' <<< "${tp[$side]}") MB/s,"; done
  echo "${line%,}" >&2
done
status_file=/proc/$switch_pid/status
kib() { awk -v f="$1" '$1 == f":" {printf "%.1f", $2 / 1024}' "$status_file"; }
hwm=$(kib VmHWM) rss=$(kib VmRSS) anon=$(kib RssAnon) file=$(kib RssFile)

declare -A tp_m=() rtt_m=()
for side in "${sides[@]}"; do
  tp_m[$side]=$(tr ' ' '\n' <<< "${tp[$side]}" | grep . | median)
  rtt_m[$side]=$(median < "$work/$side.rtt")
  [ "$(wc -l < "$work/$side.rtt")" -gt 0 ] || { echo "network bench: no ping replies ($side)" >&2; exit 1; }
done
tp_ratio=$(ratio "${tp_m[boxer]}" "${tp_m[p2p]}")
echo "network benchmark (tiny box, accelerator $accel, $size_mib MiB A -> B over NIC2, median of $rounds rounds; $(nproc) host cores)"
echo "  throughput, QEMU -netdev socket p2p:    ${tp_m[p2p]} MB/s"
echo "  throughput, boxer switch:               ${tp_m[boxer]} MB/s   ratio ${tp_ratio}x p2p (target >= 0.80)"
[ "$dgram_reference" = 0 ] || echo "  throughput, QEMU -netdev dgram direct:  ${tp_m[dgram]} MB/s   ratio $(ratio "${tp_m[dgram]}" "${tp_m[p2p]}")x p2p (reference: the switch's transport without the switch)"
echo "  ping RTT median, p2p:                   ${rtt_m[p2p]} ms"
echo "  ping RTT median, boxer switch:          ${rtt_m[boxer]} ms   ratio $(ratio "${rtt_m[boxer]}" "${rtt_m[p2p]}")x p2p"
[ "$dgram_reference" = 0 ] || echo "  ping RTT median, dgram direct:          ${rtt_m[dgram]} ms   ratio $(ratio "${rtt_m[dgram]}" "${rtt_m[p2p]}")x p2p"
echo "  switch (pid $switch_pid) peak memory VmHWM: ${hwm} MiB (target < 16); now VmRSS ${rss} MiB = ${anon} anonymous + ${file} file-backed"
status=0
awk -v r="$tp_ratio" 'BEGIN {exit !(r >= 0.80)}' || { echo "  MISSED: throughput through the switch is under 0.8x the p2p link"; status=1; }
awk -v m="$hwm" 'BEGIN {exit !(m < 16)}' || { echo "  MISSED: the switch's peak memory is not under 16 MiB"; status=1; }
exit $status
