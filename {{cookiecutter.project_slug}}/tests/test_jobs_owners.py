"""Jobs of a service with users: each belongs to the user who asked for it.

The owner-free contract is in `test_jobs.py`; here are the tests that need a second user or none.
"""

from __future__ import annotations

from httpx import AsyncClient
from sqlalchemy.ext.asyncio import AsyncSession

from {{ cookiecutter.package_name }}.users.models import User
from tests.fixtures.jobs import JOBS, SentJobs, add_job, key


async def test_keys_are_scoped_to_their_owner(
    client: AsyncClient,
    headers: dict[str, str],
    other_user_headers: dict[str, str],
    sent: SentJobs,
) -> None:
    idempotency = key()
    mine = await client.post(JOBS, json={}, headers={**headers, **idempotency})
    theirs = await client.post(JOBS, json={}, headers={**other_user_headers, **idempotency})
    assert theirs.status_code == 202
    assert theirs.json()["id"] != mine.json()["id"]


async def test_enqueueing_needs_a_user(client: AsyncClient, sent: SentJobs) -> None:
    response = await client.post(JOBS, json={}, headers=key())
    assert response.status_code == 401


async def test_another_users_job_is_not_found(
    client: AsyncClient, session: AsyncSession, other_user: User, headers: dict[str, str]
) -> None:
    job = await add_job(session, owner_id=other_user.id)
    response = await client.get(f"{JOBS}/{job.id}", headers=headers)
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "job_not_found"
