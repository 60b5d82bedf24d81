"""MAC2 issuances kept with card, amount and reconciliation state

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-01 12:00:00

"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision: str = '0007'
down_revision: str | Sequence[str] | None = '0006'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Upgrade schema: MAC2s issued before are 'legacy' (never reconciled, never alerted)."""
    op.add_column('mac2_issued', sa.Column('card_serial', sa.String(length=32), nullable=True))
    op.add_column('mac2_issued', sa.Column('amount_fen', sa.BigInteger(), nullable=True))
    op.add_column('mac2_issued', sa.Column('state', sa.String(length=16), nullable=False, server_default='legacy'))
    op.add_column('mac2_issued', sa.Column('matched_seq', sa.BigInteger(), nullable=True))
    with op.batch_alter_table('mac2_issued') as batch:
        batch.alter_column('state', server_default=None)
    op.create_index(op.f('ix_mac2_issued_state'), 'mac2_issued', ['state'], unique=False)


def downgrade() -> None:
    """Downgrade schema."""
    op.drop_index(op.f('ix_mac2_issued_state'), table_name='mac2_issued')
    with op.batch_alter_table('mac2_issued') as batch:
        batch.drop_column('matched_seq')
        batch.drop_column('state')
        batch.drop_column('amount_fen')
        batch.drop_column('card_serial')
