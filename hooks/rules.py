"""The template's one rule set: valid answers, what each answer implies, and which paths it owns.

The pre-gen hook validates with it, the post-gen hook prunes with it, the Jinja templates read the
derived features through the filters of `hooks/filters.py`, and the template's tests import it by path.
Nothing here needs a third-party package: hooks run in whatever Python runs cookiecutter.
"""

from __future__ import annotations

import itertools
import json
import keyword
import re
import sys
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path
from types import MappingProxyType
from typing import Any, NamedTuple

TEMPLATE_ROOT = Path(__file__).resolve().parent.parent
OPTIONS: dict[str, Any] = json.loads((TEMPLATE_ROOT / "cookiecutter.json").read_text())

CHOICE_OPTIONS = {k: v for k, v in OPTIONS.items() if isinstance(v, list) and not k.startswith("_")}
BOOLEAN_OPTIONS = sorted(k for k, v in OPTIONS.items() if isinstance(v, bool))
DEFAULTS: dict[str, Any] = {
    k: (v[0] if isinstance(v, list) else v) for k, v in OPTIONS.items() if not k.startswith("_")
}

SLUG_RE = re.compile(r"^[a-z][a-z0-9]*(-[a-z0-9]+)*$")
PACKAGE_RE = re.compile(r"^[a-z][a-z0-9_]*$")
EMAIL_RE = re.compile(r"^[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}$")
DOMAIN_RE = re.compile(r"^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$")
# PEP 440, appendix B ("canonical" public version pattern, case-insensitive).
PEP440_RE = re.compile(
    r"^v?(?:(?:(?P<epoch>[0-9]+)!)?(?P<release>[0-9]+(?:\.[0-9]+)*)"
    r"(?P<pre>[-_\.]?(?P<pre_l>(a|b|c|rc|alpha|beta|pre|preview))[-_\.]?(?P<pre_n>[0-9]+)?)?"
    r"(?P<post>(?:-(?P<post_n1>[0-9]+))|(?:[-_\.]?(?P<post_l>post|rev|r)[-_\.]?(?P<post_n2>[0-9]+)?))?"
    r"(?P<dev>[-_\.]?(?P<dev_l>dev)[-_\.]?(?P<dev_n>[0-9]+)?)?)"
    r"(?:\+(?P<local>[a-z0-9]+(?:[-_\.][a-z0-9]+)*))?$",
    re.IGNORECASE,
)
MAX_SLUG_LENGTH = 50
MAX_TEXT_LENGTH = 200

# Import names the baked project depends on (or that its tooling imports): a package with one of
# these names would shadow the dependency.
DEPENDENCY_IMPORT_NAMES = frozenset(
    {
        "aiosmtpd", "aiosmtplib",
        "aiosqlite", "alembic", "amqp", "anyio", "app", "argon2", "asyncpg", "billiard", "celery",
        "click", "conftest", "fastapi", "flower", "httpx", "jwt", "kombu", "migrations", "mypy",
        "orjson", "pwdlib", "pydantic", "pydantic_settings", "pytest", "redis", "ruff", "sentry_sdk",
        "sqlalchemy", "src", "starlette", "structlog", "test", "tests", "typer", "uvicorn", "uvloop",
    }
)  # fmt: skip

TEXT_OPTIONS = ("project_name", "description", "author_name")


def _text(option: str) -> Callable[[str], str | None]:
    def check(value: str) -> str | None:
        if not value.strip():
            return f"{option} is empty; give it a value"
        if len(value) > MAX_TEXT_LENGTH:
            return f"{option} is {len(value)} characters long; keep it under {MAX_TEXT_LENGTH}"
        if any(ch in value for ch in '"\\') or any(ord(ch) < 32 for ch in value):
            return (
                f"{option}={value!r} contains a quote, backslash or control character; "
                "remove it (the value is written into TOML and YAML files)"
            )
        return None

    return check


def _slug(value: str) -> str | None:
    if len(value) > MAX_SLUG_LENGTH:
        return f"project_slug is {len(value)} characters long; keep it to {MAX_SLUG_LENGTH} or fewer"
    if not SLUG_RE.match(value):
        return (
            f"project_slug={value!r} is not a valid slug; use lowercase ASCII letters, digits and "
            "single dashes, starting with a letter (for example 'my-service')"
        )
    return None


def _package(value: str) -> str | None:
    if len(value) > MAX_SLUG_LENGTH:
        return f"package_name is {len(value)} characters long; keep it to {MAX_SLUG_LENGTH} or fewer"
    if not PACKAGE_RE.match(value) or not value.isidentifier():
        return (
            f"package_name={value!r} is not a valid Python package name; use lowercase ASCII "
            "letters, digits and underscores, starting with a letter (for example 'my_service')"
        )
    if keyword.iskeyword(value) or keyword.issoftkeyword(value):
        return f"package_name={value!r} is a Python keyword; choose another name"
    if value in sys.stdlib_module_names:
        return f"package_name={value!r} shadows the standard library module {value!r}; choose another name"
    if value in DEPENDENCY_IMPORT_NAMES:
        return f"package_name={value!r} shadows the dependency {value!r}; choose another name"
    return None


def _email(value: str) -> str | None:
    if not EMAIL_RE.match(value):
        return f"author_email={value!r} is not an email address; use the form name@example.com"
    return None


def _domain(value: str) -> str | None:
    if not DOMAIN_RE.match(value):
        return f"domain_name={value!r} is not a lowercase DNS name; use the form api.example.com"
    return None


def _version(value: str) -> str | None:
    if not PEP440_RE.match(value):
        return f"version={value!r} is not a PEP 440 version; use the form 0.1.0"
    return None


FIELD_RULES: dict[str, Callable[[str], str | None]] = {
    "project_name": _text("project_name"),
    "project_slug": _slug,
    "package_name": _package,
    "description": _text("description"),
    "author_name": _text("author_name"),
    "author_email": _email,
    "domain_name": _domain,
    "version": _version,
}


def _other_than(option: str, *values: Any) -> tuple[Any, ...]:
    """Every choice of `option` but these: a new choice joins the conditions below by itself."""
    return tuple(choice for choice in CHOICE_OPTIONS[option] if choice not in values)


# A condition: option -> the values it must have. It holds when every option named has one of
# its values; on a partial answer set it can only be decided once all of them are answered.
Condition = Mapping[str, tuple[Any, ...]]
ALWAYS: Condition = MappingProxyType({})

# Real contradictions only: options that merely do not apply are ignored (see `OPTION_AXES`).
# Each is (the condition under which the answers cannot work, the refusal).
CONTRADICTIONS: list[tuple[Condition, str]] = [
    (
        {"auth": _other_than("auth", "none"), "database": ("none",)},
        "auth={auth} needs a database, but database=none; set database=postgresql or sqlite, "
        "or set auth=none",
    ),
]


class Axis(NamedTuple):
    """How a choice or yes/no option varies: what the test matrix reads (tests/harness/matrix.py).

    `runtime`: the option changes the code a bake runs, so the runtime layer varies it. The others
    change only files that the static layer and the deploy validators check (deploy manifests,
    CI, proxy, license), and the runtime layer leaves them at their defaults.
    `applies_when`: the condition under which the option makes a difference; otherwise
    `features()` drops it and the bake ignores it (empty: it always applies).
    """

    runtime: bool
    applies_when: Condition = ALWAYS


# Every choice and yes/no option of cookiecutter.json, classified (tests/test_rules.py fails for
# an option missing here, and checks `applies_when` against `features()`). Free-text options are
# in FIELD_RULES instead; the matrix keeps them at their defaults.
OPTION_AXES: dict[str, Axis] = {
    "license": Axis(runtime=False),
    "python_version": Axis(runtime=True),
    "database": Axis(runtime=True),
    "auth": Axis(runtime=True),
    "worker": Axis(runtime=True),
    "broker": Axis(runtime=True, applies_when={"worker": ("celery",)}),
    "use_beat": Axis(runtime=True, applies_when={"worker": ("celery",)}),
    "use_flower": Axis(runtime=True, applies_when={"worker": ("celery",)}),
    "cache": Axis(runtime=True),
    # Email verification and password reset write to a user: no auth, no mail.
    "email": Axis(
        runtime=True,
        applies_when={"auth": _other_than("auth", "none"), "database": _other_than("database", "none")},
    ),
    "use_sentry": Axis(runtime=True),
    "use_prometheus": Axis(runtime=True),
    "use_opentelemetry": Axis(runtime=True),
    "object_storage": Axis(runtime=True),
    "log_shipping": Axis(runtime=False),
    "reverse_proxy": Axis(runtime=False),
    "ci": Axis(runtime=False),
    "container_registry": Axis(runtime=False, applies_when={"ci": _other_than("ci", "none")}),
    "use_kubernetes": Axis(runtime=False),
    "use_heroku": Axis(runtime=False),
    "use_render": Axis(runtime=False),
    "use_watchtower": Axis(runtime=False),
    # The live channel: /api/v1/ws, and the events the domains publish into it.
    "use_websockets": Axis(runtime=True),
    # The examples need a table.
    "include_examples": Axis(runtime=True, applies_when={"database": _other_than("database", "none")}),
    # Neither changes the service's code, but each adds something the runtime layer can run: the
    # site's tests (every setting and route documented) and the dev container's post-create command
    # (install, migrate) against real services.
    "docs": Axis(runtime=True),
    "use_devcontainer": Axis(runtime=True),
}
RUNTIME_OPTIONS = tuple(option for option, axis in OPTION_AXES.items() if axis.runtime)


def option_values(option: str) -> list[Any]:
    """The values of a choice or yes/no option, default first."""
    if option in CHOICE_OPTIONS:
        return list(CHOICE_OPTIONS[option])
    return [DEFAULTS[option], not DEFAULTS[option]]


def _holds(condition: Condition, answers: Mapping[str, Any]) -> bool:
    return all(answers[option] in values for option, values in condition.items())


def applies(option: str, answers: Mapping[str, Any]) -> bool:
    """Whether the option makes a difference to a bake with these (complete) answers."""
    axis = OPTION_AXES.get(option)
    return axis is None or _holds(axis.applies_when, answers)


def _linked(options: Iterable[str]) -> list[str]:
    """These options and every option that can decide whether they are refused or ignored."""
    linked = set(options)
    frontier = list(linked)
    while frontier:
        option = frontier.pop()
        axis = OPTION_AXES.get(option)
        near = set(axis.applies_when) if axis else set()
        for condition, _ in CONTRADICTIONS:
            if option in condition:
                near |= set(condition)
        frontier += near - linked
        linked |= near
    return sorted(linked)


def completable(partial: Mapping[str, Any], *, ignored_at_default: bool = False) -> bool:
    """Whether some valid answer set contains these (possibly partial) choice and yes/no answers.

    With `ignored_at_default`, one where every option that does not apply is at its default too:
    the test matrix asks this, so that no row pretends to cover a value its bake ignores. Only the
    options linked to the given ones by a condition are tried, so this stays cheap.
    """
    missing = [option for option in _linked(partial) if option not in partial]
    for values in itertools.product(*(option_values(option) for option in missing)):
        answers = {**partial, **dict(zip(missing, values, strict=True))}
        if any(
            set(condition) <= answers.keys() and _holds(condition, answers) for condition, _ in CONTRADICTIONS
        ):
            continue
        if ignored_at_default and any(
            value != DEFAULTS[option] and not applies(option, answers) for option, value in answers.items()
        ):
            continue
        return True
    return False


def validate(answers: Mapping[str, Any]) -> list[str]:
    """Return one readable line per problem with the answers; empty when they are valid."""
    errors: list[str] = []
    for option in DEFAULTS:
        if option not in answers:
            errors.append(f"{option} is missing from the answers")
    if errors:
        return errors
    for option, choices in CHOICE_OPTIONS.items():
        if answers[option] not in choices:
            errors.append(f"{option}={answers[option]!r} is not a choice; use one of: {', '.join(choices)}")
    for option in BOOLEAN_OPTIONS:
        if not isinstance(answers[option], bool):
            errors.append(f"{option}={answers[option]!r} is not a yes/no answer; use true or false")
    for option, rule in FIELD_RULES.items():
        value = answers[option]
        message = rule(value) if isinstance(value, str) else f"{option} must be text"
        if message:
            errors.append(message)
    if errors:
        return errors
    return [message.format(**answers) for condition, message in CONTRADICTIONS if _holds(condition, answers)]


def features(answers: Mapping[str, Any]) -> frozenset[str]:
    """What the bake contains, derived from the answers; options that do not apply drop out here.

    Templates test these names (`{% if 'redis' in cookiecutter | features %}`) and the manifest
    below keys paths on them, so an implication is written once.
    """
    a = answers
    on: set[str] = set()
    has_db = a["database"] != "none"
    if has_db:
        on |= {"db", a["database"]}
    if a["database"] != "sqlite":
        # Every process reaches its state over the network, so the API and the workers can run
        # as many pods (or dynos) as needed. A SQLite file pins them all to one pod.
        on.add("scale_out")
    if has_db and a["auth"] != "none":
        on |= {"auth", a["auth"]}
    if a["worker"] == "celery":
        on |= {"celery", f"broker_{a['broker']}"}
        on |= {name for name, flag in (("beat", a["use_beat"]), ("flower", a["use_flower"])) if flag}
    if a["cache"] == "redis":
        on.add("cache")
    if "cache" in on or "broker_redis" in on:
        on.add("redis")
    if a["email"] == "smtp" and "auth" in on:
        on.add("email")
    on |= {name for name in ("sentry", "prometheus") if a[f"use_{name}"]}
    if a["use_opentelemetry"]:
        on.add("opentelemetry")
    if a["object_storage"] == "s3":
        on.add("storage")
    if a["license"] == "Proprietary":
        on.add("proprietary")
    if a["log_shipping"] == "fluent-bit":
        on.add("fluent_bit")
    if a["reverse_proxy"] != "none":
        on |= {"proxy", a["reverse_proxy"]}
    if a["ci"] != "none":
        on |= {a["ci"], a["container_registry"]}
    on |= {name for name in ("kubernetes", "heroku", "render", "watchtower") if a[f"use_{name}"]}
    if a["use_websockets"]:
        # The live channel, and how its events travel: over Redis pub/sub when the bake has Redis,
        # within the process that raised them otherwise.
        on |= {"websockets", "websockets_redis" if "redis" in on else "websockets_local"}
        if "auth" not in on:
            on.add("websockets_public")  # no users: every socket gets the (public) events
    if {"postgresql", "redis", "broker_rabbitmq"} & on:
        # The tests need a server: tests/local_servers.py finds one, starts one, or says what to do.
        on.add("test_servers")
    if a["include_examples"] and has_db:
        on.add("items")
        if "celery" in on:
            on.add("jobs")
        if "storage" in on:
            # Files attached to items: the example of object storage. Without a worker, the API
            # removes a deleted item's files itself.
            on.add("attachments")
            if "celery" not in on:
                on.add("attachments_inline_cleanup")
    if a["docs"] == "mkdocs":
        on.add("docs_site")
    if a["use_devcontainer"]:
        on.add("devcontainer")
    return frozenset(on)


# license answer -> the SPDX expression the baked pyproject declares. The verbatim text is
# licenses/<answer>.txt in the template (MIT and BSD-3-Clause from the SPDX License List, Apache-2.0
# and GPL-3.0-only from Debian's /usr/share/common-licenses); the post-gen hook writes it to LICENSE.
LICENSE_EXPRESSIONS: dict[str, str] = {
    "MIT": "MIT",
    "Apache-2.0": "Apache-2.0",
    "BSD-3-Clause": "BSD-3-Clause",
    "GPL-3.0-only": "GPL-3.0-only",
    "Proprietary": "LicenseRef-Proprietary",
}
LICENSE_TEXTS_DIR = "licenses"


def license_text_path(answers: Mapping[str, Any]) -> str:
    """Where the chosen license's text sits in the unpruned bake."""
    return f"{LICENSE_TEXTS_DIR}/{answers['license']}.txt"


# Path (relative to the baked project; {package} is the import name) -> the feature that keeps it.
# A tuple means every feature must be on. The pruner fails loudly if a listed path is missing, so
# a renamed file cannot silently escape pruning.
MANIFEST: dict[str, str | tuple[str, ...]] = {
    "migrations": "db",
    "alembic.ini": "db",
    "src/{package}/core/db.py": "db",
    "src/{package}/core/db_postgresql.py": "postgresql",
    "src/{package}/core/db_sqlite.py": "sqlite",
    "src/{package}/core/security.py": "auth",
    "src/{package}/auth/cookies.py": "cookie",
    "src/{package}/auth/cookie_sessions.py": "cookie",
    "src/{package}/auth/bearer_sessions.py": "bearer",
    "src/{package}/core/csrf.py": "cookie",
    "src/{package}/auth/housekeeping.py": ("beat", "auth"),
    "src/{package}/auth/rate_limit.py": ("cache", "auth"),
    "src/{package}/auth": "auth",
    "src/{package}/users": "auth",
    "src/{package}/cli.py": "auth",
    "src/{package}/items": "items",
    "tests/test_auth.py": "auth",
    "tests/test_auth_status_cache.py": "auth",
    "tests/test_auth_bearer.py": "bearer",
    "tests/test_auth_cookie.py": "cookie",
    "tests/test_users.py": "auth",
    "tests/test_cli.py": "auth",
    "tests/test_items.py": "items",
    "tests/test_items_owners.py": ("items", "auth"),
    "tests/test_errors_db.py": "db",
    "tests/test_config_db.py": "db",
    "tests/test_db.py": "db",
    "tests/test_db_postgres.py": "postgresql",
    "tests/test_db_sqlite.py": "sqlite",
    "tests/local_servers.py": "test_servers",
    # The tests' fixture plugins, one per part of the service (tests/conftest.py lists them).
    "tests/fixtures/postgres.py": "postgresql",
    "tests/fixtures/sqlite.py": "sqlite",
    "tests/fixtures/database.py": "db",
    "tests/fixtures/redis.py": "redis",
    "tests/fixtures/rabbitmq.py": "broker_rabbitmq",
    "tests/fixtures/mail.py": "email",
    "tests/fixtures/worker.py": ("celery", "db"),
    "tests/fixtures/mail_worker.py": ("email", "celery"),
    "tests/fixtures/celery_queues.py": "broker_redis",
    "tests/fixtures/users.py": "auth",
    "tests/fixtures/items.py": "items",
    "tests/fixtures/jobs.py": "jobs",
    "tests/fixtures/job_owners.py": ("jobs", "auth"),
    "tests/fixtures/storage.py": "storage",
    "tests/fixtures/attachments.py": "attachments",
    # Deploy artifacts. Files inside deploy/k8s come before deploy/k8s itself, so each is pruned
    # while it still exists.
    # With SQLite one pod holds the file: migrations run as its init container, the worker and
    # beat as containers beside the api, and nothing scales out.
    "deploy/k8s/base/migrate-job.yaml": ("kubernetes", "postgresql"),
    "deploy/k8s/base/data-pvc.yaml": ("kubernetes", "sqlite"),
    "deploy/k8s/base/hpa-api.yaml": ("kubernetes", "scale_out"),
    "deploy/k8s/base/pdb.yaml": ("kubernetes", "scale_out"),
    "deploy/k8s/base/worker.yaml": ("kubernetes", "celery", "scale_out"),
    "deploy/k8s/base/hpa-worker.yaml": ("kubernetes", "celery", "scale_out"),
    "deploy/k8s/base/beat.yaml": ("kubernetes", "beat", "scale_out"),
    "deploy/k8s/base/patches": ("kubernetes", "sqlite"),
    "deploy/k8s": "kubernetes",
    "scripts/k8s-secret.sh": "kubernetes",
    # Compose: compose.yaml and compose.prod.yaml hold the api and include one file per other
    # service, compose/<service>.yaml and compose/<service>.prod.yaml, the ones kept here (the
    # `compose_files` filter lists them). compose/app.yaml and app.prod.yaml are always kept.
    "compose/migrate.yaml": "db",
    "compose/migrate.prod.yaml": "db",
    "compose/worker.yaml": "celery",
    "compose/worker.prod.yaml": "celery",
    "compose/beat.yaml": "beat",
    "compose/beat.prod.yaml": "beat",
    "compose/flower.yaml": "flower",
    "compose/flower.prod.yaml": "flower",
    "compose/db.yaml": "postgresql",
    "compose/db.prod.yaml": "postgresql",
    "compose/redis.yaml": "redis",
    "compose/redis.prod.yaml": "redis",
    "compose/rabbitmq.yaml": "broker_rabbitmq",
    "compose/rabbitmq.prod.yaml": "broker_rabbitmq",
    "compose/mailpit.yaml": "email",
    "compose/traefik.prod.yaml": "traefik",
    "compose/nginx.prod.yaml": "nginx",
    "compose/fluent-bit.yaml": "fluent_bit",
    "compose/fluent-bit.prod.yaml": "fluent_bit",
    "compose/watchtower.prod.yaml": "watchtower",
    "deploy/traefik": "traefik",
    "deploy/nginx": "nginx",
    "deploy/fluent-bit": "fluent_bit",
    "tests/test_log_shipping.py": "fluent_bit",
    "Procfile": "heroku",
    "app.json": "heroku",
    "render.yaml": "render",
    ".github": "github",
    ".gitlab-ci.yml": "gitlab",
    "src/{package}/core/redis.py": "redis",
    # Rate limiting guards login: without auth there is nothing to limit.
    "src/{package}/core/rate_limit.py": ("cache", "auth"),
    "tests/test_rate_limit.py": ("cache", "auth"),
    "src/{package}/core/metrics.py": "prometheus",
    "tests/test_metrics.py": "prometheus",
    "src/{package}/core/storage.py": "storage",
    "tests/test_storage.py": "storage",
    "tests/test_attachments.py": "attachments",
    "tests/test_attachments_owners.py": ("attachments", "auth"),
    "tests/test_attachments_worker.py": ("attachments", "celery"),
    "src/{package}/items/attachments.py": "attachments",
    "src/{package}/items/attachments_router.py": "attachments",
    "src/{package}/items/attachments_cleanup.py": "attachments_inline_cleanup",
    "tests/test_attachments_cleanup.py": "attachments_inline_cleanup",
    "src/{package}/items/attachments_tasks.py": ("attachments", "celery"),
    "compose/minio.yaml": "storage",
    "docs/storage.md": "storage",
    "src/{package}/core/sentry.py": "sentry",
    "tests/test_sentry.py": "sentry",
    "tests/fixtures/sentry.py": "sentry",
    "tests/test_sentry_worker.py": ("sentry", "celery"),
    # Tracing. worker/tracing.py comes before worker/ (see deploy/k8s above).
    "src/{package}/core/tracing.py": "opentelemetry",
    "src/{package}/worker/tracing.py": ("opentelemetry", "celery"),
    "tests/fixtures/tracing.py": "opentelemetry",
    "tests/test_tracing.py": "opentelemetry",
    "tests/test_tracing_export.py": "opentelemetry",
    "tests/test_tracing_jobs.py": ("opentelemetry", "jobs"),
    "tests/test_tracing_sentry.py": ("opentelemetry", "sentry"),
    "tests/test_tracing_worker.py": ("opentelemetry", "celery"),
    "compose/jaeger.yaml": "opentelemetry",
    "docs/tracing.md": "opentelemetry",
    # Background work. Files inside worker/ come before worker/ itself (see deploy/k8s above).
    "src/{package}/worker/schedule.py": "beat",
    "src/{package}/worker/runtime.py": ("celery", "db"),
    "src/{package}/account/housekeeping.py": ("beat", "email"),
    "src/{package}/worker": "celery",
    "src/{package}/jobs": "jobs",
    "tests/test_worker.py": "celery",
    "tests/test_worker_db.py": ("celery", "db"),
    "tests/test_config_broker_redis.py": "broker_redis",
    "tests/test_config_broker_rabbitmq.py": "broker_rabbitmq",
    "tests/test_housekeeping.py": ("beat", "auth"),
    "tests/test_housekeeping_email.py": ("beat", "email"),
    "tests/test_jobs.py": "jobs",
    "tests/test_jobs_owners.py": ("jobs", "auth"),
    "tests/test_jobs_race_postgres.py": ("jobs", "postgresql"),
    "tests/test_jobs_race_sqlite.py": ("jobs", "sqlite"),
    "tests/test_jobs_worker.py": "jobs",
    # Email: mail/tasks.py comes before mail/ (see deploy/k8s above).
    "src/{package}/account/rate_limit.py": ("email", "cache"),
    "src/{package}/account": "email",
    "src/{package}/mail/tasks.py": ("email", "celery"),
    "src/{package}/mail": "email",
    "tests/smtp_sink.py": "email",
    "tests/test_account.py": "email",
    "tests/test_account_rate_limit.py": ("email", "cache"),
    "tests/test_mail.py": "email",
    "tests/test_mail_worker.py": ("email", "celery"),
    # Guides in the bake's docs/, one per feature; the README lists the ones a bake keeps.
    "docs/auth-cookies.md": "cookie",
    # The live channel (use_websockets): files inside live/ come before live/ (see deploy/k8s).
    "src/{package}/live/redis_bus.py": "websockets_redis",
    "src/{package}/live/local_bus.py": "websockets_local",
    "src/{package}/live/auth.py": ("websockets", "auth"),
    "src/{package}/live/bearer.py": ("websockets", "bearer"),
    "src/{package}/live/cookie.py": ("websockets", "cookie"),
    "src/{package}/live/public.py": "websockets_public",
    "src/{package}/live": "websockets",
    "src/{package}/jobs/live.py": ("jobs", "websockets"),
    "tests/fixtures/live.py": "websockets",
    "tests/fixtures/live_users.py": ("websockets", "auth"),
    "tests/test_websockets.py": "websockets",
    "tests/test_websockets_items.py": ("websockets", "items"),
    "tests/test_websockets_auth.py": ("websockets", "auth"),
    "tests/test_websockets_bearer.py": ("websockets", "bearer"),
    "tests/test_websockets_cookie.py": ("websockets", "cookie"),
    # An event raised in one API worker reaches the others over Redis only.
    "tests/test_websockets_workers.py": ("websockets_redis", "items"),
    # The worker's events reach the API over Redis only.
    "tests/test_websockets_jobs.py": ("websockets_redis", "jobs"),
    "docs/websockets.md": "websockets",
    "docs/email.md": "email",
    "docs/metrics.md": "prometheus",
    "docs/deploy/kubernetes.md": "kubernetes",
    "docs/deploy/heroku.md": "heroku",
    "docs/deploy/render.md": "render",
    "docs/deploy/github-actions.md": "github",
    "docs/deploy/gitlab-ci.md": "gitlab",
    # The docs site (docs=mkdocs): its config, its hand-written pages, and the generator
    # (a MkDocs hook) that writes the architecture, settings and API pages from the code.
    "mkdocs.yml": "docs_site",
    "docs/runbook.md": "docs_site",
    "scripts/docs_gen.py": "docs_site",
    ".github/workflows/docs.yml": ("github", "docs_site"),
    "tests/test_docs_site.py": "docs_site",
    # The dev container (use_devcontainer=true) and its guide.
    ".devcontainer": "devcontainer",
    "docs/devcontainer.md": "devcontainer",
}


# The settings of each part of the service: core/settings/<module>.py holds <class>, kept with
# the feature(s) named. core/config.py's `Settings` inherits from the kept ones (`settings_classes`).
SETTINGS_MODULES: dict[str, tuple[str, str | tuple[str, ...]]] = {
    "attachments": ("AttachmentSettings", "attachments"),
    "auth": ("AuthSettings", "auth"),
    "celery": ("CelerySettings", "celery"),
    "cookie": ("CookieSettings", "cookie"),
    "database": ("DatabaseSettings", "db"),
    "housekeeping": ("HousekeepingSettings", ("beat", "auth")),
    "jobs": ("JobsSettings", "jobs"),
    "mail": ("MailSettings", "email"),
    "metrics": ("MetricsSettings", "prometheus"),
    "rate_limit": ("RateLimitSettings", ("cache", "auth")),
    "redis": ("RedisSettings", "redis"),
    "sentry": ("SentrySettings", "sentry"),
    "storage": ("StorageSettings", "storage"),
    "live": ("LiveSettings", "websockets"),
    "live_bearer": ("LiveBearerSettings", ("websockets", "bearer")),
}
MANIFEST.update(
    {f"src/{{package}}/core/settings/{module}.py": needs for module, (_, needs) in SETTINGS_MODULES.items()}
)


# What each part adds to the app (routers, lifespan, readiness checks, middleware) is a `Feature`
# named FEATURE in src/<package>/<module>.py, kept with the feature(s) named. main.py imports the
# kept ones and puts them together in this order (`app_features`): they start in it and stop in
# reverse, report readiness in it, and their routes are included and documented in it.
APP_FEATURES: dict[str, str | tuple[str, ...]] = {
    "core.features.sentry": "sentry",
    "core.features.tracing": "opentelemetry",
    "core.features.database": "db",
    "core.features.redis": "redis",
    "worker.feature": "celery",
    "core.features.storage": "storage",
    "core.features.csrf": "cookie",
    "core.features.metrics": "prometheus",
    "auth.feature": "auth",
    "account.feature": "email",
    "users.feature": "auth",
    "items.feature": "items",
    "jobs.feature": "jobs",
    "items.attachments_feature": "attachments",
    # Last: it starts after Redis and the domains, and its sockets close (1001) before they stop.
    "items.live": ("items", "websockets"),
    "live.feature": "websockets",
}
MANIFEST.update(
    {f"src/{{package}}/{module.replace('.', '/')}.py": needs for module, needs in APP_FEATURES.items()}
)

# The modules that define Celery tasks, in the domains they serve: the worker imports the kept ones
# at start-up (`task_modules`). Each is pruned with its domain, so none needs a feature here.
TASK_MODULES = (
    "jobs.tasks",
    "items.attachments_tasks",
    "mail.tasks",
    "auth.housekeeping",
    "account.housekeeping",
)

# The first revisions, one per feature that has tables: migrations/versions/<revision>_<name>.py,
# kept with the feature named. Alembic needs static ids, so each revision has the same id in every
# bake; it revises the kept revision before it (`down_revision`), so the kept ones form one chain.
REVISIONS: dict[str, tuple[str, str]] = {
    "0001": ("users", "auth"),
    "0002": ("email_tokens", "email"),
    "0003": ("items", "items"),
    "0004": ("jobs", "jobs"),
    "0005": ("attachments", "attachments"),
}
MANIFEST.update(
    {f"migrations/versions/{revision}_{name}.py": needs for revision, (name, needs) in REVISIONS.items()}
)


def _keeps(needs: str | tuple[str, ...], on: frozenset[str]) -> bool:
    return all(name in on for name in ((needs,) if isinstance(needs, str) else needs))


def settings_classes(answers: Mapping[str, Any]) -> list[tuple[str, str]]:
    """(module, class) of the settings modules the answers keep, sorted by module."""
    on = features(answers)
    return [(module, cls) for module, (cls, needs) in sorted(SETTINGS_MODULES.items()) if _keeps(needs, on)]


def app_features(answers: Mapping[str, Any]) -> list[str]:
    """The modules (below the package) of the app's parts that the answers keep, in their order."""
    on = features(answers)
    return [module for module, needs in APP_FEATURES.items() if _keeps(needs, on)]


def down_revision(answers: Mapping[str, Any], revision: str) -> str | None:
    """The kept revision that `revision` revises: the last one before it that the answers keep.

    Every revision file is rendered before the pruner removes the unkept ones, so `revision`
    itself may be one of those.
    """
    on = features(answers)
    ordered = list(REVISIONS)
    earlier = ordered[: ordered.index(revision)]
    kept = [rev for rev in earlier if _keeps(REVISIONS[rev][1], on)]
    return kept[-1] if kept else None


def manifest_paths(answers: Mapping[str, Any]) -> list[str]:
    """Every manifest path, with {package} filled in."""
    return [path.format(package=answers["package_name"]) for path in MANIFEST]


def paths_to_prune(answers: Mapping[str, Any]) -> list[str]:
    """The manifest paths that the answers do not keep, with {package} filled in."""
    on = features(answers)
    return [
        path.format(package=answers["package_name"])
        for path, needs in MANIFEST.items()
        if not _keeps(needs, on)
    ]


# Import and distribution names each feature owns: with the feature off, none may remain in the
# bake's Python imports or pyproject dependencies.
OWNED_IMPORTS: dict[str, tuple[str, ...]] = {
    "db": ("sqlalchemy", "alembic"),
    "postgresql": ("asyncpg",),
    "sqlite": ("aiosqlite",),
    "auth": ("jwt", "pwdlib"),
    "celery": ("celery", "kombu"),
    "email": ("aiosmtplib", "aiosmtpd"),
    "flower": ("flower",),
    "redis": ("redis",),
    "sentry": ("sentry_sdk",),
    "prometheus": ("prometheus_client",),
    "docs_site": ("mkdocs", "mkdocs_material"),
    # Every opentelemetry-* distribution: FastAPI itself depends on opentelemetry-api, but a bake
    # without the feature neither imports it in its code nor declares it.
    "opentelemetry": ("opentelemetry",),
    "storage": ("aiobotocore", "botocore", "types_aiobotocore", "types_aiobotocore_s3", "moto"),
    "websockets": ("websockets",),
}

# Words a bake's README may use only when the bake has the feature (with OWNED_IMPORTS, read by the
# static layer's README check): a README must not promise a library or a service it lacks.
FEATURE_WORDS: dict[str, tuple[str, ...]] = {
    "db": ("SQLAlchemy", "Alembic", "make migrate"),
    "postgresql": ("PostgreSQL", "asyncpg"),
    "sqlite": ("SQLite", "aiosqlite"),
    "auth": ("JWT", "superuser", "argon2"),
    "cookie": ("CSRF",),
    "celery": ("Celery", "make worker"),
    "broker_rabbitmq": ("RabbitMQ", "CloudAMQP"),
    "beat": ("make beat",),
    "flower": ("Flower",),
    "redis": ("Redis",),
    "email": ("SMTP", "Mailpit"),
    "sentry": ("Sentry",),
    "prometheus": ("Prometheus", "/metrics"),
    "opentelemetry": ("OpenTelemetry", "Jaeger", "OTEL_EXPORTER_OTLP_ENDPOINT"),
    "kubernetes": ("Kubernetes", "kubectl", "Kustomize"),
    "heroku": ("Heroku",),
    "render": ("render.yaml",),
    "traefik": ("Traefik",),
    "nginx": ("nginx",),
    "fluent_bit": ("fluent-bit",),
    "watchtower": ("Watchtower",),
    "github": ("GitHub Actions",),
    "gitlab": ("GitLab CI",),
    "items": ("/api/v1/items",),
    "jobs": ("/api/v1/jobs", "Idempotency-Key"),
    "docs_site": ("make docs", "make docs-serve", "mkdocs.yml"),
    "devcontainer": (".devcontainer", "Dev Containers"),
    "storage": ("MinIO", "S3_BUCKET"),
    "attachments": ("/attachments",),
    "websockets": ("/api/v1/ws", "WebSocket"),
}
