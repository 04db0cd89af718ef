"""The therapist's session report: one self-contained HTML file for a couple and a span of months.

The report shows exactly what screen-share mode shows, and nothing more: only
this couple, no private subscale or item, no private note. Every query it
draws on filters private data out (in SQL or on the `private` flag stored with
each score), and every piece of text that comes from the data (names, notes,
titles, band labels) is escaped here with `html.escape`; chart text goes
through `charts.plot_text`.

The file opens offline: plotly.js is embedded once, inline, and a Content
Security Policy forbids the page to fetch anything at all.
"""

from __future__ import annotations

import datetime as dt
import html
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache

import pandas as pd
import plotly.offline
from plotly.graph_objects import Figure

from mendwell import analysis, charts, summary, together, views
from mendwell.data import Database
from mendwell.errors import ReportError
from mendwell.instruments import Catalog, Item
from mendwell.limits import THEMES_SHOWN
from mendwell.model import Couple
from mendwell.periods import add_months, label, month_start

CHART_CONFIG = {"displayModeBar": False, "staticPlot": False}
DEFAULT_MONTHS = 12
WINDOW = 6  # recurring themes: months looked back over ...
MIN_MONTHS = 3  # ... and how many of them a theme must come up in
PRINT_WIDTH = 660  # px: fits the printable width of both A4 and Letter at the margins below

# Nothing may be fetched: not a script, a font, an image or a connection.
CSP = (
    "default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; "
    "img-src data:; font-src data:; connect-src 'none'; base-uri 'none'; form-action 'none'"
)


def esc(text: object) -> str:
    """Text from the data, safe to put in HTML (element content or attribute value)."""
    return html.escape(str(text), quote=True)


def range_label(start: dt.date, end: dt.date) -> str:
    """'March 2026 to November 2026' (one month: 'March 2026')."""
    return label(start) if start == end else f"{label(start)} to {label(end)}"


def latest_checkin(db: Database, couple_id: int) -> dt.date | None:
    """The month of the couple's latest submitted check-in, or None."""
    df = db.checkins.listing(couple_id)
    df = df[df["status"] == "submitted"]
    if df.empty:
        return None
    latest: dt.date = pd.Timestamp(pd.to_datetime(df["period"]).max()).date()
    return latest


def default_range(
    db: Database, couple_id: int, start: dt.date | None = None, end: dt.date | None = None, today: dt.date | None = None
) -> tuple[dt.date, dt.date]:
    """Fill in a missing end (the latest check-in, else this month) and start (12 months up to the end)."""
    if end is None:
        end = latest_checkin(db, couple_id) or month_start(today)
    end = month_start(end)
    start = month_start(start) if start is not None else add_months(end, -(DEFAULT_MONTHS - 1))
    return start, end


@lru_cache(maxsize=1)
def _plotly_js() -> str:
    js: str = plotly.offline.get_plotlyjs()
    return js


# -- the pieces of HTML ------------------------------------------------------------------


def _chart(fig: Figure, kind: str, **attrs: str) -> str:
    extra = "".join(f' data-{k.replace("_", "-")}="{esc(v)}"' for k, v in attrs.items())
    body = fig.to_html(full_html=False, include_plotlyjs=False, config=CHART_CONFIG)
    return f'<div class="chart" data-kind="{kind}"{extra}>{body}</div>'


def _note(text: str, cls: str = "quiet") -> str:
    return f'<p class="{cls}">{text}</p>'


def _table(header: Sequence[str], rows: Iterable[Sequence[str]], cls: str = "") -> str:
    """A table from already-escaped cell HTML."""
    head = "".join(f'<th scope="col">{h}</th>' for h in header)
    body = "".join("<tr>" + "".join(f"<td>{c}</td>" for c in row) + "</tr>" for row in rows)
    return f'<table class="{cls}"><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>'


def _in_range(df: pd.DataFrame, start: dt.date, end: dt.date, col: str = "period") -> pd.DataFrame:
    if df.empty:
        return df
    p = pd.to_datetime(df[col])
    return df[(p >= pd.Timestamp(start)) & (p <= pd.Timestamp(end))]


def _months(start: dt.date, end: dt.date) -> list[pd.Timestamp]:
    return list(pd.date_range(pd.Timestamp(start), pd.Timestamp(end), freq="MS"))


def _score_cell(score: float, band: object, tone: object) -> str:
    tone_cls = f" tone-{tone}" if tone in ("concern", "watch", "ok") else ""
    band_html = f' <span class="band{tone_cls}">{esc(band)}</span>' if isinstance(band, str) and band else ""
    return f'<span class="score">{score:.2f}</span>{band_html}'


@dataclass
class _Data:
    """Everything the report draws for one couple and span, with private rows already gone."""

    couple: Couple
    catalog: Catalog
    start: dt.date
    end: dt.date
    styles: list[charts.PartnerStyle]
    names: dict[int, str]
    shared: pd.DataFrame  # reliable change over all history, private subscales removed
    shared_in: pd.DataFrame  # ... within the span
    signals_in: pd.DataFrame
    submitted_in: pd.DataFrame
    titles: dict[tuple[str, str], str]
    theme_titles: dict[str, str]


def _load(db: Database, catalog: Catalog, couple: Couple, start: dt.date, end: dt.date) -> _Data:
    cid = couple.couple_id
    rc = analysis.reliable_change(db, cid)
    shared = views.shared_only(rc)
    checkins = db.checkins.listing(cid)
    submitted = checkins[checkins["status"] == "submitted"]
    return _Data(
        couple=couple,
        catalog=catalog,
        start=start,
        end=end,
        styles=[charts.PartnerStyle(p.partner_id, p.name, p.slot) for p in couple.partners],
        names={p.partner_id: p.name for p in couple.partners},
        shared=shared,
        shared_in=_in_range(shared, start, end),
        signals_in=_in_range(analysis.theme_signals(db, cid), start, end),
        submitted_in=_in_range(submitted, start, end),
        titles=views.subscale_titles(catalog),
        theme_titles=views.theme_titles(catalog),
    )


def _header(d: _Data, today: dt.date) -> str:
    who = []
    for s in d.styles:
        line = "solid line" if charts.PARTNER_DASH.get(s.slot, "solid") == "solid" else "dashed line"
        who.append(
            f'<span class="who"><span class="swatch" style="background:{s.colour}"></span>{esc(s.name)}</span> '
            f'<span class="quiet">({line})</span>'
        )
    generated = f"{today.day} {today:%B %Y}"
    return (
        '<header class="top">'
        '<p class="kicker">Mendwell · session report</p>'
        f"<h1>{esc(d.couple.name)}</h1>"
        f'<p class="range">{esc(range_label(d.start, d.end))}</p>'
        f'<p class="partners">{" and ".join(who)}</p>'
        f'<p class="meta">Generated on {esc(generated)}. Private answers and private notes are never included '
        "in this report.</p>"
        "</header>"
    )


def _nav(sections: Sequence[tuple[str, str]]) -> str:
    links = "".join(f'<li><a href="#{sid}">{esc(title)}</a></li>' for sid, title in sections)
    return f'<nav class="toc" aria-label="Sections"><ul>{links}</ul></nav>'


def _section(sid: str, title: str, body: str) -> str:
    return f'<section id="{sid}" class="part"><h2>{esc(title)}</h2>{body}</section>'


def _recurring(d: _Data, last: pd.Timestamp) -> tuple[pd.DataFrame, int, int]:
    """Recurring themes over the months of the span that end at `last` (at most `WINDOW`)."""
    window = min(WINDOW, len(_months(d.start, last.date())))
    min_months = min(MIN_MONTHS, window)
    return analysis.recurring_themes(d.signals_in, last, window=window, min_months=min_months), window, min_months


def _glance(d: _Data) -> str:
    last = pd.Timestamp(pd.to_datetime(d.shared_in["period"]).max())
    recurring, window, _ = _recurring(d, last)
    people = [summary.Person(p.partner_id, p.name) for p in d.couple.partners]
    lines = summary.sentences(d.shared_in, recurring, people, d.titles, d.theme_titles, window)
    glance = summary.glance_table(d.shared_in, people, d.titles)
    out = [f"<h3>{esc(label(last.date()))}</h3>", "<ul class='sentences'>"]
    out += [f"<li>{esc(line)}</li>" for line in lines]
    out.append("</ul>")
    if len(glance.columns) > 1:
        rows = [[esc(v) for v in row] for row in glance.itertuples(index=False)]
        out.append(_table([esc(c) for c in glance.columns], rows, "glance"))
    out.append(
        _note(
            "Each month is compared with each partner's starting point (their first check-in, or the start of "
            "therapy when one is marked). ▲ and ▼ mark a reliable change since then (Jacobson–Truax, with the "
            "spread of everyone's first check-ins or published norms): ▲ when the line went up, ▼ when it went "
            "down; the words say whether that is better or harder for the part. Month-to-month ups and downs are "
            "never called a change; without enough data the report says it can't tell yet."
        )
    )
    out.append(_changes(d))
    return "".join(out)


def _changes(d: _Data) -> str:
    """The verdicts as data: each partner's latest score per part in the span against their starting point."""
    rows_df = d.shared_in.sort_values("period").groupby(["partner_id", "instrument_id", "subscale_id"]).tail(1)
    order = {k: i for i, k in enumerate(d.titles)}
    rows_df = rows_df.assign(
        _o=[order.get(k, len(order)) for k in zip(rows_df["instrument_id"], rows_df["subscale_id"], strict=True)]
    ).sort_values(["_o", "partner_id"])
    marks = summary.marks(rows_df)
    rows = []
    for r, m in zip(rows_df.itertuples(), marks, strict=True):
        ref = "" if pd.isna(r.reference_period) else f"{pd.Timestamp(r.reference_period):%b %Y}"
        ref_score = "" if pd.isna(r.reference_score) else f"{r.reference_score:.2f}"
        needed = "" if pd.isna(r.threshold) else f"{r.threshold:.2f}"
        clinical = f"{r.clinical_class} (norms: {r.norms_source})" if r.clinical_class else ""
        rows.append(
            [
                esc(d.titles.get((r.instrument_id, r.subscale_id), r.subscale_id)),
                esc(d.names.get(int(r.partner_id), "")),
                esc(f"{pd.Timestamp(r.period):%b %Y}"),
                f"{r.score:.2f}",
                esc(ref),
                ref_score,
                needed,
                esc(m if m != summary.CANT_TELL_MARK else f"{m}: {r.reason}"),
                esc(r.sd_source or "—"),
                esc(r.reliability_source or "—"),
                esc(clinical),
            ]
        )
    head = ["Part", "Who", "Month", "Score", "Starting point", "Then", "Needed", "Since the start", "SD from",
            "Reliability from", "Clinical class"]  # fmt: skip
    return "<h3>Changes since the starting point</h3>" + _table([esc(h) for h in head], rows, "changes")


def _trends(d: _Data) -> str:
    out = []
    present = set(d.shared_in["partner_id"].unique())
    missing = [p for p in d.couple.partners if p.partner_id not in present]
    if missing and present:
        out.append(
            _note(
                f"Only {esc(d.names[int(next(iter(present)))])} checked in during these months, so the charts "
                f"have one line; {esc(missing[0].name)}'s line appears once they have checked in."
            )
        )
    if d.shared_in.groupby("partner_id")["period"].nunique().max() < 2:
        out.append(_note("One month so far: a line needs two months, so each of you shows as a single point."))
    out.append(
        _note(
            "One chart per part of the check-in, a line for each of you. Shaded bands give each part's own "
            "wording for a range of scores; a gap is a month without a check-in; a large triangle marks a "
            "reliable change (▲ for the better, ▼ for the harder)."
        )
    )
    start, end = pd.Timestamp(d.start), pd.Timestamp(d.end)
    for inst, found in views.trend_charts(d.shared_in, d.catalog, d.styles, start, end):
        blocks = [_chart(c.figure, "trend", instrument=inst.id, subscale=c.subscale_id) for c in found]
        out.append(f'<div class="instrument"><h3>{esc(inst.title)}</h3><div class="grid">{"".join(blocks)}</div>')
        out.append("</div>")
    return "".join(out)


def _themes(db: Database, d: _Data) -> str:
    out = []
    last = pd.Timestamp(pd.to_datetime(d.submitted_in["period"]).max())
    months = _months(d.start, d.end)
    recurring, window, min_months = _recurring(d, last)
    span_start = add_months(last.date(), -(window - 1))
    out.append("<h3>Themes that keep coming back</h3>")
    if window < MIN_MONTHS:
        out.append(
            _note(
                f"A theme counts as recurring once it has come up in {MIN_MONTHS} months; these "
                f"{window} month{'s' if window > 1 else ''} are too few to tell yet."
            )
        )
    else:
        out.append(
            _note(
                f"Looking at {esc(range_label(span_start, last.date()))}: a theme counts when it came up in at "
                f"least {min_months} of these {window} months."
            )
        )
        cols = []
        for p in d.couple.partners:
            mine = recurring[recurring["partner_id"] == p.partner_id]
            if mine.empty:
                items = f"<p class='quiet'>No theme came up in {min_months} or more of these {window} months.</p>"
            else:
                items = (
                    "<ul>"
                    + "".join(
                        f"<li><strong>{esc(d.theme_titles.get(r.theme_id, r.theme_id))}</strong>: "
                        f"{int(r.months)} of {window} months</li>"
                        for r in mine.head(THEMES_SHOWN).itertuples()
                    )
                    + "</ul>"
                    + (
                        f"<p class='quiet'>{len(mine) - THEMES_SHOWN} more came up less steadily.</p>"
                        if len(mine) > THEMES_SHOWN
                        else ""
                    )
                )
            cols.append(f'<div class="col"><h4>{esc(p.name)}</h4>{items}</div>')
        out.append(f'<div class="cols">{"".join(cols)}</div>')

    out.append("<h3>Month by month</h3>")
    monthly = analysis.theme_months(d.signals_in)
    for s in d.styles:
        came = set(pd.to_datetime(d.submitted_in.loc[d.submitted_in["partner_id"] == s.partner_id, "period"]))
        mine = monthly[monthly["partner_id"] == s.partner_id] if not monthly.empty else monthly
        if not came:
            out.append(_note(f"{esc(s.name)} did not check in during these months, so there are no themes to show."))
            continue
        if mine.empty:
            out.append(_note(f"No theme came up for {esc(s.name)} in these months."))
            continue
        fig = charts.theme_heatmap(mine, d.theme_titles, months, f"{s.name}: themes by month")
        out.append(_chart(fig, "themes", partner=str(s.slot)))
        missed = [label(m.date()) for m in months if m not in came]
        if missed:
            out.append(_note(f"Months without a check-in from {esc(s.name)}: {esc(', '.join(missed))}."))
    out.append(
        _note(
            "A cell darkens with the number of answers that pointed to a theme that month: a theme chosen in "
            "“What did it stir in me?”, or a question tied to the theme answered toward its harder end. "
            "A blank cell means nothing pointed to that theme that month."
        )
    )

    out.append("<h3>How much of what hurt got mended</h3>")
    repair = analysis.repair_ratio(db, d.couple.couple_id)
    gapped = views.repair_series(repair, d.styles, pd.Timestamp(d.start), pd.Timestamp(d.end))
    if gapped.empty:
        out.append(_note("Neither of you named a small hurt in these months, so there was nothing to mend."))
    else:
        out.append(_chart(charts.repair_figure(gapped, d.styles), "repair"))
        out.append(
            _note(
                "Of the small hurts each of you named that month and answered “was it mended?” for, the share "
                "mended or partly mended. A blank answer counts as not known and is left out of the share."
            )
        )
    return "".join(out)


def _mirrors(db: Database, d: _Data) -> str:
    mirrors = analysis.mirrored_views(db, d.couple.couple_id)
    found = views.mirror_charts(mirrors, d.catalog, d.styles, pd.Timestamp(d.start), pd.Timestamp(d.end))
    if not found:
        return ""
    out = [
        _note(
            "The same moments, seen from each side: how one of you felt your reaches for connection were met, "
            "and how the other saw themselves meeting them. A space between the lines is not a verdict on who "
            "is right; it is something to be curious about together.",
            "lead",
        )
    ]
    blocks = [_chart(m.figure, "mirror", receiver=str(m.receiver.slot)) for m in found]
    out.append(f'<div class="grid">{"".join(blocks)}</div>')
    return "".join(out)


def _month_scores(d: _Data, period: dt.date) -> str:
    rows_df = d.shared[pd.to_datetime(d.shared["period"]) == pd.Timestamp(period)]
    if rows_df.empty:
        return _note("No scores for this month.")
    partners = list(d.couple.partners)
    cells = {
        (str(r.instrument_id), str(r.subscale_id), int(r.partner_id)): _score_cell(r.score, r.band, r.band_tone)
        for r in rows_df.itertuples()
    }
    keys = {(i, s) for i, s, _ in cells}
    body = []
    for inst in d.catalog.instruments:
        subs = [sc for sc in inst.subscales if (inst.id, sc.id) in keys and not inst.is_private_subscale(sc.id)]
        if not subs:
            continue
        body.append(f'<tr class="group"><th colspan="{len(partners) + 1}" scope="colgroup">{esc(inst.title)}</th></tr>')
        for sc in subs:
            tds = "".join(f"<td>{cells.get((inst.id, sc.id, p.partner_id), '')}</td>" for p in partners)
            body.append(f'<tr><th scope="row">{esc(sc.title)}</th>{tds}</tr>')
    head = '<th scope="col">Part</th>' + "".join(f'<th scope="col">{esc(p.name)}</th>' for p in partners)
    return f'<table class="side-by-side"><thead><tr>{head}</tr></thead><tbody>{"".join(body)}</tbody></table>'


def _month_hurts(db: Database, d: _Data, period: dt.date) -> str:
    hurts = together.named_hurts(db, d.couple.couple_id, period)
    micro = d.catalog.get(analysis.MICRO_HURTS)

    def item(item_id: object) -> Item | None:
        if micro is None or not isinstance(item_id, str):
            return None
        try:
            return micro.item(item_id)
        except KeyError:
            return None

    cols = []
    for p in d.couple.partners:
        mine = hurts[hurts["partner_id"] == p.partner_id]
        if mine.empty:
            cols.append(f'<div class="col"><h4>{esc(p.name)}</h4><p class="quiet">No small hurt named.</p></div>')
            continue
        rows = []
        for r in mine.itertuples():
            often_item = item(r.often_item)
            what = micro.short(often_item) if micro is not None and often_item is not None else str(r.often_item)
            mended = views.value_label(micro, item(r.repaired_item), r.repaired) or "not said"
            rows.append([esc(what), esc(views.value_label(micro, often_item, r.often)), esc(mended)])
        cols.append(
            f'<div class="col"><h4>{esc(p.name)}</h4>'
            + _table(["Small hurt", "How often", "Mended?"], rows, "hurts")
            + "</div>"
        )
    return f'<div class="cols">{"".join(cols)}</div>'


def _month_notes(db: Database, d: _Data, period: dt.date) -> str:
    notes = together.shared_notes(db, d.couple.couple_id, period)
    if notes.empty:
        return _note("No notes were shared for this month.")
    out = []
    for r in notes.itertuples():
        who = d.names.get(int(r.partner_id))
        if who is None:
            continue
        out.append(
            f'<figure class="note"><figcaption>{esc(who)} wrote</figcaption>'
            f"<blockquote>{esc(r.body)}</blockquote></figure>"
        )
    return "".join(out)


def _together(db: Database, d: _Data) -> str:
    months = [m for m in together.revealed_months(db, d.couple.couple_id) if d.start <= m <= d.end]
    if not months:
        return _note(
            "No month in this span has been opened together yet: a month opens once both of you have "
            "submitted your check-in."
        )
    out = [
        _note(
            "Months both of you submitted, newest first: each part side by side, the small hurts each of you "
            "named and whether they were mended, and the notes you chose to share.",
            "lead",
        )
    ]
    for m in months:
        out.append(
            f'<article class="month"><h3>{esc(label(m))}</h3>'
            + _month_scores(d, m)
            + "<h4 class='sub'>Small hurts named</h4>"
            + _month_hurts(db, d, m)
            + "<h4 class='sub'>Shared notes</h4>"
            + _month_notes(db, d, m)
            + "</article>"
        )
    return "".join(out)


def _about() -> str:
    return (
        '<footer class="about"><p>Scores come from Mendwell\'s own questionnaires, written as conversation aids: '
        "they are not clinical measures and do not diagnose; a clinical class appears only for a part whose file "
        "gives published norms, with their source named. ▲ and ▼ follow the Jacobson–Truax reliable change "
        "index against each partner's starting point; the table above says which spread (SD) and which "
        "reliability figure each verdict used (Mendwell's own figures are provisional until measured from "
        "everyone's first check-ins). Answers and notes a partner marked private are never part of this "
        "report.</p></footer>"
    )


# -- the document ----------------------------------------------------------------------------

CSS = """
:root { --primary: #2f6f73; --text: #26323a; --bg: #fbfaf7; --muted: #5b6770; --line: #e4e1da; }
* { box-sizing: border-box; }
html { background: var(--bg); }
body {
  margin: 0; color: var(--text); background: var(--bg);
  font-family: system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif;
  font-size: 16px; line-height: 1.5;
}
main { max-width: 960px; margin: 0 auto; padding: 32px 24px 64px; }
h1, h2, h3, h4 { line-height: 1.25; }
h1 { font-size: 2rem; margin: 0.1em 0 0.2em; }
h2 { color: var(--primary); font-size: 1.45rem; margin: 2.2em 0 0.6em; padding-bottom: 0.25em;
     border-bottom: 2px solid var(--primary); }
h3 { font-size: 1.15rem; margin: 1.6em 0 0.5em; }
h4 { font-size: 1rem; margin: 0.8em 0 0.4em; }
.kicker { color: var(--primary); font-weight: 600; letter-spacing: 0.04em; text-transform: uppercase;
          font-size: 0.8rem; margin: 0; }
.range { font-size: 1.15rem; margin: 0; }
.partners { margin: 0.4em 0; }
.who { font-weight: 600; }
.swatch { display: inline-block; width: 0.8em; height: 0.8em; border-radius: 2px; margin-right: 0.35em;
          vertical-align: -0.05em; }
.meta, .quiet { color: var(--muted); }
.quiet { font-size: 0.92rem; }
.lead { font-size: 1rem; }
.toc ul { list-style: none; padding: 0; margin: 1.2em 0 0; display: flex; flex-wrap: wrap; gap: 0.4em 1.2em; }
.toc a { color: var(--primary); text-decoration: none; border-bottom: 1px solid transparent; }
.toc a:hover { border-bottom-color: var(--primary); }
.notice { background: #fff; border: 1px solid var(--line); border-left: 4px solid var(--primary);
          padding: 14px 18px; border-radius: 6px; margin: 1.5em 0; }
ul.sentences { padding-left: 1.2em; }
ul.sentences li { margin: 0.25em 0; }
table { border-collapse: collapse; width: 100%; margin: 0.6em 0 1em; background: #fff; font-size: 0.95rem; }
th, td { text-align: left; padding: 6px 10px; border-bottom: 1px solid var(--line); vertical-align: top; }
thead th { border-bottom: 2px solid var(--line); font-weight: 600; }
tbody th { font-weight: normal; }
tr.group th { background: #f1efe9; font-weight: 600; color: var(--primary); }
.score { font-variant-numeric: tabular-nums; font-weight: 600; }
.band { color: var(--muted); }
.band.tone-concern::before, .band.tone-watch::before, .band.tone-ok::before {
  content: ""; display: inline-block; width: 0.55em; height: 0.55em; border-radius: 50%;
  margin: 0 0.3em 0 0.2em; vertical-align: 0.05em; }
.band.tone-concern::before { background: #D55E00; }
.band.tone-watch::before { background: #E69F00; }
.band.tone-ok::before { background: #009E73; }
/* auto-fill keeps the empty second track while a chart is drawn, so the first one is drawn half wide */
.grid { display: grid; grid-template-columns: repeat(auto-fill, minmax(min(400px, 100%), 1fr)); gap: 14px; }
.chart { background: #fff; border: 1px solid var(--line); border-radius: 6px; padding: 6px; overflow: hidden; }
section.part > div.chart + div.chart, .chart + p { margin-top: 12px; }
.cols { display: grid; grid-template-columns: repeat(2, minmax(0, 1fr)); gap: 8px 24px; }
@media screen and (max-width: 640px) { .cols { grid-template-columns: 1fr; } }
.cols ul { padding-left: 1.2em; margin: 0.3em 0; }
article.month { background: #fff; border: 1px solid var(--line); border-radius: 8px; padding: 4px 20px 12px;
                margin: 1.2em 0; }
article.month h3 { color: var(--primary); }
article.month table { background: transparent; }
h4.sub { margin-top: 1.2em; color: var(--muted); font-size: 0.9rem; text-transform: uppercase;
         letter-spacing: 0.04em; }
figure.note { margin: 0.6em 0; }
figure.note figcaption { font-weight: 600; font-size: 0.92rem; }
figure.note blockquote { margin: 0.2em 0 0; padding: 8px 14px; border-left: 3px solid var(--primary);
                         background: var(--bg); white-space: pre-wrap; overflow-wrap: anywhere; }
footer.about { margin-top: 3em; padding-top: 1em; border-top: 1px solid var(--line); color: var(--muted);
               font-size: 0.9rem; }

@page { margin: 16mm 15mm; }
@media print {
  html, body { background: #fff; }
  body { font-size: 11pt; line-height: 1.4; }
  main { max-width: none; padding: 0; }
  .toc { display: none; }
  h2 { break-after: avoid; page-break-after: avoid; margin-top: 1.4em; }
  h3, h4 { break-after: avoid; page-break-after: avoid; }
  .grid { display: block; }
  .chart, table, tr, figure.note, .cols .col, .notice {
    break-inside: avoid; page-break-inside: avoid; }
  .chart { border: none; padding: 0; margin: 0 0 10px; }
  article.month { border: none; padding: 0; border-top: 1px solid var(--line); border-radius: 0; }
  a { color: inherit; text-decoration: none; }
  * { -webkit-print-color-adjust: exact; print-color-adjust: exact; }
}
"""

# Charts are drawn at the width of their box on screen; paper is narrower, so they
# are redrawn at a printable width before printing and given their box back after.
PRINT_JS = """
(function () {
  function plots() { return Array.prototype.slice.call(document.querySelectorAll(".js-plotly-plot")); }
  window.addEventListener("beforeprint", function () {
    plots().forEach(function (gd) { Plotly.relayout(gd, { width: PRINT_WIDTH }); });
  });
  window.addEventListener("afterprint", function () {
    plots().forEach(function (gd) {
      Plotly.relayout(gd, { width: null }).then(function () { Plotly.Plots.resize(gd); });
    });
  });
})();
""".replace("PRINT_WIDTH", str(PRINT_WIDTH))


def _document(title: str, body: str) -> str:
    return (
        "<!DOCTYPE html>\n"
        '<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        f'<meta http-equiv="Content-Security-Policy" content="{CSP}">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        '<meta name="referrer" content="no-referrer">\n'
        f"<title>{esc(title)}</title>\n"
        f"<style>{CSS}</style>\n"
        f'<script type="text/javascript">{_plotly_js()}</script>\n'
        "</head>\n<body>\n<main>\n"
        f"{body}\n"
        "</main>\n"
        f"<script>{PRINT_JS}</script>\n"
        "</body>\n</html>\n"
    )


def build_report(
    db: Database,
    catalog: Catalog,
    couple_id: int,
    start: dt.date,
    end: dt.date,
    today: dt.date | None = None,
) -> str:
    """The session report for one couple from `start` to `end` (months, both inclusive) as one HTML page."""
    couple = db.couples.get(couple_id)
    if couple is None:
        raise ReportError(f"There is no couple with id {couple_id}.")
    start, end = month_start(start), month_start(end)
    if start > end:
        raise ReportError(f"The report would start in {label(start)}, after it ends in {label(end)}.")
    today = today or dt.date.today()
    d = _load(db, catalog, couple, start, end)
    title = f"Session report: {couple.name}, {range_label(start, end)}"

    parts = [_header(d, today)]
    if d.submitted_in.empty:
        first_last = latest_checkin(db, couple_id)
        elsewhere = ""
        if first_last is not None:
            all_subs = db.checkins.listing(couple_id)
            first = pd.Timestamp(pd.to_datetime(all_subs.loc[all_subs["status"] == "submitted", "period"]).min())
            elsewhere = (
                f" Their check-ins so far run from {esc(label(first.date()))} to {esc(label(first_last))}; "
                "a report over those months will show them."
            )
        parts.append(
            '<div class="notice"><h2>Nothing to show yet</h2>'
            f"<p>There are no submitted check-ins from {esc(range_label(start, end))}, so there are no charts "
            f"or tables to show. The report fills in once the two of you have checked in.{elsewhere}</p></div>"
        )
        parts.append(_about())
        return _document(title, "".join(parts))

    sections: list[tuple[str, str, str]] = []
    if d.shared_in.empty:
        glance = trends = _note("No shared scores in these months yet.")
    else:
        glance, trends = _glance(d), _trends(d)
    sections.append(("glance", "At a glance", glance))
    sections.append(("trends", "Trends", trends))
    sections.append(("themes", "Recurring themes", _themes(db, d)))
    mirrors = _mirrors(db, d)
    if mirrors:
        sections.append(("mirror", "How differently we see it", mirrors))
    sections.append(("together", "Months opened together", _together(db, d)))

    parts.append(_nav([(sid, t) for sid, t, _ in sections]))
    parts += [_section(sid, t, body) for sid, t, body in sections]
    parts.append(_about())
    return _document(title, "".join(parts))


def report_size(text: str) -> str:
    """The size of the written file, for people ('4.9 MB')."""
    n = len(text.encode("utf-8"))
    return f"{n / 1_000_000:.1f} MB" if n >= 1_000_000 else f"{max(1, round(n / 1000))} kB"
