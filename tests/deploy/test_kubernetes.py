"""The kustomize overlays, rendered by kubectl and validated by kubernetes-validate --strict."""

from __future__ import annotations

from typing import Any

import pytest
from harness.baking import Baked

from deploy.support import rendered


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
            assert container["resources"]["limits"]
            assert container["resources"]["requests"]
            assert container["image"].endswith(":main" if overlay == "staging" else ":latest")
            secret_refs = [e["secretRef"]["name"] for e in container["envFrom"] if "secretRef" in e]
            assert secret_refs == [f"{baked.answers['project_slug']}-env"]
    api = deployments["api"]["spec"]["template"]["spec"]["containers"][0]
    assert api["livenessProbe"]["httpGet"]["path"] == "/health/live"
    assert api["readinessProbe"]["httpGet"]["path"] == "/health/ready"
    if "beat" in on and scale_out:
        beat = deployments["beat"]["spec"]
        assert beat["replicas"] == 1
        assert beat["strategy"]["type"] == "Recreate"
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
        assert spec["replicas"] == 1
        assert spec["strategy"] == {"type": "Recreate"}
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
