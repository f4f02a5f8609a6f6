# Helpers the benchmarks share (sourced, not run).

# The median of the numbers on stdin, one per line ("nan" for none).
median() { sort -n | awk '{a[NR]=$1} END {if (NR == 0) {print "nan"; exit} print (NR % 2) ? a[(NR+1)/2] : (a[NR/2] + a[NR/2+1]) / 2}'; }

# Drops a program's file from the page cache, so that its pages come back through the faults of
# the runs measured, as after an install or a boot. The resident size of a program's code depends
# on how its file entered the cache: on this host's kernel (ext4 with large folios) a file read
# whole sits in large folios, and a fault maps a whole folio; `boxer status` measured 19 MiB that
# way against 12.6 MiB after this.
uncache() { dd if="$1" iflag=nocache count=0 status=none 2>/dev/null || true; }

# A TCP port on 127.0.0.1 that nothing listens on now.
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

# Waits (at most 180 s) until an SSH server greets on 127.0.0.1:PORT: a TCP knock every 0.1 s,
# each waiting at most 0.3 s for "SSH-" (QEMU's NAT accepts at once; the greeting comes only
# from the guest).
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

# For the build benchmarks, which set $work (their folder), $bench (their name in messages) and
# $running (the pid of the tool running now, "" between runs).
# The QEMUs a run started: every one has a path under $work on its command line.
our_qemus() {
  local dir cmd
  for dir in /proc/[0-9]*; do
    cmd=$(tr '\0' ' ' 2>/dev/null < "$dir/cmdline") || continue
    case "$cmd" in qemu-system-*"$work/"*|/usr/bin/qemu-system-*"$work/"*) echo "${dir#/proc/}" ;; esac
  done
}
stop_qemus() {
  local pid
  for pid in $(our_qemus); do kill "$pid" 2>/dev/null || true; done
  for _ in $(seq 50); do [ -z "$(our_qemus)" ] && return; sleep 0.1; done
  for pid in $(our_qemus); do kill -9 "$pid" 2>/dev/null || true; done
}
# The EXIT trap: the tool running now, its QEMUs, the work folder (kept with BENCH_KEEP=1).
cleanup() {
  if [ -n "$running" ]; then kill -INT "$running" 2>/dev/null || true; wait "$running" 2>/dev/null || true; fi
  stop_qemus
  if [ "${BENCH_KEEP:-0}" = 1 ]; then echo "$bench: kept $work" >&2; else rm -rf "$work"; fi
}
# Runs a tool in the background (so the trap can stop it by pid) with its output in LOG and
# sets $elapsed to its wall time; on failure shows the log's end and stops the bench.
timed() { # log command...
  local log=$1 start status=0; shift
  start=$(date +%s.%N)
  "$@" > "$log" 2>&1 & running=$!
  wait "$running" || status=$?
  running=""
  elapsed=$(awk -v s="$start" -v e="$(date +%s.%N)" 'BEGIN {printf "%.2f", e - s}')
  if [ "$status" != 0 ]; then
    echo "$bench: $* failed ($status); the end of $log:" >&2; tail -n 25 "$log" >&2; exit 1
  fi
  if [ -n "$(our_qemus)" ]; then echo "$bench: a QEMU outlived $*" >&2; exit 1; fi
}

# $rounds rounds of boxer_build and packer_build (the caller defines both, and $packer, empty when
# Packer is not installed), each going first in turn; fills boxer_times and packer_times.
run_rounds() {
  local round d t t2 order
  boxer_times=() packer_times=()
  for round in $(seq "$rounds"); do
    d=$work/r$round && mkdir -p "$d/boxer" "$d/packer"
    if [ -z "$packer" ]; then
      timed "$d/boxer.log" boxer_build "$d/boxer"; boxer_times+=("$elapsed")
      printf 'round %d: boxer %.2f s\n' "$round" "$elapsed"; continue
    fi
    if [ $((round % 2)) = 1 ]; then
      timed "$d/boxer.log" boxer_build "$d/boxer"; t=$elapsed
      timed "$d/packer.log" packer_build "$d/packer"; t2=$elapsed; order="boxer first"
    else
      timed "$d/packer.log" packer_build "$d/packer"; t2=$elapsed
      timed "$d/boxer.log" boxer_build "$d/boxer"; t=$elapsed; order="packer first"
    fi
    boxer_times+=("$t") packer_times+=("$t2")
    printf 'round %d: boxer %.2f s, packer %.2f s (%s)\n' "$round" "$t" "$t2" "$order"
  done
}

# A built box: a readable gzip'd tar with box.img and metadata.json; with mtools, each FILE (or
# FILE=PATTERN, its content matching) on box.img's FAT partition at 1 MiB (the test boxes' /boot).
check_box() { # name box [file[=pattern]]...
  local name=$1 box=$2 list x spec file pattern f; shift 2
  gzip -t "$box" || { echo "$bench: gzip -t refuses $name's $box" >&2; exit 1; }
  list=$(bsdtar -tf "$box") || { echo "$bench: bsdtar cannot list $name's $box" >&2; exit 1; }
  for f in box.img metadata.json; do
    grep -qx "\(\./\)\{0,1\}$f" <<<"$list" || { echo "$bench: $name's box has no $f" >&2; exit 1; }
  done
  [ $# -gt 0 ] && command -v mtype >/dev/null || return 0
  x=$(mktemp -d "$work/check.XXXXXX")
  bsdtar -xf "$box" -C "$x" && qemu-img convert -O raw "$x/box.img" "$x/raw"
  for spec in "$@"; do
    file=${spec%%=*} pattern=""
    [ "$spec" != "$file" ] && pattern=${spec#*=}
    if ! MTOOLS_SKIP_CHECK=1 mtype -i "$x/raw@@1048576" "::/$file" > "$x/mark" 2>/dev/null || [ ! -s "$x/mark" ] \
      || { [ -n "$pattern" ] && ! grep -q "$pattern" "$x/mark"; }; then
      echo "$bench: $name's box.img has no /boot/$file${pattern:+ matching $pattern}" >&2; exit 1
    fi
  done
  rm -rf "$x"
}
