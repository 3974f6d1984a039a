"""Deploy artifacts of the baked project, each checked by the real tool that reads its format.

There is no Docker engine here, so the image build is emulated: the Dockerfile is parsed, its COPY
sources are checked against the bake and its .dockerignore, exactly those files are copied into an
empty directory, the Dockerfile's own `uv sync` commands run there, and its CMD serves /health/live.
"""

from __future__ import annotations

import json
import os
import re
import secrets
import shlex
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
import yaml
from dockerfile_parse import DockerfileParser  # type: ignore[import-untyped]  # no stubs published
from harness.baking import Baked, rules, run

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
    },
}

# The feature names whose files this module owns (see MANIFEST in hooks/rules.py).
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


@pytest.fixture(scope="module", params=list(VARIANTS), ids=list(VARIANTS))
def baked(request: pytest.FixtureRequest, bake: BakeFn) -> Baked:
    return bake(**VARIANTS[request.param])


def load_yaml(path: Path) -> Any:
    return yaml.safe_load(path.read_text())


def compose_model(baked: Baked, name: str) -> dict[str, Any]:
    """`docker-compose config` resolves anchors, merges and .env interpolation; read its result."""
    proc = run([tool("docker-compose"), "-f", name, "config", "--format", "json"], cwd=baked.path)
    model: dict[str, Any] = json.loads(proc.stdout)
    return model


# --- Which files a variant carries ----------------------------------------------------------


def test_deploy_files_follow_the_manifest(baked: Baked) -> None:
    on = baked.features
    for path, needs in rules.MANIFEST.items():
        needed = {needs} if isinstance(needs, str) else set(needs)
        if not needed & DEPLOY_FEATURES:
            continue
        target = baked.path / path.format(package=baked.package)
        if needed <= on and all(parent.exists() for parent in target.parents):
            assert target.exists(), f"{path} should be in the bake"
        elif not needed <= on:
            assert not target.exists(), f"{path} should have been pruned"
    for always in ("Dockerfile", ".dockerignore", "compose.yaml", "compose.prod.yaml"):
        assert (baked.path / always).is_file(), always


def test_every_variant_is_covered() -> None:
    """The variants above carry every deploy file at least once and prune it at least once."""
    carried: set[str] = set()
    pruned: set[str] = set()
    for overrides in VARIANTS.values():
        answers = {**rules.DEFAULTS, **overrides}
        answers["project_slug"] = "my-service"
        answers["package_name"] = "my_service"
        gone = set(rules.paths_to_prune(answers))
        deploy_paths = {
            p.format(package="my_service")
            for p, needs in rules.MANIFEST.items()
            if ({needs} if isinstance(needs, str) else set(needs)) & DEPLOY_FEATURES
        }
        carried |= deploy_paths - gone
        pruned |= deploy_paths & gone
    every = {
        p.format(package="my_service")
        for p, needs in rules.MANIFEST.items()
        if ({needs} if isinstance(needs, str) else set(needs)) & DEPLOY_FEATURES
    }
    assert every - carried == set(), "some deploy files are never baked"
    assert every - pruned == set(), "some deploy files are never pruned"


# --- Dockerfile -----------------------------------------------------------------------------


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
    assert uv_image and re.fullmatch(r"\d+\.\d+\.\d+", uv_image.group(1)), "uv image is pinned"
    assert "PYTHONDONTWRITEBYTECODE=1" in text and "PYTHONUNBUFFERED=1" in text
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
    assert healthcheck and "/health/live" in healthcheck[0] and "curl" not in healthcheck[0]
    cmd = json.loads(final.values("CMD")[-1])
    assert cmd[:2] == ["uvicorn", f"{baked.package}.main:app"]
    # One image for every role: the worker and beat are the same image with another command.
    assert "celery" not in text


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


def test_dockerignore_keeps_secrets_and_clutter_out(baked: Baked) -> None:
    excluded = dockerignore(baked.path)
    for path in (".env", ".env.production", ".git/config", "tests/test_health.py", ".venv/bin/python",
                 f"src/{baked.package}/__pycache__/main.cpython-313.pyc", ".pytest_cache/v/x",
                 "compose.yaml", "deploy/k8s/overlays/production/production.env",
                 "deploy/nginx/certs/privkey.pem", ".mypy_cache/x", "node_modules/x"):  # fmt: skip
        assert excluded(path), f"{path} would be sent to the Docker daemon"
    for path in ("pyproject.toml", "uv.lock", "README.md", f"src/{baked.package}/main.py"):
        assert not excluded(path), f"{path} is needed by the build"


def copy_sources(stage: Stage) -> list[tuple[list[str], str]]:
    """(sources, destination) of each COPY from the build context (not --from another stage)."""
    copies = []
    for value in stage.values("COPY"):
        words = [w for w in shlex.split(value) if not w.startswith("--")]
        if "--from=" in value:
            continue
        copies.append((words[:-1], words[-1]))
    return copies


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


# --- compose --------------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["compose.yaml", "compose.prod.yaml"])
def test_compose_file_is_valid(baked: Baked, name: str) -> None:
    run([tool("docker-compose"), "-f", name, "config", "--quiet"], cwd=baked.path)
    run([tool("check-jsonschema"), "--builtin-schema", "vendor.compose-spec", name], cwd=baked.path)


def test_dev_compose_contract(baked: Baked) -> None:
    model = compose_model(baked, "compose.yaml")
    services = model["services"]
    on = baked.features
    app_roles = ["api"] + [r for r in ("worker", "beat") if r in on or (r == "worker" and "celery" in on)]
    expected = {"api"}
    expected |= {"migrate"} if "db" in on else set()
    expected |= {"db"} if "postgresql" in on else set()
    expected |= {"redis"} if "redis" in on else set()
    expected |= {"rabbitmq"} if "broker_rabbitmq" in on else set()
    expected |= {"worker"} if "celery" in on else set()
    expected |= {"beat"} if "beat" in on else set()
    expected |= {"flower"} if "flower" in on else set()
    expected |= {"mailpit"} if "email" in on else set()
    expected |= {"fluent-bit"} if "fluent_bit" in on else set()
    assert set(services) == expected
    for role in app_roles:
        if "db" in on:
            assert services[role]["depends_on"]["migrate"]["condition"] == "service_completed_successfully"
    watch = services["api"]["develop"]["watch"]
    assert {"action": "sync", "path": str(baked.path / "src"), "target": "/app/src"}.items() <= {
        **watch[0]
    }.items()
    rebuilt = {Path(w["path"]).name for w in watch if w["action"] == "rebuild"}
    assert rebuilt == {"pyproject.toml", "uv.lock"}
    for backing in ("db", "redis", "rabbitmq"):
        if backing in services:
            assert services[backing]["healthcheck"]["test"], f"{backing} has a healthcheck"
            for volume in services[backing].get("volumes", []):
                assert volume["type"] == "volume", f"{backing} keeps data in a named volume"
    # Secrets come from .env: the password compose hands to PostgreSQL is the generated one.
    if "postgresql" in on:
        env = dict(line.split("=", 1) for line in (baked.path / ".env").read_text().splitlines()
                   if "=" in line and not line.startswith("#"))  # fmt: skip
        assert services["db"]["environment"]["POSTGRES_PASSWORD"] == env["POSTGRES_PASSWORD"]
        assert env["POSTGRES_PASSWORD"] not in (baked.path / "compose.yaml").read_text()


def test_prod_compose_contract(baked: Baked) -> None:
    model = compose_model(baked, "compose.prod.yaml")
    services = model["services"]
    on = baked.features
    proxy = baked.answers["reverse_proxy"]
    for name in ("db", "redis", "rabbitmq"):
        if name in services:
            assert not services[name].get("ports"), f"{name} publishes a port in production"
    for name, service in services.items():
        assert service["restart"] == ("no" if name == "migrate" else "unless-stopped"), name
        assert "no-new-privileges:true" in service["security_opt"], name
        assert "ALL" in service.get("cap_drop", []), f"{name} keeps its capabilities"
        if name != "migrate":
            assert service["deploy"]["resources"]["limits"]["memory"], f"{name} has no memory limit"
    for role in ("api", "worker", "beat", "migrate"):
        if role in services:
            assert services[role]["read_only"] is True, role
            assert services[role]["environment"]["ENVIRONMENT"] == "production"
    api = services["api"]
    if proxy == "traefik":
        assert "traefik" in services and "nginx" not in services
        command = " ".join(services["traefik"]["command"])
        assert "redirections.entrypoint.scheme=https" in command
        assert "acme.tlschallenge=true" in command
        dynamic = load_yaml(baked.path / "deploy/traefik/dynamic.yml")
        assert dynamic["http"]["middlewares"]["security-headers"]["headers"]["stsSeconds"] > 0
        assert api["environment"]["ROOT_PATH"] == "/api"
        assert not api.get("ports")
    elif proxy == "nginx":
        assert "nginx" in services and "traefik" not in services
        conf = (baked.path / "deploy/nginx/templates/default.conf.template").read_text()
        assert "return 301 https://" in conf and "Strict-Transport-Security" in conf
        assert "listen 8443 ssl" in conf and "${ROOT_PATH}" in conf
        assert api["environment"]["ROOT_PATH"] == "/api"
        assert not api.get("ports")
    else:
        assert not {"nginx", "traefik"} & set(services)
        assert api["environment"]["ROOT_PATH"] == ""
    assert ("watchtower" in services) is ("watchtower" in on)
    if "watchtower" in on:
        assert api["labels"]["com.centurylinklabs.watchtower.enable"] == "true"


# --- Observability --------------------------------------------------------------------------


def test_metrics_stay_off_the_internet(baked: Baked) -> None:
    on = baked.features
    api = compose_model(baked, "compose.prod.yaml")["services"]["api"]
    labels = api.get("labels", {})
    if "prometheus" in on:
        # Several uvicorn workers add up their metrics in a directory on the container's tmpfs.
        multiprocess_dir = api["environment"]["PROMETHEUS_MULTIPROC_DIR"]
        assert any(multiprocess_dir.startswith(f"{mount}/") for mount in api["tmpfs"])
    else:
        assert "PROMETHEUS_MULTIPROC_DIR" not in api["environment"]
    proxy = baked.answers["reverse_proxy"]
    if proxy == "traefik":
        router = "traefik.http.routers.api-metrics"
        assert (f"{router}.rule" in labels) is ("prometheus" in on)
        if "prometheus" in on:
            assert "PathPrefix(`/api/metrics`)" in labels[f"{router}.rule"]
            assert labels[f"{router}.entrypoints"] == "websecure"
            assert labels[f"{router}.service"] == "api"
            # Traefik's default priority is the rule's length; this router must win over `api`.
            assert int(labels[f"{router}.priority"]) > len(labels["traefik.http.routers.api.rule"])
            assert labels[f"{router}.middlewares"] == "internal-only@file"
            dynamic = load_yaml(baked.path / "deploy/traefik/dynamic.yml")
            allow = dynamic["http"]["middlewares"]["internal-only"]["ipAllowList"]["sourceRange"]
            assert allow == ["127.0.0.1/32"]
    elif proxy == "nginx":
        conf = (baked.path / "deploy/nginx/templates/default.conf.template").read_text()
        # A `^~` prefix location longer than `${ROOT_PATH}/` wins for every /metrics path.
        blocked = re.search(r"location \^~ \$\{ROOT_PATH\}/metrics \{\s*return 404;\s*\}", conf)
        assert bool(blocked) is ("prometheus" in on)
    else:
        assert not labels.keys() & {"traefik.enable"}


def test_metrics_need_a_token_where_no_proxy_blocks_them(baked: Baked) -> None:
    """The Kubernetes ingress, Heroku and Render serve every path, /metrics too: METRICS_TOKEN."""
    on = baked.features
    metrics = "prometheus" in on
    if "kubernetes" in on:
        docs = rendered(baked, "production")
        api_deployment = next(
            d for d in docs if d["kind"] == "Deployment" and d["metadata"]["name"].endswith("-api")
        )
        api = next(c for c in api_deployment["spec"]["template"]["spec"]["containers"] if c["name"] == "api")
        token = [e for e in api.get("env", []) if e["name"] == "METRICS_TOKEN"]
        if metrics:
            # From the Secret and not optional: without the key the pod does not start.
            ref = token[0]["valueFrom"]["secretKeyRef"]
            assert ref == {"name": f"{baked.answers['project_slug']}-env", "key": "METRICS_TOKEN"}
        else:
            assert not token
        # The token guards /metrics; the ingress still sends every other path to the api.
        ingress = next(d for d in docs if d["kind"] == "Ingress")
        paths = ingress["spec"]["rules"][0]["http"]["paths"]
        assert [(p["path"], p["pathType"]) for p in paths] == [("/", "Prefix")]
    if "heroku" in on:
        env = json.loads((baked.path / "app.json").read_text())["env"]
        assert (env.get("METRICS_TOKEN", {}).get("generator") == "secret") is metrics
    if "render" in on:
        group = load_yaml(baked.path / "render.yaml")["envVarGroups"][0]["envVars"]
        token = [v for v in group if v["key"] == "METRICS_TOKEN"]
        assert (token == [{"key": "METRICS_TOKEN", "generateValue": True}]) is metrics
    example = (baked.path / ".env.example").read_text()
    assert ("\nMETRICS_TOKEN=\n" in example) is metrics


def test_fluent_bit_receives_and_parses_the_app_logs(baked: Baked) -> None:
    on = baked.features
    config_path = baked.path / "deploy/fluent-bit/fluent-bit.yaml"
    for name in ("compose.yaml", "compose.prod.yaml"):
        services = compose_model(baked, name)["services"]
        app_roles = [role for role in ("migrate", "api", "worker", "beat", "flower") if role in services]
        if "fluent_bit" not in on:
            assert "fluent-bit" not in services
            for role in app_roles:
                assert services[role].get("logging", {}).get("driver") != "fluentd", role
            continue
        fluent_bit = services["fluent-bit"]
        published = {(port["host_ip"], str(port["published"])) for port in fluent_bit["ports"]}
        for role in app_roles:
            logging = services[role]["logging"]
            assert logging["driver"] == "fluentd", f"{role} does not ship its logs"
            host, port = logging["options"]["fluentd-address"].rsplit(":", 1)
            assert (host, port) in published, f"{role} ships to {host}:{port}, not to fluent-bit"
            # Async: an app container starts (and keeps running) while fluent-bit is down.
            assert logging["options"]["fluentd-async"] == "true"
        assert fluent_bit.get("logging", {}).get("driver") != "fluentd", "fluent-bit ships to itself"
        mounted = {volume["target"]: volume["source"] for volume in fluent_bit["volumes"]}
        config_arg = fluent_bit["command"][fluent_bit["command"].index("--config") + 1]
        assert Path(mounted[config_arg]) == config_path
        # Every variable the config reads comes from compose, with stdout as the default output.
        environment = fluent_bit["environment"]
        assert set(re.findall(r"\$\{(\w+)\}", config_path.read_text())) <= set(environment)
        assert environment["FLUENT_BIT_STDOUT_MATCH"] == "*"
        assert environment["FLUENT_BIT_HTTP_MATCH"] == "none"
        (target,) = {port["target"] for port in fluent_bit["ports"]}
    if "fluent_bit" not in on:
        assert not config_path.exists()
        return
    config = load_yaml(config_path)
    pipeline = config["pipeline"]
    (forward,) = [i for i in pipeline["inputs"] if i["name"] == "forward"]
    assert int(forward["port"]) == target
    (parse,) = [f for f in pipeline["filters"] if f["name"] == "parser"]
    assert parse["key_name"] == "log", "the fluentd log driver puts each line in `log`"
    (parser,) = [p for p in config["parsers"] if p["name"] == parse["parser"]]
    assert parser["format"] == "json"
    assert parser["time_key"] == "timestamp", "structlog's TimeStamper writes `timestamp`"
    outputs = {o["name"]: o for o in pipeline["outputs"]}
    assert outputs["stdout"]["match"] == "${FLUENT_BIT_STDOUT_MATCH}"
    assert outputs["http"]["match"] == "${FLUENT_BIT_HTTP_MATCH}"
    # The baked tests check that the app's production lines parse with this parser.
    assert (baked.path / "tests/test_log_shipping.py").is_file()


# --- Kubernetes -----------------------------------------------------------------------------


def rendered(baked: Baked, overlay: str) -> list[dict[str, Any]]:
    proc = run([tool("kubectl"), "kustomize", f"deploy/k8s/overlays/{overlay}"], cwd=baked.path)
    out = baked.path / f".rendered-{overlay}.yaml"
    out.write_text(proc.stdout)
    try:
        run([tool("kubernetes-validate"), "--strict", "--quiet", str(out)], cwd=baked.path)
    finally:
        out.unlink()
    return [doc for doc in yaml.safe_load_all(proc.stdout) if doc]


@pytest.mark.parametrize("overlay", ["staging", "production"])
def test_kustomize_overlay_renders_and_validates(baked: Baked, overlay: str) -> None:
    if "kubernetes" not in baked.features:
        assert not (baked.path / "deploy/k8s").exists()
        return
    docs = rendered(baked, overlay)
    kinds: dict[str, list[dict[str, Any]]] = {}
    for doc in docs:
        kinds.setdefault(doc["kind"], []).append(doc)
    assert "Secret" not in kinds, "the manifests must never hold a Secret"
    deployments = {d["metadata"]["name"].rsplit("-", 1)[-1]: d for d in kinds["Deployment"]}
    on = baked.features
    scale_out = "scale_out" in on
    roles = {"api"} | ({"worker"} if "celery" in on else set()) | ({"beat"} if "beat" in on else set())
    assert set(deployments) == (roles if scale_out else {"api"})
    assert ("Job" in kinds) is ("postgresql" in on)
    pods = [d["spec"]["template"]["spec"] for d in kinds["Deployment"] + kinds.get("Job", [])]
    for pod in pods:
        assert pod["securityContext"]["runAsNonRoot"] is True
        for container in pod["containers"] + pod.get("initContainers", []):
            context = container["securityContext"]
            assert context["readOnlyRootFilesystem"] is True
            assert context["allowPrivilegeEscalation"] is False
            assert context["capabilities"]["drop"] == ["ALL"]
            assert container["resources"]["limits"] and container["resources"]["requests"]
            assert container["image"].endswith(":main" if overlay == "staging" else ":latest")
            secret_refs = [e["secretRef"]["name"] for e in container["envFrom"] if "secretRef" in e]
            assert secret_refs == [f"{baked.answers['project_slug']}-env"]
    api = deployments["api"]["spec"]["template"]["spec"]["containers"][0]
    assert api["livenessProbe"]["httpGet"]["path"] == "/health/live"
    assert api["readinessProbe"]["httpGet"]["path"] == "/health/ready"
    if "beat" in on and scale_out:
        beat = deployments["beat"]["spec"]
        assert beat["replicas"] == 1 and beat["strategy"]["type"] == "Recreate"
    scaled = {
        h["spec"]["scaleTargetRef"]["name"].rsplit("-", 1)[-1]
        for h in kinds.get("HorizontalPodAutoscaler", [])
    }
    assert scaled == ({"api"} | ({"worker"} & roles) if scale_out else set())
    if scale_out:
        budget = kinds["PodDisruptionBudget"][0]["spec"]["selector"]["matchLabels"]
        assert budget["app.kubernetes.io/component"] == "api"
    else:
        # SQLite: one pod owns the file, migrates it first and runs every role beside the api.
        assert "PodDisruptionBudget" not in kinds
        spec = deployments["api"]["spec"]
        assert spec["replicas"] == 1 and spec["strategy"] == {"type": "Recreate"}
        pod = spec["template"]["spec"]
        assert [c["name"] for c in pod["initContainers"]] == ["migrate"]
        assert pod["initContainers"][0]["command"] == ["alembic", "upgrade", "head"]
        assert {c["name"] for c in pod["containers"]} == roles
        claim = kinds["PersistentVolumeClaim"][0]
        assert claim["spec"]["accessModes"] == ["ReadWriteOnce"]
        volume = next(v for v in pod["volumes"] if v["name"] == "data")
        assert volume["persistentVolumeClaim"]["claimName"] == claim["metadata"]["name"]
        for container in pod["containers"] + pod["initContainers"]:
            assert {"name": "data", "mountPath": "/app/data"} in container["volumeMounts"]
        config = kinds["ConfigMap"][0]["data"]
        assert config["DATABASE_URL"].startswith("sqlite+aiosqlite:////app/data/")
    assert {"Service", "Ingress", "ConfigMap", "Namespace"} <= set(kinds)
    host = kinds["Ingress"][0]["spec"]["rules"][0]["host"]
    domain = baked.answers["domain_name"]
    assert host == (f"staging.{domain}" if overlay == "staging" else domain)


# --- Shell ----------------------------------------------------------------------------------


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


# --- CI -------------------------------------------------------------------------------------


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
    assert push["with"]["cache-from"] and push["with"]["cache-to"]
    meta = next(s for s in image["steps"] if s.get("id") == "meta")
    assert "type=sha" in meta["with"]["tags"] and "value=latest" in meta["with"]["tags"]
    assert ("packages" in image["permissions"]) is ("ghcr" in on)
    ecosystems = {u["package-ecosystem"] for u in load_yaml(baked.path / ".github/dependabot.yml")["updates"]}
    assert ecosystems == {"uv", "docker", "github-actions"}


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
    build = " ".join(data["build-image"]["script"])
    assert "$CI_COMMIT_SHA" in build and ":latest" in build and "--cache-to" in build
    assert data["build-image"]["rules"] == [{"if": "$CI_COMMIT_BRANCH == $CI_DEFAULT_BRANCH"}]


# --- PaaS -----------------------------------------------------------------------------------


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
        assert web["runtime"] == "docker" and web["healthCheckPath"] == "/health/ready"
        assert ("preDeployCommand" in web) is ("postgresql" in on)
        if "sqlite" in on:
            # The pre-deploy step cannot see the disk: the api migrates its file as it starts.
            assert web["disk"]["mountPath"] == "/app/data"
            assert web["dockerCommand"].startswith('sh -c "alembic upgrade head && exec uvicorn ')


# --- Build emulation ------------------------------------------------------------------------


def python_for(version: str) -> str:
    """An interpreter of the image's Python version (pyenv's, or one on PATH)."""
    pyenv_root = Path(os.environ.get("PYENV_ROOT", Path.home() / ".pyenv"))
    for candidate in sorted(pyenv_root.glob(f"versions/{version}.*/bin/python{version}")):
        return str(candidate)
    found = shutil.which(f"python{version}")
    if not found:
        pytest.fail(f"no Python {version} here; the image is built from python:{version}-slim")
    return found


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def stage_env(stage_chain: list[Stage], app_dir: Path) -> dict[str, str]:
    """The ENV lines of the stages, with /app pointed at the emulation directory."""
    env: dict[str, str] = {}
    for stage in stage_chain:
        for value in stage.values("ENV"):
            for pair in shlex.split(value):
                key, _, val = pair.partition("=")
                env[key] = val.replace("/app", str(app_dir))
    env.pop("UV_CACHE_DIR", None)  # share the session's uv cache
    env["PATH"] = env.get("PATH", "$PATH").replace("$PATH", os.environ["PATH"])
    return env


def copy_from_context(context: Path, sources: list[str], dest: Path, excluded: Callable[[str], bool]) -> None:
    """COPY as Docker does it: a directory's contents land under dest, minus .dockerignore'd files."""
    for source in sources:
        origin = context / source
        assert origin.exists(), f"COPY {source}: not in the build context"
        assert not excluded(source), f"COPY {source}: excluded by .dockerignore"
        if origin.is_file():
            target = dest / origin.name if len(sources) > 1 or str(dest).endswith("/") else dest
            target = dest / origin.name if dest.is_dir() else target
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(origin, target)
            continue
        for path in origin.rglob("*"):
            relative = path.relative_to(context).as_posix()
            if path.is_file() and not excluded(relative):
                target = dest / path.relative_to(origin)
                target.parent.mkdir(parents=True, exist_ok=True)
                shutil.copy2(path, target)


def to_app(dest: str, app_dir: Path) -> Path:
    """A Dockerfile destination (relative to WORKDIR /app, or absolute under /app) in app_dir."""
    if dest.startswith("/app"):
        dest = dest.removeprefix("/app").lstrip("/")
    return app_dir / dest if dest not in ("", ".", "./") else app_dir


@contextmanager
def serving(cmd: list[str], cwd: Path, env: Mapping[str, str], log: Path) -> Iterator[None]:
    with log.open("w") as out:
        proc = subprocess.Popen(cmd, cwd=cwd, env=env, stdout=out, stderr=subprocess.STDOUT)
        try:
            yield
        finally:
            proc.terminate()
            try:
                proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()


def wait_for_200(url: str, log: Path, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.3)
    pytest.fail(f"{url} never answered 200; server log:\n{log.read_text()[-4000:]}")


@pytest.mark.runtime
@pytest.mark.parametrize("variant", ["default", "bare-sqlite"])
def test_build_emulation_serves_health_live(bake: BakeFn, variant: str, tmp_path: Path) -> None:
    """Build the runtime target without an engine, then run its CMD and its HEALTHCHECK."""
    baked = bake(**VARIANTS[variant])
    context = tmp_path / "context"
    shutil.copytree(baked.path, context, symlinks=True)
    env = {"UV_PYTHON": python_for(str(baked.answers["python_version"]))}
    # The bake's own lock, as shipped: the builder's `uv sync --locked` below refuses a stale one.
    assert (context / "uv.lock").is_file()

    all_stages = stages(context / "Dockerfile")
    final = all_stages[-1]
    build_chain = chain(all_stages, final.name)
    assert [s.name for s in build_chain] == ["base", "builder", "runtime"]
    excluded = dockerignore(context)
    app_dir = tmp_path / "app"
    app_dir.mkdir()
    uv_env = {**stage_env(build_chain, app_dir), **env}
    for stage in build_chain:
        if stage is final:
            # A fresh stage: only what it copies from the builder survives (here: the venv).
            kept = {
                to_app(shlex.split(v)[-1], app_dir) for v in stage.values("COPY") if "--from=builder" in v
            }
            assert kept == {app_dir / ".venv"}
            for path in app_dir.iterdir():
                if path not in kept:
                    shutil.rmtree(path) if path.is_dir() else path.unlink()
        for item in stage.instructions:
            if item["instruction"] == "COPY" and "--from=" not in item["value"]:
                words = [w for w in shlex.split(item["value"]) if not w.startswith("--")]
                copy_from_context(context, words[:-1], to_app(words[-1], app_dir), excluded)
            elif item["instruction"] == "RUN" and stage.name == "builder":
                command = [w for w in shlex.split(item["value"]) if not w.startswith("--mount=")]
                assert command[:2] == ["uv", "sync"], f"unexpected builder step: {command}"
                run(command, cwd=app_dir, env=uv_env)
    assert not (app_dir / "src").exists(), "the runtime stage must not need the source tree"
    assert (app_dir / ".venv/bin/uvicorn").exists()

    port = free_port()
    cmd = json.loads(final.values("CMD")[-1])
    cmd[cmd.index("--port") + 1] = str(port)
    cmd[cmd.index("--host") + 1] = "127.0.0.1"
    runtime_env = {
        **os.environ,
        **stage_env(build_chain, app_dir),
        "SECRET_KEY": secrets.token_hex(32),
    }
    runtime_env.pop("VIRTUAL_ENV", None)
    if "postgresql" in baked.features:
        # Liveness needs no database: point at a port nothing listens on.
        runtime_env["DATABASE_URL"] = "postgresql+asyncpg://nobody:nothing@127.0.0.1:9/none"
    if "sqlite" in baked.features:
        (app_dir / "data").mkdir()
        runtime_env["DATABASE_URL"] = f"sqlite+aiosqlite:///{app_dir}/data/app.db"
    if "redis" in baked.features:
        runtime_env["REDIS_URL"] = "redis://127.0.0.1:9/0"
    if "email" in baked.features:
        # Production refuses Mailpit and links to localhost; liveness sends no mail.
        runtime_env |= {"SMTP_HOST": "smtp.example.net", "FRONTEND_URL": "https://app.example.com"}
    assert runtime_env["ENVIRONMENT"] == "production"
    log = tmp_path / "uvicorn.log"
    with serving(cmd, app_dir, runtime_env, log):
        wait_for_200(f"http://127.0.0.1:{port}/health/live", log)
        healthcheck = final.values("HEALTHCHECK")[0]
        probe = json.loads(healthcheck[healthcheck.index("CMD") + 3 :].strip())
        probe = [arg.replace("127.0.0.1:8000", f"127.0.0.1:{port}") for arg in probe]
        proc = subprocess.run(probe, cwd=app_dir, env=runtime_env, capture_output=True, timeout=30)
        assert proc.returncode == 0, f"HEALTHCHECK failed: {proc.stderr.decode()[-2000:]}"


# --- Makefile and README --------------------------------------------------------------------


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
    assert "make up" in readme and "docker compose -f compose.prod.yaml up -d" in readme
    assert "make lock" in readme
    assert ("kubectl apply -k deploy/k8s/overlays/production" in readme) is ("kubernetes" in on)
    assert ("### Heroku" in readme) is ("heroku" in on)
    assert ("### Render" in readme) is ("render" in on)
