#!/usr/bin/env bash
# Builds the tiny test guest's disk for ARCH (amd64 or arm64) into OUT/box.img (qcow2), without
# root mounts or loop devices: payload packages are only downloaded and unpacked (dpkg -x), the
# boot partition is written with mtools, the disk with sfdisk and dd.
#   amd64: MBR, FAT partition with syslinux (BIOS) and a standalone GRUB (UEFI)
#   arm64: the same FAT partition with GRUB for arm64 UEFI (AAVMF)
set -euo pipefail
arch=$1 out=$2
here=$(cd "$(dirname "$0")" && pwd)
work=$(mktemp -d "${TMPDIR:-/tmp}/boxer-tiny.XXXXXX")
trap 'rm -rf "$work"' EXIT
cd "$work"

kernel_meta=linux-image-cloud-$arch
[ "$arch" = arm64 ] && kernel_meta=linux-image-arm64
kernel_package=$(apt-cache depends "$kernel_meta:$arch" 2>/dev/null | awk '/Depends: linux-image-[0-9]/ {sub(/:.*/, "", $2); print $2; exit}')
[ -n "$kernel_package" ] || { echo "testbox: cannot find the kernel package behind $kernel_meta:$arch (apt-get update? dpkg --add-architecture $arch?)" >&2; exit 1; }
# openssh-client for scp alone: Vagrant uploads files (the key that replaces its insecure one) with scp.
payload=(busybox-static dropbear-bin libtomcrypt1 libtommath1 zlib1g libcrypt1 libc6 libgmp10 openssh-sftp-server openssh-client "$kernel_package")
[ "$arch" = arm64 ] && payload+=(grub-efi-arm64-bin)
mkdir debs x
(cd debs && apt-get download -q=2 $(printf '%s:'"$arch"' ' "${payload[@]}") >/dev/null)
for deb in debs/*.deb; do dpkg -x "$deb" x; done
kver=$(ls x/lib/modules | head -n 1)

root=rootfs
mkdir -p $root/{bin,sbin,etc,proc,sys,dev,tmp,run,root,home/vagrant/.ssh,lib/modules,usr/bin,usr/sbin,usr/lib,var/log,etc/acpi/PWRF,mnt}
cp x/bin/busybox $root/bin/busybox
for applet in $(x/bin/busybox --list 2>/dev/null || true); do
  [ "$applet" = busybox ] || ln -sf busybox "$root/bin/$applet"
done
if [ ! -e $root/bin/sh ]; then   # cross-architecture: the host cannot run the guest's busybox to list applets
  for applet in sh ash cat cp cut date dd df dmesg echo env findfs grep gzip hostname ifconfig init insmod ip kill ln ls mkdir mknod modprobe mount mv poweroff ps reboot rm sed sleep sort tail tee touch udhcpc umount uname vi awk acpid blkid head wc chmod chown id which tr seq true false sync find xargs stty getty login su stat sha256sum md5sum wget nc; do
    ln -sf busybox "$root/bin/$applet"
  done
fi
ln -sf bin/busybox $root/init
cp x/usr/sbin/dropbear $root/usr/sbin/
cp x/usr/bin/dropbearkey $root/usr/bin/
cp x/usr/bin/scp $root/usr/bin/
mkdir -p $root/usr/lib/openssh && cp x/usr/lib/openssh/sftp-server $root/usr/lib/sftp-server
# Shared libraries the dynamic binaries need, resolved inside the unpacked packages (works across architectures).
need() { readelf -d "$1" 2>/dev/null | sed -n 's/.*Shared library: \[\(.*\)\]/\1/p'; }
queue=($root/usr/sbin/dropbear $root/usr/bin/dropbearkey $root/usr/lib/sftp-server $root/usr/bin/scp)
declare -A seen=()
while [ ${#queue[@]} -gt 0 ]; do
  file=${queue[0]}; queue=("${queue[@]:1}")
  for lib in $(need "$file"); do
    [ -n "${seen[$lib]:-}" ] && continue; seen[$lib]=1
    found=$(find x/lib x/usr/lib -name "$lib" \( -type f -o -type l \) | head -n 1)
    [ -n "$found" ] || { echo "testbox: $lib not found in the payload" >&2; exit 1; }
    dir=$root/$(dirname "${found#x/}"); mkdir -p "$dir"; cp -L "$found" "$dir/"
    queue+=("$dir/$lib")
  done
done
interp=$(readelf -l $root/usr/sbin/dropbear | sed -n 's/.*interpreter: \(.*\)\]/\1/p')
mkdir -p "$root$(dirname "$interp")"; cp -L "x$(readlink -f "x$interp" | sed "s|^$PWD/x||")" "$root$interp" 2>/dev/null || cp -L "x$interp" "$root$interp"

# Kernel modules for virtio disks, NICs and entropy, CD/FAT seeds and the ACPI power button.
modules="virtio_pci virtio_mmio virtio_net virtio_blk virtio_scsi virtio_rng sd_mod sr_mod isofs vfat nls_cp437 nls_ascii nls_utf8 evdev 9p 9pnet_virtio"
[ "$arch" = amd64 ] && modules="$modules ata_piix button"
depmod -b x "$kver"
: > $root/etc/modules.list
for module in $modules; do
  # Built into this kernel or absent from it: either way there is nothing to load.
  modprobe -d x -S "$kver" --show-depends "$module" 2>/dev/null | awk '$1 == "insmod" {print $2}' || echo "testbox: no module $module in $kver" >&2
done | awk '!seen[$0]++' | while read -r path; do
  name=$(basename "$path"); target=$root/lib/modules/${name%.xz}
  case "$path" in *.xz) xz -dc "$path" > "$target" ;; *) cp "$path" "$target" ;; esac
  echo "${name%.xz}" >> $root/etc/modules.list
done

install -m 755 "$here/rc" $root/etc/rc
install -m 755 "$here/udhcpc.script" $root/etc/udhcpc.script
install -m 644 "$here/inittab" $root/etc/inittab
install -m 755 "$here/acpi-power" $root/etc/acpi/PWRF/00000080
printf 'root:x:0:0:root:/root:/bin/sh\nvagrant:x:0:0:vagrant:/home/vagrant:/bin/sh\n' > $root/etc/passwd
printf 'root::0:0:99999:7:::\nvagrant::0:0:99999:7:::\n' > $root/etc/shadow
printf 'root:x:0:\nvagrant:x:0:\n' > $root/etc/group
echo /bin/sh > $root/etc/shells
# What Vagrant's guest detection reads: its generic Linux guest matches "linux" in /etc/issue.
printf 'NAME="boxer testbox"\nID=boxer-testbox\nPRETTY_NAME="boxer testbox (busybox Linux)"\n' > $root/etc/os-release
printf 'boxer testbox (busybox Linux) \\n \\l\n\n' > $root/etc/issue
printf '#!/bin/sh\n# Everyone is root here; run the command.\nwhile [ "${1#-}" != "$1" ]; do shift; done\nexec "$@"\n' > $root/usr/bin/sudo; chmod 755 $root/usr/bin/sudo
# Vagrant's insecure public key, as every Vagrant box carries it until the first `up` replaces it.
cp "$here/vagrant-insecure.pub" $root/home/vagrant/.ssh/authorized_keys
cp "$here/vagrant-insecure.pub" $root/root/.ssh/authorized_keys 2>/dev/null || { mkdir -p $root/root/.ssh; cp "$here/vagrant-insecure.pub" $root/root/.ssh/authorized_keys; }
(cd $root && find . | LC_ALL=C sort | cpio -o -H newc -R 0:0 --quiet | gzip -6) > initrd.img

# The boot partition.
if [ "$arch" = amd64 ]; then
  cp x/boot/vmlinuz-"$kver" vmlinuz; console=ttyS0; efi_name=BOOTX64.EFI; grub_target=x86_64-efi; grub_dir=/usr/lib/grub/x86_64-efi
else
  cp x/boot/vmlinuz-"$kver" vmlinuz; console=ttyAMA0; efi_name=BOOTAA64.EFI; grub_target=arm64-efi; grub_dir=x/usr/lib/grub/arm64-efi
fi
cat > grub.cfg <<GRUB
set timeout=0
regexp --set=1:bootdev "^\\\\((.*)\\\\)" "\$cmdpath"
set root=\$bootdev
linux /vmlinuz console=$console rdinit=/init
initrd /initrd.img
boot
GRUB
grub-mkstandalone -d "$grub_dir" -O "$grub_target" -o "$efi_name" --locales= --fonts= --themes= \
  --modules="part_msdos part_gpt fat regexp linux" --install-modules="linux normal regexp fat part_msdos part_gpt echo test boot gzio" \
  "boot/grub/grub.cfg=grub.cfg"
payload_kib=$(( ($(stat -c %s vmlinuz) + $(stat -c %s initrd.img) + $(stat -c %s "$efi_name")) / 1024 + 4096 ))
mkfs.fat -C -n TINYBOOT -h 2048 boot.fat "$payload_kib" >/dev/null
mcopy -i boot.fat vmlinuz initrd.img ::/
mmd -i boot.fat ::/EFI ::/EFI/BOOT
mcopy -i boot.fat "$efi_name" ::/EFI/BOOT/
if [ "$arch" = amd64 ]; then
  printf 'SERIAL 0 115200\nPROMPT 0\nTIMEOUT 0\nDEFAULT linux\nLABEL linux\n  KERNEL /vmlinuz\n  APPEND initrd=/initrd.img console=ttyS0 rdinit=/init\n' > syslinux.cfg
  mcopy -i boot.fat syslinux.cfg ::/
  syslinux --install boot.fat
fi
fat_bytes=$(stat -c %s boot.fat)
truncate -s $((1048576 + fat_bytes)) disk.raw
echo "start=2048, type=ef, bootable" | sfdisk -q --label dos disk.raw
[ "$arch" = amd64 ] && dd if=/usr/lib/syslinux/mbr/mbr.bin of=disk.raw bs=440 count=1 conv=notrunc status=none
dd if=boot.fat of=disk.raw bs=1M seek=1 conv=notrunc status=none
mkdir -p "$out"
qemu-img convert -f raw -O qcow2 disk.raw "$out/box.img"
echo "$kver" > "$out/kernel-version"
