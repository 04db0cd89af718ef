"""The session report as a PDF, printed offline by Chromium (Debian's `chromium-headless-shell` or `chromium`
package) when it is here.

The report's own CSS carries the running header and the page numbers, so Chromium's header and footer
are turned off. Chromium runs headless with a throwaway profile (and home) in a private temporary
folder, background networking off and every host name unresolvable; the page itself is forbidden to
fetch anything (`mendwell.report.CSP`). When Chromium is not here, `unavailable_reason()` says so in
plain words and `html_to_pdf` raises a `ReportError` with the same words.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import subprocess
import tempfile
from pathlib import Path

from mendwell.errors import ReportError
from mendwell.report import for_paper

ENV = "MENDWELL_CHROMIUM"  # a Chromium to use instead of looking for one
# Chromium's headless build first: it prints the same pages (the same Blink) sooner (a year's report 1.7 s, against
# 2.4 s by the whole browser), and a server needs nothing more of a browser
NAMES = ("chromium-headless-shell", "chromium", "chromium-browser", "google-chrome")
TIMEOUT = 120.0  # seconds: a hang guard (a 12-month report prints in a few seconds)
DEFAULT_PAPER = "a4"

NOT_INSTALLED = (
    "A PDF is printed by the Chromium browser, which is not installed on this computer. The HTML report "
    "prints to PDF from any browser (Print, then Save as PDF); to make PDFs here, install Chromium "
    "(on Debian or Ubuntu: sudo apt-get install chromium-headless-shell, or the whole browser: chromium)."
)


def find_chromium() -> str | None:
    """The Chromium to print with: `MENDWELL_CHROMIUM` when it is set (and only if it exists), else the
    first of `NAMES` on the PATH; None when there is none."""
    chosen = os.environ.get(ENV, "").strip()
    if chosen:
        path = Path(chosen)
        return str(path) if path.is_file() and os.access(path, os.X_OK) else None
    return next((found for name in NAMES if (found := shutil.which(name))), None)


def unavailable_reason() -> str | None:
    """Why a PDF cannot be made here, in plain words; None when it can."""
    if find_chromium() is not None:
        return None
    chosen = os.environ.get(ENV, "").strip()
    if chosen:
        return (
            f"A PDF is printed by the Chromium browser, and {ENV} names {chosen}, where there is no program "
            "to run. Set it to Chromium's path (for example /usr/bin/chromium), or leave it unset so that "
            "Chromium is looked for in the usual places."
        )
    return NOT_INSTALLED


def chromium_command(chromium: str, page: Path, pdf: Path, profile: Path) -> list[str]:
    """The command that prints `page` (a local file) to `pdf`, headless and offline."""
    command = [
        chromium,
        "--headless",
        "--disable-gpu",
        f"--user-data-dir={profile}",
        "--no-first-run",
        "--no-default-browser-check",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-default-apps",
        "--disable-extensions",
        "--disable-sync",
        "--disable-breakpad",
        "--metrics-recording-only",
        "--host-resolver-rules=MAP * ~NOTFOUND",  # no name resolves: nothing can be fetched
        "--no-pdf-header-footer",  # the report's CSS has its own running header and page numbers
        f"--print-to-pdf={pdf}",
    ]
    if hasattr(os, "geteuid") and os.geteuid() == 0:
        command.append("--no-sandbox")  # Chromium refuses to start its sandbox as root
    return [*command, page.as_uri()]


def html_to_pdf(html: str, paper: str = DEFAULT_PAPER, timeout: float = TIMEOUT) -> bytes:
    """The report `html` printed to a PDF on `paper` ('a4' or 'letter') by Chromium."""
    page_html = for_paper(html, paper)  # a plain error for a paper that is neither
    chromium = find_chromium()
    if chromium is None:
        raise ReportError(unavailable_reason() or NOT_INSTALLED)
    with tempfile.TemporaryDirectory(prefix="mendwell-pdf-") as tmp:  # private to this user (0700)
        folder = Path(tmp)
        page, pdf, profile = folder / "report.html", folder / "report.pdf", folder / "profile"
        page.write_text(page_html, encoding="utf-8")
        home = str(folder / "home")
        env = {**os.environ, "HOME": home, "XDG_CONFIG_HOME": home, "XDG_CACHE_HOME": home}
        proc = subprocess.Popen(
            chromium_command(chromium, page, pdf, profile),
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            env=env,
            start_new_session=True,  # its helper processes end with it
        )
        try:
            _, err = proc.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.pid, signal.SIGKILL)
            proc.communicate()
            raise ReportError(
                f"Chromium did not finish the PDF within {timeout:.0f} seconds; the computer may be busy. "
                "Please try again, or download the HTML report and print it from a browser."
            ) from None
        data = pdf.read_bytes() if pdf.exists() else b""
        if proc.returncode != 0 or not data.startswith(b"%PDF"):
            last = err.decode("utf-8", "replace").strip().splitlines()[-1:] or ["no message"]
            raise ReportError(
                f"Chromium could not print the PDF (exit status {proc.returncode}: {last[0][:200]}). "
                "The HTML report prints to PDF from any browser instead."
            )
        return data
