"""What the deploy checks share: the variants they bake, the tools they run, the Dockerfile model."""

from __future__ import annotations

import json
import os
import re
import shlex
import shutil
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
import yaml
from dockerfile_parse import DockerfileParser  # type: ignore[import-untyped]  # no stubs published
from harness.baking import Baked, run

BakeFn = Callable[..., Baked]


# Together these carry every deploy file and both values of every deploy choice.
VARIANTS: dict[str, dict[str, Any]] = {
    "default": {},
    "gitlab-nginx-paas": {
        "ci": "gitlab",
        "container_registry": "dockerhub",
        "reverse_proxy": "nginx",
        "use_heroku": True,
        "use_render": True,
        "broker": "rabbitmq",
        "use_flower": True,
        "use_watchtower": True,
        "log_shipping": "fluent-bit",
        "python_version": "3.12",
        "use_devcontainer": True,
    },
    "bare-sqlite": {
        "reverse_proxy": "none",
        "ci": "none",
        "use_kubernetes": False,
        "worker": "none",
        "database": "sqlite",
        "cache": "none",
        "use_heroku": True,
        "use_render": True,
        "use_watchtower": True,
        "use_devcontainer": True,
    },
    # SQLite on Kubernetes and the PaaS: one pod owns the file; the PaaS migrate at start.
    "sqlite-k8s": {
        "database": "sqlite",
        "use_heroku": True,
        "use_render": True,
        "reverse_proxy": "none",
    },
    "stateless-dockerhub": {
        "database": "none",
        "auth": "none",
        "use_beat": False,
        "container_registry": "dockerhub",
        "python_version": "3.11",
        "use_prometheus": False,
        "docs": "none",
    },
}


# The feature names whose files the deploy checks own (see MANIFEST in hooks/rules.py).
DEPLOY_FEATURES = {"kubernetes", "traefik", "nginx", "fluent_bit", "heroku", "render", "github",
                   "gitlab"}  # fmt: skip


TOOL_DIR = Path(sys.executable).parent


def tool(name: str) -> str:
    """A validator from the template's dev dependencies (or the system, for kubectl)."""
    found = shutil.which(name) or shutil.which(name, path=str(TOOL_DIR))
    if not found:
        hint = "apt-get install -y kubectl" if name == "kubectl" else "uv sync (dev group)"
        pytest.fail(f"{name} is not installed; {hint}")
    return found


def tool_env() -> dict[str, str]:
    # actionlint runs shellcheck on `run:` blocks only when shellcheck is on PATH.
    return {"PATH": f"{TOOL_DIR}{os.pathsep}{os.environ.get('PATH', '')}"}


def load_yaml(path: Path) -> Any:
    return yaml.safe_load(path.read_text())


def compose_model(baked: Baked, name: str) -> dict[str, Any]:
    """`docker-compose config` resolves anchors, merges and .env interpolation; read its result."""
    proc = run([tool("docker-compose"), "-f", name, "config", "--format", "json"], cwd=baked.path)
    model: dict[str, Any] = json.loads(proc.stdout)
    return model


@dataclass
class Stage:
    name: str
    base: str
    instructions: list[dict[str, Any]] = field(default_factory=list)

    def values(self, instruction: str) -> list[str]:
        return [i["value"] for i in self.instructions if i["instruction"] == instruction]


def stages(dockerfile: Path) -> list[Stage]:
    parser = DockerfileParser(path=str(dockerfile))
    found: list[Stage] = []
    for item in parser.structure:
        if item["instruction"] == "FROM":
            words = item["value"].split()
            name = words[2] if len(words) >= 3 and words[1].lower() == "as" else str(len(found))
            found.append(Stage(name=name, base=words[0]))
        elif found:
            found[-1].instructions.append(item)
    return found


def chain(all_stages: list[Stage], target: str) -> list[Stage]:
    """The stages `docker build --target target` runs, in build order."""
    by_name = {s.name: s for s in all_stages}
    needed: list[str] = []

    def visit(name: str) -> None:
        stage = by_name[name]
        deps = [stage.base] if stage.base in by_name else []
        for value in stage.values("COPY"):
            match = re.search(r"--from=(\S+)", value)
            if match and match.group(1) in by_name:
                deps.append(match.group(1))
        for dep in deps:
            visit(dep)
        if name not in needed:
            needed.append(name)

    visit(target)
    return [by_name[n] for n in needed]


# Docker's .dockerignore rules: patterns in order, the last match wins, `!` re-includes, and a
# pattern that matches a parent directory matches everything under it.
def _glob_regex(pattern: str) -> re.Pattern[str]:
    out, i = "", 0
    while i < len(pattern):
        if pattern.startswith("**/", i):
            out, i = out + "(?:.*/)?", i + 3
        elif pattern.startswith("**", i):
            out, i = out + ".*", i + 2
        elif pattern[i] == "*":
            out, i = out + "[^/]*", i + 1
        elif pattern[i] == "?":
            out, i = out + "[^/]", i + 1
        elif pattern[i] == "[":
            end = pattern.index("]", i)
            out, i = out + "[" + pattern[i + 1 : end].replace("!", "^", 1) + "]", end + 1
        else:
            out, i = out + re.escape(pattern[i]), i + 1
    return re.compile(out + r"\Z")


def dockerignore(root: Path) -> Callable[[str], bool]:
    rules_: list[tuple[bool, re.Pattern[str]]] = []
    for raw in (root / ".dockerignore").read_text().splitlines():
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        negate = line.startswith("!")
        pattern = os.path.normpath(line.lstrip("!").strip().strip("/"))
        rules_.append((negate, _glob_regex(pattern)))

    def excluded(relative: str) -> bool:
        parts = relative.strip("/").split("/")
        prefixes = ["/".join(parts[: n + 1]) for n in range(len(parts))]
        verdict = False
        for negate, regex in rules_:
            if any(regex.match(prefix) for prefix in prefixes):
                verdict = not negate
        return verdict

    return excluded


def copy_sources(stage: Stage) -> list[tuple[list[str], str]]:
    """(sources, destination) of each COPY from the build context (not --from another stage)."""
    copies = []
    for value in stage.values("COPY"):
        words = [w for w in shlex.split(value) if not w.startswith("--")]
        if "--from=" in value:
            continue
        copies.append((words[:-1], words[-1]))
    return copies


def rendered(baked: Baked, overlay: str) -> list[dict[str, Any]]:
    proc = run([tool("kubectl"), "kustomize", f"deploy/k8s/overlays/{overlay}"], cwd=baked.path)
    out = baked.path / f".rendered-{overlay}.yaml"
    out.write_text(proc.stdout)
    try:
        run([tool("kubernetes-validate"), "--strict", "--quiet", str(out)], cwd=baked.path)
    finally:
        out.unlink()
    return [doc for doc in yaml.safe_load_all(proc.stdout) if doc]
