import math

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings, strategies as st

from salesanalysis.analyses.gap import drivers
from salesanalysis.analyses.gap.drivers import PROSPECTING, REVENUE, Tree, decompose
from salesanalysis.analyses.gap.segments import driver_matrix, mix_rate, price_volume_mix


def product(n):
    return Tree("kpi", "product", [f"x{i}" for i in range(n)])


def values(xs):
    return {f"x{i}": v for i, v in enumerate(xs)}


# --- small examples worked by hand ---------------------------------------------------

def test_lmdi_two_factors_by_hand():
    # 10 x 2 = 20 -> 12 x 3 = 36; L(36, 20) = 16 / ln(1.8) = 27.2208
    effects = decompose(product(2), values([10, 2]), values([12, 3]), method="lmdi")
    assert effects["x0"] == pytest.approx(27.2208 * math.log(1.2), rel=1e-4)  # 4.963
    assert effects["x1"] == pytest.approx(27.2208 * math.log(1.5), rel=1e-4)  # 11.037
    assert effects.sum() == pytest.approx(16)


def test_shapley_two_factors_by_hand():
    # x0: ((12-10) x 2 + (12-10) x 3) / 2 = 5; x1: (10 x 1 + 12 x 1) / 2 = 11
    effects = decompose(product(2), values([10, 2]), values([12, 3]), method="shapley")
    assert effects.tolist() == pytest.approx([5, 11])


def test_revenue_tree_by_hand():
    before = {"activities": 100, "offers": 20, "wins": 5, "revenue": 50_000}
    after = {"activities": 80, "offers": 20, "wins": 4, "revenue": 48_000}
    effects = decompose(REVENUE, before, after)
    # L(48000, 50000) = -2000 / ln(0.96) = 48,993.2
    low = 48_993.2 * math.log(0.8)  # -10,932.5
    assert effects["activities"] == pytest.approx(low, rel=1e-5)
    assert effects["Offers per activity"] == pytest.approx(-low, rel=1e-5)  # 0.20 -> 0.25
    assert effects["Win rate"] == pytest.approx(low, rel=1e-5)  # 25% -> 20%
    assert effects["Revenue per win"] == pytest.approx(48_993.2 * math.log(1.2), rel=1e-5)
    assert effects.sum() == pytest.approx(-2_000)


def test_expand_splits_a_ratio_driver_into_its_parts():
    before = {"activities": 100, "unique_prospects": 50, "offers": 10}
    after = {"activities": 100, "unique_prospects": 40, "offers": 10}
    effects = decompose(PROSPECTING, before, after, expand=True)
    # offers did not change; the prospects' fall moves two drivers by equal and opposite
    assert effects.sum() == pytest.approx(0, abs=1e-12)
    assert effects["Prospects per activity › unique_prospects"] < 0
    assert effects["Offers per prospect › unique_prospects"] > 0


def test_new_segment_takes_the_limit_not_a_small_number():
    # was 0 x 5, is 4 x 5: the factor that was zero brings all of 20
    assert decompose(product(2), values([0, 5]), values([4, 5])).tolist() == [20, 0]
    # two factors were zero: they share it
    assert decompose(product(3), values([0, 0, 2]), values([1, 3, 2])).tolist() == [3, 3, 0]


def test_lost_segment_and_factor_falling_to_zero():
    assert decompose(product(2), values([3, 2]), values([3, 0])).tolist() == [0, -6]
    assert decompose(product(2), values([0, 2]), values([3, 0])).tolist() == [0, 0]


def test_sum_tree_is_the_change_of_each_part():
    tree = Tree("orders", "sum", ["new", "repeat"])
    assert decompose(tree, {"new": 5, "repeat": 7}, {"new": 8, "repeat": 3}).tolist() == [3, -4]


def test_lmdi_refuses_negative_values_and_auto_uses_shapley():
    with pytest.raises(ValueError, match="method='shapley'"):
        decompose(product(2), values([-1, 2]), values([3, 2]), method="lmdi")
    effects = decompose(product(2), values([-1, 2]), values([3, 2]))
    assert effects.tolist() == pytest.approx([8, 0])


def test_errors_name_what_is_wrong():
    with pytest.raises(KeyError, match="baseline lacks wins"):
        decompose(REVENUE, {"activities": 1, "offers": 1, "revenue": 1}, {})
    with pytest.raises(ValueError, match="method must be one of"):
        decompose(product(2), values([1, 1]), values([1, 1]), method="fast")
    with pytest.raises(ValueError, match="a ratio has two parts"):
        Tree("bad", "ratio", ["a", "b", "c"])
    with pytest.raises(ValueError, match="kind must be one of"):
        Tree("bad", "quotient", ["a", "b"])


def test_mix_rate_by_hand():
    # A stays at 30%, B at 10%, but B's share of offers grows from 1/2 to 2/3
    before = pd.DataFrame({"segment": ["A", "B"], "wins": [30, 10], "offers": [100, 100]})
    after = pd.DataFrame({"segment": ["A", "B"], "wins": [30, 20], "offers": [100, 200]})
    out = mix_rate(before, after, by="segment", numerator="wins", denominator="offers")
    assert out["rate"].tolist() == pytest.approx([0, 0])
    # overall average (0.2 + 1/6) / 2 = 0.18333
    assert out["mix"].tolist() == pytest.approx([(1 / 3 - 1 / 2) * (0.3 - 0.183333),
                                                 (2 / 3 - 1 / 2) * (0.1 - 0.183333)], rel=1e-4)
    assert out["total"].sum() == pytest.approx(50 / 300 - 40 / 200)


def test_mix_rate_with_new_segment_is_all_mix():
    before = pd.DataFrame({"segment": ["A"], "wins": [30], "offers": [100]})
    after = pd.DataFrame({"segment": ["A", "N"], "wins": [30, 10], "offers": [100, 100]})
    out = mix_rate(before, after, by="segment", numerator="wins", denominator="offers")
    assert out.set_index("segment").loc["N", "rate"] == 0
    assert out["total"].sum() == pytest.approx(40 / 200 - 0.3)


def test_price_volume_mix_by_hand():
    before = pd.DataFrame({"product": ["A", "B"], "units": [10, 10], "revenue": [1000, 500]})
    after = pd.DataFrame({"product": ["A", "B"], "units": [12, 18], "revenue": [1320, 900]})
    out = price_volume_mix(before, after, by="product", quantity="units",
                           revenue="revenue").set_index("product")
    assert out["volume"].tolist() == pytest.approx([500, 250])  # 10 more units at 75 avg
    assert out["mix"].tolist() == pytest.approx([-300, 150])  # 30 x (0.4-0.5) x 100, ...
    assert out["price"].tolist() == pytest.approx([120, 0])  # 12 x (110 - 100)
    assert out["total"].tolist() == pytest.approx([320, 400])


def test_driver_matrix_rows_and_columns_add_up():
    before = pd.DataFrame({"segment": ["SMB", "Mid", "Lost"],
                           "activities": [100, 50, 20], "offers": [20, 10, 4],
                           "wins": [5, 3, 1], "revenue": [50_000, 60_000, 9_000]})
    after = pd.DataFrame({"segment": ["SMB", "Mid", "New"],
                          "activities": [90, 60, 10], "offers": [20, 9, 3],
                          "wins": [6, 1, 1], "revenue": [54_000, 25_000, 7_000]})
    matrix = driver_matrix(REVENUE, before, after, by="segment")
    gaps = {"SMB": 4_000, "Mid": -35_000, "Lost": -9_000, "New": 7_000}
    for segment, gap in gaps.items():
        assert matrix.loc[segment, "total"] == pytest.approx(gap)
        assert matrix.loc[segment, REVENUE.labels()].sum() == pytest.approx(gap)
    assert matrix["total"].sum() == pytest.approx(86_000 - 119_000)
    assert matrix.loc["New", "activities"] == pytest.approx(7_000)


def test_driver_matrix_gives_a_first_win_to_the_win_rate():
    # Enterprise: same activity and offers, no win before, one win of 40,000 now
    before = pd.DataFrame({"segment": ["Enterprise"], "activities": [50], "offers": [4],
                           "wins": [0], "revenue": [0.0]})
    after = before.assign(wins=1, revenue=40_000.0)
    row = driver_matrix(REVENUE, before, after, by="segment").loc["Enterprise"]
    assert row["Win rate"] == pytest.approx(40_000)
    assert row[["activities", "Offers per activity", "Revenue per win"]].abs().sum() == 0


# --- properties ----------------------------------------------------------------------

positive = st.one_of(st.just(0.0), st.floats(0.01, 1e4))
any_sign = st.floats(-1e4, 1e4).filter(lambda v: abs(v) > 1e-3 or v == 0)


def close(a, b, scale):
    return abs(a - b) <= 1e-9 * max(scale, 1e-12)


def factor_pairs(elements):
    """The factors of a product of 1 to 6 drivers, before and after."""
    return st.integers(1, 6).flatmap(
        lambda n: st.tuples(*[st.lists(elements, min_size=n, max_size=n)] * 2))


@pytest.mark.parametrize("method, elements", [("lmdi", positive), ("shapley", any_sign)])
def test_product_effects_add_up_to_the_change(method, elements):
    @settings(max_examples=300, deadline=None)
    @given(factor_pairs(elements))
    def check(pair):
        x0, x1 = pair
        v0, v1 = float(np.prod(x0)), float(np.prod(x1))
        effects = decompose(product(len(x0)), values(x0), values(x1), method=method)
        assert np.isfinite(effects).all()
        assert close(effects.sum(), v1 - v0, max(abs(v0), abs(v1), *np.abs(effects)))

    check()


@settings(max_examples=200, deadline=None)
@given(st.data())
def test_nested_trees_add_up(data):
    # revenue = (new + repeat customers) x orders per customer x (value / orders)
    tree = Tree("revenue", "product", [
        Tree("customers", "sum", ["new", "repeat"]),
        Tree("orders per customer", "ratio", ["orders", "customers"]),
        Tree("order value", "ratio", ["value", "orders"]),
    ])
    draw = lambda: {"new": data.draw(st.floats(0, 100)), "repeat": data.draw(st.floats(1, 100)),
                    "customers": data.draw(st.floats(1, 200)),
                    "orders": data.draw(st.floats(1, 500)),
                    "value": data.draw(st.floats(1, 1e5))}
    before, after = draw(), draw()
    change = tree.value(after) - tree.value(before)
    for expand in (False, True):
        effects = decompose(tree, before, after, expand=expand)
        assert close(effects.sum(), change, max(abs(tree.value(after)), abs(tree.value(before))))


@settings(max_examples=200, deadline=None)
@given(st.data())
def test_lmdi_and_shapley_agree_on_typical_funnels(data):
    # every base number of the funnel moving by up to 20% (a ratio driver up to 50%)
    base = {"activities": data.draw(st.floats(200, 2_000)),
            "offers": data.draw(st.floats(20, 150)), "wins": data.draw(st.floats(5, 20)),
            "revenue": data.draw(st.floats(5e4, 5e5))}
    after = {k: v * data.draw(st.floats(0.8, 1.2)) for k, v in base.items()}
    lmdi = decompose(REVENUE, base, after, method="lmdi")
    shapley = decompose(REVENUE, base, after, method="shapley")
    scale = shapley.abs().sum()
    assert (lmdi - shapley).abs().max() <= 0.02 * scale


segments = st.lists(st.tuples(st.sampled_from(["A", "B", "C", "D", "E"]),
                              st.integers(0, 50), st.integers(0, 200)),
                    min_size=1, max_size=5, unique_by=lambda t: t[0])


@settings(max_examples=200, deadline=None)
@given(segments, segments)
def test_mix_rate_adds_up_with_new_and_lost_segments(before_rows, after_rows):
    before = pd.DataFrame(before_rows, columns=["segment", "wins", "offers"])
    after = pd.DataFrame(after_rows, columns=["segment", "wins", "offers"])
    before["wins"] = np.minimum(before["wins"], before["offers"])
    after["wins"] = np.minimum(after["wins"], after["offers"])
    if before["offers"].sum() == 0 or after["offers"].sum() == 0:
        with pytest.raises(ZeroDivisionError):
            mix_rate(before, after, by="segment", numerator="wins", denominator="offers")
        return
    out = mix_rate(before, after, by="segment", numerator="wins", denominator="offers")
    change = after["wins"].sum() / after["offers"].sum() - before["wins"].sum() / before["offers"].sum()
    assert close(out["total"].sum(), change, 1)


@settings(max_examples=200, deadline=None)
@given(segments, segments)
def test_driver_matrix_adds_up_with_new_and_lost_segments(before_rows, after_rows):
    def frame(rows):
        f = pd.DataFrame(rows, columns=["segment", "wins", "activities"])
        return f.assign(offers=f["activities"] // 3 + f["wins"], revenue=f["wins"] * 1_000.0)
    before, after = frame(before_rows), frame(after_rows)
    matrix = driver_matrix(REVENUE, before, after, by="segment")
    change = after["revenue"].sum() - before["revenue"].sum()
    scale = max(after["revenue"].sum(), before["revenue"].sum(), 1)
    assert close(matrix["total"].sum(), change, scale)
    assert close(matrix[REVENUE.labels()].to_numpy().sum(), change, scale)
    per_segment = (after.set_index("segment")["revenue"]
                   .sub(before.set_index("segment")["revenue"], fill_value=0))
    for segment, gap in per_segment.items():
        assert close(matrix.loc[segment, REVENUE.labels()].sum(), gap, scale)


def test_shapley_refuses_too_many_drivers():
    with pytest.raises(ValueError, match="at most 12"):
        decompose(product(drivers.MAX_SHAPLEY + 1), values([1] * 13), values([2] * 13),
                  method="shapley")


def trees(depth=2):
    """Random driver trees over base numbers x0..x5: products, sums and ratios, nested."""
    names = st.sampled_from([f"x{i}" for i in range(6)])
    if depth == 0:
        return names
    part = st.one_of(names, st.deferred(lambda: trees(depth - 1)))
    return st.one_of(
        st.builds(lambda parts: Tree("p", "product", parts), st.lists(part, min_size=1, max_size=4)),
        st.builds(lambda parts: Tree("s", "sum", parts), st.lists(part, min_size=1, max_size=4)),
        st.builds(lambda a, b: Tree("r", "ratio", [a, b]), part, part))


@settings(max_examples=300, deadline=None)
@given(trees(), st.lists(positive, min_size=6, max_size=6),
       st.lists(positive, min_size=6, max_size=6), st.sampled_from(["auto", "shapley"]),
       st.booleans())
def test_random_trees_add_up_with_zeros(tree, x0, x1, method, expand):
    before, after = values(x0), values(x1)
    try:
        change = tree.value(after) - tree.value(before)
        effects = decompose(tree, before, after, method=method, expand=expand)
    except ZeroDivisionError:
        return  # a ratio of the tree does not exist: refused, not guessed
    scale = max(abs(tree.value(after)), abs(tree.value(before)), *np.abs(effects), 1e-12)
    assert close(effects.sum(), change, scale)
