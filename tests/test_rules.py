"""The rule set itself: defaults are valid, implications hold, the manifest matches the template."""

from __future__ import annotations

import hashlib
import itertools
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
    expected = {
        "use_beat", "use_flower", "use_sentry", "use_prometheus", "use_kubernetes",
        "use_heroku", "use_render", "use_watchtower", "include_examples",
    }  # fmt: skip
    assert set(rules.BOOLEAN_OPTIONS) == expected


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
    kept_areas = ("auth", "items", "migrations")
    assert not [path for path in pruned if path not in cookie_only and any(a in path for a in kept_areas)]


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
