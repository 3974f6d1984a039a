"""Shell scripts (shellcheck), the CI files (actionlint, check-jsonschema) and the PaaS blueprints."""

from __future__ import annotations

import json
import os
import re

from harness.baking import Baked, run

from deploy.support import load_yaml, tool, tool_env


def test_shell_scripts_pass_shellcheck(baked: Baked) -> None:
    scripts = [p for p in baked.path.rglob("*.sh") if ".venv" not in p.parts]
    scripts += [p for p in baked.path.glob("scripts/*") if p.suffix == "" and p.is_file()]
    for script in scripts:
        assert os.access(script, os.X_OK), f"{script.name} is not executable"
        run([tool("shellcheck"), str(script)], cwd=baked.path)
    # The Procfile and the GitLab job scripts are shell too.
    checked = baked.path / ".shellcheck-input.sh"
    chunks: list[str] = []
    if (baked.path / "Procfile").exists():
        for line in (baked.path / "Procfile").read_text().splitlines():
            if line.strip():
                chunks.append(line.split(":", 1)[1].strip())
    if (baked.path / ".gitlab-ci.yml").exists():
        for name, job in load_yaml(baked.path / ".gitlab-ci.yml").items():
            if isinstance(job, dict) and "script" in job:
                chunks += [f"# job {name}"] + job.get("before_script", []) + job["script"]
    if not chunks:
        return
    checked.write_text("#!/usr/bin/env bash\n" + "\n".join(chunks) + "\n")
    try:
        # SC2154: the variables are set by Heroku / GitLab, not by the script.
        run([tool("shellcheck"), "--exclude=SC2154", str(checked)], cwd=baked.path)
    finally:
        checked.unlink()


def test_github_ci(baked: Baked) -> None:
    workflow = baked.path / ".github/workflows/ci.yml"
    if "github" not in baked.features:
        assert not (baked.path / ".github").exists()
        return
    run([tool("actionlint"), str(workflow)], cwd=baked.path, env=tool_env())
    schema = tool("check-jsonschema")
    run([schema, "--builtin-schema", "vendor.github-workflows", str(workflow)], cwd=baked.path)
    run([schema, "--builtin-schema", "custom.github-workflows-require-timeout", str(workflow)],
        cwd=baked.path)  # fmt: skip
    run([schema, "--builtin-schema", "vendor.dependabot", ".github/dependabot.yml"], cwd=baked.path)
    data = load_yaml(workflow)
    assert data["permissions"] == {"contents": "read"}
    assert data["concurrency"]["group"]
    jobs = data["jobs"]
    on = baked.features
    for name, job in jobs.items():
        assert job["timeout-minutes"] <= 30, name
        for step in job["steps"]:
            if "uses" in step:
                assert re.fullmatch(r"[\w.-]+/[\w.-]+@[0-9a-f]{40}", step["uses"]), step["uses"]
    services = jobs["test"].get("services", {})
    expected = {"postgres"} if "postgresql" in on else set()
    expected |= {"redis"} if "redis" in on else set()
    expected |= {"rabbitmq"} if "broker_rabbitmq" in on else set()
    assert set(services) == expected
    for service in services.values():
        assert "--health-cmd" in service["options"]
    steps = " ".join(s.get("run", "") for s in jobs["test"]["steps"])
    assert ("alembic check" in steps) is ("db" in on)
    assert "pre-commit run --all-files" in jobs["lint"]["steps"][-1]["run"]
    assert ("kustomize" in jobs) is ("kubernetes" in on)
    image = jobs["image"]
    assert "refs/heads/main" in image["if"]
    push = next(s for s in image["steps"] if s.get("uses", "").startswith("docker/build-push"))
    assert push["with"]["cache-from"]
    assert push["with"]["cache-to"]
    meta = next(s for s in image["steps"] if s.get("id") == "meta")
    assert "type=sha" in meta["with"]["tags"]
    assert "value=latest" in meta["with"]["tags"]
    assert ("packages" in image["permissions"]) is ("ghcr" in on)
    ecosystems = {u["package-ecosystem"] for u in load_yaml(baked.path / ".github/dependabot.yml")["updates"]}
    assert ecosystems == {"uv", "docker", "github-actions"}
    check_docs_workflow(baked)


def check_docs_workflow(baked: Baked) -> None:
    """docs=mkdocs: a workflow of its own builds the site strictly, and on main publishes it to
    Pages from the one job with the Pages permissions."""
    workflow = baked.path / ".github/workflows/docs.yml"
    assert workflow.exists() is ("docs_site" in baked.features)
    if not workflow.exists():
        return
    run([tool("actionlint"), str(workflow)], cwd=baked.path, env=tool_env())
    run([tool("check-jsonschema"), "--builtin-schema", "vendor.github-workflows", str(workflow)],
        cwd=baked.path)  # fmt: skip
    data = load_yaml(workflow)
    assert data["permissions"] == {"contents": "read"}
    build, publish = data["jobs"]["build"], data["jobs"]["publish"]
    assert "permissions" not in build
    assert publish["permissions"] == {"pages": "write", "id-token": "write"}
    assert "refs/heads/main" in publish["if"]
    assert publish["environment"]["name"] == "github-pages"
    assert [s["run"] for s in build["steps"] if "run" in s] == ["uv sync --locked --group docs", "make docs"]
    for job in (build, publish):
        assert job["timeout-minutes"] <= 30
        for step in job["steps"]:
            if "uses" in step:
                assert re.fullmatch(r"[\w.-]+/[\w.-]+@[0-9a-f]{40}", step["uses"]), step["uses"]


def test_gitlab_ci(baked: Baked) -> None:
    pipeline = baked.path / ".gitlab-ci.yml"
    if "gitlab" not in baked.features:
        assert not pipeline.exists()
        return
    run([tool("check-jsonschema"), "--builtin-schema", "vendor.gitlab-ci", str(pipeline)],
        cwd=baked.path)  # fmt: skip
    data = load_yaml(pipeline)
    on = baked.features
    assert {"lint", "types", "test", "build-image"} <= set(data)
    assert ("kustomize" in data) is ("kubernetes" in on)
    aliases = {s["alias"] for s in data["test"].get("services", [])}
    expected = {"postgres"} if "postgresql" in on else set()
    expected |= {"redis"} if "redis" in on else set()
    expected |= {"rabbitmq"} if "broker_rabbitmq" in on else set()
    assert aliases == expected
    assert ("uv run alembic check" in data["test"]["script"]) is ("db" in on)
    assert ("docs" in data) is ("docs_site" in on)
    if "docs_site" in on:
        assert "uv run --group docs mkdocs build --strict" in data["docs"]["script"]
    build = " ".join(data["build-image"]["script"])
    assert "$CI_COMMIT_SHA" in build
    assert ":latest" in build
    assert "--cache-to" in build
    assert data["build-image"]["rules"] == [{"if": "$CI_COMMIT_BRANCH == $CI_DEFAULT_BRANCH"}]


def test_heroku_and_render(baked: Baked) -> None:
    on = baked.features
    if "heroku" in on:
        procfile = dict(
            line.split(":", 1) for line in (baked.path / "Procfile").read_text().splitlines() if line
        )
        assert '--port "$PORT"' in procfile["web"]
        assert ("release" in procfile) is ("postgresql" in on)
        # SQLite: the release phase runs in a dyno of its own, so the web dyno migrates its file.
        assert procfile["web"].strip().startswith("alembic upgrade head && ") is ("sqlite" in on)
        assert ("worker" in procfile) is ("celery" in on)
        assert ("beat" in procfile) is ("beat" in on)
        app = json.loads((baked.path / "app.json").read_text())
        plans = {a["plan"].split(":")[0] for a in app["addons"]}
        assert ("heroku-postgresql" in plans) is ("postgresql" in on)
        assert ("heroku-redis" in plans) is ("redis" in on)
        assert app["env"]["SECRET_KEY"] == {**app["env"]["SECRET_KEY"], "generator": "secret"}
    if "render" in on:
        blueprint = load_yaml(baked.path / "render.yaml")
        kinds = [s["type"] for s in blueprint["services"]]
        assert kinds.count("web") == 1
        assert ("keyvalue" in kinds) is ("redis" in on)
        assert ("databases" in blueprint) is ("postgresql" in on)
        web = blueprint["services"][0]
        assert web["runtime"] == "docker"
        assert web["healthCheckPath"] == "/health/ready"
        assert ("preDeployCommand" in web) is ("postgresql" in on)
        if "sqlite" in on:
            # The pre-deploy step cannot see the disk: the api migrates its file as it starts.
            assert web["disk"]["mountPath"] == "/app/data"
            assert web["dockerCommand"].startswith('sh -c "alembic upgrade head && exec uvicorn ')
