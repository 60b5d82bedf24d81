"""The receipt layout (Chinese) and the ESC/POS job that prints it.

`receipt_items` is the layout as data (text lines and the QR); `build_job` turns items into
bytes. The bytes are built whole before anything is sent, so a test can check them exactly
and the printer adapter sends one job.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

import qrcode  # type: ignore[import-untyped]
from escpos.constants import QR_ECLEVEL_M  # type: ignore[import-untyped]
from escpos.printer import Dummy  # type: ignore[import-untyped]

from kiosk.money import m3_str, yuan_str
from kiosk.receipt import Receipt

from . import commands as c
from .gbtext import encode, fit, pair
from .profiles import PrinterProfile

TITLE = "燃气自助购气凭条"
VOLUME_UNIT = "立方米"  # in GB2312, which every Chinese printer font has (³ is not)
YUAN = "￥"  # U+FFE5, GB18030 A3 A4
PAYMENT_NAMES = {"cash": "现金", "qr": "扫码支付", "bank": "银行卡"}
OFFLINE_MARK = "离线交易，待上传"  # sold offline, the server has not acknowledged it yet
OFFLINE_SYNCED_MARK = "离线交易，已上传"  # a reprint of an offline sale the server now holds
CREDIT_LABEL = "余额存入账户"
CODE_LABEL = "验证码"


@dataclass(frozen=True)
class Text:
    text: str
    align: c.Align = "left"
    bold: bool = False
    double: bool = False


@dataclass(frozen=True)
class Qr:
    payload: str


Item = Text | Qr


def money(fen: int) -> str:
    return YUAN + yuan_str(fen)


def reprint_mark(count: int) -> str:
    return f"重打 / DUPLICATE 第{count}次"


def late_print_mark(count: int) -> str:
    """A reprint when no original ever came out (RECEIPT_FAILED, or "no paper" chosen): it
    is counted like a reprint but does not claim there was a printed original."""
    return f"补打 / LATE PRINT 第{count}次 (原凭条未打出 no original was printed)"


def code_lines(code: str, columns: int) -> list[str]:
    """The verification code under its label, broken only between its fields (KIOSK, SEQ,
    TXN, MAC) so that it fits 32 and 48 columns: the lines, joined, are the code."""
    tokens = [t for t in re.split("(:)", code) if t]  # fields and their separators
    lines = [""]
    for token in tokens:
        if lines[-1] and len(lines[-1]) + len(token) > columns:
            lines.append("")
        lines[-1] += token
    return [CODE_LABEL] + [piece for line in lines for piece in fit(line, columns)]


def receipt_items(receipt: Receipt, profile: PrinterProfile) -> list[Item]:
    cols = profile.columns
    rule = Text("-" * cols)
    items: list[Item] = []

    def kv(label: str, value: str) -> None:
        items.extend(Text(line) for line in pair(label, value, cols))

    items.extend(
        Text(line, "center", bold=True, double=True)
        for line in fit(receipt.utility_name, cols // 2)
    )
    items.append(Text(TITLE, "center"))
    if receipt.reprint_count > 0:
        mark = (reprint_mark if receipt.original_printed else late_print_mark)(receipt.reprint_count)
        items.extend(Text(line, "center", bold=True) for line in fit(mark, cols))
    items.append(rule)
    kv("终端号", receipt.kiosk_id)
    kv("交易号", receipt.txn_id)
    kv("流水号", str(receipt.seq))
    kv("时间", receipt.time.strftime("%Y-%m-%d %H:%M:%S"))
    if receipt.printed_at is not None:
        kv("打印时间", receipt.printed_at.strftime("%Y-%m-%d %H:%M:%S"))
    kv("卡号", receipt.card_serial_masked)
    kv("用户", receipt.customer_masked)
    items.append(rule)
    kv("购气量", f"{m3_str(receipt.volume_units)} {VOLUME_UNIT}")
    kv("购气金额", money(receipt.cost_fen))
    kv("实付金额", money(receipt.amount_paid_fen))
    kv(CREDIT_LABEL, money(receipt.remainder_fen))
    kv("支付方式", PAYMENT_NAMES.get(receipt.payment_method, receipt.payment_method))
    if receipt.tiers:
        items.append(rule)
        items.append(Text(f"阶梯明细 (价格版本 v{receipt.tariff_version})"))
        for t in receipt.tiers:
            kv(f"第{t.tier}阶梯 {m3_str(t.volume_units)}×{t.price}", money(t.cost_fen))
    items.append(rule)
    if receipt.offline:
        items.append(Text(OFFLINE_SYNCED_MARK if receipt.synced else OFFLINE_MARK, "center", bold=True))
    for extra in receipt.extra_lines:
        items.extend(Text(line) for line in fit(extra, cols))
    items.append(Qr(receipt.verify_code))
    items.extend(Text(line, "center") for line in code_lines(receipt.verify_code, cols))
    return items


def text_lines(items: list[Item]) -> list[str]:
    """The text lines of a layout, as a decoder should read them back."""
    return [item.text for item in items if isinstance(item, Text)]


def _qr_image(payload: str, profile: PrinterProfile) -> Any:
    qr = qrcode.QRCode(
        version=None, error_correction=qrcode.constants.ERROR_CORRECT_M, box_size=1, border=2
    )
    qr.add_data(payload)
    qr.make(fit=True)
    modules = qr.modules_count + 2 * qr.border
    qr.box_size = max(1, min(profile.qr_module, profile.dots // modules))
    return qr.make_image().get_image().convert("1")


def build_job(items: list[Item], profile: PrinterProfile) -> bytes:
    """ESC/POS bytes: init, Chinese mode, the items, feed and cut."""
    job = Dummy(profile=profile.escpos_profile)
    job._raw(c.INIT + c.KANJI_ON + c.LINE_SPACING_DEFAULT)
    align: c.Align = "left"
    bold = False
    double = False
    for item in items:
        want_align = item.align if isinstance(item, Text) else "center"
        if want_align != align:
            job._raw(c.ALIGN[want_align])
            align = want_align
        if isinstance(item, Qr):
            if bold or double:
                job._raw(c.bold(False) + c.size(False))
                bold = double = False
            if profile.qr == "native":
                job.qr(item.payload, ec=QR_ECLEVEL_M, size=profile.qr_module, native=True)
            else:
                job.image(_qr_image(item.payload, profile), impl="bitImageRaster")
            job._raw(c.LF)
            continue
        if item.bold != bold:
            job._raw(c.bold(item.bold))
            bold = item.bold
        if item.double != double:
            job._raw(c.size(item.double))
            double = item.double
        job._raw(encode(item.text) + c.LF)
    job._raw(c.bold(False) + c.size(False) + c.ALIGN["left"])
    job._raw(c.feed_lines(profile.feed_before_cut))
    job._raw(c.CUT_FULL if profile.cut == "FULL" else c.CUT_PART)
    output: bytes = job.output
    return output


def receipt_job(receipt: Receipt, profile: PrinterProfile) -> bytes:
    return build_job(receipt_items(receipt, profile), profile)
