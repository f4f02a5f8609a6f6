#!/usr/bin/env bash
# Builds boxer's test installer ISO (not a distribution) for ARCH into OUT/source.iso, offline
# from Debian packages like the tiny box it installs: GRUB (BIOS and UEFI, by grub-mkrescue)
# waits at a "boot:" prompt for typed kernel arguments, then starts the tiny kernel with an
# initramfs whose first program is `installer` and which carries the tiny system to write.
set -euo pipefail
arch=$1 out=$2
here=$(cd "$(dirname "$0")" && pwd)
[ "$arch" = amd64 ] || { echo "test installer: only amd64 (BIOS and UEFI) is built; asked for $arch" >&2; exit 1; }
work=$(mktemp -d "${TMPDIR:-/tmp}/boxer-installer.XXXXXX")
trap 'rm -rf "$work"' EXIT
"$here/build.sh" "$arch" "$work/tiny"
cd "$work"
# The tiny disk: 1 MiB (MBR, syslinux's boot code) and its boot filesystem.
qemu-img convert -O raw tiny/box.img disk.raw
dd if=disk.raw of=mbr.bin bs=440 count=1 status=none
dd if=disk.raw of=boot.fat bs=1M skip=1 status=none
mcopy -i boot.fat ::/vmlinuz ::/initrd.img .
# The installer's initramfs: the tiny system's (busybox, modules, DHCP hook), its program and payload.
mkdir root
(cd root && gzip -dc ../initrd.img | cpio -id --quiet)
install -m 755 "$here/installer" root/installer
mkdir -p root/payload && cp boot.fat mbr.bin root/payload/
(cd root && find . | LC_ALL=C sort | cpio -o -H newc -R 0:0 --quiet | gzip -1) > installer.img
mkdir -p iso/install iso/boot/grub
cp vmlinuz iso/install/vmlinuz
cp installer.img iso/install/initrd.img
cp "$here/installer-grub.cfg" iso/boot/grub/grub.cfg
mkdir -p "$out"
grub-mkrescue --output="$out/source.iso" iso -- -volid BOXER_TEST_INSTALLER 2>grub-mkrescue.log || { cat grub-mkrescue.log >&2; exit 1; }
