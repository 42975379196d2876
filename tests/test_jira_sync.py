"""The Jira sync end to end: a real HTTP fake Jira (Cloud and DC shapes), the real `jira`
client, the real load path. Expected values are read off tests/fake_jira/site.py."""

from __future__ import annotations

import json
import re
from dataclasses import replace
from datetime import UTC, datetime

import pytest
from fake_jira.site import small_site
from helpers_jira import FAST, later, start, sync, table, tables

import queries
from connectors.settings import load_settings
from queries.errors import RetroscopeError

MODES = ("cloud", "dc")


@pytest.fixture(params=MODES)
def fake(request):
    f = start(request.param)
    yield f
    f.__exit__()


@pytest.fixture(scope="module", params=MODES)
def synced(request, tmp_path_factory):
    """(warehouse after one first sync of the small site, the fake, the summary) per shape;
    read-only for the tests that use it."""
    f = start(request.param)
    db = tmp_path_factory.mktemp(request.param) / "w.duckdb"
    s = sync(db, f)
    yield db, f, s
    f.__exit__()


def _issue(db, key):
    df = table(db, "raw_issues")
    rows = df[df.issue_key == key]
    assert len(rows) == 1, f"{key}: {len(rows)} rows"
    return rows.iloc[0]


# --------------------------------------------------------------------------- a first sync
def test_first_sync_writes_every_raw_table(synced):
    db, fake, s = synced
    issues = table(db, "raw_issues", "issue_key")
    # seven issues in the fixture: ATL-1..5, BOR-1, BOR-2
    assert list(issues.issue_key) == ["ATL-1", "ATL-2", "ATL-3", "ATL-4", "ATL-5", "BOR-1", "BOR-2"]
    assert (s.issues_new, s.issues_updated, s.issues_deleted) == (7, 0, 0)
    assert not issues.is_deleted.any()
    # status changes: ATL-1 1 + ATL-2 1 + ATL-3 3 + ATL-4 2 + ATL-5 6 + BOR-1 2 = 15
    assert len(table(db, "raw_status_changes")) == 15
    # other items: ATL-2 4 (sprint, points, points, sprint) + ATL-3 1 (resolution) + ATL-5 1 (sprint)
    #              + BOR-1 2 (sprint, points) = 8
    fc = table(db, "raw_field_changes")
    assert len(fc) == 8
    assert sorted(fc.field_key.value_counts().items()) == [("resolution", 1), ("sprint", 4), ("story_points", 3)]
    # histories: 1 + 4 + 3 + 2 + 7 + 3 + 0 = 20
    assert s.histories == 20
    assert sorted(table(db, "raw_statuses").status_id) == ["10000", "10001", "10003", "10004", "3"]
    assert sorted(table(db, "raw_projects").project_key) == ["ATL", "BOR"]
    # fix versions are fetched only when shipped items come from versions (see test_versions_only_when_asked)
    assert table(db, "raw_versions").empty
    boards = table(db, "raw_boards", "board_id")
    assert list(boards.estimation_field_id) == ["customfield_10016", "customfield_10026"]
    cols = table(db, "raw_board_columns")
    assert len(cols) == 10      # 5 statuses on each of 2 boards
    done = cols[(cols.board_id == "1") & (cols.position == cols.position.max())]
    assert sorted(done.status_id) == ["10003", "10004"]
    loads = table(db, "raw_loads")
    assert list(loads.kind) == ["sync"] and loads.source[0] == f"jira:{fake.url}"
    assert loads.data_as_of[0] == datetime(2026, 4, 1, tzinfo=UTC)
    state = table(db, "raw_sync_state")
    bookmark = state[state.scope.str.startswith("issues_updated:")]
    assert list(bookmark.value) == ["2026-04-01T00:00:00+00:00"]


def test_versions_only_when_asked(tmp_path, fake):
    db = tmp_path / "w.duckdb"
    sync(db, fake, versions=True)
    v = table(db, "raw_versions").iloc[0]
    assert (v.version_id, v["name"], bool(v.is_released), str(v.release_on)[:10]) == ("30001", "1.0", True, "2026-03-20")
    # one versions call per project in scope (ATL, BOR)
    assert sorted(r.path for r in fake.paths(r"/versions$")) == ["/rest/api/2/project/ATL/versions",
                                                                  "/rest/api/2/project/BOR/versions"]


def test_sub_tasks_epics_and_timestamps(synced):
    db, fake, s = synced
    sub = _issue(db, "ATL-4")
    assert bool(sub.is_subtask) and sub.parent_id == "10002"
    # Cloud: parent is the epic; DC: the Epic Link field holds the key ATL-1, resolved to its id
    assert _issue(db, "ATL-2").epic_id == "10001"
    # created 2026-02-20 09:00 at +0800 = 01:00 UTC
    assert _issue(db, "ATL-1").created_at == datetime(2026, 2, 20, 1, tzinfo=UTC)
    sc = table(db, "raw_status_changes")
    first = sc[sc.history_id == "5102"].iloc[0]
    # 2026-03-03 10:00 +0800 = 02:00 UTC
    assert first.changed_at == datetime(2026, 3, 3, 2, tzinfo=UTC)


def test_two_story_point_fields_on_one_site(synced):
    db, fake, s = synced
    # ATL's boards estimate with "Story point estimate" (10016), BOR's with "Story Points" (10026).
    assert _issue(db, "ATL-2").story_points == 5.0
    assert _issue(db, "ATL-3").story_points == 2.0
    # BOR-1 has 8 in Story Points and a stray 1 in Story point estimate: 8 is its estimate.
    assert _issue(db, "BOR-1").story_points == 8.0
    fc = table(db, "raw_field_changes")
    bor = fc[(fc.issue_id == "20001") & (fc.field_key == "story_points")].iloc[0]
    assert (bor.from_value, bor.to_value) == ("5", "8")


def test_sprints_with_commas_in_names(synced):
    db, fake, s = synced
    sp = table(db, "raw_sprints", "sprint_id")
    assert list(sp.sprint_id) == ["11", "12", "21"]
    assert list(sp.name) == ["ATL Sprint 1", "ATL Sprint 2, the big one", "BOR sprint, with commas, 1"]
    assert list(sp.state) == ["closed", "active", "closed"]
    assert list(sp.board_id) == ["1", "1", "2"]
    assert sp.goal[2] == "Ship it, finally"
    assert list(_issue(db, "ATL-2").sprint_ids) == ["11", "12"]
    if fake.mode == "dc":
        # activatedDate exists only in DC's Sprint@ strings: 2026-03-02 09:30 +08:00 = 01:30 UTC
        assert sp.activated_at[0] == datetime(2026, 3, 2, 1, 30, tzinfo=UTC)


# --------------------------------------------------------------------------- paging and endpoints
def test_cloud_token_paging_and_no_old_search(tmp_path):
    with start("cloud") as fake:
        fake.search_cap = 2
        sync(tmp_path / "w.duckdb", fake)
        pages = [r for r in fake.paths(r"/search/jql$")]
    assert len(table(tmp_path / "w.duckdb", "raw_issues")) == 7
    # 7 issues, 2 per page: 4 pages; every page after the first carries the previous token
    assert len(pages) == 4
    assert [bool(r.query.get("nextPageToken")) for r in pages] == [False, True, True, True]
    # the removed search API (410 on Cloud) is never called
    assert not fake.paths(r"/rest/api/\d/search$")


def test_dc_offset_paging_advances_by_issues_returned(tmp_path):
    with start("dc") as fake:
        fake.dc_cap = 3            # the server caps pages below the 100 asked for
        sync(tmp_path / "w.duckdb", fake)
        starts = [int(r.query["startAt"][0]) for r in fake.paths(r"/rest/api/2/search$")]
    assert starts == [0, 3, 6]
    assert len(table(tmp_path / "w.duckdb", "raw_issues")) == 7


def test_cloud_site_misreported_as_server_gets_a_clear_410_line(tmp_path):
    with start("cloud") as fake:
        fake.deployment = "Server"
        with pytest.raises(RetroscopeError) as e:
            sync(tmp_path / "w.duckdb", fake)
    msg = str(e.value)
    assert "410" in msg and "/rest/api/2/search" in msg and "\n" not in msg
    assert not (tmp_path / "w.duckdb").exists()


def test_dc_truncated_embedded_changelog_is_fetched_whole(tmp_path):
    with start("dc") as fake:
        fake.dc_embed = 3          # the search embeds only the 3 most recent histories
        sync(tmp_path / "w.duckdb", fake)
        per_issue = sorted(r.path for r in fake.paths(r"/rest/api/2/issue/"))
    # ATL-2 has 4 histories and ATL-5 has 7: only those two are fetched again
    assert per_issue == ["/rest/api/2/issue/10002", "/rest/api/2/issue/10005"]
    sc = table(tmp_path / "w.duckdb", "raw_status_changes")
    assert len(sc[sc.issue_id == "10005"]) == 6       # all six status changes of ATL-5
    fc = table(tmp_path / "w.duckdb", "raw_field_changes")
    assert len(fc[fc.issue_id == "10002"]) == 4        # incl. the oldest history 5101 (sprint + points)


def test_cloud_bulkfetch_spanning_pages(tmp_path):
    with start("cloud") as fake:
        fake.bulk_cap = 4          # 20 histories, 4 per page: 5 pages, issues split across pages
        sync(tmp_path / "w.duckdb", fake)
        bulk = fake.paths(r"/changelog/bulkfetch$")
        per_issue = fake.paths(r"/issue/.*/changelog$")
    assert len(bulk) == 5 and not per_issue
    assert all(len(r.body["issueIdsOrKeys"]) == 7 for r in bulk)     # one call's pages, same ids
    assert len(table(tmp_path / "w.duckdb", "raw_status_changes")) == 15
    assert len(table(tmp_path / "w.duckdb", "raw_field_changes")) == 8


def test_cloud_bulkfetch_never_sends_more_ids_than_allowed(tmp_path, monkeypatch):
    from connectors import jira_issues
    monkeypatch.setattr(jira_issues, "CHUNK", 5)        # process 5+ issues at a time...
    monkeypatch.setattr(jira_issues, "BULK_IDS", 2)     # ...but send at most 2 ids per bulkfetch
    with start("cloud") as fake:
        fake.search_cap = 3        # pages of 3: the first chunk has 6 issues (3 + 3), then 1
        sync(tmp_path / "w.duckdb", fake)
        sizes = [len(r.body["issueIdsOrKeys"]) for r in fake.paths(r"/changelog/bulkfetch$")]
    assert sizes == [2, 2, 2, 1]
    assert len(table(tmp_path / "w.duckdb", "raw_status_changes")) == 15


def test_cloud_without_bulkfetch_falls_back_per_issue(tmp_path):
    with start("cloud") as fake:
        fake.bulk_enabled = False
        s = sync(tmp_path / "w.duckdb", fake)
        per_issue = fake.paths(r"/rest/api/3/issue/.*/changelog$")
    assert len(per_issue) == 7
    assert len(table(tmp_path / "w.duckdb", "raw_status_changes")) == 15
    assert any("bulk changelog unavailable" in w for w in s.warnings)


def test_status_renamed_between_histories_maps_by_id(synced):
    db, fake, s = synced
    sc = table(db, "raw_status_changes")
    atl3 = sc[sc.issue_id == "10003"].sort_values("changed_at")
    # the first history calls status 3 "Doing", the next "In Progress": same id
    assert list(atl3.to_status_name)[:1] == ["Doing"] and list(atl3.from_status_name)[1:2] == ["In Progress"]
    assert list(atl3.to_status_id)[0] == list(atl3.from_status_id)[1] == "3"
    con = queries.connect(db)
    try:
        st = con.execute("SELECT name, category FROM stg_statuses WHERE status_id = '3'").fetchall()
    finally:
        con.close()
    assert st == [("In Progress", "in_progress")]


# --------------------------------------------------------------------------- incremental
def test_incremental_twice_gives_identical_tables(tmp_path, fake):
    db = tmp_path / "w.duckdb"
    sync(db, fake)
    fake.site.transition("20002", "3", later(2).astimezone(UTC))      # BOR-2 starts after the first sync
    s2 = sync(db, fake, when=later(5))
    assert (s2.issues_seen, s2.issues_new, s2.issues_updated) == (1, 0, 1)
    assert _issue(db, "BOR-2").status_id == "3"
    snap = tables(db, [t for t in queries.raw_tables() if t not in ("raw_loads", "raw_sync_state")])
    n = len(fake.requests)
    s3 = sync(db, fake, when=later(8))     # overlap (10 min) re-reads BOR-2: same rows again
    assert s3.issues_seen == 1 and s3.issues_new == 0
    now = tables(db, snap)
    for t, before in snap.items():
        after = now[t]
        cols = list(before.columns)
        key = [c for c in ("issue_id", "history_id", "item_seq", "sprint_id", "status_id", "board_id", "version_id",
                           "project_id", "position") if c in cols]
        assert before.sort_values(key).reset_index(drop=True).equals(after.sort_values(key).reset_index(drop=True)), t
    # the incremental search names the window in the Jira user's timezone (America/Los_Angeles):
    # the previous sync began at later(5) = 00:05 UTC on 1 April; minus the 10-minute overlap that is
    # 2026-03-31 23:55 UTC = 16:55 PDT
    jql = [r for r in fake.requests[n:] if "search" in r.path and "updated" in json.dumps(r.query) + json.dumps(r.body)]
    sent = json.dumps(jql[0].query or jql[0].body)
    assert "updated >= \\\"2026/03/31 16:55\\\"" in sent, sent       # not 23:55 (UTC)


def test_moved_issue_keeps_its_id_and_records_the_key_change(tmp_path, fake):
    db = tmp_path / "w.duckdb"
    sync(db, fake)
    fake.site.move("10005", "BOR", "BOR-3", later(5))
    s = sync(db, fake, when=later(30))
    assert s.issues_updated == 1 and s.issues_deleted == 0
    row = _issue(db, "BOR-3")
    assert (row.issue_id, row.project_key, bool(row.is_deleted)) == ("10005", "BOR", False)
    assert "ATL-5" not in set(table(db, "raw_issues").issue_key)
    fc = table(db, "raw_field_changes")
    moved = fc[(fc.issue_id == "10005") & fc.field_key.isin(["key", "project"])].sort_values("item_seq")
    assert list(moved.field_key) == ["key", "project"]
    assert (moved.from_string.iloc[0], moved["to_string"].iloc[0]) == ("ATL-5", "BOR-3")
    # its history is still complete: 6 status changes from before the move
    sc = table(db, "raw_status_changes")
    assert len(sc[sc.issue_id == "10005"]) == 6


def test_deleted_and_moved_out_issues_are_soft_deleted(tmp_path, fake):
    db = tmp_path / "w.duckdb"
    sync(db, fake)
    fake.site.projects["OUT"] = ("10900", "Elsewhere")
    fake.site.delete("20002")                                # BOR-2 deleted in Jira
    fake.site.move("10003", "OUT", "OUT-1", later(5))        # ATL-3 moved to a project not synced
    s = sync(db, fake, when=later(30))
    assert s.issues_deleted == 2
    issues = table(db, "raw_issues")
    deleted = issues[issues.is_deleted]
    assert sorted(deleted.issue_id) == ["10003", "20002"]
    assert len(issues) == 7
    # they no longer reach the metrics
    con = queries.connect(db)
    try:
        live = {r[0] for r in con.execute("SELECT issue_id FROM stg_issues").fetchall()}
    finally:
        con.close()
    assert "20002" not in live and "10003" not in live and len(live) == 5


def test_full_rebuild_drops_what_jira_no_longer_has(tmp_path, fake):
    db = tmp_path / "w.duckdb"
    sync(db, fake)
    fake.site.delete("20002")
    s = sync(db, fake, when=later(30), full=True)
    assert s.full and s.issues_seen == 6
    assert "20002" not in set(table(db, "raw_issues").issue_id)
    assert len(table(db, "raw_status_changes")) == 15


# --------------------------------------------------------------------------- failures keep the last good data
def _snapshot(db):
    return tables(db, queries.raw_tables())


def test_sync_killed_midway_keeps_previous_data(tmp_path, fake):
    db = tmp_path / "w.duckdb"
    sync(db, fake)
    before = _snapshot(db)
    fake.site.transition("20002", "3", later(2))

    def boom(phase, done, total=None):
        if phase == "changelogs" or (phase == "issues" and done > 0):
            raise KeyboardInterrupt("killed")

    with pytest.raises(KeyboardInterrupt):
        sync(db, fake, when=later(5), progress=boom)
    after = _snapshot(db)
    for t in before:
        assert before[t].equals(after[t]), t
    assert _issue(db, "BOR-2").status_id == "10000"
    assert not list(tmp_path.glob("w.duckdb.tmp-*"))
    log = (tmp_path / "w.duckdb.loads.log").read_text()
    assert '"status": "failed"' in log


def test_server_failure_midway_keeps_previous_data(tmp_path, fake):
    db = tmp_path / "w.duckdb"
    sync(db, fake)
    before = _snapshot(db)
    fake.fail(r"/search", 500, times=100)
    with pytest.raises(RetroscopeError, match="HTTP 500"):
        sync(db, fake, when=later(5))
    after = _snapshot(db)
    assert all(before[t].equals(after[t]) for t in before)


# --------------------------------------------------------------------------- scope errors
def test_unknown_project_is_one_clear_line(tmp_path, fake):
    with pytest.raises(RetroscopeError) as e:
        sync(tmp_path / "w.duckdb", fake, projects=["NOPE"])
    msg = str(e.value)
    assert "project NOPE not found" in msg and "--project" in msg and "\n" not in msg


def test_unknown_board_is_one_clear_line(tmp_path, fake):
    with pytest.raises(RetroscopeError, match=r"board 99 not found .*404.*--board"):
        sync(tmp_path / "w.duckdb", fake, projects=(), boards=["99"])


def test_board_only_scope_syncs_its_project(tmp_path, fake):
    db = tmp_path / "w.duckdb"
    sync(db, fake, projects=(), boards=["2"])
    assert sorted(table(db, "raw_issues").issue_key) == ["BOR-1", "BOR-2"]
    assert list(table(db, "raw_boards").board_id) == ["2"]


def test_ambiguous_story_points_stop_the_sync_with_the_config_line(tmp_path):
    site = small_site()
    for b in site.boards:
        b.estimation = None        # no board says which field it uses
    with start("cloud", site) as fake:
        with pytest.raises(RetroscopeError) as e:
            sync(tmp_path / "w.duckdb", fake)
    msg = str(e.value)
    assert "customfield_10016" in msg and "customfield_10026" in msg and "story_points =" in msg
    assert not (tmp_path / "w.duckdb").exists()


def test_status_deleted_from_jira_still_gets_a_row(tmp_path):
    site = small_site()
    # BOR-1 once passed through "Old QA" (id 999), a status since removed from the workflow
    site.add_history("20001", later(-60 * 24 * 20), [
        {"field": "status", "fieldtype": "jira", "fieldId": "status", "from": "3", "fromString": "In Progress",
         "to": "999", "toString": "Old QA"}])
    with start("cloud", site) as fake:
        s = sync(tmp_path / "w.duckdb", fake)
    st = table(tmp_path / "w.duckdb", "raw_statuses")
    row = st[st.status_id == "999"].iloc[0]
    assert (row["name"], row["category_key"]) == ("Old QA", "indeterminate")
    # the warning's advice names this Jira's own table; followed, it makes 999 done here only
    table_name = f'[workflow.category_overrides."{row["source"]}"]'
    warning = next(w for w in s.warnings if "999 (Old QA)" in w)
    assert f'{table_name} with the line "999" = "done"' in warning
    toml = tmp_path / "retroscope.toml"
    toml.write_text(f'{table_name}\n"999" = "done"\n')
    cfg = load_settings(toml, db=tmp_path / "w.duckdb").analysis
    assert cfg.source_category_overrides == {row["source"]: {"999": "done"}} and not cfg.status_category_overrides


def test_agile_endpoints_are_paged(tmp_path, fake):
    fake.agile_cap = 1             # one board / one sprint per page
    sync(tmp_path / "w.duckdb", fake)
    starts = [int(r.query.get("startAt", ["0"])[0]) for r in fake.paths(r"/board/1/sprint$")]
    assert starts == [0, 1]        # board 1 has sprints 11 and 12
    assert sorted(table(tmp_path / "w.duckdb", "raw_sprints").sprint_id) == ["11", "12", "21"]


def test_long_jql_goes_in_a_post_body(tmp_path, fake):
    # a long extra restriction (over 1,500 characters) that drops epics
    jql = " AND ".join(["issuetype != Epic"] + [f"issuetype != Kind{i}" for i in range(120)])
    sync(tmp_path / "w.duckdb", fake, jql=jql)
    searches = [r for r in fake.paths(r"/search(/jql)?$")]
    assert searches and all(r.method == "POST" for r in searches)
    assert sorted(table(tmp_path / "w.duckdb", "raw_issues").issue_key) == ["ATL-2", "ATL-3", "ATL-4", "ATL-5",
                                                                             "BOR-1", "BOR-2"]


def test_a_jql_alone_marks_deleted_only_what_jira_no_longer_has(tmp_path, fake):
    """With `--jql` alone every issue of the site counted as in scope: one `--jql "project = ATL"`
    marked the BOR issues deleted, and nothing brought them back but `--full`; two teams syncing
    their own JQL into one warehouse marked each other's issues deleted at every sync. Now a JQL
    judges only the issues of projects it matches issues in, and marks one deleted only when
    Jira no longer has it at all. (The fake refuses an `id in (...)` naming a deleted issue, as
    Jira's strict validation does, so the check splits its search until that id is asked alone.)"""
    db = tmp_path / "w.duckdb"
    # (a JQL alone names no board: the story-point field is set, as `init jira` writes it)
    st = replace(FAST, fields={"story_points": "customfield_10016"})
    sync(db, fake, settings=st)
    atl = "project = ATL AND issuetype != Epic"                   # ATL-2..5; the epic ATL-1 outside it
    s = sync(db, fake, settings=st, projects=(), jql=atl, when=later(10))
    issues = table(db, "raw_issues")
    assert not issues.is_deleted.any() and s.issues_deleted == 0   # ATL-1 and BOR: still in Jira
    fake.site.delete("10001")                                      # the epic ATL-1, deleted in Jira
    fake.site.delete("20002")                                      # BOR-2 too
    s = sync(db, fake, settings=st, projects=(), jql=atl, when=later(20))
    issues = table(db, "raw_issues")
    assert sorted(issues[issues.is_deleted].issue_key) == ["ATL-1"]    # BOR-2 is not this JQL's to judge
    # the other team's JQL judges BOR-2; then each again: nothing marked, nothing refetched, and
    # no existence check of the other team's issues (no `id in` search at all)
    s = sync(db, fake, settings=st, projects=(), jql="project = BOR", when=later(30))
    assert s.issues_deleted == 1 and s.issues_seen == 1             # BOR-1, its scope's first sync
    before = len(fake.requests)
    for minutes, jql in ((40, atl), (50, "project = BOR")):
        s = sync(db, fake, settings=st, projects=(), jql=jql, when=later(minutes))
        assert s.issues_deleted == 0 and s.issues_seen == 0
    issues = table(db, "raw_issues")
    assert sorted(issues[issues.is_deleted].issue_key) == ["ATL-1", "BOR-2"]
    asked = [json.dumps([r.query, r.body]) for r in fake.requests[before:] if re.search(r"/search(/jql)?$", r.path)]
    assert asked and not [a for a in asked if "id in" in a], asked


def test_an_issue_restored_in_jira_is_fetched_again(tmp_path, fake):
    """An issue marked deleted and then restored in Jira never came back: an `updated >=` search
    does not return it while it stays unchanged, and the id listing (7 in Jira, 6 here) only
    looked for ids to delete. It is now fetched again by id, histories and all, and counted as
    updated (it was in the warehouse), not new."""
    db = tmp_path / "w.duckdb"
    sync(db, fake)
    fake.site.delete("20002")
    assert sync(db, fake, when=later(10)).issues_deleted == 1
    fake.site.issues["20002"].deleted = False                   # restored
    s = sync(db, fake, when=later(20))
    assert (s.issues_new, s.issues_updated, s.issues_deleted) == (0, 1, 0)
    assert any("listed the ids, 0 gone; 1 in Jira's scope but missing or marked deleted here, fetched again" in c
               for c in s.checks), s.checks
    assert not table(db, "raw_issues").is_deleted.any()
    first = tmp_path / "first.duckdb"
    sync(first, fake, when=later(20))
    assert len(table(db, "raw_status_changes")) == len(table(first, "raw_status_changes"))
