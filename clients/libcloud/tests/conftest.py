"""A boxer serve of its own for each test, on a BOXER_HOME of its own with the tiny test box.

BOXER (the boxer binary) and BOXER_TEST_BOX (scripts/testbox.sh tiny-amd64) come from
scripts/python-tests. Every QEMU and server a test starts is stopped when it ends, failed or not.
"""

import os
import signal
import socket
import subprocess
import time

import pytest
from libcloud.compute.providers import get_driver, set_driver

BOXER = os.environ.get("BOXER", "")
TEST_BOX = os.environ.get("BOXER_TEST_BOX", "")


def pytest_collection_modifyitems(config, items):
    if not (BOXER and TEST_BOX):
        skip = pytest.mark.skip(reason="set BOXER and BOXER_TEST_BOX (scripts/python-tests does)")
        for item in items:
            item.add_marker(skip)


@pytest.fixture(scope="session")
def boxer_driver_class():
    try:
        set_driver("boxer", "libcloud_boxer.driver", "BoxerNodeDriver")
    except AttributeError:
        pass  # registered already
    return get_driver("boxer")


def free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class Server:
    def __init__(self, home, environment, extra_arguments=()):
        self.home = home
        self.environment = environment
        self.socket = os.path.join(home, "run", "api.sock")
        self.port = free_port()
        self.process = subprocess.Popen(
            [BOXER, "serve", "--listen", "127.0.0.1:{}".format(self.port), *extra_arguments],
            env=environment,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
        )
        deadline = time.monotonic() + 20
        while not os.path.exists(os.path.join(home, "api-token")) or not self._listening():
            if self.process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError("boxer serve did not start: " + self.process.stderr.read().decode(errors="replace"))
            time.sleep(0.05)
        with open(os.path.join(home, "api-token")) as token:
            self.token = token.read().strip()

    def _listening(self):
        if not os.path.exists(self.socket):
            return False
        with socket.socket() as probe:
            return probe.connect_ex(("127.0.0.1", self.port)) == 0

    def boxer(self, *arguments, check=True):
        return subprocess.run([BOXER, *arguments], env=self.environment, capture_output=True, text=True, check=check)

    def qemu_pids(self):
        """The QEMU processes of this home: pidfiles under its nodes whose process runs."""
        pids = []
        for folder, _, files in os.walk(os.path.join(self.home, "nodes")):
            for name in files:
                if name.endswith(".pid"):
                    try:
                        with open(os.path.join(folder, name)) as pidfile:
                            pid = int(pidfile.read().strip())
                        os.kill(pid, 0)
                        pids.append(pid)
                    except (ValueError, OSError):
                        pass
        return pids

    def stop(self):
        # Nodes first, through boxer itself; then whatever QEMU is left, by its pidfile.
        nodes = os.path.join(self.home, "nodes")
        for name in sorted(os.listdir(nodes)) if os.path.isdir(nodes) else []:
            if not name.startswith("."):
                self.boxer("node", "destroy", name, check=False)
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=60)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        for pid in self.qemu_pids():
            os.kill(pid, signal.SIGKILL)


@pytest.fixture
def server(tmp_path, monkeypatch):
    running = start_server(tmp_path, monkeypatch)
    try:
        yield running
    finally:
        running.stop()


def start_server(tmp_path, monkeypatch, extra_arguments=()):
    home = str(tmp_path / "home")
    environment = dict(os.environ)
    environment.update(
        {
            "BOXER_HOME": home,
            # Guests reach nothing beyond their forwarded ports; no box server is asked.
            "BOXER_QEMU_RESTRICT": "1",
            "BOXER_SERVER_URL": "http://127.0.0.1:9",
        }
    )
    for name in ("VAGRANT_CWD", "BOXER_CWD"):
        environment.pop(name, None)
    subprocess.run([BOXER, "box", "add", "boxer/tiny", TEST_BOX], env=environment, check=True, capture_output=True)
    monkeypatch.setenv("BOXER_HOME", home)
    return Server(home, environment, extra_arguments)


@pytest.fixture
def ssh_key(tmp_path):
    path = tmp_path / "id_ed25519"
    subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", "libcloud-test", "-f", str(path)], check=True)
    return path


def ssh_command(key, node, command):
    return [
        "ssh", "-q", "-o", "StrictHostKeyChecking=no", "-o", "UserKnownHostsFile=/dev/null", "-o", "IdentitiesOnly=yes",
        "-o", "BatchMode=yes", "-o", "ConnectTimeout=10", "-i", str(key), "-p", str(node.extra["ssh_port"]),
        "{}@{}".format(node.extra["ssh_user"], node.public_ips[0]), command,
    ]


def ssh(key, node, command):
    return subprocess.run(ssh_command(key, node, command), capture_output=True, text=True, timeout=60)
