"""Which answer scales fit one line on a phone (`ui.scales.fits_one_line`), and the progress bar's rule
(`mendwell.checkin.Progress.shown`)."""

from __future__ import annotations

import pytest

from mendwell.checkin import Progress
from mendwell.instruments import Catalog
from ui.scales import fits_one_line


def test_every_scale_of_the_project_fits_one_line(catalog: Catalog) -> None:
    for inst in catalog.instruments:
        for it in inst.items:
            if it.kind == "likert":
                labels = inst.labels(it)
                assert labels is not None and fits_one_line(labels), (inst.id, it.id, labels)
    assert fits_one_line(["No", "Yes"])


@pytest.mark.parametrize(
    ("labels", "fits"),
    [
        (["Not at all", "A little", "Sometimes", "Often", "Very often"], True),
        (["Not yet", "Partly", "Yes, we mended it"], True),
        ([str(v) for v in range(11)], False),  # 30 px a column: under a comfortable touch target
        ([str(v) for v in range(7)], True),
        (["Strongly disagree", "Disagree", "Somewhat disagree", "Neither", "Somewhat agree", "Agree", "Agree!"], False),
        (["Never", "Extraordinarily", "Always", "Often", "Rarely"], False),  # one word wider than its column
        (["Not at all and not even a little bit this month", "A little", "Sometimes", "Often", "Very"], False),
        (["Only one"], False),
    ],
)
def test_a_scale_fits_when_its_words_fit_their_columns(labels: list[str], fits: bool) -> None:
    assert fits_one_line(labels) is fits


def test_the_bar_never_goes_back_and_never_past_full() -> None:
    assert Progress(42, 49, shown_before=41 / 47).shown == pytest.approx(41 / 47)  # a follow-up appeared
    assert Progress(45, 51, shown_before=41 / 47).shown == pytest.approx(45 / 51)  # caught up: honest again
    assert Progress(42, 49).fraction == pytest.approx(42 / 49)  # the counts stay those of questions asked now
    assert Progress(3, 3, shown_before=1.2).shown == 1.0
    assert Progress(0, 0).shown == 1.0
