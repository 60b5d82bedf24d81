"""The ESC/POS commands the kiosk sends (Epson TM / GB18030 Chinese-printer dialect)."""
from __future__ import annotations

from typing import Final, Literal

Align = Literal["left", "center", "right"]

ESC: Final = b"\x1b"
GS: Final = b"\x1d"
FS: Final = b"\x1c"
DLE: Final = b"\x10"
EOT: Final = b"\x04"
LF: Final = b"\n"

INIT: Final = ESC + b"@"  # ESC @: reset modes
KANJI_ON: Final = FS + b"&"  # FS &: Chinese (GB18030) character mode on
KANJI_OFF: Final = FS + b"."  # FS .: Chinese character mode off
LINE_SPACING_DEFAULT: Final = ESC + b"2"
ALIGN: Final[dict[Align, bytes]] = {
    "left": ESC + b"a\x00",
    "center": ESC + b"a\x01",
    "right": ESC + b"a\x02",
}
CUT_FULL: Final = GS + b"V\x00"
CUT_PART: Final = GS + b"V\x01"


def bold(on: bool) -> bytes:
    """ESC E n."""
    return ESC + b"E" + (b"\x01" if on else b"\x00")


def size(double: bool) -> bytes:
    """GS ! n: double width and height, or normal (applies to Chinese characters too)."""
    return GS + b"!" + (b"\x11" if double else b"\x00")


def feed_lines(n: int) -> bytes:
    """ESC d n: print the buffer and feed n lines."""
    return ESC + b"d" + bytes((n,))


def dle_eot(n: int) -> bytes:
    """DLE EOT n (real time, answered even when offline): 1 printer, 2 offline cause,
    3 error cause, 4 roll paper sensor."""
    if n not in (1, 2, 3, 4):
        raise ValueError(f"DLE EOT n must be 1..4, not {n}")
    return DLE + EOT + bytes((n,))


def gs_r(n: int) -> bytes:
    """GS r n (processed in sequence, after all data sent before it): 1 paper sensor."""
    return GS + b"r" + bytes((n,))
