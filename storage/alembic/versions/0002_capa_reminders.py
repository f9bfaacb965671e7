"""Columns and indexes of the notice and reminder passes (was 0002_capa_reminders.sql).

Notices and reminders are derived from the capa rows on each pass. ``reminded_stage`` is the
latest reminder stage queued for the staff ('before7', 'due', 'overdue:2' …) and
``escalated_at`` when the leads were told the action is late; the outbox's dedupe keys
still make "never twice" a constraint.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("capa", sa.Column("reminded_stage", sa.Text))
    op.add_column("capa", sa.Column("escalated_at", sa.Text))

    # Open actions nobody in the department was told of yet (a small, shrinking set).
    unnotified = sa.text("notified_at IS NULL AND state IN ('open', 'planned')")
    op.create_index("capa_unnotified", "capa", ["department_id", "audit_id"],
                    sqlite_where=unnotified, postgresql_where=unnotified)
    # Actions told before a staff member joined the department (late joiners get them too).
    op.create_index("capa_department_notified", "capa", ["department_id", "notified_at"])
    # The reminder pass reads open actions by due date, with what went out already, from the index.
    op.create_index("capa_reminders", "capa",
                    ["state", "due_date", "notified_at", "reminded_stage", "escalated_at"])
    # Staff and leads by role, for the recipients of notices.
    op.create_index("person_roles_role", "person_roles", ["role", "department_id"])
