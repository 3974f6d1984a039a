"""Stop the run when `--dist loadgroup` no longer keeps an `xdist_group` on one worker.

The suite relies on the groups: every images test binds the host's port 8000, and the drills and
the cruft update share one expensive module fixture each. pytest-xdist 3.8 marks a group by
rewriting the item's node id, and pytest 9.2 ignores that rewrite (pytest-xdist#1386): the grouped
tests are then dealt out one by one, with no warning, and two images tests race for the same port.
"""

from __future__ import annotations

import pytest


def lost_groups(items: list[pytest.Item]) -> list[str]:
    """Node ids of grouped tests that do not carry their `@group` suffix on this worker."""
    lost = []
    for item in items:
        if item.get_closest_marker("xdist_group") is None:
            continue
        suffix = item.nodeid.rsplit("]", 1)[-1]  # a parameter id may itself contain "@"
        if "@" not in suffix:
            lost.append(item.nodeid)
    return lost


_lost_key = pytest.StashKey[frozenset[str]]()

LOST_GROUP = (
    "--dist loadgroup lost this test's xdist_group, so its group would run on several workers at "
    "once. pytest-xdist marks groups in a way this pytest ignores (pytest-xdist#1386): keep pytest "
    "below 9.2 in pyproject.toml, or run with -n 0."
)


@pytest.hookimpl(trylast=True)  # after pytest-xdist's own hook has added the suffixes
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    # On a worker, --dist reads "no"; pytest-xdist records loadgroup as its own option.
    if hasattr(config, "workerinput") and getattr(config.option, "loadgroup", False):
        config.stash[_lost_key] = frozenset(lost_groups(items))


def pytest_runtest_setup(item: pytest.Item) -> None:
    # Failing here, not at collection, puts the reason in the report: a worker that stops while
    # collecting only shows up as an internal error of the controller.
    if item.nodeid in item.config.stash.get(_lost_key, frozenset()):
        pytest.fail(LOST_GROUP, pytrace=False)
