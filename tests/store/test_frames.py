"""Query results that are empty still merge and group like any other frame."""

import ibis
import pandas as pd

from salesanalysis.store.frames import mergeable, to_pandas


def empty_result():
    t = ibis.memtable(pd.DataFrame({"rep": ["a"], "team": ["t"], "n": [1]}))
    return t.filter(t.n > 5)


def test_an_empty_result_merges_on_two_text_keys():
    left = to_pandas(empty_result())
    merged = left.merge(left, on=["rep", "team"], how="outer", suffixes=("", "_b"))
    assert merged.empty and list(merged.columns) == ["rep", "team", "n", "n_b"]
    assert merged["rep"].dtype == left["rep"].dtype


def test_an_empty_group_by_result_merges_after_mergeable():
    frame = pd.DataFrame({"rep": ["a"], "team": ["t"], "n": [1]})
    grouped = mergeable(frame[frame["n"] > 5].groupby(["rep", "team"], as_index=False)["n"].sum())
    assert grouped.merge(grouped, on=["rep", "team"], how="outer").empty


def test_a_non_empty_frame_and_a_scalar_pass_through():
    t = ibis.memtable(pd.DataFrame({"rep": ["a", "b"], "n": [1, 2]}))
    assert to_pandas(t)["n"].tolist() == [1, 2]
    assert to_pandas(t.n.sum()) == 3
    assert to_pandas(t.filter(t.n > 5).rep).empty
