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


MAX_TEST_FILE_LINES = 500


def test_no_test_file_is_longer_than_500_lines() -> None:
    """Past that, a test file holds several subjects: split it into a package (see tests/deploy/)."""
    too_long = {
        str(path.relative_to(TEMPLATE_ROOT)): length
        for path in (TEMPLATE_ROOT / "tests").rglob("test_*.py")
        if (length := len(path.read_text().splitlines())) > MAX_TEST_FILE_LINES
    }
    assert too_long == {}
