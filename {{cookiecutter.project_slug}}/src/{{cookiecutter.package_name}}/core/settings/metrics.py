"""Prometheus metrics: who may scrape them."""

from __future__ import annotations

from typing import Self

from pydantic import model_validator

from {{ cookiecutter.package_name }}.core.settings.service import MIN_SECRET_KEY_LENGTH, ServiceSettings


class MetricsSettings(ServiceSettings):
    # Set: /metrics answers only `Authorization: Bearer <METRICS_TOKEN>`. Needed wherever no proxy
    # keeps /metrics off the internet (Kubernetes ingress, Heroku, Render); empty serves it to all.
    metrics_token: str = ""

    @model_validator(mode="after")
    def _check_metrics_token(self) -> Self:
        too_short = 0 < len(self.metrics_token) < MIN_SECRET_KEY_LENGTH
        if self.is_production and too_short:
            raise ValueError(
                f"METRICS_TOKEN is {len(self.metrics_token)} characters long; set METRICS_TOKEN "
                f"to {MIN_SECRET_KEY_LENGTH}+ random characters (openssl rand -hex 32)"
            )
        return self
