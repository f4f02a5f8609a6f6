#!/usr/bin/env bash
# boxer serve's node API (issue 22), in one run:
#
# 1. Create-to-SSH: a node made through the API (POST /v1/nodes, the tiny test box, size
#    c1-m512, an SSH key; GET polled every 0.1 s as Libcloud's wait_until_running polls; then
#    `ssh true` with the key until it gets in) against `boxer up` of a one-machine project of the
#    same box, hostname, CPUs, memory and disk (then `ssh true` with the machine's key). Medians
#    of ROUNDS, each side first in turn; the ratio API/up should be 1 within noise. A node does one
#    step more: it puts the key it was created with in authorized_keys over SSH.
# 2. LISTERS (200) Apache Libcloud drivers, one per thread, call list_nodes at once against NODES
#    (3) running nodes: latency p50 and p99, and the errors (there must be none).
#
# Environment: ROUNDS (3), LISTERS (200), NODES (3), BOXER (a boxer binary; scripts/release builds
# one when unset). Guests run under TCG here.
set -euo pipefail
cd "$(dirname "$0")/.."
. bench/lib.sh
rounds=${ROUNDS:-3}
[ -n "${BOXER:-}" ] || BOXER=$(scripts/release)
export BOXER
venv=$(scripts/python-env)
box=$(BOXER=$BOXER scripts/testbox.sh tiny-amd64 | tail -n 1)
work=$(mktemp -d "${TMPDIR:-/tmp}/boxer-node-bench.XXXXXX")
bench="node-api bench"
running=""
server=""
cleanup() {
  set +e  # every step runs, whatever the one before said
  for node in "$work"/home/nodes/*/; do [ -d "$node" ] && "$BOXER" node destroy "$(basename "$node")" >/dev/null 2>&1; done || true
  [ -d "$work/project" ] && (BOXER_CWD=$work/project "$BOXER" destroy -f >/dev/null 2>&1) || true
  if [ -n "$server" ]; then kill "$server" 2>/dev/null || true; wait "$server" 2>/dev/null || true; fi
  stop_qemus
  rm -rf "$work"
}
trap cleanup EXIT
export BOXER_HOME=$work/home BOXER_QEMU_RESTRICT=1 BOXER_SERVER_URL=http://127.0.0.1:9
unset VAGRANT_CWD BOXER_CWD
"$BOXER" box add boxer/tiny "$box" >/dev/null
mkdir -p "$work/project"
cat > "$work/project/Vagrantfile" <<'RUBY'
Vagrant.configure("2") do |config|
  config.vm.box = "boxer/tiny"
  config.vm.hostname = "bench"
  config.vm.synced_folder ".", "/vagrant", disabled: true
  config.vm.disk :disk, name: "primary", size: "10GB", primary: true
  config.vm.provider :qemu do |qemu|
    qemu.cpus = 1
    qemu.memory = 512
  end
end
RUBY
ssh-keygen -q -t ed25519 -N "" -f "$work/key"
"$BOXER" serve > "$work/serve.log" 2>&1 & server=$!
for _ in $(seq 100); do [ -S "$BOXER_HOME/run/api.sock" ] && break; sleep 0.05; done
cd clients/libcloud
"$venv/bin/python" ../../bench/node_api.py create-to-ssh "$rounds" "$work/project" "$work/key"
"$venv/bin/python" ../../bench/node_api.py concurrent "${LISTERS:-200}" "${NODES:-3}" "$work/key"
