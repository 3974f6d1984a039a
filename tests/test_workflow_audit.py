"""GitHub workflows, the template's and the baked ones: zizmor finds nothing, and every action is
pinned by commit SHA with its release in a comment (Dependabot moves both together)."""

from __future__ import annotations

import re
import shutil
import sys
from collections.abc import Callable
from pathlib import Path

import pytest
from harness.baking import TEMPLATE_ROOT, Baked, run

BakeFn = Callable[..., Baked]
USES_RE = re.compile(r"^\s*(?:-\s+)?uses:\s*(?P<ref>\S+)(?P<comment>.*)$", re.MULTILINE)
PINNED_RE = re.compile(r"^[\w.-]+/[\w.-]+@[0-9a-f]{40}$")
RELEASE_COMMENT_RE = re.compile(r"^\s+# v\d+\.\d+\.\d+$")


def zizmor() -> str:
    found = shutil.which("zizmor", path=str(Path(sys.executable).parent))
    assert found, "zizmor is in the template's dev group; run uv sync"
    return found


def assert_pinned(workflow: Path) -> None:
    uses = USES_RE.findall(workflow.read_text())
    assert uses, f"{workflow} uses no action"
    for ref, comment in uses:
        assert PINNED_RE.match(ref), f"{workflow.name}: {ref} is not pinned to a commit SHA"
        assert RELEASE_COMMENT_RE.match(comment), f"{workflow.name}: {ref} needs a '# vX.Y.Z' comment"


def test_template_workflows_are_pinned_and_pass_zizmor() -> None:
    workflows = sorted((TEMPLATE_ROOT / ".github/workflows").glob("*.yml"))
    for workflow in workflows:
        assert_pinned(workflow)
    run([zizmor(), "--offline", *map(str, workflows)], cwd=TEMPLATE_ROOT)


@pytest.mark.parametrize("registry", ["ghcr", "dockerhub"])
def test_baked_workflow_is_pinned_and_passes_zizmor(bake: BakeFn, registry: str) -> None:
    baked = bake(container_registry=registry)
    workflows = sorted((baked.path / ".github/workflows").glob("*.yml"))
    assert [w.name for w in workflows] == ["ci.yml", "docs.yml"]  # docs=mkdocs: the site's own
    for workflow in workflows:
        assert_pinned(workflow)
    run([zizmor(), "--offline", *map(str, workflows)], cwd=baked.path)


def test_zizmor_fails_on_an_unpinned_action(tmp_path: Path) -> None:
    """The audit can fail: a tag reference is a finding."""
    workflow = tmp_path / "ci.yml"
    workflow.write_text(
        "on: push\npermissions: {}\njobs:\n  x:\n    runs-on: ubuntu-24.04\n    steps:\n"
        "      - uses: actions/checkout@v5\n        with:\n          persist-credentials: false\n"
    )
    with pytest.raises(AssertionError, match="not pinned"):
        assert_pinned(workflow)
    with pytest.raises(AssertionError, match="unpinned"):
        run([zizmor(), "--offline", str(workflow)], cwd=tmp_path)
