"""Prune what the answers did not choose, write LICENSE, cut the universe lock down to this bake,
then write a local .env with fresh secrets.

The plan (every manifest path, and those to delete) comes from hooks/rules.py, rendered in by the
template's Jinja extension.
"""

import datetime
import json
import re
import secrets
import shutil
import sys
from pathlib import Path

PLAN = json.loads(r"""{{ cookiecutter | prune_plan | tojson }}""")
SECRET_PLACEHOLDER = "change-me"  # noqa: S105 (the placeholder this hook replaces)
# The copyright line a license text leaves to the licensor ("<year> <copyright holders>" in MIT,
# "<year> <owner>" in BSD-3-Clause). The GPL's and Apache's how-to-apply appendices are indented
# or bracketed, so they stay as the licenses print them.
COPYRIGHT_LINE_RE = re.compile(r"^Copyright \(c\) <year> <[^>]+>", re.MULTILINE)


def prune(project: Path) -> None:
    missing = [path for path in PLAN["manifest"] if not (project / path).exists()]
    if missing:
        sys.exit(
            f"ERROR: the pruning manifest names paths the template does not have: {missing}; "
            "fix MANIFEST in hooks/rules.py"
        )
    for path in PLAN["prune"]:
        target = project / path
        if target.is_dir():
            shutil.rmtree(target)
        elif target.exists():  # absent only when a pruned folder above it went first
            target.unlink()
        # A folder left empty by pruning (deploy/, scripts/) goes too.
        for parent in target.parents:
            if parent == project or not parent.is_dir() or any(parent.iterdir()):
                break
            parent.rmdir()


def write_license(project: Path) -> None:
    """LICENSE is the chosen license's verbatim text, with the year and the author filled in."""
    text = (project / PLAN["license_text"]).read_text()
    year = datetime.datetime.now(datetime.UTC).year
    holder = PLAN["license_holder"]
    text = COPYRIGHT_LINE_RE.sub(lambda _: f"Copyright (c) {year} {holder}", text)
    (project / "LICENSE").write_text(text)
    shutil.rmtree(project / PLAN["licenses_dir"])


def write_dotenv(project: Path) -> None:
    """`.env` is `.env.example` with a fresh random value for every `change-me` secret.

    A URL that carries the placeholder as its password (DATABASE_URL) takes POSTGRES_PASSWORD's
    fresh value, so the app on the host reaches the compose db service as the user it creates.
    """
    lines = []
    generated: dict[str, str] = {}
    for line in (project / ".env.example").read_text().splitlines():
        name, sep, value = line.partition("=")
        if sep and not line.lstrip().startswith("#") and value == SECRET_PLACEHOLDER:
            generated[name] = secrets.token_hex(32)
            line = f"{name}={generated[name]}"
        lines.append(line)
    in_url = f":{SECRET_PLACEHOLDER}@"
    password = generated.get("POSTGRES_PASSWORD", SECRET_PLACEHOLDER)
    lines = [line.replace(in_url, f":{password}@") if not line.startswith("#") else line for line in lines]
    dotenv = project / ".env"
    dotenv.write_text("\n".join(lines) + "\n")
    dotenv.chmod(0o600)


def write_lock(project: Path) -> None:
    """uv.lock is the template's universe lock, cut to what this bake's pyproject.toml reaches."""
    # Cookiecutter runs this hook in the user's environment, where the template's tooling is not
    # installed: the lock pruner comes from the checkout being rendered.
    sys.path.insert(0, PLAN["template_root"])
    from hooks.lock_pruner import LockError, prune_project_lock

    try:
        prune_project_lock(project)
    except LockError as error:
        sys.exit(f"ERROR: uv.lock: {error}")


prune(Path.cwd())
write_license(Path.cwd())
write_lock(Path.cwd())
write_dotenv(Path.cwd())
