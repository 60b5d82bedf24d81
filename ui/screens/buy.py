"""Amount or volume, payment method, cash, QR, writing, done."""
from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtGui import QColor, QImage, QPainter, QPixmap
from PySide6.QtWidgets import QProgressBar, QWidget

from kiosk.card import CardTech
from kiosk.errors import AmountError
from kiosk.pricing import Quote

from ..i18n import m3, tr, yuan
from ..messages import describe
from ..widgets import Keypad, Screen, button, label, row

AMOUNT_PRESETS = (5000, 10000, 20000, 50000)  # fen
VOLUME_PRESETS = (1000, 2000, 5000, 10000)  # 0.01 m3


def tier_lines(tiers: list[dict[str, Any]]) -> list[str]:
    out = []
    for t in tiers:
        out.append(tr("Tier %1: %2 m³ × %3 yuan = %4 yuan").replace("%1", str(t["tier"]))
                   .replace("%2", m3(int(t["volume"]))).replace("%3", str(t["price"]))
                   .replace("%4", yuan(int(t["cost_fen"]))))
    return out


class AmountScreen(Screen):
    name = "amount"

    def __init__(self, win) -> None:  # type: ignore[no-untyped-def]
        super().__init__(win)
        self.mode = "amount"
        self.value = 0
        self.quote: Quote | None = None
        self.problem = ""
        self.keypad_open = False
        self.title = label(role="title")
        self.by_amount = button(name="mode_amount", on_click=lambda: self.set_mode("amount"))
        self.by_volume = button(name="mode_volume", on_click=lambda: self.set_mode("volume"))
        self.presets = [button(name=f"preset_{i}", on_click=lambda i=i: self.preset(i)) for i in range(4)]
        self.display = label(role="big", name="entry", center=True)
        self.other = button(name="other_amount", on_click=self.open_keypad)
        self.keypad = Keypad(6)
        self.keypad.changed.connect(self.typed)
        self.result = label(role="panel", name="quote")
        self.rule = label(role="muted", name="remainder_rule")
        self.pay = button(role="go", name="to_pay", on_click=self.confirm)
        self.lay.addWidget(self.title)
        self.lay.addLayout(row(self.by_amount, self.by_volume))
        self.lay.addLayout(row(*self.presets[:2]))
        self.lay.addLayout(row(*self.presets[2:]))
        self.lay.addWidget(self.display)
        self.lay.addWidget(self.other)
        self.lay.addWidget(self.keypad)
        self.lay.addWidget(self.result)
        self.lay.addWidget(self.rule)
        self.lay.addStretch(1)
        self.lay.addWidget(self.pay)

    def clear(self) -> None:
        self.mode, self.value, self.quote, self.problem = "amount", 0, None, ""
        self.keypad_open = False
        self.keypad.text = ""

    def entered(self) -> None:
        self.render()

    def set_mode(self, mode: str) -> None:
        self.mode, self.value, self.quote, self.problem = mode, 0, None, ""
        self.keypad.text = ""
        self.render()

    def open_keypad(self) -> None:
        self.keypad_open = True
        self.render()

    def preset(self, i: int) -> None:
        v = (AMOUNT_PRESETS if self.mode == "amount" else VOLUME_PRESETS)[i]
        self.keypad.text = str(v // 100)
        self.set_value(v)

    def typed(self, text: str) -> None:
        self.set_value(int(text) * 100 if text else 0)

    def set_value(self, v: int) -> None:
        self.value, self.quote, self.problem = v, None, ""
        self.render()
        s = self.win.session
        if v <= 0 or s is None:
            return
        asked = (self.mode, v)

        def ok(q: Quote) -> None:
            if (self.mode, self.value) == asked:
                self.quote = q
                self.render()

        def err(exc: Exception) -> None:
            if (self.mode, self.value) == asked:
                self.problem = self.amount_problem(exc)
                self.render()

        s.price(self.mode, v, ok, err)

    def amount_problem(self, exc: Exception) -> str:
        if isinstance(exc, AmountError) and "limit" in exc.data:
            return tr("Not possible: the limit is %1 yuan.").replace("%1", yuan(int(str(exc.data["limit"]))))
        return tr("This amount cannot be bought. Choose another.")

    def confirm(self) -> None:
        if self.quote is not None:
            self.win.go("pay")

    def render(self) -> None:
        elder = self.win.elder
        self.title.setText(tr("How much gas do you want?"))
        self.by_amount.setText(tr("By money (yuan)"))
        self.by_volume.setText(tr("By gas (m³)"))
        self.by_amount.setProperty("role", "selected" if self.mode == "amount" else "")
        self.by_volume.setProperty("role", "selected" if self.mode == "volume" else "")
        for b in (self.by_amount, self.by_volume):
            b.style().unpolish(b)
            b.style().polish(b)
        presets = AMOUNT_PRESETS if self.mode == "amount" else VOLUME_PRESETS
        for b, v in zip(self.presets, presets):
            b.setText(tr("%1 yuan").replace("%1", str(v // 100)) if self.mode == "amount" else tr("%1 m³").replace("%1", str(v // 100)))
        shown = (tr("%1 yuan").replace("%1", str(self.value // 100)) if self.mode == "amount"
                 else tr("%1 m³").replace("%1", str(self.value // 100)))
        self.display.setText(shown if self.value else tr("Choose or type"))
        # 长辈版: one thing per screen, the keypad only on request
        show_pad = self.keypad_open or not elder
        self.keypad.setVisible(show_pad)
        for b in self.presets:
            b.setVisible(not (elder and self.keypad_open))
        self.other.setVisible(not show_pad)
        self.other.setText(tr("Type another amount"))
        self.keypad.retranslate()
        q = self.quote
        if self.problem:
            self.result.setText(self.problem)
        elif q is None:
            self.result.setText(tr("The price is shown here, tier by tier."))
        else:
            lines = [tr("You get %1 m³ of gas for %2 yuan.").replace("%1", m3(q.volume_units))
                     .replace("%2", yuan(q.cost_fen))]
            if not elder:
                lines += tier_lines(q.to_json()["tiers"])
            if q.remainder_fen:
                lines.append(tr("%1 yuan left over is kept as credit on your account.")
                             .replace("%1", yuan(q.remainder_fen)))
            self.result.setText("\n".join(lines))
        self.rule.setText(tr("Gas is sold by the tiered price. By money: you get the most gas the money "
                             "buys; any few fen left over stay as credit on your account for next time."))
        self.rule.setVisible(not elder)
        self.pay.setText(tr("Next: pay"))
        self.pay.setEnabled(q is not None and not self.problem)

    def prompt(self) -> str:
        return tr("Choose an amount of money or of gas, then touch Next.")


class PayScreen(Screen):
    name = "pay"

    def __init__(self, win) -> None:  # type: ignore[no-untyped-def]
        super().__init__(win)
        self.title = label(role="title")
        self.summary = label(role="panel", name="pay_summary")
        self.cash = button(role="primary", name="pay_cash", on_click=lambda: win.begin_payment("cash"))
        self.qr = button(role="go", name="pay_qr", on_click=lambda: win.begin_payment("qr"))
        self.offline = label(role="muted", name="qr_offline")
        self.back = button(name="back_amount", on_click=lambda: win.go("amount"))
        for w in (self.title, self.summary, self.cash, self.qr, self.offline):
            self.lay.addWidget(w)
        self.lay.addStretch(1)
        self.lay.addWidget(self.back)

    def entered(self) -> None:
        self.render()

    def render(self) -> None:
        self.title.setText(tr("How do you want to pay?"))
        s = self.win.session
        q = s.quote if s else None
        self.summary.setText("")
        if q is not None:
            if s is not None and s.mode == "volume":
                self.summary.setText(tr("%1 m³ of gas: %2 yuan").replace("%1", m3(q.volume_units))
                                     .replace("%2", yuan(q.cost_fen)))
            else:
                self.summary.setText(tr("%1 yuan: %2 m³ of gas").replace("%1", yuan(q.paid_fen))
                                     .replace("%2", m3(q.volume_units)))
        self.cash.setText(tr("Cash (notes)"))
        self.qr.setText(tr("Scan QR code (WeChat / Alipay)"))
        online = self.win.ks.online() and "qr" in self.win.ks.devices.payments
        self.qr.setVisible(online)
        self.offline.setVisible(not online)
        self.offline.setText(tr("QR payment needs the network; only cash is possible now."))
        self.back.setText(tr("Back: change the amount"))

    def prompt(self) -> str:
        return tr("Choose how to pay: cash, or scan the QR code.")


class CashScreen(Screen):
    name = "cash"

    def __init__(self, win) -> None:  # type: ignore[no-untyped-def]
        super().__init__(win)
        self.total = 0
        self.max = 0
        self.title = label(role="title")
        self.counted = label(role="big", name="cash_total", center=True)
        self.limit = label(role="panel", name="cash_max")
        self.buys = label(name="cash_buys")
        self.card_missing = False
        self.wrong_card = False
        self.missing = label(role="warn", name="card_missing")
        self.refused: Exception | None = None
        self.note_news = label(role="warn", name="note_refused")
        self.done = button(role="go", name="cash_done", on_click=win.finish_cash)
        self.cancel = button(name="cash_cancel", on_click=win.cancel_purchase)
        for w in (self.title, self.counted, self.limit, self.buys, self.missing, self.note_news):
            self.lay.addWidget(w)
        self.lay.addStretch(1)
        self.lay.addWidget(self.done)
        self.lay.addWidget(self.cancel)

    def clear(self) -> None:
        self.total = self.max = 0
        self.card_missing = self.wrong_card = False
        self.refused = None

    def set_total(self, total: int, maximum: int) -> None:
        self.total, self.max = total, maximum
        self.render()

    def render(self) -> None:
        self.title.setText(tr("Insert your notes one at a time"))
        self.counted.setText(tr("Inserted: %1 yuan").replace("%1", yuan(self.total)))
        s = self.win.session
        target = s.cash_target() if s else 0
        by_gas = s is not None and s.mode == "volume"
        lines = [tr("Price of the gas: %1 yuan").replace("%1", yuan(target)) if by_gas
                 else tr("Most you can insert: %1 yuan").replace("%1", yuan(self.max))]
        if target:
            lines.append(tr("Still to insert: %1 yuan").replace("%1", yuan(max(target - self.total, 0))))
        lines.append(tr("Accepted notes: 5, 10, 20, 50, 100 yuan. No change is given."))
        self.limit.setText("\n".join(lines))
        purse = s is not None and s.view is not None and s.view.snapshot.tech is CardTech.CPU
        if purse:  # a CPU card holds money: all of it goes onto the card
            self.buys.setText(tr("All the money you insert is loaded onto your card."))
        elif by_gas:
            self.buys.setText(tr("No change is given: what you insert over the price stays as credit "
                                 "on your account for next time."))
        else:
            self.buys.setText(tr("You get the most gas this money buys; a few fen left over stay as "
                                 "credit on your account."))
        self.missing.setVisible(self.card_missing)
        self.note_news.setVisible(self.refused is not None)
        if self.refused is not None:
            v = describe(self.refused, 0, "pay")
            self.note_news.setText(f"{v.title}. {v.what} {v.next_step} ({v.code})")
        self.missing.setText(tr("This is another card. Put back the card you started with.") if self.wrong_card
                             else tr("Your card was removed. Put it back in to get your gas."))
        self.done.setText(tr("I have finished inserting"))
        self.done.setEnabled(self.total > 0 and not self.card_missing)
        self.cancel.setText(tr("Cancel"))
        self.cancel.setVisible(self.total == 0)

    def prompt(self) -> str:
        return tr("Insert your notes one at a time. Touch Finished when done.")


def qr_pixmap(payload: str, size: int) -> QPixmap:
    """The payment QR code (segno), drawn black on white with the 4-module quiet zone."""
    import segno

    rows = [list(r) for r in segno.make_qr(payload, error="m", boost_error=False).matrix_iter(scale=1, border=4)]
    n = len(rows)
    cell = max(size // n, 1)
    img = QImage(n * cell, n * cell, QImage.Format.Format_RGB32)
    img.fill(QColor("#ffffff"))
    p = QPainter(img)
    for y, line in enumerate(rows):
        for x, dark in enumerate(line):
            if dark:
                p.fillRect(x * cell, y * cell, cell, cell, QColor("#000000"))
    p.end()
    return QPixmap.fromImage(img)


class QrScreen(Screen):
    name = "qr"
    busy_ok = True

    def __init__(self, win) -> None:  # type: ignore[no-untyped-def]
        super().__init__(win)
        self.payload = ""
        self.title = label(role="title")
        self.code = label(name="qr_code", center=True)
        self.code.setMinimumHeight(560)
        self.amount = label(role="panel", name="qr_amount")
        self.cancel = button(name="qr_cancel", on_click=win.cancel_qr)
        for w in (self.title, self.code, self.amount):
            self.lay.addWidget(w)
        self.lay.addStretch(1)
        self.lay.addWidget(self.cancel)

    def show_payload(self, payload: str) -> None:
        self.payload = payload
        self.render()

    def clear(self) -> None:
        self.payload = ""

    def render(self) -> None:
        self.title.setText(tr("Scan with WeChat or Alipay"))
        if self.payload:
            self.code.setPixmap(qr_pixmap(self.payload, 540))
        else:
            self.code.setText(tr("Preparing the payment code…"))
        s = self.win.session
        q = s.quote if s else None
        self.amount.setText(tr("Amount to pay: %1 yuan").replace("%1", yuan(q.cost_fen if q and s and s.mode == "volume"
                                                                           else q.paid_fen if q else 0)))
        self.cancel.setText(tr("Cancel"))

    def prompt(self) -> str:
        return tr("Scan the code with your phone to pay.")


class WritingScreen(Screen):
    name = "writing"
    busy_ok = True

    def __init__(self, win) -> None:  # type: ignore[no-untyped-def]
        super().__init__(win)
        self.step = 0
        self.title = label(role="big", name="do_not_remove", center=True)
        self.bar = QProgressBar()
        self.bar.setRange(0, 3)
        self.bar.setTextVisible(False)
        self.what = label(center=True, name="writing_step")
        self.lay.addStretch(1)
        self.lay.addWidget(self.title)
        self.lay.addWidget(self.bar)
        self.lay.addWidget(self.what)
        self.lay.addStretch(1)

    def set_step(self, i: int) -> None:
        self.step = i
        self.render()

    def render(self) -> None:
        self.title.setText(tr("Do not remove the card"))
        self.bar.setValue(self.step)
        self.what.setText([tr("Payment recorded"), tr("Writing the gas to your card"),
                           tr("Printing your receipt"), tr("Finished")][min(self.step, 3)])

    def prompt(self) -> str:
        return tr("Writing to your card. Do not remove the card.")


class DoneScreen(Screen):
    name = "done"

    def __init__(self, win) -> None:  # type: ignore[no-untyped-def]
        super().__init__(win)
        self.summary: dict[str, Any] = {}
        self.rated = 0
        self.printing = False
        self.print_failed = False
        self.title = label(role="big", name="take_card", center=True)
        self.result = label(role="panel", name="receipt_summary")
        self.code = label(name="receipt_qr", center=True)
        self.code_note = label(role="muted", name="receipt_qr_note", center=True)
        self.print_btn = button(role="primary", name="print_again", on_click=self.print_again)
        self.ask = label(name="rating_question")
        self.stars = [button(name=f"rate_{i}", on_click=lambda i=i: self.rate(i)) for i in range(1, 6)]
        self.skip = button(name="rate_skip", on_click=win.finish_visit)
        self.lay.addWidget(self.title)
        self.lay.addWidget(self.result)
        self.lay.addWidget(self.code)
        self.lay.addWidget(self.code_note)
        self.lay.addWidget(self.print_btn)
        self.lay.addStretch(1)
        self.lay.addWidget(self.ask)
        self.stars_row: QWidget = QWidget()
        self.stars_row.setLayout(row(*self.stars, spacing=10))
        self.lay.addWidget(self.stars_row)
        self.lay.addWidget(self.skip)

    def show_summary(self, s: dict[str, Any]) -> None:
        self.summary, self.rated = s, 0
        self.printing = self.print_failed = False
        self.render()

    def clear(self) -> None:
        self.summary, self.rated = {}, 0
        self.printing = self.print_failed = False
        self.result.setText("")
        self.code.clear()

    def print_again(self) -> None:
        """No paper receipt came out: print it now (a late print of the same journal row)."""
        s = self.win.session
        if s is None or not self.summary or self.printing:
            return
        self.printing, self.print_failed = True, False
        self.render()

        def done(printed: bool) -> None:
            self.printing = False
            self.print_failed = not printed
            if printed:
                self.summary["printed"] = True
            self.render()

        def failed(_exc: Exception) -> None:
            done(False)

        s.print_again(done, failed)

    def rate(self, level: int) -> None:
        self.rated = level
        if self.win.session is not None:
            self.win.session.rate(level)
        self.render()

    def render(self) -> None:
        self.title.setText(tr("Done. Please take your card"))
        s = self.summary
        if s:
            lines = [tr("Gas written to your card: %1 m³").replace("%1", m3(int(s["volume_units"]))),
                     tr("Paid: %1 yuan").replace("%1", yuan(int(s["paid_fen"])))]
            if s.get("remainder_fen"):
                lines.append(tr("Kept as account credit: %1 yuan").replace("%1", yuan(int(s["remainder_fen"]))))
            lines.append(tr("Receipt printed below the screen.") if s.get("printed")
                         else tr("No paper receipt. Staff can reprint it; number %1.").replace("%1", str(s["seq"])))
            lines.append(tr("Insert the card into your meter at home to load the gas."))
            self.result.setText("\n".join(lines))
        paperless = bool(s) and not s.get("printed") and bool(s.get("code"))
        for w in (self.code, self.code_note, self.print_btn):
            w.setVisible(paperless)
        if paperless:
            # the receipt's own QR on screen: its code is what the server checks
            self.code.setPixmap(qr_pixmap(str(s["code"]), 300 if self.win.elder else 360))
            self.code_note.setText(tr("Your receipt as a code: take a photo of it. Staff can check it."))
            self.print_btn.setEnabled(not self.printing)
            self.print_btn.setText(tr("Printing…") if self.printing else
                                   tr("The printer did not print. Try again") if self.print_failed
                                   else tr("Print the paper receipt"))
        self.ask.setText(tr("How was it? (you may skip)") if not self.rated else tr("Thank you!"))
        labels = [tr("Very bad"), tr("Bad"), tr("OK"), tr("Good"), tr("Very good")]
        for i, b in enumerate(self.stars):
            b.setText(f"{i + 1}\n{labels[i]}")
            b.setEnabled(not self.rated)
        self.stars_row.setVisible(not self.rated)
        self.skip.setText(tr("Skip and finish") if not self.rated else tr("Finish"))

    def prompt(self) -> str:
        return tr("Done. Please take your card and your receipt.")


__all__ = ["AmountScreen", "CashScreen", "DoneScreen", "PayScreen", "QrScreen", "Qt", "WritingScreen"]
