"""Runtime: the default bake's `/metrics` counts the requests of every uvicorn worker.

This lived in the baked suite, where starting several workers cost every `make test` seconds; here
the default bake is served with `uvicorn --workers 2` and PROMETHEUS_MULTIPROC_DIR, exactly as a
deployment runs it.
"""

from __future__ import annotations

import re
import subprocess
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import pytest
from conftest import Services
from harness.baking import Baked, clean_env, sync
from harness.services import free_port
from harness.serving import stop_process_group

BakeFn = Callable[..., Baked]
LIVE_LINE = re.compile(r"^http_requests_total\{(?P<labels>[^}]*)\} (?P<value>\S+)$", re.MULTILINE)


def live_requests_counted(exposition: str) -> float:
    """`http_requests_total` of GET /health/live answered 200, from the Prometheus text."""
    for match in LIVE_LINE.finditer(exposition):
        labels = dict(re.findall(r'(\w+)="([^"]*)"', match["labels"]))
        if labels == {"handler": "/health/live", "method": "GET", "status": "200"}:
            return float(match["value"])
    raise AssertionError(f"no /health/live sample in:\n{exposition[:2000]}")


@pytest.mark.runtime
def test_several_uvicorn_workers_report_one_total(bake: BakeFn, services: Services, tmp_path: Path) -> None:
    """With PROMETHEUS_MULTIPROC_DIR set, any worker's scrape counts every worker's requests."""
    baked = bake()
    assert "prometheus" in baked.features
    env = services.variant_env(baked, "metrics-workers")
    sync(baked.path, env)
    multiprocess_dir = tmp_path / "prometheus"
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    log = tmp_path / "uvicorn.log"
    command = ["uv", "run", "--no-sync", "uvicorn", f"{baked.package}.main:app"]
    command += ["--port", str(port), "--workers", "2", "--log-level", "warning"]
    with log.open("w") as out:
        server = subprocess.Popen(
            command,
            cwd=baked.path,
            env=clean_env({**env, "PROMETHEUS_MULTIPROC_DIR": str(multiprocess_dir)}),
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # `uv run` starts uvicorn as a child: stop them as a group
        )
    try:
        deadline = time.monotonic() + 60
        while True:
            assert server.poll() is None, f"uvicorn exited:\n{log.read_text()[-4000:]}"
            try:
                if httpx.get(f"{base}/health/live", timeout=1).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            assert time.monotonic() < deadline, f"uvicorn did not start:\n{log.read_text()[-4000:]}"
            time.sleep(0.1)

        sent = 1  # the probe that saw the server up

        def writers() -> set[str]:
            return {path.stem.rsplit("_", 1)[-1] for path in multiprocess_dir.glob("counter_*.db")}

        # One connection per request, from several threads, until both workers have taken some (the
        # second may still be starting when the first answers, and a busy machine is slow).
        def hit(_: int) -> int:
            return httpx.get(f"{base}/health/live", timeout=5).status_code

        with ThreadPoolExecutor(max_workers=8) as pool:
            while len(writers()) < 2:
                assert time.monotonic() < deadline + 30, f"only pids {writers()} served requests"
                statuses = list(pool.map(hit, range(40)))
                assert statuses == [200] * 40
                sent += 40
        # Each scrape lands on either worker; every one of them must report the whole total.
        for _ in range(6):
            scrape = httpx.get(f"{base}/metrics", timeout=5).text
            assert live_requests_counted(scrape) == sent
    finally:
        stop_process_group(server)
