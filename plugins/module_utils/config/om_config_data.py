# -*- coding: utf-8 -*-
# Copyright: (c) 2026, openmetadata.ops contributors
# Apache License 2.0 (see LICENSE or https://www.apache.org/licenses/LICENSE-2.0)
"""Fixed facts of OpenMetadata's server configuration that do not change between releases, as data.

What changes between releases (the openmetadata.yaml changes, the Helm values, the environment variables
that stop having an effect, each with its ``since``) is a column of the one release table,
``releases.LINES[<target line>]["hop"]`` (``config_changes``, ``helm``, ``env_no_effect``); a later hop
(1.2 -> 1.3) is one more row there. The code in om_config*.py reads that table and these values only.
"""
from __future__ import annotations

from typing import Any

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

# basicLogin (helm 1.1) -> loginConfiguration setting fields.
HELM_BASIC_LOGIN_FIELDS = {"maxLoginFailAttempts": "maxLoginFailAttempts", "accessBlockTime": "accessBlockTime"}

MAX_FILE_BYTES = 5 * 1024 * 1024  # a real openmetadata.yaml is ~20 kB; refuse anything this large
