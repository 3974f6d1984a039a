"""Write the docs' option tables from the rule set, so that docs/options.md cannot drift from it.

    uv run python scripts/docs_tables.py --write   # regenerate the marked blocks in docs/options.md
    uv run python scripts/docs_tables.py --check   # exit 1 if they are stale (the suite checks this)

Each block sits between `<!-- BEGIN generated:NAME -->` and `<!-- END generated:NAME -->`; the text
around the blocks is written by hand.
"""

from __future__ import annotations

import argparse
import re
import sys
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

from hooks import rules  # the template's one rule set

TEMPLATE_ROOT = Path(__file__).resolve().parent.parent

OPTIONS_PAGE = TEMPLATE_ROOT / "docs/options.md"
BLOCK_RE = re.compile(
    r"(<!-- BEGIN generated:(?P<name>[a-z-]+) -->\n)(?P<body>.*?)(<!-- END generated:(?P=name) -->)", re.S
)
EXAMPLE = {**rules.DEFAULTS, "project_slug": "my-service", "package_name": "my_service"}


def _code(items: Iterable[str]) -> str:
    return ", ".join(f"`{item}`" for item in items) or "-"


def _value(value: Any) -> str:
    return str(value).lower() if isinstance(value, bool) else str(value)


def options_table() -> str:
    prompts = rules.OPTIONS["__prompts__"]
    lines = ["| option | values (default first) | prompt |", "|---|---|---|"]
    for option, default in rules.OPTIONS.items():
        if option.startswith("_"):
            continue
        if isinstance(default, list):
            values = _code(default)
        elif isinstance(default, bool):
            values = f"`{_value(default)}`, `{_value(not default)}`"
        elif "{{" in default:
            values = "derived from the name"
        else:
            values = f"text, default `{default}`"
        lines.append(f"| `{option}` | {values} | {prompts[option]} |")
    return "\n".join(lines) + "\n"


def _collapse(paths: set[str]) -> list[str]:
    """Drop paths that sit inside another listed path (deploy/k8s covers deploy/k8s/base/...)."""
    return sorted(p for p in paths if not any(p.startswith(f"{q}/") for q in paths if q != p))


def _alternatives() -> list[tuple[str, Any]]:
    """Every non-default answer of every choice and yes/no option."""
    changes: list[tuple[str, Any]] = []
    for option, choices in rules.CHOICE_OPTIONS.items():
        changes += [(option, value) for value in choices[1:]]
    changes += [(option, not rules.DEFAULTS[option]) for option in rules.BOOLEAN_OPTIONS]
    return changes


def effects_table() -> str:
    """What one answer changes against the defaults: features on and off, paths added and removed."""
    base_features = rules.features(EXAMPLE)
    base_pruned = set(rules.paths_to_prune(EXAMPLE))
    lines = [
        "| answer | features on | features off | files added | files removed |",
        "|---|---|---|---|---|",
    ]
    for option, value in _alternatives():
        answer = f"`{option}={_value(value)}`"
        answers = {**EXAMPLE, option: value}
        if errors := rules.validate(answers):
            # A contradiction with another default: show the refusal, then the change with the
            # first other answer that makes it valid.
            lines.append(f"| {answer} alone | refused: `ERROR: {errors[0]}` | | | |")
            other, other_value = next(
                (o, v) for o, v in _alternatives() if o != option and not rules.validate({**answers, o: v})
            )
            answers[other] = other_value
            answer += f" with `{other}={_value(other_value)}`"
        on = rules.features(answers)
        pruned = set(rules.paths_to_prune(answers))
        lines.append(
            f"| {answer} | {_code(sorted(on - base_features))} "
            f"| {_code(sorted(base_features - on))} | {_code(_collapse(base_pruned - pruned))} "
            f"| {_code(_collapse(pruned - base_pruned))} |"
        )
    return "\n".join(lines) + "\n"


def manifest_table() -> str:
    lines = ["| path in the bake | kept when these features are on |", "|---|---|"]
    for path, needs in rules.MANIFEST.items():
        needed = (needs,) if isinstance(needs, str) else needs
        lines.append(f"| `{path}` | {' + '.join(f'`{n}`' for n in needed)} |")
    return "\n".join(lines) + "\n"


GENERATORS: dict[str, Callable[[], str]] = {
    "options": options_table,
    "effects": effects_table,
    "manifest": manifest_table,
}


def render(page: str) -> str:
    """The page with every generated block rewritten; an unknown block name is an error."""

    def replace(match: re.Match[str]) -> str:
        name = match.group("name")
        if name not in GENERATORS:
            raise SystemExit(f"{OPTIONS_PAGE}: no generator for block {name!r}")
        return f"{match.group(1)}{GENERATORS[name]()}{match.group(4)}"

    return BLOCK_RE.sub(replace, page)


def blocks(page: str) -> set[str]:
    return {m.group("name") for m in BLOCK_RE.finditer(page)}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    mode = parser.add_mutually_exclusive_group(required=True)
    mode.add_argument("--write", action="store_true", help="rewrite the generated blocks")
    mode.add_argument("--check", action="store_true", help="exit 1 when a block is stale")
    args = parser.parse_args(argv)
    page = OPTIONS_PAGE.read_text()
    fresh = render(page)
    if args.write:
        OPTIONS_PAGE.write_text(fresh)
        return 0
    if fresh != page:
        print(f"{OPTIONS_PAGE} is stale; run: uv run python scripts/docs_tables.py --write", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
