"""The database the load reads: seed rows, real login tokens, and the file wrk reads them from."""

from __future__ import annotations

import json
import re
import subprocess
from pathlib import Path

import httpx
import psycopg

from .constants import ITEMS_PER_TOKEN, ITEMS_PER_USER, USERS
from .results import Argon2


def plain_url(url: str) -> str:
    return re.sub(r"^postgresql\+asyncpg://", "postgresql://", url)


def password_cost(venv: Path, cwd: Path, env: dict[str, str], package: str, password: str) -> Argon2:
    """Hash the seed password once with the app's own hasher, and time a verification."""
    code = (
        "import json, sys, time\n"
        f"from {package}.core.security import hash_password, verify_password\n"
        "hashed = hash_password(sys.argv[1])\n"
        "times = []\n"
        "for _ in range(5):\n"
        "    t = time.perf_counter(); verify_password(sys.argv[1], hashed)\n"
        "    times.append((time.perf_counter() - t) * 1000)\n"
        "print(json.dumps({'hash': hashed, 'verify_ms': sorted(times)[2]}))"
    )
    out = subprocess.run(
        [str(venv / "bin/python"), "-c", code, password],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    raw = json.loads(out.stdout)
    result: Argon2 = {"hash": str(raw["hash"]), "verify_ms": float(raw["verify_ms"])}
    params = re.search(r"\$m=(\d+),t=(\d+),p=(\d+)\$", result["hash"])
    if params:
        memory_kib, time_cost, parallelism = map(int, params.groups())
        result["params"] = {
            "memory_mib": memory_kib // 1024,
            "time_cost": time_cost,
            "parallelism": parallelism,
        }
    return result


def seed(dsn: str, hashed_password: str) -> None:
    """100 users and 100 items each, in two INSERT ... SELECT statements."""
    with psycopg.connect(dsn, autocommit=True) as conn:
        conn.execute(
            "INSERT INTO users (id, email, hashed_password, created_at, updated_at) "
            "SELECT gen_random_uuid(), format('user%%s@bench.example', n), %s, now(), now() "
            "FROM generate_series(1, %s) AS n",
            (hashed_password, USERS),
        )
        conn.execute(
            "INSERT INTO items (id, owner_id, title, description, created_at, updated_at) "
            "SELECT gen_random_uuid(), u.id, format('Item %%s', n), "
            "format('Seeded item %%s of %%s, with a short description.', n, u.email), "
            "now() - make_interval(secs => n), now() - make_interval(secs => n) "
            "FROM users AS u CROSS JOIN generate_series(1, %s) AS n",
            (ITEMS_PER_USER,),
        )
        conn.execute("VACUUM ANALYZE")


def reset_after(scenario: str, dsn: str) -> None:
    """Undo what a scenario wrote, so every run sees the same 10,000 items."""
    with psycopg.connect(dsn, autocommit=True) as conn:
        if scenario == "create":
            conn.execute("DELETE FROM items WHERE title = 'bench-created'")
            conn.execute("VACUUM ANALYZE items")
        elif scenario == "login":
            table = conn.execute("SELECT to_regclass('refresh_tokens')").fetchone()
            if table and table[0]:
                conn.execute("DELETE FROM refresh_tokens")
                conn.execute("VACUUM ANALYZE refresh_tokens")


def login_tokens(port: int, password: str, count: int) -> dict[str, str]:
    """Real access tokens, from the service's own login route: {email: token}."""
    tokens = {}
    with httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=30) as client:
        for n in range(1, count + 1):
            email = f"user{n}@bench.example"
            response = client.post("/api/v1/auth/login", data={"username": email, "password": password})
            response.raise_for_status()
            tokens[email] = str(response.json()["access_token"])
    return tokens


def write_load_data(path: Path, dsn: str, tokens: dict[str, str]) -> None:
    with psycopg.connect(dsn) as conn:
        lines = []
        for email, token in tokens.items():
            rows = conn.execute(
                "SELECT i.id FROM items i JOIN users u ON u.id = i.owner_id WHERE u.email = %s "
                "ORDER BY i.id LIMIT %s",
                (email, ITEMS_PER_TOKEN),
            ).fetchall()
            lines += [f"{token}\t{item_id}\t{email}" for (item_id,) in rows]
    path.write_text("\n".join(lines) + "\n")
