{%- set parent = cookiecutter | down_revision("0003") -%}
"""The items example.

Revision ID: 0003
Revises:{{ (" " ~ parent) if parent }}
Create Date: 2025-01-01 00:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | None = {{ parent | tojson if parent else "None" }}
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "items",
{%- if 'auth' in cookiecutter | features %}
        sa.Column("owner_id", sa.Uuid(), nullable=False),
{%- endif %}
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("description", sa.Text(), nullable=True),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column(
            "created_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False
        ),
        sa.Column(
            "updated_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False
        ),
{%- if 'auth' in cookiecutter | features %}
        sa.ForeignKeyConstraint(
            ["owner_id"], ["users.id"], name=op.f("fk_items_owner_id_users"), ondelete="CASCADE"
        ),
{%- endif %}
        sa.PrimaryKeyConstraint("id", name=op.f("pk_items")),
    )
{%- if 'auth' in cookiecutter | features %}
    op.create_index(op.f("ix_items_owner_id"), "items", ["owner_id"], unique=False)
{%- endif %}


def downgrade() -> None:
{%- if 'auth' in cookiecutter | features %}
    op.drop_index(op.f("ix_items_owner_id"), table_name="items")
{%- endif %}
    op.drop_table("items")
