"""The shared protocol models and the kiosk-side tariff verifier, without a server."""
from __future__ import annotations

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat
from pydantic import ValidationError
from sync_server_harness import Chain

from kiosk.hashchain import canonical_json
from kiosk.ports import UploadRow
from sync.protocol import (
    EVENT_MODELS,
    EventKind,
    RepairRequestEvent,
    RowEnvelope,
    SignedTariff,
    TariffDocument,
    parse_event,
)
from sync.tariff_verify import TariffRejected, key_id, verify_tariff

DOC = {
    "tariff_id": "residential", "version": 3, "valid_from": "2026-01-01", "tier_year_start": "01-01",
    "tiers": [{"up_to_m3": "350", "price": "2.61"}, {"up_to_m3": "500", "price": "2.83"},
              {"up_to_m3": None, "price": "4.23"}],
}


def test_row_envelope_round_trips_upload_row_and_checks_its_hash() -> None:
    row = Chain("K1").purchases(2)[1]
    up = row.to_upload_row()
    assert isinstance(up, UploadRow) and RowEnvelope.from_upload_row(up) == row
    assert row.hash_ok()
    assert not row.model_copy(update={"seq": 3}).hash_ok()


def test_every_event_of_the_issue_has_a_model() -> None:
    assert set(EVENT_MODELS) >= {k.value for k in EventKind}
    assert "purchase.card_done" in EVENT_MODELS and "credit.remainder" in EVENT_MODELS
    ev = parse_event("repair.request", canonical_json({"category": "meter", "new_field": 1}))
    assert isinstance(ev, RepairRequestEvent) and ev.model_extra == {"new_field": 1}
    assert parse_event("some.future.kind", "{}") is None
    with pytest.raises(ValidationError):
        parse_event("rating", canonical_json({"score": 9}))


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"tiers": [{"up_to_m3": "350", "price": "2.61"}]}, "up_to_m3 must be null"),
        ({"tiers": [{"up_to_m3": None, "price": "2.61"}, {"up_to_m3": None, "price": "3"}]}, "tiers[0].up_to_m3"),
        ({"tiers": [{"up_to_m3": "500", "price": "1"}, {"up_to_m3": "350", "price": "1"}, {"up_to_m3": None, "price": "1"}]}, "tiers[1]"),
        ({"tiers": [{"up_to_m3": "3.505", "price": "1"}, {"up_to_m3": None, "price": "1"}]}, "multiple of 0.01"),
        ({"tiers": [{"up_to_m3": None, "price": "2.12345"}]}, "tiers[0].price"),
        ({"tier_year_start": "1-1"}, "tier_year_start"),
    ],
)
def test_a_bad_tariff_document_is_refused_naming_the_field(change: dict[str, object], field: str) -> None:
    with pytest.raises(ValidationError, match=field.replace("[", r"\[").replace("]", r"\]")):
        TariffDocument.model_validate(DOC | change)


def _signed(doc: dict[str, object]) -> tuple[SignedTariff, str]:
    key = Ed25519PrivateKey.generate()
    pub = key.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)
    text = canonical_json(doc)
    return SignedTariff(document=text, signature=key.sign(text.encode()).hex(), key_id=key_id(pub)), pub.hex()


def test_verifier_accepts_only_a_good_signature_over_a_good_document() -> None:
    env, pub = _signed(DOC)
    assert verify_tariff(env.model_dump_json(), pub).version == 3
    assert verify_tariff(env.model_dump(), bytes.fromhex(pub)).tariff_id == "residential"
    with pytest.raises(TariffRejected, match="unsigned"):
        verify_tariff(env.model_copy(update={"signature": ""}), pub)
    with pytest.raises(TariffRejected, match="bad signature"):
        verify_tariff(env.model_copy(update={"signature": "00" * 64}), pub)
    with pytest.raises(TariffRejected, match="unknown key"):
        verify_tariff(env, "22" * 32)
    bad, bad_pub = _signed(DOC | {"tiers": [{"up_to_m3": "1", "price": "1"}]})
    with pytest.raises(TariffRejected, match="invalid tariff document"):
        verify_tariff(bad, bad_pub)
    with pytest.raises(TariffRejected, match="malformed"):
        verify_tariff("{}", pub)
