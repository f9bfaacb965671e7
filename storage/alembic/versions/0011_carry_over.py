"""The second year: a corrective action verified for effectiveness at the next audit of its
department (ISO 9001 10.2.1 d, 9.2.2 a).

One row per (old action, audit that checked it): ``verdict`` 'effective' or 'not_effective'
(then ``reason`` says why, and the action went back to its verification), who recorded it,
when, and on which question of the new audit. An action is checked once per audit.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None

INT = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "capa_effectiveness",
        sa.Column("capa_id", INT, sa.ForeignKey("capa.id"), primary_key=True, autoincrement=False),
        sa.Column("audit_id", INT, sa.ForeignKey("audits.id"), primary_key=True, autoincrement=False),
        sa.Column("question_id", sa.Text, nullable=False),
        sa.Column("verdict", sa.Text, nullable=False),
        sa.Column("reason", sa.Text),
        sa.Column("person_id", INT, sa.ForeignKey("people.id"), nullable=False),
        sa.Column("created_at", sa.Text, nullable=False),
        sa.CheckConstraint("verdict IN ('effective', 'not_effective')"),
        sa.CheckConstraint("verdict = 'effective' OR reason IS NOT NULL"),
    )
    op.create_index("capa_effectiveness_audit", "capa_effectiveness", ["audit_id"])


def downgrade() -> None:
    op.drop_index("capa_effectiveness_audit", "capa_effectiveness")
    op.drop_table("capa_effectiveness")
