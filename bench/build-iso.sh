#!/usr/bin/env bash
# ISO build benchmark (also `bench/build.sh --iso`): `boxer build` of the test installer ISO
# (boxes/testbox-iso-amd64.yaml: a boot command typed at the ISO's prompt, a kickstart-style
# answer file served to the installer, the installer's reboot, the installed system provisioned
# over SSH, one 1G libvirt box, gzip level 6) against `packer build` with Packer's qemu builder on
# the same ISO and the same answer file (boot_command, http_directory, the same provisioning and
# boxer's cleanup, the vagrant post-processor at compression_level 6), on the same machine in the
# same run. Both run the same QEMU (q35, the same accelerator, 512 MiB, 1 CPU, virtio disk, user
# NAT with restrict=on). Rounds alternate which tool goes first; every box is checked with
# `gzip -t`, `bsdtar -tf` and, with mtools, for the answer file's /boot/installed-by and the
# provisioning's /boot/boxer-build inside box.img. Prints per-round and median wall times and
# boxer's time as a ratio of Packer's.
#
# Differences that cannot be avoided, both in Packer's disfavour or neutral:
# - Packer types only after a fixed boot_wait (8 s: the prompt appears after about 5 s under
#   TCG here, with margin for a loaded host); boxer waits for the prompt on the serial console
#   (boot_wait_for) and then 1 s.
# - Packer's HTTP server listens on 127.0.0.1 and the guest reaches it at 10.0.2.100 through a
#   guestfwd rule to `nc` (restrict=on stops the guest reaching the host otherwise, and QEMU
#   takes no guestfwd on 10.0.2.2, Packer's {{ .HTTPIP }}), so Packer's boot command names that
#   address instead of {{ .HTTPIP }}; boxer's server is a guestfwd file server.
# - dropbear offers ssh-rsa host keys while it has only an ed25519 one, which Packer 1.6.6's SSH
#   client cannot get past (scripts/packer-testbox.sh). The answer file, the same for both,
#   gives the installed system a second dropbear on port 2222 with an RSA host key made here;
#   Packer's SSH goes there, boxer's to port 22.
#
# Environment: ROUNDS (default 2), BENCH_CACHE (default ~/.cache/boxer-bench; the ISO is built
# once under images/), BOXER (a release boxer; built when unset), PACKER (default: packer on
# PATH; when missing only boxer is timed), BENCH_KEEP=1 keeps the work folder and its logs.
set -euo pipefail
cd "$(dirname "$0")/.."
. bench/lib.sh

rounds=${ROUNDS:-2}
cache=${BENCH_CACHE:-$HOME/.cache/boxer-bench}
mkdir -p "$cache/images"
for tool in qemu-system-x86_64 qemu-img bsdtar gzip openssl python3 sha256sum nc; do
  command -v "$tool" >/dev/null || { echo "iso build bench: $tool is missing; run scripts/bootstrap" >&2; exit 2; }
done
if [ -z "${BOXER:-}" ]; then
  swift build -c release --product boxer >&2
  BOXER=$PWD/.build/release/boxer
fi
packer=${PACKER:-$(command -v packer || true)}
boxes=$PWD/boxes

work=$(mktemp -d "${TMPDIR:-/tmp}/boxer-iso-bench.XXXXXX")
running=""
bench="iso build bench"
trap cleanup EXIT
trap 'exit 130' INT TERM

export BOXER_QEMU_RESTRICT=1 BOXER_IMAGE_CACHE=$cache/images
unset BOXER_LOG PACKER_LOG PACKER_LOG_PATH

# The answer file both get: the test box's, with a %post that gives the installed system a
# second dropbear with an RSA host key on port 2222 (for Packer's SSH client).
mkdir -p "$work/http"
scripts/packer-testbox.sh rsa-key "$work/rsa_host_key"
{
  sed '/^%end/,$d' "$boxes/testbox/ks/ks.cfg"
  echo "echo '$(base64 -w0 "$work/rsa_host_key")' | base64 -d > \"\$TARGET/dropbear_rsa_host_key\""
  printf '%s\n' "printf '%s\\n' 'mkdir -p /etc/dropbear; cp /boot/dropbear_rsa_host_key /etc/dropbear/dropbear_rsa_host_key' 'dropbear -r /etc/dropbear/dropbear_ed25519_host_key -r /etc/dropbear/dropbear_rsa_host_key -p 2222 -s -E 2>>/var/log/dropbear.log' > \"\$TARGET/boxer-init.d/01-rsa-dropbear.sh\""
  echo "%end"
} > "$work/http/ks.cfg"
# The same provisioning as the template's, for Packer.
cat > "$work/provision.sh" <<'EOF2'
#!/bin/sh
set -e
cat /boot/installed-by
echo "customized by boxer build after the install" > /boot/boxer-build
EOF2
sed -n '/^  cat > "\$p\/cleanup.sh" <<.EOF.$/,/^EOF$/p' scripts/packer-testbox.sh | sed '1d;$d' > "$work/cleanup.sh"
[ -s "$work/cleanup.sh" ] || { echo "iso build bench: cannot take boxer's cleanup from scripts/packer-testbox.sh" >&2; exit 1; }

# boxer's template: the repository's, with this answer file.
sed -e "s|: testbox/|: $boxes/testbox/|" -e "s|http_directory: .*|http_directory: $work/http|" "$boxes/testbox-iso-amd64.yaml" > "$work/testbox-iso-amd64.yaml"
boxer_build() { # dir
  local trace=(); [ "${BENCH_KEEP:-0}" = 1 ] && trace=(--log "$1/boxer-trace.log")
  BOXER_HOME=$1/home exec "$BOXER" build "$work/testbox-iso-amd64.yaml" --output "$1/out" --provider libvirt --compression gzip --level 6 --no-cache "${trace[@]}"
}

echo "iso build bench: warm-up boxer build (makes the test installer ISO once)..." >&2
mkdir -p "$work/warm"
timed "$work/warm/log" boxer_build "$work/warm"
accel=$(sed -n 's/.*Booting testbox-iso-amd64 in QEMU (\([a-z]*\):.*/\1/p' "$work/warm/log" | head -n 1)
iso=$(ls -t "$cache"/images/recipe-tiny-amd64-*/source.iso | head -n 1)
[ -s "$iso" ] || { echo "iso build bench: no test installer ISO under $cache/images" >&2; exit 1; }
key=$work/warm/home/insecure_private_key
cp "$key" "$work/key" && chmod 600 "$work/key"

packer_build() { # dir
  local out=$1 port
  port=$(free_port)
  mkdir -p "$out/tmp"
  cat > "$out/template.json" <<EOF2
{
"builders": [{
  "type": "qemu", "vm_name": "testbox-iso", "output_directory": "$out/out",
  "iso_url": "$iso", "iso_checksum": "sha256:$iso_sum",
  "format": "qcow2", "disk_size": "1024M", "disk_interface": "virtio", "disk_discard": "unmap",
  "accelerator": "${accel:-tcg}", "machine_type": "q35", "memory": 512, "cpus": 1,
  "headless": true, "vnc_bind_address": "127.0.0.1",
  "boot_wait": "8s", "boot_command": ["ks=http://10.0.2.100:{{ .HTTPPort }}/ks.cfg<enter>"],
  "http_directory": "$work/http", "http_bind_address": "127.0.0.1", "http_port_min": $port, "http_port_max": $port,
  "communicator": "ssh", "ssh_username": "vagrant", "ssh_private_key_file": "$work/key",
  "ssh_file_transfer_method": "sftp", "ssh_timeout": "10m",
  "shutdown_command": "poweroff", "shutdown_timeout": "5m",
  "qemuargs": [
    ["-netdev", "user,id=user.0,restrict=on,hostfwd=tcp:127.0.0.1:{{ .SSHHostPort }}-:2222,guestfwd=tcp:10.0.2.100:$port-cmd:nc 127.0.0.1 $port"],
    ["-device", "virtio-net-pci,netdev=user.0"],
    ["-device", "virtio-rng-pci"],
    ["-serial", "file:$out/console.log"]
  ]
}],
"provisioners": [
  {"type": "shell", "script": "$work/provision.sh"},
  {"type": "shell", "script": "$work/cleanup.sh"}
],
"post-processors": [{"type": "vagrant", "output": "$out/packer.box", "compression_level": 6}]
}
EOF2
  local debug=(); [ "${BENCH_KEEP:-0}" = 1 ] && debug=(PACKER_LOG=1 PACKER_LOG_PATH=$out/packer-debug.log)
  mkdir -p "$work/packer-home"
  exec env HOME=$work/packer-home PACKER_CONFIG_DIR=$work/packer-home PACKER_CACHE_DIR=$work/packer-cache TMPDIR=$out/tmp CHECKPOINT_DISABLE=1 \
    "${debug[@]}" "$packer" build -color=false -timestamp-ui "$out/template.json"
}
iso_sum=$(sha256sum "$iso" | cut -d' ' -f1)
if [ -n "$packer" ]; then
  echo "iso build bench: warm-up packer build..." >&2
  mkdir -p "$work/warm-packer"
  timed "$work/warm-packer/log" packer_build "$work/warm-packer"
fi
echo "iso build bench: testbox-iso-amd64 (test installer ISO, kickstart-style), libvirt, 1G, gzip level 6, QEMU ${accel:-?}, $(nproc) cores, $rounds rounds"
[ -n "$packer" ] && echo "iso build bench: against $("$packer" version | head -n 1)" || echo "iso build bench: packer is not installed; timing boxer only"
run_rounds

checked="gzip -t and bsdtar -tf"; command -v mtype >/dev/null && checked+=", /boot/installed-by and /boot/boxer-build inside box.img"
for round in $(seq "$rounds"); do
  check_box boxer "$(ls "$work/r$round/boxer/out"/*.box)" installed-by boxer-build
  [ -n "$packer" ] && check_box packer "$work/r$round/packer/packer.box" installed-by boxer-build
done
x=$(printf '%s\n' "${boxer_times[@]}" | median)
if [ -z "$packer" ]; then
  printf 'median: boxer build %.2f s; no packer to compare with\n' "$x"; echo "boxer's boxes pass $checked"; exit 0
fi
pk=$(printf '%s\n' "${packer_times[@]}" | median)
printf 'median: boxer build %.2f s, packer build %.2f s; boxer is %.2fx Packer'"'"'s time\n' "$x" "$pk" "$(awk -v x="$x" -v p="$pk" 'BEGIN {print x / p}')"
echo "all boxes pass $checked"
