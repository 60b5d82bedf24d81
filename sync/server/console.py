"""The staff console: server-rendered HTML, no JavaScript. Open help calls, repair tickets,
kiosk health (paper, cash box, reader, sync lag), alerts and held credits paid elsewhere;
forms change a ticket's status, resolve an alert, and release or cancel a held credit
(sync/server/held_credits.py). Staff sign in first (sync/server/staff_auth.py: a session cookie, a
CSRF token in every form); without a configured staff credential the console is not served."""
from __future__ import annotations

import html
import logging
from datetime import UTC, datetime
from urllib.parse import parse_qs

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from starlette.concurrency import run_in_threadpool

from kiosk.money import yuan_str
from sync.protocol import TicketKind, TicketStatus

from . import held_credits, mac2_ledger, service
from .db import Kiosk
from .staff_auth import COOKIE
from .state import ServerState

logger = logging.getLogger(__name__)

router = APIRouter(prefix="/console")

CSS = """body{font-family:sans-serif;margin:1.5em}table{border-collapse:collapse;margin-bottom:1.5em}
td,th{border:1px solid #999;padding:.3em .6em}.bad{background:#fdd}.warn{background:#ffd}"""
SYNC_LAG_WARN_S = 3600


def _state(request: Request) -> ServerState:
    state: ServerState = request.app.state.server
    return state


def _e(value: object) -> str:
    return html.escape("" if value is None else str(value))


def _age(then: datetime | None, now: datetime) -> tuple[str, float | None]:
    then = service.as_utc(then)
    if then is None:
        return "never", None
    secs = (now - then).total_seconds()
    if secs < 120:
        return f"{secs:.0f} s", secs
    if secs < 7200:
        return f"{secs / 60:.0f} min", secs
    return f"{secs / 3600:.1f} h", secs


def _sync_lag(k: Kiosk, health: dict[str, object], now: datetime) -> tuple[str, float | None]:
    """From the kiosk's last heartbeat: the age of its oldest unsent row, or "in sync" when
    the server holds its whole journal; without a heartbeat, the time since the last upload."""
    unsent = health.get("oldest_unsent_at")
    if isinstance(unsent, str) and unsent:
        text, secs = _age(datetime.fromisoformat(unsent), now)
        return f"oldest unsent {text}", secs
    reported = health.get("journal_last_seq")
    if isinstance(reported, int) and reported <= k.last_seq:
        return "in sync", 0.0
    return _age(k.last_upload_at, now)


def _page(title: str, body: str) -> str:
    return (f"<!doctype html><html><head><meta charset='utf-8'><title>{_e(title)}</title><style>{CSS}</style>"
            f"</head><body>{body}</body></html>")


def render_dashboard(state: ServerState, csrf: str) -> str:
    sf = state.sf
    now = datetime.now(UTC)
    with sf.begin() as s:  # staff are looking: MAC2s no journal accounts for show now
        mac2_ledger.flag_unmatched(s, now, state.config.mac2_match_within_s)
    hidden = f"<input type='hidden' name='csrf' value='{_e(csrf)}'>"
    out = [f"<!doctype html><html><head><meta charset='utf-8'><title>Kiosk console</title><style>{CSS}</style></head><body>"]
    out.append(f"<h1>Kiosk console</h1><form method='post' action='/console/logout' id='logout'>{hidden}"
               "<button type='submit'>sign out</button></form>")
    for kind, title in ((TicketKind.HELP, "Open help calls"), (TicketKind.REPAIR, "Repair tickets")):
        rows = service.open_tickets(sf, kind)
        out.append(f"<h2>{title} ({len(rows)})</h2><table id='{kind.value}-tickets'>")
        out.append("<tr><th>#</th><th>kiosk</th><th>summary</th><th>status</th><th>since</th><th>change</th></tr>")
        for t in rows:
            options = "".join(
                f"<option value='{s.value}'{' selected' if s is t.status else ''}>{s.value}</option>" for s in TicketStatus
            )
            out.append(
                f"<tr class='ticket' data-ticket='{t.ticket_id}'><td>{t.ticket_id}</td><td>{_e(t.kiosk_id)}</td>"
                f"<td>{_e(t.summary)}</td><td class='status'>{t.status.value}</td><td>{_age(t.created_at, now)[0]}</td>"
                f"<td><form method='post' action='/console/tickets/{t.ticket_id}/status'>{hidden}"
                f"<select name='status'>{options}</select><input name='note' placeholder='note'>"
                "<button type='submit'>save</button></form></td></tr>"
            )
        out.append("</table>")
    out.append("<h2>Kiosk health</h2><table id='kiosks'><tr><th>kiosk</th><th>paper</th><th>cash box</th>"
               "<th>reader</th><th>last seq</th><th>sync lag</th><th>last seen</th><th>state</th></tr>")
    for k in service.kiosks(sf):
        h = service.health_of(k)
        paper = h.get("printer", "?")
        notes, cap = int(h.get("cash_box_notes", 0)), max(1, int(h.get("cash_box_capacity", 1000)))
        lag_text, lag = _sync_lag(k, h, now)
        out_of_service = h.get("in_service") is False
        cls = "bad" if out_of_service or paper in ("paper_out", "offline", "cover_open") \
            or h.get("reader") not in (None, "ok") else ""
        kiosk_state = "revoked" if k.revoked else (
            f"out of service: {h.get('service_reason') or '?'}" if out_of_service else "active")
        if not cls and ((lag or 0) > SYNC_LAG_WARN_S or notes >= 0.9 * cap or paper == "paper_near_end"):
            cls = "warn"
        out.append(
            f"<tr class='kiosk {cls}' data-kiosk='{_e(k.kiosk_id)}'><td>{_e(k.kiosk_id)}</td><td class='paper'>{_e(paper)}</td>"
            f"<td class='cash'>{notes}/{cap}</td><td class='reader'>{_e(h.get('reader', '?'))}</td>"
            f"<td>{k.last_seq}</td><td class='lag'>{_e(lag_text)}</td><td>{_age(k.last_seen_at, now)[0]}</td>"
            f"<td class='state'>{_e(kiosk_state)}</td></tr>"
        )
    out.append("</table>")
    open_alerts = service.alerts(sf)
    out.append(f"<h2>Alerts ({len(open_alerts)})</h2><table id='alerts'><tr><th>#</th><th>kiosk</th><th>kind</th>"
               "<th>seq</th><th>detail</th><th>when</th><th></th></tr>")
    for a in open_alerts:
        out.append(
            f"<tr class='alert' data-alert='{a.id}'><td>{a.id}</td><td>{_e(a.kiosk_id)}</td><td class='kind'>{_e(a.kind)}</td>"
            f"<td>{_e(a.seq)}</td><td>{_e(a.detail)}</td><td>{_age(a.created_at, now)[0]}</td>"
            f"<td><form method='post' action='/console/alerts/{a.id}/resolve'>{hidden}<button>resolve</button>"
            "</form></td></tr>"
        )
    out.append("</table>")
    out.extend(held_credit_rows(state, hidden))
    out.append("</body></html>")
    return "\n".join(out)


def held_credit_rows(state: ServerState, hidden: str) -> list[str]:
    """The held credits, each with its decision form, and the last decisions made."""
    held = held_credits.held_credits(state.sf)
    out = [(f"<h2>Held credits ({len(held)})</h2><p>A card shows a load no journal explains; it may have "
            "been the credit, loaded offline by a kiosk that has not synced. Check the card's history, the "
            "kiosks' journals and the payment first. <b>Release</b>: the credit is open again, bound to the "
            "card's latest counter (loadable once from there). <b>Cancel</b>: the refund is handled outside "
            "the kiosks.</p><table id='held-credits'><tr><th>credit</th><th>customer</th><th>amount</th>"
            "<th>card</th><th>held at counter</th><th>card now at</th><th>why</th><th>decide</th></tr>")]
    for h in held:
        c = h.credit
        form = (f"<form method='post' action='/console/credits/{_e(c.credit_id)}/decide'>{hidden}"
                "<input name='staff' placeholder='your name' required maxlength='64'>"
                "<input name='reason' placeholder='what you checked, what you found' required maxlength='500'>"
                "<label><input type='checkbox' name='checked' value='yes' required> I have checked</label>"
                f"<button type='submit' name='action' value='release'>release at counter {_e(h.latest_counter)}</button>"
                "<button type='submit' name='action' value='cancel'>cancel (refund outside)</button></form>")
        out.append(
            f"<tr class='credit' data-credit='{_e(c.credit_id)}'><td>{_e(c.credit_id)}</td><td>{_e(c.customer_no)}</td>"
            f"<td>{yuan_str(c.amount_fen)}</td><td>{_e(c.card_serial)}</td>"
            f"<td>{_e(c.card_counter)}</td><td class='latest'>{_e(h.latest_counter)}</td>"
            f"<td>{'<br>'.join(_e(w) for w in h.why)}</td><td>{form}</td></tr>")
    out.append("</table>")
    done = held_credits.decisions(state.sf)[-20:]
    out.append("<h2>Decisions on held credits</h2><table id='credit-decisions'><tr><th>when</th><th>credit</th>"
               "<th>decision</th><th>by</th><th>why</th><th>counter</th><th>version</th></tr>")
    for d in reversed(done):
        out.append(f"<tr class='decision' data-credit='{_e(d.credit_id)}'><td>{_e(d.decided_at)}</td>"
                   f"<td>{_e(d.credit_id)}</td><td class='action'>{_e(d.action)}</td><td class='staff'>{_e(d.staff)}</td>"
                   f"<td class='reason'>{_e(d.reason)}</td><td>{_e(d.card_counter)}</td><td>{d.version}</td></tr>")
    out.append("</table>")
    return out


LOGIN_FORM = ("<h1>Kiosk console: sign in</h1>{note}<form method='post' action='/console/login'>"
              "<label>Staff token <input type='password' name='token' autocomplete='current-password'></label>"
              "<button type='submit'>sign in</button></form>")


@router.get("/login", response_class=HTMLResponse)
async def login_page(request: Request) -> HTMLResponse:
    staff = _state(request).staff
    if not staff.enabled:
        staff.require(request)  # 503: no credential, no console
    return HTMLResponse(_page("Kiosk console: sign in", LOGIN_FORM.format(note="")))


@router.post("/login")
async def login(request: Request) -> Response:
    staff = _state(request).staff
    if not staff.enabled:
        staff.require(request)
    form = await _form(request)
    client = request.client.host if request.client else "?"
    wait = staff.limiter.retry_after(client)
    if wait is not None:
        logger.warning("console sign-in from %s refused: too many wrong tokens", client)
        note = (f"<p class='bad'>Too many wrong staff tokens from this address ({staff.limiter.max_failures} "
                f"within {int(staff.limiter.window_s) // 60} minutes). Sign-in from here is blocked for "
                f"{_minutes(wait)}; try again then.</p>")
        return HTMLResponse(_page("Kiosk console: sign in", LOGIN_FORM.format(note=note)), status_code=429,
                            headers={"Retry-After": str(wait)})
    if not staff.credential_ok(form.get("token", "")):
        staff.limiter.failed(client)
        logger.warning("console sign-in refused from %s", client)
        note = "<p class='bad'>That is not the staff token.</p>"
        return HTMLResponse(_page("Kiosk console: sign in", LOGIN_FORM.format(note=note)), status_code=401)
    staff.limiter.succeeded(client)
    response = RedirectResponse("/console", status_code=303)
    staff.set_cookie(response, request, staff.new_session())
    logger.info("staff signed in to the console")
    return response


@router.post("/logout")
async def logout(request: Request) -> RedirectResponse:
    staff = _state(request).staff
    staff.require_post(request, await _form(request))
    response = RedirectResponse("/console/login", status_code=303)
    response.delete_cookie(COOKIE, path="/console")
    return response


@router.get("", response_class=HTMLResponse)
async def dashboard(request: Request) -> Response:
    staff = _state(request).staff
    if staff.enabled and staff.session_nonce(request) is None:
        return RedirectResponse("/console/login", status_code=303)
    nonce = staff.require(request)
    page = await run_in_threadpool(render_dashboard, _state(request), staff.csrf(nonce))
    return HTMLResponse(page)


async def _form(request: Request) -> dict[str, str]:
    parsed = parse_qs((await request.body()).decode("utf-8"))
    return {k: v[0] for k, v in parsed.items()}


@router.post("/tickets/{ticket_id}/status")
async def ticket_status(request: Request, ticket_id: int) -> RedirectResponse:
    form = await _form(request)
    _state(request).staff.require_post(request, form)
    try:
        status = TicketStatus(form.get("status", ""))
    except ValueError:
        raise HTTPException(422, "unknown status") from None
    state = _state(request)
    try:
        await run_in_threadpool(service.set_ticket_status, state.sf, ticket_id, status, form.get("note", ""))
    except service.NotFound:
        raise HTTPException(404, "no such ticket") from None
    logger.info("staff set ticket %d to %s", ticket_id, status.value)
    return RedirectResponse("/console", status_code=303)


@router.post("/alerts/{alert_id}/resolve")
async def resolve(request: Request, alert_id: int) -> RedirectResponse:
    _state(request).staff.require_post(request, await _form(request))
    state = _state(request)
    try:
        await run_in_threadpool(service.resolve_alert, state.sf, alert_id)
    except service.NotFound:
        raise HTTPException(404, "no such alert") from None
    return RedirectResponse("/console", status_code=303)


def _minutes(seconds: int) -> str:
    return f"{seconds} seconds" if seconds < 120 else f"{(seconds + 59) // 60} minutes"


@router.post("/credits/{credit_id}/decide", response_model=None)
async def decide_credit(request: Request, credit_id: str) -> Response:
    """Release or cancel a held credit (held_credits.decide): a bad or stale form gets a page
    saying why and changes nothing."""
    form = await _form(request)
    _state(request).staff.require_post(request, form)
    state = _state(request)
    try:
        d = await run_in_threadpool(held_credits.decide, state.sf, credit_id, form.get("action", ""),
                                    form.get("staff", ""), form.get("reason", ""),
                                    checked=form.get("checked") == "yes")
    except service.NotFound:
        raise HTTPException(404, "no such credit") from None
    except held_credits.DecisionRefused as exc:
        body = (f"<h1>Credit {_e(credit_id)}: nothing changed</h1><p class='bad'>{_e(exc)}</p>"
                "<p><a href='/console'>back to the console</a></p>")
        return HTMLResponse(_page("Kiosk console: nothing changed", body), status_code=exc.status)
    logger.info("staff %s: %s credit %s", d.staff, d.action, credit_id)
    return RedirectResponse("/console", status_code=303)
