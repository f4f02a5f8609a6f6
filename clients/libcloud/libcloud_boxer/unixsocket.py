"""HTTP over a unix socket for requests (which Libcloud's connections are built on).

boxer serve listens on ``$BOXER_HOME/run/api.sock`` (mode 0600, no token). requests has no
unix socket transport, so an adapter mounted on the connection's session opens that socket
for every ``http://`` URL instead of a TCP connection.
"""

import socket

from requests.adapters import HTTPAdapter
from urllib3.connection import HTTPConnection
from urllib3.connectionpool import HTTPConnectionPool


class UnixHTTPConnection(HTTPConnection):
    def __init__(self, *args, socket_path, **kwargs):
        super().__init__(*args, **kwargs)
        self.socket_path = socket_path

    def _new_conn(self):
        sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        timeout = self.timeout if isinstance(self.timeout, (int, float)) else None
        sock.settimeout(timeout)
        try:
            sock.connect(self.socket_path)
        except OSError:
            sock.close()
            raise
        return sock


class UnixConnectionPool(HTTPConnectionPool):
    def __init__(self, socket_path, **kwargs):
        super().__init__("localhost", **kwargs)
        self.socket_path = socket_path

    def _new_conn(self):
        return UnixHTTPConnection("localhost", timeout=self.timeout.connect_timeout, socket_path=self.socket_path)


class UnixSocketAdapter(HTTPAdapter):
    """Sends every request through one unix socket, whatever host the URL names."""

    def __init__(self, socket_path, **kwargs):
        self.socket_path = socket_path
        self._pool = UnixConnectionPool(socket_path, maxsize=10)
        super().__init__(**kwargs)

    def get_connection_with_tls_context(self, request, verify, proxies=None, cert=None):
        return self._pool

    def get_connection(self, url, proxies=None):
        return self._pool

    def close(self):
        self._pool.close()
        super().close()
