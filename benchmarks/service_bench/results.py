"""The results document, typed: the JSON under benchmarks/results/ has exactly these keys.

`load` checks a file's keys against these types (a key the types do not know, or a required key
that is missing, is an error), so an old file that no longer fits fails loudly, not in the middle
of rendering a table.
"""

# No `from __future__ import annotations`: TypedDict reads NotRequired from the real annotations.
import json
import types
import typing
from pathlib import Path
from typing import Any, NotRequired, TypedDict, cast


class Machine(TypedDict):
    cores: int | None
    cpu: str
    kernel: str


class Settings(TypedDict):
    duration_s: int
    warmup_s: int
    workers: list[int]
    connections: list[int]
    users: int
    items: int
    # Absent from results written before the counts were settings.
    celery_jobs: NotRequired[int]
    celery_round_trips: NotRequired[int]


class Install(TypedDict):
    sync_seconds: float
    installed_mib: float
    installed_with_bytecode_mib: float


class Argon2Params(TypedDict):
    memory_mib: int
    time_cost: int
    parallelism: int


class Argon2(TypedDict):
    verify_ms: float
    hash: NotRequired[str]  # only until the seed takes it; never written
    params: NotRequired[Argon2Params]


class ColdStart(TypedDict):
    service_s: float
    floor_s: float
    samples: dict[str, list[float]]


class WrkResult(TypedDict):
    """One wrk run against one server."""

    rps: float
    p50_ms: float
    p99_ms: float
    requests: int
    errors: int
    error_detail: dict[str, int]


class ScenarioResult(WrkResult):
    """A wrk run with what it ran."""

    scenario: str
    connections: int


class PairRow(TypedDict):
    """One scenario at one worker and connection count, on the service and on its floor."""

    scenario: str
    workers: int
    connections: int
    service: ScenarioResult
    floor: ScenarioResult
    rps_ratio: float | None
    p99_ratio: float | None


class Latency(TypedDict):
    p50_ms: float
    p99_ms: float
    mean_ms: float
    count: int


class CeleryRun(TypedDict):
    """One queue drain by one worker process, and the round trips when they were timed."""

    jobs_per_s: float
    drained: int
    round_trip: NotRequired[Latency]
    queued_to_finished: NotRequired[Latency]
    how: str


class Celery(TypedDict, total=False):
    """Either all the figures or `skipped` with the reason."""

    skipped: str
    service: CeleryRun
    floor: CeleryRun
    floor_at_least_once: CeleryRun  # absent from results written before it was measured
    jobs_per_s_ratio_at_least_once: float | None
    jobs_per_s_ratio: float | None
    p50_ratio: float | None
    p99_ratio: float | None


class LayerTime(TypedDict):
    seconds: float
    result: str


class Target(TypedDict):
    target: str
    value: float | None
    met: bool


class MiddlewareRow(TypedDict):
    """`/health/live` on 1 worker with one layer removed."""

    removed: str
    rps: float
    p99_ms: float


class TracingRow(TypedDict):
    """One scenario against the traced bake (tracing.py), off or at one sampling ratio."""

    variant: str
    scenario: str
    connections: int
    rps: float
    p50_ms: float
    p99_ms: float
    errors: int
    # What the variant's sink received over the whole tracing part (every scenario): OTLP requests.
    exports: int
    exported_kib: float


class LiveSide(TypedDict):
    """Connect + one event round trips on one server (live.py): the whole, and its two halves."""

    round_trips: int
    p50_ms: float
    p99_ms: float
    connect_p50_ms: float
    connect_p99_ms: float
    event_p50_ms: float
    event_p99_ms: float


class Live(TypedDict):
    """A bake with use_websockets=true and the floor's WebSocket route, side by side."""

    how: str
    workers: int
    service: LiveSide
    floor: LiveSide
    p50_ratio: float | None
    p99_ratio: float | None


class ImportStep(TypedDict):
    step: str
    rss_mib: float
    modules: int


class Results(TypedDict):
    """The whole document; the keys after `settings` are filled in as the run goes."""

    date: str
    machine: Machine
    load_average_at_start: list[float]
    settings: Settings
    bake_seconds: NotRequired[float]
    project: NotRequired[str]
    install: NotRequired[Install]
    versions: NotRequired[dict[str, str | None]]
    argon2: NotRequired[Argon2]
    cold_start: NotRequired[ColdStart]
    http: NotRequired[list[PairRow]]
    # The same scenarios on 1 worker with LOG_LEVEL=WARNING: what the access line costs.
    quiet_logs: NotRequired[list[PairRow]]
    middleware_ab: NotRequired[list[MiddlewareRow]]
    # A bake with use_opentelemetry=true: tracing off, then sampled at 0.1 and 1.0 (tracing.py).
    tracing: NotRequired[list[TracingRow]]
    # A bake with use_websockets=true: connect + one event round trip, and the floor's (live.py).
    live: NotRequired[Live]
    rss_mib: NotRequired[dict[str, list[float]]]
    # The RSS of a fresh process after each import, in the production venv (memory.py).
    rss_by_import: NotRequired[list[ImportStep]]
    celery: NotRequired[Celery]
    template_layers: NotRequired[dict[str, LayerTime]]
    template_layers_date: NotRequired[str]
    load_average_at_end: NotRequired[list[float]]
    targets: NotRequired[list[Target]]


def check(value: Any, kind: Any, where: str = "results") -> None:
    """Raise ValueError where `value` does not have the keys and shapes that `kind` describes."""
    if typing.is_typeddict(kind):
        if not isinstance(value, dict):
            raise ValueError(f"{where}: expected an object, got {type(value).__name__}")
        hints = typing.get_type_hints(kind)
        missing = kind.__required_keys__ - value.keys()
        unknown = value.keys() - hints.keys()
        if missing or unknown:
            raise ValueError(f"{where}: missing {sorted(missing)}, unknown {sorted(unknown)}")
        for key, item in value.items():
            check(item, hints[key], f"{where}.{key}")
        return
    origin, args = typing.get_origin(kind), typing.get_args(kind)
    if origin in (typing.Union, types.UnionType):
        for option in args:
            try:
                check(value, option, where)
                return
            except ValueError:
                continue
        raise ValueError(f"{where}: {value!r} is none of {kind}")
    if origin is list:
        if not isinstance(value, list):
            raise ValueError(f"{where}: expected a list")
        for index, item in enumerate(value):
            check(item, args[0], f"{where}[{index}]")
    elif origin is dict:
        if not isinstance(value, dict):
            raise ValueError(f"{where}: expected an object")
        for key, item in value.items():
            check(item, args[1], f"{where}.{key}")
    elif kind is float:
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise ValueError(f"{where}: expected a number, got {value!r}")
    elif kind is type(None):
        if value is not None:
            raise ValueError(f"{where}: expected null, got {value!r}")
    elif isinstance(kind, type) and (
        not isinstance(value, kind) or isinstance(value, bool) != (kind is bool)
    ):
        raise ValueError(f"{where}: expected {kind.__name__}, got {value!r}")


def parse(text: str) -> Results:
    data = json.loads(text)
    check(data, Results)
    return cast(Results, data)


def load(path: Path) -> Results:
    return parse(path.read_text())


def dumps(results: Results) -> str:
    return json.dumps(results, indent=2) + "\n"


def save(results: Results, path: Path) -> None:
    path.write_text(dumps(results))
