"""The initial schema (was storage/migrations/0001_initial.sql).

Times are UTC ISO-8601 text; dates (due dates) are local ISO dates. Integers are BIGINT on
PostgreSQL (Telegram ids outgrow 32 bits) and INTEGER on SQLite (so ``id`` stays the rowid).
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

INT = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
NOCASE = sa.Text().with_variant(sa.Text(collation="NOCASE"), "sqlite")
ROLES = "('lead', 'auditor', 'staff')"
LANGS = "('zh', 'en')"


def _id() -> sa.Column:
    return sa.Column("id", INT, sa.Identity(), primary_key=True)


def _ref(name: str, target: str, *, nullable: bool = False) -> sa.Column:
    return sa.Column(name, INT, sa.ForeignKey(target), nullable=nullable)


def _text(name: str, *, nullable: bool = True, default: str | None = None) -> sa.Column:
    server_default = None if default is None else sa.text(default)
    return sa.Column(name, sa.Text, nullable=nullable, server_default=server_default)


def _flag(name: str, default: int) -> sa.Column:
    return sa.Column(name, INT, nullable=False, server_default=sa.text(str(default)))


def upgrade() -> None:
    op.create_table(
        "departments",
        _id(),
        sa.Column("name", NOCASE, nullable=False),
        _flag("active", 1),
        _text("created_at", nullable=False),
    )
    if op.get_bind().dialect.name == "sqlite":
        op.create_index("departments_name", "departments", ["name"], unique=True)
    else:
        op.create_index("departments_name", "departments", [sa.text("lower(name)")], unique=True)

    op.create_table(
        "people",
        sa.Column("id", INT, primary_key=True, autoincrement=False),
        _text("name", nullable=False),
        _text("username"),
        _text("lang", nullable=False, default="'en'"),
        _flag("lang_chosen", 0),
        _flag("active", 1),
        _flag("blocked_bot", 0),
        _text("created_at", nullable=False),
        _text("updated_at", nullable=False),
        sa.CheckConstraint(f"lang IN {LANGS}"),
    )

    op.create_table(
        "person_roles",
        _ref("person_id", "people.id"),
        _text("role", nullable=False),
        sa.Column("department_id", INT, nullable=False, server_default=sa.text("0")),
        _text("created_at", nullable=False),
        sa.PrimaryKeyConstraint("person_id", "role", "department_id"),
        sa.CheckConstraint(f"role IN {ROLES}"),
    )
    op.create_index("person_roles_department", "person_roles", ["department_id", "role"])

    op.create_table(
        "invites",
        sa.Column("code", sa.Text, primary_key=True),
        _text("role", nullable=False),
        _ref("department_id", "departments.id", nullable=True),
        _ref("created_by", "people.id"),
        _text("created_at", nullable=False),
        _text("expires_at", nullable=False),
        _ref("used_by", "people.id", nullable=True),
        _text("used_at"),
        sa.CheckConstraint(f"role IN {ROLES}"),
    )

    op.create_table(
        "audits",
        _id(),
        sa.Column("number", sa.Text, nullable=False, unique=True),
        _text("checklist_id", nullable=False),
        sa.Column("checklist_version", INT, nullable=False),
        _text("checklist_json", nullable=False),
        _ref("department_id", "departments.id"),
        _text("lang", nullable=False),
        _text("status", nullable=False, default="'planning'"),
        _text("plan_json", nullable=False, default="'{}'"),
        _text("opening_json", nullable=False, default="'{}'"),
        _text("closing_json", nullable=False, default="'{}'"),
        _ref("created_by", "people.id"),
        _text("created_at", nullable=False),
        _text("updated_at", nullable=False),
        _text("completed_at"),
        sa.CheckConstraint(f"lang IN {LANGS}"),
        sa.CheckConstraint(
            "status IN ('planning', 'opening', 'in_progress', 'closing', 'completed', 'cancelled')"
        ),
    )
    op.create_index("audits_status", "audits", ["status"])
    op.create_index("audits_department", "audits", ["department_id"])

    op.create_table(
        "audit_team",
        _ref("audit_id", "audits.id"),
        _ref("person_id", "people.id"),
        _text("team_role", nullable=False, default="'auditor'"),
        sa.Column("position", INT, nullable=False, server_default=sa.text("0")),
        _text("joined_at", nullable=False),
        sa.PrimaryKeyConstraint("audit_id", "person_id"),
        sa.CheckConstraint("team_role IN ('leader', 'auditor')"),
    )
    op.create_index("audit_team_person", "audit_team", ["person_id"])

    op.create_table(
        "answers",
        _ref("audit_id", "audits.id"),
        _text("question_id", nullable=False),
        _text("result", nullable=False),
        _ref("answered_by", "people.id"),
        _text("answered_at", nullable=False),
        sa.PrimaryKeyConstraint("audit_id", "question_id"),
        sa.CheckConstraint(
            "result IN ('conform', 'minor', 'major', 'observation', 'ofi', 'good', 'na', 'skipped')"
        ),
    )

    op.create_table(
        "notes",
        _id(),
        _ref("audit_id", "audits.id"),
        _text("question_id", nullable=False),
        _ref("person_id", "people.id"),
        _text("text", nullable=False),
        _text("created_at", nullable=False),
    )
    op.create_index("notes_question", "notes", ["audit_id", "question_id"])

    op.create_table(
        "findings",
        _id(),
        _ref("audit_id", "audits.id"),
        _text("question_id", nullable=False),
        _text("kind", nullable=False),
        _text("number", nullable=False),
        _text("statement", nullable=False, default="''"),
        _text("created_at", nullable=False),
        sa.UniqueConstraint("audit_id", "number"),
        sa.UniqueConstraint("audit_id", "question_id"),
        sa.CheckConstraint("kind IN ('major', 'minor', 'observation', 'ofi', 'good')"),
    )

    op.create_table(
        "capa",
        _id(),
        sa.Column("finding_id", INT, sa.ForeignKey("findings.id"), nullable=False, unique=True),
        _ref("audit_id", "audits.id"),
        _ref("department_id", "departments.id"),
        _ref("auditor_id", "people.id"),
        _text("state", nullable=False, default="'open'"),
        _text("due_date", nullable=False),
        _text("correction"),
        _text("root_cause_json", nullable=False, default="'[]'"),
        *(_text(name) for name in (
            "elsewhere", "action_plan", "target_date", "implementation", "effectiveness",
            "rejection_reason", "notified_at",
        )),
        _text("created_at", nullable=False),
        _text("updated_at", nullable=False),
        *(_text(name) for name in ("planned_at", "implemented_at", "closed_at")),
        sa.CheckConstraint("state IN ('open', 'planned', 'implemented', 'closed')"),
    )
    op.create_index("capa_state_due", "capa", ["state", "due_date"])
    op.create_index("capa_department", "capa", ["department_id", "state"])

    # Evidence files (photo, document, voice) of a question or of a corrective action.
    op.create_table(
        "evidence",
        _id(),
        _ref("audit_id", "audits.id", nullable=True),
        _text("question_id"),
        _ref("capa_id", "capa.id", nullable=True),
        _text("kind", nullable=False),
        _text("sha256", nullable=False),
        _text("thumb_sha256"),
        _text("file_name"),
        _text("mime_type"),
        sa.Column("size", INT, nullable=False),
        _text("caption"),
        _text("telegram_file_id"),
        _ref("person_id", "people.id"),
        _text("created_at", nullable=False),
        sa.CheckConstraint("kind IN ('photo', 'document', 'voice')"),
    )
    op.create_index("evidence_question", "evidence", ["audit_id", "question_id"])
    op.create_index("evidence_capa", "evidence", ["capa_id"])

    op.create_table(
        "outbox",
        _id(),
        sa.Column("dedupe_key", sa.Text, nullable=False, unique=True),
        sa.Column("chat_id", INT, nullable=False),
        _text("kind", nullable=False),
        _text("payload_json", nullable=False),
        _text("not_before", nullable=False),
        _text("state", nullable=False, default="'pending'"),
        sa.Column("attempts", INT, nullable=False, server_default=sa.text("0")),
        _text("last_error"),
        _text("created_at", nullable=False),
        _text("sent_at"),
        sa.CheckConstraint("state IN ('pending', 'sent', 'failed', 'blocked')"),
    )
    op.create_index("outbox_pending", "outbox", ["state", "not_before"])

    op.create_table(
        "dialog_state",
        sa.Column("person_id", INT, sa.ForeignKey("people.id"), primary_key=True, autoincrement=False),
        _text("flow", nullable=False),
        sa.Column("audit_id", INT),
        _text("question_id"),
        sa.Column("capa_id", INT),
        _text("awaiting"),
        _text("data_json", nullable=False, default="'{}'"),
        sa.Column("message_id", INT),
        _text("updated_at", nullable=False),
    )

    op.create_table(
        "processed_updates",
        sa.Column("update_id", INT, primary_key=True, autoincrement=False),
        _text("handled_at", nullable=False),
    )

    op.create_table(
        "audit_trail",
        _id(),
        _text("at", nullable=False),
        sa.Column("person_id", INT),
        _text("entity", nullable=False),
        _text("entity_id", nullable=False),
        _text("action", nullable=False),
        _text("before_json"),
        _text("after_json"),
    )
    op.create_index("audit_trail_entity", "audit_trail", ["entity", "entity_id"])
    _append_only("audit_trail")


def _append_only(table: str) -> None:
    """Triggers refusing UPDATE and DELETE on ``table``."""
    if op.get_bind().dialect.name == "sqlite":
        for verb in ("update", "delete"):
            op.execute(
                f"CREATE TRIGGER {table}_no_{verb} BEFORE {verb.upper()} ON {table}"
                f" BEGIN SELECT RAISE(ABORT, '{table} is append-only'); END"
            )
        return
    op.execute(
        f"CREATE FUNCTION {table}_append_only() RETURNS trigger LANGUAGE plpgsql AS $$"
        f" BEGIN RAISE EXCEPTION '{table} is append-only' USING ERRCODE = 'integrity_constraint_violation';"
        " END $$"
    )
    for verb in ("update", "delete"):
        op.execute(
            f"CREATE TRIGGER {table}_no_{verb} BEFORE {verb.upper()} ON {table}"
            f" FOR EACH ROW EXECUTE FUNCTION {table}_append_only()"
        )
