"""Screen-share mode's look. Whether a screen is shared is held on the server for the sign-in
(`mendwell.access.Viewer.sharing`), never in the browser."""

from __future__ import annotations

SHARE_CSS = """
<style>
  /* Share mode: larger, calmer type for a screen seen over a video call. */
  [data-testid="stMainBlockContainer"] p, [data-testid="stMainBlockContainer"] li { font-size: 1.2rem; }
  [data-testid="stMainBlockContainer"] h1 { font-size: 2.8rem; }
  [data-testid="stMainBlockContainer"] h2, [data-testid="stMainBlockContainer"] h3 { font-size: 1.9rem; }
  [data-testid="stDataFrame"] { font-size: 1.1rem; }
  [data-testid="stElementToolbar"] { display: none; }
</style>
"""
