"""The plotly.js bundle kept in assets/plotly/ draws what the Python plotly package builds, and every kind of
trace the app draws is in it (a trace type missing from a bundle is drawn as nothing, without an error)."""

from __future__ import annotations

import re

import plotly.offline

from mendwell.charts import BUNDLE_TRACES, PLOTLY_BUNDLE_VERSION, PLOTLY_JS_FILE, PLOTLY_JS_URL
from tests.support.report import Planted, charts_in


def test_the_bundle_is_the_plotly_js_version_of_the_installed_plotly_package() -> None:
    head = PLOTLY_JS_FILE.read_text(encoding="utf-8")[:300]
    banner = re.search(r"plotly\.js \(cartesian - minified\) v(\d+\.\d+\.\d+)", head)
    assert banner is not None, head
    assert banner.group(1) == PLOTLY_BUNDLE_VERSION == plotly.offline.get_plotlyjs_version(), (
        "plotly was upgraded: fetch the same version of the cartesian bundle (assets/plotly/README.md)"
    )
    assert PLOTLY_BUNDLE_VERSION in PLOTLY_JS_URL  # a new version is a new address: no browser keeps the old
    assert (PLOTLY_JS_FILE.parent / "LICENSE").read_text(encoding="utf-8").startswith("MIT License")


def test_the_bundle_registers_the_trace_types_it_is_said_to_hold() -> None:
    js = PLOTLY_JS_FILE.read_text(encoding="utf-8")
    assert set(re.findall(r'moduleType:\s*"trace",\s*name:\s*"(\w+)"', js)) == BUNDLE_TRACES


def test_the_session_report_draws_only_trace_types_of_the_bundle(planted: Planted) -> None:
    kinds = {trace["type"] for chart in charts_in(planted.html) for trace in chart.data}
    assert kinds and kinds <= BUNDLE_TRACES, kinds - BUNDLE_TRACES
