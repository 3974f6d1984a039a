"""Bake variants once per session and run commands inside them with clear failure output."""

from __future__ import annotations

import os
import shutil
import subprocess
import time
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from hooks import rules  # the template's one rule set

TEMPLATE_ROOT = Path(__file__).resolve().parents[2]
# What a copy of the template leaves out: local state, not the template.
TEMPLATE_COPY_IGNORE = shutil.ignore_patterns(
    ".git", ".venv", ".tools", "baked", "site", "__pycache__", ".*_cache"
)

__all__ = [
    "TEMPLATE_ROOT", "Baked", "CommandFailed", "imports_from", "interpreter", "rules", "run", "sync",
    "variant_id",
]  # fmt: skip


def imports_from(copy: Path) -> dict[str, str]:
    """The environment for running a copy's scripts with this interpreter against the copy's own rule
    set and harness. `uv sync` installs them from this checkout (editable), but Python looks there
    only after sys.path, so PYTHONPATH puts the copy's first."""
    return {"PYTHONPATH": os.pathsep.join([str(copy), str(copy / "tests")])}


class CommandFailed(AssertionError):
    """A command in a bake exited non-zero; the message carries its output."""


@dataclass(frozen=True)
class Baked:
    """A baked project: where it is and the full answers it was baked with."""

    path: Path
    answers: Mapping[str, Any]

    @property
    def package(self) -> str:
        return str(self.answers["package_name"])

    @property
    def features(self) -> frozenset[str]:
        return rules.features(self.answers)


# Short names for the summary table and test ids; yes/no options read as +name / -name.
ID_ALIASES = {
    "database": "db",
    "python_version": "py",
    "include_examples": "examples",
    "log_shipping": "logs",
    "reverse_proxy": "proxy",
    "container_registry": "registry",
}


def variant_id(overrides: Mapping[str, Any]) -> str:
    """A short readable id: `default`, or the overrides, e.g. `db=sqlite,auth=cookie,-beat,+sentry`."""
    if not overrides:
        return "default"
    parts = []
    for key, value in overrides.items():
        name = ID_ALIASES.get(key, key).removeprefix("use_")
        parts.append(
            (name, f"{'+' if value else '-'}{name}" if isinstance(value, bool) else f"{name}={value}")
        )
    return ",".join(part.lower() for _, part in sorted(parts))


def interpreter(version: str) -> str | None:
    """A Python `version` (e.g. "3.12") for `uv --python`: one uv knows, on PATH, or under pyenv;
    None if absent.

    uv may not download Pythons here (no network), and pyenv's shims do not answer for versions that
    are not selected, so the pyenv versions folder is searched directly.
    """
    # --system: never the virtualenv of whatever folder this runs in.
    find = ["uv", "python", "find", "--system", version]
    found = subprocess.run(find, capture_output=True, text=True, check=False)
    if found.returncode == 0 and found.stdout.strip():
        return found.stdout.strip()
    candidates = []
    pyenv_root = Path(os.environ.get("PYENV_ROOT", Path.home() / ".pyenv"))
    candidates += sorted((pyenv_root / "versions").glob(f"{version}.*/bin/python{version}"), reverse=True)
    candidates += [Path(p) / f"python{version}" for p in os.environ.get("PATH", "").split(os.pathsep)]
    for candidate in candidates:
        if candidate.is_file() and "shims" not in candidate.parts and os.access(candidate, os.X_OK):
            return str(candidate)
    return None


def clean_env(extra: Mapping[str, str] | None = None) -> dict[str, str]:
    """The environment for commands in a bake: no leaked virtualenv, no Python downloads."""
    env = {k: v for k, v in os.environ.items() if k not in {"VIRTUAL_ENV", "PYTHONPATH"}}
    env["UV_PYTHON_DOWNLOADS"] = "never"
    env.setdefault("UV_LINK_MODE", "copy")
    env["PYTHONDONTWRITEBYTECODE"] = "1"
    env.update(extra or {})
    return env


def run(
    args: list[str],
    cwd: Path,
    env: Mapping[str, str] | None = None,
    timeout: float = 600,
) -> subprocess.CompletedProcess[str]:
    """Run a command; on failure raise with the command, exit code and the tail of its output."""
    started = time.monotonic()
    proc = subprocess.run(
        args,
        cwd=cwd,
        env=clean_env(env),
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
    if proc.returncode != 0:
        output = (proc.stdout + "\n" + proc.stderr).strip()
        raise CommandFailed(
            f"`{' '.join(args)}` in {cwd} exited {proc.returncode} after "
            f"{time.monotonic() - started:.1f} s:\n{failure_excerpt(output)}"
        )
    return proc


# pytest-timeout's dump of every thread's stack starts with this; what precedes it names the test.
THREAD_DUMP_MARKER = "~~~~~ Stack of "


def failure_excerpt(output: str, tail: int = 6000, before_dump: int = 1500) -> str:
    """The tail of a failed command's output and, when a baked test hung and pytest-timeout dumped
    the threads' stacks (which push everything else out of the tail), the lines just before the
    dump: with `-v`, they name the test that hung."""
    dump = output.find(THREAD_DUMP_MARKER)
    if dump == -1 or len(output) - dump + before_dump <= tail:
        return output[-tail:]
    return f"{output[max(0, dump - before_dump) : dump]}\n[...]\n{output[-tail:]}"


def sync(path: Path, env: Mapping[str, str] | None = None, python: str | None = None) -> None:
    """`uv sync --locked` a bake: exactly the lock it ships, which must still fit its pyproject."""
    assert (path / "uv.lock").is_file(), f"{path} has no uv.lock: every bake ships one"
    run(["uv", "sync", "--locked", *(["--python", python] if python else [])], cwd=path, env=env)
