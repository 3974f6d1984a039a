"""The benchmark (issue F) runs end to end with one command, on a short setting.

Its numbers depend on the machine and are never asserted; what is checked is that every scenario
ran against the service and its floor without errors, and that the ratios are the ratios.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from harness.baking import TEMPLATE_ROOT
from service_bench import results as results_io

pytestmark = [pytest.mark.runtime, pytest.mark.xdist_group("benchmark")]

SCENARIOS = ["health", "list", "item", "create", "login"]
LIVE_ROUND_TRIPS = 10


def test_the_benchmark_runs_and_reports_every_ratio(tmp_path: Path) -> None:
    results_dir = tmp_path / "results"
    latest = TEMPLATE_ROOT / "benchmarks/results/latest.json"
    latest_before = latest.read_bytes() if latest.exists() else None
    command = [sys.executable, "benchmarks/run.py", "--duration", "1", "--warmup", "0"]
    command += ["--workers", "1", "--connections", "4", "--scenarios", *SCENARIOS]
    command += ["--celery-jobs", "40", "--celery-round-trips", "20", "--results-dir", str(results_dir)]
    command += ["--live-round-trips", str(LIVE_ROUND_TRIPS)]
    proc = subprocess.run(
        command, cwd=TEMPLATE_ROOT, capture_output=True, text=True, timeout=900, check=False
    )
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]

    (written,) = [path for path in results_dir.glob("*.json") if path.name != "latest.json"]
    results = json.loads(written.read_text())
    results_io.parse(written.read_text())  # a fresh document fits the types the report reads
    assert results["machine"]["cores"] >= 1
    assert [row["scenario"] for row in results["http"]] == SCENARIOS
    for row in results["http"]:
        for side in ("service", "floor"):
            assert row[side]["requests"] > 0, row
            assert row[side]["errors"] == 0, row
        assert row["rps_ratio"] == round(row["service"]["rps"] / row["floor"]["rps"], 2)
        assert row["p99_ratio"] == round(row["service"]["p99_ms"] / row["floor"]["p99_ms"], 2)

    celery = results["celery"]
    assert celery["service"]["drained"] == 40
    assert celery["service"]["round_trip"]["count"] == 20
    for floor in ("floor", "floor_at_least_once"):
        assert celery[floor]["jobs_per_s"] > 0
    assert celery["jobs_per_s_ratio"] == round(
        celery["service"]["jobs_per_s"] / celery["floor"]["jobs_per_s"], 2
    )
    assert results["cold_start"]["service_s"] > 0
    assert results["install"]["installed_mib"] > 0
    steps = results["rss_by_import"]
    assert steps[0]["step"] == "python"
    assert steps[-1]["step"].endswith(".main")
    assert steps[-1]["rss_mib"] > steps[0]["rss_mib"] > 0
    assert steps[-1]["modules"] > steps[0]["modules"]
    assert "import by import" in (results_dir / "latest.md").read_text()
    kinds = {target["target"].split(" ")[0] for target in results["targets"]}
    assert kinds == {"health", "list", "item", "create", "Celery", "RSS", "cold"}
    for target in results["targets"]:
        assert isinstance(target["value"], float | int), target
        assert isinstance(target["met"], bool), target

    table = (results_dir / "latest.md").read_text()
    assert "| GET /api/v1/items?limit=20 | 1 | 4 |" in table
    quiet = results["quiet_logs"]
    assert [row["scenario"] for row in quiet] == ["health", "list"]
    assert all(row["service"]["requests"] > 0 and row["service"]["errors"] == 0 for row in quiet)
    assert "LOG_LEVEL=WARNING" in table
    ab = results["middleware_ab"]
    assert [row["removed"].split(" ")[0] for row in ab] == [
        "nothing", "CORSMiddleware", "RequestContextMiddleware", "uvicorn"
    ]  # fmt: skip
    assert all(row["rps"] > 0 for row in ab)
    assert "Middleware A/B" in table
    assert "ratio service/floor" in table
    live = results["live"]  # the bake with use_websockets=true, and the floor's WebSocket route
    for side in ("service", "floor"):
        assert live[side]["round_trips"] == LIVE_ROUND_TRIPS, live
        assert 0 < live[side]["p50_ms"] <= live[side]["p99_ms"], live
    assert live["p50_ratio"] == round(live["service"]["p50_ms"] / live["floor"]["p50_ms"], 2)
    assert "| connect + one event |" in table
    # A run elsewhere never overwrites the results the README quotes.
    assert (latest.read_bytes() if latest.exists() else None) == latest_before
