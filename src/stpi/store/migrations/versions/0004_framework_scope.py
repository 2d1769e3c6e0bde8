"""framework scope: a county version of the framework beside the city's

Revision ID: 0004
Revises: 0003
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("framework_version") as batch:
        batch.add_column(sa.Column("scope", sa.String(length=16), nullable=False, server_default="city"))


def downgrade() -> None:
    with op.batch_alter_table("framework_version") as batch:
        batch.drop_column("scope")
