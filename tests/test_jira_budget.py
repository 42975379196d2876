"""Request budgets of the Jira sync, counted per endpoint on the fake Jira (Cloud and DC).

The minimum a full sync needs: site, user, statuses, fields (4); one project listing; the
board listing (50 a page); per board in scope, its configuration and its sprint pages; the
search pages; the changelog calls where the embedded history is incomplete (Cloud: bulk
fetch, 1,000 issues a call). A full sync may use at most 1.1 x that; a no-change incremental
sync at most 3 requests whatever the site's size."""

from __future__ import annotations

import math
from collections import Counter

import pytest
from fake_jira.site import COLUMNS, SP_FIELD, Board, small_site, status_item
from helpers_jira import later, start, sync, table

from connectors.jira_issues import endpoint_of

MODES = ("cloud", "dc")


def per_endpoint(reqs) -> Counter:
    return Counter(f"{r.method} {endpoint_of(r.path)}" for r in reqs)


def busy_site():
    """The small site plus 3 projects nobody syncs with 60 boards between them (so the board
    listing takes 2 pages of 50) and 2 more boards on ATL (one kanban)."""
    site = small_site()
    for n, key in enumerate(("OTH", "MOR", "XTR")):
        site.projects[key] = (str(10300 + n), f"Other {n}")
    for i in range(60):
        site.boards.append(Board(100 + i, f"Other board {i}", ("OTH", "MOR", "XTR")[i % 3], COLUMNS, SP_FIELD))
    site.boards.append(Board(3, "Atlas kanban", "ATL", COLUMNS, None, type="kanban"))
    return site


def minimum_full(fake, projects=("ATL", "BOR")) -> int:
    s = fake.site
    scoped = [b for b in s.boards if b.project in projects]
    sprint_pages = sum(max(1, math.ceil(len([x for x in s.sprints if x.board == b.id]) / 50))
                       for b in scoped if b.type != "kanban")
    issues = [i for i in s.live() if i.project in projects]
    search = max(1, math.ceil(len(issues) / 100))
    if fake.mode == "cloud":
        changelog = math.ceil(len(issues) / 1000)
    else:
        changelog = sum(1 for i in issues if len(i.histories) > fake.dc_embed)
    return 4 + 1 + math.ceil(len(s.boards) / 50) + len(scoped) + sprint_pages + search + changelog


@pytest.fixture(params=MODES)
def fake(request):
    f = start(request.param, busy_site())
    yield f
    f.__exit__()


def test_full_sync_is_within_1_1_x_the_minimum(tmp_path, fake):
    s = sync(tmp_path / "w.duckdb", fake)
    got = per_endpoint(fake.requests)
    search = "POST /rest/api/2/search/jql" if fake.mode == "cloud" else "GET /rest/api/2/search"
    search = search if got[search] else search.replace("POST", "GET")
    expected = {
        "GET /rest/api/2/serverInfo": 1, "GET /rest/api/2/myself": 1, "GET /rest/api/2/status": 1,
        "GET /rest/api/2/field": 1, "GET /rest/api/2/project": 1,
        "GET /rest/agile/1.0/board": 2,                          # 63 boards, 50 a page
        "GET /rest/agile/1.0/board/{id}/configuration": 3,       # ATL's two boards and BOR's, not the 60 others
        "GET /rest/agile/1.0/board/{id}/sprint": 2,              # not the kanban board
        search: 1,
    }
    if fake.mode == "cloud":
        expected["POST /rest/api/3/changelog/bulkfetch"] = 1
    assert dict(got) == expected
    assert sum(got.values()) <= 1.1 * minimum_full(fake)
    assert s.endpoints == dict(got) and s.requests == len(fake.requests)
    assert len(table(tmp_path / "w.duckdb", "raw_issues")) == 7


def test_no_change_sync_costs_two_requests(tmp_path, fake):
    db = tmp_path / "w.duckdb"
    sync(db, fake)
    n = len(fake.requests)
    s = sync(db, fake, when=later(60))
    got = per_endpoint(fake.requests[n:])
    assert sum(got.values()) <= 3
    if fake.mode == "cloud":
        assert set(got) <= {"GET /rest/api/2/search/jql", "POST /rest/api/2/search/jql",
                            "POST /rest/api/2/search/approximate-count"}
        assert got["POST /rest/api/2/search/approximate-count"] == 1
    else:
        assert dict(got) == {"GET /rest/api/2/search": 2}      # the empty window and the count (maxResults=1)
    assert s.issues_seen == 0 and sum(got.values()) == 2
    assert any("Jira counts 7 issues in scope, the warehouse 7: nothing to list" in c for c in s.checks)
    assert any("cached at" in c for c in s.checks)
    assert "checked: deletions" in s.text()


def test_no_change_sync_does_not_grow_with_the_site(tmp_path):
    """Ten times the issues (and histories): still two requests."""
    from fake_jira.site import generated_site
    for mode in MODES:
        with start(mode, generated_site(700)) as fake:
            fake.search_cap = fake.dc_cap = 100
            db = tmp_path / f"{mode}.duckdb"
            sync(db, fake)
            n = len(fake.requests)
            sync(db, fake, when=later(60))
            assert len(fake.requests) - n == 2, mode


def test_sync_after_a_deletion_lists_ids_once(tmp_path, fake):
    db = tmp_path / "w.duckdb"
    sync(db, fake)
    fake.site.delete("20002")
    n = len(fake.requests)
    s = sync(db, fake, when=later(60))
    got = per_endpoint(fake.requests[n:])
    # the empty window, the count (6 in Jira, 7 in the warehouse), one id-listing page
    assert sum(got.values()) == 3
    assert s.issues_deleted == 1
    assert any("Jira counts 6 issues in scope, the warehouse 7: listed the ids, 1 gone" in c for c in s.checks)
    issues = table(db, "raw_issues")
    assert list(issues[issues.is_deleted].issue_id) == ["20002"]
    # and the next no-change sync agrees again: 2 requests
    n = len(fake.requests)
    sync(db, fake, when=later(90))
    assert len(fake.requests) - n == 2


def test_reconcile_flag_and_schedule_list_every_id(tmp_path, fake):
    db = tmp_path / "w.duckdb"
    sync(db, fake)
    n = len(fake.requests)
    s = sync(db, fake, when=later(60), reconcile=True)
    got = per_endpoint(fake.requests[n:])
    assert sum(got.values()) == 2                 # the empty window and one id page; no count needed
    assert any("full reconcile (--reconcile)" in c for c in s.checks)
    ids = [r for r in fake.requests[n:] if "id" == (r.query.get("fields") or (r.body or {}).get("fields") or [""])[0]]
    assert ids, "an id-only listing"
    # eight days later the weekly reconcile and the daily metadata refresh are both due
    s = sync(db, fake, when=later(60 * 24 * 8))
    assert any("last full reconcile over 7 days ago" in c for c in s.checks)
    assert any("metadata fetched" in c for c in s.checks)


def test_metadata_is_cached_for_a_day_and_refreshed_after(tmp_path, fake):
    db = tmp_path / "w.duckdb"
    sync(db, fake)
    n = len(fake.requests)
    sync(db, fake, when=later(60 * 23))
    assert not [r for r in fake.requests[n:] if r.path.endswith(("/field", "/status", "/serverInfo", "/board"))]
    n = len(fake.requests)
    sync(db, fake, when=later(60 * 25))
    got = per_endpoint(fake.requests[n:])
    for ep in ("GET /rest/api/2/serverInfo", "GET /rest/api/2/field", "GET /rest/api/2/status",
               "GET /rest/api/2/project"):
        assert got[ep] == 1, ep
    assert got["GET /rest/agile/1.0/board"] == 2          # 63 boards, 50 a page
    # and --full always refreshes
    n = len(fake.requests)
    sync(db, fake, when=later(60 * 26), full=True)
    assert per_endpoint(fake.requests[n:])["GET /rest/api/2/field"] == 1


def test_a_status_added_since_the_cache_is_fetched(tmp_path, fake):
    db = tmp_path / "w.duckdb"
    sync(db, fake)
    fake.site.statuses["10500"] = ("QA", "indeterminate")
    fake.site.add_history("20002", later(2), [status_item("10000", "10500", to_name="QA")])
    fake.site.issues["20002"].status = "10500"
    n = len(fake.requests)
    s = sync(db, fake, when=later(30))
    assert per_endpoint(fake.requests[n:])["GET /rest/api/2/status"] == 1
    st = table(db, "raw_statuses")
    assert st[st.status_id == "10500"]["name"].tolist() == ["QA"]
    assert not any("appear in history but not in Jira's status list" in w for w in s.warnings)
