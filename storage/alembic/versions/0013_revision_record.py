"""A revision of a completed audit is a record (issue 23, points 1 and 2).

``audit_revisions.snapshot_json``: what the audit was when the revision was opened (its
answers, notes, files, closing card, team and findings), so "withdraw the revision" can put
it back exactly, and the revision's notice can say what changed since the previous one.
A withdrawn revision's row is removed (the trail keeps its reopening and its withdrawal).

``audit_acknowledgements.rev``: each revision asks the department for its own
acknowledgement (existing rows are revision 1's); the key becomes (audit, person, rev).
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None

INT = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def _acknowledgements(name: str, *, with_rev: bool) -> None:
    columns = [
        sa.Column("audit_id", INT, sa.ForeignKey("audits.id"), primary_key=True, autoincrement=False),
        sa.Column("person_id", INT, sa.ForeignKey("people.id"), primary_key=True, autoincrement=False),
    ]
    if with_rev:
        columns.append(sa.Column("rev", INT, primary_key=True, autoincrement=False, server_default=sa.text("1")))
    op.create_table(name, *columns, sa.Column("acknowledged_at", sa.Text, nullable=False))


def upgrade() -> None:
    with op.batch_alter_table("audit_revisions") as batch:
        batch.add_column(sa.Column("snapshot_json", sa.Text, nullable=True))
    # a new primary key: the same table made again, the rows copied (both databases alike)
    _acknowledgements("audit_acknowledgements_new", with_rev=True)
    op.execute("INSERT INTO audit_acknowledgements_new(audit_id, person_id, rev, acknowledged_at)"
               " SELECT audit_id, person_id, 1, acknowledged_at FROM audit_acknowledgements")
    op.drop_table("audit_acknowledgements")
    op.rename_table("audit_acknowledgements_new", "audit_acknowledgements")


def downgrade() -> None:
    _acknowledgements("audit_acknowledgements_old", with_rev=False)
    op.execute("INSERT INTO audit_acknowledgements_old(audit_id, person_id, acknowledged_at)"
               " SELECT audit_id, person_id, MIN(acknowledged_at) FROM audit_acknowledgements"
               " GROUP BY audit_id, person_id")
    op.drop_table("audit_acknowledgements")
    op.rename_table("audit_acknowledgements_old", "audit_acknowledgements")
    with op.batch_alter_table("audit_revisions") as batch:
        batch.drop_column("snapshot_json")
