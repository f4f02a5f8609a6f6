#!/usr/bin/env bash
# Builds a test box from Debian packages (or reuses the cached one) and prints the .box path on
# its last line. Offline except for the Debian mirror; nothing needs root mounts or loop devices.
#   scripts/testbox.sh tiny-amd64     busybox + dropbear, boots to SSH in ~9 s under TCG
#   scripts/testbox.sh tiny-arm64     the same for qemu-system-aarch64 (UEFI)
#   scripts/testbox.sh debian-amd64   Debian 12 with cloud-init, OpenSSH, rsync, ansible-core, podman (mmdebstrap,
#                                     ~80 s to build, ~55 s to SSH under TCG)
# Boxes are cached under $BOXER_TEST_CACHE (default .cache/testbox, outside git) by a hash of
# their recipe, so they are rebuilt only when the recipe changes. They are packed with boxer's
# own box writer (`boxer box pack`), as libvirt boxes.
set -euo pipefail
cd "$(dirname "$0")/.."
name=${1:?usage: scripts/testbox.sh tiny-amd64|tiny-arm64|debian-amd64}
case "$name" in
  tiny-amd64) recipe=boxes/testbox/tiny arch=amd64 ;;
  tiny-arm64) recipe=boxes/testbox/tiny arch=arm64 ;;
  debian-amd64) recipe=boxes/testbox/debian arch=amd64 ;;
  *) echo "testbox: unknown box '$name' (tiny-amd64, tiny-arm64, debian-amd64)" >&2; exit 2 ;;
esac
cache=${BOXER_TEST_CACHE:-$PWD/.cache/testbox}
hash=$(cat scripts/testbox.sh "$recipe"/* | sha256sum | cut -c1-16)
box=$cache/$name-$hash.box
if [ -s "$box" ]; then echo "$box"; exit 0; fi
# One build per box at a time (tests may ask for the same box at once); the others wait and
# find it built.
mkdir -p "$cache"
exec 9>"$cache/.lock-$name"
flock 9
if [ -s "$box" ]; then echo "$box"; exit 0; fi

if [ "$arch" = arm64 ] && ! dpkg --print-foreign-architectures | grep -qx arm64; then
  echo "testbox: arm64 packages need 'dpkg --add-architecture arm64 && apt-get update' (scripts/bootstrap does it)" >&2; exit 1
fi
boxer=${BOXER:-}
if [ -z "$boxer" ]; then swift build --product boxer >&2; boxer=$PWD/.build/debug/boxer; fi
mkdir -p "$cache"
work=$(mktemp -d "$cache/.build-$name.XXXXXX")
trap 'rm -rf "$work"' EXIT
start=$(date +%s.%N)
"$recipe/build.sh" "$arch" "$work/box" "$cache/debs" >&2
kernel=$(cat "$work/box/kernel-version"); rm "$work/box/kernel-version"
virtual_gb=1
# AAVMF (arm64 UEFI) fails with a synchronous exception below 512 MiB; BIOS x86 boots in 256.
memory=256
[ "$arch" = arm64 ] && memory=512
printf '{\n  "provider": "libvirt",\n  "format": "qcow2",\n  "virtual_size": %d,\n  "architecture": "%s"\n}\n' "$virtual_gb" "$arch" > "$work/box/metadata.json"
if [ "$recipe" = boxes/testbox/tiny ]; then
  cat > "$work/box/Vagrantfile" <<VAGRANTFILE
# boxer tiny test box ($arch, kernel $kernel): busybox + dropbear. No rsync or bash in the guest,
# so the default /vagrant folder is off; the NoCloud seed's keys, users, hostname and runcmd apply.
Vagrant.configure("2") do |config|
  config.vm.synced_folder ".", "/vagrant", disabled: true
  config.vm.boot_timeout = 120
  config.vm.provider "qemu" do |qemu|
    qemu.memory = $memory
    qemu.cpus = 1
  end
end
VAGRANTFILE
else
  virtual_gb=4
  printf '{\n  "provider": "libvirt",\n  "format": "qcow2",\n  "virtual_size": %d,\n  "architecture": "%s"\n}\n' "$virtual_gb" "$arch" > "$work/box/metadata.json"
  cat > "$work/box/Vagrantfile" <<VAGRANTFILE
# boxer Debian 12 test box ($arch, kernel $kernel): cloud-init (NoCloud), OpenSSH, sudo, rsync, ansible-core, podman.
Vagrant.configure("2") do |config|
  config.vm.provider "qemu" do |qemu|
    qemu.memory = 1024
    qemu.cpus = 2
  end
end
VAGRANTFILE
fi
"$boxer" box pack "$work/box" --output "$work/$name.box" --compression gzip --level 1 >&2
mv "$work/$name.box" "$box"
# Older builds of the same box are stale once the recipe changed.
find "$cache" -maxdepth 1 -name "$name-*.box" ! -name "$(basename "$box")" -delete
echo "testbox: built $name in $(awk -v s="$start" -v e="$(date +%s.%N)" 'BEGIN {printf "%.1f", e - s}') s" >&2
echo "$box"
