"""Pure parsing: timestamps, DC sprint strings, changelog items, field discovery."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from connectors.jira_fields import resolve_fields
from connectors.jira_parse import (
    FieldMap,
    IssueFields,
    history_rows,
    issue_row,
    parse_date,
    parse_number,
    parse_sprint_string,
    parse_sprint_value,
    parse_ts,
    sprint_from_agile,
)
from queries.errors import RetroscopeError


# --------------------------------------------------------------------------- timestamps
@pytest.mark.parametrize("text, expected", [
    # 16:04:01.164 at +08:00 is 08:04:01.164 UTC
    ("2021-03-05T16:04:01.164+0800", datetime(2021, 3, 5, 8, 4, 1, 164000, UTC)),
    ("2021-03-05T16:04:01.164+08:00", datetime(2021, 3, 5, 8, 4, 1, 164000, UTC)),
    # 01:30 at -05:30 is 07:00 UTC
    ("2021-03-05T01:30:00.000-0530", datetime(2021, 3, 5, 7, 0, 0, tzinfo=UTC)),
    # 02:00 at +0800 on the 1st is 18:00 UTC the day before
    ("2021-03-01T02:00:00+0800", datetime(2021, 2, 28, 18, 0, tzinfo=UTC)),
    ("2022-07-28T07:49:36.000Z", datetime(2022, 7, 28, 7, 49, 36, tzinfo=UTC)),
    ("2022-07-28T07:49:36+0000", datetime(2022, 7, 28, 7, 49, 36, tzinfo=UTC)),
    ("2022-07-28T07:49:36.123456789Z", datetime(2022, 7, 28, 7, 49, 36, 123456, UTC)),
])
def test_timestamps_become_utc(text, expected):
    got = parse_ts(text)
    assert got == expected
    assert got.utcoffset().total_seconds() == 0


@pytest.mark.parametrize("text", [None, "", "<null>"])
def test_empty_timestamps_are_none(text):
    assert parse_ts(text) is None


def test_bad_timestamp_is_an_error():
    with pytest.raises(ValueError, match="not a Jira timestamp"):
        parse_ts("28/Jul/22 7:49 AM")


def test_dates_and_numbers():
    assert parse_date("2026-03-20") == date(2026, 3, 20)
    assert parse_date(None) is None
    assert parse_number("5.0") == 5.0 and parse_number(3) == 3.0
    assert parse_number("") is None and parse_number(None) is None and parse_number("n/a") is None


# --------------------------------------------------------------------------- sprints
DC_SPRINT = ("com.atlassian.greenhopper.service.sprint.Sprint@1a2b[id=42,rapidViewId=4,state=CLOSED,"
             "name=Sprint 3, the big one,startDate=2026-03-02T09:00:00.000+08:00,endDate=2026-03-16T09:00:00.000+08:00,"
             "completeDate=<null>,activatedDate=2026-03-02T10:30:00.000+08:00,sequence=42,goal=Ship it, finally,"
             "autoStartStop=false,synced=false,incompleteIssuesDestinationId=<null>]")


def test_dc_sprint_string_with_commas_in_name_and_goal():
    d = parse_sprint_string(DC_SPRINT)
    assert d["id"] == "42"
    assert d["name"] == "Sprint 3, the big one"
    assert d["goal"] == "Ship it, finally"
    assert d["completeDate"] is None
    assert d["state"] == "CLOSED"


def test_dc_sprint_value_to_sprint_info():
    [s] = parse_sprint_value([DC_SPRINT])
    assert (s.sprint_id, s.board_id, s.state, s.name) == ("42", "4", "closed", "Sprint 3, the big one")
    # activatedDate 10:30 at +08:00 = 02:30 UTC; startDate 09:00 +08:00 = 01:00 UTC
    assert s.activated_at == datetime(2026, 3, 2, 2, 30, tzinfo=UTC)
    assert s.start_at == datetime(2026, 3, 2, 1, 0, tzinfo=UTC)
    assert s.complete_at is None


def test_cloud_sprint_value_objects():
    value = [{"id": 7, "name": "S7", "state": "closed", "boardId": 8, "goal": "",
              "startDate": "2026-03-02T01:00:00.000Z", "endDate": "2026-03-16T01:00:00.000Z",
              "completeDate": "2026-03-16T09:00:00.000Z"},
             {"id": 9, "name": "S9", "state": "active", "boardId": 8}]
    got = parse_sprint_value(value)
    assert [s.sprint_id for s in got] == ["7", "9"]
    assert got[0].board_id == "8" and got[0].goal is None
    assert got[0].complete_at == datetime(2026, 3, 16, 9, tzinfo=UTC)
    assert parse_sprint_value(None) == []


def test_sprint_string_without_brackets_is_an_error():
    with pytest.raises(ValueError):
        parse_sprint_string("Sprint 3")


# --------------------------------------------------------------------------- changelog
def _hist(hid, created, *items):
    return {"id": hid, "created": created, "items": list(items)}


def test_changelog_items_map_to_canonical_keys():
    fmap = FieldMap(ids={"customfield_10020": "sprint", "customfield_10016": "story_points"},
                    names={"sprint": "sprint", "story point estimate": "story_points"})
    h = _hist("100", "2026-03-05T16:04:01.164+0800",
              {"field": "status", "fieldId": "status", "from": "10000", "fromString": "To Do",
               "to": "3", "toString": "In Progress"},
              {"field": "Sprint", "fieldId": "customfield_10020", "from": "38", "fromString": "S28",
               "to": "38, 40", "toString": "S28, S29"},
              {"field": "Story point estimate", "fieldId": "customfield_10016", "from": None, "fromString": "3",
               "to": None, "toString": "5"},
              {"field": "Workflow", "fieldtype": "jira", "from": "17957", "to": "21115"},
              {"field": "Key", "fieldId": "key", "fromString": "ATL-5", "toString": "BOR-3"},
              {"field": "Fix Version", "from": None, "to": "30001", "toString": "1.0"},   # DC: no fieldId
              {"field": "Story point estimate", "from": None, "fromString": "5", "to": None, "toString": "8"})
    rows = history_rows("s", "10005", [h], fmap)
    [st] = rows.status
    assert (st["from_status_id"], st["to_status_id"], st["to_status_name"]) == ("10000", "3", "In Progress")
    assert st["changed_at"] == datetime(2026, 3, 5, 8, 4, 1, 164000, UTC)
    keys = [(r["item_seq"], r["field_key"]) for r in rows.fields]
    assert keys == [(1, "sprint"), (2, "story_points"), (3, "other"), (4, "key"), (5, "fix_versions"),
                    (6, "story_points")]
    sprint = rows.fields[0]
    assert (sprint["from_value"], sprint["to_value"]) == ("38", "38, 40")
    # estimate values live in the strings; they are copied into from/to_value
    sp = rows.fields[1]
    assert (sp["from_value"], sp["to_value"]) == ("3", "5")
    assert "author" not in sp


def test_other_projects_story_point_field_is_not_story_points():
    fmap = FieldMap(ids={"customfield_10026": "story_points"}, names={"story points": "story_points"})
    it = {"field": "Story point estimate", "fieldId": "customfield_10016", "fromString": "1", "toString": "2"}
    assert fmap.key_for(it) == "other"
    assert fmap.key_for({"field": "Story Points", "toString": "2"}) == "story_points"


def test_issue_row_cloud_shape():
    issue = {"id": "10002", "key": "ATL-2", "fields": {
        "summary": "Signup", "issuetype": {"name": "Story", "subtask": False},
        "status": {"id": "3"}, "project": {"key": "ATL"},
        "parent": {"id": "10001", "key": "ATL-1", "fields": {"issuetype": {"name": "Epic", "hierarchyLevel": 1}}},
        "created": "2026-02-25T09:00:00.000+0800", "updated": "2026-03-16T10:05:00.000+0800",
        "resolution": None, "labels": ["frontend"], "components": [{"name": "web"}],
        "fixVersions": [{"id": "30001", "name": "1.0"}],
        "customfield_10020": [{"id": 11, "name": "S1", "state": "closed"}], "customfield_10016": 5.0}}
    row, sprints, epic_key = issue_row("s", issue, IssueFields(sprint="customfield_10020",
                                                               story_points="customfield_10016"))
    assert row["epic_id"] == "10001" and row["parent_id"] == "10001" and epic_key is None
    assert row["story_points"] == 5.0 and row["sprint_ids"] == ["11"] and row["components"] == ["web"]
    assert row["created_at"] == datetime(2026, 2, 25, 1, tzinfo=UTC)
    assert [s.name for s in sprints] == ["S1"]


# --------------------------------------------------------------------------- field discovery
def _f(fid, name, custom=None):
    return {"id": fid, "name": name, "custom": bool(custom), "schema": {"type": "number", "custom": custom}}


SITE_FIELDS = [
    _f("customfield_10020", "Sprint", "com.pyxis.greenhopper.jira:gh-sprint"),
    _f("customfield_10016", "Story point estimate", "com.pyxis.greenhopper.jira:jsw-story-points"),
    _f("customfield_10026", "Story Points", "com.atlassian.jira.plugin.system.customfieldtypes:float"),
    _f("customfield_10030", "Best case", "com.atlassian.jira.plugin.system.customfieldtypes:float"),
]


def test_story_points_resolved_per_project_from_boards():
    r = resolve_fields(SITE_FIELDS, ["ATL", "BOR"], {"ATL": ["customfield_10016"], "BOR": ["customfield_10026"]}, {})
    assert r.per_project["ATL"].story_points == "customfield_10016"
    assert r.per_project["BOR"].story_points == "customfield_10026"
    assert r.per_project["ATL"].sprint == "customfield_10020"


def test_two_candidates_and_no_board_is_one_clear_error():
    with pytest.raises(RetroscopeError) as e:
        resolve_fields(SITE_FIELDS, ["ATL"], {}, {})
    msg = str(e.value)
    assert "\n" not in msg
    assert "customfield_10016" in msg and "customfield_10026" in msg
    assert '[jira.fields.ATL] story_points = "customfield_10016"' in msg


def test_config_override_by_name_and_per_project():
    r = resolve_fields(SITE_FIELDS, ["ATL", "BOR"], {},
                       {"story_points": "Story Points", "ATL.story_points": "customfield_10016",
                        "estimate_best": "Best case"})
    assert r.per_project["ATL"].story_points == "customfield_10016"
    assert r.per_project["BOR"].story_points == "customfield_10026"
    assert r.per_project["BOR"].estimate_best == "customfield_10030"


def test_unknown_configured_field_lists_candidates():
    with pytest.raises(RetroscopeError, match=r"story_points = \"Points\" is not a field.*customfield_10016"):
        resolve_fields(SITE_FIELDS, ["ATL"], {}, {"story_points": "Points"})


def test_no_story_point_field_is_a_warning_not_an_error():
    fields = [f for f in SITE_FIELDS if "Story" not in f["name"]]
    r = resolve_fields(fields, ["ATL"], {}, {})
    assert r.per_project["ATL"].story_points is None
    assert any("no story-point field" in w and "[jira.fields] story_points" in w for w in r.warnings)


@pytest.mark.parametrize("value", ["0001-01-01T00:00:00.000+0000", "9999-12-31T23:59:59.000Z", "1500-03-01T10:00:00Z",
                                   253402300799000])
def test_an_implausible_timestamp_is_refused_with_the_allowed_range(value):
    with pytest.raises(ValueError, match="between 1970-01-01 and 2099-12-31"):
        parse_ts(value)


def test_a_mistyped_sprint_date_counts_as_not_set_and_the_rest_is_kept():
    s = sprint_from_agile({"id": 7, "name": "S7", "state": "closed", "startDate": "9999-01-05T09:00:00.000Z",
                           "endDate": "2026-01-19T09:00:00.000Z", "completeDate": "0001-01-01T00:00:00Z"}, "1")
    assert s.start_at is None and s.complete_at is None
    assert s.end_at.isoformat() == "2026-01-19T09:00:00+00:00"
    with pytest.raises(ValueError):   # a malformed one is still an error
        sprint_from_agile({"id": 8, "startDate": "next tuesday"}, "1")
