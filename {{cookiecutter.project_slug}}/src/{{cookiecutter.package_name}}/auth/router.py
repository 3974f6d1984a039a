"""`/api/v1/auth`: {% if 'email' in cookiecutter | features %}login, refresh and logout, in `{{ 'cookie' if 'cookie' in cookiecutter | features else 'bearer' }}_sessions.py`. Sign-up, which also
emails a verification link, is in `account/router.py`.{% else %}sign-up here; login, refresh and logout in `{{ 'cookie' if 'cookie' in cookiecutter | features else 'bearer' }}_sessions.py`.{% endif %}"""

from __future__ import annotations

{% if 'email' in cookiecutter | features -%}
from fastapi import APIRouter

from {{ cookiecutter.package_name }}.auth.{{ 'cookie' if 'cookie' in cookiecutter | features else 'bearer' }}_sessions import router as sessions_router

router = APIRouter(prefix="/auth", tags=["auth"])
{%- else -%}
from fastapi import APIRouter, status

from {{ cookiecutter.package_name }}.auth.{{ 'cookie' if 'cookie' in cookiecutter | features else 'bearer' }}_sessions import router as sessions_router
from {{ cookiecutter.package_name }}.core.db import SessionDep
from {{ cookiecutter.package_name }}.core.errors import error_responses
from {{ cookiecutter.package_name }}.users import service as users_service
from {{ cookiecutter.package_name }}.users.schemas import UserCreate, UserRead

router = APIRouter(prefix="/auth", tags=["auth"])


@router.post(
    "/signup",
    status_code=status.HTTP_201_CREATED,
    response_model=UserRead,
    responses=error_responses(409, 422, 503),
)
async def signup(body: UserCreate, session: SessionDep) -> UserRead:
    """Create an account."""
    user = await users_service.create_user(session, email=body.email, password=body.password)
    return UserRead.model_validate(user)
{%- endif %}


router.include_router(sessions_router)
