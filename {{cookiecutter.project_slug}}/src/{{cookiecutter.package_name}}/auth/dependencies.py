"""Typed dependencies of login: its form, its guard and its documented answers. Who a request acts
for is in `users/dependencies.py`."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Depends
from fastapi.security import OAuth2PasswordRequestForm

{% if 'cache' in cookiecutter | features -%}
from {{ cookiecutter.package_name }}.auth.rate_limit import enforce_login_rate_limit
{% endif -%}
from {{ cookiecutter.package_name }}.core.errors import error_responses

LoginForm = Annotated[OAuth2PasswordRequestForm, Depends()]


# The login route's guard and documented answers, the same in both authentication modes.
LOGIN_ROUTE: dict[str, Any] = {
{%- if 'cache' in cookiecutter | features %}
    "dependencies": [Depends(enforce_login_rate_limit)],  # auth/rate_limit.py
    "responses": error_responses(401, 403, 422, 429, 503),
{%- else %}
    "responses": error_responses(401, 403, 422, 503),
{%- endif %}
}
