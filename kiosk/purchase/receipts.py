"""Receipts and cash vouchers, built from a purchase's journal projection (a reprint reads the
same row), and the verification code the receipt's QR carries (the server can recompute it
with the kiosk's key)."""
from __future__ import annotations

import hashlib
import hmac
import json
from dataclasses import replace
from datetime import datetime

from ..journal.models import Purchase
from ..masking import mask_customer, mask_serial
from ..money import yuan_str
from ..receipt import Receipt, TierLine


def verify_code(kiosk_id: str, key: bytes, p: Purchase) -> str:
    msg = f"{kiosk_id}|{p.created_seq}|{p.txn_id}|{p.paid_fen}|{p.cost_fen}|{p.volume_units}"
    mac = hmac.new(key, msg.encode(), hashlib.sha256).hexdigest()[:16]
    return f"{kiosk_id}:{p.created_seq}:{p.txn_id}:{mac}"


def build_receipt(p: Purchase, utility_name: str, kiosk_id: str, key: bytes, when: datetime) -> Receipt:
    qd = json.loads(p.quote)
    final = qd.get("final") or qd["requested"]
    tiers = tuple(TierLine(t["tier"], t["volume"], t["price"], t["cost_fen"]) for t in final["tiers"])
    return Receipt(
        utility_name=utility_name, kiosk_id=kiosk_id, txn_id=p.txn_id, seq=p.created_seq,
        time=when, card_serial_masked=mask_serial(p.card_serial),
        customer_masked=mask_customer(p.customer_no), volume_units=p.volume_units,
        amount_paid_fen=p.paid_fen, cost_fen=p.cost_fen, remainder_fen=p.remainder_fen,
        tiers=tiers, payment_method=p.method, tariff_version=int(final["tariff_version"]),
        offline=bool(p.offline), verify_code=verify_code(kiosk_id, key, p),
    )


def as_voucher(receipt: Receipt, paid_fen: int) -> Receipt:
    """The slip a resident takes to the counter when cash could not become credit."""
    return replace(receipt, volume_units=0, cost_fen=0, remainder_fen=0, tiers=(), extra_lines=(
        "现金凭证 CASH VOUCHER", f"已收现金 {yuan_str(paid_fen)} 元，未能写入燃气卡",
        "请持本凭证到服务柜台办理 Please bring this voucher to the counter"))
