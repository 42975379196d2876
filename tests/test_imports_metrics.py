"""`retroscope import metrics`: formats, layouts, definitions, validation reports, atomicity
and idempotence."""

from __future__ import annotations

import json
import re
from datetime import date

import duckdb
import pandas as pd
import pytest

from connectors import files
from dashboard.cli import main
from queries.errors import RetroscopeError
from tests.helpers_outcomes import write

AS_OF = date(2026, 6, 30)


def _run(capsys, db, *args) -> tuple[int, str, str]:
    rc = main(["--db", str(db), "import", "metrics", *map(str, args), "--as-of", AS_OF.isoformat()])
    out = capsys.readouterr()
    return rc, out.out, out.err


def _points(db) -> pd.DataFrame:
    with duckdb.connect(str(db), read_only=True) as c:
        return c.execute("SELECT source, metric, day, segment, value FROM raw_metric_points "
                         "ORDER BY metric, day, segment").df()


def _defs(db) -> pd.DataFrame:
    with duckdb.connect(str(db), read_only=True) as c:
        return c.execute("SELECT metric, unit, higher_is_better, description FROM raw_metric_definitions "
                         "ORDER BY metric").df()


LONG = """day,metric,value,segment
2026-03-01,signups,120,
2026-03-02,signups,130.5,
2026-03-01,signups,80,web
2026-03-01,nps,31,
"""
WIDE = """day,signups,nps
2026-03-01,120,31
2026-03-02,130.5,
"""


def test_long_csv(tmp_path, capsys):
    db = tmp_path / "w.duckdb"
    rc, out, err = _run(capsys, db, write(tmp_path / "m.csv", LONG))
    assert rc == 0, err
    assert "imported 4 values of 2 metrics" in out and "rows/s" in out
    assert re.search(r"^stored facts +\[#+\] (\d+)/\1 ", err, re.M), err   # the facts build's progress, to the end
    p = _points(db)
    assert list(p["value"]) == [31.0, 120.0, 80.0, 130.5]     # nps; signups '' 03-01, web 03-01, '' 03-02
    assert list(p["segment"]) == ["", "", "web", ""]
    assert set(p["source"]) == {"file:m.csv"}


def test_wide_equals_long(tmp_path, capsys):
    a, b = tmp_path / "a.duckdb", tmp_path / "b.duckdb"
    long_without_web = "\n".join(x for x in LONG.splitlines() if not x.endswith("web")) + "\n"
    assert _run(capsys, a, write(tmp_path / "m.csv", long_without_web))[0] == 0
    rc, out, _ = _run(capsys, b, write(tmp_path / "m_wide.csv", WIDE))
    assert rc == 0 and "wide layout" in out
    cols = ["metric", "day", "segment", "value"]
    pd.testing.assert_frame_equal(_points(a)[cols], _points(b)[cols])   # the empty nps cell is no value


def test_reimport_changes_nothing_and_newer_file_updates(tmp_path, capsys):
    db = tmp_path / "w.duckdb"
    f = write(tmp_path / "m.csv", LONG)
    assert "replaced" not in _run(capsys, db, f)[2]             # nothing loaded before: nothing replaced
    first = _points(db)
    rc, _, err = _run(capsys, db, f)
    assert rc == 0 and "replaced" not in err                       # the same file again changes nothing
    pd.testing.assert_frame_equal(first, _points(db))
    write(f, LONG.replace("130.5", "140").replace("2026-03-01,nps,31,", "2026-03-03,nps,33,"))
    rc, _, err = _run(capsys, db, f)
    # one value changed (2026-03-02 signups), one is new: said, with where the replaced one came from
    assert rc == 0 and ("note: 1 of these values replaced values already loaded for the same metric, day and "
                        "segment (1 from file:m.csv)") in err, err
    p = _points(db).set_index(["metric", "day", "segment"])["value"]
    assert p[("signups", pd.Timestamp("2026-03-02"), "")] == 140.0      # updated
    assert p[("nps", pd.Timestamp("2026-03-03"), "")] == 33.0           # added
    assert p[("nps", pd.Timestamp("2026-03-01"), "")] == 31.0           # kept (not in the newer file)
    assert len(p) == 5


def test_bad_file_leaves_previous_data_and_writes_nothing(tmp_path, capsys):
    db = tmp_path / "w.duckdb"
    _run(capsys, db, write(tmp_path / "m.csv", LONG))
    before = _points(db)
    bad = write(tmp_path / "bad.csv", LONG.replace("130.5", "lots") + "2026-03-05,signups,1,\n")
    rc, out, err = _run(capsys, db, bad)
    assert rc == 1 and out == ""
    lines = err.strip().splitlines()
    assert lines[0].startswith(f"retroscope: {bad}: 1 problem in the metrics file; nothing was imported")
    assert lines[1] == f"{bad}:3: column value: 'lots' is not a number (expected a number like 3.25)"
    pd.testing.assert_frame_equal(before, _points(db))


def _problems(tmp_path, text, name="m.csv", encoding="utf-8", **kw) -> list[str]:
    f = write(tmp_path / name, text, encoding)
    with pytest.raises(RetroscopeError) as e:
        files.read_metrics(f, as_of=AS_OF, **kw)
    return str(e.value).splitlines()


def test_every_validation_error(tmp_path):
    text = ("day,metric,value,segment\n"
            "2026-13-01,signups,1,\n"       # line 2: not a date
            "2026-07-01,signups,1,\n"       # line 3: after as_of
            ",signups,1,\n"                 # line 4: missing day
            "2026-03-01,,1,\n"              # line 5: missing metric
            "2026-03-01,sign ups,1,\n"      # line 6: not a metric name
            "2026-03-02,signups,,\n"        # line 7: missing value
            "2026-03-03,signups,abc,\n"     # line 8: not a number
            "2026-03-04,signups,inf,\n"     # line 9: not finite
            "2026-03-05,signups,1,\n"
            "2026-03-05,signups,2,\n")      # line 11: duplicate of line 10
    lines = _problems(tmp_path, text)
    f = tmp_path / "m.csv"
    assert lines[0].startswith(f"{f}: 9 problems in the metrics file; nothing was imported. Fix the rows")
    assert lines[1:] == [
        f"{f}:2: column day: '2026-13-01' is not a date (expected YYYY-MM-DD, e.g. 2026-03-31)",
        f"{f}:3: column day: 2026-07-01 is after as_of 2026-06-30 (expected a day on or before as_of; pass --as-of YYYY-MM-DD if the file is right)",
        f"{f}:4: column day: missing (expected a date YYYY-MM-DD)",
        f"{f}:5: column metric: missing (expected a metric name)",
        f"{f}:6: column metric: 'sign ups' is not a metric name (expected letters, digits, _ . - (no spaces, at most 100))",
        f"{f}:7: column value: missing (expected a number)",
        f"{f}:8: column value: 'abc' is not a number (expected a number like 3.25)",
        f"{f}:9: column value: 'inf' is not a number (expected a number like 3.25)",
        f"{f}:11: column day: second value for signups on this day and segment (first at {f}:10) "
        "(expected one value per metric, day and segment)",
    ]


def test_only_twenty_lines_then_a_count(tmp_path):
    text = "day,metric,value\n" + "".join(f"2026-03-{d:02d},m,x{d}\n" for d in range(1, 31))
    lines = _problems(tmp_path, text)
    assert lines[0].startswith(f"{tmp_path / 'm.csv'}: 30 problems")
    assert len(lines) == 1 + 20 + 1 and lines[-1] == "… and 10 more"
    assert lines[1].startswith(f"{tmp_path / 'm.csv'}:2: column value: 'x1'")


def test_file_level_errors(tmp_path):
    assert "the file is empty" in _problems(tmp_path, "")[0]
    assert "has a header but no rows" in _problems(tmp_path, "day,metric,value\n")[0]
    assert "could not detect the column delimiter" in _problems(tmp_path, "day\n2026-01-01\n")[0]
    unknown = _problems(tmp_path, "day,metric,value,colour\n2026-03-01,m,1,red\n")
    assert any("unknown column colour (expected only day, metric, value, segment" in x for x in unknown)
    assert any("no day column" in x for x in _problems(tmp_path, "when,metric,value\n2026-03-01,m,1\n"))
    ragged = _problems(tmp_path, "day,metric,value\n2026-03-01,m,1\n2026-03-02,m\n")
    assert ragged[1] == (f"{tmp_path / 'm.csv'}:3: column *: 2 fields instead of 3 "
                         "(expected 3 comma-separated fields like the header)")
    assert "column m appears more than once" in _problems(tmp_path, "day,m,m\n2026-03-01,1,2\n")[0]
    with pytest.raises(RetroscopeError, match="no such file"):
        files.read_metrics(tmp_path / "nope.csv", as_of=AS_OF)


@pytest.mark.parametrize("encoding,delim", [("utf-8", ","), ("utf-8-sig", ";"), ("cp1252", ";"),
                                            ("latin-1", "\t"), ("utf-8", "|")])
def test_encodings_and_delimiters(tmp_path, encoding, delim):
    seg = "Zürich €" if encoding != "latin-1" else "Zürich"
    text = delim.join(["day", "metric", "value", "segment"]) + "\n" + \
        delim.join(["2026-03-01", "revenue", "1,5" if delim == ";" else "1.5", seg]) + "\n"
    f = write(tmp_path / "m.csv", text, encoding)
    imp = files.read_metrics(f, as_of=AS_OF)
    assert imp.points["segment"].tolist() == [seg]
    assert imp.points["value"].tolist() == [1.5]          # decimal comma accepted with ';'


def test_parquet_and_json(tmp_path):
    df = pd.DataFrame({"day": pd.to_datetime(["2026-03-01", "2026-03-02"]), "metric": ["m", "m"], "value": [1.0, 2.5]})
    df.to_parquet(tmp_path / "m.parquet")
    assert files.read_metrics(tmp_path / "m.parquet", as_of=AS_OF).points["value"].tolist() == [1.0, 2.5]
    recs = [{"day": "2026-03-01", "metric": "m", "value": 1}, {"day": "2026-03-02", "metric": "m", "value": "x"}]
    write(tmp_path / "a.json", json.dumps(recs))
    write(tmp_path / "b.json", json.dumps({"table": recs}))
    with pytest.raises(RetroscopeError) as e:
        files.read_metrics(tmp_path / "a.json", as_of=AS_OF)
    assert str(e.value).splitlines()[1] == f"{tmp_path / 'a.json'}:[1]: column value: 'x' is not a number (expected a number like 3.25)"
    with pytest.raises(RetroscopeError) as e:
        files.read_metrics(tmp_path / "b.json", as_of=AS_OF)
    assert f"{tmp_path / 'b.json'}:table[1]: column value" in str(e.value)
    bad = pd.DataFrame({"day": ["2026-03-01"], "metric": ["m"], "value": ["x"]})
    bad.to_parquet(tmp_path / "bad.parquet")
    with pytest.raises(RetroscopeError, match=r"bad.parquet:row 1: column value"):
        files.read_metrics(tmp_path / "bad.parquet", as_of=AS_OF)
    with pytest.raises(RetroscopeError, match="not valid JSON"):
        files.read_metrics(write(tmp_path / "c.json", "{oops"), as_of=AS_OF)


def test_definitions_from_columns_and_toml(tmp_path, capsys):
    db = tmp_path / "w.duckdb"
    text = ("day,metric,value,unit,higher_is_better,description\n"
            "2026-03-01,churn,5,%,false,Share of users lost\n"
            "2026-03-02,churn,6,,,\n"
            "2026-03-01,revenue,9,EUR,yes,Revenue\n")
    assert _run(capsys, db, write(tmp_path / "m.csv", text))[0] == 0
    d = _defs(db).set_index("metric")
    assert d.loc["churn", "unit"] == "%" and not d.loc["churn", "higher_is_better"]
    assert d.loc["revenue", "higher_is_better"]
    toml = write(tmp_path / "defs.toml", '[metrics.revenue]\nunit = "USD"\nhigher_is_better = true\n')
    assert _run(capsys, db, write(tmp_path / "m.csv", text), "--definitions", toml)[0] == 0
    assert _defs(db).set_index("metric").loc["revenue", "unit"] == "USD"
    clash = _problems(tmp_path, text.replace("2026-03-02,churn,6,,,", "2026-03-02,churn,6,pts,,"), name="c.csv")
    assert clash[1] == f"{tmp_path / 'c.csv'}:3: column unit: 'pts' differs from '%' at {tmp_path / 'c.csv'}:2 (expected one definition per metric)"
    with pytest.raises(RetroscopeError, match=r"unknown key colour"):
        files.read_definitions(write(tmp_path / "bad.toml", '[metrics.x]\ncolour = "red"\n'))
    with pytest.raises(RetroscopeError, match=r"higher_is_better = 'yes' \(expected true or false\)"):
        files.read_definitions(write(tmp_path / "bad2.toml", '[metrics.x]\nhigher_is_better = "yes"\n'))


def test_a_definition_of_a_metric_the_file_lacks_is_named_with_the_nearest_one(tmp_path, capsys):
    """A definitions file naming a metric the file has no values of (a typo, or a metric another
    source loads): imported, and said, with the file's nearest metric name when one is close."""
    db = tmp_path / "w.duckdb"
    toml = write(tmp_path / "defs.toml", '[metrics.signupz]\nunit = "users"\n\n[metrics.nps]\nunit = "points"\n\n'
                                         '[metrics.arr]\nunit = "EUR"\n')
    rc, _, err = _run(capsys, db, write(tmp_path / "m.csv", LONG), "--definitions", toml)
    assert rc == 0
    assert (f"note: {toml} defines 'signupz', which this file has no values of (did you mean 'signups'?): stored all "
            "the same, for whichever source loads that metric") in err
    assert (f"note: {toml} defines 'arr', which this file has no values of: stored all the same, for whichever source "
            "loads that metric") in err
    assert "'nps'" not in err                                       # in the file: nothing to say
    assert set(_defs(db)["metric"]) == {"arr", "nps", "signupz"}


def test_example_files_import(tmp_path, capsys):
    from pathlib import Path
    ex = Path(__file__).parents[1] / "data" / "examples"
    db = tmp_path / "w.duckdb"
    assert _run(capsys, db, ex / "metrics_long.csv", "--definitions", ex / "defs.toml")[0] == 0
    long = _points(db)
    db2 = tmp_path / "w2.duckdb"
    assert _run(capsys, db2, ex / "metrics_wide.csv")[0] == 0
    cols = ["metric", "day", "segment", "value"]
    pd.testing.assert_frame_equal(long[cols], _points(db2)[cols])


def test_the_data_runs_to_the_end_of_its_last_day_in_the_reporting_timezone(tmp_path, capsys):
    """The freshness of a file whose last day is 2026-03-02 is that day's last second where the
    team reports: 23:59:59 UTC by default; in Auckland (UTC+13 in March) 10:59:59 UTC, so that
    the data's as-of day there is 2026-03-02, not the 3rd."""
    csv = write(tmp_path / "m.csv", LONG)
    db = tmp_path / "utc.duckdb"
    assert _run(capsys, db, csv)[0] == 0
    nz, cfg = tmp_path / "nz.duckdb", write(tmp_path / "nz.toml", 'timezone = "Pacific/Auckland"\n')
    rc = main(["--config", str(cfg), "--db", str(nz), "import", "metrics", str(csv), "--as-of", AS_OF.isoformat()])
    assert rc == 0, capsys.readouterr().err
    for path, expected in ((db, "2026-03-02 23:59:59"), (nz, "2026-03-02 10:59:59")):
        with duckdb.connect(str(path), read_only=True) as c:
            c.execute("SET TimeZone = 'UTC'")
            got = c.execute("SELECT strftime(data_as_of, '%Y-%m-%d %H:%M:%S') FROM raw_loads").fetchall()
        assert got == [(expected,)], path


def test_a_quote_left_open_is_named_as_the_likely_cause(tmp_path, capsys):
    """A quote left open swallows the following lines into one cell: the message read only
    "'abc\\n2026-03-02,9' is not a number", a puzzle for whoever opens the file."""
    db = tmp_path / "w.duckdb"
    rc, out, err = _run(capsys, db, write(tmp_path / "m.csv", 'day,signups\n2026-03-01,"abc\n2026-03-02,9\n'))
    assert rc != 0
    assert "(it runs over several lines: a quote left open?) is not a number" in err, err
    assert "Traceback" not in err


def test_a_device_a_pipe_a_dangling_link_and_a_wide_definitions_file_are_one_line(tmp_path):
    """/dev/zero ran out of memory, a named pipe waited for ever, a symlink loop said 'no such file'
    and a UTF-16 definitions file 'not valid TOML ('utf-8' codec …)'."""
    import os

    fifo = tmp_path / "m.csv"
    os.mkfifo(fifo)
    for path in ("/dev/zero", fifo):
        with pytest.raises(RetroscopeError) as e:
            files.read_metrics(path, as_of=AS_OF)
        assert str(e.value) == (f"{path}: not a regular file (a device or a pipe); give a .csv, .tsv, .parquet or "
                                ".json file")
    (tmp_path / "a.csv").symlink_to(tmp_path / "b.csv")
    (tmp_path / "b.csv").symlink_to(tmp_path / "a.csv")
    with pytest.raises(RetroscopeError, match="a symbolic link that leads to no file; give the file itself"):
        files.read_metrics(tmp_path / "a.csv", as_of=AS_OF)
    defs = tmp_path / "defs.toml"
    defs.write_bytes('[metrics.signups]\nunit = "users"\n'.encode("utf-16"))
    with pytest.raises(RetroscopeError) as e:
        files.read_definitions(defs)
    assert str(e.value) == f"{defs}: not UTF-8 text (the file is UTF-16-encoded); save it as UTF-8"


def test_a_value_beyond_ten_to_the_fifteen_is_refused(tmp_path):
    """1.7e308 was imported, then overflowed the impact analysis to -inf ('no detectable change')."""
    probs = _problems(tmp_path, "day,metric,value\n2026-03-01,m,1.7e308\n2026-03-02,m,-2e16\n2026-03-03,m,1e15\n")
    assert [p.split(": ", 1)[1] for p in probs[1:]] == [
        "column value: '1.7e308' is beyond ±10^15 (expected a value in the metric's unit; check the unit or look "
        "for a typo)",
        "column value: '-2e16' is beyond ±10^15 (expected a value in the metric's unit; check the unit or look for "
        "a typo)"], probs   # 1e15 itself is a value


def test_two_columns_that_name_one_column_are_refused_as_such(tmp_path):
    """`day,Day` and `date,day` were reported as 'unknown column Day' / 'unknown column date'."""
    for header, names in (("day,Day,metric,value", "day, Day"), ("date,day,metric,value", "date, day")):
        probs = _problems(tmp_path, f"{header}\n2026-03-01,2026-03-01,m,1\n")
        assert probs == [f"{tmp_path / 'm.csv'}: columns {names} both name the day column; keep one of them"], probs


def test_an_import_as_of_outside_the_date_range_is_one_line(tmp_path, capsys):
    """--as-of 1900-01-01 gave one refusal per row (every day 'after the as-of date'); 2100 was taken."""
    f = write(tmp_path / "m.csv", "day,metric,value\n2026-03-01,m,1\n2026-03-02,m,2\n")
    for given, problem in (("1900-01-01", "1900-01-01 is before 1970-01-01"),
                           ("2100-01-01", "2100-01-01 is after 2099-12-31")):
        rc = main(["--db", str(tmp_path / "w.duckdb"), "import", "metrics", str(f), "--as-of", given])
        err = capsys.readouterr().err
        assert rc == 1 and err.strip() == (f"retroscope: --as-of {given}: {problem} (expected a date between "
                                           "1970-01-01 and 2099-12-31)"), err
    assert not (tmp_path / "w.duckdb").exists()


def test_a_metric_name_of_more_than_100_characters_is_refused(tmp_path):
    """A 5,000,000-character metric name was imported (and a wide file's header printed it whole)."""
    long_name = "m" * 101
    probs = _problems(tmp_path, f"day,metric,value\n2026-03-01,{long_name},1\n2026-03-02,{'m' * 100},2\n")
    assert probs[1:] == [f"{tmp_path / 'm.csv'}:2: column metric: '{'m' * 37}...' is not a metric name (expected "
                         "letters, digits, _ . - (no spaces, at most 100))"], probs
    wide = _problems(tmp_path, f"day,{'x' * 5000}\n2026-03-01,1\n")
    assert len(wide) == 2 and len(wide[1]) < 400 and f"'{'x' * 37}...'" in wide[1], [w[:400] for w in wide]


def test_a_definition_longer_than_10000_characters_is_refused(tmp_path):
    """A 20 MB description was imported."""
    probs = _problems(tmp_path, f"day,metric,value,description\n2026-03-01,m,1,{'d' * 10_001}\n")
    assert probs[1:] == [f"{tmp_path / 'm.csv'}:2: column description: 10,001 characters (expected at most 10,000)"]
    defs = tmp_path / "defs.toml"
    defs.write_text(f'[metrics.signups]\ndescription = "{"d" * 10_001}"\n')
    with pytest.raises(RetroscopeError, match=r"\[metrics.signups\]: description is 10,001 characters long "
                                              r"\(expected at most 10,000\)"):
        files.read_definitions(defs)
