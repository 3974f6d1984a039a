"""Which deploy files each variant carries, by the manifest of hooks/rules.py."""

from __future__ import annotations

from harness.baking import Baked, rules

from deploy.support import DEPLOY_FEATURES, VARIANTS


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
