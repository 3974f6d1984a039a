"""Bad answers are refused through the real CLI: a one-line reason naming the option, no directory left."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from harness.baking import TEMPLATE_ROOT, clean_env

# (answers given on the command line, the option the reason must name)
BAD_ANSWERS: list[tuple[dict[str, str], str]] = [
    ({"project_slug": "My Service"}, "project_slug"),
    ({"project_slug": "1service"}, "project_slug"),
    ({"project_slug": "my_service"}, "project_slug"),
    ({"project_slug": "my--service"}, "project_slug"),
    ({"project_slug": "-service"}, "project_slug"),
    ({"project_slug": "service-"}, "project_slug"),
    ({"project_slug": "my\u2010service"}, "project_slug"),  # unicode hyphen look-alike
    ({"project_slug": "m\u0443-service"}, "project_slug"),  # Cyrillic u look-alike
    ({"project_slug": "a" * 80}, "project_slug"),
    ({"project_name": "", "project_slug": "ok"}, "project_name"),
    ({"project_name": "   ", "project_slug": "ok"}, "project_name"),
    ({"project_name": 'Say "hi"', "project_slug": "ok"}, "project_name"),
    ({"package_name": "class"}, "package_name"),
    ({"package_name": "match"}, "package_name"),
    ({"package_name": "json"}, "package_name"),
    ({"package_name": "test"}, "package_name"),
    ({"package_name": "fastapi"}, "package_name"),
    ({"package_name": "celery"}, "package_name"),
    ({"package_name": "sqlalchemy"}, "package_name"),
    ({"package_name": "My_Service"}, "package_name"),
    ({"package_name": "2fast"}, "package_name"),
    ({"package_name": "my-service"}, "package_name"),
    ({"package_name": "caf\u00e9"}, "package_name"),
    ({"author_email": "not-an-email"}, "author_email"),
    ({"author_email": "you@localhost"}, "author_email"),
    ({"author_email": ""}, "author_email"),
    ({"author_email": "y\u043eu@example.com"}, "author_email"),
    ({"version": "banana"}, "version"),
    ({"version": "1.0.0-SNAPSHOT"}, "version"),
    ({"version": ""}, "version"),
    ({"domain_name": "not a domain"}, "domain_name"),
    ({"domain_name": "Example.COM"}, "domain_name"),
    ({"description": "x" * 500}, "description"),
    ({"author_name": "line\\break"}, "author_name"),
    ({"database": "none", "auth": "bearer"}, "auth"),
    ({"database": "none", "auth": "cookie"}, "auth"),
    # cookiecutter itself refuses these before our hook runs; it still names the option.
    ({"database": "mysql"}, "database"),
    ({"use_beat": "maybe"}, "use_beat"),
]


@pytest.mark.parametrize(("overrides", "option"), BAD_ANSWERS, ids=lambda v: str(v)[:40])
def test_bad_answer_is_refused_cleanly(overrides: dict[str, str], option: str, tmp_path: Path) -> None:
    out = tmp_path / "out"
    out.mkdir()
    pairs = [f"{key}={value}" for key, value in overrides.items()]
    proc = subprocess.run(
        [sys.executable, "-m", "cookiecutter", str(TEMPLATE_ROOT), "--no-input", "-o", str(out), *pairs],
        capture_output=True,
        text=True,
        env=clean_env({"TMPDIR": str(tmp_path)}),
        timeout=60,
        check=False,
    )
    assert proc.returncode != 0, f"{overrides} was accepted"
    reason = _reason_line(proc.stderr)
    assert option in reason, f"the reason does not name {option!r}: {reason!r}"
    assert list(out.iterdir()) == [], "a refused bake left files behind"


def _reason_line(stderr: str) -> str:
    """Our hook's first `ERROR:` line, or cookiecutter's own final exception line."""
    lines = [line for line in stderr.splitlines() if line.strip()]
    ours = [line for line in lines if line.startswith("ERROR: ") and "Stopping generation" not in line]
    if ours:
        return ours[0]
    assert lines, "refused without any reason"
    return lines[-1]


def test_a_valid_override_is_accepted(tmp_path: Path) -> None:
    """Guards the table above: the same CLI call with good answers does bake."""
    out = tmp_path / "out"
    proc = subprocess.run(
        [sys.executable, "-m", "cookiecutter", str(TEMPLATE_ROOT), "--no-input", "-o", str(out),
         "project_name=Billing API", "version=2.0.0rc1"],
        capture_output=True,
        text=True,
        env=clean_env({"TMPDIR": str(tmp_path)}),
        timeout=120,
        check=False,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert (out / "billing-api" / "src" / "billing_api" / "main.py").is_file()
