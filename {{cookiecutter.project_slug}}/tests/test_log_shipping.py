"""The JSON lines the service writes in production are what fluent-bit's parser expects.

Docker's fluentd log driver hands fluent-bit each line as the `log` field; the parser in
deploy/fluent-bit/fluent-bit.yaml decodes it as JSON and reads the time from `time_key`.
"""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
import yaml
from httpx import ASGITransport, AsyncClient

from {{ cookiecutter.package_name }}.core.config import Settings
from {{ cookiecutter.package_name }}.core.logging import configure_logging
from {{ cookiecutter.package_name }}.main import create_app

CONFIG = Path(__file__).resolve().parent.parent / "deploy" / "fluent-bit" / "fluent-bit.yaml"


def fluent_bit_parser() -> dict[str, Any]:
    """The parser that the `parser` filter applies to the `log` field."""
    config = yaml.safe_load(CONFIG.read_text())
    (log_filter,) = [f for f in config["pipeline"]["filters"] if f["name"] == "parser"]
    assert log_filter["key_name"] == "log"
    (parser,) = [p for p in config["parsers"] if p["name"] == log_filter["parser"]]
    assert parser["format"] == "json"
    return dict(parser)


def as_strptime(fluent_bit_format: str) -> str:
    # fluent-bit's %L is the fraction of a second, which Python spells %f.
    return fluent_bit_format.replace("%L", "%f")


async def production_lines(
    settings: Settings, capsys: pytest.CaptureFixture[str]
) -> list[dict[str, Any]]:
    """Serve two requests (one fails) in production mode; return every stderr line, decoded."""
    production = settings.model_copy(update={"environment": "production"})
    app = create_app(production)

    @app.get("/boom")
    async def boom() -> None:
        raise RuntimeError("multi\nline")

    capsys.readouterr()
    try:
        async with AsyncClient(transport=ASGITransport(app=app), base_url="http://t") as client:
            await client.get("/health/live", headers={"X-Request-ID": "ship-me"})
            await client.get("/boom")
        err = capsys.readouterr().err
    finally:
        configure_logging(settings)
    # Every line must be one JSON object: fluent-bit receives one record per line.
    return [json.loads(line) for line in err.splitlines() if line.strip()]


async def test_production_lines_parse_with_the_fluent_bit_parser(
    settings: Settings, capsys: pytest.CaptureFixture[str]
) -> None:
    parser = fluent_bit_parser()
    records = await production_lines(settings, capsys)
    (record,) = [r for r in records if r.get("event") == "request" and r["request_id"] == "ship-me"]
    assert {"level", "logger", "method", "path", "status"} <= set(record)
    assert record["level"] == "info"
    assert record["status"] == 200
    for line in records:
        stamp = datetime.strptime(line[parser["time_key"]], as_strptime(parser["time_format"]))
        assert stamp.year >= 2024


async def test_a_traceback_stays_inside_one_record(
    settings: Settings, capsys: pytest.CaptureFixture[str]
) -> None:
    records = await production_lines(settings, capsys)
    (failure,) = [r for r in records if r.get("event") == "unhandled_exception"]
    assert failure["level"] == "error"
    assert "Traceback" in failure["exception"]
    assert "RuntimeError: multi\nline" in failure["exception"]
