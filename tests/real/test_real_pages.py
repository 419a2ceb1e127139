"""The real pages of ../shared/corpus/real, scored by the shared tools: skipped where they are absent.

The floors are the figures reached when the titles, outline levels, formulations and metadata of issue 16 were
built (at or above the targets: titles 0.90; first-level headings P and R 0.90; formulations P 0.95, R 0.90;
documents counted right on 95% of pages; genre and dates 0.90), so that a change that loses ground fails here.
"""

import pytest

from jianghua.testing.real import missing, score_real_pages

FLOORS = {  # figure: (hits, total in score_real.py's totals, floor)
    "titles": ("titles_alt", "titles_gold", 37 / 38),
    "headings precision": ("head_tp_p", "head_pred", 1.0),
    "headings recall": ("head_tp_r", "head_gold", 1.0),
    "formulations precision": ("form_tp", "form_pred", 1.0),
    "formulations recall": ("form_tp", "form_gold", 1.0),
    "documents counted right": ("ndocs_ok", "ndocs_gold_pages", 1.0),
    "genre": ("meta_genre_ok", "meta_genre_n", 1.0),
    "date": ("meta_date_ok", "meta_date_n", 1.0),
    "speaker role": ("meta_speaker_role_ok", "meta_speaker_role_n", 1.0),
    "meeting": ("meta_meeting_ok", "meta_meeting_n", 10 / 12),
}


@pytest.fixture(scope="module")
def real_score(tmp_path_factory):
    if reason := missing():
        pytest.skip(f"the real pages cannot be scored: {reason}")
    return score_real_pages(tmp_path_factory.mktemp("real"))


@pytest.mark.parametrize("figure", FLOORS)
def test_real_page_figures_hold_their_floor(real_score, figure):
    hits, total, floor = FLOORS[figure]
    assert real_score.ratio(hits, total) >= floor - 1e-9, (figure, real_score.figures)


def test_no_page_without_a_title_gets_one_that_is_not_marked_derived(real_score):
    assert real_score.totals.get("notitle_spurious", 0) == 0, real_score.figures
