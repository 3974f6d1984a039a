"""The deploy checks run once per variant of `VARIANTS`; each variant is baked once per process."""

from __future__ import annotations

import pytest
from harness.baking import Baked

from deploy.support import VARIANTS, BakeFn


@pytest.fixture(scope="session", params=list(VARIANTS), ids=list(VARIANTS))
def baked(request: pytest.FixtureRequest, bake: BakeFn) -> Baked:
    return bake(**VARIANTS[request.param])
