"""The server checks the TAC of every CPU-card load a kiosk journals (purchase.card_done)
with its master TAC key, when the row arrives, and raises a `bad_tac` alert when it does not
verify for the load the kiosk says it made (the credit of the transaction's card_pending
row: serial, balance before, amount, ATC before, terminal, time), or when the kiosk itself
recorded that its SAM did not verify it (`proof.tac_verified` false). The TAC itself is
never written into the alert or the log."""
from __future__ import annotations

import json
import logging
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from .cardkeys import verify_tac
from .db import JournalRow
from .keys import CardKeyStore
from .service import raise_alert

logger = logging.getLogger(__name__)

CARD_DONE = "purchase.card_done"
CARD_PENDING = "purchase.card_pending"


def _credit_of(s: Session, kiosk_id: str, txn_id: str, seq: int) -> dict[str, Any] | None:
    body = s.scalar(select(JournalRow.body).where(
        JournalRow.kiosk_id == kiosk_id, JournalRow.txn_id == txn_id, JournalRow.kind == CARD_PENDING,
        JournalRow.seq < seq).order_by(JournalRow.seq.desc()).limit(1))
    if body is None:
        return None
    credit = json.loads(body).get("credit")
    return credit if isinstance(credit, dict) else None


def tac_verdict(keys: CardKeyStore, credit: dict[str, Any], tac_hex: str) -> bool:
    when = datetime.fromisoformat(str(credit["when"]))
    amount = int(credit["amount_fen"])
    return verify_tac(
        keys, serial=bytes.fromhex(str(credit["serial"])),
        new_balance=int(credit["balance_before_fen"]) + amount,
        online_atc_before=int(credit["counter_before"]), amount=amount,
        terminal=int(credit["terminal"]).to_bytes(6, "big"),
        date4=bytes.fromhex(when.strftime("%Y%m%d")), time3=bytes.fromhex(when.strftime("%H%M%S")),
        tac=bytes.fromhex(tac_hex))


def audit_card_done(s: Session, kiosk_id: str, seq: int, txn_id: str, kind: str, body: str,
                    keys: CardKeyStore | None) -> None:
    """Called for every newly stored row (in its transaction); acts on CPU card_done rows."""
    if kind != CARD_DONE or keys is None:
        return
    try:
        proof = json.loads(body).get("proof") or {}
        tac = proof.get("tac")
        if not tac:
            return  # an IC card: no TAC
        credit = _credit_of(s, kiosk_id, txn_id, seq)
        if credit is None or credit.get("tech") != "cpu":
            raise_alert(s, kiosk_id, "bad_tac", f"txn {txn_id}: a card TAC with no CPU credit to check it against", seq)
            return
        ok = tac_verdict(keys, credit, str(tac))
    except (ValueError, KeyError, TypeError) as exc:
        raise_alert(s, kiosk_id, "bad_tac", f"txn {txn_id}: the card proof cannot be checked: {type(exc).__name__}", seq)
        return
    kiosk_says = proof.get("tac_verified")
    if ok and kiosk_says is not False:
        return
    who = "the server's master key" if not ok else "the kiosk's SAM"
    serial = str(credit.get("serial", ""))
    detail = (f"txn {txn_id}: card ...{serial[-4:]} load of {credit.get('amount_fen')} fen at ATC "
              f"{credit.get('counter_before')}: the TAC does not verify with {who}")
    raise_alert(s, kiosk_id, "bad_tac", detail, seq)
