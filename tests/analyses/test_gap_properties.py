"""Properties of the gap analysis on random data: driver effects add up to the gap for
any signs, and the localiser's answer does not depend on units, the order of the
dimensions or the names of their values."""

import itertools

import numpy as np
import pandas as pd
from hypothesis import assume, given, settings, strategies as st

from salesanalysis.analyses.gap import decompose, localise
from salesanalysis.analyses.gap.drivers import Tree

DIMS = ["territory", "segment", "product"]
VALUES = {"territory": ["N", "S", "E", "W"], "segment": ["A", "B", "C"],
          "product": ["P1", "P2", "P3", "P4"]}


@st.composite
def planted(draw):
    """A 4 x 3 x 4 cube of uneven expected values with 1% noise, and one or two causes of
    one to three dimensions each moving their leaves by 30-60%."""
    seed = draw(st.integers(0, 2**32 - 1))
    rng = np.random.default_rng(seed)
    leaves = pd.DataFrame(list(itertools.product(*VALUES.values())), columns=DIMS)
    leaves["expected"] = rng.lognormal(8, 1, len(leaves))
    leaves["actual"] = leaves["expected"] * rng.normal(1, 0.01, len(leaves))
    for _ in range(draw(st.integers(1, 2))):
        dims = draw(st.lists(st.sampled_from(DIMS), min_size=1, max_size=3, unique=True))
        inside = np.ones(len(leaves), bool)
        for d in dims:
            inside &= (leaves[d] == draw(st.sampled_from(VALUES[d]))).to_numpy()
        move = draw(st.sampled_from([0.4, 0.6, 1.3, 1.6]))
        leaves.loc[inside, "actual"] *= move
    return leaves


def causes(found) -> set[frozenset]:
    return {frozenset(where.items()) for where in found.causes["where"]}


def found_in(leaves) -> set[frozenset]:
    """The causes of the unchanged cube; a cube where none is found says nothing of
    invariance (when most of a cube moved, its noise model takes the move for noise)."""
    out = causes(localise(leaves, dims=DIMS))
    assume(out)
    return out


SEARCH = settings(max_examples=25, deadline=None)


@SEARCH
@given(planted(), st.sampled_from([1e-3, 7.0, 1e4]))
def test_the_answer_does_not_depend_on_the_unit(leaves, factor):
    scaled = leaves.assign(actual=leaves["actual"] * factor,
                           expected=leaves["expected"] * factor)
    assert causes(localise(scaled, dims=DIMS)) == found_in(leaves)


@SEARCH
@given(planted(), st.permutations(DIMS))
def test_the_answer_does_not_depend_on_the_order_of_the_dimensions(leaves, order):
    reordered = leaves[[*order, "actual", "expected"]]
    assert causes(localise(reordered, dims=order)) == found_in(leaves)


@SEARCH
@given(planted(), st.randoms(use_true_random=False))
def test_the_answer_does_not_depend_on_the_names_of_the_values(leaves, random):
    names = {}
    for d, values in VALUES.items():
        new = [f"{d}-{i}" for i in range(len(values))]
        random.shuffle(new)  # a new name and a new sort order
        names[d] = dict(zip(values, new))
    renamed = leaves.assign(**{d: leaves[d].map(names[d]) for d in DIMS})
    expected = {frozenset((d, names[d][v]) for d, v in cause)
                for cause in found_in(leaves)}
    assert causes(localise(renamed, dims=DIMS)) == expected


@SEARCH
@given(planted())
def test_a_planted_one_dimension_cause_alone_is_found(leaves):
    # a cause along one dimension with every other leaf unmoved: found exactly
    flat = leaves.assign(actual=leaves["expected"])
    flat.loc[flat["segment"] == "B", "actual"] *= 0.5
    assert causes(localise(flat, dims=DIMS)) == {frozenset({("segment", "B")})}


any_sign = st.floats(-1e4, 1e4, allow_nan=False).map(lambda v: 0.0 if abs(v) < 1e-3 else v)
FUNNEL = Tree("Revenue", "product", [
    "activities", Tree("Offers per activity", "ratio", ["offers", "activities"]),
    Tree("Revenue per offer", "ratio", ["revenue", "offers"])])
NET = Tree("Net", "sum", ["revenue", Tree("Credit", "product", ["returns", "price"])])


@settings(max_examples=300, deadline=None)
@given(st.sampled_from([FUNNEL, NET]), st.lists(any_sign, min_size=5, max_size=5),
       st.lists(any_sign, min_size=5, max_size=5), st.booleans())
def test_effects_add_up_to_the_gap_for_any_signs(tree, before, after, expand):
    names = ["activities", "offers", "revenue", "returns", "price"]
    x0, x1 = dict(zip(names, before)), dict(zip(names, after))
    try:
        gap = tree.value(x1) - tree.value(x0)
    except ZeroDivisionError:
        return  # a ratio of the tree does not exist on one side: nothing to split
    effects = decompose(tree, x0, x1, expand=expand)
    scale = max(abs(tree.value(x1)), abs(tree.value(x0)), *np.abs(effects), 1e-12)
    assert abs(effects.sum() - gap) <= 1e-9 * scale
