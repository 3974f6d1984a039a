"""The matrix generator: its covering sets really cover, and hold only valid answer sets."""

from __future__ import annotations

import itertools

import pytest
from harness import matrix
from harness.baking import rules


@pytest.mark.parametrize("strength", [2, 3])
def test_covering_set_covers_every_allowed_tuple(strength: int) -> None:
    rows = matrix.covering_set(matrix.AXES, strength)
    assert matrix.uncovered(rows, matrix.AXES, strength) == set()


def test_covering_set_rows_are_valid_answers() -> None:
    for row in matrix.covering_set(matrix.AXES, 3):
        answers = {**rules.DEFAULTS, "project_slug": "my-service", "package_name": "my_service", **row}
        assert rules.validate(answers) == [], row


def test_uncovered_detects_a_gap() -> None:
    """Guards the check above: rows that never use database=sqlite leave its tuples uncovered."""
    rows = [row for row in matrix.covering_set(matrix.AXES, 2) if row["database"] != "sqlite"]
    gaps = matrix.uncovered(rows, matrix.AXES, 2)
    sqlite_tuples = {t for t in matrix.uncovered([], matrix.AXES, 2) if ("database", "sqlite") in t}
    assert sqlite_tuples
    assert sqlite_tuples <= gaps


def test_core_product_is_complete_less_contradictions() -> None:
    rows = matrix.core_product()
    sizes = [len(matrix.AXES[name]) for name in matrix.CORE_AXES]
    refused = [r for r in itertools.product(*(matrix.AXES[n] for n in matrix.CORE_AXES))
               if not matrix.allowed(dict(zip(matrix.CORE_AXES, r, strict=True)))]  # fmt: skip
    assert len(rows) + len(refused) == sizes[0] * sizes[1] * sizes[2] * sizes[3] * sizes[4]
    assert len({tuple(sorted(r.items())) for r in rows}) == len(rows)


def test_axes_come_from_the_rule_set() -> None:
    assert set(matrix.AXES) == set(rules.OPTION_AXES)
    assert list(matrix.RUNTIME_AXES) == list(rules.RUNTIME_OPTIONS)
    assert set(matrix.CORE_AXES) <= set(rules.RUNTIME_OPTIONS)


def test_runtime_rows_leave_ignored_options_at_their_defaults() -> None:
    for over in matrix.runtime_variants():
        answers = {**rules.DEFAULTS, "project_slug": "my-service", "package_name": "my_service", **over}
        assert rules.validate(answers) == [], over
        assert [option for option in over if not rules.applies(option, answers)] == [], over
