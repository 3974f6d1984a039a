"""The benchmark's floor apps (benchmarks/floor/) under mypy --strict, like the rest of benchmarks/.

`make lint` cannot check them: they run in the default bake's virtualenv, on Starlette, asyncpg,
PyJWT, argon2 and Celery, which the template's own environment does not have. So they are checked
there, against the versions they run with.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from harness.baking import TEMPLATE_ROOT, Baked, interpreter, run, sync

BakeFn = Callable[..., Baked]

pytestmark = pytest.mark.runtime

FLOOR = TEMPLATE_ROOT / "benchmarks/floor"
# asyncpg ships no type information (the bake reaches it only through SQLAlchemy); the rest do.
MYPY_CONFIG = "[mypy]\nstrict = True\n\n[mypy-asyncpg,asyncpg.*]\nignore_missing_imports = True\n"


def test_the_floor_apps_pass_mypy_strict_in_the_bake(bake: BakeFn, tmp_path: Path) -> None:
    baked = bake()
    # The interpreter test_runtime syncs this bake with, so the two never swap its virtualenv.
    sync(baked.path, python=interpreter(str(baked.answers["python_version"])))
    config = tmp_path / "mypy.ini"
    config.write_text(MYPY_CONFIG)
    floor = sorted(str(path) for path in FLOOR.glob("*.py"))
    assert len(floor) == 2, floor
    mypy = ["uv", "run", "--no-sync", "mypy", "--config-file", str(config)]
    run([*mypy, "--cache-dir", str(tmp_path / "cache"), *floor], cwd=baked.path)
