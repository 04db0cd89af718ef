"""Private notes at rest: encrypted with a key only the partner's passcode gives.

A partner with a passcode has their private notes (and answers to private
`text` questions) stored as AES-GCM ciphertext. The key is derived from the
passcode with scrypt and a per-partner salt, and lives only in that
partner's open session; the database never holds it. Without a passcode,
private notes are stored as plain text (and the app says so). Changing the
passcode re-encrypts everything in one transaction; removing it decrypts.
A forgotten passcode cannot be recovered, and neither can these notes.
"""

from __future__ import annotations

import base64
import hashlib
import os

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from mendwell.store import Store, StoreError

PREFIX = "enc:v1:"
SALT_KEY = "vault_salt:"  # settings key per partner


def is_encrypted(text: str | None) -> bool:
    """True for text stored as ciphertext."""
    return bool(text) and str(text).startswith(PREFIX)


def _salt(store: Store, partner_id: int, create: bool) -> bytes | None:
    from mendwell.security import get_setting, set_setting

    key = f"{SALT_KEY}{int(partner_id)}"
    found = get_setting(store, key)
    if found:
        return base64.b64decode(found)
    if not create:
        return None
    salt = os.urandom(16)
    set_setting(store, key, base64.b64encode(salt).decode())
    return salt


def derive_key(store: Store, partner_id: int, passcode: str) -> bytes:
    """The partner's note key, from their passcode (scrypt, 32 bytes)."""
    salt = _salt(store, partner_id, create=True)
    assert salt is not None
    return hashlib.scrypt(passcode.encode("utf-8"), salt=salt, n=2**14, r=8, p=1, maxmem=64 * 1024**2, dklen=32)


def seal(key: bytes, text: str, context: str) -> str:
    """Encrypt `text`; `context` (e.g. 'note:42') is bound to the ciphertext."""
    nonce = os.urandom(12)
    sealed = AESGCM(key).encrypt(nonce, text.encode("utf-8"), context.encode())
    return PREFIX + base64.b64encode(nonce + sealed).decode()


def open_(key: bytes, stored: str, context: str) -> str:
    """Decrypt what `seal` produced; StoreError when the key does not fit."""
    raw = base64.b64decode(stored[len(PREFIX) :])
    try:
        return AESGCM(key).decrypt(raw[:12], raw[12:], context.encode()).decode("utf-8")
    except (InvalidTag, ValueError):
        raise StoreError("This private note cannot be opened with this passcode.") from None


def _private_notes(cur, partner_id: int) -> list[tuple[int, str]]:  # type: ignore[no-untyped-def]
    return cur.execute(
        "SELECT n.checkin_id, n.body FROM notes n JOIN checkins c USING (checkin_id) "
        "WHERE c.partner_id = ? AND n.is_private",
        [partner_id],
    ).fetchall()


def _private_texts(cur, partner_id: int) -> list[tuple[int, str, str, str]]:  # type: ignore[no-untyped-def]
    return cur.execute(
        "SELECT r.checkin_id, r.instrument_id, r.item_id, r.text FROM responses r "
        "JOIN checkins c USING (checkin_id) JOIN instrument_items i ON i.instrument_id = r.instrument_id "
        "AND i.version = r.instrument_version AND i.item_id = r.item_id "
        "WHERE c.partner_id = ? AND i.private AND i.kind = 'text' AND r.text IS NOT NULL",
        [partner_id],
    ).fetchall()


def rekey(store: Store, partner_id: int, old_key: bytes | None, new_key: bytes | None) -> int:
    """Re-encrypt a partner's private texts from `old_key` to `new_key` (None: plain text), in one transaction.

    Returns how many texts were rewritten.
    """

    def convert(text: str, context: str) -> str:
        plain = open_(old_key, text, context) if is_encrypted(text) and old_key else text
        if is_encrypted(plain):
            raise StoreError("Some private notes cannot be opened with the current passcode; nothing was changed.")
        return seal(new_key, plain, context) if new_key else plain

    def work(cur) -> int:  # type: ignore[no-untyped-def]
        n = 0
        for checkin_id, body in _private_notes(cur, partner_id):
            cur.execute(
                "UPDATE notes SET body = ? WHERE checkin_id = ?", [convert(body, f"note:{checkin_id}"), checkin_id]
            )
            n += 1
        for checkin_id, inst, item, text in _private_texts(cur, partner_id):
            cur.execute(
                "UPDATE responses SET text = ? WHERE checkin_id = ? AND instrument_id = ? AND item_id = ?",
                [convert(text, f"answer:{checkin_id}:{inst}:{item}"), checkin_id, inst, item],
            )
            n += 1
        return n

    return store.transaction(work)
