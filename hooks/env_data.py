"""Which environment variables each place of a bake sets, and to what: held as data.

`.env.example`, compose's `app` services, the Kubernetes ConfigMap, Render's blueprint and Heroku's
app.json each render their list with one `{% for %}` over `cookiecutter | env_values("<list>")`;
the template keeps the platform's shape (a dotenv line, a YAML key, a JSON member), this file the
names and values.

Whether a bake has a variable at all is not restated here: for every name the baked README's
table knows (`ENV_VARS` in `hooks/readme_data.py`, which `tests/harness/checks.py` holds to the
bake's `Settings`), a value is kept only when that table lists the name for the answers. `needs`
on a value (`"!name"`: the feature is off) only picks between the variants of one variable, or
decides alone for the names no setting reads (compose's `POSTGRES_PASSWORD`, fluent-bit's...).

`hooks/filters.py` loads this module afresh for every render and registers `jinja_filters`.
Nothing here imports a third-party package.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from functools import partial
from types import ModuleType
from typing import Any, NamedTuple

SECRET = "change-me"  # noqa: S105  (.env.example's placeholder; the post-gen hook writes a fresh one in .env)
GENERATED = "<generated>"  # Render and Heroku generate a random secret
ASKED = "<asked>"  # the operator must set it in the platform's dashboard
OPTIONAL = "<optional>"  # the operator may set it


class Value(NamedTuple):
    """One variable of one list. Values and notes may hold {package}, {slug}, {domain} and
    {project_name}, which the answers fill in."""

    name: str
    value: str
    needs: tuple[str, ...] = ()
    note: str = ""  # comment lines above it, "\n" between lines
    gap: bool = False  # a blank line above it: it opens a group

    def comment(self, prefix: str) -> str:
        """The blank line and comment lines that go above the variable, each ending in a newline."""
        lines = self.note.splitlines() if self.note else []
        return ("\n" if self.gap else "") + "".join(f"{prefix}{line}\n" for line in lines)

    @property
    def generated(self) -> bool:
        return self.value == GENERATED

    @property
    def asked(self) -> bool:
        """The operator sets it (or, if `optional`, may)."""
        return self.value in (ASKED, OPTIONAL)

    @property
    def optional(self) -> bool:
        return self.value == OPTIONAL

    @property
    def yaml(self) -> str:
        """The value as a YAML scalar: a number stays a string."""
        return f'"{self.value}"' if self.value.isdigit() else self.value


# The SQLite file inside the image, on the volume every process of the api mounts.
SQLITE_IN_IMAGE = "sqlite+aiosqlite:////app/data/{package}.db"


# --- .env.example: every setting, with a value that works on a laptop ------------------------

EXAMPLE: tuple[Value, ...] = (
    Value(
        "ENVIRONMENT",
        "development",
        note="development | test | production (production refuses unsafe values at start-up)",
        gap=True,
    ),
    Value("DEBUG", "false"),
    Value("LOG_LEVEL", "INFO"),
    Value("ROOT_PATH", "", note="Path prefix when served behind a proxy under a sub-path, e.g. /api"),
    Value("SECRET_KEY", SECRET, gap=True),
    Value("ACCESS_TOKEN_EXPIRE_MINUTES", "15"),
    Value("REFRESH_TOKEN_EXPIRE_DAYS", "30"),
    Value(
        "PASSWORD_HASH_TIME_COST",
        "3",
        note="argon2id costs of new password hashes (stored ones keep theirs): passes, KiB of memory, "
        "lanes.\nProduction refuses less than 2 passes or 19456 KiB (OWASP's minimum)",
    ),
    Value("PASSWORD_HASH_MEMORY_KIB", "65536"),
    Value("PASSWORD_HASH_PARALLELISM", "4"),
    Value(
        "CORS_ORIGINS",
        "http://localhost:3000",
        note="Comma-separated origins allowed by CORS, e.g. https://app.{domain}",
        gap=True,
    ),
    Value("CORS_ALLOW_CREDENTIALS", "true"),
    Value(
        "DATABASE_URL",
        "sqlite+aiosqlite:///./data/{package}.db",
        ("sqlite",),
        "A SQLite file (sqlite+aiosqlite:///relative/path or sqlite+aiosqlite:////absolute/path); its\n"
        "folder is created on first connect. The API, the worker and migrations must share the file.",
    ),
    Value(
        "DATABASE_URL",
        f"postgresql+asyncpg://{{package}}:{SECRET}@localhost:5432/{{package}}",
        ("postgresql",),
        "postgres:// and postgresql:// are accepted and rewritten to postgresql+asyncpg://. This one\n"
        "reaches the db service of compose.yaml (`make services`) as the user and password it creates.",
    ),
    Value("DATABASE_POOL_SIZE", "10"),
    Value("DATABASE_MAX_OVERFLOW", "5"),
    Value(
        "DATABASE_CONNECT_TIMEOUT",
        "5",
        ("sqlite",),
        "Seconds to wait for a pooled connection, and for SQLite's write lock (busy_timeout)",
    ),
    Value("DATABASE_CONNECT_TIMEOUT", "5", ("postgresql",)),
    Value("DATABASE_COMMAND_TIMEOUT", "30"),
    Value(
        "TEST_DATABASE_URL",
        "",
        ("sqlite",),
        "Tests use this database; when empty they use a fresh file in a temporary folder",
    ),
    Value(
        "TEST_DATABASE_URL",
        "",
        ("postgresql",),
        'Tests use this database; when empty they use DATABASE_URL\'s database name + "_test"',
    ),
    Value(
        "POSTGRES_PASSWORD",
        SECRET,
        ("postgresql",),
        "Used by the db service in compose.yaml and compose.prod.yaml (which build DATABASE_URL from it)",
    ),
    Value("REDIS_URL", "redis://localhost:6379/0", gap=True),
    Value("REDIS_SOCKET_TIMEOUT", "2"),
    Value("REDIS_KEY_PREFIX", "{slug}:"),
    Value("CELERY_BROKER_URL", "amqp://guest:guest@localhost:5672//", ("broker_rabbitmq",), gap=True),
    Value(
        "RABBITMQ_DEFAULT_USER",
        "{package}",
        ("broker_rabbitmq",),
        "Used by the rabbitmq service in compose.yaml",
    ),
    Value("RABBITMQ_DEFAULT_PASS", SECRET, ("broker_rabbitmq",)),
    Value("CELERY_BROKER_URL", "", ("broker_redis",), "Empty means: use REDIS_URL", gap=True),
    Value("CELERY_RESULT_BACKEND", "", ("redis",), "Empty means: use REDIS_URL"),
    Value(
        "CELERY_RESULT_BACKEND",
        "",
        ("!redis",),
        "Empty means: rpc:// (results travel back over the broker)",
    ),
    Value(
        "CELERY_BROKER_TIMEOUT",
        "2",
        note="Seconds a publish or broker health check may spend connecting before it gives up",
    ),
    Value(
        "CELERY_TASK_SOFT_TIME_LIMIT",
        "300",
        note="Seconds before a task is asked to stop (soft), then killed (hard)",
    ),
    Value("CELERY_TASK_TIME_LIMIT", "360"),
    Value(
        "JOB_MAX_RETRIES",
        "5",
        note="Example job: retries on transient errors, back-off base * 2**retry seconds, capped",
        gap=True,
    ),
    Value("JOB_RETRY_BACKOFF_SECONDS", "2"),
    Value("JOB_RETRY_BACKOFF_MAX_SECONDS", "300"),
    Value(
        "HOUSEKEEPING_INTERVAL_SECONDS",
        "3600",
        ("email",),
        "Seconds between purges of expired refresh tokens and email tokens (beat); 0 switches it off",
        gap=True,
    ),
    Value(
        "HOUSEKEEPING_INTERVAL_SECONDS",
        "3600",
        ("!email",),
        "Seconds between purges of expired refresh tokens (beat); 0 switches it off",
        gap=True,
    ),
    Value(
        "FLOWER_USER",
        "admin",
        note='Basic auth of Flower (make flower; the compose service uses the user "admin")',
        gap=True,
    ),
    Value("FLOWER_PASSWORD", SECRET),
    Value(
        "COOKIE_SAMESITE",
        "lax",
        note="Auth cookies are Secure in production (it refuses COOKIE_SECURE=false); elsewhere only if set\n"
        "COOKIE_SECURE=true\n"
        "lax, strict, or none (a front end on another site; needs Secure)",
        gap=True,
    ),
    Value(
        "SMTP_HOST",
        "localhost",
        note="Outgoing email. The defaults reach Mailpit (make up; read the mail at http://localhost:8025).\n"
        "Production refuses Mailpit: set your provider's host, e.g. SMTP_HOST=smtp.example.net\n"
        "SMTP_PORT=587 SMTP_TLS=starttls with SMTP_USER and SMTP_PASSWORD.",
        gap=True,
    ),
    Value("SMTP_PORT", "1025"),
    Value("SMTP_USER", ""),
    Value("SMTP_PASSWORD", ""),
    Value("SMTP_TLS", "none", note="none | starttls (port 587) | tls (implicit TLS, port 465)"),
    Value("SMTP_TIMEOUT", "10"),
    Value("EMAIL_FROM", "noreply@{domain}"),
    Value("EMAIL_FROM_NAME", '"{project_name}"'),
    Value(
        "FRONTEND_URL",
        "http://localhost:3000",
        note="The web app the links in emails open (FRONTEND_URL/verify-email?token=..., "
        "/reset-password?token=...)",
    ),
    Value(
        "REQUIRE_VERIFIED_EMAIL",
        "false",
        note="true: login answers 403 email_not_verified until the user followed the verification link",
    ),
    Value("EMAIL_VERIFICATION_TOKEN_EXPIRE_HOURS", "48"),
    Value("PASSWORD_RESET_TOKEN_EXPIRE_MINUTES", "30"),
    Value(
        "EMAIL_RESEND_INTERVAL_SECONDS",
        "60",
        note="At most one link per user and kind in this many seconds (0 = no limit)",
    ),
    Value(
        "EMAIL_MAX_RETRIES",
        "8",
        note="The worker retries a temporary SMTP failure: back-off base * 2**retry seconds, capped",
    ),
    Value("EMAIL_RETRY_BACKOFF_SECONDS", "10"),
    Value("EMAIL_RETRY_BACKOFF_MAX_SECONDS", "600"),
    Value(
        "LOGIN_RATE_LIMIT",
        "5",
        note="Login attempts per client IP and username per window",
        gap=True,
    ),
    Value("LOGIN_RATE_LIMIT_WINDOW_SECONDS", "60"),
    Value(
        "EMAIL_LINK_RATE_LIMIT",
        "10",
        note="Forgot-password and request-verification requests per client IP (each route) per window",
    ),
    Value("EMAIL_LINK_RATE_LIMIT_WINDOW_SECONDS", "900"),
    Value(
        "SENTRY_DSN",
        "",
        note="Sentry error reporting; empty SENTRY_DSN switches it off. "
        "SENTRY_ENVIRONMENT defaults to ENVIRONMENT",
        gap=True,
    ),
    Value("SENTRY_ENVIRONMENT", ""),
    Value(
        "SENTRY_TRACES_SAMPLE_RATE",
        "0.1",
        note="Share of requests and tasks traced for performance (0 to 1)",
    ),
    Value(
        "OTEL_EXPORTER_OTLP_ENDPOINT",
        "",
        note="Tracing (OpenTelemetry): the OTLP/HTTP collector; empty switches it off. compose.yaml\n"
        "points the containers at its Jaeger; outside compose, export these (the SDK reads the process\n"
        "environment, not this file): OTEL_EXPORTER_OTLP_ENDPOINT=http://localhost:4318",
        gap=True,
    ),
    Value("OTEL_SERVICE_NAME", "{slug}"),
    Value("OTEL_TRACES_SAMPLER", "parentbased_always_on"),
    Value(
        "S3_ENDPOINT_URL",
        "http://localhost:9000",
        note="Object storage: any S3-compatible store. The defaults reach MinIO (make up; its\n"
        "console is http://localhost:9001). Empty S3_ENDPOINT_URL: AWS S3 itself, in S3_REGION.",
        gap=True,
    ),
    Value(
        "S3_PUBLIC_ENDPOINT_URL",
        "",
        note="Where browsers reach the store, if not at S3_ENDPOINT_URL: presigned URLs name this host",
    ),
    Value("S3_BUCKET", "{slug}"),
    Value("S3_REGION", "us-east-1"),
    Value("S3_ACCESS_KEY_ID", "minioadmin"),
    Value("S3_SECRET_ACCESS_KEY", "minioadmin"),
    Value("S3_PATH_STYLE", "true"),
    Value("S3_PRESIGN_SECONDS", "300", note="Seconds a presigned upload or download URL stays valid"),
    Value("S3_TIMEOUT", "3.0"),
    Value(
        "ATTACHMENT_MAX_BYTES",
        "10485760",
        note="Attachments of items: the largest file, and the types allowed",
        gap=True,
    ),
    Value("ATTACHMENT_CONTENT_TYPES", "image/png,image/jpeg,application/pdf,text/plain"),
    Value(
        "FLUENT_BIT_STDOUT_MATCH",
        "*",
        ("fluent_bit",),
        "fluent-bit: where the containers' JSON logs go (see deploy/fluent-bit/fluent-bit.yaml).\n"
        '"*" sends every record to that output, "none" none: by default fluent-bit\'s own stdout.',
        gap=True,
    ),
    Value("FLUENT_BIT_HTTP_MATCH", "none", ("fluent_bit",)),
    Value("FLUENT_BIT_HTTP_HOST", "127.0.0.1", ("fluent_bit",)),
    Value("FLUENT_BIT_HTTP_PORT", "443", ("fluent_bit",)),
    Value("FLUENT_BIT_HTTP_URI", "/", ("fluent_bit",)),
    Value("FLUENT_BIT_HTTP_TLS", "on", ("fluent_bit",)),
    Value("FLUENT_BIT_HTTP_AUTHORIZATION", "", ("fluent_bit",)),
    Value(
        "METRICS_TOKEN",
        "",
        note="Set: /metrics answers only `Authorization: Bearer <METRICS_TOKEN>` (32+ characters in\n"
        "production). Needed where no proxy blocks /metrics (Kubernetes ingress, Heroku, Render)",
        gap=True,
    ),
    Value("HEALTH_CHECK_TIMEOUT", "1.0", note="Seconds each /health/ready check may take", gap=True),
    Value(
        "SUPERUSER_EMAIL",
        "admin@{domain}",
        note="Read by `{slug} create-superuser` when its flags are absent",
        gap=True,
    ),
    Value("SUPERUSER_PASSWORD", SECRET),
)


# --- compose: what the app's containers set over .env ----------------------------------------

# Where the services compose runs are found, in development and production alike.
COMPOSE_SERVICES: tuple[Value, ...] = (
    Value(
        "DATABASE_URL",
        "postgresql+asyncpg://${POSTGRES_USER:-{package}}:${POSTGRES_PASSWORD:?set POSTGRES_PASSWORD in .env}"
        "@db:5432/${POSTGRES_DB:-{package}}",
        ("postgresql",),
    ),
    Value("DATABASE_URL", SQLITE_IN_IMAGE, ("sqlite",)),
    Value("REDIS_URL", "redis://redis:6379/0"),
    Value(
        "CELERY_BROKER_URL",
        "amqp://${RABBITMQ_DEFAULT_USER:-{package}}"
        ":${RABBITMQ_DEFAULT_PASS:?set RABBITMQ_DEFAULT_PASS in .env}@rabbitmq:5672//",
        ("broker_rabbitmq",),
    ),
    Value("CELERY_BROKER_URL", "redis://redis:6379/1", ("broker_redis",)),
)
COMPOSE_DEV: tuple[Value, ...] = (
    Value("ENVIRONMENT", "development"),
    *COMPOSE_SERVICES,
    Value("SMTP_HOST", "mailpit"),
    Value("SMTP_PORT", "1025"),
    Value("OTEL_EXPORTER_OTLP_ENDPOINT", "http://jaeger:4318"),
    Value("S3_ENDPOINT_URL", "http://minio:9000", ("storage",)),
    # Presigned URLs go to browsers on the host, which reach MinIO through its published port.
    Value("S3_PUBLIC_ENDPOINT_URL", "http://localhost:9000", ("storage",)),
)
COMPOSE_PROD: tuple[Value, ...] = (
    Value("ENVIRONMENT", "production"),
    # The proxy serves the api under /api.
    Value("ROOT_PATH", "${ROOT_PATH:-/api}", ("proxy",)),
    Value("ROOT_PATH", "${ROOT_PATH:-}", ("!proxy",)),
    *COMPOSE_SERVICES,
    # The store is not part of the production stack: its address and keys come from .env.
    Value("S3_ENDPOINT_URL", "${S3_ENDPOINT_URL:-}", ("storage",)),
    Value("S3_BUCKET", "${S3_BUCKET:?set S3_BUCKET in .env}", ("storage",)),
    Value("S3_REGION", "${S3_REGION:-us-east-1}", ("storage",)),
)


# --- Kubernetes: the ConfigMap (the secrets live in a Secret this repository never holds) -----

K8S_CONFIG: tuple[Value, ...] = (
    Value("ENVIRONMENT", "production"),
    Value("LOG_LEVEL", "INFO"),
    Value("ROOT_PATH", ""),
    Value("FORWARDED_ALLOW_IPS", "*"),
    Value("WEB_CONCURRENCY", "1"),
    Value(
        "OTEL_SERVICE_NAME",
        "{slug}",
        note="Tracing: set OTEL_EXPORTER_OTLP_ENDPOINT (here, or in the Secret with its headers) to\n"
        "export; a tenth of the requests start a trace (the benchmark's cost of 1.0 is in the docs).",
    ),
    Value("OTEL_TRACES_SAMPLER", "parentbased_traceidratio"),
    Value("OTEL_TRACES_SAMPLER_ARG", "0.1"),
    Value(
        "DATABASE_URL",
        SQLITE_IN_IMAGE,
        ("sqlite",),
        "The file on the data volume (data-pvc.yaml) that every container of the api pod mounts.",
    ),
    Value(
        "S3_ENDPOINT_URL",
        "",
        ("storage",),
        "Object storage: empty is AWS S3; S3_ACCESS_KEY_ID and S3_SECRET_ACCESS_KEY are in the Secret.",
    ),
    Value("S3_BUCKET", "{slug}", ("storage",)),
    Value("S3_REGION", "us-east-1", ("storage",)),
)


# --- Render and Heroku: what the platform sets, generates or asks for -------------------------


class Deployed(NamedTuple):
    name: str
    value: str  # a literal, or GENERATED, ASKED, OPTIONAL
    heroku: str | None  # app.json's description of it; None: app.json leaves it out
    render: str | None = ""  # the comment above it in render.yaml; None: render.yaml leaves it out
    needs: tuple[str, ...] = ()


PAAS: tuple[Deployed, ...] = (
    Deployed("ENVIRONMENT", "production", "Runs the service in production mode."),
    Deployed("SECRET_KEY", GENERATED, "Signs tokens; Heroku generates a random one."),
    Deployed("WEB_CONCURRENCY", "2", "uvicorn worker processes per dyno.", None),
    Deployed(
        "METRICS_TOKEN",
        GENERATED,
        "Bearer token a scrape of /metrics must send (the router serves /metrics to the internet); "
        "Heroku generates a random one.",
        "Render serves /metrics to the internet: a scrape must send Authorization: Bearer <this>.",
    ),
    Deployed(
        "OTEL_EXPORTER_OTLP_ENDPOINT",
        OPTIONAL,
        "Tracing: your collector's OTLP/HTTP URL (empty: tracing off).",
        "Tracing (OpenTelemetry): your collector's OTLP/HTTP URL and, for a hosted backend, its headers.",
    ),
    Deployed("OTEL_EXPORTER_OTLP_HEADERS", OPTIONAL, "Headers sent with the spans (key=value,...)."),
    Deployed("OTEL_SERVICE_NAME", "{slug}", "Service name on the spans."),
    Deployed("OTEL_TRACES_SAMPLER", "parentbased_traceidratio", "Which requests start a trace."),
    Deployed("OTEL_TRACES_SAMPLER_ARG", "0.1", "Share of the requests that start a trace."),
    Deployed(
        "SMTP_HOST",
        ASKED,
        "Your mail provider's SMTP host (the service refuses to start without one).",
        "Outgoing email: your provider's SMTP server, and the web app the links in emails open.",
    ),
    Deployed("SMTP_PORT", "587", "SMTP port: 587 with STARTTLS, 465 with implicit TLS."),
    Deployed("SMTP_TLS", "starttls", "none, starttls or tls."),
    Deployed("SMTP_USER", OPTIONAL, "SMTP login."),
    Deployed("SMTP_PASSWORD", OPTIONAL, "SMTP password."),
    Deployed("EMAIL_FROM", "noreply@{domain}", "Sender address of verification and reset emails."),
    Deployed("FRONTEND_URL", ASKED, "https address of the web app the links in emails open."),
    # Heroku's dynos share no disk, and its RabbitMQ add-on's URL reaches the app in the Procfile.
    Deployed(
        "DATABASE_URL",
        SQLITE_IN_IMAGE,
        None,
        "On the api's disk (below); other services cannot mount it.",
        ("sqlite",),
    ),
    Deployed(
        "S3_ENDPOINT_URL",
        OPTIONAL,
        "S3 API of an S3-compatible store; leave empty for AWS S3.",
        "Object storage: empty S3_ENDPOINT_URL is AWS S3; the bucket and keys are yours to give.",
        ("storage",),
    ),
    Deployed("S3_BUCKET", ASKED, "The bucket the service keeps its files in.", needs=("storage",)),
    Deployed("S3_REGION", "us-east-1", "The bucket's region.", needs=("storage",)),
    Deployed("S3_ACCESS_KEY_ID", ASKED, "Key of an account limited to the bucket.", needs=("storage",)),
    Deployed("S3_SECRET_ACCESS_KEY", ASKED, "Its secret key.", needs=("storage",)),
    Deployed(
        "CELERY_BROKER_URL",
        ASKED,
        None,
        "Render has no managed RabbitMQ: point this at your broker (for example CloudAMQP).",
        ("broker_rabbitmq",),
    ),
)

# The add-ons a Heroku app provisions, by the variable each sets. CloudAMQP's CLOUDAMQP_URL reaches
# the app as CELERY_BROKER_URL in the Procfile.
HEROKU_ADDONS: tuple[Value, ...] = (
    Value("DATABASE_URL", "heroku-postgresql:essential-0", ("postgresql",)),
    Value("REDIS_URL", "heroku-redis:mini"),
    Value("CLOUDAMQP_URL", "cloudamqp:lemur", ("broker_rabbitmq",)),
)


LISTS: dict[str, tuple[Value, ...]] = {
    "example": EXAMPLE,
    "compose_dev": COMPOSE_DEV,
    "compose_prod": COMPOSE_PROD,
    "k8s_config": K8S_CONFIG,
    "render": tuple(
        Value(row.name, row.value, row.needs, row.render) for row in PAAS if row.render is not None
    ),
    "heroku": tuple(
        Value(row.name, row.value, row.needs, row.heroku) for row in PAAS if row.heroku is not None
    ),
    "heroku_addons": HEROKU_ADDONS,
}


def _holds(needs: tuple[str, ...], on: frozenset[str]) -> bool:
    return all((name[1:] not in on) if name.startswith("!") else (name in on) for name in needs)


def _fill(text: str, answers: Mapping[str, Any]) -> str:
    # Not str.format: compose's values hold ${VAR:-default} braces of their own.
    for key, answer in (
        ("{package}", "package_name"),
        ("{slug}", "project_slug"),
        ("{domain}", "domain_name"),
        ("{project_name}", "project_name"),
    ):
        text = text.replace(key, answers[answer])
    return text


def env_values(
    answers: Mapping[str, Any], name: str, *, rules: ModuleType, readme: ModuleType
) -> list[Value]:
    """The variables of one list (a key of `LISTS`) for the answers' bake, in order, filled in."""
    on: frozenset[str] = rules.features(answers)
    known = {var for row in readme.ENV_VARS for var in row.names}
    listed = {var for row in readme.env_vars(answers, rules) for var in row.names}
    return [
        value._replace(value=_fill(value.value, answers), note=_fill(value.note, answers))
        for value in LISTS[name]
        if _holds(value.needs, on) and (value.name in listed or value.name not in known)
    ]


def jinja_filters(rules: ModuleType, readme: ModuleType) -> dict[str, Callable[..., Any]]:
    """`env_values`, bound to the rule set and README data of the checkout being rendered."""
    return {"env_values": partial(env_values, rules=rules, readme=readme)}
