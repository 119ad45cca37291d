"""openmetadata.yaml as server_config writes it, checked section by section against each 1.2.x release's
generated configuration models (unknown fields forbidden, types checked), after resolving
``${VAR:-default}`` the way Dropwizard does, on our own fixture variants and under several environments."""
from __future__ import annotations

from typing import Any, Dict, List, Optional

import pytest
import yaml

import oracle as oraclem
from ansible_collections.openmetadata.ops.plugins.module_utils.config import om_config
from simulator.openmetadata import conf_template, releases

FIXTURES = oraclem.REPO / "tests" / "fixtures" / "om_config"
# Every 1.1 openmetadata.yaml variant of the fixtures (comments, anchors, flow style, literal values,
# missing sections, PostgreSQL with SSL, a file already at 1.2.5).
SOURCES = sorted(p.name for p in FIXTURES.glob("*.yaml")
                 if not p.name.startswith(("bad-", "helm-", "compose-")))


def _env_file(name: str) -> Dict[str, str]:
    """KEY=VALUE lines as the systemd unit / docker env-file reads them (quotes dropped)."""
    env = {}
    for line in (FIXTURES / name).read_text(encoding="utf-8").splitlines():
        if "=" in line and not line.lstrip().startswith("#"):
            key, _eq, value = line.partition("=")
            env[key.strip()] = value.strip().strip('"').strip("'")
    return env


# A complete elasticsearch section in the 1.2 shape (every required field), for the controls.
ELASTICSEARCH_12 = {"searchType": "elasticsearch", "host": "localhost", "port": 9200, "scheme": "http",
                    "username": "", "password": "", "truststorePath": "", "truststorePassword": "",
                    "connectionTimeoutSecs": 5, "socketTimeoutSecs": 60, "keepAliveTimeoutSecs": 600,
                    "batchSize": 10, "searchIndexMappingLanguage": "EN"}

ENVIRONMENTS = {
    "defaults": {},
    "mysql-env-file": _env_file("openmetadata-mysql.env"),
    "postgres-env-file": _env_file("openmetadata-postgres.env"),
}


def _sections(text: str, env: Dict[str, str]) -> Dict[str, Any]:
    data = yaml.safe_load(oraclem.dropwizard_substitute(text, env))
    assert isinstance(data, dict)
    return data


def _at(data: Any, path: List[str]) -> Any:
    """The value at ``path``, or _ABSENT."""
    for key in path:
        if not isinstance(data, dict) or key not in data:
            return _ABSENT
        data = data[key]
    return data


_ABSENT = object()


def _problems(target: oraclem.Oracle, data: Dict[str, Any], source: Optional[Dict[str, Any]] = None) -> List[str]:
    """Every section with a model, validated; a section whose model the release does not have is one the
    server does not know (Dropwizard: Unrecognized field). Unknown fields and wrong types count, with
    two readings of how the server differs from pydantic:
    - an empty string where a number goes is what upstream's own shipped file has
      (``serverPort: ${SMTP_SERVER_PORT:-""}``): Jackson reads it as null, so it is not counted;
    - a required field that is missing counts only when ``source`` (the file before the rewrite) had it:
      Dropwizard does not cascade validation into these sections, so a field the user's file never had is
      theirs to leave out, while one server_config dropped is ours."""
    present = [s for s in oraclem.SECTION_MODELS if s in data]
    answers = target.validate_many([(oraclem.SECTION_MODELS[s], data[s]) for s in present])
    problems = []
    for section, answer in zip(present, answers):
        if answer.get("missing"):
            problems.append("%s: OpenMetadata %s has no such configuration" % (section, target.release))
            continue
        for error in answer["errors"]:
            where = [section] + error["loc"]
            if error["type"] == "value_error.missing" and source is not None and _at(source, where) is _ABSENT:
                continue
            if error["type"].startswith(("type_error.integer", "type_error.float")) and _at(data, where) == "":
                continue
            problems.append("%s: %s" % (".".join(where), error["msg"]))
    return problems


def _new_problems(target: oraclem.Oracle, out: Dict[str, Any], source: Dict[str, Any]) -> List[str]:
    """What the rewritten file gets wrong for ``target`` that the user's file did not already get wrong
    for the release it came from (1.1.7's models): server_config must not add a problem; fixing a user's
    own mistake is not its job."""
    before = set(_problems(oraclem.Oracle("1.1.7", target.root), source, source))
    return [p for p in _problems(target, out, source) if p not in before]


@pytest.mark.parametrize("source", SOURCES)
@pytest.mark.parametrize("environment", sorted(ENVIRONMENTS))
def test_server_config_output_is_accepted_by_the_target(target: oraclem.Oracle, source: str,
                                                        environment: str) -> None:
    env = ENVIRONMENTS[environment]
    text = (FIXTURES / source).read_text(encoding="utf-8")
    planned = om_config.plan_config(text, path=source, target_version=target.release, env=env)
    data = _sections(planned["text"], env)
    assert _new_problems(target, data, _sections(text, env)) == [], planned["changes"]
    # The sections the release dropped are gone (Dropwizard refuses a field its config class lacks).
    for section in ("applicationConfig", "extensionConfiguration"):
        if target.fields(oraclem.SECTION_MODELS[section]).get("missing"):
            assert section not in data, "%s kept for %s" % (section, target.release)


@pytest.mark.parametrize("search_engine", ["elasticsearch", "opensearch"])
def test_search_type_switch_is_accepted(target: oraclem.Oracle, search_engine: str) -> None:
    text = (FIXTURES / "mysql-commented-1.1.7.yaml").read_text(encoding="utf-8")
    planned = om_config.plan_config(text, target_version=target.release, search_engine=search_engine)
    data = _sections(planned["text"], {})
    assert data["elasticsearch"]["searchType"] == search_engine
    assert _new_problems(target, data, _sections(text, {})) == []


def test_the_stand_in_ships_what_its_release_accepts(target: oraclem.Oracle) -> None:
    """The stand-in server's own conf/openmetadata.yaml of that release (what the sandbox installs)."""
    text = conf_template.render(releases.release(target.release))
    assert _problems(target, _sections(text, {})) == []


def test_the_oracle_refuses_what_the_release_does_not_know(target: oraclem.Oracle) -> None:
    """The control: the untouched 1.1 file and a 1.3-only key fail against 1.2 (so a pass above means
    something), and the same key passes against 1.3.0, where it first appears."""
    source = _sections((FIXTURES / "mysql-commented-1.1.7.yaml").read_text(encoding="utf-8"), {})
    problems = _problems(target, source, source)
    if target.release == "1.2.0":  # logo/login left the yaml in 1.2.1; the 1.1 file has extensionConfiguration
        assert problems == ["extensionConfiguration: OpenMetadata 1.2.0 has no such configuration"]
    else:
        assert {"applicationConfig: OpenMetadata %s has no such configuration" % target.release,
                "extensionConfiguration: OpenMetadata %s has no such configuration" % target.release} <= set(problems)
    aliased = dict(ELASTICSEARCH_12, clusterAlias="")
    answer = target.validate(oraclem.SECTION_MODELS["elasticsearch"], aliased)
    assert not answer["ok"] and [e["loc"] for e in answer["errors"]] == [["clusterAlias"]], answer
    assert oraclem.Oracle("1.3.0", target.root).validate(oraclem.SECTION_MODELS["elasticsearch"], aliased)["ok"]
    assert target.validate(oraclem.SECTION_MODELS["elasticsearch"], ELASTICSEARCH_12)["ok"]
    wrong_type = dict(ELASTICSEARCH_12, port="not-a-port")
    assert not target.validate(oraclem.SECTION_MODELS["elasticsearch"], wrong_type)["ok"]
