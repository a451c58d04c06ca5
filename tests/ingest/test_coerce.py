import duckdb
import pytest

from salesanalysis.ingest.coerce import CoercionOptions, coerce
from salesanalysis.schema import Column


def read(values, column, options=CoercionOptions(), recode=None):
    sql = coerce(column, "v", "VARCHAR", recode or {}, options)
    rows = duckdb.connect().execute(
        f"SELECT {sql} FROM (SELECT unnest(?) AS v, generate_subscripts(?, 1) AS i) ORDER BY i",
        [values, values]).fetchall()
    return [r[0] for r in rows]


NUMBER = Column("x", "float")


def test_numbers_with_decimal_point_thousands_commas_and_currency():
    assert read(["1,234.50", "$1,234.50", " 12 ", "1e3", "-3", "€ 99", "USD 7"], NUMBER) == [
        1234.5, 1234.5, 12.0, 1000.0, -3.0, 99.0, 7.0]


def test_decimal_comma_numbers_need_the_option():
    values = ["1.234,50", "EUR 1.234,50", "1 234,5", "12,5", "1.234"]
    assert read(values, NUMBER) == [None, None, None, None, 1.234]
    assert read(values, NUMBER, CoercionOptions(decimal=",")) == [1234.5, 1234.5, 1234.5,
                                                                  12.5, 1234.0]


def test_integers_reject_fractions():
    assert read(["3", "3.0", "3.5", "1,000"], Column("x", "int")) == [3, 3, None, 1000]


def test_dates_with_month_names_as_people_write_them():
    ts = Column("x", "timestamp")
    values = ["Jan 3 2024", "Jan 3, 2024", "January 3, 2024", "3 January 2024",
              "03-Jan-24", "01/03/24", "03.01.24 10:15", "Jan 32 2024"]
    # two-digit years are this century's, not the first's
    assert [str(v) if v else None for v in read(values, ts)] == [
        *["2024-01-03 00:00:00"] * 6, "2024-01-03 10:15:00", None]


def test_month_first_by_default_and_day_first_on_request():
    ts = Column("x", "timestamp")
    values = ["03/04/2024", "31/12/2024", "2024-04-03", "03.04.2024 10:15", "15-Jan-2024",
              "2024-04-03T10:11:12", "bad"]
    us = [str(v) if v else None for v in read(values, ts)]
    eu = [str(v) if v else None for v in read(values, ts, CoercionOptions(dayfirst=True))]
    assert us == ["2024-03-04 00:00:00", None, "2024-04-03 00:00:00", "2024-04-03 10:15:00",
                  "2024-01-15 00:00:00", "2024-04-03 10:11:12", None]
    assert eu[:2] == ["2024-04-03 00:00:00", "2024-12-31 00:00:00"]


@pytest.mark.parametrize("text,expected", [
    ("Yes", True), ("y", True), (" TRUE ", True), ("1", True), ("x", True),
    ("No", False), ("N", False), ("false", False), ("0", False), ("maybe", None)])
def test_booleans_in_several_spellings(text, expected):
    assert read([text], Column("x", "bool")) == [expected]


def test_enumerations_are_normalised_and_recoded():
    col = Column("t", allowed=("call", "referral_request"))
    assert read(["Referral Request", " phone call ", "CALL", "  "], col,
                recode={"Phone Call": "call"}) == ["referral_request", "call", "call", None]
