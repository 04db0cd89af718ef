"""The sign-in token the browser holds: a signed sign-in id (set as an HttpOnly, SameSite=Strict cookie).

The cookie holds nothing but the id of a sign-in kept on the server; the
server checks the signature and the sign-in itself (ended? idle?) on every
request and every script run.
"""

from __future__ import annotations

import hashlib
import secrets

from itsdangerous import BadSignature, URLSafeSerializer

from mendwell.data import Database

COOKIE = "mendwell_sign_in"
CSRF_COOKIE = "mendwell_form"
LEFT_COOKIE = "qx"  # set by "Leave now": the sign-in address shows the neutral page until its "Done" (no word of us)
LEFT_SECONDS = 12 * 3600
_SECRET_KEY = "cookie_secret"


def _serializer(db: Database) -> URLSafeSerializer:
    # read first: the secret is made once, and a write on every check (several a run) cost a transaction each
    secret = db.settings.get(_SECRET_KEY) or db.settings.set_if_absent(_SECRET_KEY, secrets.token_hex(32))
    return URLSafeSerializer(secret, salt="mendwell-sign-in")


def watch_tag(sign_in_id: str) -> str:
    """What a page served to a sign-in names it by when it asks whether that sign-in still holds (`/signin/alive`):
    a digest, so the page holds nothing that signs anyone in, and another sign-in made since in the same browser
    (a partner signing in after the other signed out) does not keep the first one's page on screen."""
    return hashlib.sha256(f"mendwell-watch:{sign_in_id}".encode()).hexdigest()[:32]


def sign(db: Database, sign_in_id: str) -> str:
    """The cookie value for a sign-in."""
    return str(_serializer(db).dumps(sign_in_id))


def sign_in_id(db: Database, value: str | None) -> str | None:
    """The sign-in id in a cookie value, or None when it is missing or its signature is wrong."""
    if not value:
        return None
    try:
        found = _serializer(db).loads(value)
    except BadSignature:
        return None
    return found if isinstance(found, str) else None
