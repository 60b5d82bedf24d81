"""Receipt printer adapter: python-escpos behind kiosk.ports.ReceiptPrinter.

    from devices.printer import EscposReceiptPrinter
    printer = EscposReceiptPrinter.from_config("tcp://127.0.0.1:9100", model="80")
"""
from __future__ import annotations

from .printer import EscposReceiptPrinter
from .profiles import PROFILES, PrinterProfile, get_profile
from .status import StatusReport

__all__ = ["PROFILES", "EscposReceiptPrinter", "PrinterProfile", "StatusReport", "get_profile"]
