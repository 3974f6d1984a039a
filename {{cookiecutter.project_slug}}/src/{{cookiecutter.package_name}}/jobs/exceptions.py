"""Errors of the jobs domain."""

from __future__ import annotations

from {{ cookiecutter.package_name }}.core.errors import (
    ConflictError,
    NotFoundError,
    ServiceUnavailableError,
)


class JobNotFound(NotFoundError):
    code = "job_not_found"
    message = "Job not found"


class IdempotencyKeyReused(ConflictError):
    code = "idempotency_key_reused"
    message = (
        "This Idempotency-Key was already used with a different request body; "
        "send the original body, or use a new key for a new job"
    )


class JobFailed(ConflictError):
    code = "job_failed"
    message = "The job failed"


class BrokerUnavailable(ServiceUnavailableError):
    code = "broker_unavailable"
    message = "The job queue is unreachable, so no job was created; retry later"


class TransientJobError(Exception):
    """A failure that may go away by itself (a timeout, a busy upstream): the task retries."""
