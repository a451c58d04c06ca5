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


def _rep_frame(reps, periods=("2025-01", "2025-02")):
    rows = [{"rep": rep, "name": f"N{rep}", "role": role, "period": p, "actual": float(v + i),
             "target": 5.0, "low": 1.0, "high": 3.0}
            for rep, role, v in reps for i, p in enumerate(periods)]
    return pd.DataFrame(rows)


def test_small_multiples_give_each_rep_a_panel_with_band_target_and_role_colour():
    frame = _rep_frame([("R1", "field", 1), ("R2", "inside", 2), ("R3", None, 3)])
    axes = plots.small_multiples(frame, y="actual", by="rep", label="name", target="target",
                                 band=("low", "high"), role="role", title="Revenue per rep")
    assert [ax.get_title(loc="left") for ax in axes] == ["NR1", "NR2", "NR3"]
    colours = [ax.lines[0].get_color() for ax in axes]
    assert colours == [plots.ROLE_COLOURS["field"], plots.ROLE_COLOURS["inside"], plots.NO_ROLE]
    assert all(ax.lines[1].get_linestyle() == "--" for ax in axes)  # the target
    assert all(len(ax.collections) == 1 for ax in axes)  # the band
    legend = [t.get_text() for t in axes[0].figure.legends[0].get_texts()]
    assert legend == ["field rep", "inside rep", "no role rep", "target", "peers"]


def test_small_multiples_stop_at_the_limit_and_say_so():
    frame = _rep_frame([(f"R{i}", "field", i) for i in range(1, 8)])
    axes = plots.small_multiples(frame, y="actual", by="rep", title="Revenue per rep", limit=5)
    assert len(axes) == 5
    assert "the first 5 of 7" in axes[0].figure.get_suptitle()


def test_each_group_of_a_trend_has_its_target_in_its_own_colour():
    frame = _rep_frame([("R1", "field", 1), ("R2", "inside", 2)])
    frame.loc[frame["rep"] == "R2", "target"] = float("nan")
    ax = plots.trend(frame, y="actual", hue="rep", target="target", title="t")
    solid, dashed = ax.lines[0], ax.lines[1]
    assert dashed.get_linestyle() == "--" and dashed.get_color() == solid.get_color()
    assert list(dashed.get_ydata()) == [5.0, 5.0]
    # R2 has no target: its line only, then the legend's dashed sample
    assert [line.get_linestyle() for line in ax.lines] == ["-", "--", "-", "--"]
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["R1", "R2", "target (dashed)"]


def test_a_span_says_when_in_words():
    assert plots.span(["2025-11", "2024-12", "2025-03"]) == "Dec 2024 \u2013 Nov 2025"
    assert plots.span(["2025-Q1", "2025-Q2"]) == "2025-Q1 \u2013 2025-Q2"
    assert plots.span(["2025-11"]) == "Nov 2025"


def test_ranking_bars_take_the_role_colours():
    frame = pd.DataFrame({"name": ["A", "B"], "role": ["inside", "field"], "value": [1.0, 2.0]})
    ax = plots.ranking(frame, value="value", label="name", role="role", title="t")
    colours = [matplotlib.colors.to_hex(p.get_facecolor()) for p in ax.patches]
    assert colours == [plots.ROLE_COLOURS["field"], plots.ROLE_COLOURS["inside"]]
