#!/usr/bin/env bash
# Builds a Debian 12 cloud image with cloud-init and OpenSSH into OUT/box.img (qcow2), without
# mounts or loop devices: mmdebstrap into a folder, `mkfs.ext4 -d` for the root partition, a FAT
# boot partition written with mtools and syslinux (BIOS), the disk put together with sfdisk and
# dd. Downloaded packages are kept in CACHE for the next build.
set -euo pipefail
arch=$1 out=$2 cache=${3:-}
[ "$arch" = amd64 ] || { echo "testbox: the Debian box is built for amd64 only" >&2; exit 1; }
here=$(cd "$(dirname "$0")" && pwd)
work=$(mktemp -d "${TMPDIR:-/tmp}/boxer-debian.XXXXXX")
trap 'rm -rf "$work"' EXIT
cd "$work"
hooks=()
if [ -n "$cache" ]; then
  mkdir -p "$cache"
  hooks=(--setup-hook='mkdir -p "$1"/var/cache/apt/archives/' --setup-hook="sync-in $cache /var/cache/apt/archives/"
         --customize-hook="sync-out /var/cache/apt/archives $cache" --skip=essential/unlink --skip=cleanup/apt/cache)
fi
mmdebstrap --quiet --architectures=amd64 --variant=apt --aptopt='APT::Install-Recommends "false"' \
  --include=linux-image-cloud-amd64,systemd-sysv,udev,dbus,cloud-init,openssh-server,sudo,cloud-guest-utils,iproute2,netbase,ca-certificates,python3-yaml,procps,rsync,ansible-core,podman,netavark,busybox-static \
  "${hooks[@]}" --customize-hook="$here/customize.sh \"\$1\"" --customize-hook='rm -rf "$1"/var/cache/apt/archives/*.deb' \
  --dpkgopt=force-unsafe-io \
  bookworm root http://deb.debian.org/debian "deb http://deb.debian.org/debian-security bookworm-security main" "deb http://deb.debian.org/debian bookworm-updates main"

kernel=$(ls root/boot/vmlinuz-* | head -n 1); initrd=$(ls root/boot/initrd.img-* | head -n 1)
mkfs.ext4 -q -L root -d root root.ext4 3G
payload_kib=$(( ($(stat -c %s "$kernel") + $(stat -c %s "$initrd")) / 1024 + 4096 ))
mkfs.fat -C -n BOOT -h 2048 boot.fat "$payload_kib" >/dev/null
mcopy -i boot.fat "$kernel" ::/vmlinuz
mcopy -i boot.fat "$initrd" ::/initrd.img
printf 'SERIAL 0 115200\nPROMPT 0\nTIMEOUT 0\nDEFAULT linux\nLABEL linux\n  KERNEL /vmlinuz\n  APPEND initrd=/initrd.img root=LABEL=root rw console=tty0 console=ttyS0,115200\n' > syslinux.cfg
mcopy -i boot.fat syslinux.cfg ::/
syslinux --install boot.fat
boot_sectors=$(( $(stat -c %s boot.fat) / 512 ))
root_sectors=$(( $(stat -c %s root.ext4) / 512 ))
truncate -s $(( (2048 + boot_sectors + root_sectors) * 512 )) disk.raw
# The root partition last, so that growpart can extend it into a larger disk.
printf 'start=2048, size=%d, type=ef, bootable\nstart=%d, size=%d, type=83\n' "$boot_sectors" $((2048 + boot_sectors)) "$root_sectors" \
  | sfdisk -q --label dos disk.raw
dd if=/usr/lib/syslinux/mbr/mbr.bin of=disk.raw bs=440 count=1 conv=notrunc status=none
dd if=boot.fat of=disk.raw bs=512 seek=2048 conv=notrunc status=none
dd if=root.ext4 of=disk.raw bs=512 seek=$((2048 + boot_sectors)) conv=notrunc,sparse status=none
mkdir -p "$out"
qemu-img convert -f raw -O qcow2 disk.raw "$out/box.img"
basename "$kernel" | sed 's/^vmlinuz-//' > "$out/kernel-version"
