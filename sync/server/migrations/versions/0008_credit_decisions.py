"""staff decisions on held credits; alerts name what they are about

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-02 12:00:00

"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision: str = '0008'
down_revision: str | Sequence[str] | None = '0007'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Upgrade schema. Open credit_held alerts raised before get their subject from their
    detail ("credit ID (...) held: ..."), so a decision resolves them too."""
    op.create_table('credit_decisions',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('credit_id', sa.String(length=64), nullable=False),
    sa.Column('action', sa.String(length=16), nullable=False),
    sa.Column('staff', sa.String(length=64), nullable=False),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('card_serial', sa.String(length=32), nullable=True),
    sa.Column('card_counter', sa.BigInteger(), nullable=True),
    sa.Column('version', sa.BigInteger(), nullable=False),
    sa.Column('decided_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_index(op.f('ix_credit_decisions_credit_id'), 'credit_decisions', ['credit_id'], unique=False)
    op.add_column('alerts', sa.Column('subject', sa.String(length=80), nullable=True))
    op.create_index(op.f('ix_alerts_subject'), 'alerts', ['subject'], unique=False)
    alerts = sa.table('alerts', sa.column('id', sa.BigInteger()), sa.column('kind', sa.String()),
                      sa.column('detail', sa.Text()), sa.column('subject', sa.String()))
    conn = op.get_bind()
    for alert_id, detail in conn.execute(sa.select(alerts.c.id, alerts.c.detail).where(alerts.c.kind == 'credit_held')):
        credit_id = (detail or '').removeprefix('credit ').split(' ', 1)[0]
        if (detail or '').startswith('credit ') and credit_id:
            conn.execute(alerts.update().where(alerts.c.id == alert_id).values(subject=f'credit:{credit_id}'[:80]))


def downgrade() -> None:
    """Downgrade schema."""
    op.drop_index(op.f('ix_alerts_subject'), table_name='alerts')
    with op.batch_alter_table('alerts') as batch:
        batch.drop_column('subject')
    op.drop_index(op.f('ix_credit_decisions_credit_id'), table_name='credit_decisions')
    op.drop_table('credit_decisions')
