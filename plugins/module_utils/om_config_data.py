# -*- coding: utf-8 -*-
# Copyright: (c) 2026, openmetadata.ops contributors
# Apache License 2.0 (see LICENSE or https://www.apache.org/licenses/LICENSE-2.0)
"""What changes in OpenMetadata's server configuration between versions, as data.

Each hop is keyed by the target minor version. A change carries the first release (``since``) that
needs it, so a 1.2.0 target gets the 1.2.0 changes only and a 1.2.1+ target all of them. A later hop
(1.2 -> 1.3) is one more entry of CONFIG_HOPS; the code in om_config*.py reads these tables only.
"""
from __future__ import annotations

from typing import Any

# openmetadata.yaml (bare metal and the docker image's copy).
CONFIG_HOPS: dict[str, dict[str, Any]] = {
    "1.2": {
        "source": "1.1",
        "changes": [
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
             "warning": "elasticsearch.clusterAlias was removed: OpenMetadata 1.2 has no clusterAlias (it appears "
                        "in 1.3) and refuses to start with it; its index names are never prefixed."},
            # Logo and login moved to the settings API; their values are returned for it.
            {"since": "1.2.1", "kind": "remove", "path": ("applicationConfig", "logoConfig"),
             "setting": "customLogoConfiguration"},
            {"since": "1.2.1", "kind": "remove", "path": ("applicationConfig", "loginConfig"),
             "setting": "loginConfiguration"},
            # The section itself is gone from 1.2.1's server configuration (openmetadata-ingestion 1.2.1.1+
            # has no generated applicationConfiguration): whatever else a user kept in it is refused too.
            {"since": "1.2.1", "kind": "remove_section", "path": ("applicationConfig",),
             "warning": "%s removed: OpenMetadata 1.2.1+ has no applicationConfig section and refuses to start "
                        "with one"},
        ],
    },
}

# The settings (PUT /api/v1/system/settings) the removed blocks become: field -> (type, 1.1 default).
REMOVED_SETTINGS: dict[str, dict[str, tuple[str, Any]]] = {
    "customLogoConfiguration": {
        "customLogoUrlPath": ("str", ""),
        "customMonogramUrlPath": ("str", ""),
    },
    "loginConfiguration": {
        "maxLoginFailAttempts": ("int", 3),
        "accessBlockTime": ("int", 600),
        "jwtTokenExpiryTime": ("int", 3600),
    },
}

# Environment variables that stop having an effect, with the release from which on and why.
NO_EFFECT_ENV_VARS: dict[str, dict[str, str]] = {
    "DB_USE_SSL": {"since": "1.2.0", "replacement": "DB_PARAMS",
                   "reason": "the JDBC URL reads DB_PARAMS instead (useSSL=... for MySQL, sslmode=... for PostgreSQL)"},
    "OM_RESOURCE_PACKAGES": {"since": "1.2.0", "replacement": "",
                             "reason": "extensionConfiguration was removed from openmetadata.yaml"},
    "OM_EXTENSIONS": {"since": "1.2.0", "replacement": "",
                      "reason": "extensionConfiguration was removed from openmetadata.yaml"},
    "OM_CUSTOM_LOGO_URL_PATH": {"since": "1.2.1", "replacement": "setting customLogoConfiguration.customLogoUrlPath",
                                "reason": "applicationConfig.logoConfig was removed; set it in the UI or settings API"},
    "OM_CUSTOM_MONOGRAM_URL_PATH": {"since": "1.2.1",
                                    "replacement": "setting customLogoConfiguration.customMonogramUrlPath",
                                    "reason": "applicationConfig.logoConfig was removed; set it in the UI or settings API"},
    "OM_MAX_FAILED_LOGIN_ATTEMPTS": {"since": "1.2.1", "replacement": "setting loginConfiguration.maxLoginFailAttempts",
                                     "reason": "applicationConfig.loginConfig was removed; set it in the UI or settings API"},
    "OM_LOGIN_ACCESS_BLOCK_TIME": {"since": "1.2.1", "replacement": "setting loginConfiguration.accessBlockTime",
                                   "reason": "applicationConfig.loginConfig was removed; set it in the UI or settings API"},
    "OM_JWT_EXPIRY_TIME": {"since": "1.2.1", "replacement": "setting loginConfiguration.jwtTokenExpiryTime",
                           "reason": "applicationConfig.loginConfig was removed; set it in the UI or settings API"},
    # Upstream's 1.1 docker env files spell these without the OM_ prefix: openmetadata.yaml never read them.
    "CUSTOM_LOGO_URL_PATH": {"since": "1.1.0", "replacement": "setting customLogoConfiguration.customLogoUrlPath",
                             "reason": "never read by openmetadata.yaml (it reads OM_CUSTOM_LOGO_URL_PATH)"},
    "CUSTOM_MONOGRAM_URL_PATH": {"since": "1.1.0",
                                 "replacement": "setting customLogoConfiguration.customMonogramUrlPath",
                                 "reason": "never read by openmetadata.yaml (it reads OM_CUSTOM_MONOGRAM_URL_PATH)"},
}

# The variable each removed yaml field read in the shipped 1.1 file (to resolve values when a user
# file replaced the ${VAR:-default} by something else, the literal wins).
SETTING_ENV_VARS: dict[str, str] = {
    "customLogoUrlPath": "OM_CUSTOM_LOGO_URL_PATH",
    "customMonogramUrlPath": "OM_CUSTOM_MONOGRAM_URL_PATH",
    "maxLoginFailAttempts": "OM_MAX_FAILED_LOGIN_ATTEMPTS",
    "accessBlockTime": "OM_LOGIN_ACCESS_BLOCK_TIME",
    "jwtTokenExpiryTime": "OM_JWT_EXPIRY_TIME",
}

# JDBC parameters by engine. DB_PARAMS is the whole query string of the JDBC URL in 1.2.
DB_PARAMS_DEFAULTS: dict[str, list[tuple[str, str]]] = {
    "mysql": [("allowPublicKeyRetrieval", "true"), ("useSSL", "false"), ("serverTimezone", "UTC")],
    # PgJDBC's own default is sslmode=prefer: writing it keeps what a 1.1 server did.
    "postgresql": [("sslmode", "prefer")],
}
# MySQL Connector/J properties that PgJDBC does not know (upstream issues 16839, 20037).
MYSQL_ONLY_PARAMS = ("allowPublicKeyRetrieval", "useSSL", "requireSSL", "verifyServerCertificate", "serverTimezone",
                     "sslMode", "useLegacyDatetimeCode", "zeroDateTimeBehavior", "sessionVariables",
                     "useUnicode", "characterEncoding", "enabledTLSProtocols")
POSTGRESQL_ONLY_PARAMS = ("sslmode", "sslrootcert", "sslcert", "sslkey", "currentSchema")
POSTGRESQL_SSL_MODES = {True: "require", False: "prefer"}
# sslmode values that already mean "encrypted": DB_USE_SSL=true must not weaken them.
POSTGRESQL_SSL_STRONG = ("require", "verify-ca", "verify-full")

# Helm values (charts openmetadata and openmetadata-dependencies).
HELM_HOPS: dict[str, dict[str, Any]] = {
    "1.2": {
        "source": "1.1",
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
}
# basicLogin (helm 1.1) -> loginConfiguration setting fields.
HELM_BASIC_LOGIN_FIELDS = {"maxLoginFailAttempts": "maxLoginFailAttempts", "accessBlockTime": "accessBlockTime"}

MAX_FILE_BYTES = 5 * 1024 * 1024  # a real openmetadata.yaml is ~20 kB; refuse anything this large
