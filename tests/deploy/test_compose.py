"""compose.yaml and compose.prod.yaml, as `docker-compose config` resolves them, and the files under
compose/ that they include and extend."""

from __future__ import annotations

from pathlib import Path

import pytest
from harness.baking import Baked, rules, run

from deploy.support import compose_model, load_yaml, tool

# Each main file: the file of shared app settings its services extend, and whether it is production.
STACKS = {"compose.yaml": ("compose/app.yaml", False), "compose.prod.yaml": ("compose/app.prod.yaml", True)}


@pytest.mark.parametrize("name", list(STACKS))
def test_compose_file_is_valid(baked: Baked, name: str) -> None:
    run([tool("docker-compose"), "-f", name, "config", "--quiet"], cwd=baked.path)
    run([tool("check-jsonschema"), "--builtin-schema", "vendor.compose-spec", name], cwd=baked.path)


def test_compose_folder_holds_valid_files_each_used_by_one_stack(baked: Baked) -> None:
    """Every file under compose/ is a valid compose file that one main file includes (the kept
    service files of its stack, in manifest order) or extends (the stack's shared app settings)."""
    files = sorted(str(p.relative_to(baked.path)) for p in (baked.path / "compose").glob("*.yaml"))
    run([tool("check-jsonschema"), "--builtin-schema", "vendor.compose-spec", *files], cwd=baked.path)
    kept = [p for p in rules.manifest_paths(baked.answers) if p.startswith("compose/")]
    kept = [p for p in kept if p not in rules.paths_to_prune(baked.answers)]
    used = []
    for name, (base, production) in STACKS.items():
        main = load_yaml(baked.path / name)
        included = main.get("include", [])
        assert included == [p for p in kept if p.endswith(".prod.yaml") is production], name
        assert main["services"]["api"]["extends"]["file"] == base
        used += [*included, base]
    assert sorted(used) == files


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
        for path in [baked.path / "compose.yaml", *(baked.path / "compose").glob("*.yaml")]:
            assert env["POSTGRES_PASSWORD"] not in path.read_text(), path.name


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
        assert "traefik" in services
        assert "nginx" not in services
        command = " ".join(services["traefik"]["command"])
        assert "redirections.entrypoint.scheme=https" in command
        assert "acme.tlschallenge=true" in command
        dynamic = load_yaml(baked.path / "deploy/traefik/dynamic.yml")
        assert dynamic["http"]["middlewares"]["security-headers"]["headers"]["stsSeconds"] > 0
        assert api["environment"]["ROOT_PATH"] == "/api"
        assert not api.get("ports")
    elif proxy == "nginx":
        assert "nginx" in services
        assert "traefik" not in services
        conf = (baked.path / "deploy/nginx/templates/default.conf.template").read_text()
        assert "return 301 https://" in conf
        assert "Strict-Transport-Security" in conf
        assert "listen 8443 ssl" in conf
        assert "${ROOT_PATH}" in conf
        assert api["environment"]["ROOT_PATH"] == "/api"
        assert not api.get("ports")
    else:
        assert not {"nginx", "traefik"} & set(services)
        assert api["environment"]["ROOT_PATH"] == ""
    assert ("watchtower" in services) is ("watchtower" in on)
    if "watchtower" in on:
        # Every container of the app's image is updated with it, Flower behind Traefik included.
        for name in ("api", "migrate", "worker", "beat", "flower"):
            if name in services:
                assert services[name]["labels"]["com.centurylinklabs.watchtower.enable"] == "true", name
