"""The purchase: a journalled state machine (states.py), its journal operations (ledger.py),
the flow (service.py) and start-up recovery (recovery.py)."""
