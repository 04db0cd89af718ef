"""Figures the stress tests measure: printed (seen with -s or -rP), never asserted, and kept in
test-artifacts/<kind>.txt for the latest run of a file."""

from __future__ import annotations

import time

from tests.support.paths import ARTIFACTS


class Figures:
    """test-artifacts/<kind>.txt and the lines printed as `[<kind>] <name>: <line>`."""

    def __init__(self, kind: str) -> None:
        self.kind = kind
        self.path = ARTIFACTS / f"{kind}.txt"

    def reset(self) -> None:
        """Start the file afresh (call once per test module)."""
        ARTIFACTS.mkdir(exist_ok=True)
        self.path.write_text("", encoding="utf-8")

    def report(self, name: str, lines: list[str]) -> None:
        text = "\n".join(f"[{self.kind}] {name}: {line}" for line in lines)
        print("\n" + text)
        ARTIFACTS.mkdir(exist_ok=True)
        with self.path.open("a", encoding="utf-8") as fh:
            fh.write(f"{time.strftime('%Y-%m-%d %H:%M:%S')} {name}\n" + text + "\n\n")
