"""Which card types the kiosk can serve now: the one rule that the purchase check (before
any money, kiosk.purchase.service.check_card) and the card self-test (devices/card/selftest.py,
what the kiosk says at start) share.

- IC memory cards need the SAM (it derives the card's PSC): no SAM, no IC purchase.
- CPU cards need a MAC2: from the server while it answers (online), else from the SAM within
  its offline quota. Offline with no SAM, or with less quota than the smallest purchase, no
  CPU purchase.

A profile that finds no SAM answering says so in the snapshot's problems (PROBLEM_NO_SAM)."""
from __future__ import annotations

from .card import CardTech

PROBLEM_NO_SAM = "no_sam"  # CardSnapshot.problems: no SAM answers (not damage of the card)

IC_NEEDS_SAM = "ic_needs_sam"
CPU_OFFLINE_NEEDS_SAM = "cpu_offline_needs_sam"
SAM_QUOTA = "sam_quota"

EXPLAIN = {
    IC_NEEDS_SAM: "IC cards need the SAM (it derives the card code) and no SAM answers",
    CPU_OFFLINE_NEEDS_SAM: "CPU cards need the server or the SAM, and neither answers",
    SAM_QUOTA: "CPU cards need the server: the SAM's offline quota is below the smallest purchase",
}


def refusal(tech: CardTech, *, sam_answers: bool, online: bool, sam_quota_fen: int | None,
            min_fen: int) -> str | None:
    """None when a card of `tech` can be served now, else the reason code (EXPLAIN).
    `online`: the server answers MAC2 requests; `sam_quota_fen` None: not known (not capped)."""
    if tech is CardTech.IC:
        return None if sam_answers else IC_NEEDS_SAM
    if online:
        return None
    if not sam_answers:
        return CPU_OFFLINE_NEEDS_SAM
    if sam_quota_fen is not None and sam_quota_fen < min_fen:
        return SAM_QUOTA
    return None
