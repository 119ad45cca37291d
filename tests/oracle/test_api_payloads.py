"""What the collection sends to, or reads from, the server's REST API, against each 1.2.x release's
generated models: the settings the post-upgrade step writes, the SearchIndexingApplication configuration
the reindex sends, the run statuses it understands, and the index names it deletes and checks."""
from __future__ import annotations

import pathlib
from typing import Optional

import pytest

import oracle as oraclem
from ansible_collections.openmetadata.ops.plugins.module_utils.config import om_config
from ansible_collections.openmetadata.ops.plugins.module_utils.api import om_reindex, search, system_settings

FIXTURES = oraclem.REPO / "tests" / "fixtures" / "om_config"
# The 1.1 files with logo / login values (defaults, literals, values from the environment).
WITH_SETTINGS = {"mysql-commented-1.1.7.yaml": {}, "logo-literal-1.1.7.yaml": {},
                 "env-everything-1.1.5.yaml": {"OM_CUSTOM_LOGO_URL_PATH": "https://cdn.example.com/logo.png",
                                               "OM_MAX_FAILED_LOGIN_ATTEMPTS": "5", "OM_JWT_EXPIRY_TIME": "7200"}}


def _setting_model(target: oraclem.Oracle, name: str) -> Optional[str]:
    """Where the release keeps the model of a setting's value: its own file from 1.2.1, inside
    applicationConfiguration before."""
    candidates = {
        "customLogoConfiguration": ["configuration.logoConfiguration:LogoConfiguration",
                                    "configuration.applicationConfiguration:LogoConfiguration"],
        "loginConfiguration": ["configuration.loginConfiguration:LoginConfiguration|LogoConfiguration"],
    }[name]
    for model in candidates:
        if not target.fields(model).get("missing"):
            return model
    return None


@pytest.mark.parametrize("source", sorted(WITH_SETTINGS))
def test_carried_settings_are_what_the_target_accepts(target: oraclem.Oracle, source: str) -> None:
    env = WITH_SETTINGS[source]
    planned = om_config.plan_config((FIXTURES / source).read_text(encoding="utf-8"), path=source,
                                    target_version=target.release, env=env)
    types = target.enum(oraclem.SETTING_TYPES) or []
    if target.release == "1.2.0":
        assert planned["removed_settings"] == {}  # 1.2.0 still reads logo/login from openmetadata.yaml
        return
    assert set(planned["removed_settings"]) == {"customLogoConfiguration", "loginConfiguration"}
    for name, value in planned["removed_settings"].items():
        payload = {"config_type": name,
                   "config_value": system_settings.normalize_value(name, value, True, target.release)}
        assert name in types, "%s is not a setting type of %s: %s" % (name, target.release, types)
        model = _setting_model(target, name)
        assert model, name
        answer = target.validate(model, payload["config_value"])
        assert answer["ok"], (name, payload, answer["errors"])
        # Types as the server's schema has them, not as YAML text had them.
        for key, item in payload["config_value"].items():
            assert type(item).__name__ == system_settings.KNOWN_FIELDS[name][key].__name__, (key, item)


def test_the_settings_field_table_is_each_releases_own(target: oraclem.Oracle) -> None:
    """system_settings.KNOWN_FIELDS with its SINCE releases is exactly what each release's models hold."""
    types = set(target.enum(oraclem.SETTING_TYPES) or [])
    for name, fields in system_settings.KNOWN_FIELDS.items():
        expected_here = system_settings._newer_than(name, target.release) is None  # pylint: disable=protected-access
        assert (name in types) == expected_here, (name, target.release)
        if not expected_here:
            continue
        model = _setting_model(target, name)
        have = set(target.fields(model)["fields"])
        ours = {key for key in fields
                if system_settings._newer_than("%s.%s" % (name, key), target.release) is None}  # noqa
        assert ours == have, (name, target.release, sorted(ours ^ have))
        assert target.fields(model)["forbids_extra"]


def test_the_reindex_configuration_is_what_the_app_accepts(target: oraclem.Oracle) -> None:
    # The app's seed configuration as the 1.2 server stores it ("batchSize" as text in the seed data).
    seed = {"entities": ["table", "topic", "dashboard"], "recreateIndex": False, "batchSize": "100",
            "searchIndexMappingLanguage": "EN"}
    for recreate, entities, batch in ((True, None, None), (True, ["all"], 50), (False, ["table", "user"], 1000)):
        wanted = om_reindex.wanted_configuration(seed, recreate, entities, batch)
        answer = target.validate(oraclem.APP_CONFIG, wanted)
        assert answer["ok"], (wanted, answer["errors"])
        if batch is not None:
            assert isinstance(wanted["batchSize"], int)
        for op in om_reindex.config_patch(seed, wanted):
            assert op["path"].split("/")[-1] in target.fields(oraclem.APP_CONFIG)["fields"]
    assert not target.validate(oraclem.APP_CONFIG, dict(seed, batchSize="a hundred"))["ok"]
    assert not target.validate(oraclem.APP_CONFIG, dict(seed, recreateIndexes=True))["ok"]


def test_every_run_status_of_the_release_is_understood(target: oraclem.Oracle) -> None:
    statuses = target.enum(oraclem.RUN_STATUS)
    assert statuses and all(om_reindex.classify(s) != "unknown" for s in statuses), statuses
    assert om_reindex.classify("success") == "done" and om_reindex.classify("failed") == "failed"
    if "completed" in statuses:  # 1.2.1+
        assert om_reindex.classify("completed") == "done" and om_reindex.classify("stopped") == "failed"


def test_the_statuses_we_know_all_exist_upstream(oracle_root: pathlib.Path) -> None:
    """No invented status: each one om_reindex names is a 1.2.x AppRunRecord status or a 1.1 reindex job
    status (EventPublisherJob, upper case), in some release."""
    seen = set()
    for release in oraclem.wheel_releases():
        found = oraclem.Oracle(release, oracle_root)
        seen |= {s.lower() for s in (found.enum(oraclem.RUN_STATUS) or [])}
        seen |= {s.lower() for s in (found.enum("system.eventPublisherJob:Status") or [])}
    ours = om_reindex.DONE | om_reindex.FAILED | om_reindex.RUNNING
    assert ours <= seen, sorted(ours - seen)


def test_index_names_cover_the_clients_own_map_and_are_never_prefixed(target: oraclem.Oracle) -> None:
    ours = search.wanted_names(target.release)
    client = target.client_index_names()
    assert set(client) <= set(ours), sorted(set(client) - set(ours))
    # 1.2 has no clusterAlias (its elasticsearch model has no such field): names are never prefixed.
    assert "clusterAlias" not in target.fields(oraclem.SECTION_MODELS["elasticsearch"])["fields"]
    with pytest.raises(ValueError):
        search.wanted_names(target.release, "prod")
