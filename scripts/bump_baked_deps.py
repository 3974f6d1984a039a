"""Check or bump the versions the baked project pins, against the latest releases on PyPI.

Dependabot cannot read the baked tree (it is Jinja until baked), so this script does its job there:

    uv run python scripts/bump_baked_deps.py --check   # list what is behind; exit 1 if anything is
    uv run python scripts/bump_baked_deps.py --write   # move those pins, then run `make test`

What it reads, each from lines that hold no Jinja (a pin inside a Jinja expression is reported as
unreadable, and the suite fails on it):
- dependency floors (`"name[extra]>=X.Y"`) in the baked pyproject.toml, including build-system;
- the uv image in the Dockerfile and .devcontainer/Dockerfile (`ghcr.io/astral-sh/uv:X.Y.Z`, the same
  versions as uv on PyPI);
- the pre-commit-hooks `rev:` in the baked .pre-commit-config.yaml (tags are `v` + the PyPI version).

A floor is behind when the latest release has a newer major.minor; it is moved to the latest
version, cut to as many parts as it had (`structlog>=24.4` becomes `structlog>=25.5`). An exact
pin (image tag, hook rev) is behind on any newer release and takes it whole.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import urllib.request
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

from packaging.version import InvalidVersion, Version

TEMPLATE_ROOT = Path(__file__).resolve().parent.parent
BAKED = Path("{{cookiecutter.project_slug}}")
PYPI_URL = "https://pypi.org/pypi/{name}/json"

FLOOR_RE = re.compile(
    r'"(?P<token>(?P<name>[A-Za-z0-9][A-Za-z0-9._-]*)(?:\[[^\]]*\])?>=(?P<version>[0-9][^",;\s]*))"'
)
DEPENDENCY_LIKE_RE = re.compile(r'^\s*"[^"]*(>=|==|~=)[^"]*"')
UV_IMAGE_RE = re.compile(r"ghcr\.io/astral-sh/uv:(?P<version>\d+(?:\.\d+)+)")
HOOKS_REV_RE = re.compile(r"^\s*rev:\s*v(?P<version>\d+(?:\.\d+)+)\s*$")


@dataclass(frozen=True)
class Pin:
    """One pinned version in the baked tree."""

    path: Path  # relative to the template root
    line: int  # 1-based
    name: str  # the PyPI distribution whose releases it follows
    version: str
    exact: bool  # True: an exact pin (image tag, hook rev); False: a `>=` floor
    token: str  # the text on the line that carries the version, replaced as a whole

    def where(self) -> str:
        return f"{self.path}:{self.line}"


def _lines(root: Path, relative: Path) -> list[str]:
    return (root / relative).read_text().splitlines()


def pyproject_pins(root: Path) -> tuple[list[Pin], list[str]]:
    """Floors in the baked pyproject, and the dependency-like lines that hide a pin in Jinja."""
    relative = BAKED / "pyproject.toml"
    pins, unreadable = [], []
    for number, line in enumerate(_lines(root, relative), 1):
        if "{{" in line or "{%" in line:
            if DEPENDENCY_LIKE_RE.match(line) or ">=" in line:
                unreadable.append(f"{relative}:{number}: {line.strip()}")
            continue
        for match in FLOOR_RE.finditer(line):
            name, version = match["name"].lower(), match["version"]
            pins.append(Pin(relative, number, name, version, exact=False, token=match["token"]))
    return pins, unreadable


def dockerfile_pins(root: Path) -> list[Pin]:
    # The project's image, and the dev container's (use_devcontainer), which takes the same uv.
    return [
        Pin(relative, number, "uv", match["version"], exact=True, token=match[0])
        for relative in (BAKED / "Dockerfile", BAKED / ".devcontainer/Dockerfile")
        if (root / relative).is_file()
        for number, line in enumerate(_lines(root, relative), 1)
        if "{{" not in line and (match := UV_IMAGE_RE.search(line))
    ]


def pre_commit_pins(root: Path) -> list[Pin]:
    relative = BAKED / ".pre-commit-config.yaml"
    lines = _lines(root, relative)
    pins = []
    for number, line in enumerate(lines, 1):
        previous = lines[number - 2] if number >= 2 else ""
        if "github.com/pre-commit/pre-commit-hooks" in previous and (match := HOOKS_REV_RE.match(line)):
            token = f"v{match['version']}"
            pins.append(Pin(relative, number, "pre-commit-hooks", match["version"], exact=True, token=token))
    return pins


def find_pins(root: Path = TEMPLATE_ROOT) -> tuple[list[Pin], list[str]]:
    pins, unreadable = pyproject_pins(root)
    return [*pins, *dockerfile_pins(root), *pre_commit_pins(root)], unreadable


def _cut(version: Version, parts: int) -> str:
    release = list(version.release) + [0] * parts
    return ".".join(str(n) for n in release[:parts])


def target(pin: Pin, latest: str) -> str | None:
    """The version the pin should move to, or None when it is current."""
    try:
        newest, current = Version(latest), Version(pin.version)
    except InvalidVersion:
        return None
    if pin.exact:
        return latest if newest > current else None
    if newest.release[:2] > current.release[:2]:
        # A distribution that publishes only pre-releases (OpenTelemetry's instrumentations,
        # 0.66b2): a floor cut to 0.66 would sit above every release it has.
        return latest if newest.is_prerelease else _cut(newest, max(len(current.release), 2))
    return None


def rewrite(line: str, pin: Pin, new: str) -> str:
    """The line with the pin's version replaced, and nothing else touched."""
    return line.replace(pin.token, pin.token.removesuffix(pin.version) + new, 1)


def fetch_latest(name: str) -> str:
    """The latest release PyPI lists for a distribution."""
    url = PYPI_URL.format(name=name)  # https, fixed: S310's file:// worry does not apply
    request = urllib.request.Request(url, headers={"Accept": "application/json"})  # noqa: S310
    with urllib.request.urlopen(request, timeout=20) as response:  # noqa: S310
        return str(json.load(response)["info"]["version"])


def plan(pins: Iterable[Pin], latest: Mapping[str, str]) -> list[tuple[Pin, str]]:
    return [(pin, new) for pin in pins if (new := target(pin, latest[pin.name])) is not None]


def apply(root: Path, moves: list[tuple[Pin, str]]) -> None:
    by_file: dict[Path, list[tuple[Pin, str]]] = {}
    for pin, new in moves:
        by_file.setdefault(pin.path, []).append((pin, new))
    for relative, file_moves in by_file.items():
        path = root / relative
        lines = path.read_text().split("\n")
        for pin, new in file_moves:
            lines[pin.line - 1] = rewrite(lines[pin.line - 1], pin, new)
        path.write_text("\n".join(lines))


def main(argv: list[str] | None = None, fetch: Callable[[str], str] = fetch_latest) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    mode = parser.add_mutually_exclusive_group(required=True)
    mode.add_argument("--check", action="store_true", help="list pins that are behind; exit 1 if any")
    mode.add_argument("--write", action="store_true", help="move the pins that are behind")
    parser.add_argument("--root", type=Path, default=TEMPLATE_ROOT, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)

    pins, unreadable = find_pins(args.root)
    for line in unreadable:
        print(f"unreadable pin (inside Jinja; move it to a line of its own): {line}", file=sys.stderr)
    latest = {name: fetch(name) for name in sorted({pin.name for pin in pins})}
    moves = plan(pins, latest)
    for pin, new in moves:
        kind = "==" if pin.exact else ">="
        print(f"{pin.where():<55} {pin.name:<20} {kind}{pin.version:<10} -> {new}")
    if args.write:
        apply(args.root, moves)
        if moves:
            print("now: make test (the static and runtime layers bake and run with the new floors)")
        return 1 if unreadable else 0
    if not moves:
        print(f"{len(pins)} pins, all current")
    return 1 if moves or unreadable else 0


if __name__ == "__main__":
    raise SystemExit(main())
