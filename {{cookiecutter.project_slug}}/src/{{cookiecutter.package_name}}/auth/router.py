"""`/api/v1/auth`: sign-up here; login, refresh and logout in `{{ 'cookie' if 'cookie' in cookiecutter | features else 'bearer' }}_sessions.py`. Thin: the logic
lives in `service.py`."""

from __future__ import annotations

from fastapi import APIRouter, status

{% if 'email' in cookiecutter | features -%}
from {{ cookiecutter.package_name }}.account import service as account_service
{% endif -%}
from {{ cookiecutter.package_name }}.auth.{{ 'cookie' if 'cookie' in cookiecutter | features else 'bearer' }}_sessions import router as sessions_router
{%- if 'email' in cookiecutter | features %}
from {{ cookiecutter.package_name }}.core.config import SettingsDep
{%- endif %}
from {{ cookiecutter.package_name }}.core.db import SessionDep
from {{ cookiecutter.package_name }}.core.errors import error_responses
{%- if 'email' in cookiecutter | features %}
from {{ cookiecutter.package_name }}.mail.outbox import OutboxDep
{%- endif %}
from {{ cookiecutter.package_name }}.users import service as users_service
from {{ cookiecutter.package_name }}.users.schemas import UserCreate, UserRead

router = APIRouter(prefix="/auth", tags=["auth"])


@router.post(
    "/signup",
    status_code=status.HTTP_201_CREATED,
    response_model=UserRead,
    responses=error_responses(409, 422, 503),
)
{%- if 'email' in cookiecutter | features %}
async def signup(
    body: UserCreate, session: SessionDep, settings: SettingsDep, outbox: OutboxDep
) -> UserRead:
    """Create an account, and email a link that verifies its address."""
    user = await users_service.create_user(session, email=body.email, password=body.password)
    await account_service.send_verification(session, user, settings, outbox)
{%- else %}
async def signup(body: UserCreate, session: SessionDep) -> UserRead:
    """Create an account."""
    user = await users_service.create_user(session, email=body.email, password=body.password)
{%- endif %}
    return UserRead.model_validate(user)


router.include_router(sessions_router)
