{%- set pruned = (cookiecutter | prune_plan).prune -%}
"""The tests' fixtures are plugins in `tests/fixtures/`, one per part of the service.

They load in this order, which matters: first the test settings and the servers they point at
(found, started, or the run stops with one line saying what to do), then the app, which reads
those settings when it is imported. A plugin that another one imports comes before it, so that
pytest can still rewrite its asserts. A later plugin may override an earlier one's fixture for
its part of the service (the Redis plugin gives `settings` a key prefix per test, for example).
"""

pytest_plugins = [
{%- for module in [
    "fixtures.environment",
    "local_servers",
    "fixtures.database",
    "fixtures.postgres",
    "fixtures.sqlite",
    "fixtures.redis",
    "fixtures.rabbitmq",
    "fixtures.mail",
    "fixtures.sentry",
    "fixtures.tracing",
    "fixtures.storage",
    "fixtures.celery_queues",
    "fixtures.worker",
    "fixtures.mail_worker",
    "fixtures.app",
    "fixtures.client",
    "fixtures.users",
    "helpers",
    "fixtures.items",
    "fixtures.attachments",
    "fixtures.jobs",
    "fixtures.job_owners",
    "fixtures.live",
    "fixtures.live_users",
] if "tests/" ~ module.replace(".", "/") ~ ".py" not in pruned %}
    "tests.{{ module }}",
{%- endfor %}
]
