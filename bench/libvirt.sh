#!/usr/bin/env bash
# The libvirt provider on a remote host, in the namespace test bed (scripts/libvirt-testbed.sh,
# under names of its own), against the limits measured in the same run:
#  1) `boxer up` of one tiny machine on host a, to the first SSH login, with the box volume already
#     uploaded, against `virsh create` of the same domain XML (dumped from boxer's own machine) on
#     a fresh overlay of the same box volume and the same seed, without NIC2, to the first SSH
#     login through the same hop (the limit: nothing but libvirt and the guest);
#  2) NIC2 throughput: a1 (host a) downloads 20 MiB over HTTP (busybox wget and httpd) from a2 on
#     the same host and from b1 on host b. Both go through the environment's switch on the
#     controller, reached over SSH: the ratio is what crossing hosts costs. And the ping round
#     trip from a1 to each.
# Prints the medians and the ratios. Environment: ROUNDS (default 5), BOXER (a boxer binary;
# scripts/release builds one when unset).
set -euo pipefail
cd "$(dirname "$0")/.."
. bench/lib.sh
rounds=${ROUNDS:-5}
[ "$(id -u)" -eq 0 ] || { echo "libvirt bench: needs root (network and mount namespaces)" >&2; exit 2; }
for tool in libvirtd virsh sshd python3; do
  command -v "$tool" >/dev/null || { echo "libvirt bench: $tool is missing; run scripts/bootstrap --deps" >&2; exit 2; }
done
[ -n "${BOXER:-}" ] || BOXER=$(scripts/release)
box=$(BOXER=$BOXER scripts/testbox.sh tiny-amd64 | tail -n 1)

export BOXER_TESTBED_DIR=/tmp/boxer-bench-testbed BOXER_TESTBED_PREFIX=boxbn
bed=$PWD/scripts/libvirt-testbed.sh
work=$(mktemp -d "${TMPDIR:-/tmp}/boxer-libvirt-bench.XXXXXX")
cleanup() {
  "$bed" down >/dev/null 2>&1 || true
  rm -rf "$work"
}
trap cleanup EXIT
"$bed" down >/dev/null 2>&1 || true
"$bed" up >/dev/null
host_a=10.199.0.11 uri_a=qemu+ssh://root@10.199.0.11/system uri_b=qemu+ssh://root@10.199.0.12/system
# On the controller, in the current folder.
on() { "$bed" run env BOXER_HOME="$work/home" BOXER_QEMU_RESTRICT=1 BOXER_SERVER_URL=http://127.0.0.1:9 "$@"; }
virsh_a() { on virsh -q -c "$uri_a" "$@"; }
now() { date +%s.%N; }
elapsed() { awk -v s="$1" -v e="$(now)" 'BEGIN {printf "%.3f", e - s}'; }

on "$BOXER" box add boxer/tiny "$box" >/dev/null
mkdir -p "$work/one"
cat > "$work/one/Vagrantfile" <<EOF
Vagrant.configure("2") do |c|
  c.vm.box = "boxer/tiny"
  c.vm.define "m" do |m|
    m.vm.provider :libvirt do |l|
      l.uri = "$uri_a"
      l.memory = 256
    end
  end
end
EOF
cd "$work/one"

# Warm-up: uploads the box; its domain XML, seed and key are what the limit starts.
on "$BOXER" up --provider libvirt >/dev/null
domain=$(virsh_a list --name | head -n 1)
virsh_a dumpxml --inactive "$domain" > "$work/domain.xml"
virsh_a vol-download --pool boxer "$domain-seed.iso" "$work/seed.iso"
box_volume=$(virsh_a vol-list boxer | awk '/boxer-box-/ {print $1; exit}')
cp .vagrant/machines/m/libvirt/private_key "$work/key"
port=$(python3 -c 'import json,sys; print([f["host"] for f in json.load(open(sys.argv[1])) if f["id"] == "ssh"][0])' \
  .vagrant/machines/m/libvirt/ports.json)
on "$BOXER" destroy -f >/dev/null
# Without NIC2: nothing would answer its DHCP, and the guest's wait for a lease would count
# against the limit.
python3 - "$work/domain.xml" "$domain" > "$work/limit.xml" <<'PY'
import re, sys
xml = open(sys.argv[1]).read().replace(sys.argv[2], "bench-limit")
xml = re.sub(r"\s*<uuid>.*?</uuid>", "", xml)
print(re.sub(r"\s*<interface type='server'>.*?</interface>", "", xml, flags=re.S))
PY
seed_bytes=$(stat -c %s "$work/seed.iso")

boxer_up() {
  local start
  start=$(now)
  on "$BOXER" up --provider libvirt >/dev/null
  boxer_times+=("$(elapsed "$start")")
  on "$BOXER" destroy -f >/dev/null
}
limit_up() {
  local start
  virsh_a vol-create-as boxer bench-limit.qcow2 1G --format qcow2 --backing-vol "$box_volume" --backing-vol-format qcow2 >/dev/null
  virsh_a vol-create-as boxer bench-limit-seed.iso "$seed_bytes" --format raw >/dev/null
  virsh_a vol-upload --pool boxer bench-limit-seed.iso "$work/seed.iso"
  start=$(now)
  virsh_a create "$work/limit.xml" >/dev/null
  until on ssh -o ProxyJump=root@$host_a -o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null -o BatchMode=yes \
    -o ConnectTimeout=3 -o LogLevel=FATAL -i "$work/key" -p "$port" vagrant@127.0.0.1 true 2>/dev/null; do sleep 0.2; done
  limit_times+=("$(elapsed "$start")")
  virsh_a destroy bench-limit >/dev/null
  virsh_a vol-delete --pool boxer bench-limit.qcow2 >/dev/null
  virsh_a vol-delete --pool boxer bench-limit-seed.iso >/dev/null
  on ssh "root@$host_a" rm -f /var/lib/libvirt/images/boxer/bench-limit-console.log
}
boxer_times=() limit_times=()
for round in $(seq 1 "$rounds"); do
  if [ $((round % 2)) = 1 ]; then boxer_up && limit_up; else limit_up && boxer_up; fi
  printf 'up round %d: boxer %s s, virsh create %s s\n' "$round" "${boxer_times[-1]}" "${limit_times[-1]}"
done
up_boxer=$(printf '%s\n' "${boxer_times[@]}" | median)
up_limit=$(printf '%s\n' "${limit_times[@]}" | median)

# NIC2 throughput: three machines, two on host a and one on host b.
mkdir -p "$work/three"
cd "$work/three"
cat > Vagrantfile <<EOF
Vagrant.configure("2") do |c|
  c.vm.box = "boxer/tiny"
  { "a1" => "$uri_a", "a2" => "$uri_a", "b1" => "$uri_b" }.each do |name, uri|
    c.vm.define name do |m|
      m.vm.provider :libvirt do |l|
        l.uri = uri
        l.memory = 256
      end
    end
  end
end
EOF
on "$BOXER" up --provider libvirt >/dev/null
address() { on "$BOXER" ssh "$1" -c 'ip -4 -o addr show eth1' | awk '{split($4, a, "/"); print a[1]}'; }
for server in a2 b1; do
  on "$BOXER" ssh "$server" -c 'mkdir -p /tmp/www && dd if=/dev/zero of=/tmp/www/blob bs=65536 count=320 2>/dev/null && httpd -p 8080 -h /tmp/www'
done
a2=$(address a2) b1=$(address b1)
download() { # seconds a1 takes to fetch the 20 MiB from $1, as busybox's time reports them
  on "$BOXER" ssh a1 -c "time wget -q -O /dev/null http://$1:8080/blob" 2>&1 | awk '/^real/ {sub(/s$/, "", $3); print $2 * 60 + $3}'
}
same_times=() cross_times=()
for round in $(seq 1 "$rounds"); do
  same_times+=("$(download "$a2")") cross_times+=("$(download "$b1")")
  printf 'NIC2 round %d: 20 MiB from a2 (same host) %s s, from b1 (other host) %s s\n' "$round" "${same_times[-1]}" "${cross_times[-1]}"
done
# Latency: the average round trip of 20 pings, a1 to a2 and a1 to b1.
rtt() { on "$BOXER" ssh a1 -c "ping -q -c 20 -i 0.2 $1" | awk -F/ '/round-trip/ {print $4}'; }
rtt_same=$(rtt "$a2") rtt_cross=$(rtt "$b1")
on "$BOXER" destroy -f >/dev/null
same=$(printf '%s\n' "${same_times[@]}" | median)
cross=$(printf '%s\n' "${cross_times[@]}" | median)

awk -v b="$up_boxer" -v l="$up_limit" 'BEGIN {printf "median: boxer up on a remote host %.2f s, virsh create of the same domain XML %.2f s: %.2fx\n", b, l, b / l}'
awk -v s="$same" -v c="$cross" 'BEGIN {printf "median: NIC2 20 MiB same host %.2f s (%.1f MiB/s), other host %.2f s (%.1f MiB/s): cross-host throughput %.2fx of same-host\n", s, 20 / s, c, 20 / c, s / c}'
echo "NIC2 ping round trip (20 pings): same host $rtt_same ms, other host $rtt_cross ms"
