"""The shared protocol models and the kiosk-side tariff verifier, without a server."""
from __future__ import annotations

import ast
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat
from pydantic import ValidationError
from sync_server_harness import Chain

from kiosk.hashchain import canonical_json
from kiosk.ports import UploadRow
from kiosk.purchase.ledger import NOTE_OUTCOMES
from kiosk.purchase.states import Ev
from sync.protocol import (
    EVENT_MODELS,
    CashCollectionReprintEvent,
    CashNoteEvent,
    EventKind,
    ReceiptReprintEvent,
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


REPO = Path(__file__).resolve().parents[3]
# the kiosk's journal writers: kiosk.journal.store.append(s, kiosk_id, txn, KIND, body, now)
# and Ledger._append(s, txn, KIND, body, now)
KIND_ARG = {"append": 3, "_append": 2}


def _expand(node: ast.expr, where: str) -> set[str]:
    """The kinds one kind argument can be. The two f-strings of the ledger are expanded from
    what they iterate over; any other non-literal fails the test (teach it here)."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return {node.value}
    text = ast.unparse(node)
    if text == "f'purchase.{ev.value}'":  # Ledger.transition: every event but ACKED (not journalled)
        return {f"purchase.{ev.value}" for ev in Ev if ev is not Ev.ACKED}
    if text == "kind":  # Ledger.note_settled: kind = f"cash.note_{outcome}"
        return {f"cash.note_{o}" for o in NOTE_OUTCOMES}
    raise AssertionError(f"{where}: journal kind {text!r} is not a literal: expand it in this test")


def kinds_the_kiosk_writes() -> set[str]:
    found: set[str] = set()
    for path in sorted((REPO / "kiosk").rglob("*.py")):
        tree = ast.parse(path.read_text(), str(path))
        for node in ast.walk(tree):
            if not isinstance(node, ast.Call):
                continue
            name = node.func.id if isinstance(node.func, ast.Name) else (
                node.func.attr if isinstance(node.func, ast.Attribute) else None)
            if name in KIND_ARG and len(node.args) > KIND_ARG[name] and path.name != "store.py":
                if name == "append" and not isinstance(node.func, ast.Name):
                    continue  # list.append and the like
                found |= _expand(node.args[KIND_ARG[name]], f"{path.relative_to(REPO)}:{node.lineno}")
    return found


def test_the_event_models_are_exactly_the_kinds_the_kiosk_writes() -> None:
    written = kinds_the_kiosk_writes()
    assert {"purchase.created", "purchase.voucher", "cash.note_escrow", "cash.note_jammed",
            "receipt.reprint", "repair.request", "cash.collection", "cash.collection_reprint"} <= written  # the scan sees them
    assert set(EVENT_MODELS) == written  # every written kind has a model, every model is written
    assert {k.value for k in EventKind} == written
    assert "purchase.acked" not in written


def test_the_event_models_parse_what_the_kiosk_writes() -> None:
    ev = parse_event("repair.request", canonical_json({"category": "meter", "new_field": 1}))
    assert isinstance(ev, RepairRequestEvent) and ev.model_extra == {"new_field": 1}
    note = parse_event("cash.note_escrow", canonical_json({"denom_fen": 5000, "counter_before": 7}))
    assert isinstance(note, CashNoteEvent) and note.counter_before == 7
    assert isinstance(parse_event("receipt.reprint", canonical_json({"count": 2})), ReceiptReprintEvent)
    slip = parse_event("cash.collection_reprint", canonical_json({"seq": 41, "count": 2}))
    assert isinstance(slip, CashCollectionReprintEvent) and (slip.seq, slip.count) == (41, 2)
    with pytest.raises(ValidationError):
        parse_event("cash.collection_reprint", canonical_json({"count": 1}))  # which collection?
    assert parse_event("some.future.kind", "{}") is None
    with pytest.raises(ValidationError):
        parse_event("rating", canonical_json({"score": 9}))
    with pytest.raises(ValidationError):
        parse_event("cash.note_stacked", canonical_json({"denom_fen": -100}))


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
