"""The corrective-action lifecycle of certification bodies: plan review, due-date extensions,
reassignment.

The capa state ``plan_accepted`` sits between ``planned`` and ``implemented``. A returned
plan stays ``planned`` with ``returned_step`` (the step the auditor named) and
``return_reason`` set until the staff confirm it again. ``original_due_date`` is set the
first time the due date is extended (NULL: never extended; the due date is the original).
History is kept in rows: every plan review, every extension request (pending, granted,
refused) and every reassignment. Also: the department's acknowledgement of an audit's
findings at the closing meeting (audit_acknowledgements).

SQLite cannot change a CHECK in place, and rebuilding ``capa`` inside the migration's
transaction is refused while foreign keys are on (evidence rows reference it and the pragma
cannot change inside a transaction). The CHECK is only widened, which SQLite documents as
safe to do by rewriting the table's schema text (lang_altertable.html, "otheralter");
columns are added with ``batch_alter_table`` as usual.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

INT = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
OLD_STATES = "state IN ('open', 'planned', 'implemented', 'closed')"
NEW_STATES = "state IN ('open', 'planned', 'plan_accepted', 'implemented', 'closed')"
UNNOTIFIED = "notified_at IS NULL AND state IN ('open', 'planned', 'plan_accepted')"


def _widen_states_check() -> None:
    bind = op.get_bind()
    if bind.dialect.name == "sqlite":
        version = bind.exec_driver_sql("PRAGMA schema_version").scalar_one()
        bind.exec_driver_sql("PRAGMA writable_schema=ON")
        bind.execute(
            sa.text("UPDATE sqlite_master SET sql = replace(sql, :old, :new) WHERE type = 'table' AND name = 'capa'"),
            {"old": OLD_STATES, "new": NEW_STATES},
        )
        bind.exec_driver_sql(f"PRAGMA schema_version={int(version) + 1}")
        bind.exec_driver_sql("PRAGMA writable_schema=OFF")
    else:
        op.drop_constraint("capa_state_check", "capa", type_="check")
        op.create_check_constraint("capa_state_check", "capa", NEW_STATES)


def upgrade() -> None:
    _widen_states_check()
    with op.batch_alter_table("capa") as batch:
        batch.add_column(sa.Column("plan_accepted_at", sa.Text))
        batch.add_column(sa.Column("returned_step", sa.Text))
        batch.add_column(sa.Column("return_reason", sa.Text))
        batch.add_column(sa.Column("original_due_date", sa.Text))
    # The notice passes read actions the staff work on, now including accepted plans.
    op.drop_index("capa_unnotified", "capa")
    unnotified = sa.text(UNNOTIFIED)
    op.create_index("capa_unnotified", "capa", ["department_id", "audit_id"],
                    sqlite_where=unnotified, postgresql_where=unnotified)

    op.create_table(
        "capa_plan_reviews",
        sa.Column("id", INT, primary_key=True),
        sa.Column("capa_id", INT, sa.ForeignKey("capa.id"), nullable=False),
        sa.Column("reviewer_id", INT, sa.ForeignKey("people.id"), nullable=False),
        sa.Column("verdict", sa.Text, nullable=False),
        sa.Column("step", sa.Text),
        sa.Column("reason", sa.Text),
        sa.Column("plan_json", sa.Text, nullable=False),
        sa.Column("created_at", sa.Text, nullable=False),
        sa.CheckConstraint("verdict IN ('accepted', 'returned')"),
    )
    op.create_index("capa_plan_reviews_capa", "capa_plan_reviews", ["capa_id", "id"])

    op.create_table(
        "capa_extensions",
        sa.Column("id", INT, primary_key=True),
        sa.Column("capa_id", INT, sa.ForeignKey("capa.id"), nullable=False),
        sa.Column("requested_by", INT, sa.ForeignKey("people.id"), nullable=False),
        sa.Column("requested_date", sa.Text, nullable=False),
        sa.Column("reason", sa.Text, nullable=False),
        sa.Column("due_date_before", sa.Text, nullable=False),
        sa.Column("state", sa.Text, nullable=False, server_default=sa.text("'pending'")),
        sa.Column("decided_by", INT, sa.ForeignKey("people.id")),
        sa.Column("decided_at", sa.Text),
        sa.Column("created_at", sa.Text, nullable=False),
        sa.CheckConstraint("state IN ('pending', 'granted', 'refused')"),
    )
    op.create_index("capa_extensions_capa", "capa_extensions", ["capa_id", "state"])

    op.create_table(
        "capa_reassignments",
        sa.Column("id", INT, primary_key=True),
        sa.Column("capa_id", INT, sa.ForeignKey("capa.id"), nullable=False),
        sa.Column("person_id", INT, sa.ForeignKey("people.id"), nullable=False),
        sa.Column("from_department_id", INT, sa.ForeignKey("departments.id")),
        sa.Column("to_department_id", INT, sa.ForeignKey("departments.id")),
        sa.Column("from_auditor_id", INT, sa.ForeignKey("people.id")),
        sa.Column("to_auditor_id", INT, sa.ForeignKey("people.id")),
        sa.Column("created_at", sa.Text, nullable=False),
    )
    op.create_index("capa_reassignments_capa", "capa_reassignments", ["capa_id"])

    # The closing meeting: who of the audited department acknowledged the findings, and when.
    op.create_table(
        "audit_acknowledgements",
        sa.Column("audit_id", INT, sa.ForeignKey("audits.id"), primary_key=True, autoincrement=False),
        sa.Column("person_id", INT, sa.ForeignKey("people.id"), primary_key=True, autoincrement=False),
        sa.Column("acknowledged_at", sa.Text, nullable=False),
    )
