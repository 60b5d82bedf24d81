"""Card cryptography against the spec's published vector and known CRC check values."""
from __future__ import annotations

from devices.card import crypto


def test_crc16_ccitt_false_check_value() -> None:
    assert crypto.crc16(b"123456789") == 0x29B1
    assert crypto.crc16(b"") == 0xFFFF


def test_published_fm1208_vector() -> None:
    dlk = bytes.fromhex("3F013F013F013F013F013F013F013F01")
    seslk = crypto.session_key(dlk, bytes.fromhex("F9CABA91"), 0x0000)
    assert seslk.hex().upper() == "03015BEA347EA231"
    mac1 = crypto.mac1(seslk, 0, 0x00001234, bytes.fromhex("000000000001"))
    assert mac1.hex().upper() == "6C394D64"


def test_padding_method_2_always_pads() -> None:
    assert crypto.pad_m2(b"") == bytes.fromhex("8000000000000000")
    assert crypto.pad_m2(bytes(8)) == bytes(8) + bytes.fromhex("8000000000000000")
    assert len(crypto.pad_m2(bytes(7))) == 8


def test_des_mac_is_cbc_mac_with_zero_iv() -> None:
    key = bytes.fromhex("0123456789ABCDEF")
    data = bytes(range(11))
    padded = crypto.pad_m2(data)
    state = crypto.des_encrypt(key, padded[:8])
    state = crypto.des_encrypt(key, bytes(a ^ b for a, b in zip(state, padded[8:])))
    assert crypto.des_mac(key, data) == state[:4]


def test_diversification_halves() -> None:
    mk = bytes.fromhex("00112233445566778899AABBCCDDEEFF")
    serial = bytes.fromhex("0102030405060708")
    dk = crypto.diversify(mk, serial)
    assert dk[:8] == crypto.tdes_encrypt(mk, serial)
    assert dk[8:] == crypto.tdes_encrypt(mk, bytes(b ^ 0xFF for b in serial))


def test_mac2_and_tac_depend_on_every_field() -> None:
    seslk = bytes.fromhex("03015BEA347EA231")
    term = bytes.fromhex("000000000001")
    base = crypto.mac2(seslk, 100, term, bytes.fromhex("20261122"), bytes.fromhex("101010"))
    assert base != crypto.mac2(seslk, 101, term, bytes.fromhex("20261122"), bytes.fromhex("101010"))
    dtk = bytes(range(16))
    t1 = crypto.tac(dtk, 200, 1, 100, term, bytes.fromhex("20261122"), bytes.fromhex("101010"))
    t2 = crypto.tac(dtk, 200, 2, 100, term, bytes.fromhex("20261122"), bytes.fromhex("101010"))
    assert len(t1) == 4 and t1 != t2
