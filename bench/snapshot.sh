#!/usr/bin/env bash
# Snapshot save and restore of a running machine against the physical limit, in the same run:
# `boxer snapshot save` / `boxer snapshot restore` of the running tiny test guest, against
# QEMU's own `savevm` / `loadvm` sent by hand over the same machine's QMP socket
# (human-monitor-command), which is all the work there is. Prints the medians and the ratios
# (boxer's include starting boxer, reading the Vagrantfile, the environment lock and the
# snapshot list it checks names against). Target (issue 19): each ratio <= 1.5x.
#
# Environment: ROUNDS (default 5), BOXER (a boxer binary; scripts/release builds one when unset).
set -euo pipefail
cd "$(dirname "$0")/.."
. bench/lib.sh
rounds=${ROUNDS:-5}
for tool in qemu-system-x86_64 qemu-img python3; do
  command -v "$tool" >/dev/null || { echo "snapshot bench: $tool is missing; run scripts/bootstrap" >&2; exit 2; }
done
[ -n "${BOXER:-}" ] || BOXER=$(scripts/release)
box=$(BOXER=$BOXER scripts/testbox.sh tiny-amd64 | tail -n 1)

work=$(mktemp -d "${TMPDIR:-/tmp}/boxer-snapshot-bench.XXXXXX")
cleanup() {
  (cd "$work/project" 2>/dev/null && BOXER_HOME=$work/home "$BOXER" destroy -f >/dev/null 2>&1) || true
  rm -rf "$work"
}
trap cleanup EXIT
export BOXER_HOME=$work/home BOXER_QEMU_RESTRICT=1
"$BOXER" box add boxer/tiny "$box" >/dev/null
mkdir -p "$work/project"
cd "$work/project"
printf 'Vagrant.configure("2") { |c| c.vm.box = "boxer/tiny" }\n' > Vagrantfile
"$BOXER" up >/dev/null
socket=$(find "$BOXER_HOME/run" -name qmp.sock | head -n 1)

now() { date +%s.%N; }
elapsed() { awk -v s="$1" -v e="$(now)" 'BEGIN {printf "%.3f", e - s}'; }
hmp() { # one HMP command over QMP; fails on any output (HMP's way of saying it failed)
  python3 - "$socket" "$1" <<'PY'
import json, socket, sys
s = socket.socket(socket.AF_UNIX); s.connect(sys.argv[1]); f = s.makefile("rw")
def reply():
    while True:
        m = json.loads(f.readline())
        if "return" in m or "error" in m: return m
f.readline(); f.write(json.dumps({"execute": "qmp_capabilities"}) + "\n"); f.flush(); reply()
f.write(json.dumps({"execute": "human-monitor-command", "arguments": {"command-line": sys.argv[2]}}) + "\n"); f.flush()
m = reply()
sys.exit(0 if m.get("return", "x") == "" else 1)
PY
}

save_raw=() load_raw=() save_boxer=() load_boxer=()
raw_round() {
  start=$(now); hmp "savevm raw$1"; save_raw+=("$(elapsed "$start")")
  start=$(now); hmp "loadvm raw$1"; load_raw+=("$(elapsed "$start")")
  hmp "delvm raw$1"
}
boxer_round() {
  start=$(now); "$BOXER" snapshot save "b$1" >/dev/null; save_boxer+=("$(elapsed "$start")")
  start=$(now); "$BOXER" snapshot restore "b$1" >/dev/null; load_boxer+=("$(elapsed "$start")")
  "$BOXER" snapshot delete "b$1" >/dev/null
}
# Alternating which goes first, so that neither always meets the clusters the other freed.
for round in $(seq 1 "$rounds"); do
  if [ $((round % 2)) = 1 ]; then raw_round "$round"; boxer_round "$round"; else boxer_round "$round"; raw_round "$round"; fi
done
m() { printf '%s\n' "$@" | median; }
ratio() { awk -v b="$1" -v r="$2" 'BEGIN {printf "%.2f", b / r}'; }
echo "snapshot of the running tiny guest ($rounds rounds, medians):"
echo "  save:    boxer $(m "${save_boxer[@]}") s, QEMU savevm by hand $(m "${save_raw[@]}") s, ratio $(ratio "$(m "${save_boxer[@]}")" "$(m "${save_raw[@]}")")x"
echo "  restore: boxer $(m "${load_boxer[@]}") s, QEMU loadvm by hand $(m "${load_raw[@]}") s, ratio $(ratio "$(m "${load_boxer[@]}")" "$(m "${load_raw[@]}")")x"
