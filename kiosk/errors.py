"""One error hierarchy with data. Turned into words for people in exactly one place
(ui/messages.py); `code` is the short code the technician sees."""
from __future__ import annotations


class KioskError(Exception):
    code = "E000"

    def __init__(self, message: str = "", **data: object) -> None:
        super().__init__(message or self.__class__.__name__)
        self.data = data


# --- configuration / start-up -------------------------------------------------
class ConfigError(KioskError):
    code = "C001"


class JournalGuardError(KioskError):
    """The journal database is not in the state the kiosk can trust (pragmas, version,
    integrity, hash chain). The kiosk goes out of service."""

    code = "J001"


class HashChainError(JournalGuardError):
    code = "J002"


# --- pricing ------------------------------------------------------------------
class TariffError(KioskError):
    """A tariff document breaks a rule; `field` names the field."""

    code = "T001"


class AmountError(KioskError):
    code = "T002"


# --- card ---------------------------------------------------------------------
class CardError(KioskError):
    code = "K000"


class CardAbsent(CardError):
    code = "K001"


class CardPulled(CardError):
    """The card went away during an exchange; the effect of a write in flight is unknown."""

    code = "K002"


class UnknownCard(CardError):
    code = "K003"


class CardDamaged(CardError):
    code = "K004"


class CardBlocked(CardError):
    code = "K005"


class CardReplaced(CardBlocked):
    """The utility replaced this card with a new one (account snapshot `replaced_cards`):
    the old card is not sold to. `data['new_serial']` names its successor."""

    code = "K017"


class MeterNotLoaded(CardError):
    """The meter has not loaded the last purchase: insert the card into the meter first."""

    code = "K006"


class CardLocked(CardError):
    """PSC error counter is not 07: the kiosk never presents a code; go to the counter."""

    code = "K007"


class CardWriteFailed(CardError):
    """The card was reached and it does NOT carry the credit (verified)."""

    code = "K008"


class WrongCard(CardError):
    code = "K009"


class OfflineCapExceeded(KioskError):
    code = "L001"


class SamQuotaExceeded(KioskError):
    code = "L002"


# --- payment / printer ----------------------------------------------------------
class PaymentError(KioskError):
    code = "P001"


class PaymentUnsettled(PaymentError):
    """The provider could not confirm that the order is closed (cancelled, expired or paid):
    money may still be taken, so the purchase stays open and is settled later by asking again
    (recovery): paid goes on to the card or a refund, cancelled closes it."""

    code = "P002"


class PrinterError(KioskError):
    code = "R001"


class PaperOut(PrinterError):
    code = "R002"


class OutOfService(KioskError):
    code = "S001"


# --- cash (bill acceptor) -------------------------------------------------------
# Appended for devices/cash. `data` carries what the technician log and the UI need:
# e.g. denomination_fen, cctalk_code, stacked_counter, stage.
class CashError(KioskError):
    code = "N000"


class AcceptorUnreachable(CashError):
    """No (valid) answer from the bill acceptor: cable, power, wrong port or address."""

    code = "N001"


class AcceptorFault(CashError):
    """The acceptor answered but cannot work: stacker removed/full/faulty, a setting did
    not stick, or the outcome of a stack is not certain (see data)."""

    code = "N002"


class NoteRejected(CashError):
    """The note was not accepted and was given back to the resident (validation failed,
    denomination not enabled, master inhibit, pulled back)."""

    code = "N003"


class NoteSuspect(CashError):
    """A fraud attempt (opto/string/tamper) was detected; the note was refused."""

    code = "N004"


class NoteJammed(CashError):
    """A note is stuck in the acceptor; `data['stage']` is 'transport' or 'stacker'.
    The stacked counter in `data` is the oracle for whether it was counted."""

    code = "N005"


class EscrowLost(CashError):
    """Asked to stack, but no note is in escrow any more (returned, timed out, power cycle).
    Nothing was stacked: `data['stacked_counter']` is unchanged."""

    code = "N006"


class CashEventsLost(CashError):
    """The acceptor's event counter jumped by more than its 5-event buffer holds."""

    code = "N007"


# --- receipt printer (devices/printer) ----------------------------------------------
class PrinterUnreachable(PrinterError):
    """The printer cannot be opened (connection refused, no such USB device or port)."""

    code = "R003"


class PrinterCoverOpen(PrinterError):
    code = "R004"


class PrinterOffline(PrinterError):
    """The printer answers but is offline (error, feed button) or does not answer at all."""

    code = "R005"


class ReceiptIncomplete(PrinterError):
    """The job was sent but the printer never confirmed it: the connection dropped or the
    printer stopped mid-receipt for a reason other than paper. Offer a reprint."""

    code = "R006"


# --- card (devices/card additions) ------------------------------------------------
class CardReaderError(CardError):
    """No PC/SC service, or the configured card reader is missing."""

    code = "K010"


class SamUnavailable(CardError):
    """No SAM answers: offline CPU loads and IC card unlocking are impossible."""

    code = "K011"


class PscRejected(CardLocked):
    """The card refused the PSC the SAM derived (wrong card key); `ec_after` in data. The
    kiosk presented once and never again for this insertion."""

    code = "K012"


class CardOutcomeUnknown(CardPulled):
    """The write reached the card but the card's answer after it is not consistent (no
    clean read-back): the effect is unknown, exactly as for a pulled card."""

    code = "K013"


class CardOracleUnavailable(CardError):
    """The card can no longer say whether this credit was applied (it moved on)."""

    code = "K014"


class TacUnverifiable(CardOracleUnavailable):
    """The card shows a load at this transaction's ATC, and nobody can verify its TAC now
    (no SAM answers and the server is out of reach): whether it is this transaction's load
    stays unknown (the money is held, MANUAL_REVIEW); the resident is told to come back."""

    code = "K015"


class CardTypeNotServed(CardError):
    """This kiosk cannot serve this type of card now (no SAM for IC cards; offline with no
    SAM for CPU cards), decided before any money (kiosk.serving); `reason` in data."""

    code = "K016"
