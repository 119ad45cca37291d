# -*- coding: utf-8 -*-
# Copyright: (c) 2026, openmetadata.ops contributors
# Apache License 2.0 (see LICENSE or https://www.apache.org/licenses/LICENSE-2.0)
"""Upstream's own release artefacts as the oracle of the fidelity tests.

Each OpenMetadata release's openmetadata-ingestion wheel carries ``metadata/generated/schema/**``:
pydantic models generated at release time from the server's JSON schemas (configuration sections,
settings, apps, workflows), with ``additionalProperties: false`` rendered as ``Extra.forbid``.
``scripts/oracle-wheels.sh`` fetches them (tests/oracle/wheels.txt); this module asks them, through
tests/oracle/checker.py in a Python 3.10 / pydantic 1 venv, whether what the collection writes or sends
is what that release accepts. Nothing here is the collection's own reading of upstream.
"""
from __future__ import annotations

import ast
import fcntl
import functools
import json
import os
import pathlib
import subprocess
from typing import Any, Dict, List, Mapping, Optional

REPO = pathlib.Path(__file__).resolve().parents[2]
ORACLE_DIR = pathlib.Path(os.environ.get("OM_ORACLE_DIR", REPO / ".build" / "oracle"))
CHECKER = pathlib.Path(__file__).with_name("checker.py")
WHEELS = pathlib.Path(__file__).with_name("wheels.txt")

# The openmetadata.yaml sections that have a generated model, and which one ("A|B": the class name
# some releases' generator chose instead). The other sections (server, logging, database, swagger,
# health, web, migrationConfiguration, eventMonitoringConfiguration) are Java/Dropwizard classes with
# no JSON schema: the wheel cannot speak for them.
SECTION_MODELS: Dict[str, str] = {
    "elasticsearch": "configuration.elasticSearchConfiguration:ElasticSearchConfiguration",
    "pipelineServiceClientConfiguration":
        "configuration.pipelineServiceClientConfiguration:PipelineServiceClientConfiguration",
    "authenticationConfiguration": "configuration.authenticationConfiguration:AuthenticationConfiguration",
    "authorizerConfiguration": "configuration.authorizerConfiguration:AuthorizerConfiguration",
    "jwtTokenConfiguration": "configuration.jwtTokenConfiguration:JWTTokenConfiguration",
    "fernetConfiguration": "configuration.fernetConfiguration:FernetConfiguration",
    "eventHandlerConfiguration": "configuration.eventHandlerConfiguration:EventHandlerConfiguration",
    "applicationConfig": "configuration.applicationConfiguration:ApplicationConfiguration",
    "extensionConfiguration": "configuration.extensionConfiguration:ExtensionConfiguration",
    "secretsManagerConfiguration":
        "security.secrets.secretsManagerConfiguration:SecretsManagerConfiguration|ValidateSSLClientConfig",
    "email": "email.smtpSettings:SmtpSettings",
    "changeEventConfig": "configuration.changeEventConfiguration:ChangeEventConfiguration",
}
SETTING_MODELS: Dict[str, str] = {
    "customLogoConfiguration": "configuration.logoConfiguration:LogoConfiguration",
    "loginConfiguration": "configuration.loginConfiguration:LoginConfiguration|LogoConfiguration",
}
SETTING_TYPES = "settings.settings:SettingType"
APP_CONFIG = "entity.applications.configuration.searchIndexingApp:SearchIndexingApp"
RUN_STATUS = "entity.applications.appRunRecord:Status"
WORKFLOW = "metadataIngestion.workflow:OpenMetadataWorkflowConfig"


def wheel_releases() -> Dict[str, str]:
    """Server release -> the ingestion wheel version that speaks for it (tests/oracle/wheels.txt)."""
    found: Dict[str, str] = {}
    for line in WHEELS.read_text(encoding="utf-8").splitlines():
        if line.strip() and not line.lstrip().startswith("#"):
            release, wheel = line.split()
            found[release] = wheel
    return found


def targets() -> List[str]:
    """Every 1.2.x release the collection upgrades to."""
    return [r for r in wheel_releases() if r.startswith("1.2.")]


def ensure() -> pathlib.Path:
    """Fetch and unpack what is missing (scripts/oracle-wheels.sh; cached). Fails, never skips: these
    tests are the proof against upstream's artefacts."""
    marker_ok = (ORACLE_DIR / "venv" / ".complete-v1").is_file() and all(
        (ORACLE_DIR / r / (".complete-" + w)).is_file() for r, w in wheel_releases().items())
    if not marker_ok:
        ORACLE_DIR.parent.mkdir(parents=True, exist_ok=True)
        with open(str(ORACLE_DIR) + ".pytest-lock", "w", encoding="utf-8") as handle:
            fcntl.flock(handle, fcntl.LOCK_EX)
            proc = subprocess.run(["bash", str(REPO / "scripts" / "oracle-wheels.sh")], capture_output=True,
                                  text=True, check=False, env=dict(os.environ, OM_ORACLE_DIR=str(ORACLE_DIR)))
        if proc.returncode != 0:
            raise RuntimeError("the oracle wheels could not be fetched (make oracle-wheels): %s" % proc.stderr[-800:])
    return ORACLE_DIR


def available(release: str, root: Optional[pathlib.Path] = None) -> bool:
    """True when the release's models and the venv are unpacked (used by the stand-in, which validates
    with them where they are cached and with its own field table elsewhere)."""
    root = root or ORACLE_DIR
    wheel = wheel_releases().get(release)
    return bool(wheel) and (root / release / (".complete-" + wheel)).is_file() and \
        (root / "venv" / ".complete-v1").is_file()


class Oracle:
    """One release's generated models."""

    def __init__(self, release: str, root: Optional[pathlib.Path] = None) -> None:
        self.release = release
        self.root = root or ORACLE_DIR
        self.folder = self.root / release
        if not (self.folder / "WHEEL_VERSION").is_file():
            raise RuntimeError("no oracle for OpenMetadata %s under %s" % (release, self.root))
        self.wheel = (self.folder / "WHEEL_VERSION").read_text(encoding="utf-8").strip()

    def ask(self, requests: List[Dict[str, Any]]) -> List[Dict[str, Any]]:
        checker = _checker(str(self.root), self.release)
        assert checker.stdin is not None and checker.stdout is not None
        checker.stdin.write(json.dumps(requests) + "\n")
        checker.stdin.flush()
        line = checker.stdout.readline()
        if not line:
            _checker.cache_clear()
            log = pathlib.Path(self.root) / ("checker-%s.err" % self.release)
            raise RuntimeError("oracle %s stopped: %s" % (self.release, log.read_text(encoding="utf-8")[-2000:]))
        return json.loads(line)

    def validate(self, model: str, payload: Any) -> Dict[str, Any]:
        return self.ask([{"ask": "validate", "model": model, "payload": payload}])[0]

    def validate_many(self, pairs: List[tuple]) -> List[Dict[str, Any]]:
        return self.ask([{"ask": "validate", "model": m, "payload": p} for m, p in pairs])

    def fields(self, model: str) -> Dict[str, Any]:
        return self.ask([{"ask": "fields", "model": model}])[0]

    def enum(self, model: str) -> Optional[List[str]]:
        answer = self.ask([{"ask": "enum", "model": model}])[0]
        return None if answer.get("missing") else answer["values"]

    def client_index_names(self) -> List[str]:
        """The index names of the client's own entity -> index map (metadata/utils/elasticsearch.py),
        read as data (the module itself imports the whole client)."""
        tree = ast.parse((self.folder / "metadata" / "utils" / "elasticsearch.py").read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.Assign) and any(getattr(t, "id", "") == "ES_INDEX_MAP" for t in node.targets):
                return sorted({v.value for v in node.value.values if isinstance(v, ast.Constant)})
        raise RuntimeError("no ES_INDEX_MAP in the %s wheel's metadata/utils/elasticsearch.py" % self.wheel)


@functools.lru_cache(maxsize=None)
def _checker(root: str, release: str) -> "subprocess.Popen[str]":
    """One checker process per release, kept for the whole test session (it exits when its stdin closes)."""
    # stderr to a file, not a pipe nobody drains (a chatty model import would block the checker)
    errors = open(pathlib.Path(root) / ("checker-%s.err" % release), "w", encoding="utf-8")  # noqa: SIM115
    return subprocess.Popen([str(pathlib.Path(root) / "venv" / "bin" / "python"), str(CHECKER),
                             str(pathlib.Path(root) / release)],
                            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=errors, text=True)


def dropwizard_substitute(text: str, env: Mapping[str, str]) -> str:
    """Dropwizard's EnvironmentVariableSubstitutor (non-strict, as OpenMetadata configures it): every
    ``${VAR}`` / ``${VAR:-default}`` in the raw text becomes the variable's value, else the default; an
    unset variable without a default stays as written. Runs before the YAML is parsed. One rule with the
    stand-in's loader (which runs without tests/oracle), so it is that function."""
    from simulator.openmetadata.conf import substitute  # pylint: disable=import-outside-toplevel
    return substitute(text, env)
