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


def test_credit_held_alerts_raised_before_0008_get_their_subject(tmp_path) -> None:  # type: ignore[no-untyped-def]
    """An open credit_held alert from before staff could decide is found by the decision."""
    from alembic import command
    from sqlalchemy import text

    from sync.server.db import make_engine

    engine = make_engine(f"sqlite:///{tmp_path / 'old.db'}")
    cfg = alembic_config(engine)
    with engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, "0007")
        conn.execute(text("INSERT INTO alerts (kiosk_id, kind, seq, detail, created_at, resolved) VALUES "
                          "('K1', 'credit_held', 3, 'credit C-7f (3000 fen) held: card X ...', "
                          "'2026-12-01 10:00:00', 0), ('K1', 'gap', 4, 'credit C-7f missing', "
                          "'2026-12-01 10:00:00', 0)"))
    upgrade(engine)
    with engine.connect() as conn:
        got = conn.execute(text("SELECT kind, subject FROM alerts ORDER BY id")).all()
    engine.dispose()
    assert [tuple(r) for r in got] == [("credit_held", "credit:C-7f"), ("gap", None)]
