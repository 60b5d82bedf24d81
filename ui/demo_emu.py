"""The demo on the real card stack (`python main.py --demo --cards emulator`): the kiosk reads
and writes cards through devices/card (pyscard) and pcscd, the cards are the vpcd card
emulator of devices/sim (started here in the background, the SAM in slot 1), and the control
window's card buttons go to the emulator's control interface (devices/sim/control.py, JSON
lines on 127.0.0.1), the same one `python -m devices.sim.cards` serves to another process.

The demo cards are the people of the file-backed fakes (ui.demo.DEMO_CARDS: serial,
customer, history, meter zone), issued in the formats of shared/specs/gas-cards.md: the IC
cards' purchase record and meter zone are factory-written (`poke`) with their CRCs, the CPU
card's meter zone is written by the emulated meter. The emulator keeps them in memory, so
each start issues them afresh."""
from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from devices.card.ic_layout import encode_record
from devices.card.readers import CardReaders
from devices.sim.cards import start_in_background
from devices.sim.control import ControlClient, ControlError, ControlServer
from devices.sim.emulator import CardEmulator
from devices.sim.harness import require_pcscd, wait_for_sam
from devices.sim.issue import ic_meter_zone
from kiosk.card import PurchaseRecord

from .demo import DEMO_CARDS, TARIFF, ReaderCards
from .ops import Worker

logger = logging.getLogger(__name__)

CONTROL_PORT = 35990  # as `python -m devices.sim.cards`: one emulator per virtual reader
METER_NO = "9988776655"  # the meter number of the fakes (kiosk/fakes.py new_card)
LAST_PURCHASE_AT = datetime(2026, 11, 20, 15, 4, 0)
METER_READ_AT = datetime(2026, 11, 21, 7, 30, 0)
RECORD_ADDR, METER_ZONE_ADDR = 0x40, 0x80  # slot A (an issued card's current slot), meter zone
# the APDU that starts each card type's purchase write (gas-cards.md 2.1 WRITE, 3 CREDIT FOR LOAD)
WRITE_APDU = {"ic": "FFD0", "cpu": "8052"}


def _ic_history(name: str, kw: dict[str, Any]) -> tuple[bytes, bytes] | None:
    """The fake's IC fields as the card's current record and meter zone (None: as issued)."""
    seq = int(kw.get("seq", 0))
    if not seq:
        return None
    volume = int(kw.get("volume", 0))
    year = max(int(kw.get("tier_units", 0)), volume)
    price = Decimal(TARIFF["tiers"][0]["price"])  # within the first tier: fen per 0.01 m3
    amount = int((price * volume).quantize(Decimal(1), ROUND_HALF_UP))
    record = encode_record(PurchaseRecord(seq, volume, amount, year, year, date(2026, 1, 1),
                                          LAST_PURCHASE_AT, 1))
    loaded = seq - 1 if name == "meter_not_loaded" else seq  # as ui.demo.DemoCards
    remaining = int(kw.get("meter_remaining", 1000))
    zone = ic_meter_zone(loaded, remaining, max(0, year - remaining), int(kw.get("meter_status", 0)),
                         METER_READ_AT)
    return record, zone


def issue_demo_cards(ctl: ControlClient) -> None:
    """DEMO_CARDS onto the emulator, through its control interface."""
    for name, (tech, serial, customer, kw) in DEMO_CARDS.items():
        if name == "unknown":  # a card that answers, with no gas-card application or layout
            ctl.call("issue_unknown", name=name)
        elif tech == "cpu":
            ctl.issue_cpu(name, serial, customer_no=customer, meter_no=METER_NO,
                          balance=int(kw.get("balance_fen", 0)))
            ctl.meter_load(name, status=int(kw.get("meter_status", 0)), when=METER_READ_AT.isoformat())
        else:
            ctl.issue_ic(name, serial, customer_no=customer, meter_no=METER_NO)
            history = _ic_history(name, kw)
            if history is not None:
                ctl.call("poke", name=name, addr=RECORD_ADDR, data=history[0].hex())
                ctl.call("poke", name=name, addr=METER_ZONE_ADDR, data=history[1].hex())


class EmulatorCards:
    """The control window's card buttons (the API of ui.demo.DemoCards) on the emulator's
    control interface. Each request runs on a worker thread of its own, in order, never on
    the GUI thread: an insertion waits for vpcd, and a removed card stays out for a second
    so that pcscd sees it go. `notify` (if set) is called on that thread after each one."""

    def __init__(self, control: ControlClient) -> None:
        self.control = control
        self.inserted: str | None = None
        self.error: str | None = None
        self.notify: Callable[[], None] | None = None
        self.worker = Worker("emulator")

    def _submit(self, what: str, fn: Callable[[], Any]) -> None:
        def job() -> None:
            try:
                fn()
                self.error = None
            except (ControlError, OSError) as exc:
                logger.warning("card emulator: %s failed: %s", what, exc)
                self.error = f"{what}: {exc}"
            if self.notify is not None:
                self.notify()

        self.worker.submit(job)

    def insert(self, name: str) -> None:
        self.inserted = name

        def insert() -> None:
            try:
                self.control.insert(name)
            except (ControlError, OSError):
                if self.inserted == name:
                    self.inserted = None  # it did not go in
                raise

        self._submit(f"insert {name}", insert)

    def pull(self) -> None:
        self.inserted = None
        self._submit("pull", self.control.remove)

    def meter_load(self, name: str) -> None:
        """The resident took the card home and the meter read it (IC: loaded the purchase)."""
        self._submit(f"meter loads {name}", lambda: self.control.meter_load(name))

    def _tech(self) -> str | None:
        name = self.inserted
        return None if name is None or name == "unknown" else DEMO_CARDS[name][0]

    def refuse_next_write(self) -> None:
        name = self.inserted
        if self._tech() is not None:
            assert name is not None
            self._submit(f"{name} refuses the next write", lambda: self.control.refuse_write(name))

    def tear_next_write(self) -> None:
        """The card is pulled during the next write, after the card took it."""
        tech = self._tech()
        if tech is not None:
            self._submit("tear the next write", lambda: self.control.tear(match=WRITE_APDU[tech], mode="after"))

    def check_link(self) -> None:
        """A card torn off the link by the emulator (tear_next_write) is out of the reader:
        say so (queued behind any insertion, so a card going in is never reported out)."""
        def job() -> None:
            if self.inserted is not None and not self.control.dump()["card_link"]:
                logger.info("card emulator: %s is off the link (torn)", self.inserted)
                self.inserted = None

        self._submit("check the card link", job)

    def idle(self) -> bool:
        return self.worker.pending == 0

    def close(self) -> None:
        self.worker.stop()
        self.control.close()


@dataclass
class EmulatorDemo:
    """The emulator (its control server on `address`), the kiosk's readers on pcscd, the
    control window's side (`control`) and the kiosk's card source (`source`)."""

    emu: CardEmulator
    server: ControlServer
    readers: CardReaders
    control: EmulatorCards
    source: ReaderCards

    @property
    def address(self) -> tuple[str, int]:
        return self.server.address

    @classmethod
    def start(cls, control_port: int = CONTROL_PORT, lock_timeout_s: float = 0.0) -> EmulatorDemo:
        """PcscdMissing without pcscd and its vpcd readers; TimeoutError when another emulator
        holds the virtual reader (after lock_timeout_s)."""
        require_pcscd()
        emu, server = start_in_background(control_port=control_port, lock_timeout_s=lock_timeout_s)
        client: ControlClient | None = None
        readers: CardReaders | None = None
        try:
            client = ControlClient(*server.address)
            issue_demo_cards(client)
            readers = CardReaders()
            wait_for_sam(readers)
        except BaseException:
            for close in (client.close if client else None, readers.close if readers else None,
                          server.stop, emu.stop):
                if close is not None:
                    close()
            raise
        logger.info("card emulator: demo cards %s issued, control on %s:%d", sorted(emu.cards), *server.address)
        return cls(emu, server, readers, EmulatorCards(client), ReaderCards(readers))

    def close(self) -> None:
        self.control.close()
        self.readers.close()
        self.server.stop()
        self.emu.stop()


__all__ = ["CONTROL_PORT", "EmulatorCards", "EmulatorDemo", "issue_demo_cards"]
