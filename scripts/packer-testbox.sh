#!/usr/bin/env bash
# A Packer 1.6.6 libvirt box of the tiny test image, made by Packer's own qemu builder and
# vagrant post-processor (shared by bench/build.sh, which times the build, and by the tests,
# which boot the box with `boxer up`):
#   scripts/packer-testbox.sh prepare SOURCE.qcow2 KEY FOLDER   the inputs (untimed)
#   scripts/packer-testbox.sh build FOLDER OUT                  OUT/packer.box
# KEY: Vagrant's insecure private key, which the image authorizes for `vagrant`. ACCEL (default
# tcg) is the accelerator. Nothing leaves this machine: the guest's user NAT has restrict=on.
#
# dropbear 2022.83 (the guest's SSH server) offers ssh-rsa host keys while it has only an ed25519
# one, and Packer 1.6.6's Go SSH client, which prefers ssh-rsa and cannot be told otherwise, makes
# it abort the handshake (rsa.c:164 `key != NULL`). So Packer's guest gets a NoCloud seed whose
# runcmd starts a second dropbear on port 2222 with an RSA host key (made here), and Packer's SSH
# forward goes there.
set -euo pipefail
packer=${PACKER:-packer}

# A new RSA host key in dropbear's own format at OUT (Packer's SSH client needs one).
rsa_key() { # out
  local pem; pem=$(mktemp); openssl genrsa -out "$pem" 2048 2>/dev/null
  python3 - "$pem" "$1" <<'PY'
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
  rm -f "$pem"
}
prepare() { # source key folder
  local src=$1 key=$2 p=$3 sum
  mkdir -p "$p/seed" "$p/home"
  cp "$src" "$p/testbox-amd64.qcow2"
  cp "$key" "$p/key" && chmod 600 "$p/key"
  sum=$(sha256sum "$p/testbox-amd64.qcow2" | cut -d' ' -f1)
  echo "$sum" > "$p/sum"
  # The provisioning and cleanup scripts (the template's and boxer's, verbatim), the seed with
  # an RSA host key in dropbear's format.
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
  rsa_key "$p/seed/rsa_host_key"
  printf 'instance-id: packer-bench\n' > "$p/seed/meta-data"
  cat > "$p/seed/user-data" <<'EOF'
#cloud-config
runcmd:
  - cp /mnt/seed/rsa_host_key /etc/dropbear/dropbear_rsa_host_key
  - dropbear -r /etc/dropbear/dropbear_ed25519_host_key -r /etc/dropbear/dropbear_rsa_host_key -p 2222 -s -E 2>>/var/log/dropbear.log
EOF
  (cd "$p/seed" && bsdtar --format iso9660 --options iso9660:volume-id=cidata -cf "$p/seed.iso" meta-data user-data rsa_host_key)
}

template() { # folder out
  local p=$1 out=$2
  cat <<EOF
{
"builders": [{
  "type": "qemu", "vm_name": "testbox-amd64", "output_directory": "$out/out",
  "disk_image": true, "use_backing_file": false,
  "iso_url": "$p/testbox-amd64.qcow2", "iso_checksum": "sha256:$(cat "$p/sum")",
  "format": "qcow2", "disk_size": "1024M", "disk_interface": "virtio", "disk_discard": "unmap",
  "accelerator": "${ACCEL:-tcg}", "machine_type": "q35", "memory": 1024, "cpus": 1,
  "headless": true, "vnc_bind_address": "127.0.0.1", "boot_wait": "1s",
  "communicator": "ssh", "ssh_username": "vagrant", "ssh_private_key_file": "$p/key",
  "ssh_file_transfer_method": "sftp", "ssh_timeout": "5m",
  "shutdown_command": "poweroff", "shutdown_timeout": "5m",
  "qemuargs": [
    ["-netdev", "user,id=user.0,restrict=on,hostfwd=tcp:127.0.0.1:{{ .SSHHostPort }}-:2222"],
    ["-device", "virtio-net-pci,netdev=user.0"],
    ["-device", "virtio-rng-pci"],
    ["-blockdev", "driver=file,node-name=seedfile,filename=$p/seed.iso,read-only=on"],
    ["-blockdev", "driver=raw,node-name=seed,file=seedfile,read-only=on"],
    ["-device", "virtio-blk-pci,drive=seed,addr=0x10"],
    ["-serial", "file:$out/console.log"]
  ]
}],
"provisioners": [
  {"type": "shell", "script": "$p/provision.sh"},
  {"type": "shell", "script": "$p/cleanup.sh"}
],
"post-processors": [{"type": "vagrant", "output": "$out/packer.box", "compression_level": 6}]
}
EOF
}

build() { # folder out
  local p=$1 out=$2
  mkdir -p "$out/tmp"
  template "$p" "$out" > "$out/template.json"
  # Packer's debug log only when asked for (BENCH_KEEP=1 in the bench).
  local debug=(); [ "${PACKER_DEBUG:-0}" = 1 ] && debug=(PACKER_LOG=1 PACKER_LOG_PATH=$out/packer-debug.log)
  exec env HOME=$p/home PACKER_CONFIG_DIR=$p/home PACKER_CACHE_DIR=$p/cache TMPDIR=$out/tmp CHECKPOINT_DISABLE=1 "${debug[@]}" \
    "$packer" build -color=false -timestamp-ui "$out/template.json"
}

case "${1:-}" in
  prepare) shift && prepare "$@" ;;
  build) shift && build "$@" ;;
  rsa-key) shift && rsa_key "$@" ;;
  *) echo "usage: $0 prepare SOURCE KEY FOLDER | build FOLDER OUT | rsa-key OUT" >&2; exit 2 ;;
esac
