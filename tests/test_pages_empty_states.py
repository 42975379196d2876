"""Empty states say what is empty and why (docs/pages.md "Empty states"), and pages name
metrics, checks and figures in words (AppTest on the demo and on an empty warehouse)."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
from helpers_pages import app_for, empty_warehouse, open_page, problems

from dashboard import present

VERDICTS = {"met", "not met", "too early", "not measurable"}


@pytest.fixture(scope="module")
def empty_db(tmp_path_factory) -> Path:
    return empty_warehouse(tmp_path_factory.mktemp("empty") / "empty.duckdb")


def before_the_data(monkeypatch, db, slug, board=None):
    """A page on the demo with the period 1 Jan – 1 Feb 2025 (months before its data)."""
    at = app_for(monkeypatch, db)
    at.query_params["from"] = "2025-01-01"
    at.query_params["to"] = "2025-02-01"
    if board:
        at.query_params["board"] = board
    open_page(at, slug)
    assert not problems(at), problems(at)
    return at


def infos(at) -> list[str]:
    return [i.value for i in at.info]


@pytest.mark.parametrize(("slug", "expected"), [
    ("sprint_retro", "No sprints started between 1 Jan 2025 and 1 Feb 2025 for any team. The data holds sprints "
                     "started from 25 May 2026 to 16 Nov 2026: widen the period in the sidebar."),
    ("calibration", "No estimated issues completed between 1 Jan 2025 and 1 Feb 2025 for any team. The data holds "
                    "estimated issues completed from"),
])
def test_a_period_before_the_data_names_the_filter(monkeypatch, demo_db, slug, expected):
    at = before_the_data(monkeypatch, demo_db, slug)
    texts = infos(at)
    assert any(t.startswith(expected) for t in texts), texts
    assert not any("sync jira" in t or "no sprints" in t.casefold() and "warehouse" in t for t in texts), texts


def test_one_team_is_named(monkeypatch, demo_db):
    at = before_the_data(monkeypatch, demo_db, "sprint_retro", board="2")
    assert any(t.startswith("No sprints started between 1 Jan 2025 and 1 Feb 2025 for Borealis. The data holds "
                            "sprints started from") for t in infos(at)), infos(at)


def test_outcomes_before_the_data_says_why_in_every_section(monkeypatch, demo_db):
    at = before_the_data(monkeypatch, demo_db, "outcomes")
    texts = infos(at)
    for start in ("No items shipped between 1 Jan 2025 and 1 Feb 2025 for any team. The data holds items shipped "
                  "from 20 Jul 2026 to 26 Oct 2026",
                  "No daily values of ",   # the chart is not drawn as empty axes
                  "No hypotheses on items shipped between 1 Jan 2025 and 1 Feb 2025 for any team. The data holds",
                  "No working agreements on product metrics running between 1 Jan 2025 and 1 Feb 2025"):
        assert any(t.startswith(start) and t.endswith("widen the period in the sidebar.") for t in texts), \
            (start, texts)
    assert not any("recorded yet" in t for t in texts), texts
    assert "Working agreements on product metrics" in [h.value for h in at.subheader]
    assert not at.get("plotly_chart")


@pytest.mark.parametrize(("slug", "expected"), [
    ("sprint_retro", ["No sprints started by the as-of date 10 May 2026 for any team. The data holds sprints "
                      "started from 25 May 2026 to 16 Nov 2026: move the as-of date later in the sidebar."]),
    ("calibration", ["No estimated issues completed by the as-of date 10 May 2026 for any team. The data holds "
                     "estimated issues completed from"]),
    ("outcomes", ["No items shipped by the as-of date 10 May 2026 for any team. The data holds items shipped from "
                  "20 Jul 2026 to 26 Oct 2026: move the as-of date later in the sidebar.",
                  "No hypotheses from retros held by the as-of date 10 May 2026 for any team. Later ones hold "
                  "hypotheses on items shipped from"]),
])
def test_an_as_of_before_the_data_says_so_not_that_the_warehouse_is_empty(monkeypatch, demo_db, slug, expected):
    """With the as-of date before the demo's first sprint, the pages said "The warehouse holds no
    sprints for any team" and advised a Jira sync; the data was there, after the as-of date."""
    at = app_for(monkeypatch, demo_db)
    at.query_params["as_of"] = "2026-05-10"
    open_page(at, slug)
    assert not problems(at), problems(at)
    texts = infos(at)
    for start in expected:
        assert any(t.startswith(start) for t in texts), (start, texts)
    shown = texts + [m.value for m in at.markdown] + [c.value for c in at.caption]
    assert not any("warehouse holds no" in t.casefold() or "sync jira" in t for t in shown), shown


@pytest.mark.parametrize("slug", ["sprint_retro", "calibration"])
def test_an_empty_warehouse_gets_the_command_that_fills_it(monkeypatch, empty_db, slug):
    at = open_page(app_for(monkeypatch, empty_db), slug)
    assert not problems(at), problems(at)
    texts = infos(at)
    what = {"sprint_retro": "sprints", "calibration": "estimated issues"}[slug]
    assert any(t.startswith(f"The warehouse holds no {what} for any team.") and
               f"retroscope --db {empty_db} sync jira --url" in t and "widen" not in t for t in texts), texts


def test_on_the_demo_a_sync_goes_to_its_own_warehouse(monkeypatch, demo_db):
    """Borealis has no sprints before as-of 2026-05-01 (the demo's first start is 25 May): the
    page says they come later (it once said the demo held none for the team). Where a warehouse
    truly holds none, the advice on the demo's warehouse is a sync into a warehouse of one's own:
    a sync into the demo's is refused."""
    at = app_for(monkeypatch, demo_db)
    at.query_params["as_of"] = "2026-05-01"
    at.query_params["board"] = "2"
    open_page(at, "sprint_retro")
    assert not problems(at), problems(at)
    assert any(t.startswith("No sprints started by the as-of date 1 May 2026 for Borealis. The data holds sprints "
                            "started from") for t in infos(at)), infos(at)
    from connectors.demo import SOURCE
    from dashboard import data, empty

    monkeypatch.setattr(data, "run_query", lambda name, **p: pd.DataFrame({"source": [SOURCE]}))
    monkeypatch.setattr(data, "db_label", lambda: str(demo_db))
    advice = empty.sync_command()
    assert "demo's warehouse" in advice and "retroscope --db data/retroscope.duckdb sync jira" in advice
    assert f"--db {demo_db} sync" not in advice


def test_sprint_retro_agreements_have_only_the_documented_verdicts(monkeypatch, demo_db):
    at = open_page(app_for(monkeypatch, demo_db), "sprint_retro")
    assert not problems(at), problems(at)
    agreements = [d.value for d in at.dataframe if {"verdict", "target", "metric"} <= set(d.value.columns)]
    assert agreements
    rows = pd.concat(agreements)
    assert set(rows["verdict"]) <= VERDICTS, set(rows["verdict"])
    assert not rows["metric"].astype(str).str.contains("_").any()
    # the chosen sprint's team's agreements (under All teams too): not the Product retro's, whose
    # team is no board; that one is on Product outcomes, its target in the metric's unit
    assert set(rows["team"]) == {"Atlas"} and "conversion rate" not in set(rows["metric"]), rows[["team", "metric"]]
    at = open_page(app_for(monkeypatch, demo_db), "outcomes")
    assert not problems(at), problems(at)
    rows = pd.concat([d.value for d in at.dataframe if {"verdict", "target", "metric"} <= set(d.value.columns)])
    assert set(rows["verdict"]) <= VERDICTS, set(rows["verdict"])
    product = rows[rows["metric"] == "conversion rate"]   # the demo's Product retro agreement
    assert len(product) and (product["target"] == "3.4 %").all(), product[["metric", "target"]]


def test_outcomes_and_data_quality_read_in_words(monkeypatch, demo_db):
    at = open_page(app_for(monkeypatch, demo_db), "outcomes")
    assert not problems(at), problems(at)
    text = " ".join(m.value for m in at.markdown) + " ".join(c.value for c in at.caption)
    assert "metric **conversion rate**" in text and "_rate" not in text and "as_of" not in text
    cards = [m.value.split("**")[1] for m in at.markdown if m.value.startswith("Effect **")]
    hyp = next(d.value for d in at.dataframe if "effect (%)" in d.value.columns)
    shown = [v for v in hyp["effect (%)"] if v]
    assert shown and all(v == present.signed_pct(float(v.replace("−", "-").rstrip(" %")) / 100) for v in shown)
    assert set(shown) <= set(cards), (shown, cards)   # one precision on cards and in the table
    at = open_page(app_for(monkeypatch, demo_db), "data_sources")
    checks = next(d.value for d in at.dataframe if "check" in d.value.columns)["check"]
    assert "no estimate" in set(checks) and not checks.str.contains("_").any()


def test_the_display_rules():
    assert present.metric_name("retention_d30") == "retention d30"
    assert present.metric_name("cycle_time_p85") == "Cycle time p85"
    assert present.pct(0.8) == "80 %" and present.pct(None) == "–"
    # a share above nothing never reads as none ("Blocked 0 %" beside two blocked issues)
    assert [present.pct(v) for v in (0.0, 0.004, 0.012)] == ["0 %", "<1 %", "1 %"]
    assert (present.pct(0.0004, 1), present.pct(0.0012, 1)) == ("<0.1 %", "0.1 %")
    assert (present.signed_pct(0.0853), present.signed_pct(-0.011)) == ("+8.5 %", "−1.1 %")
    words = present.in_words(pd.DataFrame({"check": ["no_estimate", "new_check"], "due_from": ["due date", None]}))
    assert words["check"].tolist() == ["no estimate", "new check"]
    assert present.report_frame(pd.DataFrame({"effect_rel": [0.0853]}))["effect (%)"].tolist() == ["+8.5 %"]
    # one number of decimals per column: 0.58 beside 18.2 is 0.6; a column below 1 keeps two
    shown = present.report_frame(pd.DataFrame({"actual": [0.58, 18.2], "ratio": [0.45, 0.2],
                                               "hit_rate": [0.004, 0.5]}))
    assert shown["actual"].tolist() == ["0.6", "18.2"]
    assert shown["actual ÷ likely (×)"].tolist() == ["0.45", "0.20"]
    assert shown["hit rate (%)"].tolist() == ["<1 %", "50 %"]       # tables spell shares as pages do
