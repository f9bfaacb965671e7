"""The inbox, outbox leases, and forgetting people never invited (was 0003_inbox_and_claims.sql).

The inbox: every update fetched from Telegram is written here before the offset that
confirms it is sent. It is claimed (state 'done') in the same transaction as its effect,
so a crash at any moment leaves it either applied or pending, never lost or doubled.
raw_json is emptied once handled: only the id is needed to drop a redelivery.

The outbox claims a row before sending it: state 'sending' with a lease, the attempt
counted; a row found 'sending' after its lease ran out is in doubt and is sent again
(in_doubt counts those resends).
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

INT = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
OUTBOX_STATES = "state IN ('pending', 'sending', 'sent', 'failed', 'blocked')"


def upgrade() -> None:
    op.create_table(
        "inbox",
        sa.Column("update_id", INT, primary_key=True, autoincrement=False),
        sa.Column("chat_key", sa.Text, nullable=False),
        sa.Column("raw_json", sa.Text, nullable=False),
        sa.Column("received_at", sa.Text, nullable=False),
        sa.Column("state", sa.Text, nullable=False, server_default=sa.text("'pending'")),
        sa.Column("attempts", INT, nullable=False, server_default=sa.text("0")),
        sa.Column("last_error", sa.Text),
        sa.Column("handled_at", sa.Text),
        sa.CheckConstraint("state IN ('pending', 'done', 'poison')"),
    )
    op.create_index("inbox_pending", "inbox", ["state", "update_id"])

    # Ids handled before the inbox existed still drop their redeliveries.
    op.execute(
        "INSERT INTO inbox(update_id, chat_key, raw_json, received_at, state, handled_at)"
        " SELECT update_id, '', '', handled_at, 'done', handled_at FROM processed_updates"
    )
    op.drop_table("processed_updates")

    if op.get_bind().dialect.name == "sqlite":
        _rebuild_sqlite_outbox()
    else:
        op.add_column("outbox", sa.Column("lease_until", sa.Text))
        op.add_column("outbox", sa.Column("claimed_by", sa.Text))
        op.add_column("outbox", sa.Column("in_doubt", INT, nullable=False, server_default=sa.text("0")))
        op.drop_constraint("outbox_state_check", "outbox", type_="check")
        op.create_check_constraint("outbox_state_check", "outbox", OUTBOX_STATES)

    # People who wrote to the bot but were never invited are no longer kept: forget the ones
    # stored before (nothing of theirs is referenced anywhere).
    op.execute(
        "DELETE FROM people WHERE"
        " NOT EXISTS (SELECT 1 FROM person_roles r WHERE r.person_id = people.id)"
        " AND NOT EXISTS (SELECT 1 FROM invites i WHERE i.created_by = people.id OR i.used_by = people.id)"
        " AND NOT EXISTS (SELECT 1 FROM audits a WHERE a.created_by = people.id)"
        " AND NOT EXISTS (SELECT 1 FROM audit_team t WHERE t.person_id = people.id)"
        " AND NOT EXISTS (SELECT 1 FROM answers a WHERE a.answered_by = people.id)"
        " AND NOT EXISTS (SELECT 1 FROM notes n WHERE n.person_id = people.id)"
        " AND NOT EXISTS (SELECT 1 FROM evidence e WHERE e.person_id = people.id)"
        " AND NOT EXISTS (SELECT 1 FROM capa c WHERE c.auditor_id = people.id)"
        " AND NOT EXISTS (SELECT 1 FROM audit_trail l WHERE l.person_id = people.id)"
        " AND NOT EXISTS (SELECT 1 FROM dialog_state d WHERE d.person_id = people.id)"
    )


def _rebuild_sqlite_outbox() -> None:
    """SQLite cannot change a CHECK in place: a new table, the rows copied, renamed."""
    op.create_table(
        "outbox_new",
        sa.Column("id", INT, primary_key=True),
        sa.Column("dedupe_key", sa.Text, nullable=False, unique=True),
        sa.Column("chat_id", INT, nullable=False),
        sa.Column("kind", sa.Text, nullable=False),
        sa.Column("payload_json", sa.Text, nullable=False),
        sa.Column("not_before", sa.Text, nullable=False),
        sa.Column("state", sa.Text, nullable=False, server_default=sa.text("'pending'")),
        sa.Column("attempts", INT, nullable=False, server_default=sa.text("0")),
        sa.Column("last_error", sa.Text),
        sa.Column("created_at", sa.Text, nullable=False),
        sa.Column("sent_at", sa.Text),
        sa.Column("lease_until", sa.Text),
        sa.Column("claimed_by", sa.Text),
        sa.Column("in_doubt", INT, nullable=False, server_default=sa.text("0")),
        sa.CheckConstraint(OUTBOX_STATES),
    )
    op.execute(
        "INSERT INTO outbox_new(id, dedupe_key, chat_id, kind, payload_json, not_before, state, attempts,"
        " last_error, created_at, sent_at)"
        " SELECT id, dedupe_key, chat_id, kind, payload_json, not_before, state, attempts, last_error,"
        " created_at, sent_at FROM outbox"
    )
    op.drop_table("outbox")
    op.rename_table("outbox_new", "outbox")
    op.create_index("outbox_pending", "outbox", ["state", "not_before"])
