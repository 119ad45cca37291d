"""openmetadata.yaml / env / Helm migration to 1.2 (om_config*): golden outputs, idempotence,
byte identity outside the changed keys, engine-aware DB_PARAMS, removed settings, bad input."""
from __future__ import annotations

import difflib
import os
import pathlib
import re

import pytest
from ruamel.yaml import YAML

from ansible_collections.openmetadata.ops.plugins.module_utils.config import om_config, om_config_env
from ansible_collections.openmetadata.ops.plugins.module_utils.config.om_config_env import db_params_for
from ansible_collections.openmetadata.ops.plugins.module_utils.errors import ConfigError

FIXTURES = pathlib.Path(__file__).resolve().parents[3] / "fixtures" / "om_config"
GOLDEN = FIXTURES / "golden"
UPDATE = os.environ.get("OM_UPDATE_GOLDEN") == "1"

# (fixture, target, env, engine) -> golden file
CASES = [
    ("mysql-commented-1.1.7.yaml", "1.2.5", {}, None),
    ("mysql-commented-1.1.7.yaml", "1.2.0", {}, None),
    ("mysql-commented-1.1.7.yaml", "1.2.5", {"DB_USE_SSL": "true", "OM_CUSTOM_LOGO_URL_PATH": "https://x/l.png"}, None),
    ("postgres-ssl-1.1.1.yaml", "1.2.5", {}, None),
    ("flow-style-1.1.7.yaml", "1.2.5", {}, None),
    ("anchors-1.1.7.yaml", "1.2.5", {}, None),
    ("missing-sections-1.1.4.yaml", "1.2.5", {}, None),
    ("env-everything-1.1.5.yaml", "1.2.5", {"DB_TIMEZONE": "Europe/Paris"}, None),
    ("logo-literal-1.1.7.yaml", "1.2.5", {}, None),
    ("already-1.2.5.yaml", "1.2.5", {}, None),
]
HELM_CASES = ["helm-openmetadata-1.1.14.yaml", "helm-openmetadata-postgres-1.1.14.yaml", "helm-deps-1.1.14.yaml"]


def _golden_name(name: str, target: str, env: dict) -> str:
    suffix = "-env" if env else ""
    return "%s.%s%s.out" % (name, target, suffix)


def _check_golden(name: str, text: str) -> None:
    path = GOLDEN / name
    if UPDATE:
        path.write_text(text)
    assert path.exists(), "golden %s missing (OM_UPDATE_GOLDEN=1 writes it)" % name
    assert text == path.read_text()


def _plan(name: str, target: str, env: dict, engine=None) -> dict:
    return om_config.plan_config((FIXTURES / name).read_text(), path=name, target_version=target, env=env,
                                 engine=engine)


@pytest.mark.parametrize("name,target,env,engine", CASES, ids=[_golden_name(c[0], c[1], c[2]) for c in CASES])
def test_golden_output_and_second_run_changes_nothing(name, target, env, engine):
    result = _plan(name, target, env, engine)
    _check_golden(_golden_name(name, target, env), result["text"])
    again = om_config.plan_config(result["text"], path=name, target_version=target, env=env, engine=engine)
    assert not again["changed"] and again["text"] == result["text"], again["changes"]


# Lines the 1.1 -> 1.2 hop may touch; every other line must come through byte for byte.
CHANGED_KEYS = re.compile(r"^\s*(url|path|flywayPath|nativePath|enabled|applicationConfig|logoConfig|"
                          r"loginConfig|customLogoUrlPath|customMonogramUrlPath|maxLoginFailAttempts|accessBlockTime|"
                          r"jwtTokenExpiryTime|extensionConfiguration|resourcePackage|extensions|somethingElse)\s*:"
                          r"|^\s*$|^(database|migrationConfiguration|elasticsearch|pipelineServiceClientConfiguration|"
                          r"applicationConfig|extensionConfiguration):\s*\{")


@pytest.mark.parametrize("name,target,env,engine", CASES, ids=[_golden_name(c[0], c[1], c[2]) for c in CASES])
def test_bytes_outside_the_changed_keys_are_identical(name, target, env, engine):
    before = (FIXTURES / name).read_text()
    after = _plan(name, target, env, engine)["text"]
    matcher = difflib.SequenceMatcher(a=before.splitlines(True), b=after.splitlines(True), autojunk=False)
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal":
            continue
        for line in matcher.a[i1:i2] + matcher.b[j1:j2]:
            if line.lstrip().startswith("#") and line in matcher.a[i1:i2]:
                # a comment may only go when it sat inside a removed block
                assert any(k in "".join(matcher.a[i1:i2]) for k in ("logoConfig", "extensionConfiguration", "url"))
                continue
            assert CHANGED_KEYS.search(line), "unexpected change: %r" % line
    # every comment that was not inside a removed block survives, in order
    kept = [l for l in before.splitlines() if l.lstrip().startswith("#")]
    out = [l for l in after.splitlines() if l.lstrip().startswith("#")]
    assert [l for l in kept if l in out] == out


@pytest.mark.parametrize("name,target,env,engine", CASES, ids=[_golden_name(c[0], c[1], c[2]) for c in CASES])
def test_no_1_2_output_has_a_cluster_alias(name, target, env, engine):
    # 1.2's elasticSearchConfiguration has no clusterAlias and forbids unknown fields (openmetadata-ingestion
    # 1.2.0.1-1.2.5.3 generated models): the server would refuse the file.
    result = _plan(name, target, env, engine)
    assert "clusterAlias" not in result["text"]
    assert "ELASTICSEARCH_CLUSTER_ALIAS" not in result["text"]


ALIAS_LINE = '  clusterAlias: ${ELASTICSEARCH_CLUSTER_ALIAS:-"prod"}\n'


@pytest.mark.parametrize("target", ["1.2.0", "1.2.5"])
def test_cluster_alias_copied_into_a_1_1_file_is_removed_for_1_2(target):
    # A user who copied clusterAlias from a 1.3 doc: 1.2 refuses it, so it goes, and the result says so.
    base = (FIXTURES / "mysql-commented-1.1.7.yaml").read_text()
    anchor = '  password: ${ELASTICSEARCH_PASSWORD:-""}\n'
    assert base.count(anchor) == 1
    text = base.replace(anchor, anchor + ALIAS_LINE)
    result = om_config.plan_config(text, path="openmetadata.yaml", target_version=target)
    assert result["changed"]
    assert "elasticsearch.clusterAlias removed" in result["changes"]
    assert any("OpenMetadata 1.2 has no clusterAlias" in w for w in result["warnings"]), result["warnings"]
    # exactly that line went; the rest is what the same file without it becomes
    expected = om_config.plan_config(base, path="openmetadata.yaml", target_version=target)["text"]
    assert result["text"] == expected
    assert "clusterAlias" not in YAML(typ="safe").load(result["text"])["elasticsearch"]
    again = om_config.plan_config(result["text"], path="openmetadata.yaml", target_version=target)
    assert not again["changed"] and not again["warnings"], again


def test_cluster_alias_in_flow_style_is_removed_too():
    text = (FIXTURES / "flow-style-1.1.7.yaml").read_text()
    assert "elasticsearch: {" in text
    text = text.replace("elasticsearch: {", "elasticsearch: {clusterAlias: prod, ", 1)
    result = om_config.plan_config(text, path="openmetadata.yaml", target_version="1.2.5")
    assert "elasticsearch.clusterAlias removed" in result["changes"]
    data = YAML(typ="safe").load(result["text"])
    assert "clusterAlias" not in data["elasticsearch"] and data["elasticsearch"]["port"] == 9200


def test_crlf_file_keeps_crlf_everywhere():
    text = (FIXTURES / "postgres-ssl-1.1.1.yaml").read_text().replace("\n", "\r\n")
    result = om_config.plan_config(text, target_version="1.2.5")
    assert result["text"].count("\n") == result["text"].count("\r\n")
    assert result["text"].replace("\r\n", "\n") == (GOLDEN / "postgres-ssl-1.1.1.yaml.1.2.5.out").read_text()
    assert not om_config.plan_config(result["text"], target_version="1.2.5")["changed"]


def test_removed_settings_resolved_from_env_and_defaults():
    result = _plan("mysql-commented-1.1.7.yaml", "1.2.5",
                   {"OM_CUSTOM_LOGO_URL_PATH": "https://x/l.png", "OM_LOGIN_ACCESS_BLOCK_TIME": "900"})
    assert result["removed_settings"] == {
        "customLogoConfiguration": {"customLogoUrlPath": "https://x/l.png", "customMonogramUrlPath": ""},
        "loginConfiguration": {"maxLoginFailAttempts": 3, "accessBlockTime": 900, "jwtTokenExpiryTime": 3600}}


def test_removed_settings_literal_values_win():
    result = _plan("logo-literal-1.1.7.yaml", "1.2.5", {"OM_CUSTOM_LOGO_URL_PATH": "ignored"})
    assert result["removed_settings"]["customLogoConfiguration"]["customLogoUrlPath"] == \
        "https://static.example.com/brand/login-logo.png"
    assert result["removed_settings"]["loginConfiguration"] == {"maxLoginFailAttempts": 10, "accessBlockTime": 120,
                                                                "jwtTokenExpiryTime": 86400}
    # 1.2.1 has no applicationConfig section at all: what else the user kept in it goes too, with a warning
    # (the server would refuse it); 1.2.0 still has the section and keeps it.
    assert "applicationConfig" not in YAML(typ="safe").load(result["text"])
    assert result["warnings"] == ["applicationConfig.somethingElse removed: OpenMetadata 1.2.1+ has no "
                                  "applicationConfig section and refuses to start with one"]
    assert "applicationConfig removed (somethingElse left in it)" in result["changes"]
    kept = _plan("logo-literal-1.1.7.yaml", "1.2.0", {})
    assert YAML(typ="safe").load(kept["text"])["applicationConfig"]["somethingElse"] == "kept"


def test_target_1_2_0_keeps_logo_and_login():
    result = _plan("mysql-commented-1.1.7.yaml", "1.2.0", {})
    assert "applicationConfig" in YAML(typ="safe").load(result["text"])
    assert result["removed_settings"] == {}


def test_db_use_ssl_in_force_is_carried_into_db_params():
    result = _plan("mysql-commented-1.1.7.yaml", "1.2.5", {"DB_USE_SSL": "true"})
    url = YAML(typ="safe").load(result["text"])["database"]["url"]
    assert url.endswith("?${DB_PARAMS:-allowPublicKeyRetrieval=true&useSSL=true&serverTimezone=UTC}")


@pytest.mark.parametrize("name", ["postgres-ssl-1.1.1.yaml", "logo-literal-1.1.7.yaml"])
def test_postgresql_url_never_gets_mysql_parameters(name):
    url = YAML(typ="safe").load(_plan(name, "1.2.5", {})["text"])["database"]["url"]
    for param in ("allowPublicKeyRetrieval", "useSSL", "serverTimezone"):
        assert param not in url
    assert "sslmode=" in url


def test_engine_option_overrides_the_driver():
    url = YAML(typ="safe").load(_plan("missing-sections-1.1.4.yaml", "1.2.5", {}, "postgresql")["text"])["database"]["url"]
    assert url.endswith("?${DB_PARAMS:-sslmode=prefer}")


@pytest.mark.parametrize("engine,use_ssl,existing,expected", [
    ("mysql", None, None, "allowPublicKeyRetrieval=true&useSSL=false&serverTimezone=UTC"),
    ("mysql", "true", None, "allowPublicKeyRetrieval=true&useSSL=true&serverTimezone=UTC"),
    ("mysql", '"false"', "useSSL=true&serverTimezone=UTC", "useSSL=false&serverTimezone=UTC"),
    ("mysql", None, "sslmode=require", "useSSL=true"),
    ("postgresql", None, None, "sslmode=prefer"),
    ("postgresql", "true", None, "sslmode=require"),
    ("postgresql", "false", None, "sslmode=prefer"),
    ("postgresql", None, "allowPublicKeyRetrieval=true&useSSL=true&serverTimezone=UTC", "sslmode=require"),
    ("postgresql", "true", "sslmode=verify-full&sslrootcert=/c.pem", "sslmode=verify-full&sslrootcert=/c.pem"),
    ("postgresql", "false", "sslmode=require", "sslmode=prefer"),
])
def test_db_params_for(engine, use_ssl, existing, expected):
    assert db_params_for(engine, use_ssl, existing) == expected


def test_db_params_for_refuses_unknown_engine():
    with pytest.raises(ConfigError, match="mysql or postgresql"):
        db_params_for("oracle")


# --- bad input ---------------------------------------------------------------------------------

@pytest.mark.parametrize("name,message", [
    ("bad-invalid.txt", "not valid YAML at line 4"),
    ("bad-tabs.txt", "line 2 is indented with a tab"),
    ("bad-duplicate.txt", "duplicate key"),
    ("bad-list-root.yaml", "must hold a YAML mapping"),
    ("bad-not-openmetadata.yaml", "no `database:` section"),
])
def test_bad_input_is_refused_with_a_clear_message(name, message):
    with pytest.raises(ConfigError, match=re.escape(message)) as info:
        _plan(name, "1.2.5", {})
    assert "nothing was changed" in str(info.value)


@pytest.mark.parametrize("target,source,message", [
    ("1.3.0", None, "not a release this collection supports"), ("banana", None, "is not a release version"),
    ("1.2.5", "1.0.2", "not a release this collection supports"), ("1.2.5", "x", "is not a release version"),
    ("1.2.99", None, "not an OpenMetadata release that exists"), ("1.2.0", "1.2.5", "a downgrade"),
])
def test_unknown_versions_are_refused(target, source, message):
    # The one gate's message (releases.hop_for), naming what is supported.
    with pytest.raises(ConfigError, match="%s.*Supported upgrades: 1.1.0-1.1.7 -> 1.2.0-1.2.5" % message):
        om_config.plan_config((FIXTURES / "mysql-commented-1.1.7.yaml").read_text(), target_version=target,
                              source_version=source)


def test_oversized_and_non_utf8_input_is_refused():
    with pytest.raises(ConfigError, match="refuses files over"):
        om_config.decode(b"a: 1\n" * (11 * 1024 * 1024 // 5), "big.yaml")
    with pytest.raises(ConfigError, match="not UTF-8"):
        om_config.decode(b"database: \xff\n", "latin.yaml")


def test_a_key_inside_a_list_item_is_refused_not_mangled():
    text = "database:\n  url: jdbc:mysql://h/db?useSSL=${DB_USE_SSL:-false}\nx:\n  - applicationConfig: 1\n" \
           "applicationConfig:\n  logoConfig: {customLogoUrlPath: a}\n"
    result = om_config.plan_config(text, target_version="1.2.5")
    assert "logoConfig" not in result["text"] and "- applicationConfig: 1" in result["text"]


# --- merge -------------------------------------------------------------------------------------

def _merge(**kwargs):
    d = FIXTURES / "merge"
    return om_config.plan_merge((d / "edited-1.1.7.yaml").read_text(), (d / "shipped-1.2.5.yaml").read_text(),
                                (d / "original-1.1.7.yaml").read_text(), target_version="1.2.5", **kwargs)


def test_merge_reports_conflicts_instead_of_guessing():
    with pytest.raises(ConfigError, match="elasticsearch.batchSize: yours"):
        _merge()


def test_merge_carries_the_user_edits_into_the_shipped_file():
    result = _merge(on_conflict="shipped")
    _check_golden("merge.1.2.5.out", result["text"])
    data = YAML(typ="safe").load(result["text"])
    assert data["logging"]["level"] == "${LOG_LEVEL:-DEBUG}"
    assert "db01.internal" in data["database"]["url"] and "${DB_PARAMS:-" in data["database"]["url"]
    assert data["server"]["gzip"] == {"enabled": True}
    assert data["slackEventPublishers"][0]["name"] == "ops"
    assert "healthCheckInterval" not in data["pipelineServiceClientConfiguration"]
    assert data["elasticsearch"]["batchSize"] == "${ELASTICSEARCH_BATCH_SIZE:-100}"
    assert data["web"] == {"uriPath": '${WEB_CONF_URI_PATH:-"/api"}'}
    assert result["removed_settings"]["customLogoConfiguration"]["customLogoUrlPath"] == "https://cdn.example.com/logo.png"
    assert [c["key"] for c in result["conflicts"]] == ["elasticsearch.batchSize"]
    d = FIXTURES / "merge"
    again = om_config.plan_merge((d / "edited-1.1.7.yaml").read_text(), result["text"],
                                 (d / "original-1.1.7.yaml").read_text(), target_version="1.2.5", on_conflict="shipped")
    assert not again["changed"]


def test_merge_on_conflict_edited_takes_the_user_value():
    data = YAML(typ="safe").load(_merge(on_conflict="edited")["text"])
    assert data["elasticsearch"]["batchSize"] == "${ELASTICSEARCH_BATCH_SIZE:-50}"


# --- helm --------------------------------------------------------------------------------------

@pytest.mark.parametrize("name", HELM_CASES)
def test_helm_values_golden_and_idempotent(name):
    result = om_config.plan_helm((FIXTURES / name).read_text(), path=name, target_version="1.2.5")
    _check_golden(name + ".1.2.5.out", result["text"])
    assert not om_config.plan_helm(result["text"], path=name, target_version="1.2.5")["changed"]


def test_helm_dependencies_keep_resources_and_heap():
    data = YAML(typ="safe").load(om_config.plan_helm((FIXTURES / "helm-deps-1.1.14.yaml").read_text(),
                                                     target_version="1.2.5")["text"])
    assert "elasticsearch" not in data
    assert data["opensearch"]["resources"] == {"requests": {"memory": "3Gi"}}
    assert data["opensearch"]["persistence"] == {"size": "80Gi"}
    assert data["opensearch"]["opensearchJavaOpts"] == "-Xmx2g -Xms2g" and data["opensearch"]["enabled"] is True


def test_helm_basic_login_becomes_login_setting_and_elasticsearch_can_stay():
    result = om_config.plan_helm((FIXTURES / "helm-openmetadata-1.1.14.yaml").read_text(), target_version="1.2.5",
                                 search_engine="elasticsearch")
    assert result["removed_settings"]["loginConfiguration"]["maxLoginFailAttempts"] == 6
    data = YAML(typ="safe").load(result["text"])
    assert data["openmetadata"]["config"]["elasticsearch"]["host"] == "elasticsearch"
    assert data["openmetadata"]["config"]["database"]["dbParams"] == \
        "allowPublicKeyRetrieval=true&useSSL=true&serverTimezone=UTC"


# --- env files and no-effect variables ---------------------------------------------------------

def test_env_file_db_use_ssl_becomes_db_params_line_in_place():
    text = (FIXTURES / "openmetadata-mysql.env").read_text()
    new, changes = om_config_env.migrate_env_text(text, "mysql", "1.2.5")
    assert 'DB_PARAMS="allowPublicKeyRetrieval=true&useSSL=true&serverTimezone=UTC"\n' in new
    assert new.replace('DB_PARAMS="allowPublicKeyRetrieval=true&useSSL=true&serverTimezone=UTC"',
                       'DB_USE_SSL="true"') == text
    assert om_config_env.migrate_env_text(new, "mysql", "1.2.5") == (new, [])
    assert len(changes) == 1


def test_env_file_postgres_export_lines_and_mysql_params_cleaned():
    new, _changes = om_config_env.migrate_env_text((FIXTURES / "openmetadata-postgres.env").read_text(), "postgresql", "1.2.5")
    assert "export DB_PARAMS=sslmode=prefer\n" in new
    new, changes = om_config_env.migrate_env_text((FIXTURES / "postgres-mysql-params.env").read_text(), "postgresql",
                                                  "1.2.5")
    assert "DB_PARAMS='sslmode=require'" in new and "MySQL parameters removed" in changes[0]


def test_no_effect_vars_found_in_env_files_systemd_units_and_compose_files():
    found = om_config_env.find_no_effect([str(FIXTURES / "openmetadata.service"), str(FIXTURES / "compose-1.1.yml"),
                                          str(FIXTURES / "does-not-exist.env")], "1.2.5", {"OM_EXTENSIONS": "[]"})
    by = {(f["name"], os.path.basename(f["file"]) if f["file"] else "", f["source"]) for f in found}
    assert ("OM_EXTENSIONS", "", "env option") in by
    assert ("OM_JWT_EXPIRY_TIME", "openmetadata.service", "systemd") in by
    assert ("OM_RESOURCE_PACKAGES", "openmetadata.service", "systemd") in by
    assert ("DB_USE_SSL", "openmetadata-mysql.env", "env") in by  # through EnvironmentFile=
    assert ("OM_CUSTOM_LOGO_URL_PATH", "openmetadata-mysql.env", "env") in by
    assert ("OM_MAX_FAILED_LOGIN_ATTEMPTS", "compose-1.1.yml", "compose") in by
    assert ("OM_CUSTOM_LOGO_URL_PATH", "compose-1.1.yml", "compose") in by
    assert ("CUSTOM_LOGO_URL_PATH", "openmetadata-postgres.env", "env") in by  # through env_file:
    assert all(f["reason"] for f in found)
    assert not any(f["name"] == "JAVA_HOME" for f in found)


def test_no_effect_vars_depend_on_the_target():
    names_120 = set(om_config_env.no_effect_names("1.2.0"))
    assert "DB_USE_SSL" in names_120 and "OM_JWT_EXPIRY_TIME" not in names_120
    assert "OM_JWT_EXPIRY_TIME" in om_config_env.no_effect_names("1.2.1")


def test_looks_like():
    assert om_config.looks_like((FIXTURES / "openmetadata-mysql.env").read_text()) == "env"
    assert om_config.looks_like((FIXTURES / "helm-deps-1.1.14.yaml").read_text()) == "helm"
    assert om_config.looks_like((FIXTURES / "compose-1.1.yml").read_text()) == "compose"
    assert om_config.looks_like((FIXTURES / "anchors-1.1.7.yaml").read_text()) == "server"


def test_split_migration_path_keeps_the_line_comment():
    # Found by the property test: the comment after migrationConfiguration.path was dropped.
    text = ('migrationConfiguration:\n  path: "./bootstrap/sql"  # where the SQL lives\n'
            'database:\n  driverClass: com.mysql.cj.jdbc.Driver\n  url: jdbc:mysql://h:1/db?useSSL=false\n')
    out = om_config.plan_config(text, target_version="1.2.0")["text"]
    assert '  flywayPath: "./bootstrap/sql/migrations/flyway"  # where the SQL lives\n' in out
    assert not om_config.plan_config(out, target_version="1.2.0")["changed"]


def _url_plan(url: str, driver: str = "com.mysql.cj.jdbc.Driver", env=None) -> dict:
    text = "database:\n  driverClass: %s\n  url: %s\n" % (driver, url)
    return om_config.plan_config(text, target_version="1.2.5", source_version="1.1.7", env=env or {})


def _db_params_warnings(result: dict) -> list:
    return [w for w in result["warnings"] if "DB_PARAMS" in w and w.startswith("database.url")]


def test_a_literal_mysql_url_is_kept_with_a_warning_naming_its_parameters():
    """issue 19: a URL written out keeps its parameters, and DB_PARAMS (1.2's way to set SSL) does nothing
    to it: say so, with what it carries; a password in it is not repeated."""
    result = _url_plan("jdbc:mysql://db:3306/openmetadata_db?useSSL=true&serverTimezone=UTC&password=s3cr3t")
    assert not result["changed"]
    warnings = _db_params_warnings(result)
    assert len(warnings) == 1, result["warnings"]
    assert "useSSL=true, serverTimezone=UTC, password=********" in warnings[0]
    assert "no effect" in warnings[0] and "?${DB_PARAMS:-useSSL=true&serverTimezone=UTC}" in warnings[0]
    assert "s3cr3t" not in " ".join(result["warnings"])
    bare = _db_params_warnings(_url_plan("jdbc:mysql://db:3306/openmetadata_db"))
    assert len(bare) == 1 and "carries no parameters" in bare[0]


@pytest.mark.parametrize("url", [
    "jdbc:mysql://db:3306/openmetadata_db?${DB_PARAMS:-allowPublicKeyRetrieval=true&useSSL=false}",
    "jdbc:mysql://db:3306/openmetadata_db?useSSL=${DB_USE_SSL:-false}",   # becomes ${DB_PARAMS:-...}
])
def test_a_mysql_url_reading_db_params_gets_no_such_warning(url):
    assert _db_params_warnings(_url_plan(url)) == []


def test_a_literal_postgresql_url_is_not_warned_about():
    # Scope of the warning: the MySQL URL, whose useSSL & co. 1.2 sets through DB_PARAMS (issue 19).
    result = _url_plan("jdbc:postgresql://db:5432/openmetadata_db?sslmode=prefer", driver="org.postgresql.Driver")
    assert _db_params_warnings(result) == []
