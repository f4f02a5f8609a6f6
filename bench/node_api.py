"""The measurements of bench/node-api.sh (run with the clients/libcloud virtualenv's Python).

create-to-ssh: POST /v1/nodes, poll GET /v1/nodes/NAME every 0.1 s as a Libcloud user's
wait_until_running does, then `ssh true` with the node's key until it gets in; against `boxer up`
of a one-machine project of the same box, CPUs, memory and disk, then `ssh true` with the
machine's key. concurrent: LISTERS Libcloud drivers in as many threads call list_nodes at once.
"""

import http.client
import json
import os
import socket
import statistics
import subprocess
import sys
import threading
import time

BOXER = os.environ["BOXER"]
HOME = os.environ["BOXER_HOME"]
SOCKET = os.path.join(HOME, "run", "api.sock")
SSH_OPTIONS = ["-q", "-o", "StrictHostKeyChecking=no", "-o", "UserKnownHostsFile=/dev/null", "-o", "IdentitiesOnly=yes",
               "-o", "BatchMode=yes", "-o", "ConnectTimeout=5"]


class UnixConnection(http.client.HTTPConnection):
    def connect(self):
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.sock.connect(SOCKET)


def api(method, path, body=None):
    connection = UnixConnection("boxer")
    connection.request(method, path, body=json.dumps(body) if body is not None else None,
                       headers={"Content-Type": "application/json"})
    answer = connection.getresponse()
    data = answer.read()
    connection.close()
    return answer.status, json.loads(data) if data else None


def ssh_until_in(key, user, port, deadline=300):
    end = time.monotonic() + deadline
    while time.monotonic() < end:
        if subprocess.run(["ssh", *SSH_OPTIONS, "-i", key, "-p", str(port), "{}@127.0.0.1".format(user), "true"]).returncode == 0:
            return
        time.sleep(0.1)
    raise SystemExit("no SSH after {} s".format(deadline))


def api_round(name, key):
    start = time.monotonic()
    status, _ = api("POST", "/v1/nodes", {"name": name, "image": "boxer/tiny:0::libvirt", "size": "c1-m512",
                                          "ssh_key": open(key + ".pub").read().strip()})
    assert status == 202, status
    while True:
        status, view = api("GET", "/v1/nodes/" + name)
        if view["state"] == "running" and view.get("ssh_port"):
            break
        if view["state"] == "error":
            raise SystemExit("node failed: {}".format(view.get("failure")))
        time.sleep(0.1)
    ssh_until_in(key, view["ssh_user"], view["ssh_port"])
    elapsed = time.monotonic() - start
    status, _ = api("DELETE", "/v1/nodes/{}?wait=true".format(name))
    assert status == 200, status
    return elapsed


def up_round(project):
    environment = dict(os.environ, BOXER_CWD=project)
    start = time.monotonic()
    subprocess.run([BOXER, "up"], env=environment, check=True, stdout=subprocess.DEVNULL)
    config = subprocess.run([BOXER, "ssh-config"], env=environment, check=True, capture_output=True, text=True).stdout
    fields = {}
    for line in config.splitlines():
        if line.startswith("  "):
            key, value = line.strip().split(" ", 1)
            fields.setdefault(key, value)  # the machine's own key comes first
    ssh_until_in(fields["IdentityFile"], fields["User"], fields["Port"])
    elapsed = time.monotonic() - start
    subprocess.run([BOXER, "destroy", "-f"], env=environment, check=True, stdout=subprocess.DEVNULL)
    return elapsed


def create_to_ssh(rounds, project, key):
    api_times, up_times = [], []
    for round_number in range(rounds):
        # Each goes first in turn.
        for kind in (("api", "up") if round_number % 2 == 0 else ("up", "api")):
            if kind == "api":
                api_times.append(api_round("bench{}".format(round_number), key))
            else:
                up_times.append(up_round(project))
        print("round {}: api {:.2f} s, up {:.2f} s".format(round_number + 1, api_times[-1], up_times[-1]), flush=True)
    api_median, up_median = statistics.median(api_times), statistics.median(up_times)
    print("create-to-SSH median: API {:.2f} s, boxer up {:.2f} s, ratio API/up {:.2f}x".format(
        api_median, up_median, api_median / up_median))


def concurrent(listers, nodes, key):
    from libcloud.compute.providers import get_driver, set_driver
    set_driver("boxer", "libcloud_boxer.driver", "BoxerNodeDriver")
    driver_class = get_driver("boxer")
    for index in range(nodes):
        status, _ = api("POST", "/v1/nodes?wait=true", {"name": "list{}".format(index), "image": "boxer/tiny:0::libvirt",
                                                         "size": "c1-m512"})
        assert status == 201, status
    drivers = [driver_class() for _ in range(listers)]
    latencies, errors = [], []
    lock = threading.Lock()
    barrier = threading.Barrier(listers)

    def call(driver):
        barrier.wait()
        start = time.monotonic()
        try:
            listed = driver.list_nodes()
            assert len(listed) == nodes and all(node.state == "running" for node in listed), listed
            with lock:
                latencies.append(time.monotonic() - start)
        except Exception as error:  # every failure is counted and shown
            with lock:
                errors.append(repr(error))

    threads = [threading.Thread(target=call, args=(driver,)) for driver in drivers]
    wall = time.monotonic()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    wall = time.monotonic() - wall
    for index in range(nodes):
        api("DELETE", "/v1/nodes/list{}?wait=true".format(index))
    latencies.sort()
    p50 = latencies[len(latencies) // 2] if latencies else float("nan")
    p99 = latencies[min(len(latencies) - 1, int(len(latencies) * 0.99))] if latencies else float("nan")
    print("{} concurrent list_nodes ({} running nodes): p50 {:.0f} ms, p99 {:.0f} ms, all done in {:.2f} s, errors {}".format(
        listers, nodes, p50 * 1000, p99 * 1000, wall, len(errors)))
    for error in sorted(set(errors))[:5]:
        print("  error:", error)
    if errors:
        sys.exit(1)


if __name__ == "__main__":
    what = sys.argv[1]
    if what == "create-to-ssh":
        create_to_ssh(int(sys.argv[2]), sys.argv[3], sys.argv[4])
    else:
        concurrent(int(sys.argv[2]), int(sys.argv[3]), sys.argv[4])
