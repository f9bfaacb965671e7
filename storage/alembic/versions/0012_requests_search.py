"""/find's index, and the records a department is asked to provide before an audit.

``search_docs`` holds one row per searchable thing (an audit: its number and department; a
finding: its number and statement; a note; a corrective action: its finding's statement and
every text the department wrote), with the audit, department, action and clause it belongs
to. Triggers on the source tables keep it current in the writer's own transaction, so no
code path that writes a finding, a note or an action has to remember it. The words are
matched as substrings (Chinese has no spaces): SQLite through an FTS5 table with the trigram
tokenizer (SQLite ≥ 3.34) over ``search_docs.body``; PostgreSQL through a pg_trgm GIN index
on it (ILIKE). ``search_queries``: each person's last search, which the page buttons name.

``document_requests`` / ``document_request_items``: what the auditor asked the department to
provide (a question of the checklist or a typed item), by when, and what came back (files
become evidence marked ``source = 'department'`` with the date the document bears, a note
says why there is none).
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None

INT = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
DOC_COLUMNS = "kind, ref_id, audit_id, department_id, capa_id, question_id, clause, body"


def _clause(dialect: str, audit: str, question: str) -> str:
    """The clause of question ``question`` in audit ``audit``'s checklist snapshot."""
    if dialect == "sqlite":
        return ("(SELECT json_extract(q.value, '$.clause') FROM audits ca, json_each(ca.checklist_json, '$.sections') s,"
                f" json_each(s.value, '$.questions') q WHERE ca.id = {audit}"
                f" AND json_extract(q.value, '$.id') = {question} LIMIT 1)")
    return ("(SELECT q->>'clause' FROM audits ca, jsonb_array_elements(ca.checklist_json::jsonb->'sections') s,"
            f" jsonb_array_elements(s->'questions') q WHERE ca.id = {audit} AND q->>'id' = {question} LIMIT 1)")


def _select(dialect: str, kind: str, where: str) -> str:
    """The search_docs rows of ``kind`` (audit, finding, note, action) whose source rows match ``where``."""
    if kind == "audit":
        return ("SELECT 'audit', a.id, a.id, a.department_id, NULL, NULL, NULL,"
                " a.number || ' ' || COALESCE(d.name, '')"
                " FROM audits a LEFT JOIN departments d ON d.id = a.department_id"
                f" WHERE a.status != 'cancelled' AND {where}")
    if kind == "finding":
        return ("SELECT 'finding', f.id, f.audit_id, a.department_id, (SELECT c.id FROM capa c WHERE c.finding_id = f.id),"
                f" f.question_id, {_clause(dialect, 'f.audit_id', 'f.question_id')},"
                " f.number || ' ' || COALESCE(f.statement, '')"
                f" FROM findings f JOIN audits a ON a.id = f.audit_id WHERE f.withdrawn_at IS NULL AND {where}")
    if kind == "note":
        return ("SELECT 'note', n.id, n.audit_id, a.department_id, NULL,"
                f" n.question_id, {_clause(dialect, 'n.audit_id', 'n.question_id')}, n.text"
                f" FROM notes n JOIN audits a ON a.id = n.audit_id WHERE n.deleted_at IS NULL AND {where}")
    texts = " || ' ' || ".join(f"COALESCE(c.{column}, '')" for column in (
        "correction", "root_cause_json", "elsewhere", "action_plan", "implementation", "effectiveness"))
    return ("SELECT 'action', c.id, c.audit_id, c.department_id, c.id,"
            f" f.question_id, {_clause(dialect, 'c.audit_id', 'f.question_id')},"
            f" f.number || ' ' || COALESCE(f.statement, '') || ' ' || {texts}"
            f" FROM capa c JOIN findings f ON f.id = c.finding_id WHERE c.cancelled_at IS NULL AND {where}")


def _refresh(dialect: str, kind: str, alias: str, row: str) -> list[str]:
    """Statements that rewrite the search_docs row of source row ``row`` (NEW or OLD)."""
    return [f"DELETE FROM search_docs WHERE kind = '{kind}' AND ref_id = {row}.id",
            f"INSERT INTO search_docs({DOC_COLUMNS}) {_select(dialect, kind, f'{alias}.id = {row}.id')}"]


def _maintenance(dialect: str) -> dict[tuple[str, str], list[str]]:
    """(table, event) → the statements of its trigger; event: insert, update (of the searched
    columns only), delete."""
    audit_rows = f"INSERT INTO search_docs({DOC_COLUMNS}) {_select(dialect, 'audit', 'a.department_id = NEW.id')}"
    return {
        ("audits", "insert"): _refresh(dialect, "audit", "a", "NEW"),
        ("audits", "update OF number, department_id, status"): [
            *_refresh(dialect, "audit", "a", "NEW"),
            "UPDATE search_docs SET department_id = NEW.department_id"
            " WHERE audit_id = NEW.id AND kind IN ('finding', 'note')"],
        ("audits", "delete"): ["DELETE FROM search_docs WHERE audit_id = OLD.id"],
        ("departments", "update OF name"): [
            "DELETE FROM search_docs WHERE kind = 'audit' AND department_id = NEW.id", audit_rows],
        ("findings", "insert"): _refresh(dialect, "finding", "f", "NEW"),
        ("findings", "update OF number, statement, withdrawn_at, question_id"): _refresh(dialect, "finding", "f", "NEW"),
        ("findings", "delete"): ["DELETE FROM search_docs WHERE kind = 'finding' AND ref_id = OLD.id"],
        ("notes", "insert"): _refresh(dialect, "note", "n", "NEW"),
        ("notes", "update OF text, deleted_at"): _refresh(dialect, "note", "n", "NEW"),
        ("notes", "delete"): ["DELETE FROM search_docs WHERE kind = 'note' AND ref_id = OLD.id"],
        ("capa", "insert"): [*_refresh(dialect, "action", "c", "NEW"),
                             "UPDATE search_docs SET capa_id = NEW.id WHERE kind = 'finding' AND ref_id = NEW.finding_id"],
        ("capa", "update OF correction, root_cause_json, elsewhere, action_plan, implementation, effectiveness,"
                 " department_id, cancelled_at"): _refresh(dialect, "action", "c", "NEW"),
        ("capa", "delete"): ["DELETE FROM search_docs WHERE kind = 'action' AND ref_id = OLD.id",
                             "UPDATE search_docs SET capa_id = NULL WHERE kind = 'finding' AND ref_id = OLD.finding_id"],
    }


def _name(table: str, event: str) -> str:
    return f"search_{table}_{event.split()[0]}"


def upgrade() -> None:
    dialect = op.get_bind().dialect.name
    op.create_table(
        "search_docs",
        sa.Column("id", INT, sa.Identity(), primary_key=True),
        sa.Column("kind", sa.Text, nullable=False),
        sa.Column("ref_id", INT, nullable=False),
        sa.Column("audit_id", INT, nullable=False),
        sa.Column("department_id", INT),
        sa.Column("capa_id", INT),
        sa.Column("question_id", sa.Text),
        sa.Column("clause", sa.Text),
        sa.Column("body", sa.Text, nullable=False),
        sa.CheckConstraint("kind IN ('audit', 'finding', 'note', 'action')"),
    )
    op.create_index("search_docs_ref", "search_docs", ["kind", "ref_id"], unique=True)
    op.create_index("search_docs_audit", "search_docs", ["audit_id"])
    op.create_index("search_docs_department", "search_docs", ["department_id", "kind"])
    if dialect == "sqlite":
        op.execute("CREATE VIRTUAL TABLE search_fts USING fts5(body, content='search_docs', content_rowid='id',"
                   " tokenize='trigram')")
        op.execute("CREATE TRIGGER search_fts_insert AFTER INSERT ON search_docs BEGIN"
                   " INSERT INTO search_fts(rowid, body) VALUES (NEW.id, NEW.body); END")
        op.execute("CREATE TRIGGER search_fts_delete AFTER DELETE ON search_docs BEGIN"
                   " INSERT INTO search_fts(search_fts, rowid, body) VALUES ('delete', OLD.id, OLD.body); END")
        op.execute("CREATE TRIGGER search_fts_update AFTER UPDATE OF body ON search_docs BEGIN"
                   " INSERT INTO search_fts(search_fts, rowid, body) VALUES ('delete', OLD.id, OLD.body);"
                   " INSERT INTO search_fts(rowid, body) VALUES (NEW.id, NEW.body); END")
        for (table, event), statements in _maintenance(dialect).items():
            body = " ".join(f"{s};" for s in statements)
            op.execute(f"CREATE TRIGGER {_name(table, event)} AFTER {event.upper()}"
                       f" ON {table} FOR EACH ROW BEGIN {body} END")
    else:
        op.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
        op.execute("CREATE INDEX search_docs_body ON search_docs USING gin (body gin_trgm_ops)")
        for (table, event), statements in _maintenance(dialect).items():
            name = _name(table, event)
            body = " ".join(f"{s};" for s in statements)
            op.execute(f"CREATE FUNCTION {name}() RETURNS trigger LANGUAGE plpgsql AS $$"
                       f" BEGIN {body} RETURN NULL; END $$")
            op.execute(f"CREATE TRIGGER {name} AFTER {event.upper()} ON {table}"
                       f" FOR EACH ROW EXECUTE FUNCTION {name}()")
    for kind in ("audit", "finding", "note", "action"):  # what is there already
        op.execute(f"INSERT INTO search_docs({DOC_COLUMNS}) {_select(dialect, kind, '1 = 1')}")

    op.create_table(
        "search_queries",
        sa.Column("person_id", INT, sa.ForeignKey("people.id", ondelete="CASCADE"), primary_key=True,
                  autoincrement=False),
        sa.Column("query", sa.Text, nullable=False),
        sa.Column("serial", INT, nullable=False),
        sa.Column("created_at", sa.Text, nullable=False),
    )

    op.create_table(
        "document_requests",
        sa.Column("id", INT, sa.Identity(), primary_key=True),
        sa.Column("audit_id", INT, sa.ForeignKey("audits.id"), nullable=False),
        sa.Column("requested_by", INT, sa.ForeignKey("people.id"), nullable=False),
        sa.Column("due_date", sa.Text, nullable=False),
        sa.Column("created_at", sa.Text, nullable=False),
    )
    op.create_index("document_requests_audit", "document_requests", ["audit_id"])
    op.create_table(
        "document_request_items",
        sa.Column("id", INT, sa.Identity(), primary_key=True),
        sa.Column("request_id", INT, sa.ForeignKey("document_requests.id"), nullable=False),
        sa.Column("position", INT, nullable=False),
        sa.Column("question_id", sa.Text),  # asked by question; else ``text`` says what
        sa.Column("text", sa.Text),
        sa.Column("state", sa.Text, nullable=False, server_default=sa.text("'asked'")),
        sa.Column("note", sa.Text),  # why there is no such record (not applicable)
        sa.Column("document_date", sa.Text),  # the date the documents bear, as the clerk gave it
        sa.Column("late", INT, nullable=False, server_default=sa.text("0")),  # answered after the audit started
        sa.Column("answered_by", INT, sa.ForeignKey("people.id", ondelete="SET NULL")),
        sa.Column("answered_at", sa.Text),
        sa.Column("return_reason", sa.Text),
        sa.CheckConstraint("state IN ('asked', 'provided', 'not_applicable', 'returned')"),
    )
    op.create_index("document_request_items_request", "document_request_items", ["request_id"])
    with op.batch_alter_table("evidence") as batch:
        batch.add_column(sa.Column("source", sa.Text))  # 'department': provided on a document request
        batch.add_column(sa.Column("document_date", sa.Text))  # the date the document bears (local ISO date)
        batch.add_column(sa.Column("request_item_id", INT))


def downgrade() -> None:
    dialect = op.get_bind().dialect.name
    with op.batch_alter_table("evidence") as batch:
        batch.drop_column("request_item_id")
        batch.drop_column("document_date")
        batch.drop_column("source")
    op.drop_table("document_request_items")
    op.drop_table("document_requests")
    op.drop_table("search_queries")
    for table, event in _maintenance(dialect):
        name = _name(table, event)
        op.execute(f"DROP TRIGGER IF EXISTS {name}" + ("" if dialect == "sqlite" else f" ON {table}"))
        if dialect != "sqlite":
            op.execute(f"DROP FUNCTION IF EXISTS {name}()")
    if dialect == "sqlite":
        op.execute("DROP TABLE IF EXISTS search_fts")
    op.drop_table("search_docs")
