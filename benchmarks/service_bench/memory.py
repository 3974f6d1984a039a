"""What an API worker's memory holds: its RSS after each import, in the production venv.

The RSS target is about imports more than requests (the worker grows a few MiB under load), so the
run records which libraries the resident set comes from. Each step imports one more module into
the same process; a step's cost includes whatever it pulls in that no earlier step did, so the
order is the order the service itself loads them in, the app last.
"""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

from .results import ImportStep

# The libraries the default bake's API process loads, roughly bottom-up.
LIBRARIES = (
    "orjson",
    "structlog",
    "pydantic",
    "pydantic_settings",
    "fastapi",
    "sqlalchemy.ext.asyncio",
    "asyncpg",
    "redis.asyncio",
    "prometheus_client",
    "celery.app.base",  # `import celery` alone is lazy and loads almost nothing
    "uvicorn",
)

STEPS_CODE = """
import importlib, json, sys

def rss_mib():
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    raise RuntimeError("no VmRSS in /proc/self/status")

steps = [{"step": "python", "rss_mib": round(rss_mib(), 1), "modules": len(sys.modules)}]
for name in sys.argv[1:]:
    importlib.import_module(name)
    steps.append({"step": name, "rss_mib": round(rss_mib(), 1), "modules": len(sys.modules)})
print(json.dumps(steps))
"""


def rss_by_import(venv: Path, cwd: Path, env: dict[str, str], package: str) -> list[ImportStep]:
    """The RSS after the interpreter starts, after each library, and after the app is built."""
    command = [str(venv / "bin/python"), "-c", STEPS_CODE, *LIBRARIES, f"{package}.main"]
    out = subprocess.run(command, cwd=cwd, env=env, capture_output=True, text=True, check=True)
    return [
        {"step": str(raw["step"]), "rss_mib": float(raw["rss_mib"]), "modules": int(raw["modules"])}
        for raw in json.loads(out.stdout)
    ]
