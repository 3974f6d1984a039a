"""The Celery floor: a bare Celery app with a no-op task, on the same Redis as the service.

    FLOOR_REDIS_URL=redis://... celery -A floor_celery worker --concurrency 1
    FLOOR_REDIS_URL=redis://... python floor_celery.py latency 300     # JSON on stdout
    FLOOR_REDIS_URL=redis://... python floor_celery.py publish 500     # task ids on stdout
    FLOOR_REDIS_URL=redis://... python floor_celery.py drained IDS...  # JSON on stdout

Celery's defaults, except a result backend (the round trip needs one to see the task finish).
With FLOOR_AT_LEAST_ONCE=1 it takes the service's delivery settings instead of the defaults:
acknowledge after the task ran, and one message at a time per worker process.
"""

from __future__ import annotations

import json
import os
import sys
import time
from datetime import datetime

from celery import Celery

app = Celery("floor_celery", broker=os.environ["FLOOR_REDIS_URL"], backend=os.environ["FLOOR_REDIS_URL"])
if os.environ.get("FLOOR_AT_LEAST_ONCE"):
    app.conf.update(task_acks_late=True, task_reject_on_worker_lost=True, worker_prefetch_multiplier=1)


@app.task(name="floor.noop")
def noop() -> None:
    """Does nothing: what is left is Celery's own cost."""


def latency(count: int) -> dict[str, list[float]]:
    """`count` round trips one after another: publish, then block until the result is stored."""
    noop.delay().get(timeout=30)  # warm-up: connections and the result consumer
    samples = []
    for _ in range(count):
        started = time.perf_counter()
        noop.delay().get(timeout=30)
        samples.append((time.perf_counter() - started) * 1000)
    return {"latency_ms": samples}


def done_times(task_ids: list[str]) -> dict[str, object]:
    """When each task finished, from the result backend; `pending` counts unfinished ones."""
    times, pending = [], 0
    for task_id in task_ids:
        meta = app.backend.get_task_meta(task_id)
        if meta.get("status") != "SUCCESS":
            pending += 1
            continue
        done = meta["date_done"]
        stamp = done if isinstance(done, datetime) else datetime.fromisoformat(str(done))
        times.append(stamp.timestamp())
    return {"done": times, "pending": pending}


if __name__ == "__main__":
    command, args = sys.argv[1], sys.argv[2:]
    if command == "latency":
        print(json.dumps(latency(int(args[0]))))
    elif command == "publish":
        print("\n".join(noop.delay().id for _ in range(int(args[0]))))
    elif command == "drained":
        print(json.dumps(done_times(args)))
    else:
        raise SystemExit(f"unknown command {command!r}: use latency, publish or drained")
