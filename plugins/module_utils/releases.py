# -*- coding: utf-8 -*-
# Copyright: (c) 2026, openmetadata.ops contributors
# Apache License 2.0 (see LICENSE or https://www.apache.org/licenses/LICENSE-2.0)
"""Everything this collection knows about OpenMetadata releases, as one table, and the one gate.

``LINES`` holds one row per minor version ("release line"): the patch releases that exist, and, for a
line the collection upgrades *to*, how it is reached (``hop``): from which line, on which Java, with
which ingestion Python, and what changes in openmetadata.yaml, the Helm values, the compose file, the
environment and the ingestion code, each change with the first release (``since``) that needs it. Per
line also the search engine minimums, OpenMetadata's index names and whether they carry a clusterAlias
prefix, the settings the server accepts, and per release the native migration folders it adds.

``hop_for(source, target)`` is the one gate every module and role goes through: the target must be a
release that exists and that the table has a hop to; the source a release of the hop's source line, or
an older (or the same) release of the target's line (a patch upgrade: 1.2.0 -> 1.2.5 runs the 1.2.1 and
1.2.4 migrations). Everything else (downgrade, skipping a line, a release that does not exist, a text
that is no release) is refused with one message naming what is supported and how to fix the input.

A new hop (1.2 -> 1.3) is one more row of ``LINES`` (plus its stand-in statements); no code changes.
Evidence for the values: docs/fidelity.md (most are checked by tests/oracle against the generated
models of each release's openmetadata-ingestion wheel).
"""
from __future__ import annotations

import re
from typing import Any, Dict, List, Optional, Tuple

from ansible_collections.openmetadata.ops.plugins.module_utils.versions import minor, parse

ELASTICSEARCH = "elasticsearch"
OPENSEARCH = "opensearch"

# The 1.1 -> 1.2 index names, kept here once (the table below names them per line).
_INDEXES_11 = [
    "table_search_index", "topic_search_index", "dashboard_search_index", "pipeline_search_index",
    "user_search_index", "team_search_index", "glossary_search_index", "mlmodel_search_index",
    "container_search_index", "query_search_index", "tag_search_index", "test_case_search_index",
    "entity_report_data_index", "web_analytic_entity_view_report_data_index",
    "web_analytic_user_activity_report_data_index",
]
# "indexName" values of the 1.2 server's elasticsearch/indexMapping.json: one per entity the
# SearchIndexingApplication indexes, the service indexes and the three data-insight indexes.
_INDEXES_12 = [
    "table_search_index", "stored_procedure_search_index", "database_schema_search_index",
    "database_search_index", "chart_search_index", "dashboard_search_index",
    "dashboard_data_model_search_index", "pipeline_search_index", "topic_search_index",
    "container_search_index", "search_entity_search_index", "query_search_index", "mlmodel_search_index",
    "test_case_search_index", "test_suite_search_index", "data_product_search_index", "domain_search_index",
    "glossary_search_index", "glossary_term_search_index", "tag_search_index", "classification_search_index",
    "user_search_index", "team_search_index", "entity_report_data_index",
    "web_analytic_entity_view_report_data_index", "web_analytic_user_activity_report_data_index",
    "database_service_search_index", "messaging_service_search_index", "pipeline_service_search_index",
    "dashboard_service_search_index", "search_service_search_index", "storage_service_search_index",
    "mlmodel_service_search_index", "metadata_service_search_index",
]

# ------------------------------------------------------------------------------------------------
# THE table. Keys of a line:
#   releases             release -> {"native": native migration folders this release adds}
#                        (upstream has no 1.1.4, 1.2.2, 1.2.3 or 1.2.5 folder)
#   indexes              OpenMetadata's own index names (without any clusterAlias prefix)
#   cluster_alias_since  first release of the line whose server prefixes index names with its
#                        clusterAlias, or None (1.1 and 1.2 have no clusterAlias: the generated
#                        elasticSearchConfiguration of 1.1.7.5 and 1.2.0.1-1.2.5.3 has no such field
#                        and forbids unknown ones; it first appears in 1.3.0)
#   search_min           the oldest engine per distribution (1.2: the release notes and docker/helm
#                        set-ups; 1.1: its docker quickstart, Elasticsearch 7.16 / OpenSearch 1.3)
#   settings_since       system settings (and "setting.field") with the release that adds them
#                        (the generated settings models of the wheels)
#   reindex_api          how a reindex is triggered: search_reindex (1.1) or apps (1.2+)
#   hop                  how this line is reached; only lines with a hop are upgrade targets
# ------------------------------------------------------------------------------------------------
LINES: Dict[str, Dict[str, Any]] = {
    "1.1": {
        "releases": {
            "1.1.0": {"native": ("1.1.0",)},
            "1.1.1": {"native": ("1.1.1",)},
            "1.1.2": {"native": ("1.1.2",)},
            "1.1.3": {"native": ("1.1.3",)},
            "1.1.4": {"native": ()},
            "1.1.5": {"native": ("1.1.5",)},
            "1.1.6": {"native": ()},
            "1.1.7": {"native": ()},
        },
        "indexes": _INDEXES_11,
        "cluster_alias_since": None,
        "search_min": {ELASTICSEARCH: "7.16.0", OPENSEARCH: "1.3.0"},
        "settings_since": {"customLogoConfiguration": "1.1.0"},
        # How a reindex is triggered: POST /api/v1/search/reindex (an EventPublisherJob).
        "reindex_api": "search_reindex",
        "hop": None,
    },
    "1.2": {
        "releases": {
            "1.2.0": {"native": ("1.2.0",)},
            "1.2.1": {"native": ("1.2.1",)},
            "1.2.2": {"native": ()},
            "1.2.3": {"native": ()},
            "1.2.4": {"native": ("1.2.4",)},
            "1.2.5": {"native": ()},
        },
        "indexes": _INDEXES_12,
        "cluster_alias_since": None,
        "search_min": {ELASTICSEARCH: "8.10.2", OPENSEARCH: "2.7.0"},
        "settings_since": {
            "customLogoConfiguration.customFaviconUrlPath": "1.2.1",
            "loginConfiguration": "1.2.1",
        },
        # The SearchIndexingApplication of the apps API.
        "reindex_api": "apps",
        "hop": {
            "from": "1.1",
            "java_min_major": 17,
            # openmetadata-ingestion 1.2.x supports Python 3.8-3.10.
            "ingestion_python": ("3.8", "3.10"),
            # openmetadata.yaml (bare metal and the docker image's copy).
            "config_changes": [
                # The JDBC URL's query string becomes ${DB_PARAMS:-...}; DB_USE_SSL is no longer read.
                {"since": "1.2.0", "kind": "db_params", "path": ("database", "url")},
                # One Flyway path became a Flyway path and a native-migrations path (1.1.2+ files have them).
                {"since": "1.2.0", "kind": "split_path", "path": ("migrationConfiguration", "path"),
                 "into": (("flywayPath", "{path}/migrations/flyway"), ("nativePath", "{path}/migrations/native"))},
                {"since": "1.2.0", "kind": "remove", "path": ("extensionConfiguration",)},
                {"since": "1.2.0", "kind": "add", "path": ("pipelineServiceClientConfiguration", "enabled"),
                 "value": "${PIPELINE_SERVICE_CLIENT_ENABLED:-true}", "after": None},
                # 1.2 has no elasticsearch.clusterAlias and refuses unknown fields there (the generated
                # elasticSearchConfiguration of openmetadata-ingestion 1.2.0.1-1.2.5.3: no clusterAlias, extra
                # forbidden); it first appears in 1.3.0. A 1.1 file given one (copied from a 1.3 doc) loses it.
                {"since": "1.2.0", "kind": "remove", "path": ("elasticsearch", "clusterAlias"),
                 "warning": "elasticsearch.clusterAlias was removed: OpenMetadata 1.2 has no clusterAlias (it "
                            "appears in 1.3) and refuses to start with it; its index names are never prefixed."},
                # Logo and login moved to the settings API; their values are returned for it.
                {"since": "1.2.1", "kind": "remove", "path": ("applicationConfig", "logoConfig"),
                 "setting": "customLogoConfiguration"},
                {"since": "1.2.1", "kind": "remove", "path": ("applicationConfig", "loginConfig"),
                 "setting": "loginConfiguration"},
                # The section itself is gone from 1.2.1's server configuration (openmetadata-ingestion 1.2.1.1+
                # has no generated applicationConfiguration): whatever else a user kept in it is refused too.
                {"since": "1.2.1", "kind": "remove_section", "path": ("applicationConfig",),
                 "warning": "%s removed: OpenMetadata 1.2.1+ has no applicationConfig section and refuses to "
                            "start with one"},
            ],
            # Environment variables that stop having an effect, with the release from which on and why.
            "env_no_effect": {
                "DB_USE_SSL": {"since": "1.2.0", "replacement": "DB_PARAMS",
                               "reason": "the JDBC URL reads DB_PARAMS instead (useSSL=... for MySQL, sslmode=... "
                                         "for PostgreSQL)"},
                "OM_RESOURCE_PACKAGES": {"since": "1.2.0", "replacement": "",
                                         "reason": "extensionConfiguration was removed from openmetadata.yaml"},
                "OM_EXTENSIONS": {"since": "1.2.0", "replacement": "",
                                  "reason": "extensionConfiguration was removed from openmetadata.yaml"},
                "OM_CUSTOM_LOGO_URL_PATH": {
                    "since": "1.2.1", "replacement": "setting customLogoConfiguration.customLogoUrlPath",
                    "reason": "applicationConfig.logoConfig was removed; set it in the UI or settings API"},
                "OM_CUSTOM_MONOGRAM_URL_PATH": {
                    "since": "1.2.1", "replacement": "setting customLogoConfiguration.customMonogramUrlPath",
                    "reason": "applicationConfig.logoConfig was removed; set it in the UI or settings API"},
                "OM_MAX_FAILED_LOGIN_ATTEMPTS": {
                    "since": "1.2.1", "replacement": "setting loginConfiguration.maxLoginFailAttempts",
                    "reason": "applicationConfig.loginConfig was removed; set it in the UI or settings API"},
                "OM_LOGIN_ACCESS_BLOCK_TIME": {
                    "since": "1.2.1", "replacement": "setting loginConfiguration.accessBlockTime",
                    "reason": "applicationConfig.loginConfig was removed; set it in the UI or settings API"},
                "OM_JWT_EXPIRY_TIME": {
                    "since": "1.2.1", "replacement": "setting loginConfiguration.jwtTokenExpiryTime",
                    "reason": "applicationConfig.loginConfig was removed; set it in the UI or settings API"},
                # Upstream's 1.1 docker env files spell these without the OM_ prefix: openmetadata.yaml never
                # read them.
                "CUSTOM_LOGO_URL_PATH": {
                    "since": "1.1.0", "replacement": "setting customLogoConfiguration.customLogoUrlPath",
                    "reason": "never read by openmetadata.yaml (it reads OM_CUSTOM_LOGO_URL_PATH)"},
                "CUSTOM_MONOGRAM_URL_PATH": {
                    "since": "1.1.0", "replacement": "setting customLogoConfiguration.customMonogramUrlPath",
                    "reason": "never read by openmetadata.yaml (it reads OM_CUSTOM_MONOGRAM_URL_PATH)"},
            },
            # Helm values (charts openmetadata and openmetadata-dependencies).
            "helm": {
                "db_use_ssl": ("openmetadata", "config", "database", "dbUseSSL"),
                "db_params": "dbParams",
                "basic_login": ("openmetadata", "config", "basicLogin"),
                "search": ("openmetadata", "config", "elasticsearch"),
                # 1.2.1+ dependencies chart runs OpenSearch 2.x instead of Elasticsearch.
                "opensearch_since": "1.2.1",
                "deps_opensearch": {
                    "clusterName": "opensearch",
                    "fullnameOverride": "opensearch",
                    "nodeGroup": '""',
                    "imagePullPolicy": "Always",
                    "opensearchJavaOpts": '"-Xmx1g -Xms1g"',
                    "protocol": "http",
                    "singleNode": "true",
                },
                "deps_java_opts": ("esJavaOpts", "opensearchJavaOpts"),
                # Kept as the user wrote them: the OpenSearch chart reads these keys the same way.
                "deps_carry": ("resources", "persistence", "nodeSelector", "tolerations", "affinity"),
            },
            # Docker images: the server (also the migration service) and ingestion images move to the target
            # tag; the search service to the engine the target's docker set-up ships.
            "images": {
                "server": "openmetadata/server",
                "ingestion": "openmetadata/ingestion",
                "db": ("openmetadata/db", "openmetadata/postgresql"),
                "search": {
                    ELASTICSEARCH: {"repository": "docker.elastic.co/elasticsearch/elasticsearch",
                                    "version": "8.10.2", "data_dir": "/usr/share/elasticsearch/data"},
                    OPENSEARCH: {"repository": "opensearchproject/opensearch", "version": "2.7.0",
                                 "data_dir": "/usr/share/opensearch/data"},
                },
            },
            # openmetadata-ingestion imports: (old module, name) -> (new module, name); checked against the
            # 1.1.7.0 and 1.2.5.3 wheels.
            "ingestion_moves": {
                ("metadata.profiler.api.workflow", "ProfilerWorkflow"):
                    ("metadata.workflow.profiler", "ProfilerWorkflow"),
                ("metadata.data_quality.api.workflow", "TestSuiteWorkflow"):
                    ("metadata.workflow.data_quality", "TestSuiteWorkflow"),
                ("metadata.data_insight.api.workflow", "DataInsightWorkflow"):
                    ("metadata.workflow.data_insight", "DataInsightWorkflow"),
                ("metadata.ingestion.api.source", "Source"): ("metadata.ingestion.api.steps", "Source"),
                ("metadata.ingestion.api.source", "InvalidSourceException"):
                    ("metadata.ingestion.api.steps", "InvalidSourceException"),
                ("metadata.ingestion.api.sink", "Sink"): ("metadata.ingestion.api.steps", "Sink"),
                ("metadata.ingestion.api.processor", "Processor"): ("metadata.ingestion.api.steps", "Processor"),
                ("metadata.ingestion.api.stage", "Stage"): ("metadata.ingestion.api.steps", "Stage"),
                ("metadata.ingestion.api.bulk_sink", "BulkSink"): ("metadata.ingestion.api.steps", "BulkSink"),
            },
        },
    },
}

RELEASE_TEXT = re.compile(r"^(\d+)\.(\d+)\.(\d+)\Z")
BUILD_TEXT = re.compile(r"^(\d+)\.(\d+)\.(\d+)(?:\.(\d+))?\Z")


class HopError(ValueError):
    """A version or a path the table does not support; the message names what is and how to fix it.
    ``code``: invalid (not a release text), unknown (no such release), not_supported (a line the table
    does not upgrade to, or a hop it does not have), downgrade. ``field``: source or target."""

    def __init__(self, msg: str, code: str = "not_supported", field: str = "target") -> None:
        super().__init__(msg)
        self.code = code
        self.field = field


# --- reading the table ---------------------------------------------------------------------------

def line(minor_version: str) -> Dict[str, Any]:
    """The row of a minor version ('1.2'); KeyError when the table has none."""
    return LINES[minor_version]


def known_lines() -> List[str]:
    """Every minor version in the table, oldest first."""
    return sorted(LINES, key=parse)


def target_lines() -> List[str]:
    """The minor versions the collection upgrades to (rows with a hop), oldest first."""
    return [m for m in known_lines() if LINES[m].get("hop")]


def newest_target_line() -> str:
    return target_lines()[-1]


def releases_of(minor_version: str) -> List[str]:
    """The patch releases of a line that exist, oldest first."""
    return sorted(LINES[minor_version]["releases"], key=parse)


def all_releases() -> List[str]:
    return [r for m in known_lines() for r in releases_of(m)]


def span(minor_version: str) -> str:
    """'1.2.0-1.2.5' (or the one release)."""
    found = releases_of(minor_version)
    return found[0] if len(found) == 1 else "%s-%s" % (found[0], found[-1])


def supported_text() -> str:
    """What the gate accepts, in words, from the table."""
    parts = []
    for target in target_lines():
        source = LINES[target]["hop"]["from"]
        parts.append("%s -> %s" % (span(source), span(target)))
        parts.append("%s -> a later %s release" % (span(target), target))
    return "; ".join(parts)


def native_migrations(release: str) -> Tuple[str, ...]:
    """The native migration folders a release ships (its own and every older one), oldest first."""
    have = parse(release)
    found = []
    for name in all_releases():
        if parse(name) <= have:
            found.extend(LINES[minor(name)]["releases"][name].get("native") or ())
    return tuple(found)


def settings_since() -> Dict[str, str]:
    """Settings (and "setting.field") with the first release that has them, from every line."""
    merged: Dict[str, str] = {}
    for name in known_lines():
        merged.update(LINES[name].get("settings_since") or {})
    return merged


def env_no_effect() -> Dict[str, Dict[str, str]]:
    """Environment variables that stop having an effect (each with its ``since``), from every hop row."""
    merged: Dict[str, Dict[str, str]] = {}
    for name in target_lines():
        merged.update(LINES[name]["hop"].get("env_no_effect") or {})
    return merged


def index_names(minor_version: str) -> List[str]:
    return list(LINES[minor_version]["indexes"])


def cluster_alias_since(minor_version: str) -> Optional[str]:
    return LINES[minor_version].get("cluster_alias_since")


def first_cluster_alias_line() -> Optional[str]:
    """The first line whose releases prefix index names (None while no row has one)."""
    for name in known_lines():
        if cluster_alias_since(name):
            return name
    return None


def reindex_api(version: str) -> str:
    """The reindex API of a release or line; a line newer than the table's newest uses the newest's."""
    name = minor(version)
    if name not in LINES:
        newest = known_lines()[-1]
        name = newest if parse(name) > parse(newest) else known_lines()[0]
    return LINES[name]["reindex_api"]


def search_minimum(minor_version: str, distribution: str) -> str:
    return LINES[minor_version]["search_min"][distribution]


def hop_data(minor_version: str) -> Dict[str, Any]:
    """The hop row of a target line (KeyError/TypeError-free: HopError when the line is no target)."""
    hop = (LINES.get(minor_version) or {}).get("hop")
    if not hop:
        raise HopError("OpenMetadata %s is not a release line this collection upgrades to. Supported: %s."
                       % (minor_version, supported_text()))
    return hop


def changes_since(items: List[Dict[str, Any]], target: str, source: Optional[str] = None) -> List[Dict[str, Any]]:
    """The entries whose ``since`` is at or below ``target`` (and above ``source`` when given)."""
    have = parse(target)
    low = parse(source) if source else None
    return [item for item in items
            if parse(item["since"]) <= have and (low is None or parse(item["since"]) > low)]


def release_of(text: Any) -> Optional[str]:
    """The release a version read from a system stands for ('1.1.7-release', 'v1.1.7', '1.1.7.0' -> '1.1.7'),
    None when it is no version of three or more numbers. Not a validator: check_release judges the result."""
    try:
        parts = parse(str(text))
    except ValueError:
        return None
    return ".".join(str(p) for p in parts[:3]) if len(parts) >= 3 else None


# --- the one validator ----------------------------------------------------------------------------

def check_release(text: Any, what: str = "target_version", allow_build: bool = False,
                  field: str = "target") -> str:
    """``text`` as a release that exists ('1.2.5'), else HopError naming what is wrong and the fix.
    With ``allow_build`` an ingestion client's fourth number (1.2.5.3) is accepted and dropped."""
    value = "" if text is None else str(text).strip()
    example = releases_of(newest_target_line())[-1]
    match = (BUILD_TEXT if allow_build else RELEASE_TEXT).match(value)
    if not match:
        if not value:
            problem = "is empty"
        elif re.match(r"^\d+\.\d+$", value):
            problem = "names a release line, not a release"
        else:
            problem = "is not a release version (three numbers, like %s)" % example
        raise HopError("%s %r %s. Set it to the exact release, e.g. %s. Supported upgrades: %s."
                       % (what, value, problem, example, supported_text()), "invalid", field)
    release = "%s.%s.%s" % match.group(1, 2, 3)
    line_name = minor(release)
    if line_name not in LINES:
        raise HopError("%s %s is not a release this collection supports: it knows OpenMetadata %s only. Supported "
                       "upgrades: %s." % (what, release, " and ".join(known_lines()), supported_text()),
                       "not_supported", field)
    if release not in LINES[line_name]["releases"]:
        raise HopError("%s %s is not an OpenMetadata release that exists: the %s releases are %s. Set it to one of "
                       "them. Supported upgrades: %s." % (what, release, line_name, ", ".join(releases_of(line_name)),
                                                          supported_text()), "unknown", field)
    return release


# --- the one gate ----------------------------------------------------------------------------------

def hop_for(source: Optional[str], target: Any, source_what: str = "source_version",
            target_what: str = "target_version", allow_build: bool = False) -> Dict[str, Any]:
    """The upgrade from ``source`` (None: not known yet, judged on the target alone) to ``target``:
    the target's facts and the hop's changes, or HopError. ``kind``: "minor" (a line up), "patch" (a later
    release of the same line), "none" (source equals target: nothing to do), None (source unknown). What
    the roles read (info's ``release``, ``openmetadata_preflight.release``, the ``openmetadata.ops.release``
    filter) is this dict. With ``allow_build`` the target may carry an ingestion client's fourth number
    (1.2.5.3), judged as its release."""
    target_release = check_release(target, target_what, allow_build=allow_build)
    target_line = minor(target_release)
    hop = LINES[target_line].get("hop")
    source_release = check_release(source, source_what, field="source") if source not in (None, "") else None
    source_line = minor(source_release) if source_release else None
    if source_release and parse(source_release) > parse(target_release):
        raise HopError("%s %s is older than %s %s: a downgrade is not an upgrade. Supported upgrades: %s. To go "
                       "back, restore the backup taken before the upgrade (playbook restore/rollback)."
                       % (target_what, target_release, source_what, source_release, supported_text()),
                       "downgrade", "target")
    if not hop:
        raise HopError("%s %s: OpenMetadata %s is not a release line this collection upgrades to. Supported "
                       "upgrades: %s. Set %s to one of those targets."
                       % (target_what, target_release, target_line, supported_text(), target_what),
                       "not_supported", "target")
    if source_line is None:
        kind = None
    elif source_line == target_line:
        kind = "none" if source_release == target_release else "patch"
    elif source_line == hop["from"]:
        kind = "minor"
    else:
        raise HopError("%s %s cannot be upgraded to %s in one hop: OpenMetadata %s is reached from %s (%s) only. "
                       "Supported upgrades: %s. Upgrade one release line at a time (to the latest %s release "
                       "first)." % (source_what, source_release, target_release, target_line, hop["from"],
                                    span(hop["from"]), supported_text(),
                                    _next_line(source_line) or hop["from"]), "not_supported", "source")
    return _facts(source_release, target_release, kind)


def _next_line(source_line: str) -> Optional[str]:
    for name in target_lines():
        if LINES[name]["hop"]["from"] == source_line:
            return name
    return None


def _facts(source: Optional[str], target: str, kind: Optional[str]) -> Dict[str, Any]:
    target_line = minor(target)
    row = LINES[target_line]
    hop = row.get("hop") or {}
    ran = native_migrations(source) if source else ()
    migrations = [name for name in native_migrations(target) if name not in ran] if source else None
    return {
        "source": source,
        "target": target,
        "source_line": minor(source) if source else None,
        "target_line": target_line,
        "from_line": hop.get("from"),
        "kind": kind,
        "java_min_major": hop.get("java_min_major"),
        "ingestion_python": list(hop["ingestion_python"]) if hop.get("ingestion_python") else None,
        "search_min": dict(row["search_min"]),
        "index_names": list(row["indexes"]),
        "cluster_alias": bool(row.get("cluster_alias_since")
                              and parse(target) >= parse(row["cluster_alias_since"])),
        "native_migrations": migrations,
        "target_native": list(native_migrations(target)),
        "images": _plain(hop.get("images")),
        "config_changes": [{"since": c["since"], "kind": c["kind"], "path": ".".join(c["path"])}
                           for c in changes_since(hop.get("config_changes") or [], target)],
        "supported": supported_text(),
    }


def _plain(value: Any) -> Any:
    """Tuples as lists (JSON / Ansible results)."""
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    return value
