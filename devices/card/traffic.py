"""APDU traffic logging at TRAFFIC (5, below DEBUG), with secrets masked.

Every exchange of every reader is logged as `reader >> command` / `reader << response sw`,
so a field log can be replayed as a test transcript. PSCs, MACs, TACs and keys are replaced
by `**` per byte, decided from CLA/INS in one table. On T=0 a response can come in pieces:
61xx asks for a GET RESPONSE (`xx C0 00 00 Le`), whose data is masked by the table entry of
the command that caused it, at its offset in the whole response (`TrafficLog`); a GET
RESPONSE of no known command is masked whole."""
from __future__ import annotations

import logging

logger = logging.getLogger(__name__)

TRAFFIC = 5
logging.addLevelName(TRAFFIC, "TRAFFIC")

# (CLA, INS) -> (masked byte ranges of the command body, of the response data)
_MASKS: dict[tuple[int, int], tuple[tuple[tuple[int, int], ...], tuple[tuple[int, int], ...]]] = {
    (0xFF, 0x20): (((0, 3),), ()),  # present PSC
    (0xFF, 0xD2): (((0, 3),), ()),  # change PSC
    (0xFF, 0xB1): ((), ((1, 4),)),  # error counter + PSC read-back
    (0x80, 0x50): ((), ((12, 16),)),  # initialize for load: MAC1
    (0x80, 0x52): (((7, 11),), ((0, 4),)),  # credit for load: MAC2 / TAC
    (0x80, 0x5A): ((), ((0, 8),)),  # transaction prove: MAC2 TAC
    (0x80, 0x70): (((28, 32),), ((0, 4),)),  # SAM authorise load: MAC1 / MAC2
    (0x80, 0x72): (((31, 35),), ()),  # SAM verify TAC
    (0x80, 0x74): ((), ((0, 3),)),  # SAM derive PSC
    (0x80, 0x7E): (((8, 12),), ()),  # SAM replenish quota MAC
}


def _mask(data: bytes, ranges: tuple[tuple[int, int], ...]) -> str:
    cells = [f"{b:02X}" for b in data]
    for start, end in ranges:
        for i in range(start, min(end, len(cells))):
            cells[i] = "**"
    return " ".join(cells)


def format_command(apdu: bytes) -> str:
    if len(apdu) < 5:
        return _mask(apdu, ())
    cmd_ranges, _ = _MASKS.get((apdu[0], apdu[1]), ((), ()))
    shifted = tuple((s + 5, e + 5) for s, e in cmd_ranges)
    return _mask(apdu, shifted)


def is_get_response(apdu: bytes) -> bool:
    return len(apdu) == 5 and apdu[1] == 0xC0 and apdu[2:4] == b"\x00\x00"


_ALL = ((0, 256),)


def format_response(apdu: bytes, data: bytes, sw: int, cause: bytes | None = None, offset: int = 0) -> str:
    """`cause`: for a GET RESPONSE, the command whose response this continues (None: not
    known, everything is masked); `offset`: how many bytes of that response came before."""
    if is_get_response(apdu):
        if cause is None:
            rsp_ranges: tuple[tuple[int, int], ...] = _ALL
        else:
            _, ranges = _MASKS.get((cause[0], cause[1]), ((), ()))
            rsp_ranges = tuple((s - offset, e - offset) for s, e in ranges if e > offset)
    else:
        _, rsp_ranges = _MASKS.get((apdu[0], apdu[1]) if len(apdu) >= 2 else (0, 0), ((), ()))
    body = _mask(data, tuple((max(s, 0), e) for s, e in rsp_ranges))
    return f"{body} {sw:04X}".strip()


class TrafficLog:
    """The traffic log of one connection: remembers which command a 61xx chain of GET
    RESPONSEs belongs to, so their data is masked like that command's response."""

    def __init__(self, log: logging.Logger, reader: str) -> None:
        self.log = log
        self.reader = reader
        self._chain: tuple[bytes | None, int] | None = None  # (cause, bytes of it so far)

    def exchange(self, apdu: bytes, data: bytes, sw: int, ms: float) -> None:
        if is_get_response(apdu):
            cause, offset = self._chain if self._chain is not None else (None, 0)
        else:
            cause, offset = apdu, 0
        self._chain = (cause, offset + len(data)) if sw >> 8 == 0x61 else None
        if self.log.isEnabledFor(TRAFFIC):
            self.log.log(TRAFFIC, "%s >> %s", self.reader, format_command(apdu))
            self.log.log(TRAFFIC, "%s << %s (%.1f ms)", self.reader,
                         format_response(apdu, data, sw, cause, offset), ms)

    def failure(self, apdu: bytes, why: str) -> None:
        self._chain = None
        log_failure(self.log, self.reader, apdu, why)


def log_exchange(log: logging.Logger, reader: str, apdu: bytes, data: bytes, sw: int, ms: float) -> None:
    """One exchange with no chain state (a GET RESPONSE is then masked whole)."""
    if log.isEnabledFor(TRAFFIC):
        log.log(TRAFFIC, "%s >> %s", reader, format_command(apdu))
        log.log(TRAFFIC, "%s << %s (%.1f ms)", reader, format_response(apdu, data, sw), ms)


def log_failure(log: logging.Logger, reader: str, apdu: bytes, why: str) -> None:
    if log.isEnabledFor(TRAFFIC):
        log.log(TRAFFIC, "%s >> %s", reader, format_command(apdu))
        log.log(TRAFFIC, "%s << (no response: %s)", reader, why)
