"""The rule set itself: defaults are valid, implications hold, the manifest matches the template."""

from __future__ import annotations

import hashlib
import itertools
import json
import re
from pathlib import Path
from typing import Any

import pytest
from harness.baking import TEMPLATE_ROOT, rules
from packaging.version import InvalidVersion, Version

TEMPLATE_DIR = TEMPLATE_ROOT / "{{cookiecutter.project_slug}}"


def answers(**overrides: Any) -> dict[str, Any]:
    base = {**rules.DEFAULTS, "project_slug": "my-service", "package_name": "my_service"}
    return {**base, **overrides}


def test_defaults_are_valid() -> None:
    assert rules.validate(answers()) == []


def test_every_option_of_the_design_exists_with_a_prompt() -> None:
    prompts = rules.OPTIONS["__prompts__"]
    assert set(prompts) == set(rules.DEFAULTS), "every option needs a human prompt, and only options"
    assert all(isinstance(text, str) and len(text) > 10 for text in prompts.values())


def test_yes_no_options_are_json_booleans() -> None:
    """A yes/no option is a JSON boolean (cookiecutter's boolean variable), never a "y"/"n" choice."""
    raw = json.loads((TEMPLATE_ROOT / "cookiecutter.json").read_text())
    yes_no_words = {"y", "n", "yes", "no", "true", "false"}
    spelled_out = [
        option
        for option, value in raw.items()
        if not option.startswith("_")
        and (
            (isinstance(value, str) and value.lower() in yes_no_words)
            or (isinstance(value, list) and {str(v).lower() for v in value} <= yes_no_words)
        )
    ]
    assert spelled_out == []
    assert [option for option in raw if option.startswith("use_") and not isinstance(raw[option], bool)] == []
    assert sorted(option for option, value in raw.items() if isinstance(value, bool)) == rules.BOOLEAN_OPTIONS


def test_every_option_is_classified() -> None:
    """The matrix is built from `OPTION_AXES`: an option missing there would be varied blindly."""
    unclassified = [o for o in rules.DEFAULTS if o not in rules.OPTION_AXES and o not in rules.FIELD_RULES]
    assert unclassified == [], (
        f"{', '.join(unclassified)} not classified: add an Axis to OPTION_AXES in hooks/rules.py "
        "(does it change running code? when does it apply?), as CONTRIBUTING.md's walkthrough "
        '"Adding an option" says in step 2'
    )
    assert set(rules.OPTION_AXES) == set(rules.CHOICE_OPTIONS) | set(rules.BOOLEAN_OPTIONS)
    assert not set(rules.OPTION_AXES) & set(rules.FIELD_RULES)


def test_conditions_name_real_options_and_values() -> None:
    conditions = [axis.applies_when for axis in rules.OPTION_AXES.values()]
    conditions += [condition for condition, _ in rules.CONTRADICTIONS]
    for condition in conditions:
        for option, values in condition.items():
            assert values, option
            assert set(values) <= set(rules.option_values(option)), (option, values)
    for option, axis in rules.OPTION_AXES.items():
        assert option not in axis.applies_when, f"{option} cannot depend on itself"


# Every combination of the options that conditions name, each with every value of one other option
# (the rest at defaults): a condition that features() has and OPTION_AXES lacks shows up here.
SWITCHES = sorted({o for axis in rules.OPTION_AXES.values() for o in axis.applies_when}
                  | {o for condition, _ in rules.CONTRADICTIONS for o in condition})  # fmt: skip
SAMPLE_ROWS = [
    answers(**dict(zip(SWITCHES, values, strict=True)), **{other: value})
    for values in itertools.product(*(rules.option_values(o) for o in SWITCHES))
    for other in rules.OPTION_AXES
    if other not in SWITCHES
    for value in rules.option_values(other)
]


@pytest.mark.parametrize("option", sorted(rules.OPTION_AXES))
def test_applies_when_agrees_with_features(option: str) -> None:
    """Where an option applies, its values give different features; where not, the same ones."""
    wrong: dict[str, list[dict[str, Any]]] = {"ignored": [], "applies": []}
    changes_somewhere = False
    for row in SAMPLE_ROWS:
        valid = [
            row | {option: v} for v in rules.option_values(option) if not rules.validate(row | {option: v})
        ]
        if len(valid) < 2:  # a contradiction leaves one value: that is a refusal, not an ignored option
            continue
        changes = len({rules.features(answers) for answers in valid}) > 1
        changes_somewhere |= changes
        if changes != rules.applies(option, row):
            wrong["applies" if rules.applies(option, row) else "ignored"].append(row)
    if not changes_somewhere:
        # Only its own `{{ cookiecutter.<option> }}` substitutions use it (python_version): nothing
        # can be ignored, so nothing to declare.
        assert not rules.OPTION_AXES[option].applies_when
        return
    assert wrong["ignored"] == [], f"{option} is declared ignored where it changes features"
    assert wrong["applies"] == [], f"{option} is declared to apply where it changes no feature"


def test_partial_answers_are_judged_by_their_completions() -> None:
    assert rules.completable({"auth": "cookie"})
    assert not rules.completable({"auth": "cookie", "database": "none"})
    assert rules.completable({"worker": "none", "broker": "rabbitmq"})
    # With ignored_at_default, an option that does not apply must stay at its default.
    assert not rules.completable({"worker": "none", "broker": "rabbitmq"}, ignored_at_default=True)
    assert rules.completable({"email": "none"}, ignored_at_default=True)
    assert not rules.completable({"email": "none", "database": "none"}, ignored_at_default=True)
    assert not rules.completable({"email": "none", "auth": "none"}, ignored_at_default=True)


# `cookiecutter.<option>` of a choice or yes/no option, except as a plain `{{ cookiecutter.x }}`.
RAW_OPTION_RE = re.compile(r"(?<!\{\{ )cookiecutter(?:\.(\w+)|\[[\"'](\w+)[\"']\])(?! \}\})")


def test_templates_test_features_not_raw_options() -> None:
    """Templates branch on `cookiecutter | features`, so an implication is written once in rules.py."""
    raw_tests = []
    for path in TEMPLATE_DIR.rglob("*"):
        if path.is_file() and rules.LICENSE_TEXTS_DIR not in path.parts and path.name != "uv.lock":
            for number, line in enumerate(path.read_text().splitlines(), 1):
                for match in RAW_OPTION_RE.finditer(line):
                    if (match.group(1) or match.group(2)) in rules.OPTION_AXES:
                        raw_tests.append(f"{path.relative_to(TEMPLATE_DIR)}:{number}: {line.strip()}")
    assert raw_tests == []


def test_default_variant_features() -> None:
    on = rules.features(answers())
    assert {"db", "postgresql", "auth", "bearer", "celery", "redis", "cache", "items", "jobs"} <= on
    assert not {"sqlite", "cookie", "broker_rabbitmq", "heroku", "render"} & on


@pytest.mark.parametrize(
    ("overrides", "present", "absent"),
    [
        ({"worker": "none"}, set(), {"celery", "beat", "flower", "broker_redis", "jobs"}),
        ({"worker": "none", "cache": "none"}, set(), {"redis"}),
        ({"broker": "rabbitmq", "cache": "none"}, {"broker_rabbitmq"}, {"redis"}),
        ({"database": "none", "auth": "none"}, set(), {"db", "items", "jobs", "email"}),
        ({"auth": "none"}, {"items"}, {"auth", "email"}),
        ({"include_examples": False}, set(), {"items", "jobs"}),
        ({"ci": "none"}, set(), {"ghcr", "github"}),
    ],
)
def test_options_that_do_not_apply_drop_out(
    overrides: dict[str, Any], present: set[str], absent: set[str]
) -> None:
    on = rules.features(answers(**overrides))
    assert present <= on
    assert not absent & on


def test_auth_without_database_is_the_only_contradiction() -> None:
    refused = []
    for database, auth in itertools.product(rules.CHOICE_OPTIONS["database"], rules.CHOICE_OPTIONS["auth"]):
        if rules.validate(answers(database=database, auth=auth)):
            refused.append((database, auth))
    assert refused == [("none", "bearer"), ("none", "cookie")]


def test_manifest_paths_exist_in_the_template() -> None:
    missing = [
        path
        for path in rules.MANIFEST
        if not (TEMPLATE_DIR / path.format(package="{{cookiecutter.package_name}}")).exists()
    ]
    assert missing == []


def test_default_variant_prunes_nothing_it_needs() -> None:
    pruned = rules.paths_to_prune(answers())
    # Of auth, only the other mode's files go (the default is bearer); items and migrations stay.
    cookie_only = [p.format(package="my_service") for p, need in rules.MANIFEST.items() if need == "cookie"]
    assert cookie_only
    assert set(cookie_only) <= set(pruned)
    # object_storage and use_websockets are off by default: their files in these areas go too.
    off = {"cookie", "storage", "attachments", "attachments_inline_cleanup"}
    off_only = [
        p.format(package="my_service")
        for p, need in rules.MANIFEST.items()
        if any(n in off or n.startswith("websockets") for n in ((need,) if isinstance(need, str) else need))
    ]
    kept_areas = ("auth", "items", "migrations")
    assert not [path for path in pruned if path not in off_only and any(a in path for a in kept_areas)]


@pytest.mark.parametrize(
    "version",
    ["0.1.0", "1.0", "2024.1", "1.0.0a1", "1.0.0-beta", "1.0.0rc2", "1.0.post1", "1.0.dev3", "1!2.0",
     "1.0+local.7", "v1.2", "banana", "1.0.0-SNAPSHOT", "1..0", "", "1.0.0.x", "01.002"],
)  # fmt: skip
def test_pep440_pattern_agrees_with_packaging(version: str) -> None:
    try:
        Version(version)
        valid = True
    except InvalidVersion:
        valid = False
    assert (rules.PEP440_RE.match(version) is not None) is valid


def test_text_fields_are_checked() -> None:
    assert rules.validate(answers(description='say "hi"'))
    assert rules.validate(answers(author_name=" "))
    assert rules.validate(answers(project_name="x" * (rules.MAX_TEXT_LENGTH + 1)))


def test_template_dir_is_where_the_rules_expect_it() -> None:
    assert isinstance(TEMPLATE_DIR, Path)
    assert TEMPLATE_DIR.is_dir()


# sha256 of each license text the template ships. Apache-2.0 and GPL-3.0-only are byte for byte
# the upstream files (apache.org LICENSE-2.0.txt, gnu.org gpl-3.0.txt, as Debian ships them in
# /usr/share/common-licenses); MIT and BSD-3-Clause are the SPDX License List texts with the
# copyright placeholder the post-gen hook fills. A changed text must be a deliberate change here.
LICENSE_SHA256 = {
    "Apache-2.0": "cfc7749b96f63bd31c3c42b5c471bf756814053e847c10f3eb003417bc523d30",
    "GPL-3.0-only": "3972dc9744f6499f0f9b2dbf76696f2ae7ad8af9b23dde66d6af86c9dfb36986",
    "MIT": "b85dcd3e453d05982552c52b5fc9e0bdd6d23c6f8e844b984a88af32570b0cc0",
    "BSD-3-Clause": "42639b2e5507163d35069be166e37a784f48a5f17e3577c16eb48fab215247cd",
    "Proprietary": "3b274bcbc227f83967ab4e700d28143c273a189d56e49fead6ac6661b38f183c",
}


def test_every_license_choice_has_a_text_and_an_spdx_expression() -> None:
    choices = set(rules.CHOICE_OPTIONS["license"])
    assert set(rules.LICENSE_EXPRESSIONS) == choices
    texts = TEMPLATE_DIR / rules.LICENSE_TEXTS_DIR
    assert {path.stem for path in texts.glob("*.txt")} == choices
    for choice in choices:
        assert rules.license_text_path(answers(license=choice)) == f"licenses/{choice}.txt"
    assert rules.LICENSE_EXPRESSIONS["Proprietary"].startswith("LicenseRef-")


@pytest.mark.parametrize("choice", sorted(LICENSE_SHA256))
def test_license_texts_are_the_pinned_verbatim_texts(choice: str) -> None:
    text = (TEMPLATE_DIR / rules.license_text_path(answers(license=choice))).read_bytes()
    assert hashlib.sha256(text).hexdigest() == LICENSE_SHA256[choice]


def test_every_task_module_exists_in_the_template() -> None:
    # The worker imports these by name; a renamed or moved module would only fail in a worker.
    package = TEMPLATE_DIR / "src" / "{{cookiecutter.package_name}}"
    missing = [m for m in rules.TASK_MODULES if not (package / f"{m.replace('.', '/')}.py").is_file()]
    assert missing == []
