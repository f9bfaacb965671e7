"""A daily snapshot of the corrective-action figures per department, for the management review.

Taken by the scheduler once a day from now on, so that the review can show trends the
database cannot rebuild later (how many actions were open or overdue on a past day). ``day``
is the local date the figures describe (open and overdue at its end, closed during it); the
primary key makes taking a day's snapshot twice a no-op.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

INT = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "review_snapshots",
        sa.Column("day", sa.Text, nullable=False),
        sa.Column("department_id", INT, sa.ForeignKey("departments.id"), nullable=False),
        sa.Column("open_actions", INT, nullable=False),
        sa.Column("overdue_actions", INT, nullable=False),
        sa.Column("closed_in_day", INT, nullable=False),
        sa.Column("taken_at", sa.Text, nullable=False),
        sa.PrimaryKeyConstraint("day", "department_id"),
    )


def downgrade() -> None:
    op.drop_table("review_snapshots")
