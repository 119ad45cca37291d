# -*- coding: utf-8 -*-
# Copyright: (c) 2026, openmetadata.ops contributors
# Apache License 2.0 (see LICENSE or https://www.apache.org/licenses/LICENSE-2.0)
"""Read conf/openmetadata.yaml the way the server does: ``${VAR:-default}`` substitution over the
raw text (Dropwizard's substitutor, non-strict: an unset variable without default stays as it is),
then YAML; database settings come from ``driverClass`` and the JDBC ``url``."""
from __future__ import annotations

import dataclasses
import os
import pathlib
import re
from typing import Any, Dict, Mapping, Optional
from urllib.parse import parse_qsl

import yaml

from . import config_fields

_VAR = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)(?::-((?:[^}])*))?\}")
_JDBC = re.compile(r"^jdbc:(?P<scheme>mysql|postgresql)://(?P<host>[^:/?]+)(?::(?P<port>\d+))?/"
                   r"(?P<db>[^?]*)(?:\?(?P<params>.*))?$")
DRIVERS = {"com.mysql.cj.jdbc.Driver": "mysql", "org.postgresql.Driver": "postgresql"}
DEFAULT_PORTS = {"mysql": 3306, "postgresql": 5432}
# Default bot token the stand-in accepts (every packed release, like upstream's shipped JWT keys):
# a JWT-shaped string, header {"alg":"none"} and claims sub=ingestion-bot, iss=open-metadata.org.
DEFAULT_JWT_TOKEN = ("eyJhbGciOiJub25lIiwidHlwIjoiSldUIn0."
                     "eyJzdWIiOiJpbmdlc3Rpb24tYm90IiwiaXNzIjoib3Blbi1tZXRhZGF0YS5vcmciLCJpc0JvdCI6dHJ1ZX0."
                     "c3RhbmQtaW4")


class ConfError(Exception):
    """The configuration cannot be used; the message says why."""


def substitute(text: str, env: Mapping[str, str]) -> str:
    def one(match: "re.Match[str]") -> str:
        name, default = match.group(1), match.group(2)
        if name in env:
            return env[name]
        return default if default is not None else match.group(0)
    return _VAR.sub(one, text)


@dataclasses.dataclass
class DbSettings:  # pylint: disable=too-many-instance-attributes
    engine: str  # mysql | postgresql
    host: str
    port: int
    database: str
    user: str
    password: str
    params: Dict[str, str]

    def session_variables(self) -> Dict[str, str]:
        """Connector/J ``sessionVariables=a=1,b=2``: SET on every new connection."""
        raw = self.params.get("sessionVariables", "")
        found = {}
        for item in raw.split(","):
            if "=" in item:
                key, value = item.split("=", 1)
                found[key.strip()] = value.strip()
        return found


@dataclasses.dataclass
class SearchSettings:  # pylint: disable=too-many-instance-attributes
    search_type: str
    host: str
    port: int
    scheme: str
    username: str
    password: str
    truststore_path: str
    batch_size: int

    @property
    def url(self) -> str:
        return "%s://%s:%d" % (self.scheme, self.host, self.port)


@dataclasses.dataclass
class ServerConf:
    raw: Dict[str, Any]
    db: DbSettings
    search: SearchSettings
    app_port: int
    admin_port: int
    bind_host: str


def _text(value: Any) -> str:
    if value is None:
        return ""
    return str(value).strip().strip('"').strip("'") if isinstance(value, str) else str(value)


def parse_jdbc(url: str, driver: str) -> Dict[str, Any]:
    match = _JDBC.match(url.strip())
    if not match:
        raise ConfError("database.url %r is not a jdbc:mysql:// or jdbc:postgresql:// URL" % url)
    engine = DRIVERS.get(driver.strip())
    if engine is None:
        raise ConfError("database.driverClass %r is not one of %s" % (driver, ", ".join(DRIVERS)))
    if engine != match.group("scheme"):
        raise ConfError("database.driverClass %s does not match the URL scheme %s (DB_SCHEME)"
                        % (driver, match.group("scheme")))
    params = dict(parse_qsl(match.group("params") or "", keep_blank_values=True))
    return {"engine": engine, "host": match.group("host"),
            "port": int(match.group("port") or DEFAULT_PORTS[engine]),
            "database": match.group("db"), "params": params}


def _port(section: Any, default: int) -> int:
    try:
        return int(section[0]["port"])
    except (KeyError, IndexError, TypeError, ValueError):
        return default


def release_of(path: "os.PathLike[str] | str") -> Optional[str]:
    """The release a conf file belongs to: version.txt of the release folder (``<release>/conf/<file>``)."""
    marker = pathlib.Path(path).resolve().parent.parent / "version.txt"
    try:
        return marker.read_text(encoding="utf-8").strip() or None
    except OSError:
        return None


def load(path: "os.PathLike[str] | str", env: Optional[Mapping[str, str]] = None,
         release: Optional[str] = None) -> ServerConf:
    """The configuration, refused as the ``release`` (default: the release folder's own) refuses it: a field
    that release does not know fails the load with Dropwizard's message (config_fields)."""
    env = os.environ if env is None else env
    try:
        text = pathlib.Path(path).read_text(encoding="utf-8")
    except OSError as exc:
        raise ConfError("cannot read %s: %s" % (path, exc)) from exc
    try:
        raw = yaml.safe_load(substitute(text, env)) or {}
    except yaml.YAMLError as exc:
        raise ConfError("%s is not valid YAML: %s" % (path, exc)) from exc
    if not isinstance(raw, dict) or not isinstance(raw.get("database"), dict):
        raise ConfError("%s has no database section" % path)
    release = release or release_of(path)
    if release:
        refused = config_fields.refusal(raw, release, pathlib.Path(path).name)
        if refused:
            raise ConfError(refused)
    database = raw["database"]
    jdbc = parse_jdbc(_text(database.get("url")), _text(database.get("driverClass")))
    db = DbSettings(user=_text(database.get("user")), password=_text(database.get("password")), **jdbc)
    es = raw.get("elasticsearch") or {}
    try:
        es_port = int(_text(es.get("port")) or 9200)
        batch = int(_text(es.get("batchSize")) or 10)
    except ValueError as exc:
        raise ConfError("elasticsearch.port/batchSize must be numbers: %s" % exc) from exc
    search = SearchSettings(
        search_type=_text(es.get("searchType")) or "elasticsearch", host=_text(es.get("host")) or "localhost",
        port=es_port, scheme=_text(es.get("scheme")) or "http", username=_text(es.get("username")),
        password=_text(es.get("password")),
        truststore_path=_text(es.get("truststorePath")), batch_size=batch)
    server = raw.get("server") or {}
    return ServerConf(raw=raw, db=db, search=search,
                      app_port=_port(server.get("applicationConnectors"), 8585),
                      admin_port=_port(server.get("adminConnectors"), 8586),
                      bind_host=env.get("OM_STANDIN_BIND", "127.0.0.1"))


def accepted_token(home: pathlib.Path, env: Optional[Mapping[str, str]] = None) -> str:
    """The bearer token the stand-in accepts: env OM_STANDIN_JWT_TOKEN, else the file
    conf/standin-jwt-token, else DEFAULT_JWT_TOKEN."""
    env = os.environ if env is None else env
    if env.get("OM_STANDIN_JWT_TOKEN"):
        return env["OM_STANDIN_JWT_TOKEN"].strip()
    path = home / "conf" / "standin-jwt-token"
    if path.is_file():
        return path.read_text(encoding="utf-8").strip()
    return DEFAULT_JWT_TOKEN
