"""The Makefile's container targets, and the README's account of each deploy path."""

from __future__ import annotations

import shutil

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
    assert ("kubectl apply -k deploy/k8s/overlays/production" in readme) is ("kubernetes" in on)
    assert ("### Heroku" in readme) is ("heroku" in on)
    assert ("### Render" in readme) is ("render" in on)
