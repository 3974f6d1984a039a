"""Running cruft and git as users do, for the update tests (tests/test_update*.py)."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

from harness import summary
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


def cruft_home(root: Path, default_context: str = "") -> Path:
    """A HOME for cruft under `root`: cookiecutter's clones and replays stay there, and
    `default_context` (YAML lines) is what a fork's `~/.cookiecutterrc` would set."""
    home = root / "home"
    home.mkdir()
    (home / ".cookiecutterrc").write_text(
        f"{default_context}cookiecutters_dir: {home / 'cookiecutters'}\nreplay_dir: {home / 'replay'}\n"
    )
    return home


def template_repo(root: Path, message: str) -> Path:
    """The template under test, committed as `message` to a scratch git repository."""
    repo = root / "template"
    for relative in template_files():
        target = repo / relative
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(TEMPLATE_ROOT / relative, target)
    git("init", "--quiet", cwd=repo)
    commit_all(repo, message)
    return repo


def commit_all(repo: Path, message: str) -> None:
    git("add", "--all", cwd=repo)
    git("commit", "--quiet", "--message", message, cwd=repo)


# --- The local work a project has before an update, which the update must keep ------------------

PING_MODULE = '''\
"""A local endpoint that the template knows nothing about."""

from fastapi import APIRouter

router = APIRouter(prefix="/ping", tags=["ping"])


@router.get("")
async def ping() -> dict[str, str]:
    """Answer with pong."""
    return {"ping": "pong"}
'''
PING_TEST = """\
from httpx import AsyncClient


async def test_ping(client: AsyncClient) -> None:
    response = await client.get("/api/v1/ping")
    assert response.status_code == 200
    assert response.json() == {"ping": "pong"}
"""
LOCAL_MAKE_TARGET = (
    "\nping: ## local target: call the running API\n\tcurl -fsS http://127.0.0.1:8000/api/v1/ping\n"
)


def make_the_local_change(project: Path, package: str) -> None:
    """A local endpoint (with its test and its include in main.py) and a Makefile target."""
    (project / f"src/{package}/ping.py").write_text(PING_MODULE)
    (project / "tests/test_ping.py").write_text(PING_TEST)
    main = project / f"src/{package}/main.py"
    text = main.read_text()
    anchor = "    api = APIRouter(prefix=API_PREFIX)\n"
    assert anchor in text
    text = text.replace(anchor, f"{anchor}    api.include_router(ping_router)\n", 1)
    # The import goes where ruff's isort puts it: before the first own module that sorts after it,
    # or after the last one.
    lines = text.splitlines(keepends=True)
    own = [n for n, line in enumerate(lines) if line.startswith(f"from {package}.")]
    at = next((n for n in own if lines[n].split()[1] > f"{package}.ping"), own[-1] + 1)
    lines.insert(at, f"from {package}.ping import router as ping_router\n")
    main.write_text("".join(lines))
    with (project / "Makefile").open("a") as makefile:
        makefile.write(LOCAL_MAKE_TARGET)


def bake_with_local_work(
    repo: Path, home: Path, answers: dict[str, Any], *, slug: str, package: str, name: str
) -> Path:
    """`cruft create` from `repo` (timed as `name`), committed, then local work committed on top."""
    out = repo.parent / "projects"
    out.mkdir()
    with summary.timed(name, "create"):
        cruft(
            "create", "--no-input", "--output-dir", str(out), "--extra-context", json.dumps(answers),
            str(repo), cwd=repo.parent, home=home,
        )  # fmt: skip
    project = out / slug
    git("init", "--quiet", cwd=project)
    commit_all(project, "bake")
    make_the_local_change(project, package)
    commit_all(project, "a local endpoint")
    return project
