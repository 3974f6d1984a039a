"""`/metrics`: Prometheus text, labelled by route template, and bounded against scanners.

That several uvicorn workers report one total (PROMETHEUS_MULTIPROC_DIR) is checked by the
template's runtime tests, which serve this project with `uvicorn --workers 2`.
"""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from asgi_lifespan import LifespanManager
from fastapi import FastAPI
from httpx import ASGITransport, AsyncClient
from prometheus_client.parser import text_string_to_metric_families
from pydantic import ValidationError

from {{ cookiecutter.package_name }}.core.config import Settings
from {{ cookiecutter.package_name }}.core.metrics import METRICS_PATH
from {{ cookiecutter.package_name }}.main import create_app
from tests.helpers import production

WIDGET_ROUTE = "/api/v1/widgets/{widget_id}"
BROKEN_WIDGET = 13


def requests_by_handler(exposition: str) -> dict[tuple[str, str, str], float]:
    """`http_requests_total` as {(handler, method, status): count}."""
    counts: dict[tuple[str, str, str], float] = {}
    for family in text_string_to_metric_families(exposition):
        for sample in family.samples:
            if sample.name == "http_requests_total":
                labels = sample.labels
                counts[(labels["handler"], labels["method"], labels["status"])] = sample.value
    return counts


@pytest.fixture
async def metrics_client(settings: Settings) -> AsyncIterator[AsyncClient]:
    app: FastAPI = create_app(settings)

    @app.get("/api/v1/widgets/{widget_id}")
    async def read_widget(widget_id: int) -> dict[str, int]:
        if widget_id == BROKEN_WIDGET:
            raise RuntimeError("this widget breaks")
        return {"id": widget_id}

    async with (
        LifespanManager(app),
        AsyncClient(transport=ASGITransport(app=app), base_url="http://t") as client,
    ):
        yield client


async def test_metrics_are_prometheus_text(metrics_client: AsyncClient) -> None:
    response = await metrics_client.get(METRICS_PATH)
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/plain; version=")
    names = {family.name for family in text_string_to_metric_families(response.text)}
    assert {"http_requests", "http_request_duration_seconds", "process_cpu_seconds"} <= names


async def test_requests_are_labelled_by_route_template(metrics_client: AsyncClient) -> None:
    for widget_id in (1, 2):
        assert (await metrics_client.get(f"/api/v1/widgets/{widget_id}")).status_code == 200
    assert (await metrics_client.get("/health/live")).status_code == 200

    exposition = (await metrics_client.get(METRICS_PATH)).text
    counts = requests_by_handler(exposition)
    assert counts[(WIDGET_ROUTE, "GET", "200")] == 2
    assert counts[("/health/live", "GET", "200")] == 1
    assert "/api/v1/widgets/1" not in exposition
    assert "/api/v1/widgets/2" not in exposition
    # /metrics does not count its own scrapes.
    assert not [key for key in counts if key[0] == METRICS_PATH]


async def test_every_answer_is_counted_and_timed_with_its_status(
    metrics_client: AsyncClient,
) -> None:
    assert (await metrics_client.get("/api/v1/widgets/1")).status_code == 200
    assert (await metrics_client.get("/api/v1/widgets/x")).status_code == 422
    assert (await metrics_client.get(f"/api/v1/widgets/{BROKEN_WIDGET}")).status_code == 500

    exposition = (await metrics_client.get(METRICS_PATH)).text
    counts = requests_by_handler(exposition)
    statuses = {key[2]: value for key, value in counts.items() if key[0] == WIDGET_ROUTE}
    assert statuses == {"200": 1.0, "422": 1.0, "500": 1.0}
    timed = [
        sample.value
        for family in text_string_to_metric_families(exposition)
        for sample in family.samples
        if sample.name == "http_request_duration_seconds_count"
        and sample.labels == {"handler": WIDGET_ROUTE, "method": "GET"}
    ]
    assert timed == [3.0]


async def test_unmatched_paths_share_one_label(metrics_client: AsyncClient) -> None:
    before = set(requests_by_handler((await metrics_client.get(METRICS_PATH)).text))
    for path in ("/wp-admin/setup.php", "/api/v1/nope/1", "/api/v1/nope/2", "/.env"):
        assert (await metrics_client.get(path)).status_code == 404

    counts = requests_by_handler((await metrics_client.get(METRICS_PATH)).text)
    assert set(counts) - before == {("none", "GET", "404")}
    assert counts[("none", "GET", "404")] == 4


async def test_apps_do_not_share_counters(settings: Settings) -> None:
    app = create_app(settings)
    async with AsyncClient(transport=ASGITransport(app=app), base_url="http://t") as client:
        assert requests_by_handler((await client.get(METRICS_PATH)).text) == {}


METRICS_TOKEN = "m" * 40


async def test_metrics_token_refuses_anonymous_and_wrong_scrapes(settings: Settings) -> None:
    """With METRICS_TOKEN set (Kubernetes, Heroku, Render), only its bearer may scrape."""
    app = create_app(settings.model_copy(update={"metrics_token": METRICS_TOKEN}))
    async with AsyncClient(transport=ASGITransport(app=app), base_url="http://t") as client:
        anonymous = await client.get(METRICS_PATH)
        assert anonymous.status_code == 401
        assert anonymous.headers["WWW-Authenticate"] == "Bearer"
        assert anonymous.json()["error"]["code"] == "unauthorized"
        assert "http_requests_total" not in anonymous.text

        for authorization in (f"Bearer {METRICS_TOKEN[:-1]}x", f"Basic {METRICS_TOKEN}", "Bearer"):
            refused = await client.get(METRICS_PATH, headers={"Authorization": authorization})
            assert refused.status_code in {401, 403}, authorization
            assert refused.json()["error"]["request_id"] == refused.headers["X-Request-ID"]
            assert "process_cpu_seconds" not in refused.text
        wrong = await client.get(METRICS_PATH, headers={"Authorization": "Bearer wrong"})
        assert wrong.status_code == 403
        assert wrong.json()["error"]["code"] == "forbidden"

        assert (await client.get("/health/live")).status_code == 200
        scrape = await client.get(
            METRICS_PATH, headers={"Authorization": f"Bearer {METRICS_TOKEN}"}
        )
        assert scrape.status_code == 200
        assert requests_by_handler(scrape.text)[("/health/live", "GET", "200")] == 1


def test_production_refuses_a_short_metrics_token() -> None:
    with pytest.raises(ValidationError, match="METRICS_TOKEN is 5 characters long"):
        production(metrics_token="short")
    assert production(metrics_token=METRICS_TOKEN).metrics_token == METRICS_TOKEN
