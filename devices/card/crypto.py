"""Card cryptography of shared/specs/gas-cards.md: CRC-16/CCITT-FALSE, single DES and 2-key
3DES (ECB blocks), ISO 9797-1 padding method 2 DES-MAC (the PBOC "DESMAC": single-DES CBC
with the key's left half, last block 3DES, IV zero), PBOC key diversification, SESLK, MAC1,
MAC2, TAC and the SAM quota MAC.

Pure functions over bytes; no key ever lives in kiosk code (the SAM and the test fixtures
hold them)."""
from __future__ import annotations

import logging

from cryptography.hazmat.decrepit.ciphers.algorithms import TripleDES
from cryptography.hazmat.primitives.ciphers import Cipher, modes

logger = logging.getLogger(__name__)

TXN_TYPE_LOAD = 0x02


def crc16(data: bytes) -> int:
    """CRC-16/CCITT-FALSE: poly 0x1021, init 0xFFFF, no reflection, no xor-out."""
    crc = 0xFFFF
    for byte in data:
        crc ^= byte << 8
        for _ in range(8):
            crc = ((crc << 1) ^ 0x1021) if crc & 0x8000 else (crc << 1)
            crc &= 0xFFFF
    return crc


def _ecb(key24: bytes, block: bytes, decrypt: bool = False) -> bytes:
    cipher = Cipher(TripleDES(key24), modes.ECB())
    ctx = cipher.decryptor() if decrypt else cipher.encryptor()
    return ctx.update(block) + ctx.finalize()


def des_encrypt(key: bytes, block: bytes) -> bytes:
    """Single DES of one 8-byte block (as 3DES K|K|K)."""
    if len(key) != 8 or len(block) != 8:
        raise ValueError("DES needs an 8-byte key and an 8-byte block")
    return _ecb(key * 3, block)


def des_decrypt(key: bytes, block: bytes) -> bytes:
    if len(key) != 8 or len(block) != 8:
        raise ValueError("DES needs an 8-byte key and an 8-byte block")
    return _ecb(key * 3, block, decrypt=True)


def tdes_encrypt(key: bytes, data: bytes) -> bytes:
    """2-key 3DES (K1|K2|K1) ECB of whole 8-byte blocks."""
    if len(key) != 16 or len(data) % 8:
        raise ValueError("3DES needs a 16-byte key and whole 8-byte blocks")
    return _ecb(key + key[:8], data)


def pad_m2(data: bytes) -> bytes:
    """ISO 9797-1 padding method 2: 80 then 00 up to a multiple of 8 (always adds)."""
    padded = data + b"\x80"
    return padded + b"\x00" * (-len(padded) % 8)


def _xor(a: bytes, b: bytes) -> bytes:
    return bytes(x ^ y for x, y in zip(a, b, strict=True))


def des_mac(key: bytes, data: bytes) -> bytes:
    """ISO 9797-1 MAC, padding method 2, IV zero, left 4 bytes of the last block.

    An 8-byte key gives the single-DES CBC MAC (algorithm 1); a 16-byte key gives the
    retail MAC (algorithm 3: single DES with the left half, last block 3DES)."""
    if len(key) not in (8, 16):
        raise ValueError("MAC key must be 8 or 16 bytes")
    left = key[:8]
    blocks = pad_m2(data)
    state = bytes(8)
    for i in range(0, len(blocks), 8):
        state = des_encrypt(left, _xor(state, blocks[i : i + 8]))
    if len(key) == 16:
        state = des_encrypt(left, des_decrypt(key[8:], state))
    return state[:4]


def diversify(master: bytes, serial: bytes) -> bytes:
    """PBOC diversification: DK = 3DES(MK, serial) || 3DES(MK, NOT serial)."""
    if len(serial) != 8:
        raise ValueError("card serial must be 8 bytes")
    inverted = bytes(b ^ 0xFF for b in serial)
    return tdes_encrypt(master, serial) + tdes_encrypt(master, inverted)


def session_key(dlk: bytes, random4: bytes, online_atc: int) -> bytes:
    """SESLK = 3DES(DLK, random || onlineATC || 80 00)."""
    if len(random4) != 4:
        raise ValueError("card random must be 4 bytes")
    return tdes_encrypt(dlk, random4 + online_atc.to_bytes(2, "big") + b"\x80\x00")


def _terminal(terminal: bytes) -> bytes:
    if len(terminal) != 6:
        raise ValueError("terminal number must be 6 bytes")
    return terminal


def mac1(seslk: bytes, old_balance: int, amount: int, terminal: bytes) -> bytes:
    """MAC1 = DESMAC(SESLK, oldBal || amount || 02 || terminal)."""
    data = (
        old_balance.to_bytes(4, "big")
        + amount.to_bytes(4, "big")
        + bytes([TXN_TYPE_LOAD])
        + _terminal(terminal)
    )
    return des_mac(seslk, data)


def mac2(seslk: bytes, amount: int, terminal: bytes, date4: bytes, time3: bytes) -> bytes:
    """MAC2 = DESMAC(SESLK, amount || 02 || terminal || date || time)."""
    data = amount.to_bytes(4, "big") + bytes([TXN_TYPE_LOAD]) + _terminal(terminal)
    return des_mac(seslk, data + date4 + time3)


def tac_key(dtk: bytes) -> bytes:
    """The TAC key: DTK[0:8] XOR DTK[8:16]."""
    return _xor(dtk[:8], dtk[8:16])


def tac(
    dtk: bytes,
    new_balance: int,
    online_atc_before: int,
    amount: int,
    terminal: bytes,
    date4: bytes,
    time3: bytes,
) -> bytes:
    """TAC = DESMAC(DTK[0:8] XOR DTK[8:16], newBal || onlineATC || amount || 02 || terminal
    || date || time); onlineATC is the value before the load."""
    data = (
        new_balance.to_bytes(4, "big")
        + online_atc_before.to_bytes(2, "big")
        + amount.to_bytes(4, "big")
        + bytes([TXN_TYPE_LOAD])
        + _terminal(terminal)
        + date4
        + time3
    )
    return des_mac(tac_key(dtk), data)


def quota_mac(quota_key: bytes, new_quota: int, sam_counter: int) -> bytes:
    """Replenish MAC = DESMAC(left half of the quota key, new quota || SAM counter)."""
    return des_mac(quota_key[:8], new_quota.to_bytes(4, "big") + sam_counter.to_bytes(4, "big"))
