"""Online card cryptography of the server (gas-cards.md sections 3 and 4): MAC2 for a
CPU-card load, and the SAM quota token. Keys come from the key store file (keys.py); the
DES primitives are devices.card.crypto's, shared with the kiosk's SAM emulator.
"""
from __future__ import annotations

import logging
from dataclasses import dataclass

from devices.card import crypto

from .keys import CardKeyStore

logger = logging.getLogger(__name__)


class CardCryptoError(Exception):
    """The request cannot be authorised (unknown key index, bad MAC1, no quota key)."""


@dataclass(frozen=True)
class LoadAuth:
    mac2: bytes
    seslk: bytes


def authorise_load(
    keys: CardKeyStore,
    *,
    key_index: int,
    serial: bytes,
    old_balance: int,
    amount: int,
    terminal: bytes,
    random4: bytes,
    online_atc: int,
    mac1: bytes,
    date4: bytes,
    time3: bytes,
) -> LoadAuth:
    """Checks the card's MAC1 and answers MAC2, as the SAM would, with the master keys."""
    mlk = keys.mlk.get(key_index)
    if mlk is None:
        raise CardCryptoError(f"key index {key_index} not supported")
    dlk = crypto.diversify(mlk, serial)
    seslk = crypto.session_key(dlk, random4, online_atc)
    expected = crypto.mac1(seslk, old_balance, amount, terminal)
    if expected != mac1:
        logger.warning("MAC1 mismatch for card %s", serial.hex().upper())
        raise CardCryptoError("MAC1 invalid")
    return LoadAuth(mac2=crypto.mac2(seslk, amount, terminal, date4, time3), seslk=seslk)


def verify_tac(
    keys: CardKeyStore,
    *,
    serial: bytes,
    new_balance: int,
    online_atc_before: int,
    amount: int,
    terminal: bytes,
    date4: bytes,
    time3: bytes,
    tac: bytes,
) -> bool:
    dtk = crypto.diversify(keys.mtk, serial)
    return crypto.tac(dtk, new_balance, online_atc_before, amount, terminal, date4, time3) == tac


def quota_mac(keys: CardKeyStore, sam_id: str, new_quota: int, sam_counter: int) -> bytes:
    key = keys.quota_key(sam_id)
    if key is None:
        raise CardCryptoError(f"no quota key for SAM {sam_id}")
    return crypto.quota_mac(key, new_quota, sam_counter)
