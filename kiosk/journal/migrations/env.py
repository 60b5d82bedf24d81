from __future__ import annotations

from alembic import context

from kiosk.journal.models import Base

conn = context.config.attributes.get("connection")
if conn is None:
    raise RuntimeError("the journal migrates only on its own connection (kiosk.journal.migrate)")
context.configure(connection=conn, target_metadata=Base.metadata, render_as_batch=True)
with context.begin_transaction():
    context.run_migrations()
