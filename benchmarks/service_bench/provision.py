"""Baking, installing, and the facts about the machine and the template the results record."""

from __future__ import annotations

import contextlib
import json
import os
import platform
import subprocess
import sys
import time
from pathlib import Path

from harness.baking import TEMPLATE_ROOT, run

from .results import Install, LayerTime, Machine


def bake(into: Path, *options: str) -> tuple[Path, float]:
    """Bake the default variant (but for `options`, `key=value` each) with cookiecutter's CLI;
    return the project and the wall time."""
    # cookiecutter writes its hook scripts to the temp dir; keep them inside our own folder.
    into.mkdir(parents=True, exist_ok=True)
    env = {"TMPDIR": str(into)}
    started_at = time.monotonic()
    command = [sys.executable, "-m", "cookiecutter", str(TEMPLATE_ROOT), "--no-input", "-o", str(into)]
    run([*command, *options], into, env)
    seconds = time.monotonic() - started_at
    (project,) = [p for p in into.iterdir() if (p / "pyproject.toml").exists()]
    return project, seconds


def tree_bytes(root: Path) -> int:
    return sum(p.lstat().st_size for p in root.rglob("*") if p.is_file() and not p.is_symlink())


def install(project: Path, venv: Path, python: str | None) -> Install:
    """`uv sync --no-dev` into an empty venv (size measured), then compile bytecode as the image does."""
    env = {"UV_PROJECT_ENVIRONMENT": str(venv)}
    base = ["uv", "sync", "--no-dev", "--no-editable", "--quiet", *(["--python", python] if python else [])]
    started_at = time.monotonic()
    run(base, project, env)
    sync_seconds = time.monotonic() - started_at
    size = tree_bytes(venv)
    run([*base, "--compile-bytecode"], project, env)
    return {
        "sync_seconds": round(sync_seconds, 1),
        "installed_mib": round(size / 2**20, 1),
        "installed_with_bytecode_mib": round(tree_bytes(venv) / 2**20, 1),
    }


def versions(venv: Path) -> dict[str, str | None]:
    names = [
        "fastapi",
        "starlette",
        "pydantic",
        "uvicorn",
        "uvloop",
        "httptools",
        "sqlalchemy",
        "asyncpg",
        "celery",
        "redis",
        "orjson",
        "structlog",
    ]
    code = (
        "import json, platform, importlib.metadata as m\n"
        "out = {'python': platform.python_version()}\n"
        f"for n in {names!r}:\n"
        "    try: out[n] = m.version(n)\n"
        "    except m.PackageNotFoundError: out[n] = None\n"
        "print(json.dumps(out))"
    )
    out = subprocess.run([str(venv / "bin/python"), "-c", code], capture_output=True, text=True, check=True)
    return dict(json.loads(out.stdout))


def template_layers() -> dict[str, LayerTime]:
    """Wall times of the template's own static and runtime test layers."""
    out: dict[str, LayerTime] = {}
    for name, marker in (("static", "not runtime"), ("runtime", "runtime")):
        started_at = time.monotonic()
        proc = subprocess.run(
            ["uv", "run", "pytest", "-q", "-m", marker],
            cwd=TEMPLATE_ROOT,
            capture_output=True,
            text=True,
            check=False,
        )
        out[name] = {
            "seconds": round(time.monotonic() - started_at, 1),
            "result": "passed" if proc.returncode == 0 else f"failed ({proc.returncode})",
        }
    return out


def machine() -> Machine:
    cpu = platform.processor() or "unknown"
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    return {"cores": os.cpu_count(), "cpu": cpu, "kernel": platform.release()}
