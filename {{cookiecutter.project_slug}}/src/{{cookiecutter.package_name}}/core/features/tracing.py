"""Tracing's share of the app: the tracer provider before the app is built (FastAPI traces its
requests with it), and the spans still queued sent before the process stops."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI

from {{ cookiecutter.package_name }}.core.config import Settings
from {{ cookiecutter.package_name }}.core.features import Feature
from {{ cookiecutter.package_name }}.core.tracing import flush_spans, start_tracing


@asynccontextmanager
async def spans_flushed(app: FastAPI, settings: Settings) -> AsyncIterator[None]:
    try:
        yield
    finally:
        # Off the event loop: the export is a blocking HTTP call.
        await asyncio.to_thread(flush_spans)


FEATURE = Feature(prepare=start_tracing, lifespan=spans_flushed)
