"""The FastAPI application of the sync server."""
from __future__ import annotations

import logging

from fastapi import FastAPI
from fastapi.responses import RedirectResponse

from . import api, api_cards, api_payments, console, receipts
from .signing import SignAnswers
from .state import ServerState

logger = logging.getLogger(__name__)


def create_app(state: ServerState) -> FastAPI:
    app = FastAPI(
        title="Gas kiosk sync server",
        version="1",
        description="Journal ingest, signed downloads, tickets, card crypto and the staff console.",
    )
    app.state.server = state
    app.add_middleware(SignAnswers, signer=state.signer)
    app.include_router(api.router)
    app.include_router(api_payments.router)
    app.include_router(api_cards.router)
    app.include_router(console.router)
    app.include_router(receipts.router)

    @app.get("/healthz")
    def healthz() -> dict[str, str]:
        return {"status": "ok"}

    @app.get("/", include_in_schema=False)
    def root() -> RedirectResponse:
        return RedirectResponse("/console")

    return app
