"""A real `streamlit run app.py` on a free loopback port, for Chromium and load tests."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path
from typing import ClassVar, Protocol

from mendwell.config import PROJECT_DIR


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class Server:
    """A real `streamlit run app.py` on a free loopback port."""

    FLAGS = ("--server.headless", "true", "--server.address", "127.0.0.1", "--server.fileWatcherType", "none")
    running: ClassVar[set[Server]] = set()  # for a failed test's report: what each server said (conftest)

    def __init__(self, db: Path, env: dict[str, str] | None = None) -> None:
        self.db = db
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log = db.parent / "streamlit.log"
        full_env = {**os.environ, "MENDWELL_DB": str(db), **(env or {})}
        self._log_file = self.log.open("w")
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "streamlit", "run", "app.py", *self.FLAGS, "--server.port", str(self.port)],
            cwd=PROJECT_DIR,
            env=full_env,
            stdout=self._log_file,
            stderr=subprocess.STDOUT,
        )
        deadline = time.monotonic() + 60  # a hang guard, not a speed check
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"streamlit exited early:\n{self.log.read_text()}")
            try:
                with urllib.request.urlopen(f"{self.url}/_stcore/health", timeout=2) as resp:
                    if resp.read().decode().strip() == "ok":
                        Server.running.add(self)
                        return
            except OSError:
                time.sleep(0.3)
        self.stop()
        raise RuntimeError(f"streamlit did not become healthy:\n{self.log.read_text()}")

    def stop(self) -> None:
        Server.running.discard(self)
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        if not self._log_file.closed:
            self._log_file.close()

    def log_tail(self, lines: int = 40) -> str:
        """The last lines the server wrote (Streamlit logs a dropped rerun, an exception, at "info")."""
        self._log_file.flush()
        return "\n".join(self.log.read_text(errors="replace").splitlines()[-lines:])


class ServerFactory(Protocol):
    """The `server_factory` fixture: start a server on a database the test prepared (and closed)."""

    def __call__(self, db: Path, env: dict[str, str] | None = None) -> Server: ...
