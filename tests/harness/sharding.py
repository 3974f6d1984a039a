"""Split the collected tests over CI runners: `--shard i/n` (or TEMPLATE_SHARD=i/n) keeps shard i of n.

Tests are dealt round-robin by group, in collection order, so shards come out the same size and
together run every test exactly once. A group is the test's `xdist_group` when it has one (those
tests share an expensive module fixture, such as the cruft update), else the test itself.
Under pytest-xdist every worker computes the same split from the same collection.
"""

from __future__ import annotations

import os
import re

import pytest

SHARD_ENV = "TEMPLATE_SHARD"
SHARD_RE = re.compile(r"^(\d+)/(\d+)$")


def parse_shard(value: str) -> tuple[int, int]:
    """`"2/3"` -> (2, 3); shards count from 1."""
    match = SHARD_RE.match(value.strip())
    if not match:
        raise pytest.UsageError(f"--shard {value!r}: use i/n, for example 1/3")
    index, total = int(match.group(1)), int(match.group(2))
    if not 1 <= index <= total:
        raise pytest.UsageError(f"--shard {value!r}: i must be between 1 and n")
    return index, total


def group_of(item: pytest.Item) -> str:
    marker = item.get_closest_marker("xdist_group")
    if marker is not None:
        name = marker.args[0] if marker.args else marker.kwargs.get("name", "")
        return f"group:{name}"
    return item.nodeid


def select(items: list[pytest.Item], index: int, total: int) -> tuple[list[pytest.Item], list[pytest.Item]]:
    """(kept, dropped): the groups in collection order, dealt to shard 1, 2, ... n, 1, 2, ..."""
    order: dict[str, int] = {}
    for item in items:
        order.setdefault(group_of(item), len(order))
    kept: list[pytest.Item] = []
    dropped: list[pytest.Item] = []
    for item in items:
        (kept if order[group_of(item)] % total == index - 1 else dropped).append(item)
    return kept, dropped


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--shard",
        default=os.environ.get(SHARD_ENV, ""),
        metavar="i/n",
        help=f"run only shard i of n (1-based); default from ${SHARD_ENV}",
    )


@pytest.hookimpl(trylast=True)  # after -m and -k, so the shards split what is selected
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    value = config.getoption("--shard")
    if not value:
        return
    index, total = parse_shard(value)
    kept, dropped = select(items, index, total)
    if dropped:
        config.hook.pytest_deselected(items=dropped)
        items[:] = kept
