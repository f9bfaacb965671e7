"""The auditor's year (issue 11): notes and evidence files can be corrected while an audit is
open. A deleted note or file keeps its row (deleted_at, deleted_by) and the old text stays in
the audit trail; an edited note notes when (edited_at). Every reading of the current notes and
files skips deleted rows.

Self-contained: revision 0005 on 0003 (0004 and 0006 are added in parallel; the merge
re-chains them).
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0003"
branch_labels = None
depends_on = None

INT = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    with op.batch_alter_table("notes") as batch:
        batch.add_column(sa.Column("edited_at", sa.Text, nullable=True))
        batch.add_column(sa.Column("deleted_at", sa.Text, nullable=True))
        batch.add_column(sa.Column("deleted_by", INT, nullable=True))
    with op.batch_alter_table("evidence") as batch:
        batch.add_column(sa.Column("deleted_at", sa.Text, nullable=True))
        batch.add_column(sa.Column("deleted_by", INT, nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("evidence") as batch:
        batch.drop_column("deleted_by")
        batch.drop_column("deleted_at")
    with op.batch_alter_table("notes") as batch:
        batch.drop_column("deleted_by")
        batch.drop_column("deleted_at")
        batch.drop_column("edited_at")
