"""Bill acceptor (ccTalk bill validator) behind kiosk.ports.CashAcceptor.

    from devices.cash.acceptor import BillAcceptor
    acc = BillAcceptor.open("socket://127.0.0.1:PORT")  # or "/dev/ttyUSB0"

Modules: cctalk (framing, bus, header set), events (typed events, event counter),
acceptor (BillAcceptor), cli (`kioskctl cash status`). Simulator: devices.sim.cash_sim.
"""
