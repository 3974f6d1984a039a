"""Cut the template's universe lock down to one bake, with no network and no uv.

The template ships one `uv.lock` resolved for every dependency any bake can declare (the
"universe", written by `scripts/universe_lock.py`). After pruning, the post-gen hook calls
`prune_lock()`: it keeps the packages that the bake's own `pyproject.toml` reaches (through
dependencies, the extras those edges ask for, and the dev group), drops the extras nobody asks
for, and rewrites the root package's name, version and recorded requirements. Everything else
(sources, hashes, wheels, markers, resolution forks) is kept byte for byte, so the result is the
lock `uv lock` would write for the bake, and `uv sync --locked` accepts it.

Stdlib only, like every hook: the text is cut at `[[package]]` blocks, each block is read with
tomllib, and only the root block is written anew.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

BLOCK_SEPARATOR = "\n[[package]]\n"
# PEP 508 as the baked pyproject writes it: a name, optional extras, optional version specifiers.
# Anything else (markers, URLs) is refused, so the root's recorded requirements cannot be wrong.
REQUIREMENT_RE = re.compile(
    r"^(?P<name>[A-Za-z0-9](?:[A-Za-z0-9._-]*[A-Za-z0-9])?)\s*"
    r"(?:\[(?P<extras>[A-Za-z0-9._,\s-]*)\])?\s*"
    r"(?P<specifier>(?:(?:[<>=!~]=?|===)\s*[A-Za-z0-9.*+!_-]+\s*,?\s*)*)$"
)
# PEP 440's public version pattern (the same as hooks/rules.py), for the normal form uv records.
VERSION_RE = re.compile(
    r"^v?(?:(?P<epoch>[0-9]+)!)?(?P<release>[0-9]+(?:\.[0-9]+)*)"
    r"(?:[-_.]?(?P<pre_l>a|b|c|rc|alpha|beta|pre|preview)[-_.]?(?P<pre_n>[0-9]+)?)?"
    r"(?:-(?P<post_n1>[0-9]+)|[-_.]?(?P<post_l>post|rev|r)[-_.]?(?P<post_n2>[0-9]+)?)?"
    r"(?:[-_.]?(?P<dev_l>dev)[-_.]?(?P<dev_n>[0-9]+)?)?"
    r"(?:\+(?P<local>[a-z0-9]+(?:[-_.][a-z0-9]+)*))?$",
    re.IGNORECASE,
)
PRE_SPELLINGS = {"alpha": "a", "beta": "b", "c": "rc", "pre": "rc", "preview": "rc"}


class LockError(Exception):
    """The universe lock cannot serve this bake; the message says what is missing."""


def normalize_name(name: str) -> str:
    """PEP 503 normal form, as uv writes package names."""
    return re.sub(r"[-_.]+", "-", name).lower()


def normalize_version(version: str) -> str:
    """PEP 440 normal form (`v1.0-RC1` -> `1.0rc1`), as uv records the project's version."""
    match = VERSION_RE.match(version.strip())
    if not match:
        raise LockError(f"version {version!r} is not a PEP 440 version")
    parts = []
    if match["epoch"] and int(match["epoch"]):
        parts.append(f"{int(match['epoch'])}!")
    parts.append(".".join(str(int(n)) for n in match["release"].split(".")))
    if match["pre_l"]:
        label = match["pre_l"].lower()
        parts.append(f"{PRE_SPELLINGS.get(label, label)}{int(match['pre_n'] or 0)}")
    if match["post_n1"] or match["post_l"]:
        parts.append(f".post{int(match['post_n1'] or match['post_n2'] or 0)}")
    if match["dev_l"]:
        parts.append(f".dev{int(match['dev_n'] or 0)}")
    if match["local"]:
        parts.append("+" + re.sub(r"[-_]", ".", match["local"].lower()))
    return "".join(parts)


@dataclass(frozen=True)
class Requirement:
    name: str  # normalized
    extras: tuple[str, ...]
    specifier: str

    @classmethod
    def parse_entry(cls, entry: Mapping[str, Any]) -> Requirement:
        """A requires-dist entry of the lock (`{ name, extras, specifier }`)."""
        extras = tuple(sorted(normalize_name(e) for e in entry.get("extras", ())))
        return cls(normalize_name(str(entry["name"])), extras, str(entry.get("specifier", "")))

    @classmethod
    def parse(cls, text: str) -> Requirement:
        match = REQUIREMENT_RE.match(text.strip())
        if not match:
            raise LockError(f"cannot read the requirement {text!r} (markers and URLs are not supported)")
        extras = tuple(sorted({normalize_name(e) for e in (match["extras"] or "").split(",") if e.strip()}))
        specifier = ",".join(sorted(s.replace(" ", "") for s in match["specifier"].split(",") if s.strip()))
        return cls(normalize_name(match["name"]), extras, specifier)

    def metadata_entry(self) -> str:
        """How uv writes it under [package.metadata] requires-dist."""
        fields = [f'name = "{self.name}"']
        if self.extras:
            fields.append("extras = [" + ", ".join(f'"{e}"' for e in self.extras) + "]")
        if self.specifier:
            fields.append(f'specifier = "{self.specifier}"')
        return "{ " + ", ".join(fields) + " }"

    def edge_entry(self) -> str:
        """How uv writes the resolved edge under the root's dependencies."""
        extra = (", extra = [" + ", ".join(f'"{e}"' for e in self.extras) + "]") if self.extras else ""
        return f'{{ name = "{self.name}"{extra} }}'


@dataclass
class Block:
    text: str
    data: dict[str, Any] = field(init=False)

    def __post_init__(self) -> None:
        self.data = tomllib.loads("[[package]]\n" + self.text)["package"][0]

    @property
    def name(self) -> str:
        return str(self.data["name"])


def read_requirements(pyproject: Mapping[str, Any]) -> tuple[list[Requirement], dict[str, list[Requirement]]]:
    """The project's dependencies and its dependency groups, parsed."""
    project = pyproject["project"]
    dependencies = [Requirement.parse(text) for text in project.get("dependencies", [])]
    groups = {
        normalize_name(group): [Requirement.parse(text) for text in entries]
        for group, entries in pyproject.get("dependency-groups", {}).items()
    }
    return dependencies, groups


def _edges(entries: Iterable[Mapping[str, Any]]) -> list[tuple[str, tuple[str, ...]]]:
    return [(str(e["name"]), tuple(e.get("extra", ()))) for e in entries]


def _reachable(
    by_name: Mapping[str, Block], roots: Iterable[tuple[str, tuple[str, ...]]]
) -> dict[str, set[str]]:
    """Every package the roots reach, with the extras its incoming edges ask for."""
    extras: dict[str, set[str]] = {}
    pending = list(roots)
    while pending:
        name, wanted = pending.pop()
        if name not in by_name:
            raise LockError(f"the universe lock has no package {name!r}; refresh it: {REFRESH}")
        known = extras.get(name)
        new = set(wanted) - (known or set())
        if known is not None and not new:
            continue
        extras.setdefault(name, set()).update(wanted)
        data = by_name[name].data
        if known is None:
            pending += _edges(data.get("dependencies", []))
        optional = data.get("optional-dependencies", {})
        for extra in new:
            if extra not in optional:
                raise LockError(f"the universe lock has no extra {name}[{extra}]; refresh it: {REFRESH}")
            pending += _edges(optional[extra])
    return extras


def _drop_unused_extras(text: str, keep: set[str]) -> str:
    """Remove the entries of [package.optional-dependencies] that no kept edge asks for."""
    out: list[str] = []
    section: list[str] = []  # the optional-dependencies table being read, header included
    entry_open = False
    keeping = True
    in_section = False
    for line in text.splitlines(keepends=True):
        if line.startswith("["):
            in_section = line == "[package.optional-dependencies]\n"
            if in_section:
                section = [line]
                continue
        if not in_section:
            out.append(line)
            continue
        if not entry_open and not line.strip():
            out += section if len(section) > 1 else []
            section = []
            in_section = False
            out.append(line)
            continue
        if not entry_open:
            extra = line.split(" = [", 1)[0]
            keeping = extra in keep
            entry_open = not line.rstrip().endswith("]")
        elif line.rstrip() == "]":
            entry_open = False
        if keeping:
            section.append(line)
    if in_section and len(section) > 1:
        out += section
    result = "".join(out)
    # A table dropped at the end of the block leaves the blank line that preceded it.
    return result.rstrip("\n") + "\n"


def _root_block(
    name: str, version: str, dependencies: list[Requirement], groups: Mapping[str, list[Requirement]]
) -> str:
    lines = [f'name = "{name}"', f'version = "{version}"', 'source = { editable = "." }']
    by_name = sorted(dependencies, key=lambda r: r.name)
    if by_name:
        lines += ["dependencies = [", *(f"    {r.edge_entry()}," for r in by_name), "]"]
    if any(groups.values()):
        lines += ["", "[package.dev-dependencies]"]
        for group, entries in sorted(groups.items()):
            lines += [
                f"{group} = [",
                *(f"    {r.edge_entry()}," for r in sorted(entries, key=lambda r: r.name)),
                "]",
            ]
    lines += ["", "[package.metadata]"]
    lines += ["requires-dist = [", *(f"    {r.metadata_entry()}," for r in by_name), "]"]
    if groups:
        lines += ["", "[package.metadata.requires-dev]"]
        for group, entries in sorted(groups.items()):
            sorted_entries = sorted(entries, key=lambda r: r.name)
            lines += [f"{group} = [", *(f"    {r.metadata_entry()}," for r in sorted_entries), "]"]
    return "\n".join(lines) + "\n"


REFRESH = "uv run python scripts/universe_lock.py --write"


def prune_lock(lock_text: str, pyproject: Mapping[str, Any]) -> str:
    """The universe lock cut to the project that `pyproject` describes."""
    header, *rest = lock_text.split(BLOCK_SEPARATOR)
    blocks = [Block(text) for text in rest]
    roots = [b for b in blocks if b.data.get("source", {}).get("editable") == "."]
    if len(roots) != 1:
        raise LockError(f"the universe lock should have one editable root package, found {len(roots)}")
    universe_root = roots[0]
    by_name: dict[str, Block] = {}
    for block in blocks:
        if block is universe_root:
            continue
        if block.name in by_name:
            # Two versions of one package (a resolution fork): not needed by any bake so far.
            raise LockError(
                f"the universe lock holds {block.name} twice; keep one version or extend the pruner"
            )
        by_name[block.name] = block

    dependencies, groups = read_requirements(pyproject)
    declared = [(r.name, r.extras) for r in dependencies]
    declared += [(r.name, r.extras) for entries in groups.values() for r in entries]
    metadata = universe_root.data.get("metadata", {})
    universe = [Requirement.parse_entry(e) for e in metadata.get("requires-dist", [])]
    universe += [Requirement.parse_entry(e) for es in metadata.get("requires-dev", {}).values() for e in es]
    resolved_for = {(r.name, r.specifier): set(r.extras) for r in universe}
    missing = [
        r
        for r in [*dependencies, *(r for entries in groups.values() for r in entries)]
        if (r.name, r.specifier) not in resolved_for
        or not set(r.extras) <= resolved_for[(r.name, r.specifier)]
    ]
    if missing:
        names = ", ".join(f"{r.name}{list(r.extras) or ''}{r.specifier}" for r in missing)
        raise LockError(f"the universe lock was not resolved for {names}; refresh it: {REFRESH}")
    extras = _reachable(by_name, declared)

    project = pyproject["project"]
    root = Block(
        _root_block(
            normalize_name(project["name"]), normalize_version(project["version"]), dependencies, groups
        )
    )
    kept = [root]
    for name, wanted in extras.items():
        block = by_name[name]
        kept.append(Block(_drop_unused_extras(block.text.rstrip("\n") + "\n", wanted)))
    kept.sort(key=lambda b: b.name)
    return header + "".join(BLOCK_SEPARATOR + b.text.rstrip("\n") + "\n" for b in kept).rstrip("\n") + "\n"


def prune_project_lock(project: Path) -> None:
    """Replace the project's universe `uv.lock` with its own cut; raise LockError if it cannot."""
    lock = project / "uv.lock"
    pyproject = tomllib.loads((project / "pyproject.toml").read_text())
    lock.write_text(prune_lock(lock.read_text(), pyproject))
