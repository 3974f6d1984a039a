"""Reliability and security drills (issue E) on the default bake, served for real.

The drills run in one xdist group, in file order, against a PostgreSQL and a Redis of their own,
because they stop those servers. Each records one line with its figure for the drill summary.
The cookie-auth bake gets its own fuzz and CSRF drills, at the end, on the shared servers (the
bake with the live channel has its drills in tests/test_drills_live.py).
"""

from __future__ import annotations

import os
import secrets
import signal
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import httpx
import psycopg
import pytest
import redis
from conftest import Services
from harness import summary
from harness.api import API, PASSWORD
from harness.baking import Baked, run, sync, variant_id
from harness.checks import dotenv
from harness.drills import (
    Probe,
    Stack,
    bandit,
    browser_session,
    drill,
    error_code,
    fuzz_every_operation,
    pip_audit,
    secret_scan,
    wait_for,
    wrk,
)
from harness.job_drills import (
    DRILL_TRIGGER_SQL,
    Worker,
    enqueue,
    job_events,
    job_state,
    plain_url,
    wait_for_sleeping_update,
)
from harness.services import Postgres, Redis
from harness.serving import serving

pytestmark = [pytest.mark.runtime, pytest.mark.xdist_group("drills")]

BakeFn = Callable[..., Baked]

LOAD_CONNECTIONS = 64
LOAD_SECONDS = int(os.environ.get("DRILL_LOAD_SECONDS", "30"))
LOGIN_RATE_LIMIT = 5
READY_DOWN_WITHIN_S = 2.0
READY_UP_WITHIN_S = 5.0
FAST_ANSWER_S = 2.0  # "quickly": well under the 5 s connect timeout a hang would hit


@pytest.fixture(scope="module")
def synced(bake: BakeFn) -> Baked:
    """The default bake, installed (this also writes uv.lock, which pip-audit reads)."""
    baked = bake()
    with summary.timed("drills", "sync"):
        sync(baked.path)
    return baked


@pytest.fixture(scope="module")
def stack(synced: Baked) -> Iterator[Stack]:
    """The bake served by uvicorn, on a PostgreSQL and a Redis the drills may stop and start."""
    with Postgres.start(own_server=True) as postgres, Redis.start(own_server=True) as redis_server:
        env = {
            "DATABASE_URL": postgres.create_database("drills"),
            "REDIS_URL": redis_server.url(),
            "ENVIRONMENT": "test",
            "SECRET_KEY": secrets.token_hex(32),
            "LOGIN_RATE_LIMIT": str(LOGIN_RATE_LIMIT),
        }
        run(["uv", "run", "--no-sync", "alembic", "upgrade", "head"], cwd=synced.path, env=env)
        with serving(synced, env) as base:
            yield Stack(baked=synced, env=env, base=base, postgres=postgres, redis=redis_server)


# --- Security scans ----------------------------------------------------------------------------


def test_bandit_finds_no_medium_or_high_issue(synced: Baked) -> None:
    with drill("bandit") as figure:
        report = bandit(synced.path / "src")
        issues = report["results"]
        serious = [i for i in issues if i["issue_severity"] in {"MEDIUM", "HIGH"}]
        files = len(report["metrics"]) - 1  # one entry per file plus "_totals"
        figure.detail = f"{files} files in src/, {len(serious)} medium/high, {len(issues) - len(serious)} low"
        assert report["errors"] == [], report["errors"]
        assert files > 0
        assert not serious, "\n".join(
            f"{i['filename']}:{i['line_number']}: {i['test_id']} {i['issue_text']}" for i in serious
        )


def test_pip_audit_finds_no_known_vulnerability(synced: Baked, tmp_path: Path) -> None:
    with drill("pip-audit") as figure:
        report = pip_audit(synced.path, tmp_path)
        packages = report["dependencies"]
        vulnerable = [p for p in packages if p.get("vulns")]
        figure.detail = f"{len(packages)} locked packages, {len(vulnerable)} with known vulnerabilities"
        assert len(packages) > 20, report
        # Fix a finding by raising the lower bound in the bake's pyproject.toml, never by ignoring it.
        found = [
            f"{p['name']} {p['version']}: {v['id']} (fixed in {v['fix_versions']})"
            for p in vulnerable
            for v in p["vulns"]
        ]
        assert not vulnerable, "\n".join(found)


def test_secret_scan_finds_no_key_and_no_secret_outside_dotenv(synced: Baked) -> None:
    with drill("secret scan") as figure:
        env_file = dotenv(synced.path / ".env")
        hits, problems = secret_scan(synced.path, env_file)
        figure.detail = (
            f"{hits} detect-secrets hits (placeholders and test values), {len(problems)} real secrets "
            "or private keys outside .env"
        )
        assert env_file.get("SECRET_KEY"), "the bake's .env holds no generated SECRET_KEY"
        assert not problems, "\n".join(f"{p.path}:{p.line}: {p.kind}: {p.reason}" for p in problems)
        ignored = (synced.path / ".gitignore").read_text().splitlines()
        assert ".env" in ignored, ".env (real secrets) must be git-ignored"


def test_secret_scan_catches_a_planted_key_and_a_leaked_env_value(tmp_path: Path) -> None:
    """The scan above passing means something only if it fails on the leaks it looks for."""
    leaked = secrets.token_hex(32)
    (tmp_path / ".env").write_text(f"SECRET_KEY={leaked}\n")
    (tmp_path / "deploy.pem").write_text("-----BEGIN " + "RSA PRIVATE KEY-----\nMIIEow==\n")
    (tmp_path / "settings.py").write_text(f'SECRET_KEY = "{leaked}"\n')
    (tmp_path / "config.py").write_text(f'api_key = "{secrets.token_urlsafe(30)}1"\n')
    (tmp_path / "example.py").write_text('password = "change-me"\n')
    _, problems = secret_scan(tmp_path, dotenv(tmp_path / ".env"))
    found = {(p.path, p.reason) for p in problems}
    assert ("deploy.pem", "a credential format") in found, problems
    assert ("settings.py", "the .env value") in found, problems
    assert ("config.py", "a random-looking value outside tests") in found, problems
    assert not any(p.path in {".env", "example.py"} for p in problems), problems


# --- Fuzzing -----------------------------------------------------------------------------------


def test_fuzzing_finds_no_server_error_and_no_schema_violation(stack: Stack, tmp_path: Path) -> None:
    _, headers = stack.new_user("fuzz")
    with drill("fuzz") as figure:
        fuzz_every_operation(figure, stack.base, tmp_path / "schemathesis.json", headers)


# --- Load --------------------------------------------------------------------------------------


def test_load_64_connections_for_30_seconds_without_an_error(stack: Stack, tmp_path: Path) -> None:
    _, headers = stack.new_user("load")
    with stack.client() as client:
        for number in range(20):
            created = client.post(f"{API}/items", json={"title": f"item {number}"}, headers=headers)
            assert created.status_code == 201, created.text
    with drill("load") as figure:
        result = wrk(f"{stack.base}{API}/items?limit=20", headers, LOAD_CONNECTIONS, LOAD_SECONDS, tmp_path)
        errors = sum(result[k] for k in ("non2xx", "connect", "read", "write", "timeout"))
        figure.detail = (
            f"{LOAD_CONNECTIONS} connections x {LOAD_SECONDS} s on GET {API}/items?limit=20: "
            f"{result['requests']:,} requests ({result['requests'] / result['seconds']:.0f}/s), "
            f"p50 {result['p50_ms']:.0f} ms, p99 {result['p99_ms']:.0f} ms, {errors} errors"
        )
        assert result["requests"] > LOAD_CONNECTIONS * LOAD_SECONDS, result["output"]
        assert errors == 0, result["output"]


# --- Failures of the backing services ----------------------------------------------------------


def ready_status(stack: Stack) -> tuple[int, dict[str, str]]:
    response = httpx.get(f"{stack.base}/health/ready", timeout=10)
    checks = response.json()["checks"]
    return response.status_code, {name: entry["status"] for name, entry in checks.items()}


def timed_request(
    client: httpx.Client, method: str, path: str, **kwargs: object
) -> tuple[httpx.Response, float]:
    started = time.monotonic()
    response = client.request(method, path, **kwargs)  # type: ignore[arg-type]
    return response, time.monotonic() - started


def test_postgres_outage_answers_503_and_recovers_without_restart(stack: Stack) -> None:
    try:
        email, headers = stack.new_user("pg")
        with stack.client() as client:
            for number in range(3):
                assert (
                    client.post(f"{API}/items", json={"title": f"kept {number}"}, headers=headers).status_code
                    == 201
                )
            before = client.get(f"{API}/items", headers=headers).json()

        with (
            drill("pg outage") as figure,
            Probe(stack.base, [("GET", "/health/live", {}), ("GET", f"{API}/items", headers)]) as probe,
        ):
            time.sleep(0.3)  # the probe is serving requests before the outage starts
            stack.postgres.stop_server()
            down_after = wait_for(lambda: ready_status(stack)[0] == 503, READY_DOWN_WITHIN_S, "ready=503")
            assert ready_status(stack)[1]["database"] == "fail"

            slowest = 0.0
            with stack.client() as client:
                for method, path, kwargs in [
                    ("GET", f"{API}/items", {"headers": headers}),
                    ("POST", f"{API}/items", {"headers": headers, "json": {"title": "lost"}}),
                    ("GET", f"{API}/users/me", {"headers": headers}),
                    ("POST", f"{API}/auth/login", {"data": {"username": email, "password": PASSWORD}}),
                    (
                        "POST",
                        f"{API}/auth/signup",
                        {"json": {"email": "late@example.com", "password": PASSWORD}},
                    ),
                ]:
                    response, seconds = timed_request(client, method, path, **kwargs)
                    slowest = max(slowest, seconds)
                    assert response.status_code == 503, (
                        f"{method} {path}: {response.status_code} {response.text}"
                    )
                    assert error_code(response) == "service_unavailable", response.text
                    assert seconds < FAST_ANSWER_S, f"{method} {path} took {seconds:.1f} s"

            stack.postgres.start_server()
            up_after = wait_for(lambda: ready_status(stack)[0] == 200, READY_UP_WITHIN_S, "ready=200")
            figure.detail = (
                f"ready=503 after {down_after:.2f} s, DB requests 503 in <= {slowest * 1000:.0f} ms, "
                f"ready=200 {up_after:.2f} s after restart, data intact"
            )
            time.sleep(0.3)

        assert probe.answers, "the probe sent no request"
        assert not probe.unexpected({200, 503}), f"{probe.unexpected({200, 503})[:10]}\n{stack.server_log()}"
        assert all(status == 200 for what, status, _ in probe.answers if what == "GET /health/live")
        assert probe.slowest < FAST_ANSWER_S * 2, f"a request took {probe.slowest:.1f} s during the outage"
        with stack.client() as client:
            after = client.get(f"{API}/items", headers=headers)
            assert after.status_code == 200, after.text
            assert after.json() == before, "items changed across the outage"
            assert client.post(f"{API}/items", json={"title": "after"}, headers=headers).status_code == 201
    finally:
        stack.restore()


def test_redis_outage_keeps_the_api_up_and_recovers_without_restart(stack: Stack) -> None:
    try:
        email, headers = stack.new_user("redis")
        jobs = f"POST {API}/jobs" in stack.operations()
        readme = (stack.baked.path / "README.md").read_text().lower()
        assert "fails open" in readme, "the bake's README must document how the login rate limit fails"

        with (
            drill("redis outage") as figure,
            Probe(stack.base, [("GET", "/health/live", {}), ("GET", f"{API}/items", headers)]) as probe,
        ):
            time.sleep(0.3)
            stack.redis.stop_server()
            down_after = wait_for(lambda: ready_status(stack)[0] == 503, READY_DOWN_WITHIN_S, "ready=503")
            checks = ready_status(stack)[1]
            assert checks["redis"] == "fail", checks
            assert checks["database"] == "ok", checks

            with stack.client() as client:
                me, _ = timed_request(client, "GET", f"{API}/users/me", headers=headers)
                assert me.status_code == 200, me.text
                item, _ = timed_request(
                    client, "POST", f"{API}/items", headers=headers, json={"title": "no redis"}
                )
                assert item.status_code == 201, item.text
                # The limiter fails open (documented): more logins than the limit all succeed, no 429/500.
                logins = [
                    timed_request(
                        client, "POST", f"{API}/auth/login", data={"username": email, "password": PASSWORD}
                    )
                    for _ in range(LOGIN_RATE_LIMIT + 2)
                ]
                assert [r.status_code for r, _ in logins] == [200] * (LOGIN_RATE_LIMIT + 2), logins[-1][
                    0
                ].text
                slowest_login = max(seconds for _, seconds in logins)
                job_figure = "no jobs route"
                if jobs:
                    job, seconds = timed_request(
                        client,
                        "POST",
                        f"{API}/jobs",
                        headers={**headers, "Idempotency-Key": "drill-redis-down"},
                        json={},
                    )
                    assert job.status_code == 503, job.text
                    assert error_code(job), job.text  # the one JSON error shape
                    assert seconds < 10, f"enqueueing with the broker down took {seconds:.1f} s"
                    # An API process that has not published yet (just restarted) must fail as fast.
                    with serving(stack.baked, stack.env, "uvicorn-cold.log") as cold_base:
                        started = time.monotonic()
                        cold = httpx.post(
                            f"{cold_base}{API}/jobs",
                            json={},
                            timeout=30,
                            headers={**headers, "Idempotency-Key": "drill-redis-cold"},
                        )
                        cold_seconds = time.monotonic() - started
                    assert cold.status_code == 503, cold.text
                    assert error_code(cold), cold.text
                    assert cold_seconds < 10, f"a cold API took {cold_seconds:.1f} s to refuse a job"
                    job_figure = (
                        f"enqueue 503 in {seconds * 1000:.0f} ms (cold API {cold_seconds * 1000:.0f} ms)"
                    )

            stack.redis.start_server()
            up_after = wait_for(lambda: ready_status(stack)[0] == 200, READY_UP_WITHIN_S, "ready=200")
            figure.detail = (
                f"ready=503 after {down_after:.2f} s, items/users 200, {LOGIN_RATE_LIMIT + 2} logins "
                f"fail open (slowest {slowest_login * 1000:.0f} ms), {job_figure}, "
                f"ready=200 {up_after:.2f} s after restart"
            )
            time.sleep(0.3)

        assert probe.answers, stack.server_log()
        assert not probe.unexpected({200}), f"{probe.unexpected({200})[:10]}\n{stack.server_log()}"
        with stack.client() as client:
            # The limiter works again once Redis is back: the attempt past the limit is refused.
            _, fresh = stack.new_user("redis-back")
            victim = f"redis-back-{secrets.token_hex(4)}@example.com"
            statuses = [
                client.post(f"{API}/auth/login", data={"username": victim, "password": "wrong"}).status_code
                for _ in range(LOGIN_RATE_LIMIT + 1)
            ]
            assert statuses == [401] * LOGIN_RATE_LIMIT + [429], statuses
            if jobs:
                job = client.post(
                    f"{API}/jobs", headers={**fresh, "Idempotency-Key": "drill-redis-back"}, json={}
                )
                assert job.status_code == 202, job.text
    finally:
        stack.restore()


# --- Worker failures ---------------------------------------------------------------------------


@pytest.fixture(scope="module")
def job_drills(stack: Stack) -> Stack:
    assert f"POST {API}/jobs" in stack.operations(), "the default bake has no jobs route"
    with psycopg.connect(plain_url(stack), autocommit=True) as conn:
        conn.execute(DRILL_TRIGGER_SQL)
    # Start from an empty queue: earlier drills (the fuzzer) enqueued jobs no worker ran.
    redis.Redis.from_url(stack.env["REDIS_URL"]).flushdb()
    return stack


def test_worker_killed_mid_task_redelivers_and_succeeds_once(job_drills: Stack, tmp_path: Path) -> None:
    stack = job_drills
    _, headers = stack.new_user("kill")
    worker = Worker(stack, tmp_path / "worker-kill.log")
    try:
        with drill("worker SIGKILL") as figure:
            job_id = enqueue(stack, headers, "drill-slow:3: the quick brown fox")
            wait_for_sleeping_update(stack, worker)
            (child,) = worker.pool_children()
            killed_at = time.monotonic()
            os.kill(child, signal.SIGKILL)
            finished = wait_for(
                lambda: job_state(stack, headers, job_id).status_code == 200,
                30,
                f"the redelivered job to succeed:\n{worker.tail()}",
            )
            job = job_state(stack, headers, job_id).json()
            events = job_events(stack, job_id)
            succeeded = [e for e in events if e[0] == "succeeded"]
            figure.detail = (
                f"pool process killed mid-task, redelivered, succeeded {finished:.1f} s later; "
                f"attempts={job['attempts']}, succeeded recorded {len(succeeded)}x"
            )
            assert time.monotonic() - killed_at < 30
            assert job["state"] == "succeeded", job
            assert job["result"]["words"] == 6, job
            assert job["attempts"] == 2, f"expected a second delivery, got {job['attempts']}: {events}"
            assert len(succeeded) == 1, events
            assert worker.proc.poll() is None, "the worker's main process must survive its child"
    finally:
        worker.stop()


def test_worker_sigterm_lets_the_running_task_finish(job_drills: Stack, tmp_path: Path) -> None:
    stack = job_drills
    _, headers = stack.new_user("term")
    worker = Worker(stack, tmp_path / "worker-term.log")
    try:
        with drill("worker SIGTERM") as figure:
            job_id = enqueue(stack, headers, "drill-slow:2: warm shutdown")
            wait_for_sleeping_update(stack, worker)
            worker.proc.send_signal(signal.SIGTERM)
            started = time.monotonic()
            code = worker.proc.wait(timeout=30)
            exited_after = time.monotonic() - started
            job = job_state(stack, headers, job_id)
            events = job_events(stack, job_id)
            figure.detail = (
                f"warm shutdown waited {exited_after:.1f} s for the running task; exit {code}, "
                f"job {job.json().get('state')} on attempt {job.json().get('attempts')}"
            )
            assert code == 0, worker.tail()
            assert job.status_code == 200, job.text
            assert job.json()["state"] == "succeeded", job.text
            assert job.json()["attempts"] == 1, events
            assert [e for e in events if e[0] == "succeeded"] == [("succeeded", 1)], events
    finally:
        worker.stop()


# --- Cookie authentication ---------------------------------------------------------------------

COOKIE_AUTH = {"auth": "cookie"}


@pytest.fixture(scope="module")
def cookie_base(bake: BakeFn, services: Services) -> Iterator[str]:
    """The cookie-auth bake (every other option at its default), migrated and served."""
    baked = bake(**COOKIE_AUTH)
    name = variant_id(COOKIE_AUTH)
    env = services.app_env(f"drills-{name}")
    with summary.timed(name, "sync"):
        sync(baked.path, env)
    run(["uv", "run", "--no-sync", "alembic", "upgrade", "head"], cwd=baked.path, env=env)
    with serving(baked, env) as base:
        yield base


def test_cookie_bake_refuses_an_unsafe_request_without_the_csrf_token(cookie_base: str) -> None:
    with drill("csrf (cookie)") as figure, httpx.Client(base_url=cookie_base, timeout=10) as client:
        signup = {"email": "csrf-drill@example.com", "password": PASSWORD}
        anonymous = client.post(f"{API}/auth/signup", json=signup)
        security = browser_session(cookie_base, "csrf")
        client.cookies.set("access_token", security["APIKeyCookie"])
        client.cookies.set("csrftoken", security["CSRFToken"])
        item = {"title": "forged?"}
        missing = client.post(f"{API}/items", json=item)
        wrong = client.post(f"{API}/items", json=item, headers={"X-CSRF-Token": "x" * 43})
        right = client.post(f"{API}/items", json=item, headers={"X-CSRF-Token": security["CSRFToken"]})
        stored = client.get(f"{API}/items").json()["total"]
        figure.detail = (
            f"POST without the token: {anonymous.status_code} {error_code(anonymous)} (signed out), "
            f"{missing.status_code} {error_code(missing)} (signed in); wrong token "
            f"{wrong.status_code} {error_code(wrong)}; right token {right.status_code}; "
            f"{stored} item stored"
        )
        assert (anonymous.status_code, error_code(anonymous)) == (403, "csrf_token_missing"), anonymous.text
        assert (missing.status_code, error_code(missing)) == (403, "csrf_token_missing"), missing.text
        assert (wrong.status_code, error_code(wrong)) == (403, "csrf_token_mismatch"), wrong.text
        assert right.status_code == 201, right.text
        assert stored == 1, "a refused request must store nothing"


def test_fuzzing_the_cookie_bake_finds_no_server_error_and_no_schema_violation(
    cookie_base: str, tmp_path: Path
) -> None:
    security = browser_session(cookie_base, "fuzz")
    with drill("fuzz (cookie)") as figure:
        fuzz_every_operation(figure, cookie_base, tmp_path / "schemathesis-cookie.json", {}, security)
