"""quote discount reason

Revision ID: fcaed8295438
Revises: 3c1d7e9a4b52
Create Date: 2026-11-24 08:42:46.641398
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "fcaed8295438"
down_revision: str | None = "3c1d7e9a4b52"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("quote_versions", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column(
                "quote_discount_reason",
                sqlmodel.sql.sqltypes.AutoString(length=500),
                nullable=True,
            )
        )


def downgrade() -> None:
    with op.batch_alter_table("quote_versions", schema=None) as batch_op:
        batch_op.drop_column("quote_discount_reason")
