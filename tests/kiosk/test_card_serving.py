"""The card types the kiosk can serve now (kiosk.serving), applied by check_card before any
money: the rule itself, and the purchase check on a real SQLite journal with fake cards."""
from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest

from devices.card.apdu import StatusError
from kiosk.card import CardTech
from kiosk.errors import CardError, CardTypeNotServed, SamQuotaExceeded
from kiosk.serving import CPU_OFFLINE_NEEDS_SAM, IC_NEEDS_SAM, PROBLEM_NO_SAM, SAM_QUOTA, refusal

from .world import World

IC, CPU = CardTech.IC, CardTech.CPU


@pytest.mark.parametrize("tech,sam,online,quota,want", [
    (IC, True, False, None, None),
    (IC, False, True, None, IC_NEEDS_SAM),  # the PSC comes from the SAM, online or not
    (CPU, False, True, 0, None),  # the server's MAC2
    (CPU, False, False, 0, CPU_OFFLINE_NEEDS_SAM),
    (CPU, True, False, 99, SAM_QUOTA),
    (CPU, True, False, 100, None),
    (CPU, True, True, 0, None),
])
def test_rule(tech: CardTech, sam: bool, online: bool, quota: int | None, want: str | None) -> None:
    assert refusal(tech, sam_answers=sam, online=online, sam_quota_fen=quota, min_fen=100) == want


@pytest.mark.parametrize("tech,online,reason", [("ic", True, IC_NEEDS_SAM), ("ic", False, IC_NEEDS_SAM),
                                                ("cpu", False, CPU_OFFLINE_NEEDS_SAM)])
def test_check_card_refuses_before_money(tmp_path: Path, tech: str, online: bool, reason: str) -> None:
    w = World.open(tmp_path / "w", tech=tech, online=online)
    try:
        snap = replace(w.card.read(), problems=(PROBLEM_NO_SAM,))
        with pytest.raises(CardTypeNotServed) as info:
            w.svc.check_card(snap, 0 if tech == "cpu" else None)
        assert info.value.data["reason"] == reason and info.value.code == "K016"
        assert w.journal.raw("SELECT count(*) FROM purchases") == [(0,)]
    finally:
        w.close()


def test_no_sam_is_not_damage_and_cpu_online_is_served(tmp_path: Path) -> None:
    w = World.open(tmp_path / "w", tech="cpu", online=True)
    try:
        snap = replace(w.card.read(), problems=(PROBLEM_NO_SAM,))
        assert w.svc.check_card(snap, 0).max_fen == w.svc.ctx.limits.max_fen
    finally:
        w.close()
    w = World.open(tmp_path / "o", tech="cpu", online=False)
    try:  # a SAM that answers with too little quota: the existing words, with what is left
        with pytest.raises(SamQuotaExceeded):
            w.svc.check_card(w.card.read(), 50)
    finally:
        w.close()


def test_an_unexpected_status_word_is_a_card_error() -> None:
    """Recovery catches CardError: a SAM or card status it does not expect must not escape."""
    exc = StatusError("verify TAC", 0x6F00)
    assert isinstance(exc, CardError) and exc.sw == 0x6F00 and exc.data["sw"] == 0x6F00
