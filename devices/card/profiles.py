"""The card profile registry: how a card is recognised and which session class speaks its
layout. A vendor layout is one more `register(CardProfile(...))`; the purchase flow only
ever sees kiosk.ports.CardSession.

Identification runs the profiles in order: `atrs` (when given) gates a profile cheaply,
then `probe(transport)` looks at the card (select an application, read a layout id)."""
from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol

from kiosk.card import CardCredit, CardSnapshot, CardTech, CreditOutcome, CreditProof
from kiosk.errors import UnknownCard

from . import cpu_profile, ic_profile
from .apdu import StatusError, Transport
from .sam import SamPort
from .sle4442 import SLE4442_ATRS

logger = logging.getLogger(__name__)


class ProfileSession(Protocol):
    """A profile's session: kiosk.ports.CardSession, run on the reader's worker thread."""

    profile: str

    def read(self) -> CardSnapshot: ...

    def write_credit(self, credit: CardCredit) -> CreditProof: ...

    def check_credit(self, credit: CardCredit) -> tuple[CreditOutcome, CreditProof | None]: ...

    def offline_quota_fen(self) -> int | None: ...


@dataclass(frozen=True)
class CardProfile:
    name: str
    tech: CardTech
    probe: Callable[[Transport], bool]
    open: Callable[[Transport, SamPort | None], ProfileSession]
    atrs: tuple[bytes, ...] = ()  # empty: any ATR (the probe decides)
    needs_sam: bool = True  # IC: PSC from the SAM; CPU: MAC2 and TAC


_REGISTRY: list[CardProfile] = []


def register(profile: CardProfile, *, first: bool = False) -> None:
    if any(p.name == profile.name for p in _REGISTRY):
        raise ValueError(f"profile {profile.name!r} is registered already")
    if first:
        _REGISTRY.insert(0, profile)
    else:
        _REGISTRY.append(profile)


def profiles() -> tuple[CardProfile, ...]:
    return tuple(_REGISTRY)


def identify(t: Transport) -> CardProfile:
    """The first profile that recognises the card; UnknownCard otherwise (nothing written)."""
    for profile in _REGISTRY:
        if profile.atrs and t.atr not in profile.atrs:
            continue
        try:
            if profile.probe(t):
                logger.info("%s: %s (ATR %s)", t.reader, profile.name, t.atr.hex().upper())
                return profile
        except (StatusError, UnknownCard) as exc:
            logger.debug("%s: not %s: %s", t.reader, profile.name, exc)
    raise UnknownCard(f"no card profile knows this card (ATR {t.atr.hex().upper()})",
                      reason="no_profile", atr=t.atr.hex().upper())


register(
    CardProfile(
        name=ic_profile.PROFILE_NAME,
        tech=CardTech.IC,
        probe=ic_profile.probe,
        open=ic_profile.IcSession,
        atrs=SLE4442_ATRS,
    )
)
register(
    CardProfile(
        name=cpu_profile.PROFILE_NAME,
        tech=CardTech.CPU,
        probe=cpu_profile.probe,
        open=cpu_profile.CpuSession,
    )
)
