"""Every online MAC2 the server issues is kept (kiosk, txn, card, amount) and reconciled with
the kiosk's journal: the purchase.card_done row of that transaction must report the same card
and amount (else alert `mac2_mismatch`); a purchase that ended without loading it (refunded,
voucher, cancelled) closes it as not loaded; a MAC2 no journal row accounts for within
`mac2_match_within_s` alerts `mac2_unmatched` (a load the ledger may never see)."""
from __future__ import annotations

import logging
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from .db import Mac2Issued
from .service import as_utc, raise_alert

logger = logging.getLogger(__name__)

LOADED = "purchase.card_done"
NOT_LOADED = frozenset({"purchase.refunded", "purchase.voucher", "purchase.cancel"})


def reconcile(s: Session, kiosk_id: str, seq: int, txn_id: str, kind: str, body: Any) -> None:
    """Called for every newly stored journal row."""
    if kind != LOADED and kind not in NOT_LOADED:
        return
    issued = s.scalars(select(Mac2Issued).where(Mac2Issued.kiosk_id == kiosk_id, Mac2Issued.txn_id == txn_id)
                       ).first()
    if issued is None or issued.state == "legacy":
        return
    if kind in NOT_LOADED:
        if issued.state in ("issued", "unmatched"):
            issued.state, issued.matched_seq = "not_loaded", seq
        return
    data = body if isinstance(body, dict) else {}
    serial, amount = data.get("card_serial"), data.get("cost_fen")
    same_card = isinstance(serial, str) and serial.upper() == (issued.card_serial or "").upper()
    if same_card and amount == issued.amount_fen:
        issued.state, issued.matched_seq = "matched", seq
        return
    issued.state, issued.matched_seq = "mismatch", seq
    raise_alert(s, kiosk_id, "mac2_mismatch",
                f"MAC2 for txn {txn_id} authorised {issued.amount_fen} fen onto card {issued.card_serial}; "
                f"the journal's load says {amount} fen onto card {serial}", seq)


def flag_unmatched(s: Session, now: datetime, within_s: int) -> int:
    """MAC2s issued longer than `within_s` ago that no journal row has accounted for."""
    due = now - timedelta(seconds=within_s)
    n = 0
    for issued in s.scalars(select(Mac2Issued).where(Mac2Issued.state == "issued")):
        at = as_utc(issued.issued_at)
        if at is None or at > due:
            continue
        issued.state = "unmatched"
        n += 1
        raise_alert(s, issued.kiosk_id, "mac2_unmatched",
                    f"MAC2 issued {at.isoformat(timespec='seconds')} for txn {issued.txn_id}, "
                    f"{issued.amount_fen} fen onto card {issued.card_serial}: no journal row reports "
                    f"that load after {within_s} s", None, once=False)
    if n:
        logger.warning("%d MAC2 issuances without a journalled load", n)
    return n
