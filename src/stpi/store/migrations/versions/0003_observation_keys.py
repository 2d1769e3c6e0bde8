"""observation keys: one index, the unique key led by year and period

Every index slows a bulk import. The unique key becomes (year, period, region_id, code,
vintage): as unique as before, since a figure's year is its period's, and leading with year
and period it serves the lookups by year (for which the (year, current) index was kept,
now dropped) and the per-period lookup of current vintages before each write. Existing rows
always satisfy the new key. SQLite copies the table (batch mode); PostgreSQL alters it.

Revision ID: 0003
Revises: 0002
"""

from __future__ import annotations

from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("observation") as batch:
        batch.drop_index("ix_observation_current")
        batch.drop_constraint("uq_observation_region_id", type_="unique")
        batch.create_unique_constraint("uq_observation_year", ["year", "period", "region_id", "code", "vintage"])


def downgrade() -> None:
    with op.batch_alter_table("observation") as batch:
        batch.drop_constraint("uq_observation_year", type_="unique")
        batch.create_unique_constraint("uq_observation_region_id", ["region_id", "code", "period", "vintage"])
        batch.create_index("ix_observation_current", ["year", "current"], unique=False)
