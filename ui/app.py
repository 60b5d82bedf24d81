"""The kiosk application: the CJK font, the started core, the window. `--demo` runs on
simulated devices with a simulator control window (`--cards emulator`: the cards on the vpcd
card emulator, read through pyscard and pcscd); `--screenshot-all DIR` walks every screen
in both languages and in 长辈版 and writes one PNG per screen."""
from __future__ import annotations

import argparse
import logging
import os
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from PySide6.QtCore import QTimer
from PySide6.QtGui import QFont, QFontDatabase
from PySide6.QtWidgets import QApplication

logger = logging.getLogger(__name__)

CJK_FONT_FILES = (
    "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc",
    "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc",
)
PANEL = (1080, 1920)  # the portrait reference panel


def load_cjk_font() -> str:
    for path in CJK_FONT_FILES:
        if Path(path).exists():
            fid = QFontDatabase.addApplicationFont(path)
            fams = QFontDatabase.applicationFontFamilies(fid)
            for fam in fams:
                if "SC" in fam or "Micro Hei" in fam:
                    return fam
            if fams:
                return fams[0]
    raise RuntimeError("no CJK font installed (fonts-noto-cjk): Chinese would show as boxes")


def setup_app(app: QApplication) -> str:
    family = load_cjk_font()
    app.setFont(QFont(family, 32))
    return family


def start_core(var_dir: Path) -> str:
    """Open the journal and check its chain before the UI accepts anything. Returns a status line."""
    from kiosk.journal import Journal
    from kiosk.journal.store import verify_chain

    var_dir.mkdir(parents=True, exist_ok=True)
    journal = Journal(var_dir / "journal.db", os.environ.get("KIOSK_ID", "DEMO01"))
    journal.open()
    try:
        report = journal.call(verify_chain)
    finally:
        journal.close()
    return f"日志 {report.rows} 条，校验通过 · journal ok ({report.rows} rows)"


def build_demo(var_dir: Path, engine: str = "speechd", cards: str = "fakes",  # type: ignore[no-untyped-def]
               **emulator: Any):
    """The demo kiosk. cards="emulator": the demo cards on the vpcd card emulator, started
    here (ui.demo_emu.EmulatorDemo.start(**emulator)); it needs pcscd with the vpcd readers."""
    from .demo import DemoRig
    from .voice import Speaker
    from .window import KioskWindow

    if cards == "emulator":
        from .demo_emu import EmulatorDemo

        emu = EmulatorDemo.start(**emulator)
        try:
            rig = DemoRig(var_dir, emulator=emu)
        except BaseException:
            emu.close()
            raise
    else:
        rig = DemoRig(var_dir)
    ks = rig.service()
    win = KioskWindow(ks, Speaker(engine))
    win.setFixedSize(*PANEL)
    ks.start()
    return rig, ks, win


def screenshot_all(out: Path) -> int:
    from .walk import walk_all
    from .window import KioskWindow

    out.mkdir(parents=True, exist_ok=True)
    written = 0
    for lang, elder in (("zh_CN", False), ("en", False), ("zh_CN", True), ("en", True)):
        with tempfile.TemporaryDirectory() as d:
            rig, ks, win = build_demo(Path(d), engine="mock")
            win.show()
            try:
                def visit(name: str, lang: str = lang, elder: bool = elder, win: KioskWindow = win) -> None:
                    nonlocal written
                    if win.langs.current != lang:
                        win.set_lang(lang)
                    if win.elder != elder:
                        win.set_elder(elder)
                    QApplication.processEvents()  # let the layouts follow the new texts and sizes
                    suffix = f"{lang}{'_elder' if elder else ''}"
                    win.grab().save(str(out / f"{name}_{suffix}.png"))
                    written += 1

                walk_all(win, rig, visit)
            finally:
                win.close()
                rig.close(ks)
    print(f"{written} screenshots in {out}")
    return 0


def run_app(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="main.py")
    parser.add_argument("--demo", action="store_true", help="simulated devices")
    parser.add_argument("--var", default="var/demo", help="data directory")
    parser.add_argument("--cards", choices=("fakes", "emulator"), default="fakes",
                        help="demo cards: file-backed fakes, or the vpcd card emulator through pcscd "
                             "(a new data directory VAR/cards-run-TIME each start)")
    parser.add_argument("--control-port", type=int, default=None,
                        help="the card emulator's control port (default 35990; 0: any free port)")
    parser.add_argument("--voice", default="speechd",
                        help="QtTextToSpeech engine of the demo (speechd; mock: silent)")
    parser.add_argument("--screenshot", help="write a PNG of the first screen, then quit")
    parser.add_argument("--screenshot-all", metavar="DIR",
                        help="walk every screen (both languages, 长辈版) and write PNGs, then quit")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO)
    app = QApplication(sys.argv[:1])
    setup_app(app)
    if args.screenshot_all:
        return screenshot_all(Path(args.screenshot_all))
    if not args.demo:
        print("main.py: the wiring to real devices is configured per site; run with --demo "
              "for simulated devices", file=sys.stderr)
        return 2
    from .demo_control import ControlWindow

    var = Path(args.var)
    if args.cards == "emulator":
        # the emulator keeps its cards in memory and issues them afresh: a journal of its own
        var = var / time.strftime("cards-run-%Y%m%d-%H%M%S")
    try:
        emu_args = {} if args.control_port is None else {"control_port": args.control_port}
        rig, ks, win = build_demo(var, engine=args.voice, cards=args.cards, **emu_args)
    except (RuntimeError, OSError) as exc:  # PcscdMissing, TimeoutError (vpcd taken), ConnectionError
        if args.cards != "emulator":
            raise
        hint = ("stop that emulator (or let that test run finish), then start the demo again"
                if isinstance(exc, TimeoutError) else
                "it needs pcscd with the vpcd virtual reader: `make demo-cards` starts both")
        print(f"main.py: the card emulator cannot start: {exc}\n  {hint}", file=sys.stderr)
        return 2
    win.show()
    control = ControlWindow(rig)
    control.show()
    if args.screenshot:
        def shoot() -> None:
            win.grab().save(args.screenshot)
            app.quit()

        QTimer.singleShot(1500, shoot)
    try:
        return app.exec()
    finally:
        rig.close(ks)
