"""BoxerNodeDriver: Apache Libcloud's compute API over boxer's node API (``boxer serve``).

Nodes, sizes and images map onto Libcloud's types one to one; volumes are boxer's fixed-size
disks under ``$BOXER_HOME/volumes``; port forwards on a node's NAT (NIC1) are the ``ex_`` methods.
"""

import datetime
import json
import os
from urllib.parse import quote

from libcloud.common.base import ConnectionKey, JsonResponse
from libcloud.common.types import InvalidCredsError, LibcloudError
from libcloud.compute.base import (
    Node,
    NodeAuthPassword,
    NodeAuthSSHKey,
    NodeDriver,
    NodeImage,
    NodeSize,
    StorageVolume,
    VolumeSnapshot,
)
from libcloud.compute.types import NodeState, StorageVolumeState, VolumeSnapshotState

from libcloud_boxer.unixsocket import UnixSocketAdapter

API = "/v1"


class BoxerAPIError(LibcloudError):
    """An error answer of boxer serve: its HTTP status, kind (bad_request, not_found, conflict,
    too_large, failed, internal) and message."""

    def __init__(self, status, kind, message, driver=None):
        super().__init__(message, driver=driver)
        self.status = status
        self.kind = kind
        self.message = message

    def __str__(self):
        return "boxer serve: {} ({}, {})".format(self.message, self.status, self.kind)


class BoxerResponse(JsonResponse):
    def success(self):
        return self.status in (200, 201, 202, 204)

    def parse_error(self):
        try:
            body = json.loads(self.body) if self.body else {}
        except ValueError:
            body = {}
        kind = body.get("kind", "unknown") if isinstance(body, dict) else "unknown"
        message = body.get("message", self.body) if isinstance(body, dict) else self.body
        if self.status == 401:
            raise InvalidCredsError(message)
        raise BoxerAPIError(self.status, kind, message, driver=self.connection.driver)


class BoxerConnection(ConnectionKey):
    """boxer serve over its unix socket (no token) or over TCP (``Authorization: Bearer``)."""

    responseCls = BoxerResponse
    host = "localhost"
    port = 80

    def __init__(self, key, secure=False, host=None, port=None, socket_path=None, **kwargs):
        super().__init__(key or "", secure=secure, host=host or "localhost", port=port or 80, **kwargs)
        self.socket_path = socket_path

    def connect(self, host=None, port=None, base_url=None, **kwargs):
        super().connect(host=host, port=port, base_url=base_url, **kwargs)
        if self.socket_path:
            self.connection.session.mount("http://", UnixSocketAdapter(self.socket_path))

    def add_default_headers(self, headers):
        if self.key:
            headers["Authorization"] = "Bearer " + self.key
        headers["Accept"] = "application/json"
        return headers

    def encode_data(self, data):
        return json.dumps(data) if isinstance(data, (dict, list)) else data


class BoxerNodeDriver(NodeDriver):
    """Libcloud's NodeDriver for boxer.

    ``BoxerNodeDriver()`` talks to the unix socket of ``$BOXER_HOME`` (default ``~/.boxer``),
    ``BoxerNodeDriver(socket_path=...)`` to another one, and
    ``BoxerNodeDriver(key=TOKEN, host="127.0.0.1", port=PORT)`` to ``boxer serve --listen``.
    """

    type = "boxer"
    name = "boxer"
    website = "https://github.com/boxer/boxer"
    connectionCls = BoxerConnection
    features = {"create_node": ["ssh_key", "password"]}

    NODE_STATE_MAP = {
        "running": NodeState.RUNNING,
        "pending": NodeState.PENDING,
        "stopped": NodeState.STOPPED,
        "suspended": NodeState.SUSPENDED,
        "rebooting": NodeState.REBOOTING,
        "starting": NodeState.STARTING,
        "stopping": NodeState.STOPPING,
        "terminated": NodeState.TERMINATED,
        "error": NodeState.ERROR,
    }

    VOLUME_STATE_MAP = {
        "available": StorageVolumeState.AVAILABLE,
        "inuse": StorageVolumeState.INUSE,
    }

    def __init__(self, key=None, secret=None, secure=False, host=None, port=None, socket_path=None, **kwargs):
        if host is None and socket_path is None:
            home = os.environ.get("BOXER_HOME") or os.path.join(os.path.expanduser("~"), ".boxer")
            socket_path = os.path.join(home, "run", "api.sock")
        self._socket_path = socket_path if host is None else None
        super().__init__(key=key, secret=secret, secure=secure, host=host, port=port, **kwargs)

    def _ex_connection_class_kwargs(self):
        return {"socket_path": self._socket_path}

    # -- requests ----------------------------------------------------------------------------

    def _request(self, path, method="GET", data=None, params=None):
        headers = {"Content-Type": "application/json"} if data is not None else {}
        return self.connection.request(API + path, method=method, data=data, params=params, headers=headers).object

    def _operation(self, path, method="POST", data=None, timeout=1800):
        """A request that answers with an operation, waited for; returns the answer's body."""
        return self._request(path, method=method, data=data, params={"wait": "true", "timeout": str(timeout)})

    # -- sizes and images --------------------------------------------------------------------

    def list_sizes(self, location=None):
        return [self._to_size(size) for size in self._request("/sizes")["sizes"]]

    def list_images(self, location=None, ex_only_active=True):
        return [self._to_image(image) for image in self._request("/images")["images"]]

    def get_image(self, image_id):
        return self._to_image(self._request("/images/" + quote(image_id, safe="")))

    def create_image(self, node, name, description=None, ex_version=None, ex_timeout=1800):
        """Packages the (halted) node into a box installed as ``name``; returns its image."""
        data = {"node": node.id, "name": name}
        if ex_version is not None:
            data["version"] = ex_version
        answer = self._operation("/images", data=data, timeout=ex_timeout)
        return self._to_image(answer["image"])

    def delete_image(self, node_image):
        self._request("/images/" + quote(node_image.id, safe=""), method="DELETE")
        return True

    # -- nodes -------------------------------------------------------------------------------

    def list_nodes(self):
        return [self._to_node(view) for view in self._request("/nodes")["nodes"]]

    def ex_get_node(self, name):
        return self._to_node(self._request("/nodes/" + quote(name, safe="")))

    def create_node(self, name, size, image, location=None, auth=None, ex_userdata=None, ex_wait=False, ex_timeout=1800):
        """Creates a node; returns it at once (pending) unless ``ex_wait``. With no ``auth`` a
        password is made up and given back in ``node.extra["password"]``, as other drivers do."""
        auth = self._get_and_check_auth(auth)
        data = {"name": name, "image": image.id, "size": size.id if size is not None else ""}
        if isinstance(auth, NodeAuthSSHKey):
            data["ssh_key"] = auth.pubkey.strip()
        elif isinstance(auth, NodeAuthPassword):
            data["password"] = auth.password
        if ex_userdata is not None:
            data["user_data"] = ex_userdata
        if ex_wait:
            answer = self._operation("/nodes", data=data, timeout=ex_timeout)
            node = self._to_node(answer["node"])
        else:
            self._request("/nodes", method="POST", data=data)
            node = self.ex_get_node(name)
        if isinstance(auth, NodeAuthPassword) and getattr(auth, "generated", False):
            node.extra["password"] = auth.password
        return node

    def reboot_node(self, node):
        self._operation("/nodes/{}/reboot".format(quote(node.id, safe="")))
        return True

    def start_node(self, node):
        self._operation("/nodes/{}/start".format(quote(node.id, safe="")))
        return True

    def stop_node(self, node):
        self._operation("/nodes/{}/stop".format(quote(node.id, safe="")))
        return True

    def destroy_node(self, node):
        self._operation("/nodes/" + quote(node.id, safe=""), method="DELETE")
        return True

    # -- volumes -----------------------------------------------------------------------------

    def list_volumes(self):
        return [self._to_volume(volume) for volume in self._request("/volumes")["volumes"]]

    def create_volume(self, size, name, location=None, snapshot=None, ex_size_mib=None, ex_format="qcow2"):
        """A fixed-size volume of ``size`` GiB (or ``ex_size_mib`` MiB), ``qcow2`` (preallocated,
        with snapshots) or ``raw``."""
        size_mib = int(ex_size_mib) if ex_size_mib is not None else int(size) * 1024
        data = {"name": name, "size_mib": size_mib, "format": ex_format}
        return self._to_volume(self._request("/volumes", method="POST", data=data))

    def attach_volume(self, node, volume, device=None):
        self._request("/volumes/{}/attach".format(quote(volume.id, safe="")), method="POST", data={"node": node.id})
        return True

    def detach_volume(self, volume):
        self._request("/volumes/{}/detach".format(quote(volume.id, safe="")), method="POST", data={})
        return True

    def destroy_volume(self, volume):
        self._request("/volumes/" + quote(volume.id, safe=""), method="DELETE")
        return True

    def create_volume_snapshot(self, volume, name=None):
        data = {"name": name} if name else {}
        answer = self._request("/volumes/{}/snapshots".format(quote(volume.id, safe="")), method="POST", data=data)
        return self._to_snapshot(answer, volume)

    def list_volume_snapshots(self, volume):
        answer = self._request("/volumes/{}/snapshots".format(quote(volume.id, safe="")))
        return [self._to_snapshot(snapshot, volume) for snapshot in answer["snapshots"]]

    def destroy_volume_snapshot(self, snapshot):
        volume = snapshot.extra["volume_id"]
        self._request("/volumes/{}/snapshots/{}".format(quote(volume, safe=""), quote(snapshot.id, safe="")), method="DELETE")
        return True

    def ex_revert_volume_snapshot(self, snapshot):
        """Puts the volume back as it was at ``snapshot`` (a running node attached to it sees the
        disk unplugged and plugged again)."""
        volume = snapshot.extra["volume_id"]
        path = "/volumes/{}/snapshots/{}/revert".format(quote(volume, safe=""), quote(snapshot.id, safe=""))
        self._request(path, method="POST", data={})
        return True

    # -- port forwards (NIC1's NAT) -------------------------------------------------------------

    def ex_list_port_forwards(self, node):
        return self._request("/nodes/{}/forwards".format(quote(node.id, safe="")))["forwards"]

    def ex_add_port_forward(self, node, guest_port, host_port=None, protocol="tcp", host_ip="127.0.0.1"):
        """Forwards ``host_ip:host_port`` (a free port when None) to ``guest_port`` on the running
        node; returns the forward (its ``host_port`` says where)."""
        data = {"guest_port": int(guest_port), "protocol": protocol, "host_ip": host_ip}
        if host_port is not None:
            data["host_port"] = int(host_port)
        return self._request("/nodes/{}/forwards".format(quote(node.id, safe="")), method="POST", data=data)

    def ex_remove_port_forward(self, node, forward):
        forward_id = forward["id"] if isinstance(forward, dict) else forward
        path = "/nodes/{}/forwards/{}".format(quote(node.id, safe=""), quote(forward_id, safe=""))
        self._request(path, method="DELETE")
        return True

    # -- environments (read-only) ----------------------------------------------------------

    def ex_list_environments(self):
        return self._request("/environments")["environments"]

    # -- conversions -----------------------------------------------------------------------

    def _to_size(self, size):
        return NodeSize(
            id=size["id"],
            name=size["name"],
            ram=size["memory_mib"],
            disk=size["disk_gib"],
            bandwidth=None,
            price=0,
            driver=self,
            extra={"cpus": size["cpus"]},
        )

    def _to_image(self, image):
        extra = {key: image.get(key) for key in ("version", "architecture", "provider")}
        minimums = image.get("minimums")
        if minimums:
            extra.update(
                {
                    "os_type": minimums["os_type"],
                    "min_cpus": minimums["cpus"],
                    "min_memory_mib": minimums["memory_mib"],
                    "min_disk_gib": minimums["disk_gib"],
                }
            )
        return NodeImage(id=image["id"], name=image["name"], driver=self, extra=extra)

    def _to_node(self, view):
        extra = {
            key: view.get(key)
            for key in (
                "ssh_host",
                "ssh_port",
                "ssh_user",
                "size_id",
                "image_id",
                "private_ip",
                "phase",
                "machine_state",
                "cpus",
                "memory_mib",
                "disk_gib",
                "provider",
                "folder",
                "operation",
                "failure",
            )
        }
        public_ips = [view["ssh_host"]] if view.get("ssh_host") else []
        private_ips = [view["private_ip"]] if view.get("private_ip") else []
        return Node(
            id=view["id"],
            name=view["name"],
            state=self.NODE_STATE_MAP.get(view["state"], NodeState.UNKNOWN),
            public_ips=public_ips,
            private_ips=private_ips,
            driver=self,
            created_at=_parse_date(view.get("created")),
            extra=extra,
        )

    def _to_volume(self, volume):
        extra = {key: volume.get(key) for key in ("size_mib", "format", "attached_to", "device", "path", "created")}
        return StorageVolume(
            id=volume["id"],
            name=volume["name"],
            size=volume["size_mib"] / 1024,
            driver=self,
            state=self.VOLUME_STATE_MAP.get(volume.get("state"), StorageVolumeState.UNKNOWN),
            extra=extra,
        )

    def _to_snapshot(self, snapshot, volume):
        return VolumeSnapshot(
            id=snapshot["id"],
            driver=self,
            size=volume.size,
            extra={"volume_id": volume.id},
            created=_parse_date(snapshot.get("created")),
            state=VolumeSnapshotState.AVAILABLE,
            name=snapshot.get("name"),
        )


def _parse_date(text):
    if not text:
        return None
    try:
        return datetime.datetime.strptime(text, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=datetime.timezone.utc)
    except ValueError:
        return None

