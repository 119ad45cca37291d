"""system_settings: typing of carried values, merge, and when a write happens."""
from __future__ import annotations

import pytest

from ansible_collections.openmetadata.ops.plugins.module_utils.api import system_settings as ss


class FakeServer:
    """Keeps settings like /api/v1/system/settings does; counts writes."""

    def __init__(self, settings=None):
        self.settings = dict(settings or {})
        self.writes = []

    def get_json(self, path):
        name = path.rsplit("/", 1)[1]
        if name not in self.settings:
            return None
        return {"config_type": name, "config_value": self.settings[name]}

    def put_json(self, path, body):
        assert path == ss.SETTINGS_PATH
        self.writes.append(body)
        self.settings[body["config_type"]] = body["config_value"]


def run(server, name, value, state="present", merge=True, skip_empty=True, check=False):
    return ss.apply_setting(server.get_json, server.put_json, name, value, state, merge, skip_empty, check)


def test_login_values_from_yaml_text_are_written_as_integers():
    server = FakeServer()
    result = run(server, "loginConfiguration",
                 {"maxLoginFailAttempts": "5", "accessBlockTime": "900", "jwtTokenExpiryTime": 3600})
    assert result["changed"]
    assert server.writes == [{"config_type": "loginConfiguration",
                              "config_value": {"maxLoginFailAttempts": 5, "accessBlockTime": 900,
                                               "jwtTokenExpiryTime": 3600}}]


def test_second_run_writes_nothing():
    server = FakeServer()
    run(server, "loginConfiguration", {"maxLoginFailAttempts": "5"})
    again = run(server, "loginConfiguration", {"maxLoginFailAttempts": 5})
    assert not again["changed"]
    assert len(server.writes) == 1


def test_merge_keeps_the_servers_other_fields():
    server = FakeServer({"loginConfiguration": {"maxLoginFailAttempts": 3, "accessBlockTime": 600,
                                                "jwtTokenExpiryTime": 3600}})
    result = run(server, "loginConfiguration", {"accessBlockTime": 120})
    assert result["value"] == {"maxLoginFailAttempts": 3, "accessBlockTime": 120, "jwtTokenExpiryTime": 3600}
    assert result["before"]["accessBlockTime"] == 600


def test_replace_without_merge():
    server = FakeServer({"customLogoConfiguration": {"customLogoUrlPath": "a", "customMonogramUrlPath": "b"}})
    result = run(server, "customLogoConfiguration", {"customLogoUrlPath": "a"}, merge=False)
    assert result["changed"] and server.settings["customLogoConfiguration"] == {"customLogoUrlPath": "a"}


def test_empty_strings_from_unset_env_are_skipped():
    server = FakeServer({"customLogoConfiguration": {"customLogoUrlPath": "https://x/logo.png"}})
    result = run(server, "customLogoConfiguration", {"customLogoUrlPath": "", "customMonogramUrlPath": None})
    assert not result["changed"] and not server.writes


def test_check_mode_writes_nothing_but_says_it_would():
    server = FakeServer()
    result = run(server, "customLogoConfiguration", {"customLogoUrlPath": "https://x/logo.png"}, check=True)
    assert result["changed"] and not server.writes
    assert result["diff"]["after"] == {"customLogoConfiguration": {"customLogoUrlPath": "https://x/logo.png"}}


def test_unknown_field_is_refused_with_the_valid_ones():
    with pytest.raises(ss.SettingError, match="customLogoUrlPath"):
        run(FakeServer(), "customLogoConfiguration", {"logo": "x"})


def test_non_number_for_an_integer_field():
    with pytest.raises(ss.SettingError, match="whole number"):
        run(FakeServer(), "loginConfiguration", {"accessBlockTime": "ten minutes"})


def test_read_only():
    server = FakeServer({"customLogoConfiguration": {"customLogoUrlPath": "p"}})
    result = run(server, "customLogoConfiguration", None, state="read")
    assert result == {"changed": False, "name": "customLogoConfiguration", "exists": True,
                      "value": {"customLogoUrlPath": "p"}, "before": {"customLogoUrlPath": "p"},
                      "msg": "customLogoConfiguration read"}


def test_a_field_or_setting_newer_than_the_server_is_refused_before_sending():
    SettingError, apply_setting = ss.SettingError, ss.apply_setting
    """customFaviconUrlPath and the loginConfiguration setting exist from 1.2.1 (the generated models of
    openmetadata-ingestion 1.2.0.1 vs 1.2.1.1); a 1.2.0 server refuses them."""
    sent = []
    logo = {"customLogoUrlPath": "https://x/logo.png", "customFaviconUrlPath": "https://x/favicon.ico"}
    with pytest.raises(SettingError, match=r"customFaviconUrlPath exists from OpenMetadata 1\.2\.1 on"):
        apply_setting(lambda path: None, lambda path, body: sent.append(body), "customLogoConfiguration", logo,
                      "present", True, True, False, om_version="1.2.0")
    with pytest.raises(SettingError, match=r"OpenMetadata 1\.2\.0 has no loginConfiguration setting"):
        apply_setting(lambda path: None, lambda path, body: sent.append(body), "loginConfiguration",
                      {"maxLoginFailAttempts": 3}, "present", True, True, False, om_version="1.2.0")
    assert sent == []
    apply_setting(lambda path: None, lambda path, body: sent.append(body), "customLogoConfiguration", logo,
                  "present", True, True, False, om_version="1.2.1")
    assert sent == [{"config_type": "customLogoConfiguration", "config_value": logo}]
