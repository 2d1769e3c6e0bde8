"""reporting rounds and tasks: what is due from whom by when; forced locks with a reason; figures received on a reporter's behalf

Revision ID: 0007
Revises: 0006
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "reporting_round",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("period", sa.String(length=16), nullable=False),
        sa.Column("deadline", sa.Date(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("opened_at", sa.DateTime(), nullable=False),
        sa.Column("opened_by", sa.String(length=64), nullable=False),
        sa.Column("closed_at", sa.DateTime(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_reporting_round")),
        sa.UniqueConstraint("period", name=op.f("uq_reporting_round_period")),
    )
    op.create_table(
        "reporting_task",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("round_id", sa.Integer(), nullable=False),
        sa.Column("reporter_kind", sa.String(length=16), nullable=False),
        sa.Column("reporter", sa.String(length=64), nullable=False),
        sa.Column("region_id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=64), nullable=False),
        sa.Column("gives", sa.String(length=16), nullable=False),
        sa.Column("variables", sa.Text(), nullable=False, server_default=""),
        sa.Column("deadline", sa.Date(), nullable=False),
        sa.Column("submitted_at", sa.DateTime(), nullable=True),
        sa.Column("submitted_by", sa.String(length=64), nullable=True),
        sa.ForeignKeyConstraint(["round_id"], ["reporting_round.id"], name=op.f("fk_reporting_task_round_id_reporting_round")),
        sa.ForeignKeyConstraint(["region_id"], ["region.id"], name=op.f("fk_reporting_task_region_id_region")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_reporting_task")),
        sa.UniqueConstraint("round_id", "reporter", "region_id", "code", name=op.f("uq_reporting_task_round_id")),
    )
    with op.batch_alter_table("year_lock") as batch:
        batch.add_column(sa.Column("forced", sa.Boolean(), nullable=False, server_default=sa.false()))
        batch.add_column(sa.Column("reason", sa.Text(), nullable=False, server_default=""))
    with op.batch_alter_table("batch") as batch:
        batch.add_column(sa.Column("received_at", sa.DateTime(), nullable=True))
        batch.add_column(sa.Column("on_behalf_of", sa.String(length=64), nullable=True))


def _drop_columns(table: str, *columns: str) -> None:
    # SQLite (3.35+) drops a plain column in place: copying the batch table, as a batch operation would,
    # fails on the figures' foreign keys to it
    for column in columns:
        if op.get_bind().dialect.name == "sqlite":
            op.execute(f'ALTER TABLE "{table}" DROP COLUMN "{column}"')
        else:
            op.drop_column(table, column)


def downgrade() -> None:
    _drop_columns("batch", "on_behalf_of", "received_at")
    _drop_columns("year_lock", "reason", "forced")
    op.drop_table("reporting_task")
    op.drop_table("reporting_round")
