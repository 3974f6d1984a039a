"""The live channel: a bake with `use_websockets=true`, connect + one event round trip.

One round trip opens `/api/v1/ws` with a real token (the protocols `bearer`, <token>), reads
`ready`, creates an item over HTTP and reads its `created` event (tests/harness/live.py, which the
drill uses too). The floor is `floor_api.py`'s WebSocket route: the same protocol and answers, with
Starlette alone and in-process fan-out. Both run with 1 worker and take turns, one round trip
each, so both see the same background load. The other rows stay on the default bake: the option
adds work to every item write (an event published over Redis), which would change their meaning.
"""

from __future__ import annotations

import contextlib
from pathlib import Path

import httpx
from harness.live import RoundTrip, item_round_trip, percentiles_ms

from .report import ratio
from .results import Live, LiveSide
from .servers import started, uvicorn_args, wait_ready

WARMUP_TRIPS = 5


def side(trips: list[RoundTrip]) -> LiveSide:
    p50, p99 = percentiles_ms([trip.total_s for trip in trips])
    connect_p50, connect_p99 = percentiles_ms([trip.connect_s for trip in trips])
    event_p50, event_p99 = percentiles_ms([trip.event_s for trip in trips])
    return {
        "round_trips": len(trips),
        "p50_ms": p50,
        "p99_ms": p99,
        "connect_p50_ms": connect_p50,
        "connect_p99_ms": connect_p99,
        "event_p50_ms": event_p50,
        "event_p99_ms": event_p99,
    }


def live_round_trips(
    venv: Path,
    project: Path,
    env: dict[str, str],
    package: str,
    floor: tuple[list[str], dict[str, str], Path],
    ports: tuple[int, int],
    token: str,
    round_trips: int,
    logs: Path,
) -> Live:
    """Serve the bake with the live channel and the floor (its command, environment and folder),
    1 worker each on `ports` (service, floor); time `round_trips` round trips on each, alternating."""
    bases = {"service": f"http://127.0.0.1:{ports[0]}", "floor": f"http://127.0.0.1:{ports[1]}"}
    with contextlib.ExitStack() as running:
        commands = {
            "service": (uvicorn_args(venv, f"{package}.main:app", ports[0], 1), project, env),
            "floor": (floor[0], floor[2], floor[1]),
        }
        for name, (command, cwd, app_env) in commands.items():
            log = logs / f"live-{name}.log"
            proc = running.enter_context(started(command, cwd=cwd, env=app_env, log=log))
            wait_ready(ports[0] if name == "service" else ports[1], proc, log)
        trips: dict[str, list[RoundTrip]] = {"service": [], "floor": []}
        clients = {name: running.enter_context(httpx.Client(base_url=base)) for name, base in bases.items()}
        for number in range(WARMUP_TRIPS + round_trips):
            for name, base in bases.items():
                trip = item_round_trip(base, token, clients[name])
                if number >= WARMUP_TRIPS:
                    trips[name].append(trip)
    service, floor_side = side(trips["service"]), side(trips["floor"])
    return {
        "how": (
            "open /api/v1/ws (token as the protocols bearer, <token>), read ready, "
            "POST /api/v1/items, read its created event; 1 worker each, one at a time"
        ),
        "workers": 1,
        "service": service,
        "floor": floor_side,
        "p50_ratio": ratio(service["p50_ms"], floor_side["p50_ms"]),
        "p99_ratio": ratio(service["p99_ms"], floor_side["p99_ms"]),
    }
