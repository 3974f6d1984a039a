"""What a run reports: ratios to the floor, the targets, the Markdown table and the chart."""

from __future__ import annotations

import itertools
from pathlib import Path

from .constants import (
    COLD_STARTS,
    SCENARIO_LABELS,
    STRETCH_RPS_RATIO,
    TARGET_CELERY_RATE_RATIO,
    TARGET_COLD_START_S,
    TARGET_LIST_P99_RATIO_64,
    TARGET_RPS_RATIO,
    TARGET_RSS_MIB,
)
from .results import PairRow, Results, ScenarioResult, Target


def ratio(value: float, floor: float) -> float | None:
    return round(value / floor, 2) if floor else None


def fmt_ratio(value: float | None) -> str:
    return "-" if value is None else f"{value:.2f}"


def pair_rows(service: list[ScenarioResult], floor: list[ScenarioResult], workers: int) -> list[PairRow]:
    by_key = {(r["scenario"], r["connections"]): r for r in floor}
    rows: list[PairRow] = []
    for mine in service:
        base = by_key[(mine["scenario"], mine["connections"])]
        rows.append(
            {
                "scenario": mine["scenario"],
                "workers": workers,
                "connections": mine["connections"],
                "service": mine,
                "floor": base,
                "rps_ratio": ratio(mine["rps"], base["rps"]),
                "p99_ratio": ratio(mine["p99_ms"], base["p99_ms"]),
            }
        )
    return rows


def at_least(name: str, value: float | None, limit: float) -> Target:
    return {"target": name, "value": value, "met": value is not None and value >= limit}


def at_most(name: str, value: float | None, limit: float) -> Target:
    return {"target": name, "value": value, "met": value is not None and value <= limit}


def targets(results: Results) -> list[Target]:
    out: list[Target] = []
    for row in results.get("http", []):
        where = f"{row['workers']} worker(s), {row['connections']} conns"
        goal = TARGET_RPS_RATIO.get(row["scenario"])
        if goal is not None:
            stretch = f", stretch {STRETCH_RPS_RATIO}x" if row["scenario"] != "health" else ""
            name = f"{row['scenario']} req/s >= {goal}x floor{stretch} ({where})"
            out.append(at_least(name, row["rps_ratio"], goal))
        if row["scenario"] == "list" and row["connections"] == 64:
            name = f"list p99 <= {TARGET_LIST_P99_RATIO_64}x floor ({where})"
            out.append(at_most(name, row["p99_ratio"], TARGET_LIST_P99_RATIO_64))
    celery = results.get("celery", {})
    if "service" in celery and "floor_at_least_once" in celery:
        name = f"Celery jobs/s >= {TARGET_CELERY_RATE_RATIO}x bare Celery with the same delivery settings"
        out.append(at_least(name, celery.get("jobs_per_s_ratio_at_least_once"), TARGET_CELERY_RATE_RATIO))
    for workers, values in results.get("rss_mib", {}).items():
        name = f"RSS per API worker after the load <= {TARGET_RSS_MIB:.0f} MiB ({workers} worker(s))"
        out.append(at_most(name, max(values, default=None), TARGET_RSS_MIB))
    if "cold_start" in results:
        cold = results["cold_start"]["service_s"]
        out.append(
            {
                "target": f"cold start < {TARGET_COLD_START_S} s",
                "value": cold,
                "met": cold < TARGET_COLD_START_S,
            }
        )
    return out


def celery_lines(results: Results) -> list[str]:
    celery = results.get("celery")
    if celery is None:
        return []
    if not ("service" in celery and "floor" in celery):
        return ["", f"Celery: {celery.get('skipped')}"]
    s, f = celery["service"], celery["floor"]
    s_trip, s_queue, f_trip = s["round_trip"], s["queued_to_finished"], f["round_trip"]
    lines = [
        "",
        "| Celery, 1 worker process | jobs/s | round trip p50 ms | p99 ms |",
        "|---|---:|---:|---:|",
        f"| service: {s['how']} | {s['jobs_per_s']:.0f} | {s_trip['p50_ms']:.1f} | {s_trip['p99_ms']:.1f} |",
        f"| service, queued to finished (database timestamps) | | "
        f"{s_queue['p50_ms']:.1f} | {s_queue['p99_ms']:.1f} |",
        f"| floor: {f['how']} | {f['jobs_per_s']:.0f} | {f_trip['p50_ms']:.1f} | {f_trip['p99_ms']:.1f} |",
        f"| ratio service/floor | {celery['jobs_per_s_ratio']:.2f} | {celery['p50_ratio']:.2f} "
        f"| {celery['p99_ratio']:.2f} |",
    ]
    slow = celery.get("floor_at_least_once")
    if slow:  # absent from results written before it was measured
        lines += [
            f"| floor with the service's delivery settings: {slow['how']} | {slow['jobs_per_s']:.0f} | | |",
            f"| ratio service/that floor | {celery['jobs_per_s_ratio_at_least_once']:.2f} | | |",
        ]
    return lines


def table(results: Results) -> str:
    machine, versions = results["machine"], results.get("versions", {})
    lines = [
        f"Benchmark of the default bake, {results['date']}, {machine['cores']} cores ({machine['cpu']}), "
        f"Python {versions.get('python')}, wrk {results['settings']['duration_s']} s per run, "
        f"load average {results['load_average_at_start'][0]:.1f} at start",
        "",
        "| scenario | workers | conns | req/s | p50 ms | p99 ms | floor req/s | floor p50 | floor p99 "
        "| req/s ratio | p99 ratio | errors |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for row in results.get("http", []):
        s, f = row["service"], row["floor"]
        cells = [SCENARIO_LABELS[row["scenario"]], str(row["workers"]), str(row["connections"])]
        cells += [f"{s['rps']:.0f}", f"{s['p50_ms']:.1f}", f"{s['p99_ms']:.1f}"]
        cells += [f"{f['rps']:.0f}", f"{f['p50_ms']:.1f}", f"{f['p99_ms']:.1f}"]
        cells += [f"{row['rps_ratio']:.2f}", f"{row['p99_ratio']:.2f}", f"{s['errors']}/{f['errors']}"]
        lines.append("| " + " | ".join(cells) + " |")
    quiet = results.get("quiet_logs")
    if quiet:
        lines += [
            "",
            "The same, 1 worker, service at `LOG_LEVEL=WARNING` (no access line): what the line costs",
            "",
        ]
        lines += [
            "| scenario | conns | req/s | p99 ms | floor req/s | req/s ratio | with the line |",
            "|---|---:|---:|---:|---:|---:|---:|",
        ]
        logged = {(r["scenario"], r["connections"]): r for r in results.get("http", []) if r["workers"] == 1}
        for row in quiet:
            s, f = row["service"], row["floor"]
            with_line = logged.get((row["scenario"], row["connections"]))
            was = fmt_ratio(with_line["rps_ratio"]) if with_line else "-"
            label = SCENARIO_LABELS[row["scenario"]]
            lines.append(
                f"| {label} | {row['connections']} | {s['rps']:.0f} | {s['p99_ms']:.1f} "
                f"| {f['rps']:.0f} | {fmt_ratio(row['rps_ratio'])} | {was} |"
            )
    ab = results.get("middleware_ab")
    if ab:
        full = ab[0]["rps"]
        lines += [
            "",
            "Middleware A/B: `/health/live`, 1 worker, one layer removed (cost = 1/req/s difference)",
            "",
        ]
        lines += ["| removed | req/s | p99 ms | cost per request |", "|---|---:|---:|---:|"]
        for variant in ab:
            cost = (1 / full - 1 / variant["rps"]) * 1e6 if variant["rps"] and full else 0.0
            lines.append(
                f"| {variant['removed']} | {variant['rps']:.0f} | {variant['p99_ms']:.1f} | {cost:.0f} us |"
            )
    lines += tracing_lines(results)
    lines += live_lines(results)
    lines += celery_lines(results)
    cold, install_info, argon = results["cold_start"], results["install"], results["argon2"]
    rss = "; ".join(
        f"{workers} worker(s): {', '.join(f'{v:.0f}' for v in values)} MiB"
        for workers, values in results.get("rss_mib", {}).items()
    )
    lines += [
        "",
        f"- Cold start (process start to first 200 on /health/live, median of {COLD_STARTS}): "
        f"{cold['service_s']:.2f} s (floor {cold['floor_s']:.2f} s)",
        f"- RSS per API worker after the load: {rss}",
        *import_lines(results),
        f"- Installed size of `uv sync --no-dev` into an empty venv: {install_info['installed_mib']:.0f} MiB "
        f"({install_info['installed_with_bytecode_mib']:.0f} MiB with bytecode, as the image compiles it)",
        f"- Bake time of the default variant: {results['bake_seconds']:.2f} s",
        f"- argon2 verify: {argon['verify_ms']:.0f} ms per login ({argon.get('params')})",
    ]
    layers = results.get("template_layers")
    if layers:
        when = f" (timed {results['template_layers_date']})" if "template_layers_date" in results else ""
        lines.append(
            f"- Template test layers, wall time on this machine{when}: "
            + ", ".join(f"{k} {v['seconds']:.0f} s ({v['result']})" for k, v in layers.items())
        )
    lines += ["", "| target | value | met |", "|---|---:|---|"]
    lines += [
        f"| {t['target']} | {t['value']} | {'yes' if t['met'] else 'NO'} |"
        for t in results.get("targets", [])
    ]
    return "\n".join(lines)


def import_lines(results: Results) -> list[str]:
    """Where the RSS comes from: a fresh process, one import after another (memory.py)."""
    steps = results.get("rss_by_import")
    if not steps:
        return []
    costs = [f"{steps[0]['rss_mib']:.0f} MiB for the interpreter"]
    costs += [
        f"{step['step']} +{step['rss_mib'] - before['rss_mib']:.1f}"
        for before, step in itertools.pairwise(steps)
    ]
    return [
        f"- RSS of a fresh process, import by import (production venv): {', '.join(costs)}; "
        f"{steps[-1]['rss_mib']:.0f} MiB and {steps[-1]['modules']} modules with the app built"
    ]


def chart(results: Results, path: Path) -> bool:
    """Service and floor req/s side by side per scenario, each pair labelled with its ratio."""
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        return False
    rows = results.get("http", [])
    labels = [f"{r['scenario']}\n{r['workers']}w/{r['connections']}c" for r in rows]
    positions = list(range(len(rows)))
    width = 0.4
    fig, ax = plt.subplots(figsize=(max(8.0, len(rows) * 0.7), 4.5))
    service = ax.bar([x - width / 2 for x in positions], [r["service"]["rps"] for r in rows], width)
    floor = ax.bar([x + width / 2 for x in positions], [r["floor"]["rps"] for r in rows], width)
    for x, row in zip(positions, rows, strict=True):
        top = max(row["service"]["rps"], row["floor"]["rps"])
        if row["rps_ratio"] is not None:
            ax.annotate(f"{row['rps_ratio']:.2f}x", (x, top), ha="center", va="bottom", fontsize=7)
    ax.set_yscale("log")
    ax.set_xticks(positions, labels, fontsize=7)
    ax.set_ylabel("requests per second (log scale)")
    ax.legend([service, floor], ["baked service", "floor (Starlette + asyncpg)"], fontsize=8)
    cores = results["machine"]["cores"]
    ax.set_title(f"Default bake vs its floor, same run: {results['date']}, {cores} cores; label = ratio")
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)
    return True


def tracing_lines(results: Results) -> list[str]:
    """The traced bake, off and sampled: req/s and p99, and the change from tracing off."""
    rows = results.get("tracing")
    if not rows:
        return []
    off = {(r["scenario"], r["connections"]): r for r in rows if r["variant"].startswith("off")}
    lines = [
        "",
        "Tracing: a bake with `use_opentelemetry=true`, 1 worker; spans sent over OTLP/HTTP to a local "
        "sink (cost includes export)",
        "",
        "| tracing | scenario | conns | req/s | p50 ms | p99 ms | req/s vs off | exports (all runs) "
        "| KiB sent (all runs) | errors |",
        "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for row in rows:
        base = off.get((row["scenario"], row["connections"]))
        change = f"{row['rps'] / base['rps']:.2f}" if base and base["rps"] else "-"
        lines.append(
            f"| {row['variant']} | {SCENARIO_LABELS[row['scenario']]} | {row['connections']} "
            f"| {row['rps']:.0f} | {row['p50_ms']:.1f} | {row['p99_ms']:.1f} | {change} "
            f"| {row['exports']} | {row['exported_kib']:.0f} | {row['errors']} |"
        )
    return lines


def live_lines(results: Results) -> list[str]:
    """The live channel's connect + one event round trip, service and floor, and their ratios."""
    live = results.get("live")
    if not live:
        return []
    lines = [
        "",
        f"WebSocket: a bake with `use_websockets=true`, {live['workers']} worker; {live['how']}",
        "",
        "| connect + one event | round trips | p50 ms | p99 ms | connect p50 | connect p99 "
        "| event p50 | event p99 |",
        "|---|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for name in ("service", "floor"):
        row = live[name]
        lines.append(
            f"| {name} | {row['round_trips']} | {row['p50_ms']:.1f} | {row['p99_ms']:.1f} "
            f"| {row['connect_p50_ms']:.1f} | {row['connect_p99_ms']:.1f} "
            f"| {row['event_p50_ms']:.1f} | {row['event_p99_ms']:.1f} |"
        )
    lines.append(
        f"| ratio service/floor | | {fmt_ratio(live['p50_ratio'])} | {fmt_ratio(live['p99_ratio'])} | | | | |"
    )
    return lines
