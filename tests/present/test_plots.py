"""Charts that read: a bridge whose steps go the way their sign says and that ends at the
actual even when it is 0; bars capped where one outlier would flatten the others."""

import matplotlib

matplotlib.use("Agg")

import pandas as pd  # noqa: E402

from salesanalysis.present import plots  # noqa: E402


def _bars(ax):
    return [(round(p.get_y(), 6), round(p.get_y() + p.get_height(), 6)) for p in ax.patches]


def test_a_bridge_to_zero_goes_down_and_shows_its_end():
    steps = pd.DataFrame({"step": ["target", "win rate", "actual"],
                          "value": [16900.0, -16900.0, 0.0]})
    ax = plots.waterfall(steps, totals=("target", "actual"), title="t")
    assert _bars(ax) == [(0, 16900), (0, 16900), (0, 0)]
    texts = [t.get_text() for t in ax.texts]
    assert texts == ["16,900", "-16,900", "0"]  # every bar carries its value
    # the end at 0 is drawn as a line, and each bar joins the next at the running total
    lines = [(c.get_segments()[0][0][1], c.get_segments()[0][1][1]) for c in ax.collections]
    assert (0.0, 0.0) in lines and (16900.0, 16900.0) in lines


def test_a_step_up_and_a_step_down_start_at_the_running_total():
    steps = pd.DataFrame({"step": ["previous", "offers", "price", "actual"],
                          "value": [100.0, 50.0, -30.0, 120.0]})
    ax = plots.waterfall(steps, totals=("previous", "actual"), title="t")
    assert _bars(ax) == [(0, 100), (100, 150), (120, 150), (0, 120)]
    assert [t.get_text() for t in ax.texts] == ["100", "+50", "-30", "120"]


def test_one_outlier_is_capped_and_labelled_and_a_rep_past_target_is_named():
    frame = pd.DataFrame({"rep": list("ABCDE"), "coverage": [1.0, 2.0, 2.5, 3.0, 294.6],
                          "need": [3.0] * 5, "note": [None] * 5})
    frame.loc[5] = ["F", None, 3.0, "target reached"]
    ax = plots.against_target(frame, label="rep", actual="coverage", target="need",
                              cap="auto", notes="note", title="t")
    assert ax.get_xlim()[1] < 10  # not stretched to 294.6
    texts = [t.get_text() for t in ax.texts]
    assert "294.6 (beyond the axis)" in texts and "target reached" in texts
