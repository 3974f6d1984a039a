"""CONTRIBUTING.md's "Adding an option" walkthrough, applied to a scratch copy of the template.

Each step edits the copy as the walkthrough says; the copy's own rule and docs tests then run on
it, and it bakes with the option on and off. A step the walkthrough forgot, or one the suite no
longer needs, shows up here.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

from harness.baking import TEMPLATE_COPY_IGNORE, TEMPLATE_ROOT, imports_from

CONTRIBUTING = TEMPLATE_ROOT / "CONTRIBUTING.md"
SCRATCH_MODULE = "src/{{cookiecutter.package_name}}/scratch.py"


def _replace_once(path: Path, old: str, new: str) -> None:
    text = path.read_text()
    assert text.count(old) == 1, f"{path.name}: the walkthrough's anchor {old!r} moved"
    path.write_text(text.replace(old, new))


def _pytest(copy: Path, *args: str) -> subprocess.CompletedProcess[str]:
    # The copy's own tests, with this interpreter (the same locked tools), one process.
    return subprocess.run(
        [sys.executable, "-m", "pytest", "-p", "no:xdist", "-p", "no:cacheprovider", "-o", "addopts=",
         "-q", *args],
        cwd=copy, capture_output=True, text=True, check=False, timeout=300,
    )  # fmt: skip


def _bake(copy: Path, out: Path, use_scratch: bool) -> Path:
    subprocess.run(
        [sys.executable, "-m", "cookiecutter", str(copy), "--no-input", "-o", str(out),
         f"use_scratch={str(use_scratch).lower()}"],
        cwd=out.parent,  # not the template root: `-m` would put its hooks/ first on sys.path
        check=True, capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    return out / "my-service"


def test_the_walkthrough_names_each_place_an_option_touches() -> None:
    text = CONTRIBUTING.read_text()
    walkthrough = text.split("## Adding an option")[1].split("\n## ")[0]
    steps = re.findall(r"^\d\. \*\*([^*]+)\*\*", walkthrough, re.MULTILINE)
    assert steps == ["`cookiecutter.json`", "`hooks/rules.py`", "The templates", "The lock", "Tests",
                     "Docs", "Run"]  # fmt: skip
    for place in ("features()", "MANIFEST", "OWNED_IMPORTS", "__prompts__", "docs_tables.py --write",
                  "OPTION_AXES", "applies_when", "runtime=True", "tests/test_rules.py", "RUNTIME_SEED",
                  "CHANGELOG.md"):  # fmt: skip
        assert place in walkthrough, place


def test_adding_an_option_as_the_walkthrough_says(tmp_path: Path) -> None:
    copy = tmp_path / "template"
    shutil.copytree(TEMPLATE_ROOT, copy, ignore=TEMPLATE_COPY_IGNORE)

    # 1. cookiecutter.json: the option, after the last yes/no option, and its prompt.
    options_path = copy / "cookiecutter.json"
    options = json.loads(options_path.read_text())
    reordered: dict[str, object] = {}
    for key, value in options.items():
        reordered[key] = value
        if key == "include_examples":
            reordered["use_scratch"] = False
    reordered["__prompts__"] = {**options["__prompts__"], "use_scratch": "Add the scratch module?"}
    options_path.write_text(json.dumps(reordered, indent=2) + "\n")

    # 2. hooks/rules.py: the feature (only with a database, as the walkthrough's example), and the
    # path it owns.
    rules_path = copy / "hooks/rules.py"
    _replace_once(
        rules_path,
        "    return frozenset(on)\n",
        '    if a["use_scratch"] and has_db:\n        on.add("scratch")\n    return frozenset(on)\n',
    )
    _replace_once(
        rules_path,
        "MANIFEST: dict[str, str | tuple[str, ...]] = {\n",
        'MANIFEST: dict[str, str | tuple[str, ...]] = {\n    "src/{package}/scratch.py": "scratch",\n',
    )

    # 3. The template: the module the option adds.
    module = copy / "{{cookiecutter.project_slug}}" / SCRATCH_MODULE
    module.write_text('"""What the scratch option adds."""\n\nENABLED = True\n')

    # 2, continued. Until the option is classified in OPTION_AXES, the rule tests refuse it and
    # send the reader to the walkthrough.
    classified = ("tests/test_rules.py", "-k", "classified or agrees_with_features")
    unclassified = _pytest(copy, *classified)
    assert unclassified.returncode == 1, unclassified.stdout[-2000:]
    assert "use_scratch not classified" in unclassified.stdout, unclassified.stdout[-2000:]
    assert "CONTRIBUTING.md" in unclassified.stdout, unclassified.stdout[-2000:]
    # A classification without the condition features() has is refused too.
    axes_anchor = "OPTION_AXES: dict[str, Axis] = {\n"
    _replace_once(rules_path, axes_anchor, axes_anchor + '    "use_scratch": Axis(runtime=True),\n')
    no_condition = _pytest(copy, *classified)
    assert no_condition.returncode == 1, no_condition.stdout[-2000:]
    assert "use_scratch is declared to apply where it changes no feature" in no_condition.stdout
    with_database = '{"database": _other_than("database", "none")}'
    _replace_once(
        rules_path,
        '    "use_scratch": Axis(runtime=True),\n',
        f'    "use_scratch": Axis(runtime=True, applies_when={with_database}),\n',
    )

    # 5. Tests: the rule tests read the option model, so they need no edit; the matrices pick the
    # option up by themselves, the runtime layer too since it changes running code.
    runtime_axes = subprocess.run(
        [sys.executable, "-c", "from harness import matrix; print(sorted(matrix.RUNTIME_AXES))"],
        cwd=copy, env={**os.environ, "PYTHONPATH": "tests"},
        check=True, capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert "'use_scratch'" in runtime_axes.stdout

    # 6. Docs: the generated tables are stale until regenerated; then a section by hand.
    tables = [sys.executable, "scripts/docs_tables.py"]
    env = {**os.environ, **imports_from(copy)}  # the copy's rules.py, not this checkout's
    stale = subprocess.run(
        [*tables, "--check"], cwd=copy, env=env, capture_output=True, text=True, check=False
    )
    assert stale.returncode == 1, stale.stdout + stale.stderr
    subprocess.run([*tables, "--write"], cwd=copy, env=env, check=True, capture_output=True, text=True)
    _replace_once(
        copy / "docs/options.md",
        "\n## Which files belong to which feature",
        "\n### use_scratch\n\nAdds the scratch module.\n\n## Which files belong to which feature",
    )

    # 7. Run: the rule, matrix and docs tests pass on the copy, among them the runtime set's
    # pairwise cover, now with use_scratch (the mkdocs build and the tests that bake through
    # fixtures are left to the full suite).
    after = _pytest(
        copy, "tests/test_rules.py", "tests/test_matrix.py", "tests/test_runtime.py", "tests/test_docs.py",
        "-m", "not runtime", "-k", "not mkdocs and not production_refusals",
    )  # fmt: skip
    assert after.returncode == 0, after.stdout[-4000:]
    assert " passed" in after.stdout
    assert "failed" not in after.stdout

    # And the bake: the module with the option on, pruned with it off.
    on = _bake(copy, tmp_path / "on", use_scratch=True)
    off = _bake(copy, tmp_path / "off", use_scratch=False)
    assert (on / "src/my_service/scratch.py").read_text().startswith('"""What the scratch option')
    assert not (off / "src/my_service/scratch.py").exists()
