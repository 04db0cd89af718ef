"""The therapist's caseload: every couple's rhythm, and flags that matter clinically.

Flags (for the therapist only, never in share mode): a reliable worsening in a
partner's latest check-in, and a subscale in a concern band two months
running. Private subscales never raise a flag.
"""

from __future__ import annotations

import datetime as dt

import pandas as pd

from mendwell.analysis import MIN_OWN_SCORES, classify
from mendwell.data import Database
from mendwell.periods import month_start


def overview(db: Database, today: dt.date | None = None) -> pd.DataFrame:
    """One row per couple: last check-in, how many submitted this month, check-in day."""
    return db.analytics.caseload_overview(month_start(today))


def flags(db: Database) -> pd.DataFrame:
    """Flags per couple and partner: `kind` is 'reliable worsening' or 'concern two months running'."""
    latest = db.analytics.latest_changes(MIN_OWN_SCORES)
    cols = ["couple_id", "partner_id", "period", "instrument_id", "subscale_id", "kind"]
    if latest.empty:
        return pd.DataFrame(columns=cols)
    judged = classify(latest)
    worse = judged[judged["verdict"] == "worsened"].assign(kind="reliable worsening")
    months_apart = pd.to_datetime(latest["period"]).dt.to_period("M").astype("int64") - pd.to_datetime(
        latest["previous_period"]
    ).dt.to_period("M").astype("int64")
    running = latest[
        latest["band_tone"].eq("concern") & latest["previous_tone"].eq("concern") & months_apart.eq(1)
    ].assign(kind="concern two months running")
    return pd.concat([worse[cols], running[cols]], ignore_index=True).sort_values(cols[:5], ignore_index=True)
