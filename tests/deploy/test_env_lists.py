"""The environment lists of .env.example and the deploy files (rendered from hooks/env_data.py)."""

from __future__ import annotations

from harness import checks
from harness.baking import Baked


def test_env_lists_set_what_the_bake_reads_and_keep_secrets_out(baked: Baked) -> None:
    assert checks.env_list_problems(baked) == []
