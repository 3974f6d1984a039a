"""The benchmark's results document, offline: the committed results load through the types, write
back unchanged and render the committed table; the targets are issue 14's."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest
from harness.baking import TEMPLATE_ROOT
from service_bench import results as results_io
from service_bench.report import table, targets

RESULTS = TEMPLATE_ROOT / "benchmarks/results"


@pytest.mark.parametrize("name", sorted(path.name for path in RESULTS.glob("*.json")))
def test_committed_results_round_trip_through_the_types(name: str) -> None:
    text = (RESULTS / name).read_text()
    loaded = results_io.parse(text)
    assert json.loads(results_io.dumps(loaded)) == json.loads(text)
    assert results_io.dumps(loaded) == text, "the same JSON, formatted the same way"


def test_the_latest_table_renders_from_the_latest_results() -> None:
    results = results_io.load(RESULTS / "latest.json")
    assert table(results) + "\n" == (RESULTS / "latest.md").read_text()


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda doc: doc["machine"].update(gpu="none"), "results.machine: missing [], unknown ['gpu']"),
        (lambda doc: doc["http"][0].pop("rps_ratio"), "results.http[0]: missing ['rps_ratio']"),
        (lambda doc: doc["http"][1]["service"].update(rps="fast"), "results.http[1].service.rps"),
        (lambda doc: doc["celery"]["service"]["round_trip"].update(count=2.5), "round_trip.count"),
        (lambda doc: doc["targets"][0].update(met="yes"), "results.targets[0].met"),
    ],
)
def test_a_document_that_does_not_fit_the_types_is_refused(
    change: Callable[[dict[str, Any]], object], message: str
) -> None:
    document = json.loads((RESULTS / "latest.json").read_text())
    change(document)
    with pytest.raises(ValueError, match=message.replace("[", r"\[").replace("]", r"\]")):
        results_io.parse(json.dumps(document))


def test_targets_are_the_issue_table_with_the_measured_value() -> None:
    results = results_io.load(RESULTS / "latest.json")
    found = {target["target"]: (target["value"], target["met"]) for target in targets(results)}
    rows = {(row["scenario"], row["workers"], row["connections"]): row for row in results["http"]}
    health = rows[("health", 1, 16)]["rps_ratio"]
    assert found["health req/s >= 0.6x floor (1 worker(s), 16 conns)"] == (health, (health or 0) >= 0.6)
    for scenario in ("list", "item", "create"):
        value = rows[(scenario, 2, 64)]["rps_ratio"]
        name = f"{scenario} req/s >= 0.4x floor, stretch 0.8x (2 worker(s), 64 conns)"
        assert found[name] == (value, (value or 0) >= 0.4)
    p99 = rows[("list", 1, 64)]["p99_ratio"]
    assert found["list p99 <= 3.0x floor (1 worker(s), 64 conns)"] == (p99, (p99 or 0) <= 3.0)
    celery = results["celery"]["jobs_per_s_ratio_at_least_once"]
    name = "Celery jobs/s >= 0.5x bare Celery with the same delivery settings"
    assert found[name] == (celery, (celery or 0) >= 0.5)
    rss = max(results["rss_mib"]["2"])
    assert found["RSS per API worker after the load <= 80 MiB (2 worker(s))"] == (rss, rss <= 80)
    cold = results["cold_start"]["service_s"]
    assert found["cold start < 1.0 s"] == (cold, cold < 1.0)
    # login is no target; every other scenario at every worker and connection count is one.
    assert not any(name.startswith("login") for name in found)
    throughput = sum(scenario != "login" for scenario, _, _ in rows)
    list_tails = sum(scenario == "list" and conns == 64 for scenario, _, conns in rows)
    assert len(found) == throughput + list_tails + 1 + len(results["rss_mib"]) + 1
