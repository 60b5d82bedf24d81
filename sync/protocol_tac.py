"""Protocol models of the server's TAC check (POST /v1/card/verify-tac): a kiosk with no SAM
asks the server, which holds the master TAC key, whether a CPU card's TAC is the card's for
exactly this load (gas-cards.md section 3). Hex / BCD text fields, as in Mac2Request."""
from __future__ import annotations

from pydantic import Field

from .protocol_base import ProtocolModel as _Model


class TacCheckRequest(_Model):
    card_serial: str = Field(pattern=r"^[0-9A-Fa-f]{16}$")
    new_balance_fen: int = Field(ge=0, le=0xFFFFFFFF)
    online_atc: int = Field(ge=0, le=0xFFFF)  # the value before the load
    amount_fen: int = Field(gt=0, le=0xFFFFFFFF)
    terminal: str = Field(pattern=r"^[0-9A-Fa-f]{12}$")
    date: str = Field(pattern=r"^\d{8}$")  # YYYYMMDD
    time: str = Field(pattern=r"^\d{6}$")  # hhmmss
    tac: str = Field(pattern=r"^[0-9A-Fa-f]{8}$")


class TacCheckResponse(_Model):
    verified: bool
