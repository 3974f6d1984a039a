"""Running cruft and git as users do, for the update tests (tests/test_update*.py)."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

from harness.baking import TEMPLATE_ROOT, run

GIT_ENV = {
    "GIT_AUTHOR_NAME": "Template Tests",
    "GIT_AUTHOR_EMAIL": "tests@example.com",
    "GIT_COMMITTER_NAME": "Template Tests",
    "GIT_COMMITTER_EMAIL": "tests@example.com",
    "GIT_CONFIG_GLOBAL": os.devnull,
    "GIT_CONFIG_NOSYSTEM": "1",
}


def git(*args: str, cwd: Path) -> str:
    return run(["git", *args], cwd=cwd, env=GIT_ENV).stdout


def cruft(*args: str, cwd: Path, home: Path, check: bool = True) -> subprocess.CompletedProcess[str]:
    """The venv's cruft, with no terminal: a prompt would fail instead of waiting."""
    executable = shutil.which("cruft", path=str(Path(sys.executable).parent))
    assert executable, "cruft is in the template's dev group; run uv sync"
    env = {**os.environ, **GIT_ENV, "HOME": str(home), "COOKIECUTTER_CONFIG": str(home / ".cookiecutterrc")}
    proc = subprocess.run(
        [executable, *args], cwd=cwd, env=env, stdin=subprocess.DEVNULL, capture_output=True, text=True,
        timeout=300, check=False,
    )  # fmt: skip
    if check and proc.returncode != 0:
        raise AssertionError(
            f"cruft {' '.join(args)} exited {proc.returncode}:\n{proc.stdout}\n{proc.stderr}"
        )
    return proc


def template_files() -> list[Path]:
    """The template as a commit would hold it: tracked and new files, minus ignored ones."""
    listed = subprocess.run(
        ["git", "ls-files", "--cached", "--others", "--exclude-standard", "-z"],
        cwd=TEMPLATE_ROOT, capture_output=True, text=True, check=False,
    )  # fmt: skip
    if listed.returncode != 0:  # not a git checkout (an unpacked archive): take the tree
        skip = {".git", ".venv", ".tools", "baked", "__pycache__", ".mypy_cache", ".ruff_cache"}
        return [
            p.relative_to(TEMPLATE_ROOT)
            for p in TEMPLATE_ROOT.rglob("*")
            if p.is_file() and not skip & set(p.relative_to(TEMPLATE_ROOT).parts)
        ]
    return [Path(name) for name in listed.stdout.split("\0") if name and (TEMPLATE_ROOT / name).is_file()]
