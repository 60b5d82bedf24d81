"""Server configuration: where the database and the secrets live."""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class ServerConfig:
    db_url: str
    key_dir: Path  # holds the default key files below
    signing_key_path: Path | None = None
    card_keys_path: Path | None = None
    # the staff console's credential; without it (nor <key dir>/staff-token.sha256, made by
    # `admin staff-token`) the console is not served (sync/server/staff_auth.py)
    staff_token: str | None = None
    sandbox_payments: bool = False  # the sandbox QR payment provider and its payer endpoint
    public_url: str | None = None  # base of the URLs in QR codes; default: the request's
    payment_ttl_s: int = 300  # a QR order not paid within this is expired: the payer is refused
    max_load_fen: int = 200_000  # no online MAC2 above the purchase maximum (2 000 yuan)
    mac2_match_within_s: int = 3600  # a MAC2 whose load no journal row reports by then alerts
    max_skew_s: int = 300
    nonce_keep_s: int = 3600

    @property
    def signing_key_file(self) -> Path:
        return self.signing_key_path or self.key_dir / "tariff-signing-key.pem"

    @property
    def card_keys_file(self) -> Path:
        return self.card_keys_path or self.key_dir / "card-keys.json"
