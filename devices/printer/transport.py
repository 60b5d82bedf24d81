"""Connections to a receipt printer from a configuration URL, over python-escpos.

    tcp://192.168.1.50:9100[?timeout=5]         network printer (socket://... is accepted too)
    usb://04b8:0202[?in_ep=0x82&out_ep=0x01]    USB printer class device (pyusb, libusb)
    serial:///dev/ttyUSB0?baudrate=19200        serial (also bytesize, parity, stopbits, dsrdtr)

python-escpos's Network / Usb / Serial classes open the device and write; `Link` adds
reads with a deadline (python-escpos reads block without one) and logs every byte at
TRAFFIC (5), below DEBUG, so a field log replays as a test transcript.
"""
from __future__ import annotations

import logging
import socket
from dataclasses import dataclass, field
from typing import Any, Self
from urllib.parse import parse_qs, urlsplit

from kiosk.errors import ConfigError, PrinterUnreachable, ReceiptIncomplete

logger = logging.getLogger(__name__)
TRAFFIC = 5
logging.addLevelName(TRAFFIC, "TRAFFIC")


@dataclass(frozen=True)
class PrinterAddress:
    kind: str  # "tcp" | "usb" | "serial"
    url: str
    host: str = ""
    port: int = 9100
    vendor: int = 0
    product: int = 0
    device: str = ""
    timeout: float = 5.0  # connect / write timeout, seconds
    options: dict[str, str] = field(default_factory=dict)


def parse_url(url: str) -> PrinterAddress:
    """A printer URL -> PrinterAddress; ConfigError naming what is wrong."""
    parts = urlsplit(url.strip())
    query = {k: v[-1] for k, v in parse_qs(parts.query).items()}
    try:
        timeout = float(query.pop("timeout", "5"))
        if parts.scheme in ("tcp", "socket"):
            if not parts.hostname:
                raise ValueError("no host")
            return PrinterAddress("tcp", url, host=parts.hostname, port=parts.port or 9100,
                                  timeout=timeout, options=query)
        if parts.scheme == "usb":
            vid, _, pid = (parts.netloc or parts.path.strip("/")).partition(":")
            return PrinterAddress("usb", url, vendor=int(vid, 16), product=int(pid, 16),
                                  timeout=timeout, options=query)
        if parts.scheme == "serial":
            device = parts.path or parts.netloc
            if not device:
                raise ValueError("no device path")
            return PrinterAddress("serial", url, device=device, timeout=timeout, options=query)
    except ValueError as exc:
        raise ConfigError(f"bad printer URL {url!r}: {exc}", field="printer.url") from None
    raise ConfigError(
        f"bad printer URL {url!r}: scheme must be tcp, usb or serial", field="printer.url"
    )


def _open_escpos(addr: PrinterAddress, escpos_profile: str) -> Any:
    """An opened python-escpos printer object; PrinterUnreachable when it cannot be."""
    from escpos import printer as ep  # type: ignore[import-untyped]  # the vendor library

    opts = addr.options
    try:
        if addr.kind == "tcp":
            dev: Any = ep.Network(addr.host, addr.port, timeout=addr.timeout, profile=escpos_profile)
        elif addr.kind == "usb":
            if not ep.Usb.is_usable():
                raise PrinterUnreachable("USB printing needs pyusb and libusb", url=addr.url)
            dev = ep.Usb(addr.vendor, addr.product, timeout=int(addr.timeout * 1000),
                         in_ep=int(opts.get("in_ep", "0x82"), 0),
                         out_ep=int(opts.get("out_ep", "0x01"), 0), profile=escpos_profile)
        else:
            dev = ep.Serial(addr.device, baudrate=int(opts.get("baudrate", "9600")),
                            bytesize=int(opts.get("bytesize", "8")), timeout=addr.timeout,
                            parity=opts.get("parity", "N"),
                            stopbits=int(opts.get("stopbits", "1")),
                            dsrdtr=opts.get("dsrdtr", "1") not in ("0", "false"),
                            profile=escpos_profile)
        dev.open()
    except PrinterUnreachable:
        raise
    except Exception as exc:  # DeviceNotFoundError, OSError, USBError, SerialException
        detail = " ".join(str(exc.__context__ or exc).split())
        raise PrinterUnreachable(f"cannot open printer {addr.url}: {detail}", url=addr.url) from exc
    if dev.device is None:
        raise PrinterUnreachable(f"cannot open printer {addr.url}", url=addr.url)
    return dev


class Link:
    """One open connection: write bytes, read status bytes with a deadline."""

    def __init__(self, addr: PrinterAddress, escpos_profile: str) -> None:
        self.addr = addr
        self._dev = _open_escpos(addr, escpos_profile)
        if addr.kind == "serial":  # late answers to an earlier session's queries
            self._dev.device.reset_input_buffer()

    def close(self) -> None:
        try:
            self._dev.close()
        except Exception:  # closing a dead connection must not hide the first error
            logger.debug("close failed", exc_info=True)

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def send(self, data: bytes) -> None:
        logger.log(TRAFFIC, "printer >> %s", data.hex(" "))
        try:
            self._dev._raw(data)
        except Exception as exc:
            raise ReceiptIncomplete(f"connection to the printer lost while sending: {exc}",
                                    url=self.addr.url) from exc

    def read(self, timeout: float) -> bytes:
        """Whatever the printer sent within `timeout` seconds (b"" when nothing)."""
        try:
            data = self._read(max(timeout, 0.0))
        except ReceiptIncomplete:
            raise
        except Exception as exc:
            raise ReceiptIncomplete(f"connection to the printer lost: {exc}",
                                    url=self.addr.url) from exc
        if data:
            logger.log(TRAFFIC, "printer << %s", data.hex(" "))
        return data

    def _read(self, timeout: float) -> bytes:
        device = self._dev.device
        if self.addr.kind == "tcp":
            sock: socket.socket = device
            sock.settimeout(timeout if timeout > 0 else 0.0)
            try:
                data = sock.recv(64)
            except (TimeoutError, BlockingIOError):
                return b""
            finally:
                sock.settimeout(self.addr.timeout)
            if not data:
                raise ReceiptIncomplete("the printer closed the connection", url=self.addr.url)
            return data
        if self.addr.kind == "serial":
            device.timeout = timeout
            try:  # read(n) waits for all n bytes: wait for one, then take what is there
                first = bytes(device.read(1))
                return first + bytes(device.read(device.in_waiting)) if first else b""
            finally:
                device.timeout = self.addr.timeout
        import usb.core  # type: ignore[import-untyped]  # USB only

        try:
            return bytes(device.read(self._dev.in_ep, 64, timeout=max(1, int(timeout * 1000))))
        except usb.core.USBTimeoutError:
            return b""

