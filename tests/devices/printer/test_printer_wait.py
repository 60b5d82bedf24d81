"""The wait for a receipt's confirmation, against a scripted link: a stray status byte
does not fail a good receipt, and a GS r answer read during a status query is not lost."""
from __future__ import annotations

from types import TracebackType
from typing import Self

import pytest
from printer_testdata import RECEIPT, fast_printer

from devices.printer import commands as c
from devices.printer.printer import EscposReceiptPrinter
from kiosk.errors import PaperOut


class ScriptedLink:
    """Answers DLE EOT with 0x12 (all well) unless told otherwise; answers GS r 1 only
    after `gs_r_after` polls; `poll_replies` overrides the replies to DLE EOT 2 polls."""

    def __init__(self, gs_r_after: int, poll_replies: list[int], gs_r: int = 0x00) -> None:
        self.sent: list[bytes] = []
        self.pending = bytearray()
        self.job_sent = False
        self.polls = 0
        self.gs_r_after = gs_r_after
        self.poll_replies = poll_replies
        self.gs_r = gs_r

    def __enter__(self) -> Self:
        return self

    def __exit__(self, t: type[BaseException] | None, e: BaseException | None,
                 tb: TracebackType | None) -> None:
        pass

    def send(self, data: bytes) -> None:
        self.sent.append(data)
        if data.endswith(c.gs_r(1)):
            self.job_sent = True
        elif data == c.dle_eot(2) and self.job_sent:
            self.polls += 1
            if self.poll_replies:
                self.pending.append(self.poll_replies.pop(0))
            else:
                self.pending.append(0x12)
            if self.polls == self.gs_r_after:
                self.pending.append(self.gs_r)
        else:
            self.pending.append(0x12)

    def read(self, timeout: float) -> bytes:
        out = bytes(self.pending)
        self.pending.clear()
        return out


def with_link(monkeypatch: pytest.MonkeyPatch, link: ScriptedLink) -> EscposReceiptPrinter:
    printer = fast_printer("tcp://127.0.0.1:9")
    monkeypatch.setattr(printer, "_open", lambda: link)
    return printer


def test_a_stray_status_byte_does_not_fail_a_good_receipt(monkeypatch: pytest.MonkeyPatch) -> None:
    link = ScriptedLink(gs_r_after=2, poll_replies=[0x16])  # bit 2: looks like a cover
    with_link(monkeypatch, link).print_receipt(RECEIPT)
    assert link.sent.count(c.dle_eot(1)) == 3  # pre-check, the stray byte checked, final


def test_gs_r_answer_arriving_with_a_query_is_kept(monkeypatch: pytest.MonkeyPatch) -> None:
    link = ScriptedLink(gs_r_after=1, poll_replies=[0x16])  # GS r comes with the stray byte
    with_link(monkeypatch, link).print_receipt(RECEIPT)


def test_gs_r_saying_paper_out_fails_the_receipt(monkeypatch: pytest.MonkeyPatch) -> None:
    link = ScriptedLink(gs_r_after=1, poll_replies=[], gs_r=0x0C)
    with pytest.raises(PaperOut):
        with_link(monkeypatch, link).print_receipt(RECEIPT)
