"""Reliability and security drills on a served bake: the clients (schemathesis, wrk, scanners),
probes that watch the service through an outage, and the figures each drill reports."""

from __future__ import annotations

import contextlib
import json
import math
import re
import shutil
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import psycopg

from harness import summary
from harness.api import fetch_csrf_token, sign_up_and_log_in
from harness.baking import Baked, clean_env, run
from harness.services import Postgres, Redis


def tool(name: str) -> str:
    """A console script of the template's own dev environment (schemathesis, bandit, ...)."""
    path = Path(sys.executable).parent / name
    assert path.exists(), f"{name} is missing from the template's dev environment: run `uv sync`"
    return str(path)


@dataclass
class DrillFigure:
    """What a drill reports in the summary; set `detail` as the figures become known."""

    name: str
    detail: str = ""


@contextlib.contextmanager
def drill(name: str) -> Iterator[DrillFigure]:
    """Time a drill and record its figure (passed or failed) for the end-of-run drill summary."""
    figure = DrillFigure(name)
    started = time.monotonic()
    result = "failed"
    try:
        yield figure
        result = "passed"
    finally:
        seconds = time.monotonic() - started
        summary.record(name, "drill", seconds, result, figure.detail or "(no figure)")
        print(f"drill {name}: {figure.detail} [{result}, {seconds:.1f} s]")


def wait_for(predicate: Callable[[], bool], timeout: float, what: str, interval: float = 0.05) -> float:
    """Poll until `predicate()` is true; return the seconds it took, or fail after `timeout`."""
    started = time.monotonic()
    last_error: Exception | None = None
    while time.monotonic() - started < timeout:
        try:
            if predicate():
                return time.monotonic() - started
        except httpx.HTTPError as exc:  # the service not answering is just "not yet"
            last_error = exc
        time.sleep(interval)
    raise AssertionError(f"{what} did not happen within {timeout:g} s (last error: {last_error!r})")


@dataclass
class Stack:
    """A served bake with servers the drills may stop: its own PostgreSQL and Redis."""

    baked: Baked
    env: dict[str, str]
    base: str
    postgres: Postgres
    redis: Redis

    def client(self, timeout: float = 10.0) -> httpx.Client:
        return httpx.Client(base_url=self.base, timeout=timeout)

    def new_user(self, prefix: str) -> tuple[str, dict[str, str]]:
        """Sign up a fresh user, log in, and return its email and bearer header."""
        with self.client() as client:
            email, login = sign_up_and_log_in(client, prefix)
        return email, {"Authorization": f"Bearer {login.json()['access_token']}"}

    def restore(self) -> None:
        """Start whichever server a failed drill left stopped, so the next drill starts clean."""
        try:
            psycopg.connect(self.postgres.admin_url, connect_timeout=2).close()
        except psycopg.OperationalError:
            self.postgres.start_server()
        if self.redis._proc is None:
            self.redis.start_server()

    def server_log(self, lines: int = 80) -> str:
        """The end of uvicorn's log (tracebacks of a 500 land here), for failure messages."""
        log = self.baked.path / "uvicorn.log"
        return "\n".join(log.read_text().splitlines()[-lines:]) if log.exists() else "(no log)"

    def operations(self) -> set[str]:
        """`METHOD /path` for every operation the OpenAPI document lists."""
        return served_operations(self.base)


def served_operations(base: str) -> set[str]:
    """`METHOD /path` for every operation the OpenAPI document of the service at `base` lists."""
    paths = httpx.get(f"{base}/openapi.json", timeout=10).json()["paths"]
    return {f"{method.upper()} {path}" for path, ops in paths.items() for method in ops}


def browser_session(base: str, prefix: str) -> dict[str, str]:
    """Sign up and log in a fresh user as a cookie-auth front end does: GET /auth/csrf first, then
    the CSRF header on every unsafe request. Returns the cookie-mode security values by the
    OpenAPI scheme names of the bake (the access cookie, and the CSRF token as cookie and header)."""
    with httpx.Client(base_url=base, timeout=10) as client:
        token = fetch_csrf_token(client)
        _, login = sign_up_and_log_in(client, prefix)
        assert "access_token" not in login.json(), "cookie mode must not put tokens in the body"
        return {"APIKeyCookie": login.cookies["access_token"], "CSRFToken": token, "CSRFCookie": token}


def error_code(response: httpx.Response) -> str | None:
    """The `error.code` of the service's one error shape, or None if the body is not that shape."""
    try:
        body = response.json()
    except ValueError:
        return None
    error = body.get("error") if isinstance(body, dict) else None
    return error.get("code") if isinstance(error, dict) else None


@dataclass
class Probe:
    """A thread that keeps sending requests and keeps every answer: "while the app serves"."""

    base: str
    requests: list[tuple[str, str, Mapping[str, str]]]
    answers: list[tuple[str, int | str, float]] = field(default_factory=list)
    _stop: threading.Event = field(default_factory=threading.Event)
    _thread: threading.Thread | None = None

    def _loop(self) -> None:
        with httpx.Client(base_url=self.base, timeout=15) as client:
            while not self._stop.is_set():
                for method, path, headers in self.requests:
                    started = time.monotonic()
                    try:
                        response = client.request(method, path, headers=dict(headers))
                        outcome: int | str = response.status_code
                        if response.status_code >= 400 and error_code(response) is None:
                            outcome = f"{response.status_code} without the JSON error shape"
                    except httpx.HTTPError as exc:
                        outcome = f"{type(exc).__name__}: {exc}"
                    self.answers.append((f"{method} {path}", outcome, time.monotonic() - started))
                time.sleep(0.02)

    def __enter__(self) -> Probe:
        self._thread = threading.Thread(target=self._loop, daemon=True)
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        assert self._thread is not None
        self._thread.join(timeout=30)

    def unexpected(self, allowed: set[int]) -> list[tuple[str, int | str, float]]:
        return [answer for answer in self.answers if answer[1] not in allowed]

    @property
    def slowest(self) -> float:
        return max((seconds for _, _, seconds in self.answers), default=0.0)


# --- Fuzzing -----------------------------------------------------------------------------------


def schemathesis(
    base: str,
    headers: Mapping[str, str],
    report: Path,
    max_examples: int,
    security: Mapping[str, str] | None = None,
) -> dict[str, Any]:
    """`st run` against the live /openapi.json; returns its JSON report (exit code included).

    `security` maps OpenAPI security scheme names to their values: schemathesis then sends each
    where the scheme says (header or cookie), and knows to leave it out when it tests a request
    without credentials; a fixed `Cookie` header would ride along on those too.
    """
    # Every check but positive_data_acceptance: format "email" admits addresses (reserved TLDs)
    # that email-validator rightly refuses, a documented gap between JSON Schema and the app.
    config: list[str] = []
    if security:
        config_file = report.with_suffix(".toml")
        # A JSON string is a valid TOML basic string.
        config_file.write_text(
            "".join(
                f"[auth.openapi.{scheme}]\napi_key = {json.dumps(key)}\n" for scheme, key in security.items()
            )
        )
        config = ["--config-file", str(config_file)]
    args = [
        tool("st"),
        *config,
        "run",
        f"{base}/openapi.json",
        "--max-examples",
        str(max_examples),
        "--checks",
        "all",
        "--exclude-checks",
        "positive_data_acceptance",
        "--seed",
        "20240601",
        "--request-timeout",
        "10",
        "--no-color",
        "--report",
        "json",
        "--report-json-path",
        str(report),
    ]
    for name, value in headers.items():
        args += ["--header", f"{name}: {value}"]
    proc = subprocess.run(args, capture_output=True, text=True, timeout=420, check=False, env=clean_env())
    assert report.exists(), f"schemathesis wrote no report:\n{proc.stdout[-4000:]}\n{proc.stderr[-2000:]}"
    result: dict[str, Any] = json.loads(report.read_text())
    result["output"] = proc.stdout[-8000:]
    return result


# --- Load --------------------------------------------------------------------------------------

# wrk counts only socket errors and (2xx-or-3xx)-or-not; this script counts anything but 2xx and
# reports the latency percentiles as one JSON line.
WRK_SCRIPT = """
local threads = {}
function setup(thread) table.insert(threads, thread) end
function init(args) non2xx = 0 end
function response(status, headers, body)
  if status < 200 or status > 299 then non2xx = non2xx + 1 end
end
function done(summary, latency, requests)
  local bad = 0
  for _, thread in ipairs(threads) do bad = bad + thread:get("non2xx") end
  local e = summary.errors
  io.write(string.format(
    'WRK_RESULT {"requests": %d, "seconds": %.3f, "non2xx": %d, "connect": %d, "read": %d, ' ..
    '"write": %d, "timeout": %d, "status": %d, "p50_ms": %.1f, "p99_ms": %.1f, "max_ms": %.1f}\\n',
    summary.requests, summary.duration / 1e6, bad, e.connect, e.read, e.write, e.timeout, e.status,
    latency:percentile(50) / 1e3, latency:percentile(99) / 1e3, latency.max / 1e3))
end
"""


def wrk(
    url: str, headers: Mapping[str, str], connections: int, seconds: int, workdir: Path
) -> dict[str, Any]:
    """Run wrk for `seconds` with `connections` open connections; returns the script's figures."""
    binary = shutil.which("wrk")
    assert binary, "wrk is not installed: apt-get install -y wrk"
    script = workdir / "drill.lua"
    script.write_text(WRK_SCRIPT)
    args = [
        binary,
        "--threads",
        "2",
        "--connections",
        str(connections),
        "--duration",
        f"{seconds}s",
        "--timeout",
        "5s",
        "--script",
        str(script),
    ]
    for name, value in headers.items():
        args += ["--header", f"{name}: {value}"]
    proc = subprocess.run([*args, url], capture_output=True, text=True, timeout=seconds + 60, check=False)
    assert proc.returncode == 0, f"wrk exited {proc.returncode}:\n{proc.stdout}\n{proc.stderr}"
    match = re.search(r"^WRK_RESULT (\{.*\})$", proc.stdout, re.MULTILINE)
    assert match, f"wrk printed no result line:\n{proc.stdout}\n{proc.stderr}"
    result: dict[str, Any] = json.loads(match.group(1))
    result["output"] = proc.stdout
    return result


# --- Security scans ----------------------------------------------------------------------------


def bandit(source: Path) -> dict[str, Any]:
    """Bandit over `source`; returns its JSON report (exit code 1 just means "found something")."""
    proc = subprocess.run(
        [tool("bandit"), "--recursive", str(source), "--format", "json", "--quiet"],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert proc.returncode in {0, 1}, f"bandit failed:\n{proc.stderr[-4000:]}"
    report: dict[str, Any] = json.loads(proc.stdout)
    return report


def pip_audit(project: Path, workdir: Path) -> dict[str, Any]:
    """pip-audit of every locked dependency (all groups), pinned with hashes from uv.lock."""
    requirements = workdir / "requirements.txt"
    run(
        [
            "uv",
            "export",
            "--frozen",
            "--all-groups",
            "--no-emit-project",
            "--format",
            "requirements-txt",
            "--output-file",
            str(requirements),
            "--quiet",
        ],
        cwd=project,
    )
    proc = subprocess.run(
        [
            tool("pip-audit"),
            "--requirement",
            str(requirements),
            "--require-hashes",
            "--disable-pip",
            "--progress-spinner",
            "off",
            "--format",
            "json",
        ],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert proc.stdout.strip(), (
        f"pip-audit printed no report (exit {proc.returncode}):\n{proc.stderr[-4000:]}"
    )
    report: dict[str, Any] = json.loads(proc.stdout)
    return report


# Detectors that match a credential's format: any hit is a real leak, whatever the file.
HEURISTIC_DETECTORS = {
    "Secret Keyword",
    "Basic Auth Credentials",
    "Base64 High Entropy String",
    "Hex High Entropy String",
}
# Throwaway values for test databases and CI runs live here; elsewhere every value must be tame.
TEST_ONLY_PARTS = ("tests/", ".github/workflows/", ".gitlab-ci.yml")
SCAN_SKIP_DIRS = {".venv", ".git", ".mypy_cache", ".ruff_cache", ".pytest_cache", "__pycache__"}
SCAN_SKIP_FILES = {".env", "uv.lock", "uvicorn.log", "uvicorn-cold.log"}
SECRET_NAME_RE = re.compile(r"SECRET|PASSWORD|_PASS$|TOKEN|API_KEY")


@dataclass(frozen=True)
class SecretFinding:
    path: str
    line: int
    kind: str
    reason: str


def shannon_bits_per_char(value: str) -> float:
    counts = {ch: value.count(ch) for ch in set(value)}
    return -sum(n / len(value) * math.log2(n / len(value)) for n in counts.values())


def looks_random(value: str) -> bool:
    """A generated secret (token_hex, token_urlsafe, a real API key), not a word or a sentence."""
    token = re.fullmatch(r"[A-Za-z0-9+/=_.\-]{20,}", value) is not None
    mixed = bool(re.search(r"[0-9]", value) and re.search(r"[A-Za-z]", value))
    return token and mixed and shannon_bits_per_char(value) >= 3.5


def scanned_files(root: Path) -> list[Path]:
    """The baked tree's text files, less .env, build output and logs of the runs."""
    files = []
    for path in sorted(root.rglob("*")):
        relative = path.relative_to(root)
        if not path.is_file() or SCAN_SKIP_DIRS & set(relative.parts) or relative.name in SCAN_SKIP_FILES:
            continue
        try:
            path.read_text()
        except UnicodeDecodeError:  # binary (a coverage database, ...)
            continue
        files.append(path)
    return files


def env_secrets(dotenv: Mapping[str, str]) -> dict[str, str]:
    """The generated secrets in .env (by variable name): the values that must never leave it."""
    return {k: v for k, v in dotenv.items() if SECRET_NAME_RE.search(k) and len(v) >= 16}


def secret_scan(root: Path, dotenv: Mapping[str, str]) -> tuple[int, list[SecretFinding]]:
    """detect-secrets over the baked tree (less .env and build output); returns (hits, problems).

    A problem is: any format detector (private key, cloud token, JWT...); a .env secret found
    outside .env; or, outside tests and CI, a keyword or entropy hit whose value looks random.
    """
    from detect_secrets.core.secrets_collection import SecretsCollection
    from detect_secrets.settings import default_settings

    collection = SecretsCollection(root=str(root))
    with default_settings():
        for path in scanned_files(root):
            collection.scan_file(str(path.relative_to(root)))
    hits = 0
    problems: list[SecretFinding] = []
    for filename, secret in collection:
        hits += 1
        value = secret.secret_value or ""
        test_only = filename.startswith(TEST_ONLY_PARTS)
        reason = ""
        if secret.type not in HEURISTIC_DETECTORS:
            reason = "a credential format"
        elif not test_only and looks_random(value):
            reason = "a random-looking value outside tests"
        if reason:
            problems.append(SecretFinding(filename, secret.line_number or 0, secret.type, reason))
    generated = env_secrets(dotenv)
    for path in scanned_files(root):
        text = path.read_text()
        for name, value in generated.items():
            if value in text:
                line = text[: text.index(value)].count("\n") + 1
                problems.append(SecretFinding(str(path.relative_to(root)), line, name, "the .env value"))
    return hits, problems


FUZZ_EXAMPLES = 50  # per operation and phase; the floor


def fuzz_every_operation(
    figure: DrillFigure,
    base: str,
    report: Path,
    headers: Mapping[str, str],
    security: Mapping[str, str] | None = None,
) -> None:
    """Fuzz every operation of the served bake; no failure and no error, at the example floor."""
    started = time.monotonic()
    result = schemathesis(base, headers, report, FUZZ_EXAMPLES, security)
    cases = result["test_cases"]
    operations = result["operations"]
    figure.detail = (
        f"{cases['generated']:,} cases over {operations['tested']} operations "
        f"(max {FUZZ_EXAMPLES} examples each per phase), {cases['unique_failures']} failures, "
        f"{cases['errored']} errors, {time.monotonic() - started:.0f} s"
    )
    print(result["output"][-3000:])
    assert operations["tested"] == operations["total"] == len(served_operations(base)), operations
    assert cases["generated"] >= FUZZ_EXAMPLES * operations["tested"], cases
    assert result["failures"] == [], result["output"]
    assert cases["unique_failures"] == 0, result["output"]
    assert result["errors"] == [], result["output"]
    assert cases["errored"] == 0, result["output"]
    assert result["exit_code"] == 0, result["output"]
