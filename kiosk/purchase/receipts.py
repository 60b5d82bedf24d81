"""Receipts and cash vouchers, built from a purchase's journal projection (a reprint reads the
same row, and prints the same time), and the verification code the receipt's QR carries: the
server checks it with the kiosk's key against its ledger (sync/server/receipts.py).

The code is `KIOSK:SEQ:TXN:MAC`: the kiosk, the journal seq of purchase.created, the
transaction and the first 16 hex digits of HMAC-SHA256(kiosk key,
"KIOSK|SEQ|TXN|PAID|COST|VOLUME") over the amounts of the journal row it was printed from."""
from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import datetime

from ..cashbox import JammedNote
from ..journal.models import Purchase
from ..masking import mask_customer, mask_serial
from ..money import yuan_str
from ..receipt import Receipt, TierLine

MAC_HEX = 16


@dataclass(frozen=True)
class ReceiptCode:
    kiosk_id: str
    seq: int
    txn_id: str
    mac: str

    def __str__(self) -> str:
        return f"{self.kiosk_id}:{self.seq}:{self.txn_id}:{self.mac}"


def code_mac(key: bytes, kiosk_id: str, seq: int, txn_id: str, paid_fen: int, cost_fen: int,
             volume_units: int) -> str:
    msg = f"{kiosk_id}|{seq}|{txn_id}|{paid_fen}|{cost_fen}|{volume_units}"
    return hmac.new(key, msg.encode(), hashlib.sha256).hexdigest()[:MAC_HEX]


def verify_code(kiosk_id: str, key: bytes, p: Purchase) -> str:
    mac = code_mac(key, kiosk_id, p.created_seq, p.txn_id, p.paid_fen, p.cost_fen, p.volume_units)
    return str(ReceiptCode(kiosk_id, p.created_seq, p.txn_id, mac))


def parse_code(text: str) -> ReceiptCode:
    """The code as the QR carries it; ValueError when it is not one."""
    parts = text.strip().split(":")
    if len(parts) != 4:
        raise ValueError("a receipt code has four parts: KIOSK:SEQ:TXN:MAC")
    kiosk_id, seq, txn_id, mac = parts
    if not kiosk_id or not txn_id or not seq.isdigit() or len(mac) != MAC_HEX:
        raise ValueError("a receipt code is KIOSK:SEQ:TXN:MAC (SEQ digits, MAC 16 hex digits)")
    try:
        int(mac, 16)
    except ValueError:
        raise ValueError("the MAC of a receipt code is hex") from None
    return ReceiptCode(kiosk_id, int(seq), txn_id, mac.lower())


def code_matches(code: ReceiptCode, key: bytes, paid_fen: int, cost_fen: int,
                 volume_units: int) -> bool:
    want = code_mac(key, code.kiosk_id, code.seq, code.txn_id, paid_fen, cost_fen, volume_units)
    return hmac.compare_digest(want, code.mac)


def purchase_time(p: Purchase) -> datetime:
    """The purchase's own time, the same on every print: when the card was credited (the
    time written into the card record), else when the purchase began (a voucher)."""
    if p.credit:
        return datetime.fromisoformat(json.loads(p.credit)["when"])
    return datetime.fromisoformat(p.created_at)


def jam_lines(txn_id: str, jams: Sequence[JammedNote]) -> tuple[str, ...]:
    """What a receipt or voucher says of the purchase's notes that jammed in the acceptor."""
    lines: list[str] = []
    for j in jams:
        if j.denom_fen is None:  # stuck before the acceptor validated it: nobody knows its value
            lines.append("卡钞：一张面额不明的纸币卡在机内（未经识别），未计入实付金额，由工作人员取出处理")
            lines.append(f"Note jammed: a note of unknown value stuck in the transport, held for staff, txn {txn_id}")
            continue
        lines.append(f"卡钞：一张{yuan_str(j.denom_fen)}元纸币卡在机内，未计入实付金额，由工作人员处理")
        lines.append(f"Note jammed: {yuan_str(j.denom_fen)} yuan held for staff, txn {txn_id}")
    if jams:
        lines.append(f"请凭交易号 {txn_id} 联系工作人员")
    return tuple(lines)


def build_receipt(p: Purchase, utility_name: str, kiosk_id: str, key: bytes, *,
                  synced: bool = False, jams: Sequence[JammedNote] = ()) -> Receipt:
    qd = json.loads(p.quote)
    final = qd.get("final") or qd["requested"]
    tiers = tuple(TierLine(t["tier"], t["volume"], t["price"], t["cost_fen"]) for t in final["tiers"])
    return Receipt(
        utility_name=utility_name, kiosk_id=kiosk_id, txn_id=p.txn_id, seq=p.created_seq,
        time=purchase_time(p), card_serial_masked=mask_serial(p.card_serial),
        customer_masked=mask_customer(p.customer_no), volume_units=p.volume_units,
        amount_paid_fen=p.paid_fen, cost_fen=p.cost_fen, remainder_fen=p.remainder_fen,
        tiers=tiers, payment_method=p.method, tariff_version=int(final["tariff_version"]),
        offline=bool(p.offline), verify_code=verify_code(kiosk_id, key, p),
        extra_lines=jam_lines(p.txn_id, jams), synced=synced,
    )


def as_reprint(receipt: Receipt, count: int, original_printed: bool, now: datetime) -> Receipt:
    """The same receipt printed again (count: the how-many-th reprint), saying when."""
    return replace(receipt, reprint_count=count, original_printed=original_printed, printed_at=now)


def as_voucher(receipt: Receipt, paid_fen: int) -> Receipt:
    """The slip a resident takes to the counter when cash could not become credit."""
    return replace(receipt, volume_units=0, cost_fen=0, remainder_fen=0, tiers=(), extra_lines=(
        "现金凭证 CASH VOUCHER", f"已收现金 {yuan_str(paid_fen)} 元，未能写入燃气卡",
        "请持本凭证到服务柜台办理 Please bring this voucher to the counter", *receipt.extra_lines))


def as_jam_slip(receipt: Receipt) -> Receipt:
    """The slip of a purchase that ended with nothing counted but a note jammed: no gas, no
    money counted, the jammed note held for staff."""
    return replace(receipt, volume_units=0, cost_fen=0, remainder_fen=0, tiers=(), extra_lines=(
        "卡钞凭证 JAMMED NOTE", "本次未购气，未计入任何金额 No gas bought, nothing counted",
        *receipt.extra_lines))
