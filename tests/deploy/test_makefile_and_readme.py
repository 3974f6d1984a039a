"""The Makefile's container targets, the README's account of each deploy path, and its truth."""

from __future__ import annotations

import shutil

from harness import checks
from harness.baking import Baked, run


def test_makefile_container_targets(baked: Baked) -> None:
    make = shutil.which("make")
    assert make, "make is part of the documented toolset"
    expected = {
        "up": "docker compose up --build --watch",
        "down": "docker compose down",
        "logs": "docker compose logs --follow",
        "build": f"docker build --tag {baked.answers['project_slug']}:latest .",
        "sh": "docker compose exec api bash",
        "run-dev": "docker compose up --build --watch",
        "run-live": "docker compose -f compose.prod.yaml up --detach",
        "kill": "docker compose kill",
        "shell": "uv run python",
    }
    for target, command in expected.items():
        # --dry-run with uv.lock considered fresh, so only the target's own recipe prints.
        proc = run([make, "--dry-run", "--always-make", "--old-file=uv.lock", target], cwd=baked.path)
        assert command in proc.stdout, f"make {target} runs: {proc.stdout}"


def test_readme_explains_each_deploy_path(baked: Baked) -> None:
    readme = (baked.path / "README.md").read_text()
    on = baked.features
    assert "make up" in readme
    assert "docker compose -f compose.prod.yaml up -d" in readme
    assert "make lock" in readme
    # Each other target has a guide in docs/deploy/, kept with its feature and linked from the README.
    guides = {"kubernetes": "kubernetes", "heroku": "heroku", "render": "render"}
    guides |= {"github": "github-actions", "gitlab": "gitlab-ci"}
    for feature, name in guides.items():
        page = baked.path / "docs" / "deploy" / f"{name}.md"
        assert page.exists() is (feature in on), page
        assert (f"](docs/deploy/{name}.md)" in readme) is (feature in on), f"the README's link to {page.name}"
    if "kubernetes" in on:
        guide = (baked.path / "docs/deploy/kubernetes.md").read_text()
        assert "kubectl apply -k deploy/k8s/overlays/production" in guide


def test_readme_and_guides_are_true_to_the_bake(baked: Baked) -> None:
    """Every make target, path, link and library they name exists; the variable table matches the
    settings classes (a row per field, the same defaults)."""
    assert checks.readme_problems(baked) == []
