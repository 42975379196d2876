"""queries/frames.py: a result converted through Arrow is the very frame `.df()` gives, for
every column type and null pattern, or it is not converted that way at all."""

from __future__ import annotations

import duckdb
import pandas as pd
import pytest

from queries import frames

VALUES = {
    "VARCHAR": "'x'", "TIMESTAMPTZ": "TIMESTAMPTZ '2026-01-01 10:00:00+00'", "TIMESTAMP": "TIMESTAMP '2026-01-01 10:00'",
    "DATE": "DATE '2026-01-01'", "DOUBLE": "1.5", "INTEGER": "1", "BIGINT": "1", "HUGEINT": "1", "BOOLEAN": "true",
    "VARCHAR[]": "['a', NULL]", "DOUBLE[]": "[1.0]", "INTEGER[]": "[1, NULL]", "DECIMAL(10,2)": "1.5",
    "STRUCT(a INT)": "{'a': 1}", "INTERVAL": "INTERVAL 1 DAY", "UTINYINT": "1", "FLOAT": "1.5",
    "SMALLINT": "1", "TINYINT": "1", "TIMESTAMP_NS": "TIMESTAMP '2026-01-01 10:00'",
}
PATTERNS = {
    "all null": "SELECT NULL::{t} AS c, 'k' AS k FROM range(3)",
    "some null": "SELECT CASE WHEN range = 1 THEN NULL ELSE {v}::{t} END AS c, 'k' AS k FROM range(3)",
    "no null": "SELECT {v}::{t} AS c, 'k' AS k FROM range(3)",
    "no rows": "SELECT {v}::{t} AS c, 'k' AS k FROM range(0)",
}


@pytest.fixture(scope="module")
def con():
    c = duckdb.connect()
    c.execute("SET TimeZone = 'UTC'")
    yield c
    c.close()


@pytest.mark.parametrize("pattern", PATTERNS)
@pytest.mark.parametrize("kind", VALUES)
def test_arrow_frame_is_the_df_frame_or_nothing(con, kind, pattern):
    sql = PATTERNS[pattern].format(t=kind, v=VALUES[kind])
    want = con.execute(sql).df()
    cur = con.execute(sql)
    got = frames.frame(cur) if frames.takes(cur) else None
    if got is not None:
        pd.testing.assert_frame_equal(got, want, check_exact=True)


@pytest.mark.parametrize("kind", ["VARCHAR", "TIMESTAMPTZ", "DOUBLE", "BIGINT", "BOOLEAN", "VARCHAR[]"])
def test_the_common_columns_take_the_fast_way(con, kind):
    cur = con.execute(PATTERNS["no null"].format(t=kind, v=VALUES[kind]))
    assert frames.takes(cur) and frames.frame(cur) is not None
