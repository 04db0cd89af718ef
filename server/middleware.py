"""Middleware: anyone not signed in who opens a page is sent to the sign-in page first.

This only spares people a page that could show them nothing: every script
run checks the sign-in again (`ui.auth`), so a page reached some other way
still shows nothing that is not theirs.
"""

from __future__ import annotations

from urllib.parse import quote

from starlette.concurrency import run_in_threadpool
from starlette.middleware import Middleware
from starlette.middleware.base import BaseHTTPMiddleware, RequestResponseEndpoint
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from streamlit import config as st_config

from mendwell import neutral
from mendwell import tokens as cookies
from mendwell.access import viewer_for
from mendwell.chart_drawing import DRAWING_HEAD
from mendwell.charts import CHART_PAGES, PLOTLY_JS_URL, PLOTLY_LOADER
from mendwell.config import db_path, idle_timeout
from mendwell.data import shared
from mendwell.page_style import PAGE_STYLE, SIGNED_IN_STYLE
from mendwell.text import script_literal

SIGN_IN_KEY = "mendwell.sign_in"  # the request's scope holds the live sign-in SignInFirst found, once
# Streamlit's own machinery and our sign-in routes pass untouched.
_OPEN = (
    "/_stcore", "/static", "/media", "/component", "/signin", "/signout", "/setup", "/invite/", "/favicon",
    neutral.PATH,
)  # fmt: skip


def _live_sign_in(value: str | None) -> str | None:
    """The live sign-in a cookie names, or None."""
    db = shared(db_path())
    found = cookies.sign_in_id(db, value)
    return found if found is not None and viewer_for(db, found, idle_timeout()) is not None else None


class SignInFirst(BaseHTTPMiddleware):
    """Redirects page loads (GET of an HTML page) without a live sign-in to /signin."""

    async def dispatch(self, request: Request, call_next: RequestResponseEndpoint) -> Response:
        """Let it through, or send it to sign in first."""
        path = request.url.path
        wants_page = request.method == "GET" and "text/html" in request.headers.get("accept", "")
        protected = wants_page and not path.startswith(_OPEN)
        if protected:
            found = await run_in_threadpool(_live_sign_in, request.cookies.get(cookies.COOKIE))
            if found is None and request.cookies.get(cookies.LEFT_COOKIE):  # just left: no word of where they were
                return RedirectResponse(neutral.PATH, status_code=303)
            if found is None:
                target = path + (f"?{request.url.query}" if request.url.query else "")
                return RedirectResponse(f"/signin?next={quote(target, safe='')}", status_code=303)
            request.scope[SIGN_IN_KEY] = found  # for the page's head: the sign-in its watch asks about
        response = await call_next(request)
        if wants_page:
            # Streamlit's own page says no-cache; a page of this app is never kept (nor in the back-forward cache)
            response.headers["Cache-Control"] = "no-store"
            response.headers.setdefault("Referrer-Policy", "no-referrer")
            response.headers.setdefault("X-Content-Type-Options", "nosniff")
        return response


class PageHead(BaseHTTPMiddleware):
    """Adds to Streamlit's page (its index.html, served for every page's address):

    - the app's own style (`mendwell.page_style`), there from the page's first render (at the end of the body).
    - where the server is (`window.__streamlit`, Streamlit's own setting for it). Without it, Streamlit's
      scripts on a page's own address (/trends) first asked /trends/_stcore/health, got a 404 and tried again
      at the root about 0.12 s later: every fresh open of a page but Home waited for that.
    - on a page that draws charts, plotly.js: fetched at once, and run once Streamlit's connection to the server
      has opened (the page then waits for the server): the library is ready when the first chart arrives (from
      the page's own scripts it started only with the charts, and the first chart waited for it; run at once, or
      at the browser's first idle moment, it could hold Streamlit's start back by 20 to 50 ms).
    - the watch of the sign-in the page is served to (below), and the script that draws the charts, on every
      page (a chart page opened from the sidebar is drawn by the page first opened).
    """

    async def dispatch(self, request: Request, call_next: RequestResponseEndpoint) -> Response:
        """Pass the page through with those lines in its head; anything else untouched."""
        path = request.url.path
        if request.method != "GET" or path.startswith(_OPEN) or path.startswith("/assets/"):
            return await call_next(request)
        # the page uncompressed, to add to its head (a few kilobytes; a proxy in front compresses)
        request.scope["headers"] = [(k, v) for k, v in request.scope["headers"] if k.lower() != b"accept-encoding"]
        response = await call_next(request)
        if response.status_code != 200 or not response.headers.get("content-type", "").startswith("text/html"):
            return response
        body = b"".join([chunk async for chunk in response.body_iterator])  # type: ignore[attr-defined]
        headers = {k: v for k, v in response.headers.items() if k.lower() != "content-length"}
        found = request.scope.get(SIGN_IN_KEY)  # found by SignInFirst, in front of this middleware
        if found is None:
            found = await run_in_threadpool(cookies.sign_in_id, shared(db_path()), request.cookies.get(cookies.COOKIE))
        tag = cookies.watch_tag(found) if found is not None else ""
        charts = path.strip("/") in CHART_PAGES
        return Response(with_additions(body, charts=charts, watch_for=tag), status_code=200, headers=headers)


def _server_here() -> bytes:
    # the app's root as this browser reaches it (its own origin: Caddy's https address, or 127.0.0.1)
    base = "/" + str(st_config.get_option("server.baseUrlPath") or "").strip("/")
    root = f"window.location.origin + {script_literal(base)}"
    return (
        "<script>window.__streamlit = Object.assign({}, window.__streamlit, "
        f"{{BACKEND_BASE_URL: {root}, MAIN_PAGE_BASE_URL: {root}}});</script>"
    ).encode()


# plotly.js fetched at once (a preload: no work for the page yet), and run in the page's first wait for the server:
# once Streamlit's connection has opened, the server takes 50 ms or more to answer, and the browser has nothing
# else to do. Run at the first idle moment instead, it sometimes ran before Streamlit opened its connection and
# held the whole page back by the 20 to 50 ms it takes, or came only after the page's first render and held the
# first chart back. A page that opens no connection runs it three seconds after loading.
_START_PLOTLY = (
    f'<link rel="preload" href="{PLOTLY_JS_URL}" as="script">'
    "<script>(() => {"
    f"const load = () => ({PLOTLY_LOADER})({script_literal(PLOTLY_JS_URL)}).catch(() => {{}});"
    "let started = false;"
    "const start = () => { if (!started) { started = true; setTimeout(load, 0); } };"
    "const Native = window.WebSocket;"
    "window.WebSocket = class extends Native {"
    " constructor(...args) { super(...args); this.addEventListener('open', start, {once: true}); } };"
    "addEventListener('load', () => setTimeout(start, 3000), {once: true});"
    "})();</script>"
).encode()


# The page asks, every so often, whether its sign-in still holds; once it has ended (idle, signed out in another
# tab, "Leave now"), the page is replaced by the sign-in address, so a phone put down does not keep showing
# someone's answers until it is touched. The server decides (`server.routes.still_signed_in`); asking notes no
# activity. A quarter of the idle time between askings, at most a minute.
WATCH_URL = "/signin/alive"


def _watch(tag: str) -> bytes:
    # the sign-in this page was served to, by its tag (`tokens.watch_tag`): another sign-in made since in the same
    # browser does not keep it on screen. To the sign-in page with why (unused too long, or signed out) and where
    # to come back to after signing in.
    every = max(2, min(60, round(idle_timeout().total_seconds() / 4)))
    url = f"{WATCH_URL}?for={tag}"
    return (
        "<script>(() => {"
        f"const ask = () => fetch({script_literal(url)}, {{credentials: 'same-origin', cache: 'no-store'}})"
        ".then(r => r.status === 401 ? r.text().then(why => location.replace('/signin?'"
        " + (why === 'idle' ? 'idle=1' : 'out=1') + '&next=' + encodeURIComponent(location.pathname"
        " + location.search))) : null).catch(() => {});"
        f"setInterval(ask, {every * 1000});"
        "})();</script>"
    ).encode()


def with_additions(page: bytes, *, charts: bool, watch_for: str = "") -> bytes:
    """Streamlit's page with, at the end of its head, where the server is, the watch of the sign-in it is served
    to (`watch_for`, its tag), the script that draws the charts (`mendwell.chart_drawing`) and with `charts` the
    start of plotly.js; and at the end of its body the app's own style (`mendwell.page_style`; for a sign-in, the
    room of its sidebar too): after the styles Streamlit adds to the head as it draws, so that ours win where both
    say something (a page with no head or body is unchanged)."""
    at, end = page.find(b"</head>"), page.rfind(b"</body>")
    if at < 0 or end < at or b'<div id="root">' not in page:
        return page
    head = _server_here() + _watch(watch_for) + DRAWING_HEAD.encode() + (_START_PLOTLY if charts else b"")
    style = PAGE_STYLE + (SIGNED_IN_STYLE if watch_for else "")  # a sign-in's page has a sidebar (its room)
    return page[:at] + head + page[at:end] + style.encode() + page[end:]


def middleware() -> list[Middleware]:
    """The middleware `app.py` adds to its `st.App` (the first listed is the outermost)."""
    return [Middleware(SignInFirst), Middleware(PageHead)]
