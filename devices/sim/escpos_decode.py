"""An ESC/POS stream decoder for the printer simulator and for tests.

Feed it bytes (in any chunks); it parses the commands the kiosk's printers understand,
drops them, keeps the printed content as items (text lines decoded from GB18030 in
Chinese mode, QR codes with their payload, raster images, feeds) and reports cuts and
status queries as events, each with the stream offset at which it ends.
"""
from __future__ import annotations

import logging
from dataclasses import dataclass, field

logger = logging.getLogger(__name__)

ESC, GS, FS, DLE = 0x1B, 0x1D, 0x1C, 0x10
ALIGNS = ("left", "center", "right")

# Fixed total lengths of the simple commands, by prefix and second byte.
_ESC_LEN = {
    ord(k): n
    for k, n in {
        "@": 2, "!": 3, "E": 3, "-": 3, "a": 3, "d": 3, "J": 3, "M": 3, "t": 3, "R": 3,
        "2": 2, "3": 3, "G": 3, "{": 3, "V": 3, "p": 5, "B": 4, "=": 3, "U": 3, " ": 3,
        "$": 4, "\\": 4, "r": 3, "e": 3, "c": 4, "S": 2, "L": 2, "T": 3, "i": 2, "m": 2,
    }.items()
}
_GS_LEN = {
    ord(k): n
    for k, n in {
        "!": 3, "B": 3, "r": 3, "b": 3, "|": 3, "H": 3, "h": 3, "w": 3, "f": 3, "L": 4,
        "W": 4, "a": 3, "I": 3, "/": 3, "P": 4, "$": 4, "\\": 4, "^": 4, ":": 2,
    }.items()
}
_FS_LEN = {ord(k): n for k, n in {"&": 2, ".": 2, "C": 3, "!": 3, "-": 3, "W": 3, "S": 4}.items()}


@dataclass(frozen=True)
class TextLine:
    text: str
    align: str = "left"
    bold: bool = False
    width: int = 1  # character width multiplier
    height: int = 1


@dataclass(frozen=True)
class QrCode:
    payload: str
    module: int = 3
    align: str = "left"


@dataclass(frozen=True)
class Raster:
    width: int  # dots
    height: int
    data: bytes = field(repr=False)  # rows of width // 8 bytes, MSB first, 1 = black
    align: str = "left"

    def pixel(self, x: int, y: int) -> bool:
        row = self.width // 8
        return bool(self.data[y * row + x // 8] & (0x80 >> (x % 8)))


@dataclass(frozen=True)
class Feed:
    lines: int


Item = TextLine | QrCode | Raster | Feed


@dataclass(frozen=True)
class Printed:
    item: Item
    end: int  # stream offset just after the bytes that printed it


@dataclass(frozen=True)
class Cut:
    partial: bool
    end: int


@dataclass(frozen=True)
class StatusQuery:
    command: str  # "DLE EOT" | "GS r"
    n: int
    end: int


Event = Printed | Cut | StatusQuery


@dataclass
class _Style:
    align: str = "left"
    bold: bool = False
    width: int = 1
    height: int = 1
    kanji: bool = False


@dataclass
class Page:
    """What printed between two cuts."""

    items: list[Item] = field(default_factory=list)
    cut: bool = False

    @property
    def lines(self) -> list[str]:
        return [i.text for i in self.items if isinstance(i, TextLine)]

    @property
    def qr_payloads(self) -> list[str]:
        return [i.payload for i in self.items if isinstance(i, QrCode)]

    @property
    def rasters(self) -> list[Raster]:
        return [i for i in self.items if isinstance(i, Raster)]


class Decoder:
    def __init__(self) -> None:
        self._buf = bytearray()
        self._base = 0  # stream offset of self._buf[0]
        self._style = _Style()
        self._segments: list[tuple[bytes, bool]] = []  # (bytes, Chinese mode)
        self._qr_data = b""
        self._qr_module = 3
        self._graphics: Raster | None = None
        self._events: list[Event] = []

    @property
    def offset(self) -> int:
        """Bytes consumed so far."""
        return self._base

    def feed(self, data: bytes) -> list[Event]:
        self._buf += data
        i = 0
        while i < len(self._buf):
            nxt = self._step(i)
            if nxt is None:
                break
            i = nxt
        del self._buf[:i]
        self._base += i
        events, self._events = self._events, []
        return events

    # --- helpers -----------------------------------------------------------
    def _emit(self, item: Item, end: int) -> None:
        self._events.append(Printed(item, self._base + end))

    def _flush_line(self, end: int, empty_as_feed: bool = True) -> None:
        if not self._segments:
            if empty_as_feed:
                self._emit(Feed(1), end)
            return
        text = "".join(
            raw.decode("gb18030", errors="replace") if kanji else raw.decode("cp437")
            for raw, kanji in self._segments
        )
        self._segments = []
        s = self._style
        self._emit(TextLine(text, s.align, s.bold, s.width, s.height), end)

    def _add_text(self, raw: bytes) -> None:
        kanji = self._style.kanji
        if self._segments and self._segments[-1][1] == kanji:
            self._segments[-1] = (self._segments[-1][0] + raw, kanji)
        else:
            self._segments.append((raw, kanji))

    # --- the parser: returns the index after the command, None when incomplete ----
    def _step(self, i: int) -> int | None:
        b = self._buf
        c = b[i]
        if c == 0x0A:
            self._flush_line(i + 1)
            return i + 1
        if c == 0x0C:
            self._flush_line(i + 1, empty_as_feed=False)
            return i + 1
        if c == 0x09:
            self._add_text(b" " * 4)
            return i + 1
        if c in (ESC, GS, FS, DLE):
            if i + 1 >= len(b):
                return None
            return self._command(i, c, b[i + 1])
        if c < 0x20 or c == 0x7F:
            return i + 1
        if self._style.kanji and c >= 0x81:
            if i + 1 >= len(b):
                return None
            n = 4 if 0x30 <= b[i + 1] <= 0x39 else 2
            if i + n > len(b):
                return None
            self._add_text(bytes(b[i : i + n]))
            return i + n
        self._add_text(bytes((c,)))
        return i + 1

    def _command(self, i: int, prefix: int, code: int) -> int | None:
        b = self._buf
        if prefix == DLE:
            if code in (0x04, 0x05):  # DLE EOT n / DLE ENQ n
                if i + 2 >= len(b):
                    return None
                if code == 0x04:
                    self._events.append(StatusQuery("DLE EOT", b[i + 2], self._base + i + 3))
                return i + 3
            if code == 0x14:  # DLE DC4 fn m t
                return i + 5 if i + 5 <= len(b) else None
            return i + 1  # a lone DLE: ignored
        if prefix == GS and code in (ord("v"), ord("("), ord("V"), ord("k"), ord("*")):
            return self._gs_variable(i, code)
        if prefix == ESC and code in (ord("*"), ord("D")):
            return self._esc_variable(i, code)
        table = {ESC: _ESC_LEN, GS: _GS_LEN, FS: _FS_LEN}[prefix]
        n = table.get(code)
        if n is None:
            logger.warning("unknown command %02x %02x at %d", prefix, code, self._base + i)
            return i + 2
        if i + n > len(b):
            return None
        self._apply(prefix, code, bytes(b[i + 2 : i + n]), i + n)
        return i + n

    def _apply(self, prefix: int, code: int, args: bytes, end: int) -> None:
        s = self._style
        ch = chr(code)
        if prefix == ESC:
            if ch == "@":
                self._segments = []
                self._style = _Style()
            elif ch == "!":
                s.bold, s.height, s.width = bool(args[0] & 8), 1 + bool(args[0] & 16), 1 + bool(args[0] & 32)
            elif ch == "E":
                s.bold = bool(args[0] & 1)
            elif ch == "a":
                s.align = ALIGNS[args[0] % 48 if args[0] % 48 < 3 else 0]
            elif ch == "d":
                self._flush_line(end, empty_as_feed=False)
                self._emit(Feed(args[0]), end)
            elif ch == "J":
                self._flush_line(end, empty_as_feed=False)
        elif prefix == GS:
            if ch == "!":
                s.width, s.height = (args[0] >> 4) + 1, (args[0] & 15) + 1
            elif ch == "r":
                self._events.append(StatusQuery("GS r", args[0] % 48, self._base + end))
        elif prefix == FS:
            if ch == "&":
                s.kanji = True
            elif ch == ".":
                s.kanji = False

    def _gs_variable(self, i: int, code: int) -> int | None:
        b = self._buf
        if code == ord("V"):  # GS V m [n]
            if i + 2 >= len(b):
                return None
            m = b[i + 2]
            end = i + (4 if m >= 65 else 3)
            if end > len(b):
                return None
            self._flush_line(end, empty_as_feed=False)
            self._events.append(Cut(partial=m in (1, 49, 66), end=self._base + end))
            return end
        if code == ord("v"):  # GS v 0 m xL xH yL yH d...
            if i + 8 > len(b):
                return None
            x = b[i + 4] | b[i + 5] << 8
            y = b[i + 6] | b[i + 7] << 8
            end = i + 8 + x * y
            if end > len(b):
                return None
            self._emit(Raster(x * 8, y, bytes(b[i + 8 : end]), self._style.align), end)
            return end
        if code == ord("*"):  # GS * x y d... (define downloaded image): skipped
            if i + 4 > len(b):
                return None
            end = i + 4 + b[i + 2] * b[i + 3] * 8
            return end if end <= len(b) else None
        if code == ord("k"):  # barcode: skipped
            if i + 3 > len(b):
                return None
            m = b[i + 2]
            if m <= 6:
                nul = b.find(b"\x00", i + 3)
                return None if nul < 0 else nul + 1
            end = i + 4 + (b[i + 3] if i + 3 < len(b) else 0)
            return end if i + 3 < len(b) and end <= len(b) else None
        # GS ( X pL pH data
        if i + 5 > len(b):
            return None
        end = i + 5 + (b[i + 3] | b[i + 4] << 8)
        if end > len(b):
            return None
        self._gs_paren(chr(b[i + 2]), bytes(b[i + 5 : end]), end)
        return end

    def _gs_paren(self, kind: str, data: bytes, end: int) -> None:
        if kind == "k" and len(data) >= 2 and data[0] == 49:  # QR code, cn = 49
            fn = data[1]
            if fn == 67:
                self._qr_module = data[2]
            elif fn == 80:
                self._qr_data = data[3:]
            elif fn == 81:
                payload = self._qr_data.decode("utf-8", errors="replace")
                self._emit(QrCode(payload, self._qr_module, self._style.align), end)
        elif kind == "L" and len(data) >= 2:  # graphics: store (fn 112) and print (fn 50)
            fn = data[1]
            if fn == 112 and len(data) >= 10:
                w, h = data[6] | data[7] << 8, data[8] | data[9] << 8
                self._graphics = Raster((w + 7) // 8 * 8, h, data[10:], self._style.align)
            elif fn in (50, 2) and self._graphics is not None:
                self._emit(self._graphics, end)

    def _esc_variable(self, i: int, code: int) -> int | None:
        b = self._buf
        if code == ord("D"):  # tab positions, NUL terminated
            nul = b.find(b"\x00", i + 2)
            return None if nul < 0 else nul + 1
        if i + 5 > len(b):  # ESC * m nL nH d...: column image, skipped
            return None
        n = b[i + 3] | b[i + 4] << 8
        end = i + 5 + n * (3 if b[i + 2] >= 32 else 1)
        return end if end <= len(b) else None


def decode(data: bytes) -> list[Page]:
    """Decode a whole stream into pages (a new page after every cut)."""
    pages = [Page()]
    for event in Decoder().feed(data):
        if isinstance(event, Printed):
            pages[-1].items.append(event.item)
        elif isinstance(event, Cut):
            pages[-1].cut = True
            pages.append(Page())
    if not pages[-1].items and len(pages) > 1:
        pages.pop()
    return pages
