"""Shared data for the printer tests (not a test module; unique name on sys.path)."""
from __future__ import annotations

import dataclasses
from datetime import datetime, timedelta, timezone
from pathlib import Path

from devices.printer.printer import EscposReceiptPrinter
from kiosk.purchase.receipts import ReceiptCode, code_mac
from kiosk.receipt import Receipt, TierLine

GOLDEN = Path(__file__).parent / "golden"
CST = timezone(timedelta(hours=8))
KEY = bytes.fromhex("00112233445566778899aabbccddeeff")
TXN = "3f2a9c4e5b6d4e7f8a9b0c1d2e3f4a5b"  # a uuid4 hex, as the kiosk makes them
# the code the kiosk prints: the MAC over this receipt's seq and amounts with KEY
CODE = str(ReceiptCode("K0001", 42, TXN, code_mac(KEY, "K0001", 42, TXN, 5000, 3272, 1234)))

RECEIPT = Receipt(
    utility_name="某市燃气有限公司",
    kiosk_id="K0001",
    txn_id=TXN,
    seq=42,
    time=datetime(2026, 11, 22, 10, 30, 5, tzinfo=CST),
    card_serial_masked="6217****1234",
    customer_masked="张*明",
    volume_units=1234,
    amount_paid_fen=5000,
    cost_fen=3272,
    remainder_fen=1728,
    tiers=(TierLine(1, 1000, "2.61", 2610), TierLine(2, 234, "2.83", 662)),
    payment_method="cash",
    tariff_version=3,
    offline=False,
    verify_code=CODE,
)

# The receipt above on an 80 mm printer, line by line, as the paper reads.
EXPECTED_80 = [
    "某市燃气有限公司",
    "燃气自助购气凭条",
    "-" * 48,
    "终端号                                     K0001",
    "交易号          3f2a9c4e5b6d4e7f8a9b0c1d2e3f4a5b",
    "流水号                                        42",
    "时间                         2026-11-22 10:30:05",
    "卡号                                6217****1234",
    "用户                                       张*明",
    "-" * 48,
    "购气量                              12.34 立方米",
    "购气金额                                 ￥32.72",
    "实付金额                                 ￥50.00",
    "余额存入账户                             ￥17.28",
    "支付方式                                    现金",
    "-" * 48,
    "阶梯明细 (价格版本 v3)",
    "第1阶梯 10.00×2.61                      ￥26.10",
    "第2阶梯 2.34×2.83                        ￥6.62",
    "-" * 48,
    "验证码",
    "K0001:42:3f2a9c4e5b6d4e7f8a9b0c1d2e3f4a5b:",
    "4349cb0593f7885b",
]


def variant(**changes: object) -> Receipt:
    return dataclasses.replace(RECEIPT, **changes)  # type: ignore[arg-type]


def fast_printer(url: str, model: str = "80") -> EscposReceiptPrinter:
    """Short timeouts so that failure paths stay fast against the simulator."""
    return EscposReceiptPrinter.from_config(
        url, model, status_timeout=0.3, print_timeout=3.0, poll_interval=0.05
    )
