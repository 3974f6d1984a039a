"""Images layer: the bake's Dockerfile built by a real builder (podman) and run as its contract says.

For each image: a one-shot migrate container (with a database), the api running the image's own
CMD until `/health/ready` answers 200 against the harness's PostgreSQL and Redis, as uid 10001,
the image's HEALTHCHECK run inside it, and for a Celery bake a worker container from the same
image running a job enqueued through the api. The dev target builds and serves with reload.
Each image's size above its base lands in the summary. How the bases are made offline:
tests/harness/images.py.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import secrets
import shutil
import socket
import subprocess
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from conftest import Services
from harness import images, summary
from harness.api import client_for
from harness.baking import Baked, variant_id
from harness.worker import run_job_through_the_api

BakeFn = Callable[..., Baked]
pytestmark = [pytest.mark.images, pytest.mark.xdist_group("images")]

API_PORT = 8000  # the image's CMD binds 0.0.0.0:8000 on the host network
IMAGE_VARIANTS: list[dict[str, Any]] = [
    {},
    {"database": "sqlite"},
    {"database": "none", "auth": "none", "worker": "none"},
    {"python_version": "3.11", "worker": "none"},
]


@pytest.fixture(scope="module")
def podman_ready() -> None:
    missing = images.missing_tools()
    if missing:
        message = f"the images layer needs {', '.join(missing)}: apt-get install -y podman debootstrap runc"
        if os.environ.get("CI") == "true":
            pytest.fail(message)  # CI installs them (.ci/run): a missing one is a failure, not a skip
        pytest.skip(message)


def exec_in(container: str, *command: str) -> str:
    """`podman exec` output. A failure inside `images.container()` carries its state and logs."""
    proc = images.podman("exec", container, *command, check=False)
    assert proc.returncode == 0, (
        f"`podman exec {container} {' '.join(command)}` exited {proc.returncode}: {proc.stderr.strip()}"
    )
    return proc.stdout.strip()


def assert_healthy(container: str, retries: int = 3) -> None:
    """The image's HEALTHCHECK passes as Docker judges it: unhealthy only after `--retries=3`
    failures in a row (one slow probe on a loaded machine is not a verdict)."""
    failures = []
    for _ in range(retries):
        probe = images.podman("healthcheck", "run", container, check=False)
        if probe.returncode == 0:
            return
        failures.append(f"exit {probe.returncode}: {(probe.stdout + probe.stderr).strip()}")
        time.sleep(1)
    raise AssertionError(f"HEALTHCHECK failed {retries} times in a row: {failures}")


def wait_http(url: str, name: str, expect: int = 200, timeout: float = 90) -> httpx.Response:
    """The answer of `url` once it is `expect`, while container `name` (from `images.container()`,
    which attaches its state and logs to a failure) still runs."""
    deadline = time.monotonic() + timeout
    last = ""
    while time.monotonic() < deadline:
        with contextlib.suppress(httpx.HTTPError):
            answer = httpx.get(url, timeout=3)
            if answer.status_code == expect:
                return answer
            last = f"{answer.status_code} {answer.text[:300]}"
        running = images.podman("inspect", "--format", "{{.State.Running}}", name, check=False).stdout
        assert running.strip() == "true", f"{name} exited"
        time.sleep(0.5)
    raise AssertionError(f"{url} never answered {expect} (last: {last})")


def production_env(baked: Baked, services: Services, name: str, data_dir: Path) -> dict[str, str]:
    """What the production image needs to start: strong secrets, real URLs, a real-looking mail setup."""
    env = {"SECRET_KEY": secrets.token_hex(32)}
    on = baked.features
    if "postgresql" in on:
        env["DATABASE_URL"] = services.postgres.create_database(services.database_name(f"img-{name}"))
    if "sqlite" in on:
        env["DATABASE_URL"] = "sqlite+aiosqlite:////app/data/service.db"
    if "redis" in on:
        env["REDIS_URL"] = services.redis.url()
    if "email" in on:
        # Production refuses Mailpit and http links; no scenario here reads the mail.
        env |= {"SMTP_HOST": "smtp.invalid", "FRONTEND_URL": "https://app.invalid"}
    return env


@contextlib.contextmanager
def api_port(timeout: float = 900) -> Iterator[None]:
    """Hold API_PORT for one container at a time, machine-wide. The image's CMD binds the host's
    port 8000, so a second container started meanwhile (another run on this machine, or a worker
    that lost its xdist_group) would fail to bind and exit, while its test talked to the first one."""
    deadline = time.monotonic() + timeout
    images.PODMAN_ROOT.mkdir(parents=True, exist_ok=True)
    with (images.PODMAN_ROOT / f"port-{API_PORT}.lock").open("w") as lock:
        while not _try_lock(lock.fileno()):
            assert time.monotonic() < deadline, f"another process held port {API_PORT} for {timeout:.0f} s"
            time.sleep(1)
        # A container just removed may still be closing the port.
        while _port_taken():
            if time.monotonic() > deadline:
                ss = ["ss", "-ltnp", f"sport = :{API_PORT}"]
                holder = subprocess.run(ss, capture_output=True, text=True, check=False)
                pytest.fail(f"port {API_PORT} is taken (the image's CMD binds it):\n{holder.stdout}")
            time.sleep(0.5)
        yield  # the lock goes with the file


def _try_lock(fd: int) -> bool:
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return False
    return True


def _port_taken() -> bool:
    with socket.socket() as probe:
        return probe.connect_ex(("127.0.0.1", API_PORT)) == 0


@pytest.mark.parametrize("overrides", IMAGE_VARIANTS, ids=variant_id)
def test_image_builds_migrates_and_serves(
    podman_ready: None, bake: BakeFn, services: Services, overrides: dict[str, Any], tmp_path: Path
) -> None:
    baked = bake(**overrides)
    name = variant_id(overrides)
    tag = f"localhost/template-{uuid.uuid4().hex[:8]}:runtime"
    data_dir = tmp_path / "data"
    data_dir.mkdir()
    os.chown(data_dir, 10001, 10001)  # the image's app user owns /app/data
    volumes = [f"{data_dir}:/app/data"] if "sqlite" in baked.features else []
    try:
        with summary.timed(name, "image"):
            base = images.ensure_python_base(str(baked.answers["python_version"]))
            images.ensure_uv_image(baked.path / "Dockerfile")
            images.build(baked.path, tag)
            inspected = images.inspect(tag)
            assert inspected["User"] == "10001:10001"
            healthcheck = inspected.get("Healthcheck")
            assert isinstance(healthcheck, dict), "--format docker keeps the HEALTHCHECK"
            assert healthcheck["Test"][0] == "CMD"
            size = images.Image(tag, base, images.image_size(tag), images.image_size(base))
            env = production_env(baked, services, name, data_dir)

            if "db" in baked.features:
                images.run_once(tag, env, ["alembic", "upgrade", "head"], volumes)
            with (
                api_port(),
                images.container(tag, f"api-{uuid.uuid4().hex[:6]}", env, volumes=volumes) as api,
            ):
                ready = wait_http(f"http://127.0.0.1:{API_PORT}/health/ready", api)
                checks = ready.json()["checks"]
                assert all(check["status"] == "ok" for check in checks.values()), checks
                assert exec_in(api, "id", "-u") == "10001"
                assert_healthy(api)
                if "jobs" in baked.features:
                    run_a_job_on_a_worker_container(baked, tag, env, volumes, tmp_path)
        summary.record(
            f"image {name}", "image-size", 0, "passed",
            f"{size.above_base_mib:.0f} MiB above its {size.base_size / 2**20:.0f} MiB base "
            f"(python {baked.answers['python_version']})",
        )  # fmt: skip
    finally:
        images.podman("rmi", "--force", tag, check=False)


def run_a_job_on_a_worker_container(
    baked: Baked, tag: str, env: dict[str, str], volumes: list[str], tmp_path: Path
) -> None:
    """`celery -A <package>.worker worker` from the same image runs a job the api enqueued."""
    hostname = f"image-{uuid.uuid4().hex[:6]}@localhost"
    command = ["celery", "-A", f"{baked.package}.worker", "worker", "--loglevel=INFO", "--concurrency=1",
               "--hostname", hostname]  # fmt: skip
    with images.container(tag, f"worker-{uuid.uuid4().hex[:6]}", env, command, volumes) as worker:
        images.wait_for_log_line(worker, "ready.")
        log = tmp_path / "worker.log"  # empty: images.container() attaches the container's log
        log.touch()
        with contextlib.closing(client_for(baked, f"http://127.0.0.1:{API_PORT}")) as client:
            run_job_through_the_api(client, log)


def test_dev_target_builds_and_serves_with_reload(podman_ready: None, bake: BakeFn, tmp_path: Path) -> None:
    baked = bake()
    tag = f"localhost/template-{uuid.uuid4().hex[:8]}:dev"
    try:
        with summary.timed("default", "image-dev"):
            images.ensure_python_base(str(baked.answers["python_version"]))
            images.ensure_uv_image(baked.path / "Dockerfile")
            images.build(baked.path, tag, target="dev")
            command = images.inspect(tag)["Config"]["Cmd"]  # type: ignore[index]
            assert "--reload" in command, command
            # Liveness needs no database: the dev settings' defaults are enough to start.
            with api_port(), images.container(tag, f"dev-{uuid.uuid4().hex[:6]}", {}) as dev:
                wait_http(f"http://127.0.0.1:{API_PORT}/health/live", dev)
                assert "Started reloader process" in images.logs(dev)
        summary.record("image default (dev target)", "image-size", 0, "passed", "builds; --reload serves")
    finally:
        images.podman("rmi", "--force", tag, check=False)
        shutil.rmtree(tmp_path, ignore_errors=True)
