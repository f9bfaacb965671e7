"""Chat leases: which replica handles a chat's updates now (PostgreSQL, several replicas).

A replica takes a chat's lease in a short transaction before it handles the chat's pending
updates, renews it while it works on the chat, and deletes it when its queue for the chat
is empty; a lease whose ``expires_at`` has passed (its replica died or stalled) is taken
over by the next replica that asks. No connection is held while a chat is another's: the
replica asks again shortly. ``expires_at`` is the database server's clock (``timestamptz``)
so that the replicas' clocks do not matter; this is a lock, not a record, so it is not
stored as the ISO text the other tables use. SQLite (one process) keeps the table empty: a
chat's order there is kept in the process (bot/telegram/delivery/inbox.py).
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "chat_leases",
        sa.Column("chat_key", sa.Text, primary_key=True),
        sa.Column("owner", sa.Text, nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("chat_leases_owner", "chat_leases", ["owner"])


def downgrade() -> None:
    op.drop_index("chat_leases_owner", "chat_leases")
    op.drop_table("chat_leases")
