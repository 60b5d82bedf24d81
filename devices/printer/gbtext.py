"""Text for a GB18030 (Chinese mode) ESC/POS printer: encoding and column arithmetic.

python-escpos 3.1's magic encoder sends a line as GB18030 only when it contains a Han
character in U+4E00..U+9FA5; any other line goes through the single-byte code pages, so
a line of only full-width punctuation or `￥` prints as `??`. We never use it: every line
is encoded here as GB18030 and sent raw, after `FS &` has put the printer in Chinese
mode (where a byte >= 0x81 starts a multi-byte character).
"""
from __future__ import annotations


def encode(text: str) -> bytes:
    """GB18030 bytes of a line. GB18030 covers all of Unicode, so this never fails;
    control characters are dropped so that text can never smuggle a command."""
    clean = "".join(ch for ch in text if ch >= " " and ch != "\x7f")
    return clean.encode("gb18030")


def width(text: str) -> int:
    """Printed width in half-width columns: ASCII takes one, every multi-byte
    GB18030 character (Han, full-width punctuation, ￥, ×) prints full width, two."""
    return sum(1 if ord(ch) < 0x80 else 2 for ch in text)


def fit(text: str, columns: int) -> list[str]:
    """Split a line so that no piece is wider than `columns` (never splits a character)."""
    pieces: list[str] = []
    current = ""
    used = 0
    for ch in text:
        w = width(ch)
        if used + w > columns and current:
            pieces.append(current)
            current, used = "", 0
        current += ch
        used += w
    pieces.append(current)
    return pieces


def pair(left: str, right: str, columns: int) -> list[str]:
    """`left` flush left and `right` flush right on one line, or on two lines when
    they do not fit together (the value then goes right-aligned on the next line)."""
    gap = columns - width(left) - width(right)
    if gap >= 1:
        return [left + " " * gap + right]
    lines = fit(left, columns)
    lines.extend(" " * max(0, columns - width(piece)) + piece for piece in fit(right, columns))
    return lines
