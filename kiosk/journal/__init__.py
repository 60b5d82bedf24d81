"""The journal: SQLite (WAL, synchronous=FULL, one exclusive connection, one writer thread)."""
from .db import Journal, check_guards
from .store import ChainReport, append, verify_chain

__all__ = ["ChainReport", "Journal", "append", "check_guards", "verify_chain"]
