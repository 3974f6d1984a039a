"""The template's own code (hooks, tests, benchmarks) is held to the bar it sets for bakes."""

from __future__ import annotations

import shutil

from harness.baking import TEMPLATE_ROOT, run


def test_ruff_check_and_format() -> None:
    ruff = shutil.which("ruff")
    assert ruff
    run([ruff, "check", "--no-cache", "."], cwd=TEMPLATE_ROOT)
    run([ruff, "format", "--check", "--no-cache", "."], cwd=TEMPLATE_ROOT)


def test_mypy_strict() -> None:
    mypy = shutil.which("mypy")
    assert mypy
    run([mypy, "--no-incremental", "--cache-dir", "/dev/null"], cwd=TEMPLATE_ROOT)
