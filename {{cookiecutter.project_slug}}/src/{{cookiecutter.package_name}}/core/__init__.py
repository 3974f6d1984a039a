"""Shared infrastructure: settings, {% if 'db' in cookiecutter | features %}database, {% endif %}logging, {% if 'auth' in cookiecutter | features %}security, {% endif %}errors, middleware, health."""
