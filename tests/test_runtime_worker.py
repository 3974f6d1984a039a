"""Background work, end to end: a worker started with the documented command runs a job enqueued
through the HTTP API; and a worker=none bake carries no trace of Celery."""

from __future__ import annotations

import contextlib
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path

import httpx
import pytest
from conftest import Services
from harness import summary
from harness.baking import Baked, clean_env, run, sync, variant_id
from harness.services import free_port
from harness.serving import serving, stop_process_group

BakeFn = Callable[..., Baked]

WORKER_VARIANTS: list[dict[str, object]] = [{}, {"broker": "rabbitmq"}]
JOB_TIMEOUT_S = 60.0


# --- RabbitMQ, when this machine has it ------------------------------------------------------------


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
        tempfile.mkdtemp(prefix="template-rabbitmq-", dir=os.environ.get("TEMPLATE_SERVER_ROOT", "/tmp"))
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


# --- The worker and the API, as the README starts them ---------------------------------------------


def wait_for_log(proc: subprocess.Popen[bytes], log_path: Path, marker: str, what: str) -> None:
    deadline = time.monotonic() + 60
    while marker not in log_path.read_text():
        assert proc.poll() is None, f"{what} exited:\n{log_path.read_text()[-4000:]}"
        assert time.monotonic() < deadline, f"{what} is not ready:\n{log_path.read_text()[-4000:]}"
        time.sleep(0.2)


@contextlib.contextmanager
def celery_worker(baked: Baked, env: Mapping[str, str], hostname: str) -> Iterator[Path]:
    """`celery -A <package>.worker worker`, the documented command; yields its log file."""
    log_path = baked.path / "worker.log"
    with log_path.open("w") as log:
        proc = subprocess.Popen(
            [
                "uv", "run", "--no-sync", "celery", "-A", f"{baked.package}.worker", "worker",
                "--loglevel=INFO", "--concurrency=2", "--hostname", hostname,
            ],
            cwd=baked.path,
            env=clean_env(env),
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )  # fmt: skip
    try:
        wait_for_log(proc, log_path, "ready.", "the worker")
        yield log_path
    finally:
        stop_process_group(proc)


def signup_and_login(base: str) -> dict[str, str]:
    email = f"worker-{uuid.uuid4().hex[:10]}@example.com"
    password = "a-long-enough-password"
    signup = httpx.post(f"{base}/api/v1/auth/signup", json={"email": email, "password": password}, timeout=10)
    assert signup.status_code == 201, signup.text
    login = httpx.post(
        f"{base}/api/v1/auth/login", data={"username": email, "password": password}, timeout=10
    )
    assert login.status_code == 200, login.text
    return {"Authorization": f"Bearer {login.json()['access_token']}"}


def run_job_through_the_api(base: str, worker_log: Path) -> None:
    headers = {**signup_and_login(base), "Idempotency-Key": uuid.uuid4().hex}
    created = httpx.post(f"{base}/api/v1/jobs", json={}, headers=headers, timeout=10)
    assert created.status_code == 202, created.text
    job_id = created.json()["id"]

    deadline = time.monotonic() + JOB_TIMEOUT_S
    while True:
        polled = httpx.get(f"{base}/api/v1/jobs/{job_id}", headers=headers, timeout=10)
        if polled.status_code == 200:
            break
        assert polled.status_code == 202, polled.text
        assert time.monotonic() < deadline, (
            f"job still {polled.json()['state']}:\n{worker_log.read_text()[-4000:]}"
        )
        time.sleep(0.3)
    job = polled.json()
    assert job["state"] == "succeeded"
    assert job["attempts"] == 1
    assert job["result"]["words"] > 0
    assert len(job["result"]["sha256"]) == 64

    again = httpx.post(f"{base}/api/v1/jobs", json={}, headers=headers, timeout=10)
    assert again.status_code == 200, again.text
    assert again.json()["id"] == job_id
    conflict = httpx.post(f"{base}/api/v1/jobs", json={"text": "other"}, headers=headers, timeout=10)
    assert conflict.status_code == 409, conflict.text


@pytest.mark.runtime
@pytest.mark.parametrize("overrides", WORKER_VARIANTS, ids=variant_id)
def test_worker_runs_a_job_enqueued_through_the_api(
    bake: BakeFn, services: Services, overrides: dict[str, object]
) -> None:
    name = f"worker-{variant_id(overrides)}"
    with contextlib.ExitStack() as stack:
        env = services.app_env(name)
        if overrides.get("broker") == "rabbitmq":
            env["CELERY_BROKER_URL"] = stack.enter_context(rabbitmq())
        baked = bake(**overrides)
        path = baked.path
        with summary.timed(name, "sync"):
            sync(path, env)
        with summary.timed(name, "migrate"):
            run(["uv", "run", "--no-sync", "alembic", "upgrade", "head"], cwd=path, env=env)
        hostname = f"tmpl-{uuid.uuid4().hex[:8]}@localhost"
        with summary.timed(name, "worker"):
            worker_log = stack.enter_context(celery_worker(baked, env, hostname))
            base = stack.enter_context(serving(baked, env, "uvicorn-worker.log"))
            ready = httpx.get(f"{base}/health/ready", timeout=10)
            assert ready.status_code == 200, ready.text
            assert ready.json()["checks"]["broker"]["status"] == "ok"
            run_job_through_the_api(base, worker_log)
            ping = run(
                ["uv", "run", "--no-sync", "celery", "-A", f"{baked.package}.worker", "inspect", "ping",
                 "--destination", hostname, "--timeout", "10"],
                cwd=path, env=env, timeout=60,
            )  # fmt: skip
            assert "pong" in ping.stdout, ping.stdout + ping.stderr


# --- worker=none ------------------------------------------------------------------------------------


def test_worker_none_leaves_no_trace_of_celery(bake: BakeFn) -> None:
    baked = bake(worker="none")
    traces = []
    for file in sorted(baked.path.rglob("*")):
        relative = file.relative_to(baked.path)
        if "celery" in str(relative).lower():
            traces.append(f"{relative} (path)")
        elif file.is_file():
            text = file.read_bytes().decode("utf-8", errors="ignore").lower()
            if "celery" in text:
                line = next(n for n, row in enumerate(text.splitlines(), 1) if "celery" in row)
                traces.append(f"{relative}:{line}")
    assert traces == [], f"worker=none still mentions Celery in: {traces}"
    assert not (baked.path / "src" / baked.package / "worker").exists()
    assert not (baked.path / "src" / baked.package / "jobs").exists()
    makefile = (baked.path / "Makefile").read_text()
    assert "\nworker:" not in makefile
    assert "\nbeat:" not in makefile
