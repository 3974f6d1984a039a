"""What the baked README lists, held as data: each list is one loop in README.md.

A row names the features its wording needs (`"!name"`: the feature is off), so the README holds one
`{% for %}` per list instead of one `{% if %}` per row. Entries about a path also drop out with
the path itself: the rule set's manifest decides that, not this file.

`hooks/filters.py` loads this module afresh from the checkout being rendered (as it loads
`rules.py`) and registers `jinja_filters`, bound to that checkout's rule set (see
`hooks/filters_extension.py` for why everything that may change is loaded afresh).
Nothing here imports a third-party package.
`tests/harness/checks.py` holds each rendered README to its bake: every variable in the table is a
field of the bake's `Settings` (with the default the table gives) or a name another file of the
bake reads, and every field has a row.
"""

from __future__ import annotations

import textwrap
from collections.abc import Callable, Mapping
from functools import partial
from pathlib import Path
from types import ModuleType
from typing import Any, NamedTuple

BAKED_TEMPLATE = Path(__file__).resolve().parent.parent / "{{cookiecutter.project_slug}}"
BAKED_PACKAGE = "src/{{cookiecutter.package_name}}"


def _holds(needs: tuple[str, ...], on: frozenset[str]) -> bool:
    return all((name[1:] not in on) if name.startswith("!") else (name in on) for name in needs)


def _kept(path: str, pruned: set[str]) -> bool:
    """Whether the bake keeps `path`: neither it nor a folder above it is pruned."""
    parts = path.rstrip("/").split("/")
    return not any("/".join(parts[:end]) in pruned for end in range(1, len(parts) + 1))


def _fill(text: str, answers: Mapping[str, Any]) -> str:
    return text.format(
        package=answers["package_name"],
        slug=answers["project_slug"],
        domain=answers["domain_name"],
        project_name=answers["project_name"],
    )


def and_list(items: list[str], conjunction: str = "and") -> str:
    """`a, b and c`: a list as prose."""
    if len(items) < 2:
        return "".join(items)
    return f"{', '.join(items[:-1])} {conjunction} {items[-1]}"


# --- Environment variables ---------------------------------------------------------------------


class EnvVar(NamedTuple):
    names: tuple[str, ...]
    default: str  # Markdown: a literal in backticks, or words ("empty", "derived")
    meaning: str
    needs: tuple[str, ...] = ()
    # "settings": a field of the bake's `Settings`. Otherwise, for the reader of this table, what
    # reads it: "image" (Dockerfile), "compose", "cli", "tests".
    read_by: str = "settings"


ENV_VARS: tuple[EnvVar, ...] = (
    EnvVar(("ENVIRONMENT",), "`development`", "`development`, `test` or `production`"),
    EnvVar(("DEBUG",), "`false`", "refused in production"),
    EnvVar(("LOG_LEVEL",), "`INFO`", "`DEBUG`, `INFO`, `WARNING`, `ERROR`"),
    EnvVar(("PROJECT_NAME",), "`{project_name}`", "the API's title in `/docs` and the OpenAPI document"),
    EnvVar(("ROOT_PATH",), "empty", "path prefix when served under a sub-path behind a proxy"),
    EnvVar(
        ("WEB_CONCURRENCY",),
        "`1` in the image",
        "uvicorn worker processes: one per CPU the container may use (keep 1 where the platform "
        "scales by adding containers)",
        read_by="image",
    ),
    EnvVar(
        ("SECRET_KEY",),
        "`change-me`",
        "signs JWTs; 32+ random characters in production (`openssl rand -hex 32`)",
        ("auth",),
    ),
    EnvVar(
        ("SECRET_KEY",),
        "`change-me`",
        "32+ random characters in production (`openssl rand -hex 32`)",
        ("!auth",),
    ),
    EnvVar(("ACCESS_TOKEN_EXPIRE_MINUTES",), "`15`", "access token lifetime", ("auth",)),
    EnvVar(("REFRESH_TOKEN_EXPIRE_DAYS",), "`30`", "refresh token lifetime", ("auth",)),
    EnvVar(
        ("AUTH_STATUS_CACHE_SECONDS",),
        "`5`",
        "how long a process trusts what it read of a user (active? administrator?); "
        'see "Authentication cost"',
        ("auth",),
    ),
    EnvVar(
        ("PASSWORD_HASH_TIME_COST", "PASSWORD_HASH_MEMORY_KIB", "PASSWORD_HASH_PARALLELISM"),
        "`3` / `65536` / `4`",
        "argon2id costs of new password hashes (stored hashes keep theirs and still verify); production "
        "refuses under 2 passes or 19456 KiB (OWASP's minimum); the tests use the cheapest",
        ("auth",),
    ),
    EnvVar(
        ("SUPERUSER_EMAIL", "SUPERUSER_PASSWORD"),
        "empty",
        "defaults for `create-superuser`",
        ("auth",),
        "cli",
    ),
    EnvVar(
        ("COOKIE_SECURE",),
        "production: `true`, else `false`",
        "Secure flag on the cookies; `false` is refused in production",
        ("cookie",),
    ),
    EnvVar(("COOKIE_SAMESITE",), "`lax`", "`lax`, `strict` or `none` (`none` needs Secure)", ("cookie",)),
    EnvVar(("CORS_ORIGINS",), "empty", "comma-separated (or JSON list) allowed origins"),
    EnvVar(("CORS_ALLOW_CREDENTIALS",), "`true`", "send `Access-Control-Allow-Credentials`"),
    EnvVar(("HEALTH_CHECK_TIMEOUT",), "`1.0`", "seconds each readiness check may take"),
    EnvVar(
        ("DATABASE_URL",),
        "`postgresql+asyncpg://postgres:postgres@localhost:5432/{package}`",
        "`postgres://` and `postgresql://` are accepted",
        ("postgresql",),
    ),
    EnvVar(
        ("DATABASE_URL",),
        "`sqlite+aiosqlite:///./data/{package}.db`",
        "the SQLite file (one process group may write it)",
        ("sqlite",),
    ),
    EnvVar(
        ("DATABASE_POOL_SIZE", "DATABASE_MAX_OVERFLOW"),
        "`10` / `5`",
        "connections kept open per process / opened for a burst and closed after it",
        ("db",),
    ),
    EnvVar(
        ("DATABASE_CONNECT_TIMEOUT",),
        "`5`",
        "seconds to connect (and to wait for a pooled connection)",
        ("postgresql",),
    ),
    EnvVar(
        ("DATABASE_CONNECT_TIMEOUT",),
        "`5`",
        "seconds to wait for a pooled connection, and for a write lock on the file (SQLite's busy timeout)",
        ("sqlite",),
    ),
    EnvVar(("DATABASE_COMMAND_TIMEOUT",), "`30`", "seconds per statement", ("postgresql",)),
    EnvVar(("REDIS_URL",), "`redis://localhost:6379/0`", "cache and rate limits", ("cache", "!broker_redis")),
    EnvVar(
        ("REDIS_URL",),
        "`redis://localhost:6379/0`",
        "cache, rate limits, and the Celery broker and result backend",
        ("cache", "broker_redis"),
    ),
    EnvVar(
        ("REDIS_URL",),
        "`redis://localhost:6379/0`",
        "the Celery broker and result backend",
        ("redis", "!cache"),
    ),
    EnvVar(("REDIS_SOCKET_TIMEOUT",), "`2`", "seconds", ("redis",)),
    EnvVar(("REDIS_KEY_PREFIX",), "`{slug}:`", "prefix of every Redis key", ("redis",)),
    EnvVar(
        ("CELERY_BROKER_URL",), "`amqp://guest:guest@localhost:5672//`", "Celery broker", ("broker_rabbitmq",)
    ),
    EnvVar(("CELERY_BROKER_URL",), "`REDIS_URL`", "Celery broker", ("broker_redis",)),
    EnvVar(("CELERY_RESULT_BACKEND",), "`REDIS_URL`", "where task results are kept", ("celery", "redis")),
    EnvVar(("CELERY_RESULT_BACKEND",), "`rpc://`", "where task results are kept", ("celery", "!redis")),
    EnvVar(
        ("CELERY_BROKER_TIMEOUT",),
        "`2`",
        "seconds a publish or the broker health check may spend connecting",
        ("celery",),
    ),
    EnvVar(
        ("CELERY_TASK_SOFT_TIME_LIMIT", "CELERY_TASK_TIME_LIMIT"),
        "`300` / `360`",
        "seconds before a task is asked to stop, then killed",
        ("celery",),
    ),
    EnvVar(("JOB_MAX_RETRIES",), "`5`", "retries of a job after a transient error", ("jobs",)),
    EnvVar(
        ("JOB_RETRY_BACKOFF_SECONDS", "JOB_RETRY_BACKOFF_MAX_SECONDS"),
        "`2` / `300`",
        "back-off: base \N{MULTIPLICATION SIGN} 2^retry, capped, with jitter",
        ("jobs",),
    ),
    EnvVar(
        ("HOUSEKEEPING_INTERVAL_SECONDS",),
        "`3600`",
        "how often beat purges expired tokens (0 = never)",
        ("beat", "auth"),
    ),
    EnvVar(
        ("FLOWER_USER", "FLOWER_PASSWORD"),
        "`admin` / generated",
        "basic auth of Flower",
        ("flower",),
        "compose",
    ),
    EnvVar(
        ("LOGIN_RATE_LIMIT", "LOGIN_RATE_LIMIT_WINDOW_SECONDS"),
        "`5` / `60`",
        "login attempts per window",
        ("cache", "auth"),
    ),
    EnvVar(
        ("EMAIL_LINK_RATE_LIMIT", "EMAIL_LINK_RATE_LIMIT_WINDOW_SECONDS"),
        "`10` / `900`",
        "forgot-password and request-verification requests per client IP and window",
        ("cache", "email"),
    ),
    EnvVar(
        ("METRICS_TOKEN",),
        "empty",
        "when set, `/metrics` wants `Authorization: Bearer <token>`; 32+ characters in production",
        ("prometheus",),
    ),
    EnvVar(("SENTRY_DSN",), "empty", "Sentry project DSN; empty switches error reporting off", ("sentry",)),
    EnvVar(("SENTRY_ENVIRONMENT",), "`ENVIRONMENT`", "environment name on Sentry events", ("sentry",)),
    EnvVar(
        ("SENTRY_TRACES_SAMPLE_RATE",),
        "`0.1`",
        "share of requests and tasks traced for performance (0 to 1)",
        ("sentry", "celery"),
    ),
    # Object storage (object_storage=s3).
    EnvVar(
        ("S3_ENDPOINT_URL",),
        "`http://localhost:9000`",
        "S3 API of the store (the default reaches MinIO); empty: AWS S3 itself",
        ("storage",),
    ),
    EnvVar(
        ("S3_PUBLIC_ENDPOINT_URL",),
        "empty",
        "where browsers reach the store, if not at `S3_ENDPOINT_URL` (presigned URLs name it)",
        ("storage",),
    ),
    EnvVar(("S3_BUCKET",), "`{slug}`", "the bucket; production refuses it empty", ("storage",)),
    EnvVar(("S3_REGION",), "`us-east-1`", "the bucket's region", ("storage",)),
    EnvVar(
        ("S3_ACCESS_KEY_ID", "S3_SECRET_ACCESS_KEY"),
        "`minioadmin` / `minioadmin`",
        "the store's keys (MinIO's development login); production refuses them empty or MinIO's",
        ("storage",),
    ),
    EnvVar(("S3_PATH_STYLE",), "`true`", "path-style URLs (MinIO needs them)", ("storage",)),
    EnvVar(("S3_PRESIGN_SECONDS",), "`300`", "lifetime of presigned upload and download URLs", ("storage",)),
    EnvVar(("S3_TIMEOUT",), "`3.0`", "seconds to connect to, then to hear from, the store", ("storage",)),
    EnvVar(("ATTACHMENT_MAX_BYTES",), "`10485760`", "largest attachment, in bytes", ("attachments",)),
    EnvVar(
        ("ATTACHMENT_CONTENT_TYPES",),
        "`image/png,image/jpeg,application/pdf,text/plain`",
        "the content types an attachment may have (comma-separated)",
        ("attachments",),
    ),
    EnvVar(
        ("SENTRY_TRACES_SAMPLE_RATE",),
        "`0.1`",
        "share of requests traced for performance (0 to 1)",
        ("sentry", "!celery"),
    ),
    # Tracing: read by the OpenTelemetry SDK (core/tracing.py names them), not by `Settings`.
    EnvVar(
        ("OTEL_EXPORTER_OTLP_ENDPOINT",),
        "empty",
        "OTLP/HTTP collector the spans go to (`<url>/v1/traces`); empty: tracing off",
        ("opentelemetry",),
        "OpenTelemetry",
    ),
    EnvVar(
        ("OTEL_EXPORTER_OTLP_HEADERS",),
        "empty",
        "headers sent with the spans, e.g. a hosted backend's API key (`key=value,...`)",
        ("opentelemetry",),
        "OpenTelemetry",
    ),
    EnvVar(
        ("OTEL_SERVICE_NAME",), "`{slug}`", "service name on the spans", ("opentelemetry",), "OpenTelemetry"
    ),
    EnvVar(
        ("OTEL_TRACES_SAMPLER", "OTEL_TRACES_SAMPLER_ARG"),
        "`parentbased_always_on` / empty",
        "which requests start a trace: `parentbased_traceidratio` with a share (`0.1`) samples",
        ("opentelemetry",),
        "OpenTelemetry",
    ),
    EnvVar(
        ("SMTP_HOST", "SMTP_PORT"),
        "`localhost` / `1025`",
        "SMTP server (the defaults reach Mailpit)",
        ("email",),
    ),
    EnvVar(("SMTP_USER", "SMTP_PASSWORD"), "empty", "SMTP login (both or neither)", ("email",)),
    EnvVar(
        ("SMTP_TLS",),
        "`none`",
        "`none`, `starttls` (port 587) or `tls` (implicit TLS, port 465)",
        ("email",),
    ),
    EnvVar(("SMTP_TIMEOUT",), "`10`", "seconds per SMTP connection and command", ("email",)),
    EnvVar(
        ("EMAIL_FROM", "EMAIL_FROM_NAME"),
        "`noreply@{domain}` / `{project_name}`",
        "sender of every email",
        ("email",),
    ),
    EnvVar(
        ("FRONTEND_URL",),
        "`http://localhost:3000`",
        "the web app the links in emails open; https in production",
        ("email",),
    ),
    EnvVar(("REQUIRE_VERIFIED_EMAIL",), "`false`", "refuse login until the address is verified", ("email",)),
    EnvVar(
        ("EMAIL_VERIFICATION_TOKEN_EXPIRE_HOURS", "PASSWORD_RESET_TOKEN_EXPIRE_MINUTES"),
        "`48` / `30`",
        "link lifetimes",
        ("email",),
    ),
    EnvVar(
        ("EMAIL_RESEND_INTERVAL_SECONDS",),
        "`60`",
        "at most one link per user and kind in this time (0 = no limit)",
        ("email",),
    ),
    EnvVar(
        ("EMAIL_MAX_RETRIES",),
        "`8`",
        "retries of an email after a temporary SMTP failure",
        ("email", "celery"),
    ),
    EnvVar(
        ("EMAIL_RETRY_BACKOFF_SECONDS", "EMAIL_RETRY_BACKOFF_MAX_SECONDS"),
        "`10` / `600`",
        "back-off: base \N{MULTIPLICATION SIGN} 2^retry, capped, with jitter",
        ("email", "celery"),
    ),
    # The live channel (use_websockets).
    EnvVar(
        ("WS_HEARTBEAT_SECONDS",),
        "`20`",
        "a `ping` message this often on every socket (keeps proxies from timing it out)",
        ("websockets",),
    ),
    EnvVar(
        ("WS_SEND_QUEUE_SIZE", "WS_SEND_TIMEOUT_SECONDS"),
        "`64` / `10`",
        "messages waiting per socket / seconds one send may take; past either the client is dropped",
        ("websockets",),
    ),
    EnvVar(
        ("WS_AUTH_TIMEOUT_SECONDS",),
        "`5`",
        "seconds a client has to send its token in the first message",
        ("websockets", "bearer"),
    ),
    EnvVar(
        ("TEST_DATABASE_URL",),
        "derived",
        "the tests' database (see [Test](#test))",
        ("db",),
        "tests",
    ),
    EnvVar(("TEST_REDIS_URL",), "`REDIS_URL`", "the tests' Redis", ("redis",), "tests"),
    EnvVar(
        ("TEST_START_SERVERS",),
        "`1`",
        "`0`: the tests never start throwaway servers",
        ("test_servers",),
        "tests",
    ),
)


def env_vars(answers: Mapping[str, Any], rules: ModuleType) -> list[EnvVar]:
    """The rows of this bake's variable table, with the answers filled in."""
    on: frozenset[str] = rules.features(answers)
    return [
        row._replace(default=_fill(row.default, answers), meaning=_fill(row.meaning, answers))
        for row in ENV_VARS
        if _holds(row.needs, on)
    ]


# --- The servers the tests and the readiness check talk to -------------------------------------

# (feature, what the README calls it): what /health/ready checks, in this order.
READINESS = (("db", "the database"), ("redis", "Redis"), ("celery", "the broker"), ("storage", "the bucket"))
# (feature, server, where the tests look for one, the binaries they start a throwaway one from).
TEST_SERVERS = (
    (
        "postgresql",
        "PostgreSQL",
        "`TEST_DATABASE_URL`, or the database in `DATABASE_URL` with a `_test` suffix (created if missing)",
        "PostgreSQL's `initdb` and `pg_ctl`",
    ),
    ("redis", "Redis", "`TEST_REDIS_URL`, or `REDIS_URL`", "`redis-server`"),
    ("broker_rabbitmq", "RabbitMQ", "`CELERY_BROKER_URL` (RabbitMQ is never started for you)", ""),
)


def servers(answers: Mapping[str, Any], rules: ModuleType) -> dict[str, list[str]]:
    """`ready`: what readiness checks; `tested`: the servers the tests need, `found_at`: where the
    tests look for each, `binaries`: what starts a throwaway one."""
    on: frozenset[str] = rules.features(answers)
    tested = [row[1:] for row in TEST_SERVERS if row[0] in on]
    return {
        "ready": [name for feature, name in READINESS if feature in on],
        "tested": [server for server, _, _ in tested],
        "found_at": [found_at for _, found_at, _ in tested],
        "binaries": [binaries for _, _, binaries in tested if binaries],
    }


# --- The layout tree ---------------------------------------------------------------------------


class Entry(NamedTuple):
    path: str  # in the bake; the entry goes when the manifest prunes it
    what: str  # "{core}" stands for the modules the bake's core/ holds
    needs: tuple[str, ...] = ()  # of this wording, when the path has a variant of it


LAYOUT: tuple[Entry, ...] = (
    Entry("src/{package}/main.py", "create_app(): puts together the parts listed in FEATURES"),
    Entry("src/{package}/core/", "{core}"),
    Entry(
        "src/{package}/core/settings/",
        "the settings of each part, a class per module; `Settings` (core/config.py) has them all",
    ),
    Entry(
        "src/{package}/auth/",
        "signup, login, refresh (rotation + reuse detection), logout, CurrentUser, the auth cookies",
        ("cookie",),
    ),
    Entry(
        "src/{package}/auth/",
        "signup, login, refresh (rotation + reuse detection), logout, CurrentUser",
        ("!cookie",),
    ),
    Entry("src/{package}/users/", "/users/me and admin user management"),
    Entry("src/{package}/account/", "email verification and password reset (single-use emailed tokens)"),
    Entry(
        "src/{package}/mail/",
        "outgoing email: message, SMTP sender (aiosmtplib), outbox, mail.send task",
        ("celery",),
    ),
    Entry("src/{package}/mail/", "outgoing email: message, SMTP sender (aiosmtplib), outbox", ("!celery",)),
    Entry("src/{package}/items/", "example domain: CRUD on the current user's items", ("auth",)),
    Entry("src/{package}/items/", "example domain: CRUD on public items", ("!auth",)),
    Entry(
        "src/{package}/items/attachments.py",
        "files of items: presigned uploads to the object store, a confirm step, downloads",
    ),
    Entry("src/{package}/jobs/", "example background job: idempotent enqueue, state machine, Celery task"),
    Entry(
        "src/{package}/live/",
        "the live channel /api/v1/ws: hub, event bus over Redis pub/sub, socket auth",
        ("redis",),
    ),
    Entry(
        "src/{package}/live/",
        "the live channel /api/v1/ws: hub, in-process event bus (one API process only)",
        ("!redis",),
    ),
    Entry("src/{package}/worker/", "Celery app, task base, beat schedule", ("beat",)),
    Entry("src/{package}/worker/", "Celery app, task base", ("!beat",)),
    Entry("src/{package}/cli.py", "admin commands"),
    Entry("migrations/", "Alembic (async): a first revision per part with tables, in one chain"),
    Entry("tests/", "pytest; the fixtures are plugins in tests/fixtures/, one per part of the service"),
)
LAYOUT_WIDTH = 104


def layout(answers: Mapping[str, Any], rules: ModuleType) -> list[str]:
    """The lines of the tree under `src/<package>/`, for the answers' bake."""
    on: frozenset[str] = rules.features(answers)
    pruned = {path.rstrip("/") for path in rules.paths_to_prune(answers)}
    package = f"src/{answers['package_name']}/"

    core = sorted(
        module.stem
        for module in (BAKED_TEMPLATE / BAKED_PACKAGE / "core").glob("*.py")
        if module.stem != "__init__" and _kept(f"{package}core/{module.name}", pruned)
    )
    lines = []
    for entry in LAYOUT:
        path = entry.path.format(package=answers["package_name"])
        if not (_kept(path, pruned) and _holds(entry.needs, on)):
            continue
        name = f"  {path.removeprefix(package)}" if path.startswith(package) else path
        what = entry.what.replace("{core}", ", ".join(core))
        lines += textwrap.wrap(
            what,
            LAYOUT_WIDTH,
            initial_indent=f"{name:<17}",
            subsequent_indent=" " * 17,
            break_on_hyphens=False,
        )
    return lines


# --- Guides: the bake's docs/ ------------------------------------------------------------------


def guides(answers: Mapping[str, Any], folder: str = "docs", *, rules: ModuleType) -> list[dict[str, str]]:
    """`title` (the page's first heading) and `path` of each page under `folder` the bake keeps."""
    pruned = {path.rstrip("/") for path in rules.paths_to_prune(answers)}
    pages = []
    for page in sorted((BAKED_TEMPLATE / folder).glob("*.md")):
        path = page.relative_to(BAKED_TEMPLATE).as_posix()
        if not _kept(path, pruned):
            continue
        title = page.read_text().partition("\n")[0].removeprefix("# ")
        if "{" in title:
            raise ValueError(
                f"{path}: the first line is the guide's title in the README; keep Jinja out of it"
            )
        pages.append({"title": title, "path": path})
    return pages


def jinja_filters(rules: ModuleType) -> dict[str, Callable[..., Any]]:
    """The filters README.md and docs/ use, bound to the rule set of the checkout being rendered
    (`hooks/filters.py` registers them)."""
    return {
        "and_list": and_list,
        "readme_env_vars": partial(env_vars, rules=rules),
        "readme_servers": partial(servers, rules=rules),
        "readme_layout": partial(layout, rules=rules),
        "readme_guides": partial(guides, rules=rules),
    }
