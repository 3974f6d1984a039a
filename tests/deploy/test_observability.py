"""Metrics kept off the internet, and logs that fluent-bit receives and parses."""

from __future__ import annotations

import json
import re
from pathlib import Path

from harness.baking import Baked

from deploy.support import compose_model, load_yaml, rendered


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
