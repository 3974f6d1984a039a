"""`/api/v1/auth`: sign-up with a verified address, email verification and password reset. Thin:
the logic lives in `service.py`.

The two "send me a link" routes answer 202 with the same body whether or not the address has an
account, and the email leaves after the response, so neither the answer nor its timing tells who
has signed up.
"""

from __future__ import annotations

from fastapi import APIRouter, {% if 'cache' in cookiecutter | features %}Depends, {% endif %}status

from {{ cookiecutter.package_name }}.account import service
{%- if 'cache' in cookiecutter | features %}
from {{ cookiecutter.package_name }}.account.rate_limit import enforce_email_link_rate_limit
{%- endif %}
from {{ cookiecutter.package_name }}.account.schemas import (
    Accepted,
    EmailAddress,
    ResetPassword,
    VerifyEmail,
)
from {{ cookiecutter.package_name }}.core.config import SettingsDep
from {{ cookiecutter.package_name }}.core.db import SessionDep
from {{ cookiecutter.package_name }}.core.errors import error_responses
from {{ cookiecutter.package_name }}.mail.outbox import OutboxDep
from {{ cookiecutter.package_name }}.users import service as users_service
from {{ cookiecutter.package_name }}.users.schemas import UserCreate, UserRead

router = APIRouter(prefix="/auth", tags=["auth"])


@router.post(
    "/signup",
    status_code=status.HTTP_201_CREATED,
    response_model=UserRead,
    responses=error_responses(409, 422, 503),
)
async def signup(
    body: UserCreate, session: SessionDep, settings: SettingsDep, outbox: OutboxDep
) -> UserRead:
    """Create an account, and email a link that verifies its address."""
    user = await users_service.create_user(session, email=body.email, password=body.password)
    await service.send_verification(session, user, settings, outbox)
    return UserRead.model_validate(user)


@router.post(
    "/request-verification",
    status_code=status.HTTP_202_ACCEPTED,
    response_model=Accepted,
{%- if 'cache' in cookiecutter | features %}
    responses=error_responses(422, 429, 503),
    dependencies=[Depends(enforce_email_link_rate_limit)],
{%- else %}
    responses=error_responses(422, 503),
{%- endif %}
)
async def request_verification(
    body: EmailAddress, session: SessionDep, settings: SettingsDep, outbox: OutboxDep
) -> Accepted:
    """Send a new verification link to an unverified account's address."""
    await service.request_verification(session, body.email, settings, outbox)
    return Accepted(
        message="If this address belongs to an unverified account, a link is on its way"
    )


@router.post("/verify-email", response_model=UserRead, responses=error_responses(400, 422, 503))
async def verify_email(body: VerifyEmail, session: SessionDep) -> UserRead:
    """Verify an email address with the token from the emailed link (400 if it is not valid)."""
    return UserRead.model_validate(await service.verify_email(session, body.token))


@router.post(
    "/forgot-password",
    status_code=status.HTTP_202_ACCEPTED,
    response_model=Accepted,
{%- if 'cache' in cookiecutter | features %}
    responses=error_responses(422, 429, 503),
    dependencies=[Depends(enforce_email_link_rate_limit)],
{%- else %}
    responses=error_responses(422, 503),
{%- endif %}
)
async def forgot_password(
    body: EmailAddress, session: SessionDep, settings: SettingsDep, outbox: OutboxDep
) -> Accepted:
    """Email a password-reset link, if the address belongs to an active account."""
    await service.forgot_password(session, body.email, settings, outbox)
    return Accepted(message="If this address belongs to an account, a reset link is on its way")


@router.post(
    "/reset-password",
    status_code=status.HTTP_204_NO_CONTENT,
    responses=error_responses(400, 422, 503),
)
async def reset_password(body: ResetPassword, session: SessionDep) -> None:
    """Set a new password with the token from the emailed link; every session is logged out."""
    await service.reset_password(session, body.token, body.new_password)
