"""A job run by a real Celery worker pushes its state changes to its owner's socket.

`POST /api/v1/jobs` on a real server announces `queued`; the worker, in a thread of this process
on the real broker, announces `running` and `succeeded`, over Redis.
"""

from __future__ import annotations

import uuid

import httpx
import pytest
from sqlalchemy import delete
from sqlalchemy.ext.asyncio import AsyncEngine

from {{ cookiecutter.package_name }}.jobs.models import Job
from tests.fixtures.live import LiveServer, Member, next_message, open_socket


@pytest.mark.usefixtures("worker")
async def test_a_job_pushes_its_states_to_its_owner(
    live_server: LiveServer, member: Member, api_engine: AsyncEngine
) -> None:
    client, _ = await open_socket(live_server.url, member)
    async with client:
        headers = {**member.headers, "Idempotency-Key": uuid.uuid4().hex}
        async with httpx.AsyncClient(base_url=live_server.url, headers=headers) as http:
            response = await http.post("/api/v1/jobs", json={})
        assert response.status_code == 202, response.text
        job_id = response.json()["id"]
        states: list[str] = []
        while not states or states[-1] not in {"succeeded", "failed"}:
            message = await next_message(client, "job")
            assert message["data"]["id"] == job_id
            states.append(message["data"]["state"])
    async with api_engine.begin() as connection:
        await connection.execute(delete(Job).where(Job.id == uuid.UUID(job_id)))
    assert states == ["queued", "running", "succeeded"]
