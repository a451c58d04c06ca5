import itertools

import numpy as np
import pandas as pd
import pytest

from salesanalysis.errors import SalesAnalysisError
from salesanalysis.analyses.gap import localise

TERRITORIES = ["North", "South", "East", "West"]
SEGMENTS = ["SMB", "Mid-Market", "Enterprise"]
PRODUCTS = ["P1", "P2", "P3", "P4"]


def cube(seed=0, noise=0.02):
    """4 x 3 x 4 leaves with uneven expected values and small multiplicative noise."""
    rng = np.random.default_rng(seed)
    rows = list(itertools.product(TERRITORIES, SEGMENTS, PRODUCTS))
    leaves = pd.DataFrame(rows, columns=["territory", "segment", "product"])
    leaves["expected"] = rng.lognormal(8, 1, len(leaves)).round(2)
    leaves["actual"] = (leaves["expected"] * rng.normal(1, noise, len(leaves))).round(2)
    return leaves


def move(leaves, factor, column="actual", **where):
    out = leaves.copy()
    inside = np.ones(len(out), bool)
    for d, v in where.items():
        inside &= (out[d] == v).to_numpy()
    out.loc[inside, column] = out.loc[inside, column] * factor
    return out, inside


def test_finds_a_two_dimension_cause_not_its_parent_or_children():
    leaves, inside = move(cube(), 0.5, territory="West", segment="SMB")
    found = localise(leaves, dims=["territory", "segment", "product"])
    assert found.combinations() == [{"territory": "West", "segment": "SMB"}]
    cause = found.causes.iloc[0]
    # the numbers of the cause are those of its leaves
    assert cause["actual"] == pytest.approx(leaves.loc[inside, "actual"].sum())
    assert cause["expected"] == pytest.approx(leaves.loc[inside, "expected"].sum())
    gap = leaves["actual"].sum() - leaves["expected"].sum()
    assert cause["share"] == pytest.approx(cause["contribution"] / gap)
    assert 0.8 < cause["share"] < 1.2  # the noise elsewhere adds a little


def test_two_causes_one_up_one_down_ranked_by_surprise():
    leaves, _ = move(cube(1), 0.4, territory="East")
    leaves, _ = move(leaves, 1.6, segment="Enterprise", product="P2")
    found = localise(leaves, dims=["territory", "segment", "product"])
    assert sorted(found.causes["cause"]) == ["segment=Enterprise & product=P2", "territory=East"]
    assert (found.causes["score"].diff().dropna() <= 0).all()


def test_noise_alone_finds_nothing():
    found = localise(cube(2, noise=0.05), dims=["territory", "segment", "product"])
    assert found.causes.empty


def test_ratio_cause_is_a_change_of_rate_not_of_mix():
    rng = np.random.default_rng(3)
    rows = list(itertools.product(TERRITORIES, SEGMENTS, PRODUCTS))
    leaves = pd.DataFrame(rows, columns=["territory", "segment", "product"])
    leaves["offers"] = rng.integers(40, 120, len(leaves))
    leaves["wins"] = rng.binomial(leaves["offers"], 0.3)
    leaves["offers_plan"] = leaves["offers"]
    leaves["wins_plan"] = leaves["offers"] * 0.3
    # Mid-Market's rate falls to 5%; North doubles its offers at the usual rate (mix only)
    mid = (leaves["segment"] == "Mid-Market").to_numpy()
    leaves.loc[mid, "wins"] = rng.binomial(leaves.loc[mid, "offers"], 0.05)
    north = (leaves["territory"] == "North").to_numpy()
    leaves.loc[north, "offers"] *= 2
    leaves.loc[north, "wins"] = rng.binomial(leaves.loc[north, "offers"], np.where(
        mid[north], 0.05, 0.3))
    found = localise(leaves, dims=["territory", "segment", "product"], kind="ratio",
                     actual=("wins", "offers"), expected=("wins_plan", "offers_plan"))
    assert found.combinations() == [{"segment": "Mid-Market"}]
    cause = found.causes.iloc[0]
    assert cause["actual"] == pytest.approx(leaves.loc[mid, "wins"].sum()
                                            / leaves.loc[mid, "offers"].sum())
    assert cause["expected"] == pytest.approx(0.3)


def test_deterministic_whatever_the_row_order():
    leaves, _ = move(cube(4), 0.6, product="P3", territory="South")
    first = localise(leaves, dims=["territory", "segment", "product"])
    shuffled = leaves.sample(frac=1, random_state=1)
    second = localise(shuffled, dims=["territory", "segment", "product"])
    pd.testing.assert_frame_equal(first.causes.drop(columns="where"),
                                  second.causes.drop(columns="where"))


def test_missing_dimension_values_are_a_value_of_their_own():
    leaves = cube(5)
    leaves["territory"] = leaves["territory"].astype(object)
    leaves.loc[leaves["territory"] == "North", "territory"] = None
    leaves, _ = move(leaves, 0.3, segment="SMB")
    found = localise(leaves, dims=["territory", "segment", "product"])
    assert found.combinations() == [{"segment": "SMB"}]


def test_bad_values_are_all_reported_with_row_and_column():
    leaves = cube()
    leaves["actual"] = leaves["actual"].astype(object)
    leaves.loc[3, "actual"] = "n/a"
    leaves.loc[7, "expected"] = -5.0
    with pytest.raises(SalesAnalysisError) as error:
        localise(leaves, dims=["territory", "segment"])
    message = str(error.value)
    assert "row 3, column 'actual': 'n/a'" in message
    assert "row 7, column 'expected': -5.0" in message


def test_argument_errors():
    leaves = cube()
    with pytest.raises(KeyError, match="'channel'"):
        localise(leaves, dims=["territory", "channel"])
    with pytest.raises(ValueError, match="kind must be 'sum' or 'ratio'"):
        localise(leaves, dims=["territory"], kind="mean")
    with pytest.raises(ValueError, match=r"\(numerator, denominator\)"):
        localise(leaves, dims=["territory"], kind="ratio")
    with pytest.raises(ValueError, match="max_layer"):
        localise(leaves, dims=["territory"], max_layer=0)


def test_html_shows_each_cause_escaped():
    leaves = cube()
    leaves["segment"] = leaves["segment"].replace("SMB", "<b>SMB</b>")
    leaves, _ = move(leaves, 0.3, segment="<b>SMB</b>")
    html = localise(leaves, dims=["territory", "segment", "product"])._repr_html_()
    assert "segment=&lt;b&gt;SMB&lt;/b&gt;" in html
    assert "<b>SMB" not in html
