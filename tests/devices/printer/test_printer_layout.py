"""The receipt as bytes: exact golden bytes, decoded back to text line by line, the
GB18030 handling of lines with no Han character, reprint / offline marks, the QR."""
from __future__ import annotations

import pytest
import qrcode
from escpos.printer import Dummy
from printer_testdata import EXPECTED_80, GOLDEN, RECEIPT, variant

from devices.printer import commands as c
from devices.printer.gbtext import encode, fit, pair, width
from devices.printer.layout import (
    CODE_LABEL,
    OFFLINE_MARK,
    OFFLINE_SYNCED_MARK,
    code_lines,
    late_print_mark,
    receipt_items,
    receipt_job,
    reprint_mark,
    text_lines,
)
from devices.printer.profiles import get_profile
from devices.printer.transport import parse_url
from devices.sim.escpos_decode import QrCode, Raster, TextLine, decode
from kiosk.errors import ConfigError

P80 = get_profile("80")
P58 = get_profile("58")


def golden(name: str) -> bytes:
    return bytes.fromhex((GOLDEN / f"{name}.hex").read_text().replace("\n", ""))


def test_receipt_bytes_are_exactly_the_golden_ones_and_read_back_line_by_line() -> None:
    job = receipt_job(RECEIPT, P80)
    assert job == golden("receipt-80-native")
    assert job.startswith(c.INIT + c.KANJI_ON + c.LINE_SPACING_DEFAULT)
    assert job.endswith(c.feed_lines(4) + c.CUT_PART)
    # the first line, byte by byte: centre, bold, double size, GB18030 text, LF
    title = "某市燃气有限公司".encode("gb18030")
    assert job[6:].startswith(c.ALIGN["center"] + c.bold(True) + c.size(True) + title + b"\n")
    [page] = decode(job)
    assert page.cut
    assert page.lines == EXPECTED_80
    for got, want in zip(page.lines, EXPECTED_80):
        assert width(got) <= 48 and got == want
    assert page.qr_payloads == [RECEIPT.verify_code]
    first = page.items[0]
    assert isinstance(first, TextLine)
    assert (first.align, first.bold, first.width, first.height) == ("center", True, 2, 2)


def test_58mm_raster_receipt_matches_its_golden_bytes_and_fits_32_columns() -> None:
    job = receipt_job(RECEIPT, P58)
    assert job == golden("receipt-58-raster")
    [page] = decode(job)
    assert page.lines == text_lines(receipt_items(RECEIPT, P58))
    assert all(width(line) <= 32 for line in page.lines)
    assert "余额存入账户             ￥17.28" in page.lines


def test_lines_without_han_characters_are_gb18030_not_question_marks() -> None:
    # python-escpos 3.1's magic encoder really does print these as '?':
    dummy = Dummy()
    dummy.text("￥，。\n")
    assert b"?" in dummy.output and b"\xa3\xa4" not in dummy.output
    receipt = variant(extra_lines=("￥", "，。、：！", "￥50.00"))
    job = receipt_job(receipt, P80)
    assert b"\n\xa3\xa4\n" in job  # ￥ = A3 A4
    assert "，。、：！".encode("gb18030") + b"\n" in job
    assert b"?" not in job.split(b"\x1d(k")[0]  # no '?' anywhere in the text
    lines = decode(job)[0].lines
    assert ["￥", "，。、：！", "￥50.00"] == [ln for ln in lines if ln in ("￥", "，。、：！", "￥50.00")]
    assert "???" not in "".join(lines) and "??" not in "".join(lines)


def test_gb18030_encoding_and_columns() -> None:
    assert encode("余额存入账户") == "余额存入账户".encode("gb18030")
    assert encode("a\x1b@b\n") == b"a@b"  # no command smuggled through text
    assert width("￥12.00") == 7 and width("张*明") == 5
    assert pair("购气金额", "￥1.00", 20) == ["购气金额" + " " * 6 + "￥1.00"]
    long = pair("交易号", "X" * 30, 32)
    assert long == ["交易号", " " * 2 + "X" * 30]
    assert fit("一二三四五", 4) == ["一二", "三四", "五"]


@pytest.mark.parametrize("count", [1, 3])
def test_reprint_is_marked_duplicate_with_its_count(count: int) -> None:
    items = receipt_items(variant(reprint_count=count), P80)
    marks = [i for i in items if getattr(i, "text", "") == reprint_mark(count)]
    assert len(marks) == 1 and marks[0].bold and marks[0].align == "center"  # type: ignore[union-attr]
    lines = decode(receipt_job(variant(reprint_count=count), P80))[0].lines
    assert lines[2] == f"重打 / DUPLICATE 第{count}次"
    assert not any("重打" in ln for ln in decode(receipt_job(RECEIPT, P80))[0].lines)


def test_offline_mark_only_when_offline() -> None:
    assert OFFLINE_MARK == "离线交易，待上传"
    on = decode(receipt_job(variant(offline=True), P80))[0].lines
    off = decode(receipt_job(RECEIPT, P80))[0].lines
    assert OFFLINE_MARK in on and OFFLINE_MARK not in off
    assert on.index(OFFLINE_MARK) == EXPECTED_80.index("验证码")  # after the tiers, before the code


def test_native_qr_is_gs_k_with_the_verify_code() -> None:
    job = receipt_job(RECEIPT, P80)
    store = b"\x1d(k" + (len(RECEIPT.verify_code) + 3).to_bytes(2, "little") + b"1P0"
    assert store + RECEIPT.verify_code.encode() in job
    assert b"\x1d(k\x03\x001Q0" in job  # print the symbol
    assert b"\x1dv0" not in job
    qr = [i for i in decode(job)[0].items if isinstance(i, QrCode)]
    assert qr == [QrCode(RECEIPT.verify_code, 6, "center")]


def test_raster_fallback_draws_the_same_qr_matrix() -> None:
    job = receipt_job(RECEIPT, get_profile("80", qr="raster"))
    assert b"\x1d(k" not in job
    [raster] = [i for i in decode(job)[0].items if isinstance(i, Raster)]
    assert raster.align == "center"
    code = qrcode.QRCode(error_correction=qrcode.constants.ERROR_CORRECT_M, border=2)
    code.add_data(RECEIPT.verify_code)
    code.make(fit=True)
    matrix = code.get_matrix()  # includes the 2-module border
    box = 6
    assert raster.height == len(matrix) * box
    sampled = [
        [raster.pixel(x * box + box // 2, y * box + box // 2) for x in range(len(matrix))]
        for y in range(len(matrix))
    ]
    assert sampled == matrix


def test_profiles_and_urls() -> None:
    assert (P58.columns, P58.dots, P58.qr) == (32, 384, "raster")
    assert (P80.columns, P80.dots, P80.qr) == (48, 576, "native")
    assert get_profile("58mm", qr="native").qr == "native"
    with pytest.raises(ConfigError):
        get_profile("76")
    tcp = parse_url("tcp://127.0.0.1")
    assert (tcp.kind, tcp.host, tcp.port) == ("tcp", "127.0.0.1", 9100)
    usb = parse_url("usb://04b8:0202?out_ep=0x02")
    assert (usb.kind, usb.vendor, usb.product, usb.options) == ("usb", 0x04B8, 0x0202, {"out_ep": "0x02"})
    ser = parse_url("serial:///dev/ttyUSB0?baudrate=19200")
    assert (ser.kind, ser.device, ser.options["baudrate"]) == ("serial", "/dev/ttyUSB0", "19200")
    for bad in ("ftp://x", "tcp://", "usb://zz:01", "serial://"):
        with pytest.raises(ConfigError):
            parse_url(bad)


@pytest.mark.parametrize("model, cols", [("58", 32), ("80", 48)])
@pytest.mark.parametrize("kiosk", ["K0001", "HZ-0001-NORTH-HALL-7", "X" * 32])
def test_verification_code_fits_both_widths_and_reads_back_whole(model: str, cols: int, kiosk: str) -> None:
    code = RECEIPT.verify_code.replace("K0001", kiosk, 1)
    lines = decode(receipt_job(variant(verify_code=code, kiosk_id=kiosk), get_profile(model)))[0].lines
    at = lines.index(CODE_LABEL)
    printed = lines[at + 1:]
    assert all(width(line) <= cols for line in lines)
    assert "".join(printed) == code  # the lines, joined, are the code
    # broken only between fields: no line starts or ends inside the txn or the MAC
    txn, mac = code.split(":")[2:]
    assert any(txn in line for line in printed) and any(mac in line for line in printed)
    assert code_lines(code, cols) == lines[at:]


def test_80mm_code_takes_two_lines_58mm_three() -> None:
    assert len(code_lines(RECEIPT.verify_code, 48)) == 1 + 2
    assert len(code_lines(RECEIPT.verify_code, 32)) == 1 + 3


def test_offline_mark_says_what_is_true_when_it_prints() -> None:
    pending = decode(receipt_job(variant(offline=True, synced=False), P80))[0].lines
    synced = decode(receipt_job(variant(offline=True, synced=True), P80))[0].lines
    assert OFFLINE_MARK in pending and OFFLINE_SYNCED_MARK not in pending
    assert OFFLINE_SYNCED_MARK == "离线交易，已上传"
    assert OFFLINE_SYNCED_MARK in synced and OFFLINE_MARK not in synced
    online = decode(receipt_job(variant(offline=False, synced=True), P80))[0].lines
    assert OFFLINE_MARK not in online and OFFLINE_SYNCED_MARK not in online


@pytest.mark.parametrize("model, cols", [("58", 32), ("80", 48)])
def test_a_late_print_never_claims_a_printed_original(model: str, cols: int) -> None:
    from datetime import datetime

    at = datetime(2026, 11, 23, 9, 0, 1, tzinfo=RECEIPT.time.tzinfo)
    r = variant(reprint_count=1, original_printed=False, printed_at=at)
    lines = decode(receipt_job(r, get_profile(model)))[0].lines
    assert not any("重打" in ln or "DUPLICATE" in ln for ln in lines)
    assert "".join(ln for ln in lines[2:4] if not ln.startswith("-")).startswith("补打 / LATE PRINT 第1次")
    assert "原凭条未打出" in "".join(lines)
    assert all(width(line) <= cols for line in lines)
    # the purchase's own time, and when this paper came out
    assert any(ln.startswith("时间") and ln.endswith("2026-11-22 10:30:05") for ln in lines)
    assert any(ln.startswith("打印时间") and ln.endswith("2026-11-23 09:00:01") for ln in lines)
    assert late_print_mark(2).startswith("补打 / LATE PRINT 第2次")
