"""Benchmark the default bake against its floor, measured in the same run on the same machine.

    uv run python benchmarks/run.py            # about 8 minutes on 2 cores; needs wrk
    uv run python benchmarks/run.py --help     # shorter runs, fewer scenarios, template layers

It bakes the default variant, installs its production dependencies into an empty virtualenv,
starts PostgreSQL and Redis with the test harness (no Docker), migrates, seeds 10,000 items across
100 users, and drives the API under uvicorn (1 and 2 workers) with wrk (16 and 64 connections).
Each HTTP scenario runs against the baked service and against a floor app (Starlette + asyncpg,
benchmarks/floor/floor_api.py) that gives the same answers; the Celery round trip runs against
the service's worker and a bare Celery app (benchmarks/floor/floor_celery.py). Every number is
reported with its ratio to the floor. Results: a table on stdout, JSON under benchmarks/results/.
"""

from __future__ import annotations

import sys

from service_bench.cli import main  # beside this file; it uses the harness, installed by `uv sync`

if __name__ == "__main__":
    sys.exit(main(description=__doc__))
