"""The variant matrix: covering sets over the option model, built from the rule set.

A covering set of strength t holds, for every t options and every combination of their values that
the rules allow, at least one variant with those values. allpairspy was tried first and left
triples uncovered once the auth/database contradiction was filtered out, so this is a small greedy
generator (AETG-style: each new row takes, option by option, the value that covers most new tuples),
seeded so the matrix is the same on every run, and checked by `uncovered()` in the tests.
"""

from __future__ import annotations

import itertools
import random
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any

from harness.baking import rules

Variant = dict[str, Any]
Tuple = tuple[tuple[str, Any], ...]

# The options the matrix varies: every choice and yes/no option. Free-text answers stay at defaults.
AXES: dict[str, list[Any]] = {
    name: rules.option_values(name) for name in [*rules.CHOICE_OPTIONS, *rules.BOOLEAN_OPTIONS]
}
CANDIDATES_PER_ROW = 4
# A choice of the suite, not a rule: the options whose interplay shapes a bake most get their full
# product in the static layer (`core_product`).
CORE_AXES = ("database", "auth", "worker", "broker", "cache")


def allowed(partial: Mapping[str, Any]) -> bool:
    """Whether a (partial) assignment can be part of a valid answer set (`rules.CONTRADICTIONS`)."""
    return rules.completable(partial)


# The options that change the code a bake runs (`runtime` in `rules.OPTION_AXES`). The others only
# change files that the static layer and the deploy validators check, so the runtime layer keeps
# them at their defaults.
RUNTIME_AXES: dict[str, list[Any]] = {name: AXES[name] for name in rules.RUNTIME_OPTIONS}
RUNTIME_SEED = 4  # the first seed that gives the smallest set found (13 rows, seeds 1-11)


def effective(partial: Mapping[str, Any]) -> bool:
    """`allowed`, and an option that does not apply (`applies_when` in `rules.OPTION_AXES`) stays at
    its default.

    A pair like (worker=none, broker=rabbitmq) tests nothing, so it is not wanted, and a row cannot
    pretend to cover a broker value that its bake ignores.
    """
    return rules.completable(partial, ignored_at_default=True)


Allow = Callable[[Mapping[str, Any]], bool]


def _tuples(axes: Mapping[str, Sequence[Any]], strength: int, allow: Allow = allowed) -> set[Tuple]:
    wanted: set[Tuple] = set()
    for names in itertools.combinations(sorted(axes), strength):
        for values in itertools.product(*(axes[name] for name in names)):
            pairs = tuple(zip(names, values, strict=True))
            if allow(dict(pairs)):
                wanted.add(pairs)
    return wanted


def _covered_by(row: Mapping[str, Any], strength: int) -> Iterable[Tuple]:
    for names in itertools.combinations(sorted(row), strength):
        yield tuple((name, row[name]) for name in names)


def covering_set(
    axes: Mapping[str, Sequence[Any]], strength: int, seed: int = 7, allow: Allow = allowed
) -> list[Variant]:
    """Greedy covering set: every allowed `strength`-tuple of values appears in some row."""
    rng = random.Random(seed)  # noqa: S311 (a reproducible choice of rows, not a secret)
    names = sorted(axes)
    uncovered_tuples = _tuples(axes, strength, allow)
    rows: list[Variant] = []
    while uncovered_tuples:
        best_row: Variant | None = None
        best_gain = -1
        for _ in range(CANDIDATES_PER_ROW):  # a few randomised candidates per row; keep the best
            row = _greedy_row(names, axes, uncovered_tuples, strength, rng, allow)
            gain = sum(1 for t in _covered_by(row, strength) if t in uncovered_tuples)
            if gain > best_gain:
                best_row, best_gain = row, gain
        assert best_row is not None
        assert best_gain > 0
        rows.append(best_row)
        uncovered_tuples.difference_update(_covered_by(best_row, strength))
    return rows


def _greedy_row(
    names: list[str],
    axes: Mapping[str, Sequence[Any]],
    uncovered_tuples: set[Tuple],
    strength: int,
    rng: random.Random,
    allow: Allow = allowed,
) -> Variant:
    # Seed the row with one uncovered tuple, then fill the other options greedily in random order.
    row: Variant = dict(rng.choice(sorted(uncovered_tuples, key=repr)))
    order = [name for name in names if name not in row]
    rng.shuffle(order)
    for name in order:
        scored = []
        for value in axes[name]:
            candidate = {**row, name: value}
            if not allow(candidate):
                continue
            gain = 0
            for others in itertools.combinations(sorted(row), strength - 1):
                key = tuple(sorted([(name, value), *((o, row[o]) for o in others)]))
                gain += key in uncovered_tuples
            scored.append((gain, rng.random(), value))
        row[name] = max(scored)[2]
    return row


def uncovered(
    rows: Sequence[Mapping[str, Any]],
    axes: Mapping[str, Sequence[Any]],
    strength: int,
    allow: Allow = allowed,
) -> set[Tuple]:
    """The allowed tuples that no row covers (empty for a correct covering set)."""
    wanted = _tuples(axes, strength, allow)
    for row in rows:
        wanted.difference_update(_covered_by({k: row[k] for k in axes}, strength))
    return wanted


def core_product() -> list[Variant]:
    """The full product database x auth x worker x broker x cache, less the refused combinations."""
    rows = []
    for values in itertools.product(*(AXES[name] for name in CORE_AXES)):
        row = dict(zip(CORE_AXES, values, strict=True))
        if allowed(row):
            rows.append(row)
    return rows


def overrides(row: Mapping[str, Any]) -> Variant:
    """Only the answers that differ from the defaults: short ids, and the same bake is reused."""
    return {name: value for name, value in row.items() if rules.DEFAULTS[name] != value}


def runtime_variants() -> list[Variant]:
    """The runtime layer: a pairwise covering set over the options that change running code."""
    rows = covering_set(RUNTIME_AXES, 2, seed=RUNTIME_SEED, allow=effective)
    variants: list[Variant] = [{}]  # the default bake, which most people get, always runs
    for row in rows:
        over = overrides({**rules.DEFAULTS, **row})
        if over not in variants:
            variants.append(over)
    return variants
