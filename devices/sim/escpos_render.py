"""Render decoded ESC/POS pages to a picture of the paper (PNG), with a CJK font.

Font A of a thermal printer is 12x24 dots for a half-width character (24x24 for a Chinese
one); the picture uses the same grid, so 48 columns fill 576 dots and 32 fill 384.
"""
from __future__ import annotations

import io
import os
from pathlib import Path

import qrcode  # type: ignore[import-untyped]
from PIL import Image, ImageDraw, ImageFont

from .escpos_decode import Feed, Page, QrCode, Raster, TextLine

FONT_PATH = "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc"
CELL_H = 24  # dots, font A
LINE_H = 32  # dots per text line at the default line spacing
MARGIN = 8
CUT_GAP = 24


def load_font(size: int, path: str = FONT_PATH) -> ImageFont.FreeTypeFont:
    """The CJK font; FileNotFoundError (never a silent fallback) when it is missing."""
    if not os.path.exists(path):
        raise FileNotFoundError(
            f"CJK font {path} is missing: install fonts-noto-cjk "
            "(packaging/install-system-deps.sh)"
        )
    return ImageFont.truetype(path, size)


def _text_image(line: TextLine, font_path: str) -> Image.Image:
    """A text line on the printer's grid: ASCII in a 12-dot cell, others in 24 dots."""
    font = load_font(CELL_H * line.height, font_path)
    cell = CELL_H * line.height // 2
    cols = sum(1 if ord(ch) < 0x80 else 2 for ch in line.text)
    img = Image.new("L", (max(1, cols * cell), LINE_H * line.height), 255)
    draw = ImageDraw.Draw(img)
    baseline = (LINE_H - CELL_H) * line.height // 2 + CELL_H * line.height * 7 // 8
    x = 0
    for ch in line.text:
        span = cell if ord(ch) < 0x80 else 2 * cell
        if not ch.isspace():
            glyph_w = draw.textlength(ch, font=font)
            draw.text(
                (x + (span - glyph_w) / 2, baseline),
                ch,
                font=font,
                fill=0,
                anchor="ls",
                stroke_width=1 if line.bold else 0,
                stroke_fill=0,
            )
        x += span
    if line.width != line.height:
        img = img.resize((img.width * line.width // line.height, img.height))
    return img


def _raster_image(r: Raster) -> Image.Image:
    bits = Image.frombytes("1", (r.width, r.height), r.data)  # PIL: 1 is white
    return bits.point(lambda v: 255 - v).convert("L")


def _qr_image(q: QrCode) -> Image.Image:
    code = qrcode.QRCode(box_size=max(1, q.module), border=0)
    code.add_data(q.payload)
    code.make(fit=True)
    img: Image.Image = code.make_image().get_image().convert("L")
    return img


def _blocks(page: Page, font_path: str) -> list[tuple[Image.Image | None, str, int]]:
    """(picture or None for blank space, alignment, height) for each item of a page."""
    out: list[tuple[Image.Image | None, str, int]] = []
    for item in page.items:
        if isinstance(item, TextLine):
            img = _text_image(item, font_path)
            out.append((img, item.align, img.height))
        elif isinstance(item, Raster):
            out.append((_raster_image(item), item.align, item.height))
        elif isinstance(item, QrCode):
            img = _qr_image(item)
            out.append((img, item.align, img.height))
        elif isinstance(item, Feed):
            out.append((None, "left", LINE_H * item.lines))
    return out


def render(pages: list[Page], width: int = 576, font_path: str = FONT_PATH) -> Image.Image:
    """One picture of the paper: pages one under the other, a dashed line at each cut."""
    all_blocks = [_blocks(page, font_path) for page in pages]
    height = MARGIN * 2 + sum(
        sum(h for _, _, h in blocks) + CUT_GAP for blocks in all_blocks
    )
    canvas = Image.new("L", (width, max(height, 2 * MARGIN)), 255)
    draw = ImageDraw.Draw(canvas)
    y = MARGIN
    for page, blocks in zip(pages, all_blocks):
        for img, align, h in blocks:
            if img is not None:
                x = {"left": 0, "center": (width - img.width) // 2, "right": width - img.width}
                canvas.paste(img, (max(0, x.get(align, 0)), y))
            y += h
        y += CUT_GAP // 2
        if page.cut:
            for x0 in range(0, width, 16):
                draw.line([(x0, y), (x0 + 8, y)], fill=0, width=1)
        y += CUT_GAP // 2
    return canvas


def render_png(pages: list[Page], width: int = 576, path: str | Path | None = None) -> bytes:
    """PNG bytes of the pages; also written to `path` when given."""
    buf = io.BytesIO()
    render(pages, width).save(buf, format="PNG")
    data = buf.getvalue()
    if path is not None:
        Path(path).write_bytes(data)
    return data
