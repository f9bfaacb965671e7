"""The auditor's year (issue 11): notes and evidence files can be corrected while an audit is
open. A deleted note or file keeps its row (deleted_at, deleted_by) and the old text stays in
the audit trail; an edited note notes when (edited_at). Every reading of the current notes and
files skips deleted rows.

A lead may reopen a completed audit with a reason: each reopening is a revision
(audit_revisions: rev 2, 3, …, when and by whom reopened and why, when completed again).
A finding withdrawn in a revision keeps its row and number (withdrawn_at, withdrawn_reason);
its corrective action is cancelled (capa.cancelled_at, cancel_reason; its state is set to
'closed' so no list, reminder or notice treats it as open work, and the counts of closed
actions leave cancelled ones out).

Self-contained: revision 0005 on 0003 (0004 and 0006 are added in parallel; the merge
re-chains them).
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
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
    with op.batch_alter_table("findings") as batch:
        batch.add_column(sa.Column("withdrawn_at", sa.Text, nullable=True))
        batch.add_column(sa.Column("withdrawn_reason", sa.Text, nullable=True))
    with op.batch_alter_table("capa") as batch:
        batch.add_column(sa.Column("cancelled_at", sa.Text, nullable=True))
        batch.add_column(sa.Column("cancel_reason", sa.Text, nullable=True))
    op.create_table(
        "audit_revisions",
        sa.Column("id", INT, sa.Identity(), primary_key=True),
        sa.Column("audit_id", INT, sa.ForeignKey("audits.id"), nullable=False),
        sa.Column("rev", INT, nullable=False),
        sa.Column("reopened_at", sa.Text, nullable=False),
        sa.Column("reopened_by", INT, sa.ForeignKey("people.id"), nullable=False),
        sa.Column("reason", sa.Text, nullable=False),
        sa.Column("completed_at", sa.Text, nullable=True),
        sa.Column("completed_by", INT, sa.ForeignKey("people.id"), nullable=True),
        sa.UniqueConstraint("audit_id", "rev"),
    )


def downgrade() -> None:
    op.drop_table("audit_revisions")
    with op.batch_alter_table("capa") as batch:
        batch.drop_column("cancel_reason")
        batch.drop_column("cancelled_at")
    with op.batch_alter_table("findings") as batch:
        batch.drop_column("withdrawn_reason")
        batch.drop_column("withdrawn_at")
    with op.batch_alter_table("evidence") as batch:
        batch.drop_column("deleted_by")
        batch.drop_column("deleted_at")
    with op.batch_alter_table("notes") as batch:
        batch.drop_column("deleted_by")
        batch.drop_column("deleted_at")
        batch.drop_column("edited_at")
