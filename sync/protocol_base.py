"""Base classes of the sync protocol models (sync/protocol.py is the one import point)."""
from __future__ import annotations

from pydantic import BaseModel, ConfigDict


class ProtocolModel(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class EventBody(BaseModel):
    """Event bodies: unknown fields allowed and kept."""

    model_config = ConfigDict(extra="allow", frozen=True)
