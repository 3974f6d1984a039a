"""Driving a server with wrk and benchmarks/scenario.lua."""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import subprocess
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

from .constants import LUA_SCRIPT
from .data import reset_after
from .results import ScenarioResult, WrkResult
from .servers import settle


@dataclass
class Load:
    """How to drive one server with wrk."""

    port: int
    data: Path
    password: str
    duration: int
    warmup: int


def wrk(load: Load, scenario: str, connections: int, duration: int) -> WrkResult:
    threads = max(1, min(connections, os.cpu_count() or 1))
    env = {
        **os.environ,
        "BENCH_SCENARIO": scenario,
        "BENCH_DATA": str(load.data),
        "BENCH_PASSWORD": load.password,
    }
    args = [
        "wrk",
        "-t",
        str(threads),
        "-c",
        str(connections),
        "-d",
        f"{duration}s",
        "--timeout",
        "10s",
        "-s",
        str(LUA_SCRIPT),
        f"http://127.0.0.1:{load.port}",
    ]
    proc = subprocess.run(args, env=env, capture_output=True, text=True, timeout=duration + 60, check=False)
    marker = [line for line in proc.stdout.splitlines() if line.startswith("BENCH_RESULT ")]
    if proc.returncode != 0 or not marker:
        raise RuntimeError(f"wrk failed ({proc.returncode}):\n{proc.stdout}\n{proc.stderr}")
    raw = json.loads(marker[0].removeprefix("BENCH_RESULT "))
    error_detail = {str(kind): int(count) for kind, count in raw["errors"].items()}
    return {
        "rps": round(raw["requests"] / (raw["duration_us"] / 1e6), 1),
        "p50_ms": round(raw["p50_us"] / 1000, 2),
        "p99_ms": round(raw["p99_us"] / 1000, 2),
        "requests": int(raw["requests"]),
        "errors": sum(error_detail.values()),
        "error_detail": error_detail,
    }


@dataclass
class Profiling:
    """Where py-spy writes a flame graph of one server's process during each scenario."""

    pid: int
    side: str
    out_dir: Path
    label: str  # tells runs apart in the file names, e.g. "1w-c16"


@contextlib.contextmanager
def sampled(profiling: Profiling | None, scenario: str, seconds: int) -> Iterator[None]:
    """py-spy samples the server (without pausing it) for as long as wrk drives it."""
    if profiling is None:
        yield
        return
    py_spy = shutil.which("py-spy")
    if py_spy is None:
        raise RuntimeError("--profile needs py-spy: uv run --group bench python benchmarks/run.py")
    profiling.out_dir.mkdir(parents=True, exist_ok=True)
    svg = profiling.out_dir / f"{profiling.side}-{scenario}-{profiling.label}.svg"
    args = [py_spy, "record", "--pid", str(profiling.pid), "--rate", "200", "--nonblocking",
            "--duration", str(seconds), "--format", "flamegraph", "--output", str(svg)]  # fmt: skip
    recorder = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        yield
    finally:
        _, err = recorder.communicate(timeout=seconds + 60)
        if recorder.returncode != 0:
            raise RuntimeError(f"py-spy failed ({recorder.returncode}): {err.decode(errors='replace')}")


def drive(
    loads: dict[str, Load],
    scenarios: Sequence[str],
    connection_counts: Sequence[int],
    dsn: str,
    profiling: dict[str, Profiling] | None = None,
) -> dict[str, list[ScenarioResult]]:
    """Each run against every server back to back, so both see the same background load.

    With `profiling`, the first connection count of each scenario is sampled by py-spy.
    """
    rows: dict[str, list[ScenarioResult]] = {name: [] for name in loads}
    for scenario in scenarios:
        for load in loads.values():
            if load.warmup:
                wrk(load, scenario, max(connection_counts), load.warmup)
                settle(load.port)
        for connections in connection_counts:
            for name, load in loads.items():
                profile = (profiling or {}).get(name) if connections == connection_counts[0] else None
                with sampled(profile, scenario, load.duration):
                    result = wrk(load, scenario, connections, load.duration)
                settle(load.port)
                rows[name].append({"scenario": scenario, "connections": connections, **result})
                print(
                    f"  {name:<8} {scenario:<7} c={connections:<3} {result['rps']:>8.0f} req/s  "
                    f"p50 {result['p50_ms']:>7.2f} ms  p99 {result['p99_ms']:>8.2f} ms  "
                    f"errors {result['errors']}",
                    flush=True,
                )
        reset_after(scenario, dsn)
    return rows
