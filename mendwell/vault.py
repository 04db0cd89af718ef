"""Private text at rest: sealed with a key only the partner's passcode gives.

A partner with a passcode has their private notes (and answers to private
`text` questions) stored as AES-GCM ciphertext. The key is derived from the
passcode with scrypt and a per-partner salt, and lives only in that
partner's open session; the database never holds it. Without a passcode,
private notes are stored as plain text (and the app says so). Changing the
passcode re-seals everything in one transaction; removing it unseals.
A forgotten passcode cannot be recovered, and neither can these notes.
"""

from __future__ import annotations

import base64
import hashlib
import os

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from mendwell import security
from mendwell.data import Database
from mendwell.data.checkins import PrivateText
from mendwell.data.settings import vault_salt_key
from mendwell.errors import PasscodeError
from mendwell.limits import (
    KEY_BYTES,
    NONCE_BYTES,
    SALT_BYTES,
    SCRYPT_MAXMEM,
    SCRYPT_N,
    SCRYPT_P,
    SCRYPT_R,
    SEALED_PREFIX,
)

PREFIX = SEALED_PREFIX


def is_encrypted(text: str | None) -> bool:
    """True for text stored as ciphertext."""
    return bool(text) and str(text).startswith(SEALED_PREFIX)


def _salt(db: Database, partner_id: int) -> bytes:
    fresh = base64.b64encode(os.urandom(SALT_BYTES)).decode()
    return base64.b64decode(db.settings.set_if_absent(vault_salt_key(partner_id), fresh))


def derive_key(db: Database, partner_id: int, passcode: str) -> bytes:
    """The partner's sealing key, from their passcode (scrypt)."""
    salt = _salt(db, partner_id)
    return hashlib.scrypt(
        passcode.encode("utf-8"), salt=salt, n=SCRYPT_N, r=SCRYPT_R, p=SCRYPT_P, maxmem=SCRYPT_MAXMEM, dklen=KEY_BYTES
    )


def seal(key: bytes, text: str, context: str) -> str:
    """Encrypt `text`; `context` (e.g. 'note:42') is bound to the ciphertext."""
    nonce = os.urandom(NONCE_BYTES)
    sealed = AESGCM(key).encrypt(nonce, text.encode("utf-8"), context.encode())
    return SEALED_PREFIX + base64.b64encode(nonce + sealed).decode()


def open_(key: bytes, stored: str, context: str) -> str:
    """Decrypt what `seal` produced; PasscodeError when the key does not fit."""
    raw = base64.b64decode(stored[len(SEALED_PREFIX) :])
    try:
        return AESGCM(key).decrypt(raw[:NONCE_BYTES], raw[NONCE_BYTES:], context.encode()).decode("utf-8")
    except (InvalidTag, ValueError):
        raise PasscodeError("This private note cannot be opened with this passcode.") from None


def seal_if_key(key: bytes | None, text: str, context: str) -> str:
    """Seal `text` when the partner has a key in this session; plain text otherwise."""
    return seal(key, text, context) if key else text


def readable(key: bytes | None, stored: str | None, context: str) -> str:
    """Stored private text for its own partner's eyes: opened with their key, or "" when it cannot be."""
    if not is_encrypted(stored):
        return stored or ""
    if key is None:
        return ""
    try:
        return open_(key, str(stored), context)
    except PasscodeError:
        return ""


def opened_or_kept(key: bytes, stored: str, context: str) -> str:
    """Stored private text opened with its partner's key, or as stored when the key does not fit (sealed under
    a passcode since reset): for their own export, where nothing may go missing."""
    if not is_encrypted(stored):
        return stored
    try:
        return open_(key, stored, context)
    except PasscodeError:
        return stored


def rekey(db: Database, partner_id: int, old_key: bytes | None, new_key: bytes | None) -> int:
    """Re-seal a partner's private texts from `old_key` to `new_key` (None: plain text), in one transaction.

    Text that `old_key` cannot open (sealed under a passcode the owner has since reset, or brought in by
    an archive) stays sealed as it is: it is never lost, and it never blocks a change of passcode.
    Returns how many texts were rewritten.
    """

    def convert(t: PrivateText) -> str:
        if not is_encrypted(t.text):
            return seal(new_key, t.text, t.context) if new_key else t.text
        if old_key is None:
            return t.text
        try:
            plain = open_(old_key, t.text, t.context)
        except PasscodeError:
            return t.text
        return seal(new_key, plain, t.context) if new_key else plain

    return db.checkins.rewrite_private_texts(partner_id, convert)


def change_partner_passcode(db: Database, partner_id: int, current: str | None, new: str) -> None:
    """Set or change a partner's passcode, re-sealing their private text with the new key.

    `current` is None when they had none (then their plain private text is sealed and the file rewritten,
    so no plain copy lingers). The caller has checked `current`.
    """
    security.check_new_passcode(new)
    old_key = derive_key(db, partner_id, current) if current is not None else None
    rekey(db, partner_id, old_key, derive_key(db, partner_id, new))
    security.set_passcode(db, security.partner_subject(partner_id), new)
    if current is None:
        db.engine.rewrite()


def remove_partner_passcode(db: Database, partner_id: int, current: str) -> None:
    """Remove a partner's passcode: their private text goes back to plain text. The caller has checked `current`."""
    rekey(db, partner_id, derive_key(db, partner_id, current), None)
    security.remove_passcode(db, security.partner_subject(partner_id))
