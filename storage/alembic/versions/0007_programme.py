"""The audit programme (ISO 9001 9.2.2): planned audits per department with a window, a
checklist, a risk, a team, and the audit that was started from it.

``window_start`` and ``window_end`` are local ISO dates (both included). ``status`` is what
the lead decided ('draft' while being added, 'active', 'cancelled'); the states a person
sees (planned, due, in progress, done, missed) are derived from the window, today and the
linked audit (bot/domain/programme_rules.py), never stored. A team member put on the team
despite a conflict of impartiality (9.2.2 c) keeps the lead's reason in ``override_reason``.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None

INT = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "programme",
        sa.Column("id", INT, sa.Identity(), primary_key=True),
        sa.Column("department_id", INT, sa.ForeignKey("departments.id"), nullable=False),
        sa.Column("checklist_id", sa.Text, nullable=False),
        sa.Column("window_start", sa.Text, nullable=False),
        sa.Column("window_end", sa.Text, nullable=False),
        sa.Column("risk", sa.Text, nullable=False, server_default=sa.text("'normal'")),
        sa.Column("status", sa.Text, nullable=False, server_default=sa.text("'draft'")),
        sa.Column("scope", sa.Text),
        sa.Column("objectives", sa.Text),
        sa.Column("reason", sa.Text),  # why it was suggested (empty when added by hand)
        sa.Column("audit_id", INT, sa.ForeignKey("audits.id"), nullable=True, unique=True),
        sa.Column("created_by", INT, sa.ForeignKey("people.id"), nullable=False),
        sa.Column("created_at", sa.Text, nullable=False),
        sa.Column("updated_at", sa.Text, nullable=False),
        sa.CheckConstraint("risk IN ('low', 'normal', 'high')"),
        sa.CheckConstraint("status IN ('draft', 'active', 'cancelled')"),
    )
    op.create_index("programme_window", "programme", ["status", "window_start"])
    op.create_index("programme_department", "programme", ["department_id"])
    op.create_table(
        "programme_team",
        sa.Column("programme_id", INT, sa.ForeignKey("programme.id"), nullable=False),
        sa.Column("person_id", INT, sa.ForeignKey("people.id"), nullable=False),
        sa.Column("override_reason", sa.Text),
        sa.Column("added_at", sa.Text, nullable=False),
        sa.PrimaryKeyConstraint("programme_id", "person_id"),
    )


def downgrade() -> None:
    op.drop_table("programme_team")
    op.drop_index("programme_department", "programme")
    op.drop_index("programme_window", "programme")
    op.drop_table("programme")
