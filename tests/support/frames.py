"""What went over a page's websocket, in short: for a failed browser test's report.

A tap that "did nothing" can be a rerun the page never sent, one the server dropped, or one that ran and drew
nothing new; the journal tells them apart. It reads every message the page sends (a few, small) and only the
small messages the server sends (a run starting or finishing), so it costs the tests next to nothing."""

from __future__ import annotations

import time
from collections import deque

from playwright.sync_api import Page, WebSocket
from streamlit.proto.BackMsg_pb2 import BackMsg
from streamlit.proto.ForwardMsg_pb2 import ForwardMsg

SMALL = 400  # bytes: a run's status or end; elements are larger and not read
KEPT = 60  # the last messages kept


class FrameJournal:
    """The last messages over each websocket the page opens, with the seconds since the journal began."""

    def __init__(self, page: Page) -> None:
        self._t0 = time.monotonic()
        self._lines: deque[str] = deque(maxlen=KEPT)
        self._elements = 0  # larger messages from the server since the last line
        self.reruns_sent = 0  # reruns the page has asked for: a tap that was sent, or not
        page.on("websocket", self._watch)

    def lines(self) -> list[str]:
        """The journal, oldest first."""
        return [*self._lines, *([f"... and {self._elements} element messages"] if self._elements else [])]

    def _note(self, text: str) -> None:
        if self._elements:
            self._lines.append(f"{self._stamp()}  <- {self._elements} element messages")
            self._elements = 0
        self._lines.append(f"{self._stamp()}  {text}")

    def _stamp(self) -> str:
        return f"{time.monotonic() - self._t0:8.3f}"

    def _watch(self, ws: WebSocket) -> None:
        self._note(f"websocket opened {ws.url}")
        ws.on("framesent", self._sent)
        ws.on("framereceived", self._received)
        ws.on("close", lambda _: self._note("websocket closed"))

    def _sent(self, payload: str | bytes) -> None:
        msg = BackMsg()
        try:
            msg.ParseFromString(payload if isinstance(payload, bytes) else payload.encode())
        except Exception as exc:  # noqa: BLE001 - a journal never breaks the test it watches
            self._note(f"-> unreadable ({exc!r})")
            return
        kind = msg.WhichOneof("type")
        if kind != "rerun_script":
            self._note(f"-> {kind}")
            return
        rerun = msg.rerun_script
        self.reruns_sent += 1
        taps = [
            w.id.rsplit("-", 1)[-1] for w in rerun.widget_states.widgets if w.WhichOneof("value") == "trigger_value"
        ]
        where = f"fragment {rerun.fragment_id[:8]}" if rerun.fragment_id else "whole page"
        self._note(f"-> rerun ({where}) taps={taps}")

    def _received(self, payload: str | bytes) -> None:
        if len(payload) > SMALL:
            self._elements += 1
            return
        msg = ForwardMsg()
        try:
            msg.ParseFromString(payload if isinstance(payload, bytes) else payload.encode())
        except Exception:  # noqa: BLE001 - a journal never breaks the test it watches
            self._elements += 1
            return
        kind = msg.WhichOneof("type")
        if kind == "session_status_changed":
            self._note(f"<- {'run started' if msg.session_status_changed.script_is_running else 'run over'}")
        elif kind == "script_finished":
            self._note(f"<- run finished ({ForwardMsg.ScriptFinishedStatus.Name(msg.script_finished)})")
        else:
            self._elements += 1
