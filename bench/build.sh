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
# Environment: ROUNDS (default 4, even so that each tool goes first as often), BENCH_CACHE (default ~/.cache/boxer-bench; the source image is
# built once under images/), BOXER (a release boxer; built when unset), PACKER (default: packer
# on PATH; when missing only boxer is timed), BENCH_KEEP=1 keeps the work folder and its logs.
set -euo pipefail
cd "$(dirname "$0")/.."
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
running="" # the pid of the boxer or packer run in progress
# QEMUs started by this run: every one of them has a path under $work on its command line.
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
cleanup() {
  if [ -n "$running" ]; then kill -INT "$running" 2>/dev/null || true; wait "$running" 2>/dev/null || true; fi
  stop_qemus
  if [ "${BENCH_KEEP:-0}" = 1 ]; then echo "build bench: kept $work" >&2; else rm -rf "$work"; fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

export BOXER_QEMU_RESTRICT=1 BOXER_IMAGE_CACHE=$cache/images
# Neither side traces unless the logs are kept (BENCH_KEEP=1), and then both do.
unset BOXER_LOG PACKER_LOG PACKER_LOG_PATH
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
    echo "build bench: $* failed ($status); the end of $log:" >&2; tail -n 25 "$log" >&2; exit 1
  fi
  if [ -n "$(our_qemus)" ]; then echo "build bench: a QEMU outlived $*" >&2; exit 1; fi
}
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
  # Packer's inputs (untimed): the same image as a file, the provisioning and cleanup scripts
  # (the template's and boxer's, verbatim), the seed with an RSA host key in dropbear's format.
  p=$work/packer && mkdir -p "$p/seed" "$p/home"
  cp "$src" "$p/testbox-amd64.qcow2"
  sum=$(sha256sum "$p/testbox-amd64.qcow2" | cut -d' ' -f1)
  cat > "$p/provision.sh" <<'EOF'
#!/bin/sh
set -e
grep -q ' /boot ' /proc/mounts
echo "customized by boxer build on $(date -u +%Y-%m-%dT%H:%M:%SZ) for amd64" > /boot/boxer-build
cat /boot/boxer-build
EOF
  # boxer's cleanup (Customizer.cleanup) without its fallback poweroff timer; boxer then presses
  # the ACPI power button, Packer's shutdown_command powers off over SSH.
  cat > "$p/cleanup.sh" <<'EOF'
#!/bin/sh
set +e
command -v cloud-init >/dev/null 2>&1 && cloud-init clean --logs --seed >/dev/null 2>&1
rm -f /etc/ssh/ssh_host_*
[ -f /etc/machine-id ] && : > /etc/machine-id
rm -f /var/lib/dbus/machine-id
find /var/log -type f -exec truncate -s 0 {} + 2>/dev/null
rm -rf /tmp/* /var/tmp/* 2>/dev/null
rm -f /root/.bash_history /home/*/.bash_history
command -v fstrim >/dev/null 2>&1 && fstrim -a >/dev/null 2>&1
sync
exit 0
EOF
  openssl genrsa -out "$p/rsa.pem" 2048 2>/dev/null
  python3 - "$p/rsa.pem" "$p/seed/rsa_host_key" <<'PY'
# An RSA private key in dropbear's own format: string "ssh-rsa", mpints e, n, d, p, q.
import re, struct, subprocess, sys
text = subprocess.run(["openssl", "rsa", "-in", sys.argv[1], "-noout", "-text"], capture_output=True, text=True, check=True).stdout
def field(name):
    m = re.search(r"^" + name + r":\s*\n((?:[ \t]+[0-9a-f:]+\n)+)", text, re.M)
    return int(re.sub(r"[\s:]", "", m.group(1)), 16)
e = int(re.search(r"publicExponent: (\d+)", text).group(1))
string = lambda b: struct.pack(">I", len(b)) + b
mpint = lambda x: string(x.to_bytes(x.bit_length() // 8 + 1, "big"))
with open(sys.argv[2], "wb") as f:
    f.write(string(b"ssh-rsa") + mpint(e) + b"".join(mpint(field(k)) for k in ("modulus", "privateExponent", "prime1", "prime2")))
PY
  printf 'instance-id: packer-bench\n' > "$p/seed/meta-data"
  cat > "$p/seed/user-data" <<'EOF'
#cloud-config
runcmd:
  - cp /mnt/seed/rsa_host_key /etc/dropbear/dropbear_rsa_host_key
  - dropbear -r /etc/dropbear/dropbear_ed25519_host_key -r /etc/dropbear/dropbear_rsa_host_key -p 2222 -s -E 2>>/var/log/dropbear.log
EOF
  (cd "$p/seed" && bsdtar --format iso9660 --options iso9660:volume-id=cidata -cf "$p/seed.iso" meta-data user-data rsa_host_key)
  packer_template() { # dir
    cat <<EOF
{
  "builders": [{
    "type": "qemu", "vm_name": "testbox-amd64", "output_directory": "$1/out",
    "disk_image": true, "use_backing_file": false,
    "iso_url": "$p/testbox-amd64.qcow2", "iso_checksum": "sha256:$sum",
    "format": "qcow2", "disk_size": "1024M", "disk_interface": "virtio", "disk_discard": "unmap",
    "accelerator": "${accel:-tcg}", "machine_type": "q35", "memory": 1024, "cpus": 1,
    "headless": true, "vnc_bind_address": "127.0.0.1", "boot_wait": "1s",
    "communicator": "ssh", "ssh_username": "vagrant", "ssh_private_key_file": "$key",
    "ssh_file_transfer_method": "sftp", "ssh_timeout": "5m",
    "shutdown_command": "poweroff", "shutdown_timeout": "5m",
    "qemuargs": [
      ["-netdev", "user,id=user.0,restrict=on,hostfwd=tcp:127.0.0.1:{{ .SSHHostPort }}-:2222"],
      ["-device", "virtio-net-pci,netdev=user.0"],
      ["-device", "virtio-rng-pci"],
      ["-blockdev", "driver=file,node-name=seedfile,filename=$p/seed.iso,read-only=on"],
      ["-blockdev", "driver=raw,node-name=seed,file=seedfile,read-only=on"],
      ["-device", "virtio-blk-pci,drive=seed,addr=0x10"],
      ["-serial", "file:$1/console.log"]
    ]
  }],
  "provisioners": [
    {"type": "shell", "script": "$p/provision.sh"},
    {"type": "shell", "script": "$p/cleanup.sh"}
  ],
  "post-processors": [{"type": "vagrant", "output": "$1/packer.box", "compression_level": 6}]
}
EOF
  }
  packer_build() { # dir
    mkdir -p "$1/tmp"
    packer_template "$1" > "$1/template.json"
    # Packer's debug log only when the logs are kept (and boxer's trace then too).
    local debug=(); [ "${BENCH_KEEP:-0}" = 1 ] && debug=(PACKER_LOG=1 PACKER_LOG_PATH=$1/packer-debug.log)
    exec env HOME=$p/home PACKER_CONFIG_DIR=$p/home PACKER_CACHE_DIR=$p/cache TMPDIR=$1/tmp CHECKPOINT_DISABLE=1 "${debug[@]}" \
      "$packer" build -color=false -timestamp-ui "$1/template.json"
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
boxer_times=() packer_times=()
for round in $(seq "$rounds"); do
  d=$work/r$round && mkdir -p "$d/boxer" "$d/packer"
  if [ -z "$packer" ]; then
    timed "$d/boxer.log" boxer_build "$d/boxer"; t=$elapsed; boxer_times+=("$t")
    printf 'round %d: boxer %.2f s\n' "$round" "$t"; continue
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

# The outputs: readable gzip'd tars with box.img and metadata.json; box.img holds the
# provisioning's /boot/boxer-build (checked with mtools on the FAT partition at 1 MiB).
check_box() { # name box
  local list
  gzip -t "$2" || { echo "build bench: gzip -t refuses $1's $2" >&2; exit 1; }
  list=$(bsdtar -tf "$2") || { echo "build bench: bsdtar cannot list $1's $2" >&2; exit 1; }
  for f in box.img metadata.json; do
    grep -qx "\(\./\)\{0,1\}$f" <<<"$list" || { echo "build bench: $1's box has no $f" >&2; exit 1; }
  done
  if command -v mtype >/dev/null; then
    local x; x=$(mktemp -d "$work/check.XXXXXX")
    bsdtar -xf "$2" -C "$x" && qemu-img convert -O raw "$x/box.img" "$x/raw"
    MTOOLS_SKIP_CHECK=1 mtype -i "$x/raw@@1048576" ::/boxer-build | grep -q '^customized by boxer build on' \
      || { echo "build bench: $1's box.img has no /boot/boxer-build" >&2; exit 1; }
    rm -rf "$x"
  fi
}
checked="gzip -t and bsdtar -tf"; command -v mtype >/dev/null && checked+=", /boot/boxer-build inside box.img"
for round in $(seq "$rounds"); do
  check_box boxer "$(ls "$work/r$round/boxer/out"/*.box)"
  [ -n "$packer" ] && check_box packer "$work/r$round/packer/packer.box"
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
