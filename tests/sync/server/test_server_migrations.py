"""The Alembic migrations build exactly the schema the models describe, on both backends,
and upgrading again is a no-op."""
from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sync_server_harness import LiveServer

from sync.server.db import Base, alembic_config, upgrade


def test_migrated_schema_matches_the_models(live: LiveServer) -> None:
    engine = live.state.engine
    upgrade(engine)  # idempotent at head
    with engine.connect() as conn:
        ctx = MigrationContext.configure(conn)
        assert ctx.get_current_revision() == ScriptDirectory.from_config(alembic_config()).get_current_head()
        diff = compare_metadata(ctx, Base.metadata)
    assert diff == []
