"""use_devcontainer: .devcontainer/devcontainer.json is valid against the Dev Container JSON
schema, and what it names (the compose files, the workspace service, the forwarded services, the
Makefile targets) exists in the bake. No Docker engine here: nothing starts the container."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from harness.baking import Baked, CommandFailed, run

from deploy.support import load_yaml, tool

# Vendored: the tests reach no schema store (schemas/README.md says where it comes from).
SCHEMA = Path(__file__).parent / "schemas" / "devContainer.base.schema.json"
UV_IMAGE_RE = re.compile(r"COPY --from=ghcr\.io/astral-sh/uv:(\S+) ")


def validate(config: Path) -> None:
    run([tool("check-jsonschema"), "--schemafile", str(SCHEMA), str(config)], cwd=config.parent)


def test_devcontainer(baked: Baked) -> None:
    folder = baked.path / ".devcontainer"
    if "devcontainer" not in baked.features:
        assert not folder.exists()
        return
    config_path = folder / "devcontainer.json"
    validate(config_path)
    config = json.loads(config_path.read_text())
    on = baked.features

    # The compose files it names, merged as the Dev Containers CLI merges them. The override is
    # plain YAML (no compose-only tag such as !reset), so check-yaml in pre-commit reads it too.
    assert load_yaml(folder / "compose.yaml")["services"]["api"]
    files = [(folder / name).resolve() for name in config["dockerComposeFile"]]
    assert files[0] == (baked.path / "compose.yaml").resolve()
    merged = [arg for path in files for arg in ("-f", str(path))]
    proc = run([tool("docker-compose"), *merged, "config", "--format", "json"], cwd=baked.path)
    services = json.loads(proc.stdout)["services"]
    assert config["service"] == "api"
    assert set(config.get("runServices", services)) <= set(services)
    for port in config["forwardPorts"]:
        if isinstance(port, str):
            assert port.split(":")[0] in services, port
    api = services["api"]
    assert api["command"] == ["sleep", "infinity"]
    assert Path(api["build"]["context"]) == folder
    mounts = {(m["source"], m["target"]) for m in api["volumes"] if m["type"] == "bind"}
    assert (str(baked.path), config["workspaceFolder"]) in mounts
    # The rest of the dev stack beside it, as `make up` runs it.
    expected = {"db"} if "postgresql" in on else set()
    expected |= {"redis"} if "redis" in on else set()
    expected |= {"worker"} if "celery" in on else set()
    assert expected <= set(services)
    if "sqlite" in on:
        assert config["runServices"][0] == "api"
        assert api["environment"]["DATABASE_URL"].startswith("sqlite+aiosqlite:///./")

    # The commands it runs are the Makefile's.
    steps = config["postCreateCommand"].split(" && ")
    assert steps == ["make install", "make migrate"] if "db" in on else ["make install"]
    targets = set(re.findall(r"^([a-z-]+):", (baked.path / "Makefile").read_text(), re.MULTILINE))
    assert {step.removeprefix("make ") for step in steps} <= targets
    assert config["customizations"]["vscode"]["extensions"] == ["ms-python.python", "charliermarsh.ruff"]

    # Its image: hadolint is quiet, and uv is the project image's.
    dockerfile = folder / "Dockerfile"
    assert run([tool("hadolint"), "--no-color", str(dockerfile)], cwd=baked.path).stdout.strip() == ""
    pinned = {UV_IMAGE_RE.findall(path.read_text())[0] for path in (dockerfile, baked.path / "Dockerfile")}
    assert len(pinned) == 1, pinned
    assert f"python:{baked.answers['python_version']}-slim" in dockerfile.read_text()


def test_the_schema_refuses_a_wrong_config(tmp_path: Path) -> None:
    """The validation can fail: a port that is neither a number nor service:port is refused."""
    config = tmp_path / "devcontainer.json"
    config.write_text(json.dumps({"image": "python:3.13", "forwardPorts": ["not a port"]}))
    with pytest.raises(CommandFailed):
        validate(config)
    config.write_text(json.dumps({"image": "python:3.13", "forwardPorts": [8000, "db:5432"]}))
    validate(config)
