"""The tests' fixtures are plugins in `tests/fixtures/`, one per part of the service.

They load in this order, which matters: first the test settings and the servers they point at
(found, started, or the run stops with one line saying what to do), then the app, which reads
those settings when it is imported. A plugin that another one imports comes before it, so that
pytest can still rewrite its asserts.
"""

pytest_plugins = [
    "tests.fixtures.environment",
{%- if 'test_servers' in cookiecutter | features %}
    "tests.local_servers",
{%- endif %}
{%- if 'db' in cookiecutter | features %}
    "tests.fixtures.database",
    "tests.fixtures.{{ 'sqlite' if 'sqlite' in cookiecutter | features else 'postgres' }}",
{%- endif %}
{%- if 'redis' in cookiecutter | features %}
    "tests.fixtures.redis",
{%- endif %}
{%- if 'broker_rabbitmq' in cookiecutter | features %}
    "tests.fixtures.rabbitmq",
{%- endif %}
{%- if 'email' in cookiecutter | features %}
    "tests.fixtures.mail",
{%- endif %}
{%- if 'broker_redis' in cookiecutter | features %}
    "tests.fixtures.celery_queues",
{%- endif %}
    "tests.fixtures.app",
    "tests.fixtures.client",
{%- if 'auth' in cookiecutter | features %}
    "tests.fixtures.users",
{%- endif %}
{%- if 'jobs' in cookiecutter | features %}
    "tests.fixtures.jobs",
{%- endif %}
]
