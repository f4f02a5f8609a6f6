import Providers

/// The first-boot agent of vm-bootstrap images (`bootstrap: true` in a template). At boot the
/// guest fetches `http://10.0.2.100/vm-bootstrap` (QEMU's user network forwards that address to
/// whatever serves the script: `boxer up` with `qemu.bootstrap_script`, or `guestfwd` by hand)
/// and runs it until it exits 0, at most `/root/bootstrap/bootstrap-max-retry` times (10 when
/// the file is absent). Removing `/root/bootstrap/start-bootstrap` disables it; a success removes
/// it too, so it runs at first boot only (touch it to run again). Nothing served (no answer, or
/// an HTTP error) runs an empty script, which succeeds. Everything goes to
/// `/var/log/vm-bootstrap.log`.
public enum VMBootstrap {
    /// The agent: POSIX sh, for busybox as well as for full systems (wget or curl).
    public static let agent = #"""
        #!/bin/sh
        # vm-bootstrap, installed by boxer build: fetch the bootstrap script and run it until it
        # exits 0 or the tries run out. See boxer's README ("vm-bootstrap images").
        state=${VM_BOOTSTRAP_STATE:-/root/bootstrap}
        log=${VM_BOOTSTRAP_LOG:-/var/log/vm-bootstrap.log}
        url=${VM_BOOTSTRAP_URL:-\#(BootstrapServer.url)}
        say() { echo "$(date -u +%Y-%m-%dT%H:%M:%SZ) vm-bootstrap: $*" >> "$log"; }
        if [ ! -e "$state/start-bootstrap" ]; then
          say "disabled: $state/start-bootstrap is not there"
          exit 0
        fi
        max=$(tr -cd 0-9 2>/dev/null < "$state/bootstrap-max-retry")
        [ -n "$max" ] && [ "$max" -gt 0 ] || max=10
        delay=$(tr -cd 0-9 2>/dev/null < "$state/bootstrap-retry-delay")
        [ -n "$delay" ] || delay=5
        # Up to a minute for a route to the server (on-link under QEMU's user network, which
        # offers no default route with restrict=on): the script comes over the network.
        server=${url#*://}; server=${server%%/*}; server=${server%:*}
        waited=0
        if command -v ip >/dev/null 2>&1; then
          while [ "$waited" -lt 60 ] && ! ip route get "$server" >/dev/null 2>&1; do sleep 1; waited=$((waited + 1)); done
        fi
        fetch() {
          if command -v curl >/dev/null 2>&1; then curl -fsS --max-time 30 -o "$2" "$1"; return; fi
          if command -v wget >/dev/null 2>&1; then
            wget -q -T 30 -O "$2" "$1"; got=$?
            [ "$got" -lt 128 ] && return "$got"
          fi
          # No curl and no wget that works (Debian's static busybox wget crashes): HTTP/1.0 over nc.
          command -v nc >/dev/null 2>&1 || return 1
          rest=${1#http://}; hostport=${rest%%/*}; path=/${rest#*/}
          host=${hostport%:*}; port=${hostport##*:}; [ "$port" = "$hostport" ] && port=80
          printf 'GET %s HTTP/1.0\r\nHost: %s\r\n\r\n' "$path" "$hostport" | nc -w 30 "$host" "$port" > "$2.http" || return 1
          if ! head -n 1 "$2.http" | grep -q '^HTTP/1\.[01] 200'; then rm -f "$2.http"; return 1; fi
          awk 'started { print; next } { sub(/\r$/, "") } $0 == "" { started = 1 }' "$2.http" > "$2"
          rm -f "$2.http"
        }
        attempt=0
        while [ "$attempt" -lt "$max" ]; do
          attempt=$((attempt + 1))
          rm -f "$state/script.part"
          if fetch "$url" "$state/script.part" 2>>"$log"; then
            mv "$state/script.part" "$state/script"
            say "attempt $attempt of $max: running the script from $url"
          else
            : > "$state/script"
            say "attempt $attempt of $max: nothing served at $url, running an empty script"
          fi
          sh "$state/script" >> "$log" 2>&1
          status=$?
          say "attempt $attempt of $max: exit status $status"
          if [ "$status" -eq 0 ]; then
            rm -f "$state/start-bootstrap"
            say "done; touch $state/start-bootstrap to run it again at the next boot"
            exit 0
          fi
          [ "$attempt" -lt "$max" ] && sleep "$delay"
        done
        say "gave up after $max attempts"
        exit 1
        """#

    /// Installs the agent and starts it at boot: a systemd unit; for busybox init a `once`
    /// line in /etc/inittab; for a root in memory (a live or initramfs system such as boxer's
    /// tiny test box) a hook on the persistent /boot that the system runs at boot, with the
    /// state folder kept there too. Run as root at the end of the customization.
    public static let installScript = #"""
        set -e
        agent=/usr/local/sbin/vm-bootstrap
        mkdir -p /usr/local/sbin /root/bootstrap
        cat > "$agent" <<'VM_BOOTSTRAP_AGENT'
        \#(agent)
        VM_BOOTSTRAP_AGENT
        chmod 755 "$agent"
        touch /root/bootstrap/start-bootstrap
        root=$(awk '$2 == "/" {print $3}' /proc/mounts | tail -n 1)
        if [ -d /run/systemd/system ] && command -v systemctl >/dev/null 2>&1; then
          cat > /etc/systemd/system/vm-bootstrap.service <<'VM_BOOTSTRAP_UNIT'
        [Unit]
        Description=vm-bootstrap: fetch and run the first-boot script
        Wants=network-online.target
        After=network-online.target

        [Service]
        Type=oneshot
        ExecStart=/usr/local/sbin/vm-bootstrap
        RemainAfterExit=yes

        [Install]
        WantedBy=multi-user.target
        VM_BOOTSTRAP_UNIT
          systemctl enable vm-bootstrap.service
          echo "vm-bootstrap: systemd unit vm-bootstrap.service"
        elif [ "$root" = rootfs ] || [ "$root" = tmpfs ] || [ "$root" = ramfs ]; then
          grep -q ' /boot ' /proc/mounts || { echo "vm-bootstrap: the root is in memory and no /boot is mounted to keep the agent on" >&2; exit 1; }
          mkdir -p /boot/boxer-init.d /boot/bootstrap
          cp "$agent" /boot/boxer-init.d/vm-bootstrap
          touch /boot/bootstrap/start-bootstrap
          cat > /boot/boxer-init.d/vm-bootstrap.sh <<'VM_BOOTSTRAP_HOOK'
        # vm-bootstrap on a root in memory: the agent and its state live on /boot.
        mkdir -p /usr/local/sbin /root
        cp /boot/boxer-init.d/vm-bootstrap /usr/local/sbin/vm-bootstrap
        chmod 755 /usr/local/sbin/vm-bootstrap
        rm -rf /root/bootstrap
        ln -s /boot/bootstrap /root/bootstrap
        /usr/local/sbin/vm-bootstrap
        VM_BOOTSTRAP_HOOK
          echo "vm-bootstrap: boot hook /boot/boxer-init.d/vm-bootstrap.sh (the root is in memory)"
        elif [ -f /etc/inittab ] && readlink -f /sbin/init | grep -q busybox; then
          grep -q vm-bootstrap /etc/inittab || echo "::once:$agent" >> /etc/inittab
          echo "vm-bootstrap: busybox init, ::once: in /etc/inittab"
        else
          echo "vm-bootstrap: no systemd, busybox init or in-memory root with /boot found to start the agent at boot" >&2
          exit 1
        fi
        """#
}
