"""The card emulator: a wallet of emulated cards, slot 0 (the resident's card) and slot 1
(the kiosk SAM) on vpcd. Every public method takes and returns JSON-friendly values, so the
control server (control.py) can expose them unchanged to another process."""
from __future__ import annotations

import logging
import threading
from datetime import datetime
from typing import Any, TypeAlias

from devices.card.ic_layout import crc_ok, current_slot, decode_record, seq_later

from .cpu_card import CpuPurseCard
from .ic_card import MuteCard, Sle4442Card
from .issue import (
    DEMO_KEYS,
    cpu_meter_zone,
    ic_meter_zone,
    issue_blank_ic,
    issue_cpu,
    issue_ic,
)
from .sam_card import SamCard, SamKeys
from .vpcd import MIN_OUT_S, VPCD_BASE_PORT, Tear, VpcdLock, VpcdSlot

logger = logging.getLogger(__name__)

EmulatedCard: TypeAlias = Sle4442Card | CpuPurseCard | MuteCard

CARD_SLOT = 0
SAM_SLOT = 1


class CardEmulator:
    def __init__(
        self,
        keys: SamKeys = DEMO_KEYS,
        quota_fen: int = 1_000_000,
        sam_id: str = "000000000001",
        base_port: int = VPCD_BASE_PORT,
        min_out_s: float = MIN_OUT_S,
    ) -> None:
        self.keys = keys
        self.cards: dict[str, EmulatedCard] = {}
        self.slots = {
            CARD_SLOT: VpcdSlot(CARD_SLOT, base_port=base_port, min_out_s=min_out_s),
            SAM_SLOT: VpcdSlot(SAM_SLOT, base_port=base_port, min_out_s=min_out_s),
        }
        self.sam = SamCard(keys, bytes.fromhex(sam_id), quota_fen)
        self._inserted: str | None = None
        self._lock = threading.RLock()
        self._vpcd_lock = VpcdLock(base_port)

    # --- lifecycle ------------------------------------------------------------------
    def start(self, with_sam: bool = True, lock_timeout_s: float = 0.0) -> None:
        """Take the vpcd reader (waiting up to lock_timeout_s for another emulator to let
        go of it) and insert the SAM."""
        self._vpcd_lock.acquire(lock_timeout_s)
        try:
            if with_sam:
                self.slots[SAM_SLOT].insert(self.sam)
        except BaseException:
            self._vpcd_lock.release()
            raise

    def stop(self) -> None:
        for slot in self.slots.values():
            slot.remove()
        self._inserted = None
        self._vpcd_lock.release()

    # --- issuing --------------------------------------------------------------------
    def _add(self, card: EmulatedCard) -> dict[str, Any]:
        with self._lock:
            if card.name in self.cards:
                raise ValueError(f"a card named {card.name!r} exists")
            self.cards[card.name] = card
        return card.dump()

    def issue_ic(
        self,
        name: str,
        serial: str,
        customer_no: str = "1000000001",
        meter_no: str = "2000000001",
        utility: str = "0571",
        kind: int = 1,
        layout: str = "G1",
        ec: int = 7,
        card_key: str | None = None,
    ) -> dict[str, Any]:
        key = bytes.fromhex(card_key) if card_key else self.keys.card_key
        card = issue_ic(
            name, serial, customer_no, meter_no, key, ec, utility=utility, kind=kind, layout=layout
        )
        return self._add(card)

    def issue_cpu(
        self,
        name: str,
        serial: str,
        customer_no: str = "1000000002",
        meter_no: str = "2000000002",
        balance: int = 0,
        online_atc: int = 0,
        utility: str = "0571",
        kind: int = 1,
        mlk: str | None = None,
        mtk: str | None = None,
    ) -> dict[str, Any]:
        """A CPU card whose keys derive from the SAM's masters (or from mlk / mtk, hex)."""
        master = bytes.fromhex(mlk) if mlk else self.keys.mlk
        tac_master = bytes.fromhex(mtk) if mtk else self.keys.mtk
        card = issue_cpu(
            name, serial, customer_no, meter_no, balance, online_atc, master, tac_master,
            utility=utility, kind=kind,
        )
        return self._add(card)

    def issue_blank(self, name: str) -> dict[str, Any]:
        return self._add(issue_blank_ic(name))

    def issue_unknown(self, name: str, atr: str = "3B8F8001804F0CA000000306030001000000006A") -> dict[str, Any]:
        return self._add(MuteCard(bytes.fromhex(atr), name))

    # --- slot 0 -----------------------------------------------------------------------
    def insert(self, name: str) -> dict[str, Any]:
        card = self._card(name)
        self.slots[CARD_SLOT].insert(card)
        self._inserted = name
        return {"inserted": name}

    def remove(self) -> dict[str, Any]:
        self.slots[CARD_SLOT].remove()
        name, self._inserted = self._inserted, None
        return {"removed": name}

    def tear(
        self, nth: int = 0, mode: str = "after", match: str = "", prefix: int = 0, slot: int = CARD_SLOT
    ) -> dict[str, Any]:
        """Arm a tear: at the nth (0 = next) APDU starting with `match` (hex), drop the link
        (mode before / after / prefix)."""
        self.slots[slot].arm_tear(Tear(nth=nth, mode=mode, match=bytes.fromhex(match), prefix=prefix))
        return {"armed": True}

    def disarm(self, slot: int = CARD_SLOT) -> dict[str, Any]:
        fired = not self.slots[slot].tear_armed
        self.slots[slot].arm_tear(None)
        return {"fired": fired}

    # --- inspection and changes -------------------------------------------------------
    def dump(self, name: str | None = None) -> dict[str, Any]:
        if name == "sam":
            return self.sam.dump()
        if name is None:
            return {
                "inserted": self._inserted,
                "card_link": self.slots[CARD_SLOT].inserted,
                "sam_link": self.slots[SAM_SLOT].inserted,
                "cards": sorted(self.cards),
                "sam": self.sam.dump(),
                "apdus": self.slots[CARD_SLOT].apdu_count,
            }
        with self.slots[CARD_SLOT].card_lock:
            return self._card(name).dump()

    def poke(self, name: str, addr: int, data: str) -> dict[str, Any]:
        """Factory write into an IC card's memory (damage, foreign layouts, EC)."""
        card = self._ic(name)
        with self.slots[CARD_SLOT].card_lock:
            card.poke(addr, bytes.fromhex(data))
        return card.dump()

    def set_ec(self, name: str, ec: int) -> dict[str, Any]:
        card = self._ic(name)
        with self.slots[CARD_SLOT].card_lock:
            card.ec = ec & 0x07
        return card.dump()

    def freeze(self, name: str, frozen: bool = True) -> dict[str, Any]:
        """An IC chip that silently ignores writes (still answers 90 00)."""
        card = self._ic(name)
        with self.slots[CARD_SLOT].card_lock:
            card.frozen = frozen
        return card.dump()

    def refuse_write(self, name: str, count: int = 1) -> dict[str, Any]:
        """The card refuses its next `count` purchase writes, then works again: an IC chip
        ignores the memory write and still answers 90 00 (as a worn chip does: the kiosk's
        read-back finds the old record), a CPU card answers CREDIT FOR LOAD with 93 02 (the
        load is refused, nothing changes)."""
        card = self._card(name)
        with self.slots[CARD_SLOT].card_lock:
            if isinstance(card, Sle4442Card):
                card.refuse_writes = count
            elif isinstance(card, CpuPurseCard):
                card.refuse_credits = count
            else:
                raise TypeError(f"{name!r} takes no writes")
            return card.dump()

    def set_quota(self, quota_fen: int) -> dict[str, Any]:
        with self.slots[SAM_SLOT].card_lock:
            self.sam.quota = quota_fen
        return self.sam.dump()

    def sam_fault(self, ins: int, sw: str = "6F00") -> dict[str, Any]:
        """The SAM answers its next command `ins` (e.g. 0x72 verify TAC) with status `sw`."""
        with self.slots[SAM_SLOT].card_lock:
            self.sam.faults[ins] = bytes.fromhex(sw)
        return self.sam.dump()

    def meter_load(
        self, name: str, used_units: int = 0, status: int = 0, when: str | None = None
    ) -> dict[str, Any]:
        """The meter reads the card: IC - loads the current purchase (if new) and writes its
        zone; CPU - writes its zone (the meter debits the purse itself: `used_units` fen)."""
        card = self._card(name)
        at = datetime.fromisoformat(when) if when else datetime.now().replace(microsecond=0)
        with self.slots[CARD_SLOT].card_lock:
            if isinstance(card, Sle4442Card):
                slots = (bytes(card.mem[0x40:0x60]), bytes(card.mem[0x60:0x80]))
                rec = decode_record(slots[current_slot(slots)])
                assert rec is not None
                zone = bytes(card.mem[0x80:0xA0])
                valid = zone != b"\xff" * 32 and crc_ok(zone)
                old_seq = int.from_bytes(zone[0:2], "big") if valid else None
                remaining = int.from_bytes(zone[2:6], "big") if valid else 0
                lifetime = int.from_bytes(zone[6:10], "big") if valid else 0
                if old_seq is None or seq_later(rec.seq, old_seq):
                    remaining += rec.volume_units
                used = min(used_units, remaining)
                card.mem[0x80:0xA0] = ic_meter_zone(
                    rec.seq, remaining - used, lifetime + used, status, at
                )
            elif isinstance(card, CpuPurseCard):
                old = card.meter_zone
                lifetime = int.from_bytes(old[4:8], "big") if old != b"\xff" * 16 else 0
                card.balance = max(0, card.balance - used_units)
                card.meter_zone = cpu_meter_zone(card.balance, lifetime + used_units, status, at)
            else:
                raise TypeError("a mute card cannot go into a meter")
            return card.dump()

    # --- helpers ----------------------------------------------------------------------
    def _card(self, name: str) -> EmulatedCard:
        try:
            return self.cards[name]
        except KeyError:
            raise ValueError(f"no card named {name!r}") from None

    def _ic(self, name: str) -> Sle4442Card:
        card = self._card(name)
        if not isinstance(card, Sle4442Card):
            raise TypeError(f"{name!r} is not an IC card")
        return card
