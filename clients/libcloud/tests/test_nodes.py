"""The driver against a real boxer serve: nodes from the tiny test box, reached over SSH."""

import pytest
from conftest import ssh
from libcloud.common.types import InvalidCredsError
from libcloud.compute.base import NodeAuthSSHKey
from libcloud.compute.types import NodeState

from libcloud_boxer import BoxerAPIError


def test_sizes_images_and_errors(server, boxer_driver_class):
    driver = boxer_driver_class()
    sizes = {size.id: size for size in driver.list_sizes()}
    assert sizes[""].ram == 0, "the placeholder for nodes without a size"
    assert (sizes["c1-m512"].ram, sizes["c1-m512"].disk, sizes["c1-m512"].extra["cpus"]) == (512, 10, 1)
    images = driver.list_images()
    assert [image.name for image in images] == ["boxer/tiny"]
    assert driver.get_image(images[0].id).id == images[0].id
    assert driver.list_nodes() == []
    with pytest.raises(BoxerAPIError) as missing:
        driver.create_node("web", sizes["c1-m512"], type(images[0])("nope", "nope", driver), auth=None)
    assert (missing.value.status, missing.value.kind) == (404, "not_found")
    with pytest.raises(BoxerAPIError) as bad:
        driver.create_node("../web", sizes["c1-m512"], images[0])
    assert bad.value.status == 400 and "path character" in bad.value.message
    assert driver.list_nodes() == []


def test_tcp_needs_the_token(server, boxer_driver_class):
    over_tcp = boxer_driver_class(key=server.token, host="127.0.0.1", port=server.port)
    assert "c1-m512" in [size.id for size in over_tcp.list_sizes()]
    with pytest.raises(InvalidCredsError):
        boxer_driver_class(key="wrong", host="127.0.0.1", port=server.port).list_sizes()
    with pytest.raises(InvalidCredsError):
        boxer_driver_class(key=None, host="127.0.0.1", port=server.port).list_nodes()


def test_node_lifecycle(server, boxer_driver_class, ssh_key):
    driver = boxer_driver_class()
    size = next(size for size in driver.list_sizes() if size.id == "c1-m512")
    image = driver.list_images()[0]
    public_key = ssh_key.with_suffix(".pub").read_text().strip()
    node = driver.create_node("web", size, image, auth=NodeAuthSSHKey(public_key))
    assert node.name == "web" and node.state in (NodeState.PENDING, NodeState.RUNNING)
    [(node, addresses)] = driver.wait_until_running([node], wait_period=1, timeout=300)
    assert node.state == NodeState.RUNNING and addresses == ["127.0.0.1"]
    assert node.extra["size_id"] == "c1-m512" and node.extra["image_id"] == image.id
    assert node.extra["ssh_user"] == "vagrant" and node.extra["ssh_port"] > 0
    assert node.private_ips and node.private_ips[0].startswith("192.168."), node.private_ips

    # The key it was created with logs in; the guest has the size's memory and disk and its DMI serial.
    login = ssh(ssh_key, node, "hostname; cat /sys/class/dmi/id/product_serial; cat /sys/block/vda/size; head -1 /proc/meminfo")
    assert login.returncode == 0, login.stderr
    hostname, serial, sectors, memory = login.stdout.splitlines()
    assert hostname == "web" and serial == "ds=nocloud;h=web"
    assert int(sectors) * 512 == 10 << 30
    assert 400_000 < int(memory.split()[1]) <= 512 * 1024

    # It appears in boxer's own lists.
    assert "/nodes/web" in server.boxer("global-status").stdout

    assert driver.reboot_node(node)
    assert driver.ex_get_node("web").state == NodeState.RUNNING
    assert driver.stop_node(node)
    assert driver.ex_get_node("web").state == NodeState.STOPPED
    assert driver.start_node(node)
    node = driver.ex_get_node("web")
    assert node.state == NodeState.RUNNING
    assert ssh(ssh_key, node, "true").returncode == 0

    assert driver.destroy_node(node)
    assert driver.list_nodes() == []
    assert server.qemu_pids() == []
    assert "/nodes/web" not in server.boxer("global-status").stdout
