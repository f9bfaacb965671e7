"""The agency's profile: its name in each language, logo, report number prefix,
confidentiality line and footer text, printed on every document (one row, id 1).

The logo is an evidence-store file (named by its SHA-256), already scaled down.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


INT = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "agency_profile",
        sa.Column("id", INT, primary_key=True, autoincrement=False),
        sa.Column("name_zh", sa.Text),
        sa.Column("name_en", sa.Text),
        sa.Column("logo_sha256", sa.Text),
        sa.Column("number_prefix", sa.Text),
        sa.Column("confidentiality", sa.Text),
        sa.Column("footer", sa.Text),
        sa.Column("updated_at", sa.Text, nullable=False),
        sa.Column("updated_by", INT),  # who set it last (the audit trail has each change)
    )


def downgrade() -> None:
    op.drop_table("agency_profile")
