"""The one place where errors become words for people (Chinese through Qt Linguist, English
as the source). Every view says what happened, whether money was taken, what to do next
(with a button for it) and the technician's code."""
from __future__ import annotations

from dataclasses import dataclass

from kiosk import errors as E
from kiosk.repair import RepairInvalid

from .i18n import tr, yuan


@dataclass(frozen=True)
class ErrorView:
    title: str
    what: str
    money: str
    next_step: str
    action: str  # restart | cancel | insert_again | take_card | no_receipt | finish_cash | retry_pay | call_staff
    button: str
    code: str
    second_action: str | None = None
    second_button: str | None = None


def money_line(paid_fen: int, voucher: bool = False, pending_card: bool = False,
               no_voucher_txn: str | None = None) -> str:
    """no_voucher_txn: the voucher could not be printed; the money is under this number."""
    if paid_fen <= 0:
        return tr("No money was taken.")
    if no_voucher_txn is not None:
        return tr("You paid %1 yuan. It is recorded under transaction number %2, but no voucher could "
                  "be printed. Staff will settle it: please call staff.").replace(
                      "%1", yuan(paid_fen)).replace("%2", no_voucher_txn)
    if voucher:
        return tr("You paid %1 yuan. It is recorded; a voucher was printed. "
                  "Take it to the service counter to get your gas or your money.").replace("%1", yuan(paid_fen))
    if pending_card:
        return tr("You paid %1 yuan. It is recorded and is not lost.").replace("%1", yuan(paid_fen))
    return tr("You paid %1 yuan. It is recorded and is not lost.").replace("%1", yuan(paid_fen))


def _jam_words(exc: E.KioskError) -> str:
    note, txn = exc.data.get("note_fen"), exc.data.get("txn_id")
    if exc.data.get("counted") is True:
        return tr("The note went in and was counted; then the machine jammed. Staff have to clear it.")
    if isinstance(note, int) and txn:
        return (tr("A note of %1 yuan is stuck in the machine. It was not counted; it is recorded under "
                   "transaction number %2 and staff will take it out and settle it.")
                .replace("%1", yuan(note)).replace("%2", str(txn)))
    if exc.data.get("value_known") is False and txn:  # stuck before the acceptor could check it
        return (tr("A note is stuck inside the machine before it could be checked, so the kiosk does not "
                   "know its value. It was not counted; it is recorded under transaction number %1 as a "
                   "note of unknown value, and staff will take it out and settle it with you.")
                .replace("%1", str(txn)))
    # nothing recorded it (no purchase to attach it to): promise nothing, send for staff now
    return tr("A note may be stuck in the machine. It was not counted. Please call staff now and "
              "show them this screen.")


def _jam_view(exc: E.NoteJammed, paid_fen: int, money: str, code: str) -> ErrorView:
    title, what = tr("A note is stuck in the machine"), _jam_words(exc)
    if paid_fen:
        return ErrorView(title, what, money, tr("You can buy gas for the money counted so far, or call staff."),
                         "finish_cash", tr("Buy with the money counted"), code, "call_staff", tr("Call staff"))
    nothing = tr("None of your money was counted.")
    if not exc.data.get("txn_id"):  # recorded nowhere: staff must see it now
        return ErrorView(title, what, nothing, tr("Please call staff now."), "call_staff", tr("Call staff"),
                         code, "restart", tr("Start again"))
    return ErrorView(title, what, nothing,
                     tr("Start again (the kiosk prints a slip with the transaction number if it can), or call staff."),
                     "restart", tr("Start again"), code, "call_staff", tr("Call staff"))


def describe(exc: BaseException, paid_fen: int = 0, stage: str = "") -> ErrorView:
    """stage: where it happened: read | pay | write | print | start."""
    code = getattr(exc, "code", "E999")
    money = money_line(paid_fen)
    if stage == "start":  # the kiosk could not start a device or the journal
        return ErrorView(tr("This kiosk is out of service"), tr("A part of the kiosk is not working."),
                         money, tr("Please use the service counter. Staff have been told."),
                         "call_staff", tr("Call staff"), code if code != "E999" else "S001")
    if isinstance(exc, E.CardPulled) and stage == "write":
        return ErrorView(tr("The card was removed while it was being written"),
                         tr("We cannot tell yet whether the gas reached your card."),
                         money_line(paid_fen, pending_card=True),
                         tr("Insert the same card again: the kiosk will check it and finish."),
                         "insert_again", tr("Insert the card again"), code,
                         "call_staff", tr("Call staff"))
    if isinstance(exc, (E.CardAbsent, E.CardPulled)):
        return ErrorView(tr("The card was removed"), tr("The card left the reader before we finished."),
                         money, tr("Start again and leave the card in until you are told to take it."),
                         "restart", tr("Start again"), code)
    if isinstance(exc, E.CardReplaced):
        return ErrorView(tr("This card was replaced by a new one"),
                         tr("The gas company has issued a new card for this account; this old card can no longer be used."),
                         money, tr("Use the new card or ask staff."),
                         "take_card", tr("Take the card and finish"), code, "call_staff", tr("Call staff"))
    if isinstance(exc, E.CardBlocked):
        return ErrorView(tr("This card is blocked"),
                         tr("The gas company has blocked this card (for example reported lost)."),
                         money, tr("Please take your card to the service counter."),
                         "take_card", tr("Take the card and finish"), code, "call_staff", tr("Call staff"))
    if isinstance(exc, E.TacUnverifiable):
        return ErrorView(tr("Your last purchase is not confirmed yet"),
                         tr("The card shows a load that this kiosk cannot check right now."),
                         tr("The money of that purchase is recorded and held for staff; nothing is lost."),
                         tr("Please try again later, or take the card to the service counter."),
                         "take_card", tr("Take the card and finish"), code, "call_staff", tr("Call staff"))
    if isinstance(exc, E.CardTypeNotServed):
        return ErrorView(tr("This kiosk cannot serve this card right now"),
                         tr("A part this kiosk needs for this kind of card is not working."),
                         money, tr("Please use another kiosk or the service counter."),
                         "take_card", tr("Take the card and finish"), code, "call_staff", tr("Call staff"))
    if isinstance(exc, E.MeterNotLoaded):
        return ErrorView(tr("Your meter has not loaded the last purchase"),
                         tr("The gas bought last time is still on the card, not in the meter."),
                         money, tr("At home, insert the card into the gas meter first, then come back."),
                         "take_card", tr("Take the card and finish"), code)
    if isinstance(exc, (E.UnknownCard, E.WrongCard)):
        return ErrorView(tr("This card is not recognised"),
                         tr("It is not a gas card of this company, or it is inserted the wrong way."),
                         money, tr("Check the card and insert it the right way round, chip first."),
                         "insert_again", tr("Try again"), code)
    if isinstance(exc, (E.CardDamaged, E.CardLocked)):
        return ErrorView(tr("This card cannot be used here"),
                         tr("The card's data is damaged or the card is locked."),
                         money, tr("Please take your card to the service counter."),
                         "take_card", tr("Take the card and finish"), code, "call_staff", tr("Call staff"))
    if isinstance(exc, E.CardWriteFailed) and paid_fen > 0 and exc.data.get("voucher_printed") is False:
        return ErrorView(tr("The gas could not be written to your card"),
                         tr("The card refused the write. The card was not changed."),
                         money_line(paid_fen, no_voucher_txn=str(exc.data.get("txn_id") or "?")),
                         tr("Staff can finish this at the service counter."),
                         "call_staff", tr("Call staff"), code, "take_card", tr("Take the card and finish"))
    if isinstance(exc, E.CardWriteFailed):
        return ErrorView(tr("The gas could not be written to your card"),
                         tr("The card refused the write. The card was not changed."),
                         money_line(paid_fen, voucher=paid_fen > 0),
                         tr("Staff can finish this at the service counter."),
                         "take_card", tr("Take the card and finish"), code, "call_staff", tr("Call staff"))
    if isinstance(exc, (E.OfflineCapExceeded, E.SamQuotaExceeded)):
        return ErrorView(tr("The kiosk cannot sell more while offline"),
                         tr("The connection to the gas company is down and today's offline limit is used up."),
                         money, tr("Please try again later or go to the service counter."),
                         "take_card", tr("Take the card and finish"), code)
    if isinstance(exc, E.PaperOut):
        return ErrorView(tr("The receipt printer has no paper"),
                         tr("You can still buy gas, but no paper receipt can be printed."),
                         money, tr("Continue without a paper receipt, or cancel."),
                         "no_receipt", tr("Continue without receipt"), code, "cancel", tr("Cancel"))
    if isinstance(exc, (E.PrinterCoverOpen, E.PrinterOffline, E.PrinterUnreachable)):
        title = (tr("The receipt printer's cover is open") if isinstance(exc, E.PrinterCoverOpen)
                 else tr("The receipt printer is not answering"))
        return ErrorView(title, tr("You can still buy gas, but no paper receipt can be printed."),
                         money, tr("Continue without a paper receipt, or cancel."),
                         "no_receipt", tr("Continue without receipt"), code, "cancel", tr("Cancel"))
    if isinstance(exc, (E.NoteRejected, E.NoteSuspect)):
        return ErrorView(tr("The note was not accepted"),
                         tr("The note was given back to you."), money,
                         tr("Try another note, flat and face up."),
                         "continue_cash", tr("Continue"), code)
    if isinstance(exc, E.NoteJammed):
        return _jam_view(exc, paid_fen, money, code)
    if isinstance(exc, E.CashError):
        return ErrorView(tr("The note acceptor stopped working"),
                         tr("No more notes can be taken now."), money,
                         tr("You can buy gas for the money counted so far, or call staff."),
                         "finish_cash" if paid_fen else "restart",
                         tr("Buy with the money counted") if paid_fen else tr("Start again"),
                         code, "call_staff", tr("Call staff"))
    if isinstance(exc, E.PaymentUnsettled):
        return ErrorView(tr("The payment could not be confirmed"),
                         tr("The kiosk lost contact with the payment service before it could close the payment."),
                         tr("If you paid, the money is not lost: the kiosk checks again, then writes your gas "
                            "or gives the money back."),
                         tr("Keep the payment record on your phone. Staff can help."),
                         "restart", tr("Start again"), code, "call_staff", tr("Call staff"))
    if isinstance(exc, E.PaymentError) and "credit_id" in exc.data:
        return ErrorView(tr("This credit cannot be loaded now"),
                         tr("The gas company did not confirm the payment made elsewhere for this card."),
                         money, tr("Your credit is not lost. Please ask staff at the counter."),
                         "call_staff", tr("Call staff"), code, "take_card", tr("Take the card and finish"))
    if isinstance(exc, E.PaymentError):
        return ErrorView(tr("The payment did not go through"), tr("The payment was declined or timed out."),
                         money, tr("Try again, or pay with cash."), "restart", tr("Start again"), code)
    if isinstance(exc, E.AmountError):
        return ErrorView(tr("This amount cannot be bought"), tr("The amount is outside the allowed range."),
                         money, tr("Choose another amount."), "restart", tr("Start again"), code)
    if isinstance(exc, RepairInvalid):
        return ErrorView(tr("Please check the form"), tr("A field of the repair request is not valid."),
                         money, tr("Correct it and send again."), "restart", tr("Start again"), code)
    if isinstance(exc, (E.OutOfService, E.CardReaderError, E.SamUnavailable, E.JournalGuardError,
                        E.AcceptorUnreachable)):
        return ErrorView(tr("This kiosk is out of service"), tr("A part of the kiosk is not working."),
                         money, tr("Please use the service counter. Staff have been told."),
                         "call_staff", tr("Call staff"), code)
    return ErrorView(tr("Something went wrong"), tr("The kiosk could not finish this step."),
                     money, tr("Please call staff; they can help you."), "call_staff", tr("Call staff"), code)
