"""A per-variant timing table, collected across xdist workers and printed at the end of the run."""

from __future__ import annotations

import json
import os
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

SUMMARY_ENV = "TEMPLATE_SUMMARY_FILE"


def record(variant: str, layer: str, seconds: float, result: str, detail: str | None = None) -> None:
    """Append one row; `detail` is the figure a drill reports (printed in the drill summary)."""
    path = os.environ.get(SUMMARY_ENV)
    if not path:
        return
    row = {"variant": variant, "layer": layer, "seconds": round(seconds, 1), "result": result}
    if detail is not None:
        row["detail"] = detail
    line = json.dumps(row)
    with open(path, "a") as fh:  # one short write per line; appends are atomic enough here
        fh.write(line + "\n")


@contextmanager
def timed(variant: str, layer: str) -> Iterator[None]:
    """Record how long a step took and whether it passed."""
    started = time.monotonic()
    result = "failed"
    try:
        yield
        result = "passed"
    finally:
        record(variant, layer, time.monotonic() - started, result)


def read(path: Path) -> list[dict[str, object]]:
    if not path.exists():
        return []
    return [json.loads(line) for line in path.read_text().splitlines() if line.strip()]


def table(rows: list[dict[str, object]]) -> list[str]:
    """Aggregate rows by (variant, layer): total seconds, and failed if any step failed."""
    merged: dict[tuple[str, str], list[object]] = {}
    for row in rows:
        key = (str(row["variant"]), str(row["layer"]))
        seconds, result = merged.get(key, [0.0, "passed"])
        merged[key] = [
            float(seconds) + float(row["seconds"]),  # type: ignore[arg-type]
            "failed" if "failed" in (result, row["result"]) else "passed",
        ]
    width = max([len(k[0]) for k in merged] + [7])
    lines = [f"{'variant':<{width}}  {'layer':<8} {'seconds':>8}  result"]
    for (variant, layer), (seconds, result) in sorted(merged.items(), key=lambda kv: (kv[0][1], kv[0][0])):
        lines.append(f"{variant:<{width}}  {layer:<8} {seconds:>8.1f}  {result}")
    return lines


def drill_lines(rows: list[dict[str, object]], layer: str = "drill") -> list[str]:
    """One line per drill (rows of `layer`): `name: figure`, flagged if it failed."""
    lines = []
    for row in rows:
        if row["layer"] == layer:
            flag = "" if row["result"] == "passed" else "FAILED: "
            lines.append(f"{flag}{row['variant']}: {row.get('detail', '')}")
    return lines
