import Foundation

/// What a guest runs before it becomes a box (`boxer build`, `boxer package --clean`), as root:
/// nothing of the machine it was is left for the machines made from the box (cloud-init's
/// state, SSH host keys, machine-id, logs, temporary files; free space trimmed), and it powers
/// off shortly after even if nobody asks it to.
public enum GuestCleanup {
    public static let script = """
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
        # boxer presses the ACPI power button once this script returns; the timer is for guests
        # that ignore it (no acpid or logind): with the host keys gone, no new SSH session would
        # be let in to power off. It runs outside this session, so the session's end keeps it.
        if command -v systemd-run >/dev/null 2>&1; then
          systemd-run --quiet --on-active=30 /bin/systemctl poweroff >/dev/null 2>&1
        else
          setsid sh -c 'sleep 30; poweroff' >/dev/null 2>&1 < /dev/null &
        fi
        exit 0
        """
}
