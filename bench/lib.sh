# Helpers the benchmarks share (sourced, not run).

# The median of the numbers on stdin, one per line ("nan" for none).
median() { sort -n | awk '{a[NR]=$1} END {if (NR == 0) {print "nan"; exit} print (NR % 2) ? a[(NR+1)/2] : (a[NR/2] + a[NR/2+1]) / 2}'; }

# Drops a program's file from the page cache, so that its pages come back through the faults of
# the runs measured, as after an install or a boot. The resident size of a program's code depends
# on how its file entered the cache: on this host's kernel (ext4 with large folios) a file read
# whole sits in large folios, and a fault maps a whole folio; `boxer status` measured 19 MiB that
# way against 12.6 MiB after this.
uncache() { dd if="$1" iflag=nocache count=0 status=none 2>/dev/null || true; }

# A TCP port on 127.0.0.1 that nothing listens on now.
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

# Waits (at most 180 s) until an SSH server greets on 127.0.0.1:PORT: a TCP knock every 0.1 s,
# each waiting at most 0.3 s for "SSH-" (QEMU's NAT accepts at once; the greeting comes only
# from the guest).
banner() { python3 - "$1" <<'PY'
import socket, sys, time
deadline = time.time() + 180
while time.time() < deadline:
    try:
        s = socket.create_connection(("127.0.0.1", int(sys.argv[1])), timeout=0.3)
        if s.recv(4) == b"SSH-":
            sys.exit(0)
    except OSError:
        pass
    time.sleep(0.1)
sys.exit(1)
PY
}
