"""`create-superuser`: creates an admin, promotes an existing user, refuses bad input."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Iterator

import pytest
from sqlalchemy import delete, select

from {{ cookiecutter.package_name }}.cli import main
from {{ cookiecutter.package_name }}.core.config import get_settings
from {{ cookiecutter.package_name }}.core.db import create_engine, create_session_factory
from {{ cookiecutter.package_name }}.users.models import User


async def _find(email: str) -> User | None:
    engine = create_engine(get_settings())
    try:
        async with create_session_factory(engine)() as session:
            return await session.scalar(select(User).where(User.email == email))
    finally:
        await engine.dispose()


async def _delete(email: str) -> None:
    engine = create_engine(get_settings())
    try:
        async with create_session_factory(engine)() as session:
            await session.execute(delete(User).where(User.email == email))
            await session.commit()
    finally:
        await engine.dispose()


@pytest.fixture
def email(migrated_database: str) -> Iterator[str]:
    """A unique address; the CLI commits for real, so the user is deleted afterwards."""
    address = f"admin-{uuid.uuid4().hex[:12]}@example.com"
    yield address
    asyncio.run(_delete(address))


def test_create_superuser_from_flags_then_promote(
    email: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["create-superuser", "--email", email, "--password", "a-long-password"]) == 0
    assert f"created superuser {email}" in capsys.readouterr().out
    user = asyncio.run(_find(email))
    assert user is not None
    assert user.is_superuser
{%- if 'email' in cookiecutter | features %}
    assert user.email_verified_at is not None  # may log in even with REQUIRE_VERIFIED_EMAIL
{%- endif %}

    assert main(["create-superuser", "--email", email, "--password", "ignored-password"]) == 0
    assert f"promoted superuser {email}" in capsys.readouterr().out


def test_create_superuser_from_environment(
    email: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("SUPERUSER_EMAIL", email)
    monkeypatch.setenv("SUPERUSER_PASSWORD", "a-long-password")
    assert main(["create-superuser"]) == 0
    assert "created superuser" in capsys.readouterr().out


def test_create_superuser_refuses_bad_input(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    # Empty variables override the values in .env.
    monkeypatch.setenv("SUPERUSER_EMAIL", "")
    monkeypatch.setenv("SUPERUSER_PASSWORD", "")
    with pytest.raises(SystemExit) as exc:
        main(["create-superuser"])
    assert exc.value.code == 2
    assert main(["create-superuser", "--email", "nope", "--password", "short"]) == 2
    err = capsys.readouterr().err
    assert "email" in err
    assert "password" in err
