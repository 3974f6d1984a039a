"""A private RabbitMQ for the tests: TEST_RABBITMQ_URL, or Debian's rabbitmq-server on free ports."""

from __future__ import annotations

import contextlib
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from harness.services import free_port
from harness.serving import stop_process_group


@contextlib.contextmanager
def rabbitmq() -> Iterator[str]:
    """An AMQP URL: TEST_RABBITMQ_URL, or a private `rabbitmq-server` on free ports; else skip."""
    if url := os.environ.get("TEST_RABBITMQ_URL"):
        yield url
        return
    # Debian's /usr/sbin wrapper re-executes itself through `su` and detaches; the real script runs
    # in the foreground, so it can be stopped by its process group.
    debian = Path("/usr/lib/rabbitmq/bin/rabbitmq-server")
    server = str(debian) if debian.exists() else shutil.which("rabbitmq-server")
    if server is None:
        reason = "RabbitMQ is not installed (apt-get install rabbitmq-server), and no TEST_RABBITMQ_URL"
        if os.environ.get("CI"):  # .ci/run installs it: a skip there would hide a broken variant
            pytest.fail(reason)
        pytest.skip(reason)
    port, dist_port = free_port(), free_port()
    # Not under the session's private temp dir: that one is mode 700, closed to the rabbitmq user.
    root = Path(
        tempfile.mkdtemp(prefix="template-rabbitmq-", dir=os.environ.get("TEMPLATE_SERVER_ROOT", "/tmp"))  # noqa: S108 (mkdtemp)
    )
    (root / "enabled_plugins").write_text("[].\n")
    (root / "rabbitmq.conf").write_text("loopback_users = none\n")
    node = f"tmpl{port}@localhost"
    env = {
        **os.environ,
        "HOME": str(root),
        "RABBITMQ_NODE_PORT": str(port),
        "RABBITMQ_DIST_PORT": str(dist_port),
        "RABBITMQ_NODENAME": node,
        "RABBITMQ_MNESIA_BASE": str(root / "mnesia"),
        "RABBITMQ_LOG_BASE": str(root / "log"),
        "RABBITMQ_CONFIG_FILE": str(root / "rabbitmq"),
        "RABBITMQ_ENABLED_PLUGINS_FILE": str(root / "enabled_plugins"),
    }
    # The server refuses to run as root on some setups: run it as its own user where one exists.
    as_user: list[str] = []
    if os.geteuid() == 0:
        with contextlib.suppress(KeyError):
            user = pwd.getpwnam("rabbitmq")
            shutil.chown(root, user.pw_uid, user.pw_gid)
            as_user = ["setpriv", f"--reuid={user.pw_uid}", f"--regid={user.pw_gid}", "--clear-groups"]
    log = (root / "server.log").open("w")
    proc = subprocess.Popen(
        [*as_user, server],
        cwd=root,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    url = f"amqp://guest:guest@127.0.0.1:{port}//"
    try:
        deadline = time.monotonic() + 60
        while True:
            assert proc.poll() is None, (
                f"rabbitmq-server exited:\n{(root / 'server.log').read_text()[-3000:]}"
            )
            with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), timeout=1):
                break
            assert time.monotonic() < deadline, "rabbitmq-server did not listen within 60 s"
            time.sleep(0.5)
        time.sleep(1)  # the listener opens just before the node finishes booting
        yield url
    finally:
        stop_process_group(proc)
        log.close()
        shutil.rmtree(root, ignore_errors=True)
