"""Statuses of two Jira sources stay apart in the per-status reports (docs/metrics.md §2 "One row
per status"): a status id is unique only within its source, so cfd_daily and
flow__time_in_status band statuses by name and category (marts/status_bands.sql), never by
id across sources, and never merge two statuses of different categories. Hand-worked from
two issues, one per source; stored facts and the live computation give the same figures.
All instants UTC."""

from __future__ import annotations

import pandas as pd
import pytest
from helpers_metrics import _issue_row, ts

import queries
from connectors.load import staged_load

AS_OF = "2026-01-09 12:00"

# Source a and source b use ids 3 and 5 the other way round, and both have a "Blocked", in
# progress in a (id 7) and a to-do status in b (id 8). "Parked" is done in a and to do in b;
# no issue is ever in it.
STATUSES = {
    "a": [("1", "To Do", "new"), ("3", "In Progress", "indeterminate"), ("5", "Review", "indeterminate"),
          ("6", "Done", "done"), ("7", "Blocked", "indeterminate"), ("9", "Parked", "done")],
    "b": [("1", "To Do", "new"), ("3", "Review", "indeterminate"), ("5", "In Progress", "indeterminate"),
          ("6", "Done", "done"), ("8", "Blocked", "new"), ("9", "Parked", "new")],
}
ISSUES = {
    # A1: To Do Jan 1 -> In Progress Jan 2 (2 d) -> Blocked (in progress) Jan 4 (1 d)
    #     -> Review Jan 5 (1 d) -> Done Jan 6
    "a": {"id": 1, "key": "A-1", "created": "2026-01-01 09:00", "history": [
        ("2026-01-02 09:00", "1", "3"), ("2026-01-04 09:00", "3", "7"), ("2026-01-05 09:00", "7", "5"),
        ("2026-01-06 09:00", "5", "6")]},
    # B1: To Do Jan 1 -> Blocked (to do) Jan 2 (2 d) -> In Progress Jan 4 (3 d) -> Review Jan 7
    #     (1 d) -> Done Jan 8
    "b": {"id": 1, "key": "B-1", "created": "2026-01-01 09:00", "history": [
        ("2026-01-02 09:00", "1", "8"), ("2026-01-04 09:00", "8", "5"), ("2026-01-07 09:00", "5", "3"),
        ("2026-01-08 09:00", "3", "6")]},
}


def _build(path):
    for src in ("a", "b"):
        names = {s[0]: s[1] for s in STATUSES[src]}
        i = ISSUES[src]
        with staged_load(path, src, "test") as w:
            w.data_as_of = ts(AS_OF)
            w.write("raw_statuses", pd.DataFrame(
                [{"source": src, "status_id": s[0], "name": s[1], "category_key": s[2]} for s in STATUSES[src]]))
            w.write("raw_issues", pd.DataFrame([{**_issue_row(i), "source": src}]))
            w.write("raw_status_changes", pd.DataFrame([
                {"source": src, "issue_id": str(i["id"]), "history_id": str(100 + n), "item_seq": 0,
                 "changed_at": ts(at), "from_status_id": frm, "from_status_name": names[frm],
                 "to_status_id": to, "to_status_name": names[to]}
                for n, (at, frm, to) in enumerate(i["history"])]))
    return path


@pytest.fixture(scope="module")
def cons(tmp_path_factory):
    db = _build(tmp_path_factory.mktemp("sources") / "w.duckdb")
    stored, live = queries.connect(db), queries.connect(db, stored=False)
    assert queries.facts.stored_as_of(stored) == ts(AS_OF)
    yield stored, live
    stored.close()
    live.close()


def _run(con, name):
    return queries.run(con, name, as_of=ts(AS_OF), board_id=None, project=None, date_from=None, date_to=None)


def test_cfd_bands_statuses_by_name_and_category_not_by_id(cons):
    # End of each day (A1 | B1):
    #   Jan 1  To Do | To Do
    #   Jan 2  In Progress | Blocked (to do)          Jan 3 the same
    #   Jan 4  Blocked (in progress) | In Progress
    #   Jan 5  Review | In Progress
    #   Jan 6  Done | In Progress
    #   Jan 7  Done | Review
    #   Jan 8  Done | Done                            Jan 9 the same
    # "In Progress" is a:3 and b:5, "Review" a:5 and b:3: one band each (same name and
    # category). The two "Blocked" differ in category: two bands, named with it.
    want = {
        "To Do":                 [2, 0, 0, 0, 0, 0, 0, 0, 0],
        "In Progress":           [0, 1, 1, 1, 1, 1, 0, 0, 0],
        "Blocked (to do)":       [0, 1, 1, 0, 0, 0, 0, 0, 0],
        "Blocked (in progress)": [0, 0, 0, 1, 0, 0, 0, 0, 0],
        "Review":                [0, 0, 0, 0, 1, 0, 1, 0, 0],
        "Done":                  [0, 0, 0, 0, 0, 1, 1, 2, 2],
    }
    categories = {"todo": [2, 1, 1, 0, 0, 0, 0, 0, 0], "in_progress": [0, 1, 1, 2, 2, 1, 1, 0, 0],
                  "done": [0, 0, 0, 0, 0, 1, 1, 2, 2]}
    for con in cons:
        df = _run(con, "cfd_daily")
        days = sorted({str(d)[:10] for d in df["day"]})
        assert days == [f"2026-01-0{n}" for n in range(1, 10)]
        st = df[df["level"] == "status"]
        assert not st.duplicated(["day", "status"]).any()          # one row per band and day
        got = {s: list(g.sort_values("day")["issues"]) for s, g in st.groupby("status")}
        assert got == want
        ids = dict(zip(st["status"], st["status_id"], strict=True))
        assert (ids["In Progress"], ids["Review"], ids["Done"]) == ("3, 5", "3, 5", "6")
        assert (ids["Blocked (to do)"], ids["Blocked (in progress)"]) == ("8", "7")
        cat = df[df["level"] == "category"]
        assert {c: list(g.sort_values("day")["issues"]) for c, g in cat.groupby("category")} == categories


def test_time_in_status_per_status_keeps_categories_apart(cons):
    # Days before completion (A1 | B1): To Do 1 | 1; In Progress 2 | 3; Review 1 | 1;
    # Blocked 1 (in progress) | 2 (to do). Medians and p85 (continuous): In Progress [2, 3]
    # -> 2.5 and 2 + 0.85 * 1 = 2.85; the rest one value each, or [1, 1].
    want = {   # status -> (category, issues, median, p85)
        "To Do": ("todo", 2, 1.0, 1.0),
        "Blocked (to do)": ("todo", 1, 2.0, 2.0),
        "In Progress": ("in_progress", 2, 2.5, 2.85),
        "Blocked (in progress)": ("in_progress", 1, 1.0, 1.0),
        "Review": ("in_progress", 2, 1.0, 1.0),
    }
    for con in cons:
        df = _run(con, "flow__time_in_status")
        got = {r.status: (r.category, r.issues, r.median_days, r.p85_days) for r in df.itertuples()}
        assert got.keys() == want.keys()
        for s, (c, n, med, p85) in want.items():
            assert got[s] == (c, n, pytest.approx(med), pytest.approx(p85)), s
        blocked = df.set_index("status").loc[["Blocked (to do)", "Blocked (in progress)"]]
        # only an in-progress status is waiting or blocked by its name
        assert list(blocked["is_blocked"]) == [False, True]


def test_a_category_override_can_name_one_source(tmp_path):
    # for every source: "9" (Parked) in progress, "5" to do; for source b: "5" done (winning over
    # the line for every source) and "8" (b's Blocked) in progress. So a's Review (5) is to do,
    # b's In Progress (5) done, both Parked in progress, b's Blocked in progress.
    from connectors.settings import load_settings
    from queries.config import AnalysisConfig

    toml = tmp_path / "retroscope.toml"
    toml.write_text('[workflow.category_overrides]\n"9" = "in_progress"\n"5" = "todo"\n'
                    '[workflow.category_overrides.b]\n"5" = "done"\n"8" = "in_progress"\n')
    cfg = load_settings(toml, db=tmp_path / "w.duckdb").analysis
    assert cfg.status_category_overrides == {"9": "in_progress", "5": "todo"}
    assert cfg.source_category_overrides == {"b": {"5": "done", "8": "in_progress"}}
    db = _build(tmp_path / "w.duckdb")
    for config, want in ((AnalysisConfig(), {("a", "5"): "in_progress", ("a", "9"): "done",
                                             ("b", "5"): "in_progress", ("b", "8"): "todo", ("b", "9"): "todo"}),
                         (cfg, {("a", "5"): "todo", ("a", "9"): "in_progress",
                                ("b", "5"): "done", ("b", "8"): "in_progress", ("b", "9"): "in_progress"})):
        con = queries.connect(db, config=config)
        got = dict(((s, i), c) for s, i, c in con.execute(
            "SELECT source, status_id, category FROM stg_statuses WHERE status_id IN ('5', '8', '9')").fetchall())
        con.close()
        assert got == want


def test_a_label_names_the_category_when_the_name_has_two_anywhere(cons):
    # "Parked" is done in a and to do in b: even a report that counts only b's Parked labels it
    # "Parked (to do)", as one counting both would; "Review" has one category: no suffix
    for con in cons:
        con.execute("CREATE OR REPLACE TEMP TABLE picked AS SELECT * FROM (VALUES "
                    "('b', '9', 'Parked', 'todo'), ('a', '5', 'Review', 'in_progress'), "
                    "('b', '3', 'Review', 'in_progress')) AS t(source, status_id, status, category)")
        got = con.execute("SELECT source, status_id, band, band_ids FROM status_bands('picked') ORDER BY 1, 2").fetchall()
        assert got == [("a", "5", "Review", "3, 5"), ("b", "3", "Review", "3, 5"), ("b", "9", "Parked (to do)", "9")]


def test_a_bad_per_source_override_says_where(tmp_path):
    from connectors.settings import load_settings
    from queries.errors import RetroscopeError

    toml = tmp_path / "retroscope.toml"
    toml.write_text('[workflow.category_overrides.b]\n"5" = "finished"\n')
    with pytest.raises(RetroscopeError, match=r"status 5 of source b = 'finished'.*todo, in_progress or done"):
        load_settings(toml, db=tmp_path / "w.duckdb")
