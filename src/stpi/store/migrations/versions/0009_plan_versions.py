"""plan versions (valid from a year, who imported them from which file) and county targets (county plans)

Revision ID: 0009
Revises: 0008
"""

from __future__ import annotations

import re

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None

BASELINE = re.compile(r"^\s*baseline_year:\s*(\d{4})", re.MULTILINE)


def upgrade() -> None:
    with op.batch_alter_table("plan") as batch:
        batch.drop_constraint("uq_plan_code", type_="unique")
        batch.add_column(sa.Column("valid_from", sa.Integer(), nullable=False, server_default="0"))
        batch.add_column(sa.Column("created_by", sa.String(length=64), nullable=False, server_default="system"))
        batch.add_column(sa.Column("source", sa.Text(), nullable=False, server_default=""))
        batch.create_index("ix_plan_code", ["code"])
    conn = op.get_bind()
    for id_, content in conn.execute(sa.text("SELECT id, content FROM plan")).all():
        found = BASELINE.search(content or "")  # an existing plan is in force from its baseline year
        if found:
            conn.execute(sa.text("UPDATE plan SET valid_from = :y WHERE id = :i"), {"y": int(found.group(1)), "i": id_})
    op.create_table(
        "county_target",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("region_id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=64), nullable=False),
        sa.Column("baseline", sa.Float(), nullable=True),
        sa.Column("target", sa.Float(), nullable=False),
        sa.Column("target_at_least", sa.Boolean(), nullable=False, server_default=sa.false()),
        sa.Column("sub_targets", sa.Text(), nullable=False, server_default=""),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("current", sa.Boolean(), nullable=False, server_default=sa.true()),
        sa.Column("version", sa.Integer(), nullable=False, server_default="1"),
        sa.Column("source", sa.Text(), nullable=False, server_default=""),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("created_by", sa.String(length=64), nullable=False),
        sa.Column("decided_at", sa.DateTime(), nullable=True),
        sa.Column("decided_by", sa.String(length=64), nullable=True),
        sa.Column("comment", sa.Text(), nullable=False, server_default=""),
        sa.ForeignKeyConstraint(["region_id"], ["region.id"], name=op.f("fk_county_target_region_id_region")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_county_target")),
    )
    op.create_index("ix_county_target_region_code", "county_target", ["region_id", "code"])


def downgrade() -> None:
    op.drop_index("ix_county_target_region_code", table_name="county_target")
    op.drop_table("county_target")
    conn = op.get_bind()
    # one row per plan code again: the versions after each code's first are dropped (with their assignments)
    later = [r[0] for r in conn.execute(sa.text("SELECT id FROM plan p WHERE EXISTS (SELECT 1 FROM plan q WHERE q.code = p.code AND q.id < p.id)")).all()]
    for id_ in later:
        conn.execute(sa.text("DELETE FROM assignment WHERE plan_id = :i"), {"i": id_})
        conn.execute(sa.text("DELETE FROM plan WHERE id = :i"), {"i": id_})
    with op.batch_alter_table("plan") as batch:
        batch.drop_index("ix_plan_code")
        batch.drop_column("source")
        batch.drop_column("created_by")
        batch.drop_column("valid_from")
        batch.create_unique_constraint("uq_plan_code", ["code"])
