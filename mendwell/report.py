"""The therapist's session report: one self-contained HTML file for a couple and a span of months.

The report shows exactly what screen-share mode shows, and nothing more: only
this couple, only months both partners have checked in for (`report_lens`,
whoever prepares it), no private subscale or item, no private note. Every query it
draws on filters private data out (in SQL or on the `private` flag stored with
each score), and every piece of text that comes from the data (names, notes,
titles, band labels) is escaped here with `html.escape`; chart text goes
through `charts.plot_text`.

The file opens offline: plotly.js is embedded once, inline, and a Content
Security Policy forbids the page to fetch anything at all.

On paper (A4 or Letter, whichever the print dialog or `for_paper` chooses) the
CSS puts the couple and months at the top of every page after the first and
"Page i of N" at the foot (page margin boxes), keeps headings with what follows
them, forces no page break, and redraws the charts before printing at the sizes
their boxes ask for (small ones two to a row). `mendwell.pdf` prints it with
Chromium.
"""

from __future__ import annotations

import datetime as dt
import html
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache

import pandas as pd
from plotly.graph_objects import Figure

from mendwell import analysis, charts, reveal, summary, together, views
from mendwell.data import Database
from mendwell.errors import ReportError
from mendwell.instruments import Catalog, Item
from mendwell.limits import THEMES_SHOWN
from mendwell.model import Couple
from mendwell.periods import add_months, label, month_start
from mendwell.reveal import Lens
from mendwell.text import no_bidi_controls

CHART_CONFIG = {"displayModeBar": False, "staticPlot": False}
DEFAULT_MONTHS = 12
WINDOW = 6  # recurring themes: months looked back over ...
MIN_MONTHS = 3  # ... and how many of them a theme must come up in
# On paper charts are redrawn at fixed sizes (px at 96 per inch): FULL fits the printable width of both
# A4 (180 mm) and Letter (186 mm) at the margins below; small charts sit two to a row, HALF each.
FULL = 660
GAP = 10
HALF = (FULL - GAP) // 2
TREND_HEIGHT = 215  # a trend chart on paper
MONTHS_PER_TABLE = 12  # months opened together: columns of one table of scores
PAPERS = {"a4": "A4", "letter": "Letter"}  # what `@page { size }` takes

# Nothing may be fetched: not a script, a font, an image or a connection.
CSP = (
    "default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; "
    "img-src data:; font-src data:; connect-src 'none'; base-uri 'none'; form-action 'none'"
)


def esc(text: object) -> str:
    """Text from the data, safe to put in HTML (element content or attribute value)."""
    return html.escape(no_bidi_controls(str(text)), quote=True)


def range_label(start: dt.date, end: dt.date) -> str:
    """'March 2026 to November 2026' (one month: 'March 2026')."""
    return label(start) if start == end else f"{label(start)} to {label(end)}"


def report_lens(couple: Couple) -> Lens:
    """Whose months a session report waits on, whoever prepares it: both partners. The report is about the two of
    them, in words to them, and is shown or handed to them: it holds what a shared screen shows, each month only
    once both have checked in for it (a therapist sees a month one partner has sent on the pages, not sharing)."""
    return Lens.of(p.partner_id for p in couple.partners)


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
    """Fill in a missing end (the latest month open to both, else the latest check-in, else this month) and start
    (12 months up to the end)."""
    if end is None:
        opened = db.analytics.revealed_months(couple_id)  # newest first
        end = opened[0] if opened else latest_checkin(db, couple_id) or month_start(today)
    end = month_start(end)
    start = month_start(start) if start is not None else add_months(end, -(DEFAULT_MONTHS - 1))
    return start, end


@lru_cache(maxsize=1)
def _plotly_js() -> str:
    # the screen's bundle (mendwell.charts): the report's charts are of the same kinds
    return charts.PLOTLY_JS_FILE.read_text(encoding="utf-8")


# -- the pieces of HTML ------------------------------------------------------------------


def _chart(fig: Figure, kind: str, print_as: tuple[int, int] = (FULL, 0), **attrs: str) -> str:
    """A chart block; `print_as` is its (width, height) in px on paper (height 0: as on screen)."""
    extra = "".join(f' data-{k.replace("_", "-")}="{esc(v)}"' for k, v in attrs.items())
    width, height = print_as
    body = fig.to_html(full_html=False, include_plotlyjs=False, config=CHART_CONFIG)
    return (
        f'<div class="chart" data-kind="{kind}"{extra} data-print-width="{width}" data-print-height="{height}">'
        f"{body}</div>"
    )


INTRO = "quiet intro"  # a note that introduces what follows it: on paper it stays with it


def _note(text: str, cls: str = "quiet") -> str:
    return f'<p class="{cls}">{text}</p>'


def _table(header: Sequence[str], rows: Iterable[Sequence[str]], cls: str = "") -> str:
    """A table from already-escaped cell HTML."""
    head = "".join(f'<th scope="col">{h}</th>' for h in header)
    body = "".join("<tr>" + "".join(f"<td>{c}</td>" for c in row) + "</tr>" for row in rows)
    return f'<div class="scroll"><table class="{cls}"><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table></div>'


def _in_range(df: pd.DataFrame, start: dt.date, end: dt.date, col: str = "period") -> pd.DataFrame:
    if df.empty:
        return df
    p = pd.to_datetime(df[col])
    return df[(p >= pd.Timestamp(start)) & (p <= pd.Timestamp(end))]


def _months(start: dt.date, end: dt.date) -> list[pd.Timestamp]:
    return list(pd.date_range(pd.Timestamp(start), pd.Timestamp(end), freq="MS"))


def _score_cell(score: float, band: object, tone: object) -> str:
    """A score with a dot in its band's colour; the band's words show on hover and are read out."""
    tone_cls = f" tone-{tone}" if tone in ("concern", "watch", "ok") else ""
    words = band if isinstance(band, str) and band else ""
    title = f' title="{esc(words)}"' if words else ""
    dot = f'<span class="dot{tone_cls}" role="img" aria-label="{esc(words)}"></span>' if words else ""
    return f'<td class="n"{title}><span class="score">{score:.2f}</span>{dot}</td>'


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
    submitted: pd.DataFrame  # every submitted check-in the lens shows
    submitted_in: pd.DataFrame
    repair: pd.DataFrame
    mirrors: pd.DataFrame
    titles: dict[tuple[str, str], str]
    theme_titles: dict[str, str]
    this_month: dt.date  # the month the report was made in: still open, never "without a check-in"


def _load(
    db: Database, catalog: Catalog, couple: Couple, start: dt.date, end: dt.date, lens: Lens, today: dt.date
) -> _Data:
    cid = couple.couple_id
    revealed = db.analytics.revealed_months(cid) if lens else []
    rc = reveal.seen_frame(analysis.reliable_change(db, cid), lens, revealed)
    shared = views.shared_only(rc)
    checkins = db.checkins.listing(cid)
    everyone = checkins[checkins["status"] == "submitted"]
    submitted = reveal.seen_frame(everyone, lens, revealed)
    kept = reveal.waiting_months(views.submitted_months(checkins), lens, revealed)
    return _Data(
        couple=couple,
        catalog=catalog,
        start=start,
        end=end,
        styles=[
            charts.PartnerStyle(p.partner_id, p.name, p.slot, tuple(kept.get(p.partner_id, ())))
            for p in couple.partners
        ],
        names={p.partner_id: p.name for p in couple.partners},
        shared=shared,
        shared_in=_in_range(shared, start, end),
        signals_in=_in_range(reveal.seen_frame(analysis.theme_signals(db, cid), lens, revealed), start, end),
        submitted=submitted,
        submitted_in=_in_range(submitted, start, end),
        repair=reveal.seen_frame(analysis.repair_counts(db, cid), lens, revealed),
        mirrors=reveal.seen_frame(analysis.mirrored_views(db, cid), lens, revealed, None),
        titles=views.subscale_titles(catalog),
        theme_titles=views.theme_titles(catalog),
        this_month=month_start(today),
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
        f'<p class="meta">Generated on {esc(generated)}. A month is in this report once both of you have checked '
        "in for it, as on Together; private answers and private notes never are.</p>"
        f"{_about()}"
        "</header>"
    )


def _nav(sections: Sequence[tuple[str, str]]) -> str:
    links = "".join(f'<li><a href="#{sid}">{esc(title)}</a></li>' for sid, title in sections)
    return f'<nav class="toc" aria-label="Sections"><ul>{links}</ul></nav>'


def _section(sid: str, title: str, body: str) -> str:
    return f'<section id="{sid}" class="part"><h2>{esc(title)}</h2>{body}</section>'


def _recurring(d: _Data, last: pd.Timestamp) -> tuple[pd.DataFrame, int, int]:
    """Recurring themes over the months of the span that end at `last` (at most `WINDOW`); none when those are
    fewer than `MIN_MONTHS` (a theme in "1 of the last 1 months" is not recurring: the themes section says so)."""
    window = min(WINDOW, len(_months(d.start, last.date())))
    min_months = min(MIN_MONTHS, window)
    found = analysis.recurring_themes(d.signals_in, last, window=window, min_months=min_months)
    return (found if window >= MIN_MONTHS else found.iloc[:0]), window, min_months


def _glance(d: _Data) -> str:
    last = pd.Timestamp(pd.to_datetime(d.shared_in["period"]).max())
    recurring, window, _ = _recurring(d, last)
    people = [summary.Person(s.partner_id, s.name, s.kept_back) for s in d.styles]
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
    """The verdicts as data: each partner's latest score per part in the span against their starting point.

    Where each verdict's spread (SD) and reliability came from is usually the same for most parts, so
    each distinct pair is written once under the table and named by a letter in the rows.
    """
    rows_df = d.shared_in.sort_values("period").groupby(["partner_id", "instrument_id", "subscale_id"]).tail(1)
    order = {k: i for i, k in enumerate(d.titles)}
    rows_df = rows_df.assign(
        _o=[order.get(k, len(order)) for k in zip(rows_df["instrument_id"], rows_df["subscale_id"], strict=True)]
    ).sort_values(["_o", "partner_id"])
    marks = summary.marks(rows_df)
    bases: dict[tuple[str, str], str] = {}
    reasons: dict[str, int] = {}
    clinical_any = rows_df["clinical_class"].notna().any() and bool(rows_df["clinical_class"].fillna("").any())
    rows = []
    for r, m in zip(rows_df.itertuples(), marks, strict=True):
        key = (str(r.sd_source or "—"), str(r.reliability_source or "—"))
        letter = bases.setdefault(key, "abcdefghijklmnopqrstuvwxyz"[len(bases) % 26])
        now = f'{r.score:.2f} <span class="when">{esc(f"{pd.Timestamp(r.period):%b %Y}")}</span>'
        start = (
            ""
            if pd.isna(r.reference_period)
            else (f"{r.reference_score:.2f} " if not pd.isna(r.reference_score) else "")
            + f'<span class="when">{esc(f"{pd.Timestamp(r.reference_period):%b %Y}")}</span>'
        )
        row = [
            esc(d.titles.get((r.instrument_id, r.subscale_id), r.subscale_id)),
            esc(d.names.get(int(r.partner_id), "")),
            now,
            start,
            "" if pd.isna(r.threshold) else f"{r.threshold:.2f}",
            esc(m)
            if m != summary.CANT_TELL_MARK
            else f"{esc(m)} <sup>{reasons.setdefault(str(r.reason), len(reasons) + 1)}</sup>",
            letter,
        ]
        if clinical_any:
            row.append(esc(f"{r.clinical_class} (norms: {r.norms_source})" if r.clinical_class else ""))
        rows.append(row)
    head = ["Part", "Who", "Latest", "Starting point", "Change needed", "Since the start", "Basis"]
    if clinical_any:
        head.append("Clinical class")
    basis = "".join(
        f"<li><b>{letter}</b>: spread (SD) from {esc(sd)}; reliability {esc(rel)}</li>"
        for (sd, rel), letter in bases.items()
    ) + "".join(f"<li><b>{n}</b>: can't tell yet: {esc(why)}</li>" for why, n in reasons.items())
    return (
        "<h3>Changes since the starting point</h3>"
        + _table([esc(h) for h in head], rows, "changes")
        + f'<ul class="basis quiet">{basis}</ul>'
    )


def _trends(d: _Data) -> str:
    out = []
    present = set(d.shared_in["partner_id"].unique())
    missing = [p for p in d.couple.partners if p.partner_id not in present]
    if missing and present:
        out.append(
            _note(
                f"Only {esc(d.names[int(next(iter(present)))])} checked in during these months, so the charts "
                f"have one line; {esc(missing[0].name)}'s line appears once they have checked in.",
                INTRO,
            )
        )
    if d.shared_in.groupby("partner_id")["period"].nunique().max() < 2:
        out.append(_note("One month so far: a line needs two months, so each of you shows as a single point.", INTRO))
    out.append(
        _note(
            "One chart per part of the check-in, a line for each of you. Shaded bands give each part's own "
            "wording for a range of scores; a gap is a month without a check-in; a large triangle marks a "
            "reliable change since the starting point (▲ where the line went up, ▼ where it went down; the words "
            "beside it say whether that is better or harder for that part).",
            INTRO,
        )
    )
    start, end = pd.Timestamp(d.start), pd.Timestamp(d.end)
    for inst, found in views.trend_charts(d.shared_in, d.catalog, d.styles, start, end):
        blocks = [
            _chart(c.figure, "trend", (HALF, TREND_HEIGHT), instrument=inst.id, subscale=c.subscale_id) for c in found
        ]
        out.append(f'<div class="instrument"><h3>{esc(inst.title)}</h3><div class="grid">{"".join(blocks)}</div>')
        out.append("</div>")
    return "".join(out)


def _themes(d: _Data) -> str:
    out = []
    last = pd.Timestamp(pd.to_datetime(d.submitted_in["period"]).max())
    months = _months(d.start, d.end)
    recurring, window, min_months = _recurring(d, last)
    span_start = add_months(last.date(), -(window - 1))
    out.append("<h3>Themes that keep coming back</h3>")
    if window < MIN_MONTHS:
        out.append(
            _note(
                f"A theme counts as recurring once it has come up in {MIN_MONTHS} months; "
                + (f"these {window} months are" if window > 1 else "one month is")
                + " too few to tell yet."
            )
        )
    else:
        out.append(
            _note(
                f"Looking at {esc(range_label(span_start, last.date()))}: a theme counts when it came up in at "
                f"least {min_months} of these {window} months.",
                INTRO,
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
    # one scale for both partners' grids: a shade means as many answers on each
    top = int(monthly.groupby(["partner_id", "theme_id", "period"])["signals"].sum().max()) if not monthly.empty else 0
    # what the shades stand for before the grids, as a key is read (on paper it stays with what follows); the grids
    # one above the other, each month's column over the same month's
    out.append(_note(esc(summary.heatmap_key(max(1, top))), INTRO))
    for s in d.styles:
        came = set(pd.to_datetime(d.submitted_in.loc[d.submitted_in["partner_id"] == s.partner_id, "period"]))
        mine = monthly[monthly["partner_id"] == s.partner_id] if not monthly.empty else monthly
        if not came and s.kept_back:
            out.append(_note(esc(summary.waiting_sentence(s.name, s.kept_back))))
            continue
        if not came:
            out.append(_note(f"{esc(s.name)} did not check in during these months, so there are no themes to show."))
            continue
        if mine.empty:
            out.append(_note(f"No theme came up for {esc(s.name)} in these months."))
            continue
        title = f"{charts.in_chart_name(s.name)}: themes by month"
        fig = charts.theme_heatmap(mine, d.theme_titles, months, title, top=top)
        out.append(_chart(fig, "themes", (FULL, 80 + 18 * len(d.theme_titles)), partner=str(s.slot)))
        missed = views.months_without_checkin(months, came, s.kept_back, d.this_month)
        if missed:
            out.append(_note(f"Months without a check-in from {esc(s.name)}: {esc(', '.join(missed))}."))
        waiting = [m for m in s.kept_back if m in set(months)]
        if waiting:
            out.append(_note(esc(summary.waiting_sentence(s.name, waiting))))

    out.append(f"<h3>{charts.REPAIR_TITLE}</h3>")
    came_in = set(d.submitted_in["partner_id"])
    found = views.mending_charts(d.repair, d.styles, came_in, months)
    if not any(p.chart for p in found):
        out.append(_note("Neither of you named a small hurt in these months, so there was nothing to mend."))
        return "".join(out)
    out.append(
        _note(
            "Each small hurt named that month, by what “was it mended?” said of it: mended, partly, or not yet. "
            "A blank answer is shown as left blank, not as “not yet”.",
            INTRO,
        )
    )
    blocks = [
        _chart(p.chart.figure, "mending", (HALF, 300), partner=str(s.slot))
        for p, s in zip(found, d.styles, strict=True)
        if p.chart is not None
    ]
    out.append(f'<div class="grid">{"".join(blocks)}</div>')
    out.extend(_note(esc(p.chart.sentence if p.chart else p.instead)) for p in found)
    return "".join(out)


def _mirrors(d: _Data) -> str:
    found = views.mirror_charts(d.mirrors, d.catalog, d.styles, pd.Timestamp(d.start), pd.Timestamp(d.end))
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
    blocks = [_chart(m.figure, "mirror", (HALF, 300), receiver=str(m.receiver.slot)) for m in found]
    out.append(f'<div class="grid">{"".join(blocks)}</div>')
    return "".join(out)


NO_SCORE_CELL = '<td class="n"><span aria-label="no score">—</span></td>'  # said under the table


def _scores_by_month(d: _Data, months: Sequence[dt.date]) -> str:
    """Each shared part's scores in the given months, a row per partner: one compact table per 12 months."""
    periods = {pd.Timestamp(m) for m in months}
    rows_df = d.shared[pd.to_datetime(d.shared["period"]).isin(periods)]
    if rows_df.empty:
        return _note("No scores for these months.")
    cells = {
        (str(r.instrument_id), str(r.subscale_id), int(r.partner_id), pd.Timestamp(r.period)): _score_cell(
            r.score, r.band, r.band_tone
        )
        for r in rows_df.itertuples()
    }
    keys = {(i, s) for i, s, _, _ in cells}
    parts = [
        (inst.id, sc.id, sc.title)
        for inst in d.catalog.instruments
        for sc in inst.subscales
        if (inst.id, sc.id) in keys and not inst.is_private_subscale(sc.id)
    ]
    partners = list(d.couple.partners)
    out = [
        _note(
            "A dash marks a part with no score that month: none of its questions was asked (a follow-up appears "
            "only after some answers) or answered."
        )
    ]
    for i in range(0, len(months), MONTHS_PER_TABLE):
        chunk = [pd.Timestamp(m) for m in months[i : i + MONTHS_PER_TABLE]]
        head = '<th scope="col">Part</th><th scope="col">Who</th>' + "".join(
            f'<th scope="col" class="n">{m:%b}<br><span class="when">{m:%Y}</span></th>' for m in chunk
        )
        body = []
        for inst_id, sub_id, title in parts:
            rows = []
            for k, p in enumerate(partners):
                tds = "".join(cells.get((inst_id, sub_id, p.partner_id, m), NO_SCORE_CELL) for m in chunk)
                part = f'<th scope="rowgroup" rowspan="{len(partners)}">{esc(title)}</th>' if k == 0 else ""
                rows.append(f'<tr>{part}<td class="who">{esc(p.name)}</td>{tds}</tr>')
            body.append(f"<tbody>{''.join(rows)}</tbody>")
        out.append(
            f'<div class="scroll"><table class="by-month"><thead><tr>{head}</tr></thead>{"".join(body)}</table></div>'
        )
    return "".join(out)


def _month_hurts(db: Database, d: _Data, period: dt.date) -> str:
    """Each partner's named small hurts that month as one short line: what, how often, whether mended."""
    hurts = together.named_hurts(db, d.couple.couple_id, period)
    micro = d.catalog.get(analysis.MICRO_HURTS)

    def item(item_id: object) -> Item | None:
        if micro is None or not isinstance(item_id, str):
            return None
        try:
            return micro.item(item_id)
        except KeyError:
            return None

    out = []
    for p in d.couple.partners:
        mine = hurts[hurts["partner_id"] == p.partner_id]
        if mine.empty:
            named = '<span class="quiet">No small hurt named.</span>'
        else:
            each = []
            for r in mine.itertuples():
                often_item = item(r.often_item)
                what = micro.short(often_item) if micro is not None and often_item is not None else str(r.often_item)
                often = views.value_label(micro, often_item, r.often)
                mended = views.value_label(micro, item(r.repaired_item), r.repaired) or "not said"
                each.append(
                    f'<li><span class="what">{esc(what)}</span> <span class="how">({esc(often)}; '
                    f"mended: {esc(mended)})</span></li>"
                )
            named = f'<ul class="inline">{"".join(each)}</ul>'
        out.append(f"<div><dt>{esc(p.name)} named</dt><dd>{named}</dd></div>")
    return f'<dl class="named">{"".join(out)}</dl>'


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
            "Months both of you submitted, newest first: each part side by side, then for each month the "
            "small hurts each of you named (how often, and whether it was mended) and the notes you chose "
            "to share.",
            "lead",
        ),
        _scores_by_month(d, months),
        _note(
            "Each score's dot has the colour of the shaded band it falls in on the Trends charts, where each "
            "band's own words are written (on screen, they show when you point at a score).",
            "quiet",
        ),
        '<div class="months">',
    ]
    for m in months:
        out.append(
            f'<article class="month"><h3>{esc(label(m))}</h3>'
            + _month_hurts(db, d, m)
            + _month_notes(db, d, m)
            + "</article>"
        )
    out.append("</div>")
    return "".join(out)


def _about() -> str:
    """How to read the numbers, in small print under the header (before any of them)."""
    return (
        '<p class="about">Scores come from Mendwell\'s own questionnaires, written as conversation aids: '
        "they are not clinical measures and do not diagnose; a clinical class appears only for a part whose file "
        "gives published norms, with their source named. ▲ and ▼ follow the Jacobson–Truax reliable change "
        "index against each partner's starting point; the table of changes says which spread (SD) and which "
        "reliability figure each verdict used (Mendwell's own figures are provisional until measured from "
        "everyone's first check-ins).</p>"
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
.score { font-variant-numeric: tabular-nums; font-weight: 600; }
.dot { display: inline-block; width: 0.55em; height: 0.55em; border-radius: 50%; margin-left: 0.3em;
       vertical-align: 0.05em; background: #c9c6bf; }
.dot.tone-concern { background: #D55E00; }
.dot.tone-watch { background: #E69F00; }
.dot.tone-ok { background: #009E73; }
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
figure.note { margin: 0.6em 0; }
figure.note figcaption { font-weight: 600; font-size: 0.92rem; }
figure.note blockquote { margin: 0.2em 0 0; padding: 8px 14px; border-left: 3px solid var(--primary);
                         background: var(--bg); white-space: pre-wrap; overflow-wrap: anywhere; }
.about { color: var(--muted); font-size: 0.85rem; margin: 0.4em 0 0; }

/* screen: months side by side when there is room */
.months { display: grid; grid-template-columns: repeat(auto-fill, minmax(min(420px, 100%), 1fr)); gap: 14px;
          align-items: start; margin-top: 1em; }
.months article.month { margin: 0; }
dl.named { margin: 0.6em 0; }
dl.named > div { margin: 0 0 0.3em; }
dl.named dt { display: inline; font-weight: 600; }
dl.named dt::after { content: ":"; }
dl.named dd { display: inline; margin: 0 0 0 0.3em; }
ul.inline { display: inline; list-style: none; padding: 0; margin: 0; }
ul.inline li { display: inline; }
ul.inline li + li::before { content: " · "; color: var(--muted); }
.how, .when { color: var(--muted); }
.scroll { overflow-x: auto; }
table.by-month { width: auto; font-size: 0.85rem; }
table.by-month th, table.by-month td { padding: 3px 6px; }
table.by-month tbody th { max-width: 16em; }
table.by-month td.n, table.by-month th.n { text-align: right; white-space: nowrap; }
table.by-month td.who { color: var(--muted); white-space: nowrap; }
table.by-month tbody tr:first-child > * { border-top: 1px solid var(--line); }
table.by-month tbody tr > * { border-bottom: none; }
.when { font-size: 0.85em; white-space: nowrap; }
ul.basis { padding-left: 1.2em; margin: 0 0 1em; }
table.changes td:nth-child(n+3) { white-space: nowrap; }
table.changes td:nth-child(8) { white-space: normal; }

@page {
  margin: 17mm 15mm 15mm;
  @top-right { content: "Mendwell session report"; font: 8pt system-ui, sans-serif; color: #5b6770;
               vertical-align: bottom; padding-bottom: 4mm; }
  @bottom-right { content: "Page " counter(page) " of " counter(pages); font: 8pt system-ui, sans-serif;
                  color: #5b6770; vertical-align: top; padding-top: 4mm; }
}
@page :first { @top-right { content: none; } @top-left { content: none; } }
@media print {
  html, body { background: #fff; }
  body { font-size: 10pt; line-height: 1.35; }
  main { max-width: none; padding: 0; }
  .toc { display: none; }
  h1 { font-size: 20pt; }
  h2 { font-size: 14pt; margin: 1.1em 0 0.4em; }
  h3 { font-size: 11.5pt; margin: 0.9em 0 0.3em; }
  h2, h3, h4, dt, figcaption { break-after: avoid; page-break-after: avoid; }
  p, li { orphans: 2; widows: 2; }
  .quiet { font-size: 8.5pt; }
  .lead { font-size: 10pt; }
  .lead, .intro { break-after: avoid; page-break-after: avoid; break-inside: avoid; page-break-inside: avoid; }
  table { font-size: 8.5pt; margin: 0.3em 0 0.5em; }
  th, td { padding: 2px 6px; }
  tr, .chart, figure.note, .cols .col, .notice, .instrument, article.month {
    break-inside: avoid; page-break-inside: avoid; }
  .grid { display: grid; grid-template-columns: repeat(2, HALFpx); gap: GAPpx; }
  .chart { border: none; padding: 0; margin: 0 0 4px; }
  .chart > div { height: auto !important; } /* plotly's wrapper keeps the screen height otherwise */
  .chart + p { margin-top: 2px; }
  .months { grid-template-columns: repeat(2, minmax(0, 1fr)); gap: GAPpx; margin-top: 0.4em; }
  .scroll { overflow: visible; }
  table.by-month { font-size: 8pt; }
  table.by-month th, table.by-month td { padding: 1px 4px; }
  table.by-month tbody { break-inside: avoid; page-break-inside: avoid; }
  article.month { border: 1px solid var(--line); border-radius: 4px; padding: 0 8px 4px; font-size: 8.5pt; }
  article.month h3 { margin: 0.4em 0 0.1em; font-size: 10.5pt; }
  dl.named { margin: 0.2em 0; }
  dl.named > div { margin: 0 0 0.15em; }
  article.month p.quiet { margin: 0.3em 0 0.2em; }
  figure.note { margin: 0.3em 0; }
  figure.note figcaption { font-size: 8.5pt; }
  figure.note blockquote { padding: 3px 8px; background: #fff; }
  .about { font-size: 8pt; }
  a { color: inherit; text-decoration: none; }
  * { -webkit-print-color-adjust: exact; print-color-adjust: exact; }
}
""".replace("HALF", str(HALF)).replace("GAP", str(GAP))

# Charts are drawn at the width of their box on screen. Before printing each is redrawn at the size its
# box asks for on paper (data-print-width, data-print-height; small ones with smaller text) and given
# its screen size back after.
PRINT_JS = """
(function () {
  var saved = [];
  window.addEventListener("beforeprint", function () {
    if (saved.length || !window.Plotly) return;
    document.querySelectorAll(".chart").forEach(function (box) {
      var gd = box.querySelector(".js-plotly-plot");
      if (!gd || !gd.layout) return;
      var width = Number(box.getAttribute("data-print-width")) || FULL;
      var height = Number(box.getAttribute("data-print-height")) || gd.layout.height;
      var title = gd.layout.title && gd.layout.title.font ? gd.layout.title.font.size : null;
      var font = gd.layout.font ? gd.layout.font.size : null;
      var ytitle = gd.layout.yaxis && gd.layout.yaxis.title && gd.layout.yaxis.title.font
        ? gd.layout.yaxis.title.font.size : null;
      saved.push([gd, gd.style.width, gd.style.height,
                  { height: gd.layout.height, "title.font.size": title, "font.size": font,
                    "yaxis.title.font.size": ytitle }]);
      // the box keeps the size it was given on screen unless told otherwise
      gd.style.width = width + "px";
      gd.style.height = height + "px";
      Plotly.relayout(gd, { width: width, height: height, "font.size": 11, "title.font.size": 13,
                            "yaxis.title.font.size": 10 });
    });
  });
  window.addEventListener("afterprint", function () {
    saved.forEach(function (s) {
      s[0].style.width = s[1];
      s[0].style.height = s[2];
      Plotly.relayout(s[0], Object.assign({ width: null }, s[3])).then(function () { Plotly.Plots.resize(s[0]); });
    });
    saved = [];
  });
})();
""".replace("FULL", str(FULL))


def css_string(text: str) -> str:
    """`text` as a CSS string literal: every character but a letter or digit is escaped (as six hex digits,
    so nothing after it is taken as part of it), so it can neither end the string nor the <style> element."""
    return '"' + "".join(c if c.isalnum() else f"\\{ord(c):06x}" for c in text) + '"'


def running_header(couple_name: str, start: dt.date, end: dt.date) -> str:
    """The words at the top of every printed page after the first: the couple and the months."""
    return f"{couple_name} · {range_label(start, end)}"


def _page_css(running: str) -> str:
    """The running header (it names the couple, so it is made per report)."""
    box = "font: 8pt system-ui, sans-serif; color: #5b6770; vertical-align: bottom; padding-bottom: 4mm;"
    return f"@page {{ @top-left {{ content: {css_string(running)}; {box} }} }}"


def _document(title: str, body: str, running: str) -> str:
    return (
        "<!DOCTYPE html>\n"
        '<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        f'<meta http-equiv="Content-Security-Policy" content="{CSP}">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        '<meta name="referrer" content="no-referrer">\n'
        f"<title>{esc(title)}</title>\n"
        f"<style>{CSS}\n{_page_css(running)}</style>\n"
        f'<script type="text/javascript">{_plotly_js()}</script>\n'
        "</head>\n<body>\n<main>\n"
        f"{body}\n"
        "</main>\n"
        f"<script>{PRINT_JS}</script>\n"
        "</body>\n</html>\n"
    )


def for_paper(doc: str, paper: str) -> str:
    """The report fixed to one paper size (`a4` or `letter`), as a PDF of it is printed."""
    size = PAPERS.get(paper.lower())
    if size is None:
        raise ReportError(f"The paper can be A4 or Letter, not {paper!r}.")
    return doc.replace("</style>", f"\n@page {{ size: {size}; }}</style>", 1)


def build_report(
    db: Database,
    catalog: Catalog,
    couple_id: int,
    start: dt.date,
    end: dt.date,
    today: dt.date | None = None,
) -> str:
    """The session report for one couple from `start` to `end` (months, both inclusive) as one HTML page: each
    month once both partners have checked in for it (`report_lens`), whoever prepares it."""
    couple = db.couples.get(couple_id)
    if couple is None:
        raise ReportError(f"There is no couple with id {couple_id}.")
    start, end = month_start(start), month_start(end)
    if start > end:
        raise ReportError(f"The report would start in {label(start)}, after it ends in {label(end)}.")
    today = today or dt.date.today()
    d = _load(db, catalog, couple, start, end, report_lens(couple), today)
    title = f"Session report: {couple.name}, {range_label(start, end)}"
    running = running_header(couple.name, start, end)

    parts = [_header(d, today)]
    if d.submitted_in.empty:
        elsewhere = ""
        if not d.submitted.empty:
            months = pd.to_datetime(d.submitted["period"])
            first, last = label(months.min().date()), label(months.max().date())
            elsewhere = (
                f" Their check-ins so far are from {esc(first)}; a report over that month will show them."
                if first == last
                else f" Their check-ins so far run from {esc(first)} to {esc(last)}; a report over those months "
                "will show them."
            )
        elsewhere += "".join(" " + esc(summary.waiting_sentence(s.name, s.kept_back)) for s in d.styles if s.kept_back)
        parts.append(
            '<div class="notice"><h2>Nothing to show yet</h2>'
            f"<p>There are no submitted check-ins from {esc(range_label(start, end))}, so there are no charts "
            f"or tables to show. The report fills in once the two of you have checked in.{elsewhere}</p></div>"
        )
        return _document(title, "".join(parts), running)

    sections: list[tuple[str, str, str]] = []
    if d.shared_in.empty:
        glance = trends = _note("No shared scores in these months yet.")
    else:
        glance, trends = _glance(d), _trends(d)
    sections.append(("glance", "At a glance", glance))
    sections.append(("trends", "Trends", trends))
    sections.append(("themes", "Recurring themes", _themes(d)))
    mirrors = _mirrors(d)
    if mirrors:
        sections.append(("mirror", "How differently we see it", mirrors))
    sections.append(("together", "Months opened together", _together(db, d)))

    parts.append(_nav([(sid, t) for sid, t, _ in sections]))
    parts += [_section(sid, t, body) for sid, t, body in sections]
    return _document(title, "".join(parts), running)


def report_size(content: str | bytes) -> str:
    """The size of the written file, for people ('4.9 MB')."""
    n = len(content.encode("utf-8") if isinstance(content, str) else content)
    return f"{n / 1_000_000:.1f} MB" if n >= 1_000_000 else f"{max(1, round(n / 1000))} kB"
