"""What a running server holds: config, database, signing key and card key store."""
from __future__ import annotations

import logging
from dataclasses import dataclass

from sqlalchemy.engine import Engine

from .config import ServerConfig
from .db import make_engine, session_factory, upgrade
from .keys import CardKeyStore, TariffSigner
from .service import SF
from .staff_auth import StaffAuth, stored_digest

logger = logging.getLogger(__name__)


@dataclass
class ServerState:
    config: ServerConfig
    engine: Engine
    sf: SF
    signer: TariffSigner
    card_keys: CardKeyStore
    staff: StaffAuth

    @classmethod
    def open(cls, config: ServerConfig, *, migrate: bool = True) -> ServerState:
        engine = make_engine(config.db_url)
        if migrate:
            upgrade(engine)
        return cls(
            config=config,
            engine=engine,
            sf=session_factory(engine),
            signer=TariffSigner.load_or_create(config.signing_key_file),
            card_keys=CardKeyStore.load_or_create(config.card_keys_file),
            staff=StaffAuth(token=config.staff_token, digest=stored_digest(config.key_dir)),
        )

    def close(self) -> None:
        self.engine.dispose()
