"""Fakes of the ports for unit tests and the crash harness. Each keeps its state in memory,
or in a JSON file (written atomically) so that it survives a SIGKILL of the kiosk the way a
real card, acceptor, provider or server would."""
from __future__ import annotations

import json
import os
import sqlite3
import threading
from collections.abc import Sequence
from datetime import date, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

from .card import (
    CardCredit,
    CardKind,
    CardSnapshot,
    CardTech,
    CreditOutcome,
    CreditProof,
    MeterZone,
    PurchaseRecord,
)
from .errors import (
    CardAbsent,
    CardError,
    CardPulled,
    CardWriteFailed,
    EscrowLost,
    NoteJammed,
    PaperOut,
    PaymentError,
)
from .ports import PaymentMethod, PrinterState, UploadRow
from .receipt import Receipt


class FixedClock:
    def __init__(self, start: datetime | None = None, step: timedelta = timedelta(0)) -> None:
        self.t = start or datetime(2026, 11, 22, 10, 0, tzinfo=timezone(timedelta(hours=8)))
        self.step = step

    def now(self) -> datetime:
        t = self.t
        self.t = t + self.step
        return t


class _State:
    """A dict persisted to a JSON file (atomic replace), or kept in memory."""

    def __init__(self, path: str | Path | None, initial: dict[str, Any]) -> None:
        self.path = Path(path) if path else None
        self._mem = initial
        self._lock = threading.RLock()
        if self.path is not None and not self.path.exists():
            self.save(initial)

    def load(self) -> dict[str, Any]:
        if self.path is None:
            return dict(json.loads(json.dumps(self._mem)))
        return dict(json.loads(self.path.read_text()))

    def save(self, data: dict[str, Any]) -> None:
        if self.path is None:
            self._mem = json.loads(json.dumps(data))
            return
        # rename is atomic against a killed process (what the harness does); no fsync: the
        # fakes model devices, not power loss of the kiosk's disk
        tmp = self.path.with_suffix(".tmp")
        with open(tmp, "w") as f:
            json.dump(data, f)
        os.replace(tmp, self.path)


# --- card ------------------------------------------------------------------------------
def new_card(tech: CardTech, serial: str = "0102030405060708", customer: str = "1234567890",
             balance_fen: int = 0, seq: int = 0, tier_units: int = 0, volume: int = 0,
             meter_status: int = 0, meter_remaining: int = 1000) -> dict[str, Any]:
    return {
        "tech": tech.value, "serial": serial, "customer": customer, "meter": "9988776655",
        "seq": seq, "volume": volume, "amount": 0, "lifetime": tier_units, "tier_units": tier_units,
        "meter_status": meter_status, "meter_remaining": meter_remaining,
        "tier_start": "2026-01-01", "meter_loaded": seq if seq else None,
        "atc": 0, "balance": balance_fen, "last_load": None, "present": True,
        "refuse_writes": False, "pull_on_write": None, "writes": [],
    }


class FakeCard:
    """One card in one reader, with the semantics of the card profiles: a credit is applied
    only to a card still showing its counter_before, atomically; `writes` logs every change
    the card ever took (with the txn the kiosk named), for INV-2."""

    def __init__(self, path: str | Path | None = None, **card: Any) -> None:
        tech = CardTech(card.pop("tech", "ic"))
        self.state = _State(path, new_card(tech, **card))

    def _card(self) -> dict[str, Any]:
        c = self.state.load()
        if not c["present"]:
            raise CardAbsent("no card in the reader")
        return c

    def read(self) -> CardSnapshot:
        c = self._card()
        tech = CardTech(c["tech"])
        common: dict[str, Any] = {
            "profile": f"Fake-{tech.value}", "tech": tech, "serial": c["serial"],
            "kind": CardKind.USER, "utility_code": "0571", "customer_no": c["customer"],
            "meter_no": c["meter"], "replacement_count": 0}
        if tech is CardTech.IC:
            rec = PurchaseRecord(c["seq"], c["volume"], c["amount"], c["lifetime"], c["tier_units"],
                                 date.fromisoformat(c["tier_start"]), None, 1)
            meter = None if c["meter_loaded"] is None else MeterZone(
                c["meter_loaded"], c.get("meter_remaining", 1000), None, 0, c.get("meter_status", 0), None)
            return CardSnapshot(**common, record=rec, meter=meter)
        meter = MeterZone(None, None, c.get("meter_remaining", 0), 0, c.get("meter_status", 0), None)
        return CardSnapshot(**common, meter=meter, balance_fen=c["balance"], atc=c["atc"])

    def counter(self, c: dict[str, Any]) -> int:
        return int(c["seq"] if c["tech"] == "ic" else c["atc"])

    def _matches(self, c: dict[str, Any], credit: CardCredit) -> CreditProof | None:
        if c["tech"] == "ic":
            if (c["seq"] == (credit.counter_before + 1) % 65536 and c["volume"] == credit.volume_units
                    and c["amount"] == credit.amount_fen):
                return CreditProof(c["seq"])
            return None
        ll = c["last_load"]
        if ll and ll["atc"] == credit.counter_before and ll["amount"] == credit.amount_fen:
            return CreditProof(ll["atc"] + 1, tac=ll["tac"], mac2="00000000",
                               balance_after_fen=ll["balance_after"])
        return None

    def write_credit(self, credit: CardCredit) -> CreditProof:
        with self.state._lock:
            c = self._card()
            if c["serial"] != credit.serial:
                raise CardWriteFailed("another card is in the reader")
            if self.counter(c) != credit.counter_before:
                done = self._matches(c, credit)
                if done is not None:
                    return done
                raise CardWriteFailed("the card moved on since it was read")
            if c["refuse_writes"]:
                raise CardWriteFailed("the card did not take the write (read back differs)")
            pull = c["pull_on_write"]
            if pull == "drop":  # pulled before the write reached the chip
                c["pull_on_write"] = None
                self.state.save(c)
                raise CardPulled("card pulled during the write")
            c["writes"].append({"txn": credit.txn_id, "counter_before": credit.counter_before,
                                "amount": credit.amount_fen, "volume": credit.volume_units})
            if c["tech"] == "ic":
                c.update(seq=(c["seq"] + 1) % 65536, volume=credit.volume_units,
                         amount=credit.amount_fen, lifetime=credit.lifetime_units_after,
                         tier_units=credit.tier_year_units_after,
                         tier_start=credit.tier_year_start.isoformat())
            else:
                c["balance"] += credit.amount_fen
                c["last_load"] = {"atc": c["atc"], "amount": credit.amount_fen,
                                  "tac": f"{len(c['writes']):08X}", "balance_after": c["balance"]}
                c["atc"] += 1
            if pull == "apply":  # the write landed, the answer never came back
                c["pull_on_write"] = None
                self.state.save(c)
                raise CardPulled("card pulled during the write")
            self.state.save(c)
            proof = self._matches(c, credit)
            assert proof is not None
            return proof

    def check_credit(self, credit: CardCredit) -> tuple[CreditOutcome, CreditProof | None]:
        c = self._card()
        if c["serial"] != credit.serial:
            raise CardError("another card is in the reader")
        proof = self._matches(c, credit)
        if proof is not None:
            return CreditOutcome.APPLIED, proof
        if self.counter(c) == credit.counter_before:
            return CreditOutcome.NOT_APPLIED, None
        raise CardError("the card moved on: outcome cannot be told from the card")

    def offline_quota_fen(self) -> int | None:
        return None

    # test controls
    def set(self, **kv: Any) -> None:
        c = self.state.load()
        c.update(kv)
        self.state.save(c)

    def meter_load(self) -> None:
        c = self.state.load()
        c["meter_loaded"] = c["seq"]
        self.state.save(c)

    def dump(self) -> dict[str, Any]:
        return self.state.load()


# --- printer ----------------------------------------------------------------------------
class FakePrinter:
    def __init__(self, path: str | Path | None = None) -> None:
        self.state = _State(path, {"status": "ok", "fail_next": False, "printed": []})

    def status(self) -> PrinterState:
        return PrinterState(self.state.load()["status"])

    def print_receipt(self, receipt: Receipt) -> None:
        d = self.state.load()
        if d["status"] in ("paper_out", "cover_open", "offline") or d["fail_next"]:
            d["fail_next"] = False
            self.state.save(d)
            raise PaperOut("paper ran out while printing")
        d["printed"].append({"txn": receipt.txn_id, "reprint": receipt.reprint_count,
                             "lines": list(receipt.extra_lines), "cost": receipt.cost_fen})
        self.state.save(d)

    def set(self, **kv: Any) -> None:
        d = self.state.load()
        d.update(kv)
        self.state.save(d)

    @property
    def printed(self) -> list[dict[str, Any]]:
        return list(self.state.load()["printed"])


# --- payments ---------------------------------------------------------------------------
class FakeAcceptor:
    """A bill acceptor with escrow and a stacked counter. A new instance on the same file is a
    power-up: a note left in escrow is returned to the resident (as real acceptors do).
    `jam_next`: the next note jams while stacking (its value known, in `jammed`);
    `jam_intake` = n: after n more notes reach escrow, the next one sticks in the transport
    before validation (in `stuck`: the kiosk never learns its value)."""

    def __init__(self, path: str | Path | None = None, notes: Sequence[int] = ()) -> None:
        self.state = _State(path, {"queue": list(notes), "escrow": None, "counter": 0,
                                   "stacked": [], "returned": [], "jammed": [], "stuck": [],
                                   "jam_next": False, "jam_intake": None, "enabled": False})
        d = self.state.load()
        if d["escrow"] is not None:
            d["returned"].append(d["escrow"])
            d["escrow"] = None
            self.state.save(d)

    def enable(self, max_note_fen: int) -> None:
        self.set(enabled=True)

    def inhibit(self) -> None:
        self.set(enabled=False)

    def escrow(self) -> int | None:
        d = self.state.load()
        if d["escrow"] is None and d["queue"] and not self.jammed():  # jammed: takes no notes
            note = d["queue"].pop(0)
            if d.get("jam_intake") == 0:  # stuck before validation: reported once, no value
                d.update(jam_intake=None, stuck=[*d.get("stuck", []), note])
                self.state.save(d)
                raise NoteJammed("bill jammed in transport safe", stage="transport", cctalk_code=16)
            if d.get("jam_intake"):
                d["jam_intake"] -= 1
            d["escrow"] = note
            self.state.save(d)
        return d["escrow"]  # type: ignore[no-any-return]

    def stack(self) -> int:
        d = self.state.load()
        if d["escrow"] is None:
            raise EscrowLost("no note in escrow", stacked_counter=d["counter"])
        if d["jam_next"]:  # stuck in the transport: not stacked, not returned
            d["jammed"].append(d["escrow"])
            d.update(escrow=None, jam_next=False)
            self.state.save(d)
            raise NoteJammed("note jammed in the transport", stage="transport",
                             stacked_counter=d["counter"])
        d["stacked"].append(d["escrow"])
        d["escrow"] = None
        d["counter"] += 1
        self.state.save(d)
        return int(d["counter"])

    def return_escrow(self) -> None:
        d = self.state.load()
        if d["escrow"] is not None:
            d["returned"].append(d["escrow"])
            d["escrow"] = None
            self.state.save(d)

    def stacked_counter(self) -> int:
        return int(self.state.load()["counter"])

    def jammed(self) -> bool | None:
        d = self.state.load()
        return bool(d["jammed"] or d.get("stuck"))

    def set(self, **kv: Any) -> None:
        d = self.state.load()
        d.update(kv)
        self.state.save(d)

    def dump(self) -> dict[str, Any]:
        return self.state.load()


class FakePayment:
    """An electronic payment provider, idempotent on txn_id."""

    def __init__(self, path: str | Path | None = None, method: PaymentMethod = PaymentMethod.QR,
                 decline: bool = False) -> None:
        self.method = method
        self.state = _State(path, {"charges": {}, "refunds": {}, "decline": decline})

    def charge(self, txn_id: str, amount_fen: int) -> str:
        d = self.state.load()
        if d["decline"]:
            raise PaymentError("payment declined")
        d["charges"].setdefault(txn_id, amount_fen)
        self.state.save(d)
        return f"PAY-{txn_id[:8]}"

    def charged_fen(self, txn_id: str) -> int:
        d = self.state.load()
        return int(d["charges"].get(txn_id, 0)) - int(d["refunds"].get(txn_id, 0))

    def refund(self, txn_id: str, amount_fen: int) -> str:
        d = self.state.load()
        if txn_id not in d["refunds"]:
            d["refunds"][txn_id] = amount_fen
            self.state.save(d)
        return f"REF-{txn_id[:8]}"

    def dump(self) -> dict[str, Any]:
        return self.state.load()


# --- server -------------------------------------------------------------------------------
class FakeServer:
    """A ledger keyed for ever on (kiosk_id, seq), in its own SQLite file (never the
    journal's). A duplicate answers stored; the same key with another body is refused."""

    def __init__(self, path: str | Path = ":memory:", fail: bool = False) -> None:
        self.path = str(path)
        self.fail = fail
        self._db = sqlite3.connect(self.path, check_same_thread=False)
        self._db.execute("CREATE TABLE IF NOT EXISTS ledger (kiosk_id TEXT, seq INTEGER, txn_id TEXT,"
                         " kind TEXT, body TEXT, row_hash TEXT, PRIMARY KEY (kiosk_id, seq))")
        self._db.commit()

    def upload(self, rows: Sequence[UploadRow]) -> list[int]:
        if self.fail:
            raise ConnectionError("server unreachable")
        stored = []
        for r in rows:
            old = self._db.execute("SELECT body, row_hash FROM ledger WHERE kiosk_id=? AND seq=?",
                                   (r.kiosk_id, r.seq)).fetchone()
            if old is None:
                self._db.execute("INSERT INTO ledger VALUES (?,?,?,?,?,?)",
                                 (r.kiosk_id, r.seq, r.txn_id, r.kind, r.body, r.row_hash))
            elif old != (r.body, r.row_hash):
                raise ValueError(f"seq {r.seq}: same key, different body")
            stored.append(r.seq)
        self._db.commit()
        return stored

    def rows(self) -> list[tuple[str, int, str, str, str, str]]:
        return list(self._db.execute("SELECT * FROM ledger ORDER BY kiosk_id, seq"))

    def close(self) -> None:
        self._db.close()
