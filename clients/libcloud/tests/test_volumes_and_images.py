"""The issue's whole scenario through Libcloud: a node, a 64 MiB volume seen in the guest,
snapshot and revert, a port forward reaching a guest port, an image from the halted node and a
second node from it; everything destroyed, nothing left."""

import os
import socket
import subprocess
import time

import pytest
from conftest import ssh, ssh_command
from libcloud.compute.base import NodeAuthSSHKey
from libcloud.compute.types import StorageVolumeState

from libcloud_boxer import BoxerAPIError

# The volume's first sector in the guest, found by its serial (the tiny guest has no udev links).
VOLUME_DEVICE = '/dev/$(grep -lx data /sys/block/*/serial | cut -d/ -f4)'


def read_volume(key, node):
    done = ssh(key, node, "head -n 1 " + VOLUME_DEVICE)
    assert done.returncode == 0, done.stderr
    return done.stdout.strip()


def write_volume(key, node, text):
    done = ssh(key, node, "echo {} | dd of={} bs=512 conv=sync,fsync 2>/dev/null".format(text, VOLUME_DEVICE))
    assert done.returncode == 0, done.stderr


def test_volumes_forwards_and_images(server, boxer_driver_class, ssh_key):
    driver = boxer_driver_class()
    size = next(size for size in driver.list_sizes() if size.id == "c1-m512")
    image = driver.list_images()[0]
    auth = NodeAuthSSHKey(ssh_key.with_suffix(".pub").read_text())
    node = driver.create_node("web", size, image, auth=auth)
    [(node, _)] = driver.wait_until_running([node], wait_period=1, timeout=300)

    # A 64 MiB volume, attached while the node runs: the guest sees a 64 MiB disk.
    volume = driver.create_volume(size=None, name="data", ex_size_mib=64)
    assert (volume.extra["size_mib"], volume.extra["format"], volume.state) == (64, "qcow2", StorageVolumeState.AVAILABLE)
    assert os.path.getsize(volume.extra["path"]) >= 64 << 20, "preallocated"
    assert driver.attach_volume(node, volume)
    [volume] = driver.list_volumes()
    assert volume.state == StorageVolumeState.INUSE and volume.extra["attached_to"] == "web"
    sectors = ssh(node=node, key=ssh_key, command="cat $(dirname $(grep -lx data /sys/block/*/serial))/size")
    assert sectors.returncode == 0 and int(sectors.stdout) * 512 == 64 << 20, sectors

    # Snapshot, change, revert: the first content is back.
    write_volume(ssh_key, node, "first")
    snapshot = driver.create_volume_snapshot(volume, name="s1")
    assert [s.name for s in driver.list_volume_snapshots(volume)] == ["s1"]
    write_volume(ssh_key, node, "second")
    assert read_volume(ssh_key, node) == "second"
    assert driver.ex_revert_volume_snapshot(snapshot)
    deadline = time.monotonic() + 30
    while read_volume(ssh_key, node) != "first" and time.monotonic() < deadline:
        time.sleep(0.5)
    assert read_volume(ssh_key, node) == "first"
    with pytest.raises(BoxerAPIError) as busy:
        driver.destroy_volume(volume)
    assert busy.value.status == 409

    # A port forward to a guest port: a listener in the guest answers through it.
    listener = subprocess.Popen(ssh_command(ssh_key, node, "nc -l -p 8080 -e /bin/hostname"))
    try:
        time.sleep(1)
        forward = driver.ex_add_port_forward(node, 8080)
        assert forward["guest_port"] == 8080 and forward["host_ip"] == "127.0.0.1"
        assert driver.ex_list_port_forwards(node) == [forward]
        with socket.create_connection(("127.0.0.1", forward["host_port"]), timeout=10) as connection:
            assert connection.makefile().readline().strip() == "web"
        assert driver.ex_remove_port_forward(node, forward)
        assert driver.ex_list_port_forwards(node) == []
    finally:
        listener.kill()
        listener.wait()

    # An image from the halted node; a second node from it keeps what the first wrote on its disk.
    assert ssh(ssh_key, node, "echo from-web > /boot/marker && sync").returncode == 0
    with pytest.raises(BoxerAPIError) as running:
        driver.create_image(node, "web-image")
    assert running.value.status == 409 and "stop it" in running.value.message
    assert driver.stop_node(node)
    made = driver.create_image(node, "web-image")
    assert made.name == "web-image" and made.extra["min_disk_gib"] == 10
    assert made.id in [listed.id for listed in driver.list_images()]
    second = driver.create_node("web2", size, made, auth=auth)
    [(second, _)] = driver.wait_until_running([second], wait_period=1, timeout=300)
    login = ssh(ssh_key, second, "hostname; cat /boot/marker")
    assert login.returncode == 0 and login.stdout.split() == ["web2", "from-web"], login

    # The volume stays attached across stop and start of its node, and is let go on detach.
    assert driver.start_node(node)
    node = driver.ex_get_node("web")
    assert read_volume(ssh_key, node) == "first"
    assert driver.detach_volume(volume)
    assert driver.list_volumes()[0].state == StorageVolumeState.AVAILABLE

    assert driver.destroy_volume_snapshot(snapshot)
    assert driver.destroy_volume(volume)
    with pytest.raises(BoxerAPIError) as in_use:
        driver.delete_image(made)
    assert in_use.value.status == 409, "web2 was made from it"
    assert driver.destroy_node(second)
    assert driver.destroy_node(node)
    assert driver.delete_image(made)
    assert driver.list_nodes() == [] and driver.list_volumes() == []
    assert [listed.name for listed in driver.list_images()] == ["boxer/tiny"]
    assert server.qemu_pids() == []
    assert os.listdir(os.path.join(server.home, "volumes")) == [".lock"]
