"""A worker=none bake carries no trace of Celery. (The worker round trip itself runs for every
Celery variant of the runtime matrix, in test_runtime.py.)"""

from __future__ import annotations

from collections.abc import Callable

from harness.baking import Baked

BakeFn = Callable[..., Baked]


def test_worker_none_leaves_no_trace_of_celery(bake: BakeFn) -> None:
    baked = bake(worker="none")
    traces = []
    for file in sorted(baked.path.rglob("*")):
        relative = file.relative_to(baked.path)
        if "celery" in str(relative).lower():
            traces.append(f"{relative} (path)")
        elif file.is_file():
            text = file.read_bytes().decode("utf-8", errors="ignore").lower()
            if "celery" in text:
                line = next(n for n, row in enumerate(text.splitlines(), 1) if "celery" in row)
                traces.append(f"{relative}:{line}")
    assert traces == [], f"worker=none still mentions Celery in: {traces}"
    assert not (baked.path / "src" / baked.package / "worker").exists()
    assert not (baked.path / "src" / baked.package / "jobs").exists()
    makefile = (baked.path / "Makefile").read_text()
    assert "\nworker:" not in makefile
    assert "\nbeat:" not in makefile
