"""card loads: every counter move of a card the journals report; journal rows by txn

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-01 09:00:00

"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision: str = '0004'
down_revision: str | Sequence[str] | None = '0003'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Upgrade schema."""
    op.create_table('card_loads',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('serial', sa.String(length=32), nullable=False),
    sa.Column('counter_before', sa.BigInteger(), nullable=False),
    sa.Column('counter_after', sa.BigInteger(), nullable=False),
    sa.Column('kiosk_id', sa.String(length=64), nullable=False),
    sa.Column('txn_id', sa.String(length=64), nullable=False),
    sa.Column('seq', sa.BigInteger(), nullable=False),
    sa.Column('credit_id', sa.String(length=64), nullable=True),
    sa.Column('received_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('serial', 'kiosk_id', 'txn_id', name='uq_card_load_txn')
    )
    op.create_index('ix_card_loads_serial_before', 'card_loads', ['serial', 'counter_before'], unique=False)
    op.create_index('ix_journal_kiosk_txn', 'journal_rows', ['kiosk_id', 'txn_id'], unique=False)


def downgrade() -> None:
    """Downgrade schema."""
    op.drop_index('ix_journal_kiosk_txn', table_name='journal_rows')
    op.drop_index('ix_card_loads_serial_before', table_name='card_loads')
    op.drop_table('card_loads')
