"""The app behind Caddy over HTTPS on loopback, started with the project's own deploy/ files (for the TLS
browser tests and the capacity benchmark): deploy/serve-app.sh for the app, deploy/Caddyfile.home for Caddy,
with Caddy's certificate authority kept in a folder of the caller's."""

from __future__ import annotations

import os
import ssl
import subprocess
import time
import urllib.request
from dataclasses import dataclass
from pathlib import Path

from mendwell.config import PROJECT_DIR as ROOT
from tests.support.server import free_port


def wait_for(url: str, context: ssl.SSLContext | None = None, seconds: float = 90) -> None:
    """Poll `url` until it answers 200; RuntimeError after `seconds`."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(url, timeout=2, context=context) as resp:
                if resp.status == 200:
                    return
        except OSError:
            time.sleep(0.3)
    raise RuntimeError(f"{url} did not answer in {seconds} s")


@dataclass
class Stack:
    """The app and Caddy in front of it, and the HTTPS address to reach them."""

    url: str
    app: subprocess.Popen[bytes]
    caddy: subprocess.Popen[bytes]

    def stop(self) -> None:
        """Stop Caddy and the app."""
        for proc in (self.caddy, self.app):
            if proc.poll() is None:
                proc.terminate()
        for proc in (self.caddy, self.app):
            try:
                proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()


def start_stack(work: Path, db_file: Path, caddy: str, app_env: dict[str, str] | None = None) -> Stack:
    """Start the app on `db_file` and Caddy in front of it (logs and Caddy's data under `work`); both healthy."""
    app_port, https_port, http_port = free_port(), free_port(), free_port()
    env = {
        **os.environ,
        "MENDWELL_DB": str(db_file),
        "MENDWELL_PORT": str(app_port),
        "MENDWELL_ALLOWED_HOSTS": "127.0.0.1",
        "MENDWELL_HOST": "127.0.0.1",
        "MENDWELL_HTTPS_PORT": str(https_port),
        "MENDWELL_HTTP_PORT": str(http_port),
        "MENDWELL_UPSTREAM": f"127.0.0.1:{app_port}",
        "XDG_DATA_HOME": str(work / "caddy-data"),
        "XDG_CONFIG_HOME": str(work / "caddy-config"),
        **(app_env or {}),
    }
    logs = work / "logs"
    logs.mkdir(exist_ok=True)
    app = subprocess.Popen(
        [str(ROOT / "deploy" / "serve-app.sh")],
        env=env,
        stdout=(logs / "app.log").open("wb"),
        stderr=subprocess.STDOUT,
    )
    proxy = subprocess.Popen(
        [caddy, "run", "--config", str(ROOT / "deploy" / "Caddyfile.home"), "--adapter", "caddyfile"],
        env=env,
        cwd=ROOT / "deploy",
        stdout=(logs / "caddy.log").open("wb"),
        stderr=subprocess.STDOUT,
    )
    stack = Stack(f"https://127.0.0.1:{https_port}", app, proxy)
    try:
        wait_for(f"http://127.0.0.1:{app_port}/_stcore/health")
        unverified = ssl.create_default_context()
        unverified.check_hostname = False
        unverified.verify_mode = ssl.CERT_NONE
        wait_for(f"{stack.url}/_stcore/health", unverified)
    except BaseException:
        stack.stop()
        raise
    return stack
