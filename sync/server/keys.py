"""The server's secrets, each in a file named by the configuration, never in code.

- The tariff signing key: Ed25519, PEM (PKCS8) at `signing_key_path`, generated with mode
  0600 on first start. Kiosks are provisioned with its public key (`public_key_hex`).
- The card key store: JSON at `card_keys_path` with 16-byte master keys as hex:
  {"MLK": {"1": "<hex>"}, "MTK": "<hex>", "quota_keys": {"<sam id>": "<hex>"},
   "default_quota_key": "<hex>", "quota_fen": 2000000}
  Generated with random keys on first start when missing (a real deployment installs the
  utility's keys there instead).
"""
from __future__ import annotations

import json
import logging
import os
import secrets
from dataclasses import dataclass, field
from pathlib import Path
from typing import TypeVar

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from pydantic import BaseModel

from sync.tariff_verify import item_message, key_id

logger = logging.getLogger(__name__)
M = TypeVar("M", bound=BaseModel)


def _write_private(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as f:
        f.write(data)
        f.flush()
        os.fsync(f.fileno())
    os.replace(tmp, path)


class TariffSigner:
    def __init__(self, private_key: Ed25519PrivateKey) -> None:
        self._key = private_key
        self.public_raw = private_key.public_key().public_bytes(
            serialization.Encoding.Raw, serialization.PublicFormat.Raw
        )
        self.key_id = key_id(self.public_raw)

    @property
    def public_key_hex(self) -> str:
        return self.public_raw.hex()

    def sign(self, document: str) -> str:
        return self._key.sign(document.encode("utf-8")).hex()

    def sign_bytes(self, message: bytes) -> str:
        return self._key.sign(message).hex()

    def sign_item(self, item: M) -> M:
        """A downloadable item with its signature (sync.tariff_verify.item_message)."""
        return item.model_copy(update={"signature": self.sign_bytes(item_message(item))})

    @classmethod
    def load_or_create(cls, path: Path) -> TariffSigner:
        if path.exists():
            loaded = serialization.load_pem_private_key(path.read_bytes(), password=None)
            if not isinstance(loaded, Ed25519PrivateKey):
                raise ValueError(f"{path} is not an Ed25519 private key")
            return cls(loaded)
        key = Ed25519PrivateKey.generate()
        pem = key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
        _write_private(path, pem)
        logger.warning("generated a new tariff signing key at %s", path)
        return cls(key)


@dataclass(frozen=True)
class CardKeyStore:
    mlk: dict[int, bytes]  # key index -> master load key
    mtk: bytes
    quota_keys: dict[str, bytes] = field(default_factory=dict)  # SAM id (upper hex) -> key
    default_quota_key: bytes | None = None
    quota_fen: int = 2_000_000

    def quota_key(self, sam_id: str) -> bytes | None:
        return self.quota_keys.get(sam_id.upper(), self.default_quota_key)

    @classmethod
    def from_json(cls, text: str) -> CardKeyStore:
        raw = json.loads(text)
        mlk_raw = raw["MLK"]
        mlk = (
            {int(k): bytes.fromhex(v) for k, v in mlk_raw.items()}
            if isinstance(mlk_raw, dict)
            else {1: bytes.fromhex(mlk_raw)}
        )
        store = cls(
            mlk=mlk,
            mtk=bytes.fromhex(raw["MTK"]),
            quota_keys={k.upper(): bytes.fromhex(v) for k, v in raw.get("quota_keys", {}).items()},
            default_quota_key=(
                bytes.fromhex(raw["default_quota_key"]) if raw.get("default_quota_key") else None
            ),
            quota_fen=int(raw.get("quota_fen", 2_000_000)),
        )
        for key in [*store.mlk.values(), store.mtk, *store.quota_keys.values()]:
            if len(key) != 16:
                raise ValueError("card master keys are 16 bytes (2-key 3DES)")
        return store

    @classmethod
    def load_or_create(cls, path: Path) -> CardKeyStore:
        if not path.exists():
            doc = {
                "MLK": {"1": secrets.token_hex(16)},
                "MTK": secrets.token_hex(16),
                "quota_keys": {},
                "default_quota_key": secrets.token_hex(16),
                "quota_fen": 2_000_000,
            }
            _write_private(path, json.dumps(doc, indent=2).encode())
            logger.warning("generated a new card key store at %s", path)
        return cls.from_json(path.read_text())
