"""The `jira` library's private members the connector uses, all behind `_Private`. If an upgrade
of `jira` renames or reshapes one, this test fails and names it (rather than a sync failing
somewhere in the middle)."""

from __future__ import annotations

import inspect

from jira import JIRA

from connectors import jira_client, jira_issues, jira_transport


def test_private_members_still_exist_with_the_shape_used():
    # _get_json(path, params=..., base=..., use_post=...)
    sig = inspect.signature(JIRA._get_json)
    assert {"path", "params", "base", "use_post"} <= set(sig.parameters), sig
    # _is_cloud is a property reading the public deploymentType
    assert isinstance(inspect.getattr_static(JIRA, "_is_cloud"), property)
    assert "deploymentType" in inspect.getsource(JIRA._is_cloud.fget)
    # _fields_cache reads _fields_cache_value and only fetches /field when it is empty
    src = inspect.getsource(JIRA._fields_cache.fget)
    assert "_fields_cache_value" in src and "_update_fields_cache" in src
    # the constructor sets _session, _version and _fields_cache_value
    init = inspect.getsource(JIRA.__init__)
    for name in ("self._session", "self._version", "self._fields_cache_value", "self.deploymentType"):
        assert name in init, name


def test_private_wrapper_works_on_a_real_client():
    client = JIRA(server="http://127.0.0.1:9", options={"check_update": False}, get_server_info=False)
    jira_client._Private.set_site(client, "Cloud", (1001, 0, 0))
    assert jira_client._Private.is_cloud(client) and client._version == (1001, 0, 0)
    jira_client._Private.set_site(client, "Server", (9, 12, 0))
    assert not jira_client._Private.is_cloud(client)
    jira_client._Private.prefill_field_cache(client, [{"id": "customfield_1", "clauseNames": ["cf[1]", "Points"]}])
    assert client._fields_cache == {"cf[1]": "customfield_1", "Points": "customfield_1"}   # no request made
    assert jira_client._Private.session(client) is client._session


def test_only_private_uses_private_members():
    """Outside `_Private`, the Jira modules touch no `jira` private member."""
    priv = inspect.getsource(jira_client._Private)
    for module in (jira_transport, jira_client, jira_issues):
        rest = inspect.getsource(module).replace(priv, "")
        for name in ("._get_json", "._session", "._version", "._is_cloud", "._fields_cache", "._fetch_pages"):
            assert name not in rest, f"{module.__name__} uses {name}"
