"""Background work: `celery -A {{ cookiecutter.package_name }}.worker worker` (and `... beat`).

Celery finds the application as `app` in this module.
"""

from {{ cookiecutter.package_name }}.worker import signals as _signals  # noqa: F401 (connects them)
from {{ cookiecutter.package_name }}.worker.app import celery_app as app

__all__ = ["app"]
