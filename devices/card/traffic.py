"""APDU traffic logging at TRAFFIC (5, below DEBUG), with secrets masked.

Every exchange of every reader is logged as `reader >> command` / `reader << response sw`,
so a field log can be replayed as a test transcript. PSCs, MACs, TACs and keys are replaced
by `**` per byte, decided from CLA/INS in one table."""
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


def format_response(apdu: bytes, data: bytes, sw: int) -> str:
    _, rsp_ranges = _MASKS.get((apdu[0], apdu[1]) if len(apdu) >= 2 else (0, 0), ((), ()))
    body = _mask(data, rsp_ranges)
    return f"{body} {sw:04X}".strip()


def log_exchange(log: logging.Logger, reader: str, apdu: bytes, data: bytes, sw: int, ms: float) -> None:
    if log.isEnabledFor(TRAFFIC):
        log.log(TRAFFIC, "%s >> %s", reader, format_command(apdu))
        log.log(TRAFFIC, "%s << %s (%.1f ms)", reader, format_response(apdu, data, sw), ms)


def log_failure(log: logging.Logger, reader: str, apdu: bytes, why: str) -> None:
    if log.isEnabledFor(TRAFFIC):
        log.log(TRAFFIC, "%s >> %s", reader, format_command(apdu))
        log.log(TRAFFIC, "%s << (no response: %s)", reader, why)
