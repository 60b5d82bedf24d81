"""The ReceiptPrinter port over python-escpos: status, receipts, and plain slips.

    printer = EscposReceiptPrinter.from_config("tcp://10.0.0.9:9100", model="80")
    printer.status()              # PrinterState, never raises
    printer.print_receipt(r)      # returns only when the printer confirmed the whole job

How "whole" is known: the job is sent followed by GS r 1, which the printer answers only
after it has processed every byte before it (a printer that ran out of paper or opened
its cover mid-job goes offline and never gets there). While waiting, DLE EOT 2 (real
time) is polled, so paper-out and cover-open are seen at once rather than at the timeout.
"""
from __future__ import annotations

import logging
import threading
import time
from collections.abc import Sequence

from kiosk.errors import (
    PaperOut,
    PrinterCoverOpen,
    PrinterError,
    PrinterOffline,
    ReceiptIncomplete,
)
from kiosk.ports import PrinterState
from kiosk.receipt import Receipt

from . import commands as c
from .layout import Item, Text, build_job, receipt_job
from .profiles import PrinterProfile, get_profile
from .status import StatusReport, decode_status, gs_r_paper, is_dle_eot_reply, is_gs_r_reply
from .transport import Link, PrinterAddress, parse_url

logger = logging.getLogger(__name__)


class EscposReceiptPrinter:
    """Implements kiosk.ports.ReceiptPrinter. One connection per operation, so a printer
    that was power-cycled or replugged works again on the next call."""

    def __init__(
        self,
        address: PrinterAddress,
        profile: PrinterProfile,
        *,
        status_timeout: float = 1.0,
        print_timeout: float = 30.0,
        poll_interval: float = 0.3,
    ) -> None:
        self.address = address
        self.profile = profile
        self.status_timeout = status_timeout
        self.print_timeout = print_timeout
        self.poll_interval = poll_interval
        self._lock = threading.Lock()
        self._gs_r: int | None = None  # the GS r 1 answer, once it has come

    @classmethod
    def from_config(cls, url: str, model: str | int = "80", **kwargs: float) -> EscposReceiptPrinter:
        """From the configured URL and model; `?qr=native|raster` in the URL overrides
        the model's QR method. Raises ConfigError on a bad URL or model."""
        address = parse_url(url)
        qr = address.options.get("qr")
        return cls(address, get_profile(model, qr), **kwargs)

    # --- status --------------------------------------------------------------------
    def status(self) -> PrinterState:
        return self.status_report().state

    def status_report(self) -> StatusReport:
        """All the status bits; OFFLINE (answered=False) when unreachable or mute."""
        with self._lock:
            try:
                with self._open() as link:
                    return self._query(link)
            except PrinterError as exc:
                logger.info("printer status: %s", exc)
                return decode_status(None, None, None)

    def _query(self, link: Link) -> StatusReport:
        self._note_gs_r(link.read(0.0))  # late answers; a GS r reply is kept, not lost
        answers: list[int | None] = []
        for n in (1, 2, 4):
            link.send(c.dle_eot(n))
            answers.append(self._await_dle_eot(link))
            if answers[0] is None:  # a mute printer: do not wait three times
                break
        answers += [None] * (3 - len(answers))
        return decode_status(*answers)

    def _await_dle_eot(self, link: Link) -> int | None:
        deadline = time.monotonic() + self.status_timeout
        while True:
            left = deadline - time.monotonic()
            data = link.read(max(0.0, left))
            self._note_gs_r(data)
            for byte in data:
                if is_dle_eot_reply(byte):
                    return byte
            if left <= 0:
                return None

    def _note_gs_r(self, data: bytes) -> None:
        for byte in data:
            if is_gs_r_reply(byte) and self._gs_r is None:
                self._gs_r = byte

    # --- printing ------------------------------------------------------------------
    def print_receipt(self, receipt: Receipt) -> None:
        """Raises PaperOut / PrinterCoverOpen / PrinterOffline / PrinterUnreachable /
        ReceiptIncomplete (all PrinterError) when the receipt did not come out whole."""
        logger.info("printing receipt %s (reprint %d)", receipt.txn_id, receipt.reprint_count)
        self.print_job(receipt_job(receipt, self.profile))

    def print_lines(self, lines: Sequence[str], title: str | None = None) -> None:
        """A plain slip (e.g. a cash collection slip): optional centred bold title, lines."""
        items: list[Item] = []
        if title:
            items.append(Text(title, "center", bold=True))
        items.extend(Text(line) for line in lines)
        self.print_job(build_job(items, self.profile))

    def print_job(self, job: bytes) -> None:
        with self._lock, self._open() as link:
            before = self._query(link)
            self._raise_for(before, "before printing")
            self._gs_r = None
            link.send(job + c.gs_r(1))
            self._await_completion(link)

    def _await_completion(self, link: Link) -> None:
        deadline = time.monotonic() + self.print_timeout
        next_poll = time.monotonic() + self.poll_interval
        while True:
            now = time.monotonic()
            if now >= deadline:
                report = self._query(link)
                self._raise_for(report, "after printing")
                raise ReceiptIncomplete(
                    f"the printer did not confirm the receipt within {self.print_timeout:g} s",
                    state=report.state.value,
                )
            data = link.read(max(0.0, min(deadline, next_poll) - now))
            self._note_gs_r(data)
            if self._gs_r is not None:
                paper = gs_r_paper(self._gs_r)
                if paper is PrinterState.PAPER_OUT:
                    raise PaperOut("paper ran out at the end of the receipt")
                if paper is PrinterState.PAPER_NEAR_END:
                    logger.warning("printer paper near end")
                # a clone that answers GS r on receipt rather than in sequence still gets
                # caught here when it stopped mid-receipt
                self._raise_for(self._query(link), "after printing")
                return
            if any(is_dle_eot_reply(b) and b & 0x64 for b in data):  # cover, paper end, error
                # make sure with a full query (a stray reply must not fail a good receipt)
                report = self._query(link)
                self._raise_for(report, "while printing")
                continue
            if time.monotonic() >= next_poll:
                link.send(c.dle_eot(2))
                next_poll = time.monotonic() + self.poll_interval

    @staticmethod
    def _raise_for(report: StatusReport, when: str) -> None:
        state = report.state
        if state is PrinterState.PAPER_OUT:
            raise PaperOut(f"printer out of paper {when}", state=state.value)
        if state is PrinterState.COVER_OPEN:
            raise PrinterCoverOpen(f"printer cover open {when}", state=state.value)
        if state is PrinterState.OFFLINE:
            if not report.answered:
                raise PrinterOffline(f"the printer does not answer {when}", state=state.value)
            raise PrinterOffline(f"printer offline {when}", state=state.value)

    def _open(self) -> Link:
        return Link(self.address, self.profile.escpos_profile)
