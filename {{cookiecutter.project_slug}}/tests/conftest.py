{%- set test_env = 'db' in cookiecutter | features or 'redis' in cookiecutter | features -%}
{% if 'db' not in cookiecutter | features -%}
"""Fixtures: the application, started, and an HTTP client that calls it in-process."""
{%- else -%}
"""Fixtures: a real {% if 'sqlite' in cookiecutter | features %}SQLite{% else %}PostgreSQL{% endif %} test database, migrated once; each test in a rolled-back SAVEPOINT.
{%- if 'sqlite' in cookiecutter | features %}

The test database is TEST_DATABASE_URL (one file per pytest-xdist worker), or a fresh SQLite
file in a temporary folder that is removed at exit. The app code commits normally: its session
joins the test's outer transaction with `join_transaction_mode="create_savepoint"`, so every
commit releases a SAVEPOINT and nothing survives the test. (SQLite SAVEPOINTs need the BEGIN
handling `core.db` sets up on the engine.)
{%- else %}

The test database is TEST_DATABASE_URL, or DATABASE_URL's database with a `_test` suffix; under
pytest-xdist each worker has its own (`<name>_gw0`, ...), created when missing. The app code
commits normally: its session joins the test's outer transaction with
`join_transaction_mode="create_savepoint"`, so every commit releases a SAVEPOINT and nothing
survives the test.
{%- endif %}
"""
{%- endif %}

from __future__ import annotations

{% if 'postgresql' in cookiecutter | features -%}
import asyncio
{% endif -%}
{% if 'sqlite' in cookiecutter | features -%}
import atexit
{% endif -%}
import os
import secrets
{%- if 'sqlite' in cookiecutter | features %}
import shutil
import tempfile
{%- endif %}
{%- if 'auth' in cookiecutter | features or 'redis' in cookiecutter | features %}
import uuid
{%- endif %}
from collections.abc import AsyncIterator{% if 'email' in cookiecutter | features %}, Iterator{% endif %}
{%- if 'auth' in cookiecutter | features %}
from datetime import timedelta
{%- endif %}
{%- if test_env %}
from pathlib import Path
{%- endif %}

import pytest
{%- if 'db' in cookiecutter | features %}
from alembic import command
from alembic.config import Config
{%- endif %}
from asgi_lifespan import LifespanManager
from fastapi import FastAPI
from httpx import ASGITransport, AsyncClient{% if 'auth' in cookiecutter | features %}, Response{% endif %}
{%- if test_env %}
from pydantic_settings import BaseSettings, SettingsConfigDict
{%- endif %}
{%- if 'postgresql' in cookiecutter | features %}
from sqlalchemy import text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, create_async_engine
{%- elif 'sqlite' in cookiecutter | features %}
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession
{%- endif %}

from {{ cookiecutter.package_name }}.core.config import Settings, get_settings{% if 'db' in cookiecutter | features %}, normalise_database_url{% endif %}
{%- if 'test_servers' in cookiecutter | features %}
from tests import local_servers
{%- endif %}
{%- if 'email' in cookiecutter | features %}
from tests.smtp_sink import Mailbox, SmtpSink, bind_local_socket
{%- endif %}

# pytest-xdist names each worker process (gw0, gw1, ...); empty without xdist and in its controller.
XDIST_WORKER = os.environ.get("PYTEST_XDIST_WORKER", "")
{%- if test_env %}

PROJECT_ROOT = Path(__file__).resolve().parent.parent
{%- if 'email' in cookiecutter | features %}
# The tests' SMTP server listens here (fixture `smtp_sink`); bound now, so SMTP_PORT can name it.
SMTP_SINK_SOCKET = bind_local_socket()
{%- endif %}


class TestEnvironment(BaseSettings):
    """TEST_* variables, from the environment or `.env`."""

    model_config = SettingsConfigDict(env_file=PROJECT_ROOT / ".env", extra="ignore")
{% if 'db' in cookiecutter | features %}
    test_database_url: str = ""
{%- endif %}
{%- if 'redis' in cookiecutter | features %}
    test_redis_url: str = ""
{%- endif %}
{%- endif %}


{%- if 'db' in cookiecutter | features %}


def _database_of_this_worker(url: str) -> str:
    """`url`, or under pytest-xdist its per-worker twin, so workers never share rows."""
    if not XDIST_WORKER:
        return url
    parsed = make_url(url)
    name = parsed.database or ""
{%- if 'sqlite' in cookiecutter | features %}
    path = Path(name)
    parsed = parsed.set(database=str(path.with_stem(f"{path.stem}_{XDIST_WORKER}")))
{%- else %}
    parsed = parsed.set(database=f"{name}_{XDIST_WORKER}")
{%- endif %}
    return parsed.render_as_string(hide_password=False)
{%- endif %}


def _configure_test_environment() -> None:
    # Runs at import, before anything reads the settings: the app under test must never see
    # the development {% if 'db' in cookiecutter | features %}database{% else %}settings{% endif %}.
{%- if test_env %}
    env = TestEnvironment()
{%- endif %}
{%- if 'test_servers' in cookiecutter | features %}
    missing = local_servers.Missing()
{%- endif %}
{%- if 'sqlite' in cookiecutter | features %}
    if env.test_database_url:
        url = _database_of_this_worker(normalise_database_url(env.test_database_url))
    else:
        # A folder per process: each xdist worker makes its own.
        folder = tempfile.mkdtemp(prefix="{{ cookiecutter.package_name }}-test-")
        atexit.register(shutil.rmtree, folder, ignore_errors=True)
        url = f"sqlite+aiosqlite:///{folder}/test.db"
    os.environ["DATABASE_URL"] = url
{%- elif 'db' in cookiecutter | features %}
    if env.test_database_url:
        url = normalise_database_url(env.test_database_url)
        url = local_servers.resolve(
            "PostgreSQL", url, "TEST_DATABASE_URL", None, missing, set_variable="TEST_DATABASE_URL"
        )
    else:
        base = make_url(Settings().database_url)
        database = f"{base.database}_test"
        url = base.set(database=database).render_as_string(hide_password=False)
        start = lambda: local_servers.start_postgres(database)  # noqa: E731
        url = local_servers.resolve(
            "PostgreSQL", url, "DATABASE_URL", start, missing, set_variable="TEST_DATABASE_URL"
        )
    # xdist workers inherit the environment: they use this server rather than start their own.
    os.environ["TEST_DATABASE_URL"] = url
    os.environ["DATABASE_URL"] = _database_of_this_worker(url)
{%- endif %}
{%- if 'redis' in cookiecutter | features %}
    if env.test_redis_url:
        given = env.test_redis_url
        redis_url = local_servers.resolve(
            "Redis", given, "TEST_REDIS_URL", None, missing, set_variable="TEST_REDIS_URL"
        )
    else:
        redis_url = local_servers.resolve(
            "Redis",
            Settings().redis_url,
            "REDIS_URL",
            local_servers.start_redis,
            missing,
            set_variable="TEST_REDIS_URL",
        )
    os.environ["TEST_REDIS_URL"] = redis_url
    os.environ["REDIS_URL"] = redis_url
{%- endif %}
{%- if 'broker_rabbitmq' in cookiecutter | features %}
    # RabbitMQ takes seconds to start and is rarely installed: it is found, never started.
    broker_url = Settings().celery_broker_url
    local_servers.resolve(
        "RabbitMQ", broker_url, "CELERY_BROKER_URL", None, missing, set_variable="CELERY_BROKER_URL"
    )
{%- endif %}
{%- if 'test_servers' in cookiecutter | features %}
    if missing.services:
        STOP_LINES.append(missing.line())
{%- endif %}
    os.environ["ENVIRONMENT"] = "test"
    os.environ["DEBUG"] = "false"
{%- if 'auth' in cookiecutter | features %}
    # A strong key, whatever .env holds: PyJWT warns about short keys and warnings are errors.
{%- else %}
    # A strong key, whatever .env holds.
{%- endif %}
    os.environ["SECRET_KEY"] = secrets.token_hex(32)
{%- if 'auth' in cookiecutter | features %}
    # The cheapest argon2id costs argon2 accepts: every hash and check is still real argon2id,
    # in microseconds instead of 0.1 s. Production refuses them (test_auth.py).
    os.environ["PASSWORD_HASH_TIME_COST"] = "1"
    os.environ["PASSWORD_HASH_MEMORY_KIB"] = "8"
    os.environ["PASSWORD_HASH_PARALLELISM"] = "1"
{%- endif %}
{%- if 'sentry' in cookiecutter | features %}
    # Tests never report to the Sentry project in .env; test_sentry.py runs its own local sink.
    os.environ["SENTRY_DSN"] = ""
{%- endif %}
{%- if 'email' in cookiecutter | features %}
    # Every email goes to the tests' own SMTP server, whatever .env says.
    os.environ["SMTP_HOST"] = "127.0.0.1"
    os.environ["SMTP_PORT"] = str(SMTP_SINK_SOCKET.getsockname()[1])
    os.environ["SMTP_TLS"] = "none"
    os.environ["SMTP_USER"] = ""
    os.environ["SMTP_PASSWORD"] = ""
{%- endif %}
    get_settings.cache_clear()

{%- if 'test_servers' in cookiecutter | features %}


# Filled when a server the tests need is missing: the run then stops with that one line, before
# any test runs (pytest_configure), instead of failing every test with a connection error.
STOP_LINES: list[str] = []


def pytest_configure(config: pytest.Config) -> None:
{%- if 'broker_rabbitmq' in cookiecutter | features %}
    # pytest-xdist workers would share the RabbitMQ queues: one worker's Celery consumer would
    # take the tasks of another's tests. (On Redis each xdist worker has its own queues.)
    if len(getattr(config.option, "tx", None) or []) > 1:  # the xdist workers to start
        STOP_LINES.append(
            "The tests' Celery queues on RabbitMQ cannot be split between pytest-xdist workers; "
            "run them in one process (-n 0)."
        )
{%- endif %}
    if STOP_LINES:
{%- if 'email' in cookiecutter | features %}
        SMTP_SINK_SOCKET.close()
{%- endif %}
        pytest.exit(STOP_LINES[0], returncode=pytest.ExitCode.USAGE_ERROR)
{%- endif %}


_configure_test_environment()

{% if 'cookie' in cookiecutter | features -%}
from {{ cookiecutter.package_name }}.auth.cookies import ACCESS_COOKIE, REFRESH_COOKIE  # noqa: E402
from {{ cookiecutter.package_name }}.core.csrf import CSRF_COOKIE, CSRF_HEADER  # noqa: E402
{% endif -%}
{% if 'db' in cookiecutter | features -%}
from {{ cookiecutter.package_name }}.core.db import create_engine, get_session  # noqa: E402
{% endif -%}
from {{ cookiecutter.package_name }}.core.logging import configure_logging  # noqa: E402
{% if 'auth' in cookiecutter | features -%}
from {{ cookiecutter.package_name }}.core.security import create_token, hash_password  # noqa: E402
{% endif -%}
from {{ cookiecutter.package_name }}.main import create_app  # noqa: E402
{%- if 'auth' in cookiecutter | features %}
from {{ cookiecutter.package_name }}.users.models import User  # noqa: E402
{%- endif %}
{%- if 'broker_redis' in cookiecutter | features %}
from {{ cookiecutter.package_name }}.worker.app import celery_app  # noqa: E402
{%- endif %}
{%- if 'auth' in cookiecutter | features %}

PASSWORD = "correct-horse-battery-staple"
{%- if 'cookie' in cookiecutter | features %}
# The CSRF pair a page of the service's own front end holds after GET /auth/csrf; `client_for`
# sends it with every request. The tests of the CSRF check itself use bare clients.
CSRF_TOKEN = secrets.token_urlsafe(32)
{%- endif %}
{%- endif %}
{%- if 'broker_redis' in cookiecutter | features %}

# The tests' Celery workers wait at most 0.1 s for a message (kombu's default is 1 s), so
# stopping one at the end of a module takes no longer than that.
celery_app.conf.broker_transport_options = {
    **celery_app.conf.broker_transport_options,
    "polling_interval": 0.1,
}
if XDIST_WORKER:
    # Celery queues of their own per xdist worker on the shared Redis; otherwise one worker's
    # consumer would take the tasks another worker's tests publish. kombu puts this prefix on
    # every key it uses (queues, unacknowledged messages, bindings).
    celery_app.conf.broker_transport_options["global_keyprefix"] = f"{XDIST_WORKER}:"
{%- endif %}
{%- if 'postgresql' in cookiecutter | features %}


async def _create_database_if_missing(url: str) -> None:
    target = make_url(url)
    admin = create_async_engine(target.set(database="postgres"), isolation_level="AUTOCOMMIT")
    try:
        async with admin.connect() as connection:
            exists = await connection.scalar(
                text("SELECT 1 FROM pg_database WHERE datname = :name"),
                {"name": target.database},
            )
            if not exists:
                await connection.execute(text(f'CREATE DATABASE "{target.database}"'))
    finally:
        await admin.dispose()
{%- endif %}
{%- if 'db' in cookiecutter | features %}


@pytest.fixture(scope="session")
def migrated_database() -> str:
    """{% if 'postgresql' in cookiecutter | features %}Create the test database if needed and run{% else %}Run{% endif %} `alembic upgrade head` once per session."""
    url = get_settings().database_url
{%- if 'postgresql' in cookiecutter | features %}
    asyncio.run(_create_database_if_missing(url))
{%- endif %}
    config = Config(str(PROJECT_ROOT / "alembic.ini"))
    config.attributes["configure_logger"] = False
    command.upgrade(config, "head")
    return url


@pytest.fixture(scope="session")
async def engine(migrated_database: str) -> AsyncIterator[AsyncEngine]:
    """One engine for the whole session, on the migrated test database (the app's own setup)."""
    engine = create_engine(get_settings())
    yield engine
    await engine.dispose()


@pytest.fixture
async def session(engine: AsyncEngine) -> AsyncIterator[AsyncSession]:
    """A session inside an outer transaction that is rolled back after the test."""
    async with engine.connect() as connection:
        transaction = await connection.begin()
        session = AsyncSession(
            bind=connection,
            join_transaction_mode="create_savepoint",
            expire_on_commit=False,
            autoflush=False,
        )
        try:
            yield session
        finally:
            await session.close()
            await transaction.rollback()
{%- endif %}


@pytest.fixture
def settings() -> Settings:
{%- if 'redis' in cookiecutter | features %}
    """Test settings; a fresh Redis key prefix per test keeps rate-limit counters apart."""
    return get_settings().model_copy(update={"redis_key_prefix": f"test-{uuid.uuid4().hex}:"})
{%- else %}
    """Test settings: a copy, so a test may change a value without leaking it into the next."""
    return get_settings().model_copy()
{%- endif %}


# What may differ between the `settings` of two tests that share the started app: what the app
# reads from `app.state.settings` per request{% if 'auth' in cookiecutter | features %} (the status cache is made on first use, per test){% endif %}.
PER_TEST_SETTINGS: set[str] = set()
{%- if 'redis' in cookiecutter | features %}
PER_TEST_SETTINGS.add("redis_key_prefix")
{%- endif %}
{%- if 'auth' in cookiecutter | features %}
PER_TEST_SETTINGS.add("auth_status_cache_seconds")
{%- endif %}


@pytest.fixture(scope="session")
async def started_app() -> AsyncIterator[FastAPI]:
    """One application per test process, started once, that the `app` fixture lends to each test.

    FastAPI builds an app's routes on its first request, a tenth of a second that a fresh app per
    test paid again every time.
    """
    application = create_app(get_settings().model_copy())
    async with LifespanManager(application):
        yield application


@pytest.fixture
{%- if 'db' in cookiecutter | features %}
async def app(
    started_app: FastAPI, settings: Settings, session: AsyncSession
) -> AsyncIterator[FastAPI]:
    """The started application, with this test's settings and bound to the test session."""
{%- else %}
async def app(started_app: FastAPI, settings: Settings) -> AsyncIterator[FastAPI]:
    """The started application, with this test's settings."""
{%- endif %}
    built_with = started_app.state.settings.model_dump(exclude=PER_TEST_SETTINGS)
    wanted = settings.model_dump(exclude=PER_TEST_SETTINGS)
    differ = sorted(name for name, value in wanted.items() if built_with[name] != value)
    # The app was built with the process's settings; other ones need an app of their own.
    assert not differ, f"settings {differ} differ from the started app's: use create_app(settings)"
    state_before = dict(started_app.state._state)
    # What create_app(settings) does besides building the app: a production app made by an
    # earlier test must not leave its log format behind.
    configure_logging(settings)
    started_app.state.settings = settings  # what the routes read (`SettingsDep`)
    started_app.dependency_overrides[get_settings] = lambda: settings
{%- if 'db' in cookiecutter | features %}

    async def test_session() -> AsyncIterator[AsyncSession]:
        yield session

    started_app.dependency_overrides[get_session] = test_session
{%- endif %}
    try:
        yield started_app
    finally:
        started_app.dependency_overrides.clear()
        started_app.state._state.clear()
        started_app.state._state.update(state_before)


def client_for(app: FastAPI, base_url: str = "http://test") -> AsyncClient:
    """An HTTP client that calls `app` in-process{% if 'cookie' in cookiecutter | features %}, with the CSRF cookie and header{% endif %}."""
    return AsyncClient(
        transport=ASGITransport(app=app),
        base_url=base_url,
{%- if 'cookie' in cookiecutter | features %}
        cookies={CSRF_COOKIE: CSRF_TOKEN},
        headers={CSRF_HEADER: CSRF_TOKEN},
{%- endif %}
    )


@pytest.fixture
async def client(app: FastAPI) -> AsyncIterator[AsyncClient]:
    """An HTTP client that calls the app in-process."""
    async with client_for(app) as http:
        yield http
{%- if 'email' in cookiecutter | features %}


@pytest.fixture(scope="session", autouse=True)
def smtp_sink() -> Iterator[SmtpSink]:
    """A real SMTP server (aiosmtpd) at SMTP_HOST:SMTP_PORT for the session: mail lands here."""
    sink = SmtpSink(SMTP_SINK_SOCKET).start()
    yield sink
    sink.stop()


def pytest_unconfigure(config: pytest.Config) -> None:
    # The xdist controller binds the socket too (this module runs there) but runs no sink.
    SMTP_SINK_SOCKET.close()


@pytest.fixture
def mailbox(smtp_sink: SmtpSink) -> Mailbox:
    """The messages the SMTP server accepted, emptied before the test."""
    smtp_sink.mailbox.clear()
    return smtp_sink.mailbox
{%- endif %}
{%- if 'auth' in cookiecutter | features %}


@pytest.fixture(scope="session")
def password_hash() -> str:
    """The hash of `PASSWORD`, computed once: argon2 is slow on purpose."""
    return hash_password(PASSWORD)


async def _make_user(session: AsyncSession, password_hash: str, *, is_superuser: bool) -> User:
    user = User(
        email=f"user-{uuid.uuid4().hex[:12]}@example.com",
        hashed_password=password_hash,
        is_superuser=is_superuser,
    )
    session.add(user)
    await session.commit()
    return user


@pytest.fixture
async def user(session: AsyncSession, password_hash: str) -> User:
    """A regular, active user whose password is `PASSWORD`."""
    return await _make_user(session, password_hash, is_superuser=False)


@pytest.fixture
async def other_user(session: AsyncSession, password_hash: str) -> User:
    """A second regular user."""
    return await _make_user(session, password_hash, is_superuser=False)


@pytest.fixture
async def superuser(session: AsyncSession, password_hash: str) -> User:
    """An administrator."""
    return await _make_user(session, password_hash, is_superuser=True)


def access_headers(token: str) -> dict[str, str]:
    """How a client presents an access token: {% if 'cookie' in cookiecutter | features %}the access cookie, beside the CSRF cookie (a
    browser sends both; an explicit Cookie header replaces the client's cookie jar){% else %}the `Authorization: Bearer` header{% endif %}."""
{%- if 'cookie' in cookiecutter | features %}
    return {"Cookie": f"{ACCESS_COOKIE}={token}; {CSRF_COOKIE}={CSRF_TOKEN}"}
{%- else %}
    return {"Authorization": f"Bearer {token}"}
{%- endif %}


def auth_headers(
    user: User, settings: Settings, *, expires_in: timedelta | None = None
) -> dict[str, str]:
    """Credentials of `user`, with a fresh access token."""
    token, _ = create_token(
        str(user.id),
        "access",
        secret_key=settings.secret_key,
        expires_in=expires_in or timedelta(minutes=5),
    )
    return access_headers(token)


async def post_login(client: AsyncClient, email: str, password: str = PASSWORD) -> Response:
    """`POST /auth/login` with the OAuth2 password form."""
    return await client.post("/api/v1/auth/login", data={"username": email, "password": password})


def issued_tokens(response: Response) -> tuple[str, str]:
    """The access and the refresh token that a login or refresh answer hands out."""
{%- if 'cookie' in cookiecutter | features %}
    return response.cookies[ACCESS_COOKIE], response.cookies[REFRESH_COOKIE]
{%- else %}
    body = response.json()
    return body["access_token"], body["refresh_token"]
{%- endif %}


async def post_with_refresh_token(client: AsyncClient, path: str, token: str) -> Response:
    """`POST` to /auth/refresh or /auth/logout, presenting `token` as the client would."""
{%- if 'cookie' in cookiecutter | features %}
    cookies = f"{REFRESH_COOKIE}={token}; {CSRF_COOKIE}={CSRF_TOKEN}"
    return await client.post(path, headers={"Cookie": cookies})
{%- else %}
    return await client.post(path, json={"refresh_token": token})
{%- endif %}


@pytest.fixture
def user_headers(user: User, settings: Settings) -> dict[str, str]:
    return auth_headers(user, settings)


@pytest.fixture
def other_user_headers(other_user: User, settings: Settings) -> dict[str, str]:
    return auth_headers(other_user, settings)


@pytest.fixture
def superuser_headers(superuser: User, settings: Settings) -> dict[str, str]:
    return auth_headers(superuser, settings)
{%- endif %}
