"""The serial transport for real: pyserial opens a pseudo-terminal whose other end is
bridged to the simulator, so the same receipt and status bytes cross a tty."""
from __future__ import annotations

import os
import select
import socket
import threading
import tty
from collections.abc import Iterator

import pytest
from printer_testdata import EXPECTED_80, RECEIPT, fast_printer

from devices.sim.printer_sim import PrinterSim
from kiosk.errors import PaperOut
from kiosk.ports import PrinterState


@pytest.fixture
def serial_url() -> Iterator[tuple[str, PrinterSim]]:
    with PrinterSim() as sim:
        master, slave = os.openpty()
        tty.setraw(master)
        tty.setraw(slave)
        sock = socket.create_connection(sim.address)
        stop = threading.Event()

        def bridge() -> None:
            while not stop.is_set():
                ready, _, _ = select.select([master, sock], [], [], 0.05)
                if master in ready:
                    sock.sendall(os.read(master, 4096))
                if sock in ready:
                    data = sock.recv(4096)
                    if not data:
                        return
                    os.write(master, data)

        thread = threading.Thread(target=bridge, daemon=True)
        thread.start()
        try:
            yield f"serial://{os.ttyname(slave)}?baudrate=19200&dsrdtr=0", sim
        finally:
            stop.set()
            thread.join(timeout=2)
            sock.close()
            os.close(master)
            os.close(slave)


def test_receipt_and_status_over_a_serial_line(serial_url: tuple[str, PrinterSim]) -> None:
    url, sim = serial_url
    printer = fast_printer(url)
    assert printer.status() is PrinterState.OK
    printer.print_receipt(RECEIPT)
    assert sim.lines() == EXPECTED_80 and sim.cut_pages()
    sim.clear()
    sim.run_out_of_paper_after(500)
    with pytest.raises(PaperOut):
        printer.print_receipt(RECEIPT)
    assert printer.status() is PrinterState.PAPER_OUT
