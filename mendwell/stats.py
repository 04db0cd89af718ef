"""Pure statistics behind every "changed" the app says: reliable change, clinical cut-offs,
reliability measured from the data, robust trends, and the gap between two partners.

No database, no pandas: plain numbers and numpy arrays in, plain numbers out, so each rule
can be checked by hand and by simulation (tests/unit/test_stats.py, tests/store/test_simulation.py).

- Reliable change (Jacobson & Truax 1991): SEM = SD x sqrt(1 - r), S_diff = sqrt(2) x SEM,
  RC = (x2 - x1) / S_diff, reliable when |x2 - x1| > 1.96 x S_diff (plus half a score step, a continuity
  correction for whole-number answers; see `threshold`). SD is the spread of a *reference
  population* (published norms, or everyone's first check-in), never one person's own history,
  which understates the error and inflates false alarms (Hinton-Bayre 2010).
- Clinical cut-off c = (SD_clin x M_comm + SD_comm x M_clin) / (SD_clin + SD_comm), and the
  classes recovered / improved / unchanged / deteriorated.
- Cronbach's alpha from complete answers (people x items).
- Trends: the Theil-Sen slope and the exact Mann-Kendall test (the exact null distribution of S,
  ties included, from q-multinomial coefficients; no normal approximation).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache

import numpy as np

Z = 1.96  # two-sided 95 %: a change beyond Z x S_diff is called reliable
TREND_P = 0.05  # a trend is stated when the exact two-sided Mann-Kendall p is below this

IMPROVED = "improved"
WORSENED = "worsened"
NO_CHANGE = "no reliable change"
CANT_TELL = "can't tell"
VERDICTS = (IMPROVED, WORSENED, NO_CHANGE, CANT_TELL)

RECOVERED = "recovered"
CLASS_IMPROVED = "improved"
UNCHANGED = "unchanged"
DETERIORATED = "deteriorated"


# -- reliable change -------------------------------------------------------------------------------


def sem(sd: float, reliability: float) -> float:
    """Standard error of measurement: SD x sqrt(1 - r)."""
    return sd * math.sqrt(1.0 - reliability)


def s_diff(sd: float, reliability: float) -> float:
    """Standard error of a difference between two scores: sqrt(2) x SEM."""
    return math.sqrt(2.0) * sem(sd, reliability)


def rc_index(before: float, after: float, sd: float, reliability: float) -> float:
    """The reliable change index RC = (after - before) / S_diff."""
    return (after - before) / s_diff(sd, reliability)


def threshold(s_diff_: float, step: float = 0.0) -> float:
    """How far a score must move to be a reliable change: Z x S_diff, plus half a score step.

    Scores are whole-number answers averaged (or summed), so a change moves in steps of `step`; the half
    step is the continuity correction for that (without it, discrete scores with uneven answer noise are
    called reliable somewhat more often than 5 % under no true change). A change of a single step (one
    answer moved by one notch) is never enough, however small S_diff is.
    """
    return max(Z * s_diff_ + step / 2.0, step)


def verdict(change: float, bound: float, higher_is: str) -> str:
    """ "improved", "worsened" or "no reliable change" for a change against `threshold(...)`."""
    if not abs(change) > bound:
        return NO_CHANGE
    better = change > 0 if higher_is == "better" else change < 0
    return IMPROVED if better else WORSENED


def se_difference(se_a: float, se_b: float) -> float:
    """The error of a gap between two people's scores: SE_D = sqrt(SE_A^2 + SE_B^2)."""
    return math.sqrt(se_a * se_a + se_b * se_b)


# -- clinical significance -------------------------------------------------------------------------


def clinical_cutoff(clinical_mean: float, clinical_sd: float, community_mean: float, community_sd: float) -> float:
    """Jacobson & Truax's criterion c: the point between the two populations weighted by their spreads."""
    return (clinical_sd * community_mean + community_sd * clinical_mean) / (clinical_sd + community_sd)


def on_community_side(score: float, cutoff: float, community_mean: float, clinical_mean: float) -> bool:
    """True when `score` lies past the cut-off on the community population's side."""
    return score > cutoff if community_mean > clinical_mean else score < cutoff


def clinical_class(
    before: float, after: float, change_verdict: str, cutoff: float, community_mean: float, clinical_mean: float
) -> str:
    """recovered / improved / unchanged / deteriorated (Jacobson & Truax), or "" when the change can't be told.

    Recovered: a reliable improvement that crossed from the clinical side of the cut-off to the community side.
    Improved: a reliable improvement that did not (yet) cross it. Deteriorated: a reliable worsening.
    """
    if change_verdict == IMPROVED:
        crossed = not on_community_side(before, cutoff, community_mean, clinical_mean) and on_community_side(
            after, cutoff, community_mean, clinical_mean
        )
        return RECOVERED if crossed else CLASS_IMPROVED
    if change_verdict == WORSENED:
        return DETERIORATED
    if change_verdict == NO_CHANGE:
        return UNCHANGED
    return ""


# -- reliability from the data ---------------------------------------------------------------------


def cronbach_alpha(answers: np.ndarray) -> float:
    """Cronbach's alpha of a people x items matrix (rows with a missing answer are left out); NaN if undefined."""
    x = np.asarray(answers, dtype=float)
    if x.ndim != 2:
        return math.nan
    x = x[~np.isnan(x).any(axis=1)]
    n, k = x.shape
    if k < 2 or n < 3:
        return math.nan
    total = x.sum(axis=1).var(ddof=1)
    if total <= 0:
        return math.nan
    return float(k / (k - 1) * (1.0 - x.var(axis=0, ddof=1).sum() / total))


# -- trends ----------------------------------------------------------------------------------------


def theil_sen(t: Sequence[float], y: Sequence[float]) -> float:
    """The Theil-Sen slope: the median of the slopes between every pair of points (per unit of t)."""
    tt, yy = np.asarray(t, dtype=float), np.asarray(y, dtype=float)
    i, j = np.triu_indices(len(tt), k=1)
    dt_ = tt[j] - tt[i]
    keep = dt_ != 0
    if not keep.any():
        return math.nan
    return float(np.median((yy[j] - yy[i])[keep] / dt_[keep]))


def mann_kendall_s(y: Sequence[float]) -> int:
    """Kendall's S = sum over i < j of sign(y_j - y_i)."""
    yy = np.asarray(y, dtype=float)
    i, j = np.triu_indices(len(yy), k=1)
    return int(np.sign(yy[j] - yy[i]).sum())


def _times_q_int(poly: list[int], j: int) -> list[int]:
    """poly x [j]_q, where [j]_q = 1 + q + ... + q^(j-1) (a sliding sum)."""
    out = [0] * (len(poly) + j - 1)
    running = 0
    for i in range(len(out)):
        if i < len(poly):
            running += poly[i]
        if i - j >= 0:
            running -= poly[i - j]
        out[i] = running
    return out


def _divide_q_int(poly: list[int], j: int) -> list[int]:
    """poly / [j]_q, exactly (the caller guarantees divisibility)."""
    if j <= 1:
        return list(poly)
    # poly / [j] = poly x (1 - q) / (1 - q^j)
    diff = [poly[i] - (poly[i - 1] if i else 0) for i in range(len(poly))] + [-poly[-1]]
    out = [0] * len(diff)
    for i in range(len(diff)):
        out[i] = diff[i] + (out[i - j] if i >= j else 0)
    return out[: len(poly) - j + 1]


@lru_cache(maxsize=256)
def _inversion_counts(counts: tuple[int, ...]) -> tuple[int, ...]:
    """How many distinct orderings of a multiset (value multiplicities `counts`) have 0, 1, 2, ... inversions.

    The generating function is the q-multinomial coefficient [n; m1, ..., mk]_q = [n]_q! / prod [mi]_q!.
    """
    poly = [1]
    for j in range(2, sum(counts) + 1):
        poly = _times_q_int(poly, j)
    for m in counts:
        for j in range(2, m + 1):
            poly = _divide_q_int(poly, j)
    return tuple(poly)


def mann_kendall_exact(y: Sequence[float]) -> tuple[int, float]:
    """(S, exact two-sided p) of the Mann-Kendall test: P(|S| >= |s|) over all orderings of the values.

    Ties are handled exactly: under no trend every distinct ordering of the observed values is equally
    likely, and tied pairs add nothing to S.
    """
    yy = [float(v) for v in y]
    n = len(yy)
    s = mann_kendall_s(yy)
    if n < 2:
        return s, 1.0
    _, mult = np.unique(np.asarray(yy), return_counts=True)
    counts = tuple(sorted(int(m) for m in mult))
    untied = n * (n - 1) // 2 - sum(m * (m - 1) // 2 for m in counts)
    dist = _inversion_counts(counts)
    total = sum(dist)
    # S = untied - 2 x inversions
    extreme = sum(c for inv, c in enumerate(dist) if abs(untied - 2 * inv) >= abs(s))
    return s, min(1.0, extreme / total)


@dataclass(frozen=True)
class Trend:
    """A robust trend over `n` points spanning `span` units of t from `start` (the first point's t): slope per
    unit, Kendall's S, exact p, and 'up', 'down' or ''."""

    n: int
    span: int
    slope: float
    s: int
    p: float
    direction: str  # "up" or "down" when p < TREND_P, else ""
    start: float = 0.0


def trend(t: Sequence[float], y: Sequence[float], min_points: int, p_below: float = TREND_P) -> Trend | None:
    """A Theil-Sen slope with an exact Mann-Kendall test, or None with fewer than `min_points` points."""
    pairs = [(float(a), float(b)) for a, b in zip(t, y, strict=True) if not (math.isnan(a) or math.isnan(b))]
    if len(pairs) < min_points:
        return None
    pairs.sort()
    tt, yy = [a for a, _ in pairs], [b for _, b in pairs]
    s, p = mann_kendall_exact(yy)
    slope = theil_sen(tt, yy)
    direction = ("up" if s > 0 else "down") if p < p_below and s != 0 else ""
    return Trend(len(yy), round(tt[-1] - tt[0]) + 1, slope, s, p, direction, tt[0])
