"""The one module that imports pyscard. A PC/SC context per thread and a tiny byte-level
transport `transmit(apdu) -> (data, sw)` per connected card (as yubikit's
SmartCardConnection). Both assert they are only used on the thread that created them.

Error mapping (gas-cards.md section 1): a card pulled while an APDU is in flight gives a
"successful" transmit with an empty response, a card pulled between APDUs gives
SCARD_E_NOT_TRANSACTED / SCARD_W_REMOVED_CARD: both are CardPulled. No card at connect
time is CardAbsent; no service or reader is CardReaderError."""
from __future__ import annotations

import logging
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from smartcard import scard  # type: ignore[import-untyped]

from kiosk.errors import CardAbsent, CardPulled, CardReaderError, UnknownCard

from .traffic import TrafficLog

logger = logging.getLogger(__name__)

_ABSENT = {
    scard.SCARD_E_NO_SMARTCARD,
    scard.SCARD_W_REMOVED_CARD,
    scard.SCARD_W_RESET_CARD,
    scard.SCARD_E_NOT_TRANSACTED,
}
_SERVICE = {
    scard.SCARD_E_NO_SERVICE,
    scard.SCARD_E_SERVICE_STOPPED,
    scard.SCARD_E_NO_READERS_AVAILABLE,
    scard.SCARD_E_UNKNOWN_READER,
    scard.SCARD_E_READER_UNAVAILABLE,
}


def _msg(hresult: int) -> str:
    text: str = scard.SCardGetErrorMessage(hresult)
    return f"{text.strip()} (0x{hresult & 0xFFFFFFFF:08X})"


@dataclass(frozen=True)
class ReaderStatus:
    reader: str
    present: bool
    atr: bytes
    event_count: int  # pcsc-lite counts card events in the upper 16 bits of the state
    state: int  # raw event state, to pass back to wait_change()


class _ThreadBound:
    def __init__(self) -> None:
        self._owner = threading.get_ident()

    def _check_thread(self) -> None:
        assert threading.get_ident() == self._owner, f"{type(self).__name__} used off its thread"


class PcscContext(_ThreadBound):
    """One PC/SC context, owned by the thread that created it."""

    def __init__(self) -> None:
        super().__init__()
        hresult, self._ctx = scard.SCardEstablishContext(scard.SCARD_SCOPE_USER)
        if hresult != scard.SCARD_S_SUCCESS:
            raise CardReaderError(f"PC/SC service not available: {_msg(hresult)}")

    def readers(self) -> list[str]:
        self._check_thread()
        hresult, names = scard.SCardListReaders(self._ctx, [])
        if hresult == scard.SCARD_E_NO_READERS_AVAILABLE:
            return []
        if hresult != scard.SCARD_S_SUCCESS:
            raise CardReaderError(f"cannot list readers: {_msg(hresult)}")
        return list(names)

    def status(self, readers: list[str]) -> list[ReaderStatus]:
        """Current state of the readers, without waiting."""
        result = self.wait_change([(r, scard.SCARD_STATE_UNAWARE) for r in readers], 0)
        if result is None:
            raise CardReaderError("reader status: no answer")
        return result

    def wait_change(self, states: list[tuple[str, int]], timeout_ms: int) -> list[ReaderStatus] | None:
        """SCardGetStatusChange. `states` are (reader, last event state); returns the new
        states of all of them, or None when nothing changed within timeout_ms."""
        self._check_thread()
        hresult, new = scard.SCardGetStatusChange(self._ctx, timeout_ms, states)
        if hresult == scard.SCARD_E_TIMEOUT:
            return None
        if hresult in _SERVICE:
            raise CardReaderError(f"reader status: {_msg(hresult)}")
        if hresult != scard.SCARD_S_SUCCESS:
            raise CardReaderError(f"reader status: {_msg(hresult)}")
        out = []
        for reader, event, atr in new:
            present = bool(event & scard.SCARD_STATE_PRESENT) and not event & scard.SCARD_STATE_MUTE
            state = event & ~scard.SCARD_STATE_CHANGED
            out.append(ReaderStatus(reader, present, bytes(atr), (event >> 16) & 0xFFFF, state))
        return out

    def connect(self, reader: str) -> PcscCard:
        self._check_thread()
        hresult, hcard, protocol = scard.SCardConnect(
            self._ctx, reader, scard.SCARD_SHARE_SHARED, scard.SCARD_PROTOCOL_T0 | scard.SCARD_PROTOCOL_T1
        )
        if hresult in _ABSENT:
            raise CardAbsent(f"no card in {reader}: {_msg(hresult)}", reader=reader)
        if hresult == scard.SCARD_W_UNRESPONSIVE_CARD or hresult == scard.SCARD_W_UNPOWERED_CARD:
            raise UnknownCard(f"card in {reader} does not answer: {_msg(hresult)}", reason="mute")
        if hresult != scard.SCARD_S_SUCCESS:
            raise CardReaderError(f"cannot connect to {reader}: {_msg(hresult)}", reader=reader)
        return PcscCard(self, reader, hcard, protocol)

    def close(self) -> None:
        self._check_thread()
        scard.SCardReleaseContext(self._ctx)


class PcscCard(_ThreadBound):
    """A connected card: the byte-level transport the protocols sit on."""

    def __init__(self, ctx: PcscContext, reader: str, hcard: int, protocol: int) -> None:
        super().__init__()
        self.reader = reader
        self._hcard = hcard
        self._protocol = protocol
        self._open = True
        self._traffic = TrafficLog(logger, reader)
        hresult, _name, _state, _proto, atr = scard.SCardStatus(hcard)
        if hresult != scard.SCARD_S_SUCCESS:
            raise CardAbsent(f"card left {reader}: {_msg(hresult)}", reader=reader)
        self.atr = bytes(atr)

    def transmit(self, apdu: bytes) -> tuple[bytes, int]:
        self._check_thread()
        if not self._open:
            raise CardPulled("card connection already closed", reader=self.reader)
        started = time.perf_counter()
        hresult, response = scard.SCardTransmit(self._hcard, self._protocol, list(apdu))
        if hresult != scard.SCARD_S_SUCCESS:
            self._traffic.failure(apdu, _msg(hresult))
            raise CardPulled(f"card gone during exchange: {_msg(hresult)}", reader=self.reader)
        if len(response) < 2:  # vpcd / pcscd: a pull mid-APDU is a "success" with no bytes
            self._traffic.failure(apdu, "empty response")
            raise CardPulled("card returned no valid response", reader=self.reader)
        raw = bytes(response)
        data, sw = raw[:-2], int.from_bytes(raw[-2:], "big")
        self._traffic.exchange(apdu, data, sw, (time.perf_counter() - started) * 1000)
        return data, sw

    @contextmanager
    def transaction(self) -> Iterator[None]:
        """Exclusive access for a multi-APDU sequence (no other process may slip a command
        between INITIALIZE and CREDIT, or reset the card between PSC and write)."""
        self._check_thread()
        hresult = scard.SCardBeginTransaction(self._hcard)
        if hresult != scard.SCARD_S_SUCCESS:
            raise CardPulled(f"card gone before the exchange: {_msg(hresult)}", reader=self.reader)
        try:
            yield
        finally:
            if self._open:
                scard.SCardEndTransaction(self._hcard, scard.SCARD_LEAVE_CARD)

    def close(self, reset: bool = False) -> None:
        self._check_thread()
        if self._open:
            self._open = False
            disposition = scard.SCARD_RESET_CARD if reset else scard.SCARD_LEAVE_CARD
            scard.SCardDisconnect(self._hcard, disposition)
