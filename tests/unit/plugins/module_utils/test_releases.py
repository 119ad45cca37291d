"""The one release table and its one gate (module_utils/releases.py), table-driven: every pair of known
releases, the bad inputs, and a fake 1.3 row that shows a new hop is one row of data."""
from __future__ import annotations

import itertools
import pathlib
from typing import Any, Dict

import pytest
import yaml

from ansible_collections.openmetadata.ops.plugins.module_utils.config import om_compose, om_config, om_config_env
from ansible_collections.openmetadata.ops.plugins.module_utils.ingestion import om_ingestion
from ansible_collections.openmetadata.ops.plugins.module_utils import preflight, releases, versions
from ansible_collections.openmetadata.ops.plugins.module_utils.api import search, system_settings
from ansible_collections.openmetadata.ops.plugins.module_utils.errors import ConfigError
from simulator.openmetadata import releases as standin

REPO = pathlib.Path(__file__).resolve().parents[4]
R11 = ["1.1.%d" % n for n in range(8)]
R12 = ["1.2.%d" % n for n in range(6)]
EVERY = R11 + R12


def test_the_table_names_exactly_the_releases_that_exist():
    assert releases.releases_of("1.1") == R11 and releases.releases_of("1.2") == R12
    assert releases.target_lines() == ["1.2"] and releases.known_lines() == ["1.1", "1.2"]


@pytest.mark.parametrize("release", EVERY)
def test_native_migration_folders_are_the_stand_ins(release):
    """The stand-in (tests/simulator/openmetadata/releases.py) ships the same native folders per release."""
    assert releases.native_migrations(release) == standin.NATIVE[release]


# --- every pair of known releases through the one gate ---------------------------------------------

@pytest.mark.parametrize("source, target", list(itertools.product(R11, R12)))
def test_every_11_to_12_pair_is_a_minor_hop(source, target):
    hop = releases.hop_for(source, target)
    assert (hop["kind"], hop["source"], hop["target"], hop["from_line"]) == ("minor", source, target, "1.1")
    assert hop["java_min_major"] == 17 and hop["ingestion_python"] == ["3.8", "3.10"]
    assert hop["search_min"] == {"elasticsearch": "8.10.2", "opensearch": "2.7.0"}
    assert "stored_procedure_search_index" in hop["index_names"] and not hop["cluster_alias"]
    # the migrations the hop runs: the target's folders the source did not have, oldest first
    expected = [n for n in standin.NATIVE[target] if n not in standin.NATIVE[source]]
    assert hop["native_migrations"] == expected and "1.2.0" in expected
    assert {"since": "1.2.0", "kind": "db_params", "path": "database.url"} in hop["config_changes"]
    assert any(c["since"] == "1.2.1" for c in hop["config_changes"]) == (target != "1.2.0")


@pytest.mark.parametrize("source, target", list(itertools.combinations(R12, 2)))
def test_every_patch_upgrade_inside_12_goes_through_the_same_gate(source, target):
    hop = releases.hop_for(source, target)
    assert hop["kind"] == "patch" and hop["java_min_major"] == 17
    expected = [n for n in standin.NATIVE[target] if n not in standin.NATIVE[source]]
    assert hop["native_migrations"] == expected


def test_120_to_125_runs_the_121_and_124_migrations():
    assert releases.hop_for("1.2.0", "1.2.5")["native_migrations"] == ["1.2.1", "1.2.4"]
    assert releases.hop_for("1.1.7", "1.2.5")["native_migrations"] == ["1.2.0", "1.2.1", "1.2.4"]
    assert releases.hop_for("1.1.4", "1.2.0")["native_migrations"] == ["1.1.5", "1.2.0"]


@pytest.mark.parametrize("release", R12)
def test_the_same_release_is_nothing_to_do(release):
    hop = releases.hop_for(release, release)
    assert hop["kind"] == "none" and hop["native_migrations"] == []


@pytest.mark.parametrize("source, target", [(t, s) for s, t in itertools.combinations(R12, 2)]
                         + [(t, s) for s, t in itertools.product(R11, R12)])
def test_every_downgrade_is_refused(source, target):
    with pytest.raises(releases.HopError, match="a downgrade is not an upgrade") as info:
        releases.hop_for(source, target)
    assert info.value.code == "downgrade" and "Supported upgrades: " in str(info.value)


@pytest.mark.parametrize("source, target", list(itertools.combinations(R11, 2)))
def test_no_upgrade_to_a_line_without_a_hop(source, target):
    with pytest.raises(releases.HopError, match="is not a release line this collection upgrades to"):
        releases.hop_for(source, target)


@pytest.mark.parametrize("source, target, message, code, field", [
    ("1.1.7", "1.3.0", "not a release this collection supports: it knows OpenMetadata 1.1 and 1.2 only",
     "not_supported", "target"),
    ("1.0.5", "1.2.5", "1.0.5 is not a release this collection supports", "not_supported", "source"),
    ("1.1.7", "1.2.99", "1.2.99 is not an OpenMetadata release that exists: the 1.2 releases are 1.2.0, 1.2.1, "
                        "1.2.2, 1.2.3, 1.2.4, 1.2.5", "unknown", "target"),
    ("1.1.9", "1.2.5", "1.1.9 is not an OpenMetadata release that exists", "unknown", "source"),
    (None, "1.2", "'1.2' names a release line, not a release", "invalid", "target"),
    (None, "v1.2.5-rc", "'v1.2.5-rc' is not a release version (three numbers, like 1.2.5)", "invalid", "target"),
    (None, "", "target_version '' is empty", "invalid", "target"),
    (None, None, "target_version '' is empty", "invalid", "target"),
    (None, "latest", "'latest' is not a release version", "invalid", "target"),
    (None, "1.2.5.3", "'1.2.5.3' is not a release version", "invalid", "target"),
    ("latest", "1.2.5", "source_version 'latest' is not a release version", "invalid", "source"),
])
def test_bad_versions_get_one_clear_message(source, target, message, code, field):
    with pytest.raises(releases.HopError) as info:
        releases.hop_for(source, target)
    text = str(info.value)
    assert message in text, text
    # every refusal names what is supported
    assert text.rstrip(".").endswith("1.1.0-1.1.7 -> 1.2.0-1.2.5; 1.2.0-1.2.5 -> a later 1.2 release") \
        or "Supported upgrades: 1.1.0-1.1.7 -> 1.2.0-1.2.5" in text
    assert (info.value.code, info.value.field) == (code, field)


def test_an_ingestion_client_version_is_judged_as_its_release():
    assert releases.hop_for(None, "1.2.5.3", allow_build=True)["target"] == "1.2.5"
    with pytest.raises(releases.HopError, match="1.2.99 is not an OpenMetadata release that exists"):
        releases.hop_for(None, "1.2.99.1", allow_build=True)


def test_the_source_may_be_unknown():
    hop = releases.hop_for(None, "1.2.5")
    assert hop["kind"] is None and hop["native_migrations"] is None and hop["target_native"][-1] == "1.2.4"


def test_every_since_of_the_table_is_a_release_that_exists():
    sinces = []
    for line in releases.known_lines():
        row = releases.line(line)
        sinces += list((row.get("settings_since") or {}).values())
        sinces += [row["cluster_alias_since"]] if row["cluster_alias_since"] else []
        hop = row.get("hop") or {}
        sinces += [c["since"] for c in hop.get("config_changes", [])]
        sinces += [e["since"] for e in hop.get("env_no_effect", {}).values()]
        sinces += [hop["helm"]["opensearch_since"]] if hop.get("helm") else []
    assert sinces and all(releases.check_release(s) == s for s in sinces)


# --- every module goes through the same gate -------------------------------------------------------

@pytest.mark.parametrize("target", ["1.2.99", "1.2", "v1.2.5-rc", "", "latest", "1.3.0"])
def test_every_module_refuses_a_bad_target_with_the_gates_message(target):
    with pytest.raises(releases.HopError) as gate:
        releases.hop_for(None, target)
    expected = str(gate.value)
    text = (REPO / "tests" / "fixtures" / "om_config" / "mysql-commented-1.1.7.yaml").read_text()
    with pytest.raises(ConfigError) as info:
        om_config.plan_config(text, target_version=target)
    assert str(info.value) == expected
    with pytest.raises(ConfigError) as info:
        om_ingestion.check_target(target)
    assert str(info.value) == expected
    with pytest.raises(om_compose.ComposeError) as info:
        om_compose.plan("services: {}\n", path="docker-compose.yml", target_version=target)
    assert str(info.value) == expected
    verdict = preflight.evaluate({"server": {"version": "1.1.7"}}, {"target_version": target})
    assert [p["msg"] for p in verdict["problems"] if p["code"].startswith("target")] \
        == [expected.replace("target_version", "openmetadata_target_version", 1)]
    assert verdict["release"] is None


def test_preflight_reports_the_hop_and_its_migrations():
    verdict = preflight.evaluate({"server": {"version": "1.2.0"}}, {"target_version": "1.2.5"})
    assert verdict["release"]["kind"] == "patch" and verdict["release"]["native_migrations"] == ["1.2.1", "1.2.4"]
    assert not [p for p in verdict["problems"] if p["code"].startswith(("source", "target", "downgrade"))]
    assert any("native migrations 1.2.1, 1.2.4" in step for step in verdict["plan"])


def test_the_views_are_the_table():
    assert search.OPENMETADATA_INDEXES == {m: releases.index_names(m) for m in releases.known_lines()}
    assert system_settings.SINCE == releases.settings_since()
    assert om_compose.SEARCH_IMAGES == releases.hop_data("1.2")["images"]["search"]
    assert versions.minor("1.2.5") == "1.2"
    assert not hasattr(versions, "UPGRADE_HOPS")


# --- roles read the table, never copy it -----------------------------------------------------------

def test_role_defaults_copy_no_number_of_the_table():
    numbers = {"8.10.2", "2.7.0", "7.16.0", "3.8", "3.10"}
    for path in sorted((REPO / "roles").glob("*/defaults/main.yml")) + sorted((REPO / "roles").glob("*/vars/main.yml")):
        data = yaml.safe_load(path.read_text()) or {}
        for name, value in data.items():
            text = str(value)
            assert not any(n in text.split() or text == n for n in numbers), (path, name, value)
            assert "min_major" not in name or "openmetadata.ops.release" in text, (path, name, value)
    bare = yaml.safe_load((REPO / "roles" / "server_bare_metal" / "defaults" / "main.yml").read_text())
    assert "openmetadata_preflight.release" in bare["openmetadata_server_java_min_major"]


# --- a new hop is one table row ---------------------------------------------------------------------

FAKE_13: Dict[str, Any] = {
    "releases": {"1.3.0": {"native": ("1.3.0",)}, "1.3.1": {"native": ()}},
    "indexes": releases.index_names("1.2") + ["api_service_search_index"],
    "cluster_alias_since": "1.3.0",
    "search_min": {"elasticsearch": "8.11.4", "opensearch": "2.7.0"},
    "settings_since": {"customLogoConfiguration.customFaviconUrlPath2": "1.3.0"},
    "reindex_api": "apps",
    "hop": {
        "from": "1.2",
        "java_min_major": 17,
        "ingestion_python": ("3.8", "3.11"),
        "config_changes": [
            {"since": "1.3.0", "kind": "add", "path": ("elasticsearch", "clusterAlias"),
             "value": "${ELASTICSEARCH_CLUSTER_ALIAS:-\"\"}", "after": None},
        ],
        "env_no_effect": {},
        "helm": releases.hop_data("1.2")["helm"],
        "images": releases.hop_data("1.2")["images"],
        "ingestion_moves": {},
    },
}


@pytest.fixture()
def with_13(monkeypatch):
    monkeypatch.setitem(releases.LINES, "1.3", FAKE_13)


def test_a_fake_13_row_is_all_a_new_hop_needs(with_13):
    # the gate: 1.2.x -> 1.3.x is a hop, 1.1 -> 1.3 is not, and the message names the way
    hop = releases.hop_for("1.2.5", "1.3.1")
    assert (hop["kind"], hop["from_line"], hop["native_migrations"]) == ("minor", "1.2", ["1.3.0"])
    assert hop["ingestion_python"] == ["3.8", "3.11"] and hop["search_min"]["elasticsearch"] == "8.11.4"
    assert releases.hop_for("1.3.0", "1.3.1")["kind"] == "patch"
    skip = "cannot be upgraded to 1.3.0 in one hop: OpenMetadata 1.3 is reached from 1.2 \\(1.2.0-1.2.5\\) only" \
           ".*to the latest 1.2 release first"
    with pytest.raises(releases.HopError, match=skip):
        releases.hop_for("1.1.7", "1.3.0")
    with pytest.raises(releases.HopError, match="1.3.9 is not an OpenMetadata release that exists"):
        releases.hop_for("1.2.5", "1.3.9")
    assert "1.2.0-1.2.5 -> 1.3.0-1.3.1" in releases.supported_text()
    # the 1.1 -> 1.2 hop is untouched
    assert releases.hop_for("1.1.7", "1.2.5")["native_migrations"] == ["1.2.0", "1.2.1", "1.2.4"]
    # config changes follow the row
    assert om_config.changes_for("1.3.0", "1.2.5") == FAKE_13["hop"]["config_changes"]
    assert all(c["since"].startswith("1.2") for c in om_config.changes_for("1.2.5"))
    with pytest.raises(ConfigError, match="in one hop"):
        om_config.changes_for("1.3.0", "1.1.7")
    # index names and the cluster-alias rule follow the row
    assert search.wanted_names("1.3.1", "prod")[-1] == "prod_api_service_search_index"
    assert search.has_cluster_alias("1.3.0") and not search.has_cluster_alias("1.2.5")
    with pytest.raises(ValueError, match="1.2 has no clusterAlias"):
        search.wanted_names("1.2.5", "prod")
    assert search.required_minimum(True, "all", search.Engine({"version": {"number": "8.11.4"}})) == "8.11.4"
    # settings, modules and preflight follow it too
    assert system_settings._newer_than("customLogoConfiguration.customFaviconUrlPath2", "1.2.5") == "1.3.0"  # noqa
    om_ingestion.check_target("1.3.1")
    assert releases.reindex_api("1.3.1") == "apps"
    verdict = preflight.evaluate({"server": {"version": "1.2.5"}}, {"target_version": "1.3.1"})
    assert not [p for p in verdict["problems"] if p["code"].startswith(("source", "target"))]
    assert verdict["release"]["native_migrations"] == ["1.3.0"]
    assert "ELASTICSEARCH_CLUSTER_ALIAS" not in om_config_env.no_effect_names("1.3.1")
