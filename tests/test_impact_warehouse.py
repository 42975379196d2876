"""The impact public query, shipped items (imported + derived) and the §8 product reports on
throwaway warehouses built through staged_load."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime
from pathlib import Path

import pandas as pd
import pytest

import queries
from connectors import userdata
from connectors.load import staged_load
from queries.config import AnalysisConfig
from queries.registry import run_public
from tests.helpers_outcomes import exact_series, load_metrics, series_frame

START = date(2026, 1, 5)
AS_OF = "2026-06-30"
WD = [0, 1, 2, 3, 4, -5, -5]


def _item(key, name, shipped_on, metrics, direction="up", min_change=0.0, epic_key=None):
    return {"item_key": key, "name": name, "shipped_on": shipped_on, "epic_key": epic_key, "metrics": metrics,
            "expected_direction": direction, "min_change": min_change, "origin": "import"}


@pytest.fixture
def wh(tmp_path):
    db = tmp_path / "w.duckdb"
    # signups: 100 + i + weekday effect, +10 from 2026-03-02 (index 56); churn: flat 50
    sig = exact_series(START, 170, lambda i, wd: 100 + i + WD[wd] + (10 if i >= 56 else 0))
    churn = exact_series(START, 170, lambda i, wd: 50.0)
    points = pd.concat([series_frame("signups", sig), series_frame("churn", churn)], ignore_index=True)
    items = pd.DataFrame([
        _item("WEB-1", "Social sign-up", date(2026, 3, 2), ["signups"], epic_key="WEB-90"),
        _item("WEB-2", "Later thing", date(2026, 3, 12), []),               # linked by a hypothesis only
        _item("WEB-3", "Future thing", date(2026, 7, 15), ["signups"]),    # after as_of: not shipped yet
        _item("ATL-E1", "Imported epic", date(2026, 2, 1), ["churn"], direction="down"),
    ])
    defs = pd.DataFrame([{"metric": "signups", "unit": "users", "higher_is_better": True, "description": "x"}])
    load_metrics(db, points, definitions=defs, items=items)
    ud = queries.userdata_path_for(db)
    rid = userdata.create_retro(ud, held_on=date(2026, 3, 1), team="Web", kind="product", retro_id="r1")
    userdata.add_hypothesis(ud, retro_id=rid, item_key="WEB-2", metric="signups", hypothesis_id="h1")
    userdata.add_hypothesis(ud, retro_id=rid, item_key="WEB-3", metric="signups", hypothesis_id="h2")
    return db


def _jira(db, *, epic_done_at: datetime, version_on: date):
    with staged_load(db, "jira:test", "sync") as w:
        w.write("raw_statuses", pd.DataFrame([
            {"source": "jira:test", "status_id": "1", "name": "To Do", "category_key": "new"},
            {"source": "jira:test", "status_id": "3", "name": "Done", "category_key": "done"}]))
        w.write("raw_issues", pd.DataFrame([
            {"source": "jira:test", "issue_id": "10", "issue_key": "ATL-E1", "project_key": "ATL", "issue_type": "Epic",
             "summary": "Epic from Jira", "status_id": "3", "created_at": datetime(2026, 1, 1, tzinfo=UTC)},
            {"source": "jira:test", "issue_id": "11", "issue_key": "ATL-E2", "project_key": "ATL", "issue_type": "Epic",
             "summary": "Derived epic", "status_id": "3", "created_at": datetime(2026, 1, 1, tzinfo=UTC)}]))
        w.write("raw_status_changes", pd.DataFrame([
            {"source": "jira:test", "issue_id": iid, "history_id": f"h{iid}", "item_seq": 0, "changed_at": epic_done_at,
             "from_status_id": "1", "to_status_id": "3"} for iid in ("10", "11")]))
        w.write("raw_versions", pd.DataFrame([
            {"source": "jira:test", "version_id": "v1", "project_key": "ATL", "name": "2.0", "is_released": True,
             "release_on": version_on}]))


def _connect(db, **cfg):
    return queries.connect(db, config=AnalysisConfig(**cfg))


def test_impact_rows_per_item_and_metric(wh):
    con = _connect(wh)
    try:
        df = run_public(con, "impact", as_of=AS_OF)
    finally:
        con.close()
    assert list(df.columns[:10]) == ["item_key", "item_name", "shipped_on", "metric", "effect_abs", "effect_rel",
                                     "ci_low", "ci_high", "verdict", "confounded_by"]
    rows = {(r.item_key, r.metric): r for r in df.itertuples()}
    # WEB-3 ships after as_of: absent. WEB-2 targets nothing itself; its hypothesis adds signups.
    assert set(rows) == {("ATL-E1", "churn"), ("WEB-1", "signups"), ("WEB-2", "signups")}
    r = rows[("WEB-1", "signups")]
    # counterfactual over post days i = 56..83: 100 + 69.5 + 0 = 169.5; effect +10 exactly
    assert r.effect_abs == pytest.approx(10.0) and r.effect_rel == pytest.approx(10 / 169.5)
    assert r.verdict == "moved" and r.confounded_by == "WEB-2"
    assert rows[("ATL-E1", "churn")].verdict == "no detectable change"   # flat: effect 0 exactly
    assert rows[("ATL-E1", "churn")].direction == "down"


def test_impact_filters(wh):
    con = _connect(wh)
    try:
        atl = run_public(con, "impact", as_of=AS_OF, project="ATL")
        march = run_public(con, "impact", as_of=AS_OF, date_from="2026-03-01", date_to="2026-03-05")
        early = run_public(con, "impact", as_of="2026-03-20")
    finally:
        con.close()
    assert list(atl["item_key"]) == ["ATL-E1"]
    assert list(march["item_key"]) == ["WEB-1"]
    # as of 2026-03-20 the post window of WEB-1 (to 2026-03-29) is not complete
    assert early.set_index("item_key").loc["WEB-1", "verdict"] == "too early"


def test_shipped_items_imported_wins_and_derived_items(wh):
    _jira(wh, epic_done_at=datetime(2026, 2, 10, 15, tzinfo=UTC), version_on=date(2026, 2, 20))
    con = _connect(wh, shipped_from_versions=True)
    try:
        items = con.execute("SELECT * FROM fct_shipped_items($a) ORDER BY item_key",
                            {"a": datetime(2026, 6, 30, tzinfo=UTC)}).df().set_index("item_key")
        early = con.execute("SELECT item_key FROM fct_shipped_items($a) ORDER BY item_key",
                            {"a": datetime(2026, 2, 15, tzinfo=UTC)}).df()
    finally:
        con.close()
    # ATL-E1 is both imported and a completed Jira epic: the import wins
    assert items.loc["ATL-E1", "origin"] == "import" and items.loc["ATL-E1", "item_name"] == "Imported epic"
    # ATL-E2 only exists in Jira: completed 2026-02-10 -> shipped that day
    assert items.loc["ATL-E2", "origin"] == "epic"
    assert items.loc["ATL-E2", "shipped_on"].date() == date(2026, 2, 10)
    assert items.loc["ATL 2.0", "origin"] == "version"
    assert items.loc["WEB-1", "project_key"] == "WEB"      # from the epic key
    assert "WEB-3" not in items.index
    # as of 2026-02-15 the version (02-20) and WEB-1 (03-02) have not shipped
    assert list(early["item_key"]) == ["ATL-E1", "ATL-E2"]
    con = _connect(wh, shipped_from_epics=False)
    try:
        keys = set(con.execute("SELECT item_key FROM fct_shipped_items($a)",
                               {"a": datetime(2026, 6, 30, tzinfo=UTC)}).df()["item_key"])
    finally:
        con.close()
    assert "ATL-E2" not in keys and "ATL 2.0" not in keys   # versions are off by default


def test_hypotheses_get_the_impact_verdict(wh):
    con = _connect(wh)
    try:
        df = run_public(con, "outcomes__hypotheses", as_of=AS_OF).set_index("hypothesis_id")
    finally:
        con.close()
    # h1: WEB-2 shipped 03-12 on signups; WEB-1 (03-02, same metric) is inside its window
    assert df.loc["h1", "shipped_on"] is not None and df.loc["h1", "confounded_by"] == "WEB-1"
    assert df.loc["h1", "verdict"] in ("moved", "moved the wrong way", "no detectable change")
    assert df.loc["h2", "verdict"] == "too early"          # WEB-3 has not shipped by as_of


@pytest.fixture
def agreed(wh):
    """wh with agreements of retro r1 on product metrics (g1-g4) and a delivery metric (g5)."""
    ud = queries.userdata_path_for(wh)
    # signups mean over [03-02, 03-29] (i = 56..83): 100 + 69.5 + 10 = 179.5 (4 full weeks: WD averages 0)
    # before: [02-02, 03-01] (i = 28..55): 100 + 41.5 = 141.5
    userdata.add_agreement(ud, retro_id="r1", text="grow", start_on=date(2026, 3, 2), review_on=date(2026, 3, 29),
                           metric="signups", agreement_id="g1")
    userdata.add_agreement(ud, retro_id="r1", text="target", start_on=date(2026, 3, 2), review_on=date(2026, 3, 29),
                           metric="signups", target=180, direction="up", agreement_id="g2")
    userdata.add_agreement(ud, retro_id="r1", text="later", start_on=date(2026, 6, 1), review_on=date(2026, 7, 31),
                           metric="signups", agreement_id="g3")
    userdata.add_agreement(ud, retro_id="r1", text="no data", start_on=date(2025, 1, 1), review_on=date(2025, 1, 31),
                           metric="churn", agreement_id="g4")
    userdata.add_agreement(ud, retro_id="r1", text="delivery", start_on=date(2026, 3, 2), review_on=date(2026, 3, 29),
                           metric="cycle_time_p85", agreement_id="g5")
    return wh


def test_product_agreement_evaluation(agreed):
    con = _connect(agreed)
    try:
        df = run_public(con, "outcomes__agreement_evaluation", as_of=AS_OF).set_index("agreement_id")
    finally:
        con.close()
    assert set(df.index) == {"g1", "g2", "g3", "g4"}      # g5 is a delivery metric: not here
    assert df.loc["g1", "before_value"] == pytest.approx(141.5)
    assert df.loc["g1", "during_value"] == pytest.approx(179.5)
    assert df.loc["g1", "verdict"] == "met"                # no target: better than before (signups: up)
    assert df.loc["g2", "verdict"] == "not met"            # 179.5 < target 180
    assert df.loc["g3", "verdict"] == "too early"
    assert df.loc["g4", "verdict"] == "not measurable"


def test_agreement_verdicts_one_merge_for_every_report(agreed):
    # the Retro log, follow-through and the retro agreement evaluation give the same
    # hand-worked verdicts (test_product_agreement_evaluation's) and product values; g5's
    # delivery metric has no issues in the warehouse, so nothing completed during it. (This
    # guards the figures; that they come from one merge is the next test's.)
    con = _connect(agreed)
    try:
        at = datetime(2026, 6, 30, tzinfo=UTC)
        log = queries.run(con, "retro_log__agreement_verdicts", as_of=at).set_index("agreement_id")
        ev = queries.run(con, "retro__agreement_evaluation", as_of=at, board_id=None, project=None,
                         date_from=None, date_to=None).set_index("agreement_id")
        ft = run_public(con, "retro_follow_through", as_of=AS_OF).set_index("retro_id")
    finally:
        con.close()
    want = {"g1": "met", "g2": "not met", "g3": "too early", "g4": "not measurable", "g5": "not measurable"}
    assert log["verdict"].to_dict() == want
    assert ev["verdict"].to_dict() == want
    assert log.loc["g5", "reason"] == ev.loc["g5", "reason"] == "no data between start and review"
    # 179.5 < 180 (up): the side of the target it fell on, in words (the figures stand beside it)
    assert log.loc["g2", "reason"] == ev.loc["g2", "reason"] == "daily mean below its target during the agreement"
    assert ev.loc["g1", "before_value"] == pytest.approx(141.5)
    assert ev.loc["g1", "during_value"] == pytest.approx(179.5)
    assert ev.loc["g1", "metric_kind"] == "product" and ev.loc["g5", "metric_kind"] == "delivery"
    r1 = ft.loc["r1"]
    assert (r1.agreements, r1.agreements_met, r1.agreements_not_met, r1.agreements_too_early,
            r1.agreements_not_measurable, r1.agreements_product) == (5, 1, 1, 1, 2, 4)


def _mart_readers(roots: list[Path], marts: tuple[str, ...]) -> dict[str, set[str]]:
    """Per mart, the SQL files and Python modules under `roots` that call it (`name(`), outside
    comments; a file is named by its stem."""
    readers: dict[str, set[str]] = {m: set() for m in marts}
    for root in roots:
        for f in sorted(root.rglob("*.sql")) + sorted(root.rglob("*.py")):
            text = re.sub(r"--[^\n]*" if f.suffix == ".sql" else r"#[^\n]*", "", f.read_text(encoding="utf-8"))
            for m in marts:
                if f.stem != m and re.search(rf"\b{m}\s*\(", text):
                    readers[m].add(f.stem)
    return readers


def test_agreement_verdicts_are_merged_in_one_mart():
    # fct_retro_agreements gives a product-metric agreement the placeholder verdict 'product
    # metric'; fct_agreement_verdicts replaces it with the impact engine's (fct_metric_agreements).
    # That merge is written once: no other query or module reads the delivery mart (a second
    # copy of the merge, or a report showing the placeholder, would), and the three retro
    # reports read the merged mart.
    repo = Path(__file__).resolve().parent.parent
    readers = _mart_readers([repo / "queries", repo / "dashboard", repo / "connectors"],
                            ("fct_retro_agreements", "fct_agreement_verdicts"))
    assert readers["fct_retro_agreements"] == {"fct_agreement_verdicts"}
    assert readers["fct_agreement_verdicts"] >= {"retro_log__agreement_verdicts", "retro_follow_through",
                                                 "retro__agreement_evaluation"}


def test_impact_on_empty_warehouse(tmp_path):
    db = tmp_path / "e.duckdb"
    with staged_load(db, "demo", "demo"):
        pass
    con = _connect(db)
    try:
        df = run_public(con, "impact", as_of="2026-01-01")
        hyp = run_public(con, "outcomes__hypotheses", as_of="2026-01-01")
    finally:
        con.close()
    assert df.empty and "verdict" in df.columns and hyp.empty


def test_hypotheses_filters(wh):
    con = _connect(wh)
    try:
        web = run_public(con, "outcomes__hypotheses", as_of=AS_OF, project="WEB")
        atl = run_public(con, "outcomes__hypotheses", as_of=AS_OF, project="ATL")
        march = run_public(con, "outcomes__hypotheses", as_of=AS_OF, date_from="2026-03-10", date_to="2026-03-31")
    finally:
        con.close()
    assert sorted(web["hypothesis_id"]) == ["h1", "h2"] and atl.empty
    # h1's item shipped 03-12 (inside); h2's has not shipped and date_to is before as_of
    assert list(march["hypothesis_id"]) == ["h1"]


def test_the_analysis_counts_to_the_as_of_day_in_the_reporting_timezone(wh):
    """WEB-1 shipped 2026-03-02: its 28-day post window ends 03-29. At 2026-03-29 03:00 UTC it
    is still 03-28 (20:00) in Los Angeles, so reporting there the last post day has not come:
    too early (and the points end on 03-28). In UTC the day is 03-29: the window is complete,
    28 post days. The item view says the same as the card."""
    from queries.impact_view import item_view

    at = "2026-03-29T03:00:00+00:00"
    la = queries.connect(wh, config=AnalysisConfig(timezone="America/Los_Angeles"))
    utc = _connect(wh)
    try:
        def web1(con):
            df = run_public(con, "impact", as_of=at)
            return df[(df["item_key"] == "WEB-1") & (df["metric"] == "signups")].iloc[0]

        assert web1(la)["verdict"] == "too early"
        row = web1(utc)
        assert row["verdict"] != "too early" and row["post_days"] == 28
        view = item_view(la, as_of=pd.Timestamp(at).to_pydatetime(), item_key="WEB-1", metric="signups")
        assert view.row["verdict"] == "too early"
        seen = view.curve.dropna(subset=["value"])["day"]
        assert pd.Timestamp(seen.max()) == pd.Timestamp("2026-03-28")   # no value after the as-of day is drawn
    finally:
        la.close()
        utc.close()
