"""Repair requests from the kiosk: validated, numbered and journalled (kind
`repair.request`, body as the server's RepairRequestEvent), so they reach the server through
the outbox like every other row, online or not, and the server opens a repair ticket. A gas smell or a leak is never a form: the UI shows the emergency screen instead."""
from __future__ import annotations

import logging
import re
import uuid
from dataclasses import dataclass
from typing import Any

from .errors import KioskError
from .journal import Journal
from .journal.store import append, last_row
from .masking import mask_middle
from .ports import Clock

logger = logging.getLogger(__name__)

EMERGENCY_KINDS = ("gas_smell", "leak")
REPAIR_KINDS = ("no_gas", "meter_fault", "valve", "low_flame", "card_fault", "other")
TIME_SLOTS = ("morning", "afternoon", "evening", "any")
# The optional description, chosen on the touch screen (a kiosk has no keyboard): each detail
# is written for the dispatcher in Chinese, whatever language the resident used.
REPAIR_DETAILS: dict[str, str] = {
    "since_today": "今天开始出现",
    "several_days": "已经有几天了",
    "cannot_cook": "无法做饭，比较急",
    "error_on_meter": "表上显示错误或报警",
    "elderly_alone": "家中老人独居",
    "home_all_day": "全天有人在家",
}


def describe_details(keys: list[str]) -> str:
    """The description of the chosen details, in the order of REPAIR_DETAILS."""
    unknown = [k for k in keys if k not in REPAIR_DETAILS]
    if unknown:
        raise RepairInvalid(f"unknown detail {unknown[0]!r}", field="description")
    return "；".join(v for k, v in REPAIR_DETAILS.items() if k in keys)
MAX_DESCRIPTION = 200
_PHONE = re.compile(r"^(1[3-9]\d{9}|0\d{9,11}|\d{7,8})$")


class RepairInvalid(KioskError):
    """A field of the repair form is not acceptable; `field` names it."""

    code = "Q001"


class EmergencyNotAForm(KioskError):
    code = "Q002"


@dataclass(frozen=True)
class RepairRequest:
    kind: str
    phone: str
    slot: str
    description: str = ""
    customer_no: str | None = None


@dataclass(frozen=True)
class RepairTicket:
    ticket_no: str
    seq: int
    txn_id: str
    request: RepairRequest

    @property
    def phone_masked(self) -> str:
        return mask_middle(self.request.phone, 3, 4)


def validate(req: RepairRequest) -> RepairRequest:
    if req.kind in EMERGENCY_KINDS:
        raise EmergencyNotAForm("a gas smell or leak is an emergency, not a form", kind=req.kind)
    if req.kind not in REPAIR_KINDS:
        raise RepairInvalid("unknown kind", field="kind")
    phone = req.phone.strip().replace("-", "").replace(" ", "")
    if not _PHONE.match(phone):
        raise RepairInvalid("phone number", field="phone")
    if req.slot not in TIME_SLOTS:
        raise RepairInvalid("time slot", field="slot")
    desc = req.description.strip()
    if len(desc) > MAX_DESCRIPTION:
        raise RepairInvalid("description too long", field="description")
    return RepairRequest(req.kind, phone, req.slot, desc, req.customer_no)


def ticket_number(kiosk_id: str, seq: int) -> str:
    """Unique per kiosk for ever (the journal seq never repeats): e.g. DEMO01-R000123."""
    return f"{kiosk_id}-R{seq:06d}"


class RepairDesk:
    def __init__(self, journal: Journal, clock: Clock, kiosk_id: str) -> None:
        self.journal = journal
        self.clock = clock
        self.kiosk_id = kiosk_id

    def submit(self, req: RepairRequest) -> RepairTicket:
        """Blocks on the journal's writer: call from a worker thread, never the GUI."""
        req = validate(req)
        txn = uuid.uuid4().hex
        now = self.clock.now()

        def write(s: Any) -> tuple[int, str]:
            prev = last_row(s)
            seq = 1 if prev is None else prev.seq + 1
            no = ticket_number(self.kiosk_id, seq)
            # the server's RepairRequestEvent (sync/protocol.py): category, description,
            # contact_phone, customer_no; ticket_no and preferred_slot ride along as extras
            body = {"category": req.kind, "description": req.description, "contact_phone": req.phone,
                    "customer_no": req.customer_no, "ticket_no": no, "preferred_slot": req.slot}
            row = append(s, self.kiosk_id, txn, "repair.request", body, now)
            assert row.seq == seq
            return seq, no

        seq, no = self.journal.call(write)
        logger.info("repair request %s (%s) journalled", no, req.kind)
        return RepairTicket(no, seq, txn, req)
