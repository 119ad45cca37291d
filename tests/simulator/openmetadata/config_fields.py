# -*- coding: utf-8 -*-
# Copyright: (c) 2026, openmetadata.ops contributors
# Apache License 2.0 (see LICENSE or https://www.apache.org/licenses/LICENSE-2.0)
"""Which fields each release's server configuration knows, and the refusal Dropwizard prints for one it
does not (its YAML factory fails on unknown properties: "Unrecognized field at: <path>").

Two sources, the stronger first:
- where the oracle is cached (``make oracle-wheels``: the release's openmetadata-ingestion wheel, whose
  ``metadata/generated/schema`` models are generated from the server's own JSON schemas), every section
  that has a model is validated with it, nested fields and types included;
- always, this table: the top-level keys of the server's configuration class and the fields of each
  section, per release. The sections' fields are what those models hold (tests/oracle checks the table
  against them); the top-level keys are the 1.1.1 shipped file's plus Dropwizard's own, with the sections
  whose models left the wheels removed (``extensionConfiguration`` in 1.2.0, ``applicationConfig`` in 1.2.1).
"""
from __future__ import annotations

import importlib.util
import pathlib
from typing import Any, Dict, List, Optional, Tuple

from .releases import parse

REPO = pathlib.Path(__file__).resolve().parents[3]

# Dropwizard's own configuration fields, then OpenMetadata's (1.1.1 conf/openmetadata.yaml).
_TOP_LEVEL = ("server", "logging", "metrics", "admin", "health",
              "clusterName", "swagger", "database", "migrationConfiguration", "authorizerConfiguration",
              "authenticationConfiguration", "jwtTokenConfiguration", "elasticsearch", "eventMonitoringConfiguration",
              "eventHandlerConfiguration", "pipelineServiceClientConfiguration", "fernetConfiguration",
              "secretsManagerConfiguration", "email", "applicationConfig", "web", "changeEventConfig",
              "extensionConfiguration")
# key -> (first release that has it, first release that no longer has it)
_LIFETIME: Dict[str, Tuple[str, Optional[str]]] = {
    "extensionConfiguration": ("1.1.0", "1.2.0"),
    "applicationConfig": ("1.1.0", "1.2.1"),
    "pipelineServiceClientConfiguration.enabled": ("1.2.0", None),
    "authenticationConfiguration.responseType": ("1.2.3", None),
    "elasticsearch.clusterAlias": ("1.3.0", None),
    "elasticsearch.searchIndexFactoryClassName": ("1.3.0", None),
}
# The sections that have a model, with its fields (union over 1.1.x-1.3.0; _LIFETIME says when).
SECTION_FIELDS: Dict[str, Tuple[str, ...]] = {
    "elasticsearch": ("host", "port", "scheme", "username", "password", "truststorePath", "truststorePassword",
                      "connectionTimeoutSecs", "socketTimeoutSecs", "keepAliveTimeoutSecs", "batchSize",
                      "searchIndexMappingLanguage", "searchType", "clusterAlias", "searchIndexFactoryClassName"),
    "pipelineServiceClientConfiguration": ("enabled", "className", "apiEndpoint", "metadataApiEndpoint",
                                           "ingestionIpInfoEnabled", "hostIp", "healthCheckInterval", "verifySSL",
                                           "sslConfig", "authProvider", "authConfig", "secretsManagerLoader",
                                           "parameters"),
    "authenticationConfiguration": ("provider", "providerName", "publicKeyUrls", "authority", "clientId",
                                    "callbackUrl", "jwtPrincipalClaims", "enableSelfSignup", "ldapConfiguration",
                                    "samlConfiguration", "responseType"),
    "authorizerConfiguration": ("className", "containerRequestFilter", "adminPrincipals", "botPrincipals",
                                "testPrincipals", "allowedEmailRegistrationDomains", "principalDomain",
                                "enforcePrincipalDomain", "enableSecureSocketConnection"),
    "jwtTokenConfiguration": ("rsapublicKeyFilePath", "rsaprivateKeyFilePath", "jwtissuer", "keyId"),
    "fernetConfiguration": ("fernetKey",),
    "eventHandlerConfiguration": ("eventHandlerClassNames",),
    "applicationConfig": ("logoConfig", "loginConfig"),
    "email": ("emailingEntity", "supportUrl", "enableSmtpServer", "openMetadataUrl", "senderMail",
              "serverEndpoint", "serverPort", "username", "password", "transportationStrategy"),
    "changeEventConfig": ("omUri",),
}


def known(key: str, version: str) -> bool:
    """Whether ``key`` (``section`` or ``section.field``) exists in ``version``."""
    first, gone = _LIFETIME.get(key, ("0", None))
    have = parse(version)
    return have >= parse(first) and (gone is None or have < parse(gone))


def top_level(version: str) -> List[str]:
    return [key for key in _TOP_LEVEL if known(key, version)]


def section_fields(section: str, version: str) -> List[str]:
    return [f for f in SECTION_FIELDS[section] if known("%s.%s" % (section, f), version)]


def _table_problems(raw: Dict[str, Any], version: str) -> List[Tuple[str, List[str]]]:
    """(path, what the release knows there) for every unknown key the table can see."""
    problems = []
    allowed = top_level(version)
    for key, value in raw.items():
        if key not in allowed:
            problems.append((str(key), allowed))
        elif key in SECTION_FIELDS and isinstance(value, dict):
            fields = section_fields(key, version)
            problems += [("%s.%s" % (key, f), fields) for f in value if f not in fields]
    return problems


def _oracle(version: str) -> Any:
    """tests/oracle/oracle.py, loaded by path (the stand-in runs as tests.simulator... or simulator...)."""
    path = REPO / "tests" / "oracle" / "oracle.py"
    if not path.is_file():
        return None
    spec = importlib.util.spec_from_file_location("om_standin_oracle", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)  # type: ignore[union-attr]
    return module if module.available(version) else None


def _oracle_problems(raw: Dict[str, Any], version: str) -> Optional[List[Tuple[str, List[str]]]]:
    """Unknown fields (nested too) and values of the wrong type, as the release's models see them; None
    when no oracle is cached for the release. An empty string where a number goes is what upstream's own
    file ships (``serverPort: ${SMTP_SERVER_PORT:-""}``) and Jackson reads as null: not a problem; nor
    is a missing field (Dropwizard does not cascade validation into these sections)."""
    module = _oracle(version)
    if module is None:
        return None
    models = module.SECTION_MODELS
    present = [s for s in models if isinstance(raw.get(s), dict)]
    answers = module.Oracle(version).validate_many([(models[s], raw[s]) for s in present])
    problems: List[Tuple[str, List[str]]] = []
    for section, answer in zip(present, answers):
        for error in answer.get("errors", []):
            where = ".".join([section] + error["loc"])
            value: Any = raw[section]
            for step in error["loc"]:
                value = value.get(step) if isinstance(value, dict) else None
            if error["type"] == "value_error.extra":
                problems.append((where, []))
            elif error["type"].startswith("type_error") and value != "" and value is not None:
                problems.append((where + " (incorrect type: %s)" % error["msg"], []))
    return problems


def refusal(raw: Dict[str, Any], version: str, path: str, use_oracle: bool = True) -> Optional[str]:
    """Dropwizard's message for a configuration the release refuses, or None."""
    problems = _table_problems(raw, version)
    deep = _oracle_problems(raw, version) if use_oracle else None
    if deep:
        seen = {where for where, _options in problems}
        problems += [p for p in deep if p[0] not in seen]
    if not problems:
        return None
    lines = ["%s has an error:" % path]
    for where, options in problems:
        if "(incorrect type" in where:
            lines.append("  * Incorrect type of value at: %s" % where)
            continue
        lines.append("  * Unrecognized field at: %s" % where)
        if options:
            lines.append("    Did you mean?:")
            lines += ["      - %s" % option for option in options[:10]]
    return "\n".join(lines)
