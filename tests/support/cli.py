"""The `mendwell` command line, run as a user would: a separate process on a database file."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

BUSY = "in use by another Mendwell process"


def run_cli(
    db: Path,
    *args: str,
    extra_dirs: list[Path] | None = None,
    timeout: float = 120,
    env_extra: dict[str, str] | None = None,
) -> subprocess.CompletedProcess[str]:
    """`python -m mendwell.cli ARGS` with MENDWELL_DB (and MENDWELL_ASSESSMENTS, and `env_extra`) set, every
    other MENDWELL_ variable unset, in the database's folder, with no terminal on stdin."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("MENDWELL_")}
    env.update(env_extra or {})
    env["MENDWELL_DB"] = str(db)
    if extra_dirs:
        env["MENDWELL_ASSESSMENTS"] = os.pathsep.join(str(d) for d in extra_dirs)
    return subprocess.run(
        [sys.executable, "-m", "mendwell.cli", *args],
        env=env,
        cwd=db.parent,
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=timeout,
    )


def ok(result: subprocess.CompletedProcess[str]) -> subprocess.CompletedProcess[str]:
    """Assert a zero exit and no traceback, and pass the result on."""
    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stderr
    return result
