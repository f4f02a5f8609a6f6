#!/usr/bin/env bash
# A multi-host libvirt test bed on this one machine, touching nothing of its network:
#   scripts/libvirt-testbed.sh up       two "hosts" (a, b) and a controller (ctl)
#   scripts/libvirt-testbed.sh down     stops everything it started and removes it
#   scripts/libvirt-testbed.sh check    fails when the root namespace gained a link, route or rule
#   scripts/libvirt-testbed.sh run CMD  runs CMD on the controller
#   scripts/libvirt-testbed.sh on a|b CMD  runs CMD on a host, beside its libvirtd (qemu:///system)
#
# Each host is a network namespace with its own libvirtd and sshd, both inside a private mount
# namespace whose tmpfs hides the machine's libvirt state (and any default network). The
# controller is a namespace of its own; all three are joined by a bridge inside a fourth (the
# "LAN"), with addresses that exist only in those namespaces and no route out. Nothing links to
# the root namespace. From the controller, `qemu+ssh://root@10.199.0.11/system` reaches host a.
#
# The state folder ($BOXER_TESTBED_DIR, default /tmp/boxer-testbed) holds the controller's key,
# a HOME whose ssh config knows the hosts' keys, each host's configuration and pid files, and an
# `env` file with the names the tests use. `run` puts the command in the controller's network
# namespace and in a private mount namespace whose /root is that HOME: OpenSSH reads the
# config of the passwd entry's home, not $HOME, and libvirt's ssh transport runs OpenSSH.
set -euo pipefail

state=${BOXER_TESTBED_DIR:-/tmp/boxer-testbed}
prefix=${BOXER_TESTBED_PREFIX:-boxtb}
lan=$prefix-lan
controller=$prefix-ctl
declare -A address=([ctl]=10.199.0.10 [a]=10.199.0.11 [b]=10.199.0.12)
hosts=(a b)
# libvirt's state folders, hidden by a tmpfs on each host; created on the real file system when
# missing (as mount points only) and removed again by `down`.
libvirt_folders=(/etc/libvirt /run/libvirt /var/lib/libvirt /var/log/libvirt /var/cache/libvirt /run/sshd)

die() { echo "libvirt-testbed: $*" >&2; exit 1; }
[ "$(id -u)" -eq 0 ] || die "needs root (network and mount namespaces)"
for tool in ip unshare libvirtd virsh sshd ssh-keygen; do
  command -v "$tool" >/dev/null || die "$tool is missing: run scripts/bootstrap --deps"
done

root_snapshot() {
  # What the root namespace must still look like afterwards.
  ip -o link show | awk -F': ' '{print $2}' | sed 's/@.*//' | sort
  echo "--"
  ip route show table all | sort
  echo "--"
  iptables -t nat -S 2>/dev/null | sort || true
}

host_up() {
  local node=$1 folder=$state/$1 ns=$prefix-$1
  mkdir -p "$folder"
  cp /etc/passwd "$folder/passwd"
  cp /etc/group "$folder/group"
  # libvirtd looks the qemu user up before it reads qemu.conf, and will not start without it.
  grep -q '^libvirt-qemu:' "$folder/passwd" || echo 'libvirt-qemu:x:64055:64055:libvirt qemu:/var/lib/libvirt:/usr/sbin/nologin' >>"$folder/passwd"
  grep -q '^libvirt-qemu:' "$folder/group" || echo 'libvirt-qemu:x:64055:' >>"$folder/group"
  grep -q '^libvirt:' "$folder/group" || echo 'libvirt:x:64056:' >>"$folder/group"
  cat >"$folder/qemu.conf" <<'EOF'
user = "root"
group = "root"
security_driver = "none"
cgroup_controllers = [ ]
namespaces = [ ]
stdio_handler = "file"
EOF
  cat >"$folder/libvirtd.conf" <<'EOF'
auth_unix_rw = "none"
auth_unix_ro = "none"
EOF
  ssh-keygen -q -t ed25519 -N '' -C "testbed-$node" -f "$folder/ssh_host_ed25519_key"
  cat >"$folder/sshd_config" <<EOF
ListenAddress ${address[$node]}
HostKey $folder/ssh_host_ed25519_key
PidFile $folder/sshd.pid
AuthorizedKeysFile $state/authorized_keys
PermitRootLogin prohibit-password
PasswordAuthentication no
KbdInteractiveAuthentication no
UsePAM no
StrictModes no
AllowTcpForwarding yes
AllowStreamLocalForwarding yes
MaxSessions 64
MaxStartups 64
EOF
  echo "${address[$node]} $(cut -d' ' -f1,2 "$folder/ssh_host_ed25519_key.pub")" >>"$state/known_hosts"
  local mounts=""
  for path in "${libvirt_folders[@]}"; do mounts+="mount -t tmpfs -o mode=0755 tmpfs $path; "; done
  ip netns exec "$ns" unshare -m --propagation private sh -ec "
    $mounts
    mount --bind $folder/passwd /etc/passwd
    mount --bind $folder/group /etc/group
    cp $folder/qemu.conf /etc/libvirt/qemu.conf
    cp $folder/libvirtd.conf /etc/libvirt/libvirtd.conf
    libvirtd -d -p $folder/libvirtd.pid </dev/null >$folder/libvirtd.log 2>&1
    /usr/sbin/sshd -f $folder/sshd_config -E $folder/sshd.log </dev/null >/dev/null 2>&1
  "
}

up() {
  if [ -f "$state/env" ]; then
    if run virsh -q -c "qemu+ssh://root@${address[a]}/system" uri >/dev/null 2>&1; then
      echo "libvirt-testbed: already up ($state)"
      return 0
    fi
    down
  fi
  mkdir -p "$state/home/.ssh"
  chmod 700 "$state" "$state/home" "$state/home/.ssh"
  root_snapshot >"$state/root-before"
  : >"$state/created-folders"
  for path in "${libvirt_folders[@]}"; do
    if [ ! -e "$path" ]; then mkdir -p "$path" && echo "$path" >>"$state/created-folders"; fi
  done
  ip netns add "$lan"
  ip -n "$lan" link set lo up
  ip -n "$lan" link add br0 type bridge
  ip -n "$lan" link set br0 up
  for node in ctl "${hosts[@]}"; do
    local ns=$prefix-$node
    ip netns add "$ns"
    ip -n "$ns" link set lo up
    ip -n "$lan" link add "v-$node" type veth peer name eth0 netns "$ns"
    ip -n "$lan" link set "v-$node" master br0 up
    ip -n "$ns" addr add "${address[$node]}/24" dev eth0
    ip -n "$ns" link set eth0 up
  done
  ssh-keygen -q -t ed25519 -N '' -C testbed-controller -f "$state/id_ed25519"
  cp "$state/id_ed25519.pub" "$state/authorized_keys"
  : >"$state/known_hosts"
  cat >"$state/home/.ssh/config" <<EOF
Host 10.199.0.*
  User root
  IdentityFile $state/id_ed25519
  IdentitiesOnly yes
  UserKnownHostsFile $state/known_hosts
  StrictHostKeyChecking yes
  BatchMode yes
EOF
  for node in "${hosts[@]}"; do host_up "$node"; done
  for node in "${hosts[@]}"; do
    local uri="qemu+ssh://root@${address[$node]}/system" ready=""
    for _ in $(seq 1 100); do
      if run virsh -q -c "$uri" uri >/dev/null 2>&1; then ready=1 && break; fi
      sleep 0.2
    done
    [ -n "$ready" ] || die "host $node's libvirtd did not answer at $uri (see $state/$node/sshd.log)"
  done
  cat >"$state/env" <<EOF
TESTBED_STATE=$state
TESTBED_CONTROLLER=$controller
TESTBED_HOME=$state/home
TESTBED_HOST_A=${address[a]}
TESTBED_HOST_B=${address[b]}
TESTBED_NS_A=$prefix-a
TESTBED_NS_B=$prefix-b
EOF
  echo "libvirt-testbed: up ($state): hosts a=${address[a]} b=${address[b]}, controller namespace $controller"
}

run() {
  ip netns exec "$controller" unshare -m --propagation private sh -ec \
    'mount --bind "$0" /root; export HOME=/root; exec "$@"' "$state/home" "$@"
}

on_host() {
  local node=$1 && shift
  [ -f "$state/$node/libvirtd.pid" ] || die "no host $node (up first)"
  # The host's network and mount namespaces: its libvirtd socket, its loopback.
  nsenter -t "$(cat "$state/$node/libvirtd.pid")" -n -m --wd="$PWD" -- "$@"
}

down() {
  for node in "${hosts[@]}" ctl; do
    local ns=$prefix-$node
    ip netns list | grep -qw "^$ns" || continue
    # Everything in a test namespace was started by the test bed or by what it runs
    # (libvirtd, sshd, QEMU, dnsmasq, passt).
    local pids
    pids=$(ip netns pids "$ns" || true)
    [ -n "$pids" ] && kill -TERM $pids 2>/dev/null || true
    for _ in $(seq 1 50); do
      [ -z "$(ip netns pids "$ns" 2>/dev/null)" ] && break
      sleep 0.1
    done
    pids=$(ip netns pids "$ns" 2>/dev/null || true)
    [ -n "$pids" ] && kill -KILL $pids 2>/dev/null || true
    ip netns del "$ns" 2>/dev/null || true
  done
  ip netns list | grep -qw "^$lan" && ip netns del "$lan"
  if [ -f "$state/created-folders" ]; then
    sort -r "$state/created-folders" | while read -r path; do rmdir "$path" 2>/dev/null || true; done
  fi
  rm -rf "$state"
}

check() {
  [ -f "$state/root-before" ] || die "not up"
  local now
  now=$(root_snapshot)
  if [ "$now" != "$(cat "$state/root-before")" ]; then
    diff <(cat "$state/root-before") <(echo "$now") >&2 || true
    die "the root network namespace changed"
  fi
  ip link show virbr0 >/dev/null 2>&1 && die "virbr0 exists in the root namespace"
  local own
  own=$(readlink /proc/self/ns/net)
  for node in "${hosts[@]}"; do
    local pid
    pid=$(cat "$state/$node/libvirtd.pid")
    [ "$(readlink "/proc/$pid/ns/net")" != "$own" ] || die "host $node's libvirtd runs in the root namespace"
    [ "$(readlink "/proc/$pid/ns/net")" = "$(readlink -f /run/netns/$prefix-$node | xargs -I{} stat -L -c 'net:[%i]' {})" ] ||
      die "host $node's libvirtd is not in $prefix-$node"
  done
  echo "libvirt-testbed: root namespace unchanged"
}

case "${1:-}" in
  up) up ;;
  down) down ;;
  check) check ;;
  run) shift && run "$@" ;;
  on) shift && on_host "$@" ;;
  *) die "usage: $0 up|down|check|run CMD|on HOST CMD" ;;
esac
