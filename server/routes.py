"""Sign-in, second factor, sign-out and first-run setup: plain HTML forms served before the app.

Every answer is decided here on the server; the browser gets a signed,
HttpOnly, SameSite=Strict cookie that names a sign-in kept in the database.
A wrong name and a wrong passcode get the same answer, and both slow down
further tries for that name.
"""

from __future__ import annotations

import datetime as dt
import secrets
from urllib.parse import quote

from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse, Response
from starlette.routing import BaseRoute, Route

from mendwell import accounts, audit, invitations, keyring, neutral, security, vault
from mendwell import tokens as cookies
from mendwell.access import is_live
from mendwell.config import db_path, idle_timeout
from mendwell.data import Database, shared
from mendwell.errors import MendwellError
from mendwell.model import Account
from mendwell.text import counted
from server import html
from server.assets import asset_routes

SECOND_FACTOR_SECONDS = 300


def _db() -> Database:
    return shared(db_path())


def _secure(request: Request) -> bool:
    return request.url.scheme == "https" or request.headers.get("x-forwarded-proto") == "https"


def _next(value: object) -> str:
    """Where to go after signing in: only a path of this site."""
    path = str(value or "/")
    return path if path.startswith("/") and not path.startswith("//") and "\\" not in path else "/"


def _csrf(request: Request) -> str:
    return request.cookies.get(cookies.CSRF_COOKIE) or secrets.token_urlsafe(24)


def _respond(request: Request, title: str, body: str, status: int = 200) -> HTMLResponse:
    token = _csrf(request)
    response = HTMLResponse(html.page(title, body.replace("__FORM_TOKEN__", token)), status_code=status)
    response.headers["Cache-Control"] = "no-store"
    response.set_cookie(cookies.CSRF_COOKIE, token, httponly=True, samesite="strict", secure=_secure(request))
    return response


def _form_ok(request: Request, form: dict[str, str]) -> bool:
    sent, held = form.get("form_token", ""), request.cookies.get(cookies.CSRF_COOKIE, "")
    return bool(held) and secrets.compare_digest(sent, held)


def _sign_in_form(request: Request, note: str = "", name: str = "") -> HTMLResponse:
    inner = html.field("Name", "name", autocomplete="username", value=name) + html.field(
        "Passcode", "passcode", "password", autocomplete="current-password"
    )
    body = (
        "<h1>Sign in</h1><p>Mendwell keeps each person's answers to themselves. Sign in to continue.</p>"
        + (note or "")
        + html.form(
            f"/signin?next={quote(_next(request.query_params.get('next')), safe='')}",
            "__FORM_TOKEN__",
            inner,
            "Sign in",
        )
    )
    return _respond(request, "Sign in · Mendwell", body)


def _signed_in(request: Request, db: Database, account: Account, passcode: str, to: str | None = None) -> Response:
    sign_in_id = accounts.start(db, account)
    if account.partner_id is not None and accounts.has_passcode(db, account):
        keyring.put(sign_in_id, vault.derive_key(db, account.partner_id, passcode))
    audit.record(db, audit.actor(account), audit.SIGN_IN)
    response = RedirectResponse(to or _next(request.query_params.get("next")), status_code=303)
    response.set_cookie(
        cookies.COOKIE, cookies.sign(db, sign_in_id), httponly=True, samesite="strict", secure=_secure(request)
    )
    # signed in again, however (a form open since before "Leave now", an invitation): the recipe is done with
    response.delete_cookie(cookies.LEFT_COOKIE, httponly=True, samesite="strict", secure=_secure(request))
    response.headers["Cache-Control"] = "no-store"
    return response


def _wait_note(attempt: accounts.Attempt) -> str:
    wait = counted(attempt.wait_seconds, "second")
    if attempt.refused:  # said, so that whoever typed the right passcode does not think it was wrong
        return html.message(
            f"To keep guessing slow, that passcode was not checked yet. Please wait {wait} and try again."
        )
    extra = f" To keep guessing slow, please wait {wait} before the next try." if attempt.wait_seconds else ""
    return html.message("That name and passcode did not match." + extra)


def _pending(db: Database) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(db.settings.set_if_absent("cookie_secret", secrets.token_hex(32)), salt="2fa")


def _code_form(request: Request, token: str, note: str = "") -> HTMLResponse:
    inner = f'<input type="hidden" name="pending" value="{token}">' + html.field(
        "Code from your authenticator app", "code", autocomplete="one-time-code"
    )
    body = (
        "<h1>One more step</h1>"
        + note
        + html.form(
            f"/signin/code?next={quote(_next(request.query_params.get('next')), safe='')}",
            "__FORM_TOKEN__",
            inner,
            "Continue",
        )
    )
    return _respond(request, "Second step · Mendwell", body)


def _neutral(request: Request) -> HTMLResponse:
    response = HTMLResponse(html.neutral_page(neutral.DONE_URL))
    response.headers["Cache-Control"] = "no-store"
    return response


async def sign_in_page(request: Request) -> Response:
    """GET /signin: the form (or first-run setup when no account exists yet); just after "Leave now" in this
    browser, the neutral page instead, until its "Done": a reload, or the page finding its sign-in ended, shows
    the recipe again, not "Sign in · Mendwell"."""
    if request.cookies.get(cookies.LEFT_COOKIE) and not request.query_params.get("done"):
        return RedirectResponse(neutral.PATH, status_code=303)  # an address that names no sign-in
    db = await run_in_threadpool(_db)
    if await run_in_threadpool(db.accounts.count) == 0:
        return RedirectResponse("/setup", status_code=303)
    note = ""
    if request.query_params.get("out"):
        note = html.message("You are signed out.", "ok")
    elif request.query_params.get("idle"):
        note = html.message("You were signed out after a while without use, so nothing was left on screen.", "ok")
    response = _sign_in_form(request, note)
    response.delete_cookie(cookies.LEFT_COOKIE, httponly=True, samesite="strict", secure=_secure(request))
    return response


async def neutral_page(request: Request) -> Response:
    """GET the neutral page's own address (`neutral.PATH`): the recipe, whoever asks; its "Done" leads to the
    sign-in form."""
    return _neutral(request)


async def still_signed_in(request: Request) -> Response:
    """GET /signin/alive: 204 while this browser's sign-in holds, else 401. Asked by every page of the app
    every so often (`server.middleware`), so a page whose sign-in has ended (idle, signed out elsewhere) is
    taken off the screen instead of staying readable on a phone put down. Asking notes no activity."""
    db = await run_in_threadpool(_db)
    found = cookies.sign_in_id(db, request.cookies.get(cookies.COOKIE))
    if found is not None and cookies.watch_tag(found) != request.query_params.get("for"):
        found = None  # this browser now holds another sign-in: the page's own has ended
    live = found is not None and await run_in_threadpool(is_live, db, found, idle_timeout())
    headers = {"Cache-Control": "no-store"}
    if live:
        return Response(status_code=204, headers=headers)
    # why, for the sign-in page's words: still open but unused too long ("idle"), or ended (signed out here or in
    # another tab, "Leave now", or an idle one ended since)
    sign_in = await run_in_threadpool(db.sign_ins.get, found) if found is not None else None
    idle = sign_in is not None and sign_in.ended_at is None
    return Response("idle" if idle else "ended", status_code=401, headers=headers, media_type="text/plain")


async def sign_in(request: Request) -> Response:
    """POST /signin: check the name and passcode."""
    form = {k: str(v) for k, v in (await request.form()).items()}
    if not _form_ok(request, form):
        return _sign_in_form(request, html.message("That form had expired. Please sign in again."))
    name, passcode = form.get("name", "")[:200], form.get("passcode", "")[:512]
    db = await run_in_threadpool(_db)
    attempt = await run_in_threadpool(accounts.check, db, name, passcode)
    if not attempt.ok or attempt.account is None:
        # never what was typed (a passcode typed into the Name field must not land in the log)
        known = await run_in_threadpool(db.accounts.by_name, name)
        actor = audit.actor(known) if known else audit.ANONYMOUS
        detail = "wrong passcode" if known else "a name with no account"
        await run_in_threadpool(audit.record, db, actor, audit.SIGN_IN_FAILED, None, detail)
        return _sign_in_form(request, _wait_note(attempt), name)
    if attempt.needs_second_factor:
        token = str(_pending(db).dumps(attempt.account.account_id))
        return _code_form(request, token)
    return await run_in_threadpool(_signed_in, request, db, attempt.account, passcode)


async def second_factor(request: Request) -> Response:
    """POST /signin/code: a therapist's six-digit code after their passcode."""
    form = {k: str(v) for k, v in (await request.form()).items()}
    db = await run_in_threadpool(_db)
    try:
        account_id = int(_pending(db).loads(form.get("pending", ""), max_age=SECOND_FACTOR_SECONDS))
    except (BadSignature, SignatureExpired, ValueError):
        return _sign_in_form(request, html.message("That step took too long. Please sign in again."))
    account = await run_in_threadpool(db.accounts.get, account_id)
    if account is None or not _form_ok(request, form):
        return _sign_in_form(request, html.message("Please sign in again."))
    attempt = await run_in_threadpool(accounts.check_second_factor, db, account, form.get("code", ""))
    if not attempt.ok:
        await run_in_threadpool(audit.record, db, audit.actor(account), audit.SIGN_IN_FAILED, None, "second factor")
        return _code_form(request, form.get("pending", ""), _wait_note(attempt).replace("name and passcode", "code"))
    return await run_in_threadpool(_signed_in, request, db, account, "")


def _end(request: Request, detail: str = "") -> None:
    db = _db()
    found = cookies.sign_in_id(db, request.cookies.get(cookies.COOKIE))
    if found is None:
        return
    sign_in = db.sign_ins.get(found)
    db.sign_ins.end(found, dt.datetime.now())
    keyring.forget(found)
    if sign_in is not None and sign_in.ended_at is None:
        account = db.accounts.get(sign_in.account_id)
        audit.record(db, audit.actor(account) if account else audit.ANONYMOUS, audit.SIGN_OUT, None, detail)


async def sign_out(request: Request) -> Response:
    """GET /signout: end this sign-in on the server and forget the cookie."""
    await run_in_threadpool(_end, request)
    response = RedirectResponse("/signin?out=1", status_code=303)
    response.delete_cookie(cookies.COOKIE, httponly=True, samesite="strict", secure=_secure(request))
    response.headers["Cache-Control"] = "no-store"
    response.headers["Clear-Site-Data"] = '"cache", "storage"'
    return response


async def leave_now(request: Request) -> Response:
    """POST /signout: sent by the safety check's "Leave now" at the tap, before the app's own run has heard
    of it. Ends this sign-in and forgets the cookie, so a reload right after the tap signs in afresh. A page
    of another site cannot do it for someone: the cookie is SameSite=Strict, so its request names no sign-in."""
    await run_in_threadpool(_end, request, "leave now")
    response = Response(status_code=204)
    response.delete_cookie(cookies.COOKIE, httponly=True, samesite="strict", secure=_secure(request))
    if request.headers.get("sec-fetch-site", "same-origin") == "same-origin":  # never for another site's post
        response.set_cookie(cookies.LEFT_COOKIE, "1", max_age=cookies.LEFT_SECONDS, httponly=True,
                            samesite="strict", secure=_secure(request))  # fmt: skip
    response.headers["Cache-Control"] = "no-store"
    return response


# -- first run: a couple at home makes their two accounts -----------------------------------------------


def _setup_form(request: Request, note: str = "", values: dict[str, str] | None = None) -> HTMLResponse:
    v = values or {}
    partners = "".join(
        f"<fieldset><legend>Partner {i}</legend>"
        + html.field("Name", f"name{i}", autocomplete="off", value=v.get(f"name{i}", ""))
        + html.field("Passcode", f"passcode{i}", "password", autocomplete="new-password")
        + '<p class="hint">At least 4 characters. Leave it empty to have none: then anyone at this device '
        "can open that partner's check-in, private answers included.</p></fieldset>"
        for i in (1, 2)
    )
    inner = html.field("What should we call the two of you?", "couple", value=v.get("couple", "")) + partners
    body = (
        "<h1>Welcome to Mendwell</h1><p>Each of you gets an account of your own, so your answers stay yours. "
        "The first partner also looks after this Mendwell's settings.</p>"
        + note
        + html.form("/setup", "__FORM_TOKEN__", inner, "Create our accounts")
    )
    return _respond(request, "Welcome · Mendwell", body)


async def setup_page(request: Request) -> Response:
    """GET /setup: only while no account exists."""
    db = await run_in_threadpool(_db)
    if await run_in_threadpool(db.accounts.count):
        return RedirectResponse("/signin", status_code=303)
    return _setup_form(request)


def _create_home(db: Database, form: dict[str, str]) -> Account:
    names = [form.get("name1", "").strip(), form.get("name2", "").strip()]
    codes = [form.get("passcode1", "") or None, form.get("passcode2", "") or None]
    for code in codes:
        if code is not None:
            security.check_new_passcode(code)
    couple_name = form.get("couple", "").strip() or f"{names[0]} & {names[1]}"
    couple_id = db.couples.create(couple_name, names)
    couple = db.couples.get(couple_id)
    assert couple is not None
    made = [
        accounts.create(db, p.name, accounts.PARTNER, code, partner_id=p.partner_id, is_owner=(p.slot == 1))
        for p, code in zip(couple.partners, codes, strict=True)
    ]
    audit.record(db, audit.actor(made[0]), audit.ACCOUNT, couple_id, "first-run setup: two partner accounts")
    return made[0]


async def setup(request: Request) -> Response:
    """POST /setup: create the couple and its two partner accounts, then go to sign-in."""
    form = {k: str(v) for k, v in (await request.form()).items()}
    db = await run_in_threadpool(_db)
    if await run_in_threadpool(db.accounts.count):
        return RedirectResponse("/signin", status_code=303)
    if not _form_ok(request, form):
        return _setup_form(request, html.message("That form had expired. Please try again."), form)
    try:
        await run_in_threadpool(_create_home, db, form)
    except MendwellError as exc:
        return _setup_form(request, html.message(str(exc)), form)
    return RedirectResponse("/signin", status_code=303)


# -- invitations: a partner makes their own account on their own phone ------------------------------------


def _invite_form(request: Request, token: str, partner_name: str, note: str = "") -> HTMLResponse:
    inner = (
        html.field("Your name for signing in", "name", autocomplete="username", value=partner_name)
        + html.field("Choose a passcode", "passcode", "password", autocomplete="new-password")
        + html.field("The same passcode again", "again", "password", autocomplete="new-password")
        + '<p class="hint">At least 4 characters. It also seals your private notes, so only you can read them.</p>'
    )
    body = (
        "<h1>Welcome to Mendwell</h1><p>This link makes your own account: yours alone, to sign in with on any "
        "device. Your partner sees a month of your answers only once you have both checked in for it, and never "
        "your private answers or private notes.</p>"
        + note
        + html.form(f"/invite/{token}", "__FORM_TOKEN__", inner, "Make my account")
    )
    return _respond(request, "Your account · Mendwell", body)


def _unusable(request: Request) -> HTMLResponse:
    # the one most likely to open a used link again is whoever used it: the way to sign in, naming no one
    again = '<p>Made your account with this link already? <a href="/signin">Sign in</a>.</p>'
    return _respond(
        request, "Invitation · Mendwell", "<h1>Invitation</h1>" + html.message(invitations.UNUSABLE) + again, 410
    )


async def invitation_page(request: Request) -> Response:
    """GET /invite/{token}: the form, or one kind answer for a used, expired or altered link."""
    token = str(request.path_params.get("token", ""))[:200]
    db = await run_in_threadpool(_db)
    try:
        partner = await run_in_threadpool(invitations.partner_for, db, token)
    except invitations.InvitationUnusable:
        return _unusable(request)
    return _invite_form(request, token, partner.name)


def _accept(request: Request, db: Database, token: str, form: dict[str, str]) -> Response:
    if form.get("passcode", "") != form.get("again", ""):
        partner = invitations.partner_for(db, token)
        note = html.message("The two passcodes are not the same. Please type them again.")
        return _invite_form(request, token, form.get("name", partner.name), note)
    account = invitations.accept(db, token, form.get("name", ""), form.get("passcode", ""))
    return _signed_in(request, db, account, form.get("passcode", ""), "/checkin")


async def accept_invitation(request: Request) -> Response:
    """POST /invite/{token}: make the account, then sign it in."""
    token = str(request.path_params.get("token", ""))[:200]
    form = {k: str(v) for k, v in (await request.form()).items()}
    db = await run_in_threadpool(_db)
    if not _form_ok(request, form):
        return _unusable(request)
    try:
        return await run_in_threadpool(_accept, request, db, token, form)
    except invitations.InvitationUnusable:
        return _unusable(request)
    except MendwellError as exc:
        try:
            partner = await run_in_threadpool(invitations.partner_for, db, token)
        except invitations.InvitationUnusable:
            return _unusable(request)
        return _invite_form(request, token, form.get("name", partner.name), html.message(str(exc)))


def routes() -> list[BaseRoute]:
    """The routes `app.py` mounts beside Streamlit's."""
    return [
        Route("/signin", sign_in_page, methods=["GET"]),
        Route(neutral.PATH, neutral_page, methods=["GET"]),
        Route("/signin", sign_in, methods=["POST"]),
        Route("/signin/code", second_factor, methods=["POST"]),
        Route("/signin/alive", still_signed_in, methods=["GET"]),
        Route("/signout", sign_out, methods=["GET"]),
        Route("/signout", leave_now, methods=["POST"]),
        Route("/setup", setup_page, methods=["GET"]),
        Route("/setup", setup, methods=["POST"]),
        Route("/invite/{token}", invitation_page, methods=["GET"]),
        Route("/invite/{token}", accept_invitation, methods=["POST"]),
        *asset_routes(),
    ]
