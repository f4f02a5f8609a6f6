#!/bin/sh
# Runs on the host with the new root as $1 (mmdebstrap --customize-hook): a cloud image as
# cloud providers ship them, tuned for boots under emulation.
set -eu
root=$1
echo 'LABEL=root / ext4 defaults,noatime 0 1' > "$root/etc/fstab"
echo debian > "$root/etc/hostname"
# systemd-networkd, which cloud-init 22.4 renders for when neither ifupdown nor netplan is
# there; DHCP on every other NIC too.
chroot "$root" systemctl enable systemd-networkd >/dev/null 2>&1
mkdir -p "$root/etc/systemd/network"
printf '[Match]\nName=en* eth*\n\n[Network]\nDHCP=yes\n\n[Link]\nRequiredForOnline=no\n' > "$root/etc/systemd/network/99-dhcp-all.network"
mkdir -p "$root/etc/systemd/system/systemd-networkd-wait-online.service.d"
printf '[Service]\nExecStart=\nExecStart=/lib/systemd/systemd-networkd-wait-online --any --timeout=30\n' \
  > "$root/etc/systemd/system/systemd-networkd-wait-online.service.d/any.conf"
mkdir -p "$root/etc/cloud/cloud.cfg.d"
cat > "$root/etc/cloud/cloud.cfg.d/90-boxer.cfg" <<'CFG'
datasource_list: [ NoCloud, None ]
# RSA-3072 and DSA host keys cost ~25 s under emulation.
ssh_genkeytypes: [ ed25519, ecdsa ]
ssh_quiet_keygen: true
# No locales package: otherwise update-locale fails.
locale: false
# Otherwise sudo warns "unable to resolve host".
manage_etc_hosts: true
CFG
for unit in apt-daily.timer apt-daily-upgrade.timer e2scrub_all.timer e2scrub_reap.service fstrim.timer; do
  chroot "$root" systemctl mask "$unit" >/dev/null 2>&1 || true
done
: > "$root/etc/machine-id"
rm -f "$root/var/lib/dbus/machine-id"
