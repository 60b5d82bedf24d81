"""The printer adapter against the simulator over a real TCP socket: round trip, status,
paper out at chosen bytes, cover open, a dropped connection, the PNG, the CLI."""
from __future__ import annotations

import argparse
import io
import json
import os
import socket
import subprocess
import sys
from collections.abc import Iterator
from contextlib import redirect_stderr, redirect_stdout
from pathlib import Path

import pytest
import qrcode  # type: ignore[import-untyped]
from PIL import Image
from printer_testdata import EXPECTED_80, RECEIPT, fast_printer, variant

from devices.printer import cli
from devices.printer import commands as c
from devices.printer.layout import receipt_items, receipt_job, text_lines
from devices.printer.profiles import get_profile
from devices.sim.escpos_decode import decode
from devices.sim.escpos_render import FONT_PATH, load_font
from devices.sim.printer_sim import PrinterSim
from kiosk.errors import (
    PaperOut,
    PrinterCoverOpen,
    PrinterError,
    PrinterOffline,
    PrinterUnreachable,
    ReceiptIncomplete,
)
from kiosk.ports import PrinterState

STATUS_QUERY_BYTES = 9  # DLE EOT 1, 2, 4 before every job
JOB = receipt_job(RECEIPT, get_profile("80"))


@pytest.fixture
def sim() -> Iterator[PrinterSim]:
    with PrinterSim() as s:
        yield s


def test_round_trip_over_tcp_decodes_to_the_layout(sim: PrinterSim) -> None:
    receipt = variant(extra_lines=("￥", "，。！"))
    fast_printer(sim.url).print_receipt(receipt)
    [page] = sim.pages()
    assert page.cut
    assert page.lines == text_lines(receipt_items(receipt, get_profile("80")))
    assert "￥" in page.lines and "，。！" in page.lines
    assert sim.qr_payloads() == [RECEIPT.verify_code]
    assert receipt_job(receipt, get_profile("80")) + c.gs_r(1) in sim.received()


def test_58mm_raster_round_trip(sim: PrinterSim) -> None:
    fast_printer(sim.url, "58").print_receipt(variant(reprint_count=2, offline=True))
    [page] = sim.cut_pages()
    assert page.lines[2] == "重打 / DUPLICATE 第2次"
    assert "离线交易，待上传" in page.lines
    assert len(page.rasters) == 1 and page.qr_payloads == []


@pytest.mark.parametrize(
    ("setup", "state"),
    [
        (lambda s: None, PrinterState.OK),
        (lambda s: s.set_paper("near_end"), PrinterState.PAPER_NEAR_END),
        (lambda s: s.set_paper("out"), PrinterState.PAPER_OUT),
        (lambda s: s.set_cover_open(True), PrinterState.COVER_OPEN),
        (lambda s: s.set_offline(True), PrinterState.OFFLINE),
        (lambda s: s.set_mute(True), PrinterState.OFFLINE),
    ],
    ids=["ok", "near_end", "out", "cover_open", "offline", "mute"],
)
def test_status_queries(sim: PrinterSim, setup: object, state: PrinterState) -> None:
    setup(sim)  # type: ignore[operator]
    printer = fast_printer(sim.url)
    assert printer.status() is state
    report = printer.status_report()
    assert report.paper_near_end == (state is PrinterState.PAPER_NEAR_END)
    assert report.paper_out == (state is PrinterState.PAPER_OUT)
    assert report.cover_open == (state is PrinterState.COVER_OPEN)


def test_near_end_still_prints(sim: PrinterSim) -> None:
    sim.set_paper("near_end")
    fast_printer(sim.url).print_receipt(RECEIPT)
    assert sim.lines() == EXPECTED_80


# paper out at chosen bytes all along the job: in the header, mid-text, inside the QR
# commands, just before the cut, on the cut itself
PAPER_OUT_AT = [1, 40, 300, len(JOB) // 2, JOB.index(b"\x1d(k") + 5, len(JOB) - 3, len(JOB) - 1]


@pytest.mark.parametrize("at", PAPER_OUT_AT)
def test_paper_out_at_a_chosen_byte_raises_paper_out(sim: PrinterSim, at: int) -> None:
    sim.run_out_of_paper_after(STATUS_QUERY_BYTES + at)
    printer = fast_printer(sim.url)
    with pytest.raises(PaperOut):
        printer.print_receipt(RECEIPT)
    assert sim.cut_pages() == []
    assert sim.lines() == decode(JOB[:at])[0].lines  # exactly what fit before the end
    assert printer.status() is PrinterState.PAPER_OUT
    sim.set_paper("ok")  # a new roll: the reprint comes out whole
    sim.clear()
    printer.print_receipt(variant(reprint_count=1))
    assert sim.cut_pages()[0].lines[2] == "重打 / DUPLICATE 第1次"


def test_paper_out_before_printing_sends_nothing(sim: PrinterSim) -> None:
    sim.set_paper("out")
    with pytest.raises(PaperOut):
        fast_printer(sim.url).print_receipt(RECEIPT)
    assert sim.received() == c.dle_eot(1) + c.dle_eot(2) + c.dle_eot(4)


def test_cover_open_and_offline_refuse_to_print(sim: PrinterSim) -> None:
    sim.set_cover_open(True)
    with pytest.raises(PrinterCoverOpen):
        fast_printer(sim.url).print_receipt(RECEIPT)
    sim.set_cover_open(False)
    sim.set_offline(True)
    with pytest.raises(PrinterOffline):
        fast_printer(sim.url).print_receipt(RECEIPT)
    assert sim.lines() == []


def test_dropped_connection_mid_receipt_is_an_error(sim: PrinterSim) -> None:
    sim.drop_connection_after(STATUS_QUERY_BYTES + 200)
    with pytest.raises(ReceiptIncomplete):
        fast_printer(sim.url).print_receipt(RECEIPT)
    assert sim.cut_pages() == []


def test_unreachable_printer(sim: PrinterSim) -> None:
    url = sim.url
    sim.stop()
    printer = fast_printer(url)
    assert printer.status() is PrinterState.OFFLINE
    with pytest.raises(PrinterUnreachable) as info:
        printer.print_receipt(RECEIPT)
    assert isinstance(info.value, PrinterError) and "refused" in str(info.value)


def test_png_of_the_receipt_has_ink_where_the_lines_are(sim: PrinterSim, tmp_path: Path) -> None:
    assert os.path.exists(FONT_PATH), "fonts-noto-cjk is required (install-system-deps.sh)"
    fast_printer(sim.url).print_receipt(RECEIPT)
    png = sim.render_png(tmp_path / "receipt.png")
    assert (tmp_path / "receipt.png").read_bytes() == png
    img = Image.open(io.BytesIO(png)).convert("L")
    assert img.width == 576 and img.height > 800

    def dark(y0: int, y1: int, x0: int = 0, x1: int = 576) -> int:
        return sum(1 for y in range(y0, y1) for x in range(x0, x1) if img.getpixel((x, y)) < 128)

    assert dark(8, 72, 96, 480) > 1500  # the double-size title, centred
    assert dark(8, 72, 0, 90) == 0  # nothing left of it
    # 8 dots margin, the title 64 dots high, then 32 dots a line
    assert dark(8 + 64 + 32, 8 + 64 + 64) > 300  # the rule under the subtitle
    assert dark(8 + 64 + 64 + 12, 8 + 64 + 96 - 4, 0, 80) > 100  # 终端号
    assert dark(8 + 64 + 64 + 12, 8 + 64 + 96 - 4, 300, 490) == 0  # the gap before K0001
    # the QR after 19 text lines: its modules x 6 dots, centred, half of it dark or so
    qr = qrcode.QRCode(error_correction=qrcode.constants.ERROR_CORRECT_M, border=0)
    qr.add_data(RECEIPT.verify_code)
    qr.make(fit=True)
    side = qr.modules_count * 6
    left = (576 - side) // 2
    qr_top = 8 + 64 + 32 * 19
    assert dark(qr_top, qr_top + side, left, left + side) > side * side // 3
    assert dark(qr_top, qr_top + side, 0, left - 8) == 0


def test_missing_font_is_an_error_not_a_fallback(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError, match="fonts-noto-cjk"):
        load_font(24, str(tmp_path / "missing.ttc"))


def _kioskctl(argv: list[str]) -> tuple[int, dict[str, object], str]:
    parser = argparse.ArgumentParser(prog="kioskctl")
    cli.add_commands(parser.add_subparsers(dest="command", required=True))
    args = parser.parse_args(argv)
    out, err = io.StringIO(), io.StringIO()
    with redirect_stdout(out), redirect_stderr(err):
        rc = args.func(args)
    return rc, json.loads(out.getvalue()), err.getvalue()


def test_kioskctl_printer_test(sim: PrinterSim) -> None:
    rc, report, err = _kioskctl(["printer", "test", "--url", sim.url, "--model", "58"])
    assert rc == 0 and err == "" and report["printed"] is True
    assert report["status"]["state"] == "ok"  # type: ignore[index]
    [page] = sim.cut_pages()
    assert "￥" in page.lines and page.rasters
    sim.set_paper("out")
    rc, report, err = _kioskctl(["printer", "test", "--url", sim.url])
    assert rc == 1 and report["printed"] is False and "paper" in err
    assert report["status"]["state"] == "paper_out"  # type: ignore[index]
    rc, report, err = _kioskctl(["printer", "status", "--url", sim.url])
    assert rc == 0 and report["status"]["paper_out"] is True  # type: ignore[index]


def test_kioskctl_printer_test_takes_url_and_model_from_the_configuration(
        sim: PrinterSim, tmp_path: Path) -> None:
    example = (Path(__file__).parents[3] / "packaging" / "kiosk.example.toml").read_text()
    cfg = tmp_path / "kiosk.toml"
    cfg.write_text(example.replace('printer_url = "usb://0416:5011"', f'printer_url = "{sim.url}"')
                   .replace('printer_model = "80"', 'printer_model = "58"'))
    rc, report, err = _kioskctl(["printer", "test", "--config", str(cfg)])
    assert rc == 0 and err == "" and (report["url"], report["model"]) == (sim.url, "58")
    [page] = sim.cut_pages()
    assert page.rasters and not page.qr_payloads  # the 58 mm profile: a raster QR
    assert all(len(line.encode("gb18030")) <= 32 for line in page.lines)
    # the command line wins over the configuration
    rc, report, _ = _kioskctl(["printer", "status", "--config", str(cfg), "--model", "80"])
    assert rc == 0 and report["model"] == "80"
    parser = argparse.ArgumentParser(prog="kioskctl")
    cli.add_commands(parser.add_subparsers(dest="command", required=True))
    args = parser.parse_args(["printer", "test", "--config", str(tmp_path / "none.toml")])
    err_io = io.StringIO()
    with redirect_stderr(err_io):
        assert args.func(args) == 2
    assert "no configuration file" in err_io.getvalue()


def test_kioskctl_connection_refused_is_one_clear_line(sim: PrinterSim) -> None:
    url = sim.url
    sim.stop()
    rc, report, err = _kioskctl(["printer", "test", "--url", url])
    assert rc == 2 and "Traceback" not in err and err.count("\n") == 1
    assert "Connection refused" in err and report["error"]["code"] == "R003"  # type: ignore[index]
    rc, report, err = _kioskctl(["printer", "test", "--url", "ftp://nowhere"])
    assert rc == 2 and "scheme" in err


def test_standalone_simulator_prints_what_it_received() -> None:
    proc = subprocess.Popen(
        [sys.executable, "-m", "devices.sim.printer_sim", "--port", "0"],
        stdout=subprocess.PIPE, text=True, cwd=Path(__file__).parents[3],
    )
    try:
        assert proc.stdout is not None
        url = proc.stdout.readline().split()[-1]
        assert url.startswith("tcp://127.0.0.1:")
        fast_printer(url).print_receipt(RECEIPT)
        seen = [proc.stdout.readline().rstrip("\n") for _ in range(len(EXPECTED_80) + 2)]
        assert seen[0] == "--- receipt 1 (cut) ---"
        assert seen[1:-1] == EXPECTED_80 and seen[-1] == f"[QR] {RECEIPT.verify_code}"
    finally:
        proc.terminate()
        proc.wait(timeout=5)


def test_control_port_sets_the_paper_and_reads_the_lines(sim: PrinterSim) -> None:
    from devices.sim.printer_sim import serve_control

    server = serve_control(sim, "127.0.0.1", 0)
    try:
        with socket.create_connection(server.server_address[:2]) as conn:
            stream = conn.makefile("rw", encoding="utf-8")

            def ask(command: str) -> str:
                stream.write(command + "\n")
                stream.flush()
                return stream.readline().rstrip("\n")

            assert ask("paper near_end") == "ok"
            assert fast_printer(sim.url).status() is PrinterState.PAPER_NEAR_END
            assert ask("cover open") == "ok"
            assert fast_printer(sim.url).status() is PrinterState.COVER_OPEN
            assert ask("cover closed") == "ok" and ask("paper ok") == "ok"
            fast_printer(sim.url).print_lines(["收款单", "￥100.00"], title="钱箱清点")
            assert json.loads(ask("lines")) == ["钱箱清点", "收款单", "￥100.00"]
            assert ask("bogus").startswith("error")
    finally:
        server.shutdown()
        server.server_close()
