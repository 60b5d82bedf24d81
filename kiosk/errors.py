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


class PrinterError(KioskError):
    code = "R001"


class PaperOut(PrinterError):
    code = "R002"


class OutOfService(KioskError):
    code = "S001"
