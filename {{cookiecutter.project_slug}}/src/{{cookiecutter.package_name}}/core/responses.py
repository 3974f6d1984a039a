"""Answers serialised once, by pydantic, straight from a model that is already valid.

A route that returns a model makes FastAPI dump it, validate the dump against `response_model`
again, and only then encode it. Routes on the hot path return `model_response(...)` instead and
keep `response_model=` in their decorator, so the OpenAPI schema still says what they answer.
"""

from __future__ import annotations

from fastapi import Response
from pydantic import BaseModel


class JSONModelResponse(Response):
    """A JSON answer whose body is a pydantic model's own serialisation."""

    media_type = "application/json"


def model_response(model: BaseModel, status_code: int = 200) -> JSONModelResponse:
    """`model` as JSON, encoded once by pydantic (the same JSON FastAPI would write)."""
    return JSONModelResponse(model.model_dump_json(), status_code=status_code)
