"""Sealing keys held in this process's memory only, per sign-in, never written anywhere.

A partner's key is derived from their passcode when they sign in; it opens
their own private text while that sign-in lasts. A restart forgets every
key (they give their passcode again to open sealed text), and so does
signing out.
"""

from __future__ import annotations

import threading

_KEYS: dict[str, bytes] = {}
_LOCK = threading.Lock()


def put(sign_in_id: str, key: bytes) -> None:
    """Hold a key for a sign-in."""
    with _LOCK:
        _KEYS[sign_in_id] = key


def get(sign_in_id: str) -> bytes | None:
    """The key of a sign-in, if it is held."""
    with _LOCK:
        return _KEYS.get(sign_in_id)


def forget(sign_in_id: str) -> None:
    """Drop a sign-in's key (sign-out, Leave now, passcode changed)."""
    with _LOCK:
        _KEYS.pop(sign_in_id, None)
