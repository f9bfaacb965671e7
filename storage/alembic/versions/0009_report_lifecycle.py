"""The report's lifecycle (issue 20): draft → submitted → changes requested | approved → issued,
per revision of an audit; its sign-off steps, distribution list, receipts, the department's
comments on the draft, and the people a lead made report approvers.

``report_states`` holds one row per (audit, revision) once anything happened to that
revision's report (no row: a draft). ``report_steps`` is the sign-off table (who, in which
role, when, what, with which note), append-only. ``report_recipients`` holds a lead's or
leader's changes to the default distribution list (``included`` 1: added, 0: removed);
``report_receipts`` one row per recipient of an issued revision (``skipped``: why the report
was not sent, e.g. the person was deactivated). ``report_comments``: the department's
contacts' answers to the draft they were sent (``verdict`` NULL: not answered yet).
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None

INT = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
STATES = "('draft', 'submitted', 'changes_requested', 'approved', 'issued')"


def upgrade() -> None:
    op.create_table(
        "report_states",
        sa.Column("audit_id", INT, sa.ForeignKey("audits.id"), nullable=False),
        sa.Column("rev", sa.Integer, nullable=False),
        sa.Column("state", sa.Text, nullable=False),
        sa.Column("number", sa.Text),  # given at issue
        sa.Column("issued_at", sa.Text),
        sa.Column("issued_by", INT, sa.ForeignKey("people.id")),
        sa.Column("issued_sha256", sa.Text),  # the issued .docx in the file store, once built
        sa.Column("draft_sha256", sa.Text),  # the draft sent to the department for comment
        sa.Column("review_due", sa.Text),  # local ISO date the department's comments are due
        sa.Column("delay_asked_at", sa.Text),  # the leader was asked why the issue is late
        sa.Column("delay_reason", sa.Text),
        sa.Column("updated_at", sa.Text, nullable=False),
        sa.PrimaryKeyConstraint("audit_id", "rev"),
        sa.CheckConstraint(f"state IN {STATES}"),
    )
    op.create_table(
        "report_steps",
        sa.Column("id", INT, sa.Identity(), primary_key=True),
        sa.Column("audit_id", INT, sa.ForeignKey("audits.id"), nullable=False),
        sa.Column("rev", sa.Integer, nullable=False),
        sa.Column("step", sa.Text, nullable=False),
        sa.Column("person_id", INT, sa.ForeignKey("people.id")),
        sa.Column("role", sa.Text, nullable=False),
        sa.Column("note", sa.Text),
        sa.Column("at", sa.Text, nullable=False),
    )
    op.create_index("report_steps_audit", "report_steps", ["audit_id", "rev"])
    op.create_table(
        "report_recipients",
        sa.Column("audit_id", INT, sa.ForeignKey("audits.id"), nullable=False),
        sa.Column("person_id", INT, sa.ForeignKey("people.id"), nullable=False),
        sa.Column("included", sa.Integer, nullable=False),
        sa.Column("changed_by", INT, sa.ForeignKey("people.id")),
        sa.Column("changed_at", sa.Text, nullable=False),
        sa.PrimaryKeyConstraint("audit_id", "person_id"),
    )
    op.create_table(
        "report_receipts",
        sa.Column("audit_id", INT, sa.ForeignKey("audits.id"), nullable=False),
        sa.Column("rev", sa.Integer, nullable=False),
        sa.Column("person_id", INT, sa.ForeignKey("people.id"), nullable=False),
        sa.Column("sent_at", sa.Text, nullable=False),
        sa.Column("received_at", sa.Text),
        sa.Column("skipped", sa.Text),
        sa.PrimaryKeyConstraint("audit_id", "rev", "person_id"),
    )
    op.create_table(
        "report_comments",
        sa.Column("audit_id", INT, sa.ForeignKey("audits.id"), nullable=False),
        sa.Column("rev", sa.Integer, nullable=False),
        sa.Column("person_id", INT, sa.ForeignKey("people.id"), nullable=False),
        sa.Column("sent_at", sa.Text, nullable=False),
        sa.Column("verdict", sa.Text),  # agree | disagree
        sa.Column("reason", sa.Text),
        sa.Column("answered_at", sa.Text),
        sa.PrimaryKeyConstraint("audit_id", "rev", "person_id"),
        sa.CheckConstraint("verdict IS NULL OR verdict IN ('agree', 'disagree')"),
    )
    op.create_table(
        "report_approvers",
        sa.Column("person_id", INT, sa.ForeignKey("people.id"), primary_key=True),
        sa.Column("assigned_by", INT, sa.ForeignKey("people.id")),
        sa.Column("assigned_at", sa.Text, nullable=False),
    )


def downgrade() -> None:
    op.drop_table("report_approvers")
    op.drop_table("report_comments")
    op.drop_table("report_receipts")
    op.drop_table("report_recipients")
    op.drop_index("report_steps_audit", "report_steps")
    op.drop_table("report_steps")
    op.drop_table("report_states")
