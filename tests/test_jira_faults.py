"""Faults: Retry-After honoured exactly on 429/503, bounded back-off on 5xx, timeouts and
connection errors, one clear line for 401/403, and the token never reaching the
warehouse, the load log or the logs."""

from __future__ import annotations

import base64
import logging
import socket

import pytest
from fake_jira.server import Fault
from helpers_jira import FAST, later, start, sync, table

from connectors import jira_issues
from connectors.jira_issues import JiraAuth, auth_from_env
from connectors.settings import JiraSettings
from queries.errors import RetroscopeError


@pytest.fixture
def cloud():
    f = start("cloud")
    yield f
    f.__exit__()


def _gap_after(fake, pattern: str, status: int) -> float:
    """Seconds between the request answered `status` and the next request to the same path."""
    reqs = fake.paths(pattern)
    i = next(n for n, r in enumerate(reqs) if r.status == status)
    return reqs[i + 1].t - reqs[i].t


# --------------------------------------------------------------------------- Retry-After
@pytest.mark.parametrize("mode, path", [("cloud", r"/search/jql$"), ("dc", r"/rest/api/2/search$")])
def test_429_waits_retry_after_measured(tmp_path, mode, path):
    with start(mode) as fake:
        fake.fail(path, 429, headers={"Retry-After": "1"})
        s = sync(tmp_path / "w.duckdb", fake)
        gap = _gap_after(fake, path, 429)
    # never earlier than Retry-After (the exact wait is checked without sleeping below)
    assert 1.0 <= gap < 2.5, gap
    assert s.issues_seen == 7


def test_retry_after_is_the_exact_wait(tmp_path, cloud):
    waits: list[float] = []
    cloud.fail(r"/rest/api/2/field$", 429, headers={"Retry-After": "45"})
    cloud.fail(r"/rest/api/2/status$", 503, headers={"Retry-After": "7"})
    jira_issues.sync(tmp_path / "w.duckdb", url=cloud.url, auth=auth_from_env(cloud.env()), settings=FAST,
                     projects=["ATL"], sleep=waits.append, backoff_base=0.01)
    # exactly what the server asked for (the library would have waited 30-60 s for 45 and 7-14 s for 7)
    assert sorted(waits) == [7.0, 45.0]


def test_503_with_retry_after_is_honoured(tmp_path, cloud):
    cloud.fail(r"/rest/api/2/status$", 503, headers={"Retry-After": "1"})
    sync(tmp_path / "w.duckdb", cloud)
    assert 1.0 <= _gap_after(cloud, r"/rest/api/2/status$", 503) < 2.5


def test_huge_retry_after_gives_up_with_a_clear_line(tmp_path, cloud):
    cloud.fail(r"/rest/api/2/serverInfo$", 429, headers={"Retry-After": "3600"})
    with pytest.raises(RetroscopeError, match=r"asked to wait 3600s .*serverInfo; try the sync again later"):
        sync(tmp_path / "w.duckdb", cloud)


# --------------------------------------------------------------------------- back-off
@pytest.mark.parametrize("status", [500, 502, 503, 504])
def test_5xx_is_retried_with_back_off(tmp_path, cloud, status):
    cloud.fail(r"/rest/agile/1.0/board/1/sprint$", status, times=2)
    sync(tmp_path / "w.duckdb", cloud)
    statuses = [r.status for r in cloud.paths(r"/rest/agile/1.0/board/1/sprint$")]
    assert statuses == [status, status, 200]
    assert len(table(tmp_path / "w.duckdb", "raw_sprints")) == 3


def test_retries_are_bounded(tmp_path, cloud):
    cloud.fail(r"/rest/api/2/status$", 500, times=100)
    with pytest.raises(RetroscopeError) as e:
        sync(tmp_path / "w.duckdb", cloud)        # max_retries = 3
    assert len(cloud.paths(r"/rest/api/2/status$")) == 4
    msg = str(e.value)
    assert "HTTP 500 on GET /rest/api/2/status after 4 attempts" in msg and "\n" not in msg


def test_timeout_is_retried_then_succeeds(tmp_path, cloud):
    cloud.fail(r"/rest/api/2/field$", 0, delay=2.0)      # first answer comes after 2 s
    sync(tmp_path / "w.duckdb", cloud, settings=JiraSettings(timeout_seconds=0.5, max_retries=2))
    assert len(cloud.paths(r"/rest/api/2/field$")) == 2


def test_timeout_every_time_is_one_clear_line(tmp_path, cloud):
    cloud.fail(r"/rest/api/2/myself$", 0, delay=1.0, times=3)
    with pytest.raises(RetroscopeError) as e:
        sync(tmp_path / "w.duckdb", cloud, settings=JiraSettings(timeout_seconds=0.3, max_retries=1))
    assert "did not answer GET /rest/api/2/myself within 0.3s (2 attempts)" in str(e.value)
    assert "timeout_seconds" in str(e.value)


def test_unreachable_site_is_one_clear_line(tmp_path):
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    with pytest.raises(RetroscopeError) as e:
        jira_issues.sync(tmp_path / "w.duckdb", url=f"http://127.0.0.1:{port}", projects=["ATL"],
                         auth=JiraAuth("pat", None, "x"), settings=JiraSettings(max_retries=1), backoff_base=0.01)
    assert f"cannot reach Jira at http://127.0.0.1:{port}" in str(e.value) and "--url" in str(e.value)


def test_no_site_at_the_url_is_said_at_once_a_site_gone_later_is_retried(tmp_path):
    """Connection refused (or a host name not found) on the first request is a wrong URL or
    port: said at once, instead of five retries over ~31 s. Once the site has answered, a
    refused connection is a restart: retried as before."""
    import requests

    from connectors.jira_transport import Transport

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    waits: list[float] = []
    with pytest.raises(RetroscopeError) as e:
        jira_issues.sync(tmp_path / "w.duckdb", url=f"http://127.0.0.1:{port}", projects=["ATL"],
                         auth=JiraAuth("pat", None, "x"), settings=JiraSettings(max_retries=5), sleep=waits.append)
    assert waits == [] and "connection refused: nothing listens there" in str(e.value), str(e.value)
    with pytest.raises(RetroscopeError) as e:
        jira_issues.sync(tmp_path / "w.duckdb", url="http://no-such-host.invalid", projects=["ATL"],
                         auth=JiraAuth("pat", None, "x"), settings=JiraSettings(max_retries=5), sleep=waits.append)
    assert waits == [] and "host name not found" in str(e.value), str(e.value)

    answers = [lambda: _ok(), lambda: requests.get(f"http://127.0.0.1:{port}/", timeout=2), lambda: _ok()]

    def _ok():
        r = requests.Response()
        r.status_code = 200
        return r

    class Session:
        def request(self, method, url, **kw):
            return answers.pop(0)()

    t = Transport(Session(), base_url="http://x", auth=JiraAuth("pat", None, "x"), timeout=1, max_retries=5,
                  sleep=waits.append)
    assert t.request("GET", "http://x/a").ok             # the site answers
    assert t.request("GET", "http://x/b").ok             # refused once (a restart), retried, answered
    assert waits == [1.0]


# --------------------------------------------------------------------------- auth
@pytest.mark.parametrize("mode, env, names", [
    ("cloud", {"JIRA_EMAIL": "sync-bot@example.com", "JIRA_API_TOKEN": "wrong-SECRET-token"},
     "JIRA_EMAIL and JIRA_API_TOKEN"),
    ("dc", {"JIRA_PAT": "wrong-SECRET-pat"}, "JIRA_PAT"),
])
def test_401_names_the_credentials_and_the_url(tmp_path, mode, env, names):
    with start(mode) as fake:
        with pytest.raises(RetroscopeError) as e:
            jira_issues.sync(tmp_path / "w.duckdb", url=fake.url, auth=auth_from_env(env), projects=["ATL"],
                             settings=FAST, backoff_base=0.01)
        assert len(fake.requests) == 1            # not retried
    msg = str(e.value)
    assert f"Jira at {fake.url} rejected the credentials (HTTP 401 on GET /rest/api/2/serverInfo)" in msg
    assert names in msg and "\n" not in msg and "SECRET" not in msg
    assert not (tmp_path / "w.duckdb").exists()


def test_403_explains_the_permission(tmp_path, cloud):
    cloud.fail(r"/rest/api/2/project$", 403)
    with pytest.raises(RetroscopeError, match=r"refused access \(HTTP 403 on GET /rest/api/2/project\).*"
                                              r"Browse projects"):
        sync(tmp_path / "w.duckdb", cloud)


def test_missing_credentials_name_the_env_vars():
    with pytest.raises(RetroscopeError, match="JIRA_EMAIL and JIRA_API_TOKEN .* or JIRA_PAT"):
        auth_from_env({})
    with pytest.raises(RetroscopeError, match="JIRA_EMAIL is not"):
        auth_from_env({"JIRA_API_TOKEN": "x"})
    assert "SECRET" not in repr(auth_from_env({"JIRA_PAT": "SECRET"}))


def test_token_never_reaches_the_warehouse_or_the_logs(tmp_path, caplog, capsys):
    caplog.set_level(logging.DEBUG)                 # --verbose: every logger at debug
    for name in ("urllib3", "jira", "requests", "retroscope"):
        logging.getLogger(name).setLevel(logging.DEBUG)
    db = tmp_path / "w.duckdb"
    secrets = []
    for mode in ("cloud", "dc"):
        with start(mode) as fake:
            site = fake.site
            secrets += [site.token, site.pat, base64.b64encode(f"{site.email}:{site.token}".encode()).decode()]
            fake.fail(r"/search", 429, headers={"Retry-After": "0"})
            sync(db, fake)
            fake.site.transition("20002", "3", later(2))
            sync(db, fake, when=later(5))
            bad = dict(fake.env())
            bad[next(iter(k for k in bad if k != "JIRA_EMAIL"))] = "wrong-SECRET-value"
            with pytest.raises(RetroscopeError) as e:
                jira_issues.sync(db, url=fake.url, auth=auth_from_env(bad), projects=["ATL"], settings=FAST)
            assert "wrong-SECRET-value" not in str(e.value)
            secrets.append("wrong-SECRET-value")
    assert "GET /rest/api/2/serverInfo -> 200" in caplog.text      # requests are logged...
    out = capsys.readouterr()
    blobs = {"warehouse": db.read_bytes(), "load log": (tmp_path / "w.duckdb.loads.log").read_bytes(),
             "logs": caplog.text.encode(), "output": (out.out + out.err).encode()}
    for secret in secrets:
        for where, blob in blobs.items():
            assert secret.encode() not in blob, f"credential found in the {where}"


@pytest.mark.parametrize("path", [r"/rest/api/2/serverInfo$", r"/rest/agile/1.0/board$", r"/rest/api/2/project$"])
def test_200_with_an_empty_object_is_one_clear_line(tmp_path, cloud, path):
    # (the library itself asks serverInfo again up to 3 times when it comes back empty)
    cloud.faults.append(Fault(path, status=200, body={"values": [{"name": "no id"}]} if "board" in path else {},
                              times=10))
    with pytest.raises(RetroscopeError) as e:
        sync(tmp_path / "w.duckdb", cloud)
    msg = str(e.value)
    assert "\n" not in msg, msg
    if "project" in path:    # the library reads {} as no projects
        assert "project ATL not found" in msg and "0 projects the account can browse" in msg, msg
    else:
        assert "check the URL points at the Jira site itself" in msg, msg


def test_a_redirect_loop_is_said_at_once_not_retried(tmp_path, cloud):
    """A site redirecting to itself was retried like a 5xx: six tries over ~31 s, then a generic line."""
    cloud.faults.append(Fault(r"/rest/api/2/serverInfo$", status=302,
                              headers={"Location": "/rest/api/2/serverInfo"}, times=1000))
    with pytest.raises(RetroscopeError) as e:
        sync(tmp_path / "w.duckdb", cloud)
    assert str(e.value).startswith(f"Jira at {cloud.url} redirects GET /rest/api/2/serverInfo in a loop; check the "
                                   "URL"), str(e.value)
    # requests follows 30 redirects within one try; a second try would have asked 31 more times
    assert len(cloud.paths(r"/rest/api/2/serverInfo$")) <= 31
