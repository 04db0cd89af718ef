"""The therapist's caseload: every couple's rhythm, and flags that matter clinically.

Flags (for the therapist only, never in share mode): a reliable worsening in a
partner's latest check-in since their starting point (see mendwell/analysis.py),
and a subscale in a concern band two months running. Private subscales never
raise a flag. The reliability figures behind reliable change, declared and
measured, are listed per subscale by `reliability_table`.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

import pandas as pd

from mendwell import analysis, stats
from mendwell.data import Database
from mendwell.instruments import Catalog
from mendwell.limits import MIN_REFERENCE_PARTNERS
from mendwell.periods import month_start


def overview(db: Database, couple_ids: Sequence[int], today: dt.date | None = None) -> pd.DataFrame:
    """One row per couple of `couple_ids` (those the therapist may see): last check-in, this month, check-in day."""
    return db.analytics.caseload_overview(month_start(today), list(couple_ids))


def flags(db: Database) -> pd.DataFrame:
    """Flags per couple and partner: `kind` is 'reliable worsening since the start' or 'concern two months running'."""
    cols = ["couple_id", "partner_id", "period", "instrument_id", "subscale_id", "kind"]
    judged = analysis.all_changes(db)
    if judged.empty:
        return pd.DataFrame(columns=cols)
    shared = judged[~judged["private"].astype(bool)]
    latest = shared.sort_values("period").groupby(["partner_id", "instrument_id", "subscale_id"]).tail(1)
    worse = latest[latest["verdict"] == stats.WORSENED].assign(kind="reliable worsening since the start")
    months_apart = pd.to_datetime(latest["period"]).dt.to_period("M").astype("int64") - pd.to_datetime(
        latest["previous_period"]
    ).dt.to_period("M").astype("int64")
    running = latest[
        latest["band_tone"].eq("concern") & latest["previous_tone"].eq("concern") & months_apart.eq(1)
    ].assign(kind="concern two months running")
    return pd.concat([worse[cols], running[cols]], ignore_index=True).sort_values(cols[:5], ignore_index=True)


def reliability_table(db: Database, catalog: Catalog) -> pd.DataFrame:
    """Per subscale: the declared reliability, the one measured from everyone's first check-ins, which is used,
    and where the SD of reliable change comes from."""
    ref = analysis.reference(db).set_index(["instrument_id", "subscale_id"])
    return reliability_rows(ref, catalog)


def reliability_rows(ref: pd.DataFrame, catalog: Catalog) -> pd.DataFrame:
    """`reliability_table` from reference figures already computed (indexed by instrument and subscale).

    Private parts are left out: `mendwell check-assessments --stats` shows them at the machine."""
    rows = []
    for inst in catalog.instruments:
        for sc in inst.subscales:
            if inst.is_private_subscale(sc.id):
                continue  # a therapist's page: private parts are never named there
            key = (inst.id, sc.id)
            partners = int(ref.loc[key, "partners"]) if key in ref.index else 0
            alpha = float(ref.loc[key, "alpha"]) if key in ref.index else float("nan")
            complete = int(ref.loc[key, "alpha_partners"]) if key in ref.index else 0
            measured = complete >= MIN_REFERENCE_PARTNERS and alpha == alpha
            if measured and 0 < alpha < 1:
                used = f"measured ({alpha:.2f})"
            elif measured:
                used = "none: the measured figure is too low to judge a change"
            elif sc.reliability is not None:
                used = f"declared ({sc.reliability:.2f}), provisional until measured"
            else:
                used = "none yet"
            if sc.norms is not None:
                sd = f"norms: clinical SD {sc.norms.clinical_sd:g} ({sc.norms.source})"
            elif partners >= MIN_REFERENCE_PARTNERS:
                sd = f"first check-ins of {partners} partners ({float(ref.loc[key, 'ref_sd']):.2f})"
            else:
                sd = f"can't tell yet: {partners} of {MIN_REFERENCE_PARTNERS} partners"
            rows.append(
                {
                    "instrument_id": inst.id,
                    "subscale_id": sc.id,
                    "part": f"{inst.title}: {sc.title}",
                    "declared": sc.reliability,
                    "measured_alpha": alpha if complete >= 2 else None,
                    "complete_first_checkins": complete,
                    "used": used,
                    "sd_from": sd,
                }
            )
    return pd.DataFrame(rows)
