"""The Dockerfile (hadolint, stage shape) and its build context (.dockerignore, COPY sources)."""

from __future__ import annotations

import json
import re

from harness.baking import Baked, run

from deploy.support import chain, copy_sources, dockerignore, stages, tool


def test_hadolint_has_nothing_to_say(baked: Baked) -> None:
    proc = run([tool("hadolint"), "--no-color", "Dockerfile"], cwd=baked.path)
    assert proc.stdout.strip() == ""


def test_dockerfile_shape(baked: Baked) -> None:
    dockerfile = baked.path / "Dockerfile"
    text = dockerfile.read_text()
    all_stages = stages(dockerfile)
    names = [s.name for s in all_stages]
    assert "dev" in names, "a `dev` target for hot reload"
    final = all_stages[-1]
    # A non-root user in every stage, so every target runs unprivileged.
    for stage in all_stages:
        users = stage.values("USER")
        inherited = stage.base in names
        assert users or inherited, f"stage {stage.name} sets no USER"
        for user in users:
            assert user.split(":")[0] not in {"root", "0"}, f"stage {stage.name} runs as root"
    assert "python:${PYTHON_VERSION}-slim" in text
    assert f"ARG PYTHON_VERSION={baked.answers['python_version']}" in text
    uv_image = re.search(r"COPY --from=ghcr\.io/astral-sh/uv:(\S+) ", text)
    assert uv_image, "uv image is pinned"
    assert re.fullmatch(r"\d+\.\d+\.\d+", uv_image.group(1)), "uv image is pinned"
    assert "PYTHONDONTWRITEBYTECODE=1" in text
    assert "PYTHONUNBUFFERED=1" in text
    # The dependency layer comes before the source, so a code change keeps it cached.
    builder = chain(all_stages, final.name)
    runs = [(s.name, i) for s in builder for i in s.instructions]
    first_sync = next(n for n, (_, i) in enumerate(runs) if "uv sync" in i["value"])
    first_src = next(
        n for n, (_, i) in enumerate(runs) if i["instruction"] == "COPY" and " src " in f" {i['value']} "
    )
    assert first_sync < first_src
    assert "--no-install-project" in runs[first_sync][1]["value"]
    assert any("uv sync --locked --no-dev" in i["value"] for _, i in runs)
    healthcheck = final.values("HEALTHCHECK")
    assert healthcheck
    assert "/health/live" in healthcheck[0]
    assert "curl" not in healthcheck[0]
    cmd = json.loads(final.values("CMD")[-1])
    assert cmd[:2] == ["uvicorn", f"{baked.package}.main:app"]
    # One image for every role: the worker and beat are the same image with another command.
    assert "celery" not in text


def test_dockerignore_keeps_secrets_and_clutter_out(baked: Baked) -> None:
    excluded = dockerignore(baked.path)
    for path in (".env", ".env.production", ".git/config", "tests/test_health.py", ".venv/bin/python",
                 f"src/{baked.package}/__pycache__/main.cpython-313.pyc", ".pytest_cache/v/x",
                 "compose.yaml", "deploy/k8s/overlays/production/production.env",
                 "deploy/nginx/certs/privkey.pem", ".mypy_cache/x", "node_modules/x"):  # fmt: skip
        assert excluded(path), f"{path} would be sent to the Docker daemon"
    for path in ("pyproject.toml", "uv.lock", "README.md", f"src/{baked.package}/main.py"):
        assert not excluded(path), f"{path} is needed by the build"


def test_every_copy_source_is_in_the_build_context(baked: Baked) -> None:
    """Every COPY source exists in the fresh bake (uv.lock included), and .dockerignore lets it in."""
    excluded = dockerignore(baked.path)
    for stage in stages(baked.path / "Dockerfile"):
        for sources, _ in copy_sources(stage):
            for source in sources:
                if source == ".":
                    continue
                assert (baked.path / source).exists(), f"COPY {source} ({stage.name}): missing"
                assert not excluded(source), f"COPY {source} ({stage.name}): in .dockerignore"
