"""generations: a counter per part of the store, bumped by every transaction that changes that part

The read model (stpi.readmodel) compares these counters to decide, in one cheap query, whether its
snapshot is current and which of its parts to rebuild.

Revision ID: 0010
Revises: 0009
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None

PARTS = ("county_targets", "figures", "notes", "people", "plan", "published", "regions", "rounds", "settings")


def upgrade() -> None:
    table = op.create_table(
        "generation",
        sa.Column("part", sa.String(length=32), nullable=False),
        sa.Column("gen", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("part", name=op.f("pk_generation")),
    )
    op.bulk_insert(table, [{"part": p, "gen": 0} for p in PARTS])


def downgrade() -> None:
    op.drop_table("generation")
