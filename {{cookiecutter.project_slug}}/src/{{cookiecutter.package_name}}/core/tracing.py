"""OpenTelemetry tracing: one trace per request, across the tasks it enqueues and the SQL they run.

Configured only by the standard `OTEL_*` variables (OTEL_EXPORTER_OTLP_ENDPOINT,
OTEL_SERVICE_NAME, OTEL_TRACES_SAMPLER, OTEL_TRACES_SAMPLER_ARG, OTEL_EXPORTER_OTLP_HEADERS...),
read by the SDK itself. Without an OTLP endpoint nothing is set up and nothing is exported; in
production the service says so in one log line at startup.

FastAPI traces its requests itself (its own OpenTelemetry support) once a tracer provider is set;
the official instrumentations add the rest, for the parts this service has: SQL statements
(SQLAlchemy), Redis commands, Celery's publish and run (the trace context travels in the message
headers), and outgoing httpx calls when the service makes any. `/health/*` and `/metrics` are not
traced (`ServiceSampler`).
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from importlib.util import find_spec

{% if 'sentry' in cookiecutter | features -%}
import sentry_sdk.types
{% endif -%}
import structlog
from opentelemetry import trace
from opentelemetry.context import Context
from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter
from opentelemetry.sdk.resources import SERVICE_NAME, Resource
from opentelemetry.sdk.trace import SpanProcessor, TracerProvider
from opentelemetry.sdk.trace.export import BatchSpanProcessor
from opentelemetry.sdk.trace.sampling import Decision, Sampler, SamplingResult
from opentelemetry.sdk.trace.sampling import _get_from_env_or_default as sampler_from_environment
from opentelemetry.trace import Link, SpanKind
from opentelemetry.util.types import Attributes
from structlog.typing import EventDict, WrappedLogger

from {{ cookiecutter.package_name }}.core.config import Settings

# Either one switches export on; the SDK reads them (and the rest of OTEL_*) itself.
ENDPOINT_VARIABLES = ("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT", "OTEL_EXPORTER_OTLP_ENDPOINT")
DEFAULT_SERVICE_NAME = "{{ cookiecutter.project_slug }}"
# Probes and scrapes, every few seconds: noise in a trace viewer, and a cost per request.
UNTRACED_PATHS = ("/health/", "/metrics")

logger = structlog.get_logger(__name__)

_provider: TracerProvider | None = None


def export_endpoint() -> str | None:
    """Where spans go (OTLP over HTTP), or None: tracing is off."""
    if os.environ.get("OTEL_SDK_DISABLED", "").strip().lower() == "true":
        return None
    return next((os.environ[name] for name in ENDPOINT_VARIABLES if os.environ.get(name)), None)


class ServiceSampler(Sampler):
    """The sampler OTEL_TRACES_SAMPLER names, minus what is not worth a trace.

    - A request to `/health/*` or `/metrics` is dropped, and with it everything under it (the
      readiness checks' queries).
    - A client span (an SQL statement, a Redis command, an HTTP call) outside any traced request
      or task is dropped: the broker's polling and the pool's pings would each make a trace.
    - Under a span this process dropped, everything is dropped, whatever the sampler says.
    """

    def __init__(self, sampler: Sampler, *, root_path: str = "") -> None:
        self.sampler = sampler
        self.root_path = root_path

    def should_sample(
        self,
        parent_context: Context | None,
        trace_id: int,
        name: str,
        kind: SpanKind | None = None,
        attributes: Attributes = None,
        links: Sequence[Link] | None = None,
        trace_state: trace.TraceState | None = None,
    ) -> SamplingResult:
        parent = trace.get_current_span(parent_context).get_span_context()
        if kind is SpanKind.SERVER and self._untraced(attributes):
            return SamplingResult(Decision.DROP)
        if parent.is_valid and not parent.is_remote and not parent.trace_flags.sampled:
            return SamplingResult(Decision.DROP)
        if kind is SpanKind.CLIENT and not parent.is_valid:
            return SamplingResult(Decision.DROP)
        return self.sampler.should_sample(
            parent_context, trace_id, name, kind, attributes, links, trace_state
        )

    def _untraced(self, attributes: Attributes) -> bool:
        path = str((attributes or {}).get("url.path", "")).removeprefix(self.root_path)
        return path.startswith(UNTRACED_PATHS)

    def get_description(self) -> str:
        return f"ServiceSampler({self.sampler.get_description()})"


def start_tracing(
    settings: Settings, *, processor: SpanProcessor | None = None, announce: bool = True
) -> bool:
    """Trace this process when an OTLP endpoint is set; return whether it is traced.

    Once per process: a second call adds nothing (FastAPI apps built later use the same
    provider). `processor` receives the spans instead of the OTLP exporter (tests pass an
    in-memory one). `announce=False` keeps the "tracing is off" line for the process that
    already logged it (the Celery pool's children).
    """
    global _provider
    if processor is None:
        if _provider is not None:
            return True
        if tracing_is_off(settings, announce=announce):
            return False
        # Batches, sent from a thread of their own: a request never waits for the collector.
        processor = BatchSpanProcessor(OTLPSpanExporter())
    if _provider is None:
        _provider = _install(settings)
    _provider.add_span_processor(processor)
    return True


def tracing_is_off(settings: Settings, *, announce: bool = True) -> bool:
    """Whether no OTLP endpoint is set; production says so in one line (`announce`)."""
    if export_endpoint() is not None:
        return False
    if announce and settings.is_production:
        logger.info(
            "tracing_off", reason="OTEL_EXPORTER_OTLP_ENDPOINT is not set: no spans are exported"
        )
    return True


def flush_spans(timeout_millis: int = 5000) -> bool:
    """Send the spans still queued (at shutdown); True when there were none left or all went."""
    return _provider.force_flush(timeout_millis) if _provider is not None else True


def _resource() -> Resource:
    """OTEL_SERVICE_NAME and OTEL_RESOURCE_ATTRIBUTES, else the project's name."""
    resource = Resource.create()
    if str(resource.attributes.get(SERVICE_NAME, "")).startswith("unknown_service"):
        resource = resource.merge(Resource({SERVICE_NAME: DEFAULT_SERVICE_NAME}))
    return resource


def _install(settings: Settings) -> TracerProvider:
    provider = TracerProvider(
        resource=_resource(),
        # The SDK's own reading of OTEL_TRACES_SAMPLER and OTEL_TRACES_SAMPLER_ARG (it has no
        # public name), wrapped in the service's exclusions.
        sampler=ServiceSampler(sampler_from_environment(), root_path=settings.root_path),
    )
    trace.set_tracer_provider(provider)
{%- if 'db' in cookiecutter | features %}
    _trace_every_engine(provider)
{%- endif %}
    # The instrumentations are imported here, each with the part of the service it traces.
{%- if 'redis' in cookiecutter | features %}
    from opentelemetry.instrumentation.redis import RedisInstrumentor

    RedisInstrumentor().instrument(tracer_provider=provider)
{%- endif %}
{%- if 'celery' in cookiecutter | features %}
    from opentelemetry.instrumentation.celery import CeleryInstrumentor

    CeleryInstrumentor().instrument(tracer_provider=provider)  # type: ignore[no-untyped-call]
{%- endif %}
    if find_spec("httpx") is not None:
        # httpx is not a dependency of the service itself: its outgoing calls are traced once
        # it has some (the instrumentation imports httpx).
        from opentelemetry.instrumentation.httpx import HTTPXClientInstrumentor

        HTTPXClientInstrumentor().instrument(tracer_provider=provider)
{%- if 'sentry' in cookiecutter | features %}
    sentry_sdk.get_global_scope().add_event_processor(tag_sentry_event)
{%- endif %}
    return provider
{%- if 'db' in cookiecutter | features %}


def _trace_every_engine(provider: TracerProvider) -> None:
    """Trace the statements of every engine this process uses: the API's, and each worker
    thread's, created at any time.

    The instrumentation patches `create_async_engine` where SQLAlchemy defines it, which misses
    the engine modules that imported it before tracing started; so each engine is instead traced
    when it first hands out a connection.
    """
    import weakref

    from opentelemetry.instrumentation.sqlalchemy.engine import EngineTracer
    from opentelemetry.metrics import get_meter
    from sqlalchemy import Connection, Engine, event

    tracer = trace.get_tracer("opentelemetry.instrumentation.sqlalchemy", tracer_provider=provider)
    # Pool metrics are not collected (no meter provider): the counter is a no-op.
    connections = get_meter(__name__).create_up_down_counter("db.client.connections.usage")
    traced: weakref.WeakSet[Engine] = weakref.WeakSet()

    def trace_engine(connection: Connection) -> None:
        if connection.engine not in traced:
            traced.add(connection.engine)
            EngineTracer(tracer, connection.engine, connections)  # type: ignore[no-untyped-call]

    event.listen(Engine, "engine_connect", trace_engine)
{%- endif %}


def current_ids() -> dict[str, str]:
    """The trace and span id of the current span, hex as trace viewers show them; empty when
    nothing is being traced (tracing off, or a request the sampler left out)."""
    context = trace.get_current_span().get_span_context()
    if not context.trace_flags.sampled:
        return {}
    return {
        "trace_id": trace.format_trace_id(context.trace_id),
        "span_id": trace.format_span_id(context.span_id),
    }


def add_trace_ids(_: WrappedLogger, __: str, event_dict: EventDict) -> EventDict:
    """structlog processor: `trace_id` and `span_id` on every line written inside a span."""
    event_dict.update(current_ids())
    return event_dict
{%- if 'sentry' in cookiecutter | features %}


def tag_sentry_event(
    event: sentry_sdk.types.Event, _: sentry_sdk.types.Hint
) -> sentry_sdk.types.Event:
    """Tag a Sentry event with the trace it happened in, to find that trace from the issue."""
    ids = current_ids()
    if ids:
        event.setdefault("tags", {}).update(
            {"otel.trace_id": ids["trace_id"], "otel.span_id": ids["span_id"]}
        )
    return event
{%- endif %}
