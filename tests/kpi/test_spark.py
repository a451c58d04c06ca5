"""The demo's scorecard of one month on Spark (local[2], through Ibis's PySpark backend)
is the one DuckDB gives. Skips only without Java or pyspark (extra ``spark``)."""

import shutil

import pandas as pd
import pytest

import salesanalysis as sa
from salesanalysis import kpi
from salesanalysis.store.mirror import mirror

from builders import small_demo


@pytest.fixture(scope="module")
def spark(tmp_path_factory):
    if shutil.which("java") is None:
        pytest.skip("Java is not installed (apt-get install default-jre-headless)")
    pyspark_sql = pytest.importorskip("pyspark.sql", reason="pyspark is not installed "
                                      "(pip install -e '.[spark]')")
    folder = tmp_path_factory.mktemp("spark")
    # the driver on 127.0.0.1, a warehouse of its own: a reused one breaks overwrites
    session = (pyspark_sql.SparkSession.builder.master("local[2]")
               .config("spark.driver.bindAddress", "127.0.0.1")
               .config("spark.driver.host", "127.0.0.1")
               .config("spark.sql.warehouse.dir", str(folder / "warehouse"))
               .config("spark.sql.session.timeZone", "UTC")
               .config("spark.ui.enabled", "false").getOrCreate())
    session.sparkContext.setLogLevel("ERROR")
    yield session
    session.stop()


@pytest.mark.slow
def test_the_scorecard_of_a_month_is_the_same_on_spark(spark, tmp_path_factory):
    import ibis

    with sa.open_workbook(small_demo(tmp_path_factory.mktemp("demo")), read_only=True) as wb:
        on_spark = mirror(wb, ibis.pyspark.connect(spark))
        expected = kpi.scorecard(wb, scope="rep", period="2024-09")
        got = kpi.scorecard(on_spark, scope="rep", period="2024-09")
    assert len(expected) == 12 * expected["kpi"].nunique()  # every demo seller, every KPI
    order = list(expected.columns)
    pd.testing.assert_frame_equal(
        expected.sort_values(order).reset_index(drop=True),
        got.sort_values(order).reset_index(drop=True), check_dtype=False, rtol=1e-9)
