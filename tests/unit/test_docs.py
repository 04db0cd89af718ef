"""Docs that cannot drift: the architecture map and the README name everything that exists."""

from __future__ import annotations

import re
from pathlib import Path

from mendwell.cli import build_parser
from mendwell.config import PROJECT_DIR

ARCHITECTURE = PROJECT_DIR / "docs" / "architecture.md"
README = PROJECT_DIR / "README.md"


def _python_files(folder: str) -> list[str]:
    root = PROJECT_DIR / folder
    return sorted(str(p.relative_to(PROJECT_DIR)) for p in root.rglob("*.py") if "__pycache__" not in p.parts)


def _section(text: str, heading: str) -> str:
    match = re.search(rf"^## {re.escape(heading)}\n(.*?)(?=^## )", text, flags=re.S | re.M)
    assert match, f"README has no '## {heading}' section"
    return match.group(1)


def test_architecture_names_every_module_and_page() -> None:
    text = ARCHITECTURE.read_text(encoding="utf-8")
    files = [
        "app.py",
        *_python_files("app_pages"),
        *_python_files("ui"),
        *_python_files("server"),
        *_python_files("mendwell"),
    ]
    missing = [f for f in files if f"`{f}`" not in text and not f.endswith("app_pages/__init__.py")]
    missing = [f for f in missing if f not in ("ui/__init__.py",)]
    assert not missing, f"docs/architecture.md does not name: {missing}"


def test_architecture_names_no_module_that_is_gone() -> None:
    text = ARCHITECTURE.read_text(encoding="utf-8")
    named = set(re.findall(r"`((?:app_pages|ui|server|mendwell)/[\w/]+\.py)`", text))
    gone = sorted(n for n in named if not (PROJECT_DIR / n).is_file())
    assert not gone, f"docs/architecture.md names files that do not exist: {gone}"


def test_readme_layout_lists_every_page_and_module() -> None:
    layout = _section(README.read_text(encoding="utf-8"), "Layout")
    files = [*_python_files("app_pages"), *_python_files("ui"), *_python_files("server"), *_python_files("mendwell")]
    missing = [f for f in files if Path(f).name != "__init__.py" and f"`{Path(f).name}`" not in layout]
    assert not missing, f"the README's Layout section does not name: {missing}"


def test_readme_command_line_lists_every_command() -> None:
    section = _section(README.read_text(encoding="utf-8"), "Command line")
    parser = build_parser()
    commands = next(a for a in parser._actions if a.choices and isinstance(a.choices, dict)).choices
    assert commands
    missing = [c for c in commands if f"mendwell {c}" not in section]
    assert not missing, f"the README's Command line section does not show: {missing}"


def test_the_architecture_check_can_fail(tmp_path: Path) -> None:
    """The scan above really sees modules: the list of files is not empty and holds the data layer."""
    files = _python_files("mendwell")
    assert "mendwell/data/engine.py" in files and len(files) > 20
