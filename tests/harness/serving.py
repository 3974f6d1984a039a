"""Serve a baked project with uvicorn, exactly as its contract says, for the runtime tests and drills."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import time
from collections.abc import Iterator, Mapping

import httpx

from harness.baking import Baked, clean_env
from harness.services import free_port


@contextlib.contextmanager
def serving(
    baked: Baked, env: Mapping[str, str], log_name: str = "uvicorn.log", workers: int = 1
) -> Iterator[str]:
    """uvicorn on a free port, exactly as the contract says; yields the base URL."""
    port = free_port()
    log = baked.path / log_name
    command = ["uv", "run", "--no-sync", "uvicorn", f"{baked.package}.main:app", "--port", str(port)]
    if workers > 1:
        command += ["--workers", str(workers)]
    with log.open("w") as out:
        proc = subprocess.Popen(
            command,
            cwd=baked.path,
            env=clean_env(env),
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # `uv run` starts uvicorn as a child: stop them as a group
        )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            assert proc.poll() is None, f"uvicorn exited:\n{log.read_text()[-4000:]}"
            with contextlib.suppress(httpx.HTTPError):
                if httpx.get(f"{base}/health/live", timeout=2).status_code == 200:
                    break
            time.sleep(0.2)
        else:
            raise AssertionError(f"uvicorn did not serve /health/live:\n{log.read_text()[-4000:]}")
        yield base
    finally:
        stop_process_group(proc)


def stop_process_group(proc: subprocess.Popen[bytes]) -> None:
    """SIGTERM the process and its children (started with start_new_session), then SIGKILL."""
    with contextlib.suppress(ProcessLookupError):
        os.killpg(proc.pid, signal.SIGTERM)
    try:
        proc.wait(timeout=20)
    except subprocess.TimeoutExpired:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(timeout=10)


@contextlib.contextmanager
def s3_store(baked: Baked, env: Mapping[str, str]) -> Iterator[dict[str, str]]:
    """moto's S3 server (the bake's dev dependency) on a free port, with a bucket; yields the
    variables that point the service at it (object_storage=s3)."""
    port = free_port()
    log = baked.path / "moto.log"
    with log.open("w") as out:
        proc = subprocess.Popen(
            ["uv", "run", "--no-sync", "moto_server", "-H", "127.0.0.1", "-p", str(port)],
            cwd=baked.path,
            env=clean_env(env),
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    url, bucket = f"http://127.0.0.1:{port}", "runtime-files"
    try:
        deadline = time.monotonic() + 60
        while True:
            assert proc.poll() is None, f"moto_server exited:\n{log.read_text()[-4000:]}"
            with contextlib.suppress(httpx.HTTPError):
                # moto keeps buckets in memory and takes an unsigned PUT: this creates one.
                if httpx.put(f"{url}/{bucket}", timeout=2).status_code == 200:
                    break
            assert time.monotonic() < deadline, f"moto_server did not answer:\n{log.read_text()[-4000:]}"
            time.sleep(0.2)
        yield {
            "S3_ENDPOINT_URL": url,
            "S3_BUCKET": bucket,
            "S3_ACCESS_KEY_ID": "runtime-key",
            "S3_SECRET_ACCESS_KEY": "runtime-secret",
        }
    finally:
        stop_process_group(proc)
