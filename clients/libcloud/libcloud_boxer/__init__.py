"""Apache Libcloud driver for boxer's node API (``boxer serve``).

Register it as any third-party driver::

    from libcloud.compute.providers import get_driver, set_driver
    set_driver("boxer", "libcloud_boxer.driver", "BoxerNodeDriver")
    driver = get_driver("boxer")()          # the unix socket of $BOXER_HOME (default ~/.boxer)
    driver = get_driver("boxer")(key=TOKEN, host="127.0.0.1", port=8642)   # boxer serve --listen
"""

from libcloud_boxer.driver import BoxerAPIError, BoxerNodeDriver

__all__ = ["BoxerAPIError", "BoxerNodeDriver"]
