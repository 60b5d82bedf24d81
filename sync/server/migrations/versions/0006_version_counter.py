"""one version counter for every download: version order = commit order

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-01 11:00:00

"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision: str = '0006'
down_revision: str | Sequence[str] | None = '0005'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

VERSIONED = ("tariffs", "account_snapshots", "notices", "pending_credits", "ticket_changes")


def upgrade() -> None:
    """Upgrade schema: the counter starts above every version already handed out."""
    op.create_table('version_counters',
    sa.Column('name', sa.String(length=32), nullable=False),
    sa.Column('value', sa.BigInteger(), nullable=False),
    sa.PrimaryKeyConstraint('name')
    )
    start = " UNION ALL ".join(f"SELECT COALESCE(MAX(version), 0) AS v FROM {t}" for t in VERSIONED)
    op.execute(f"INSERT INTO version_counters (name, value) SELECT 'downloads', MAX(v) FROM ({start}) AS m")


def downgrade() -> None:
    """Downgrade schema."""
    op.drop_table('version_counters')
