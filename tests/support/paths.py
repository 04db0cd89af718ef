"""Where things are: the project, its app, its questionnaires, and what the tests leave behind."""

from __future__ import annotations

from pathlib import Path

from mendwell.config import PROJECT_DIR

APP_PY = PROJECT_DIR / "app.py"
ASSESSMENTS = PROJECT_DIR / "assessments"
ARTIFACTS = PROJECT_DIR / "test-artifacts"  # screenshots and figures to look at after a run
WRITER = Path(__file__).resolve().parents[1] / "tools" / "writer.py"
