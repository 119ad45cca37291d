# -*- coding: utf-8 -*-
# Copyright: (c) 2026, openmetadata.ops contributors
# Apache License 2.0 (see LICENSE or https://www.apache.org/licenses/LICENSE-2.0)
"""Environment side of the OpenMetadata config migration, importable on its own (compose_config
can reuse it): engine-aware DB_PARAMS, env files edited line by line, and the search for environment
variables that no longer have an effect (env files, systemd units, compose files). The ``${VAR:-default}``
syntax itself is env_syntax's."""
from __future__ import annotations

import os
import re
import shlex
from typing import Any, Iterable, Optional

from ansible_collections.openmetadata.ops.plugins.module_utils import releases, versions
from ansible_collections.openmetadata.ops.plugins.module_utils.config.env_syntax import unquote
from ansible_collections.openmetadata.ops.plugins.module_utils.config.om_config_data import (
    DB_PARAMS_DEFAULTS, MYSQL_ONLY_PARAMS, POSTGRESQL_ONLY_PARAMS, POSTGRESQL_SSL_MODES, POSTGRESQL_SSL_STRONG,
)
from ansible_collections.openmetadata.ops.plugins.module_utils.errors import ConfigError

ENGINES = ("mysql", "postgresql")
ENV_LINE = re.compile(r"^(?P<lead>\s*(?:export\s+)?)(?P<name>[A-Za-z_][A-Za-z0-9_.]*)(?P<eq>\s*:?=\s*)"
                      r"(?P<value>.*?)(?P<trail>\s*)$")


# --- values -----------------------------------------------------------------------------------

def as_bool(value: Any) -> Optional[bool]:
    text = unquote(value).lower()
    if text in ("true", "yes", "1", "on"):
        return True
    if text in ("false", "no", "0", "off", ""):
        return False
    return None


# --- DB_PARAMS ---------------------------------------------------------------------------------

def parse_params(query: str) -> list[tuple[str, str]]:
    """'a=1&b=2' -> [('a', '1'), ('b', '2')] (order kept; empty pieces dropped)."""
    pairs = []
    for piece in (query or "").split("&"):
        if not piece.strip():
            continue
        key, _sep, value = piece.partition("=")
        pairs.append((key.strip(), value.strip()))
    return pairs


def format_params(pairs: Iterable[tuple[str, str]]) -> str:
    return "&".join("%s=%s" % (key, value) if value != "" else key for key, value in pairs)


def engine_from(driver: Any = None, scheme: Any = None) -> Optional[str]:
    """mysql | postgresql from a JDBC driver class or URL scheme (None when neither tells)."""
    for hint in (driver, scheme):
        text = str(hint or "").lower()
        if "postgres" in text:
            return "postgresql"
        if "mysql" in text or "mariadb" in text:
            return "mysql"
    return None


def db_params_for(engine: str, use_ssl: Optional[Any] = None, existing: Optional[str] = None) -> str:
    """The DB_PARAMS query string for ``engine``.

    ``existing`` (a query string the user already has) is kept, minus the other engine's parameters;
    ``use_ssl`` (the old DB_USE_SSL value, None when unknown) is translated: MySQL ``useSSL=<bool>``,
    PostgreSQL ``sslmode=require`` / ``prefer`` (never weakening a verify-* mode). MySQL parameters never
    end up on a PostgreSQL URL."""
    if engine not in ENGINES:
        raise ConfigError("engine must be mysql or postgresql, not %r." % engine)
    ssl = as_bool(use_ssl) if use_ssl is not None else None
    pairs = parse_params(existing) if existing is not None else list(DB_PARAMS_DEFAULTS[engine])
    out: list[tuple[str, str]] = []
    if engine == "mysql":
        pg_ssl = None
        for key, value in pairs:
            if key in POSTGRESQL_ONLY_PARAMS:
                if key == "sslmode":
                    pg_ssl = value.lower() not in ("disable", "allow", "prefer")
                continue
            out.append((key, value))
        if ssl is None:
            ssl = pg_ssl
        if ssl is not None:
            if any(pair[0] == "useSSL" for pair in out):
                out = [(key, ("true" if ssl else "false") if key == "useSSL" else value) for key, value in out]
            else:
                out.append(("useSSL", "true" if ssl else "false"))
        return format_params(out)
    mysql_ssl = None
    for key, value in pairs:
        if key in MYSQL_ONLY_PARAMS:
            if key in ("useSSL", "requireSSL"):
                mysql_ssl = bool(as_bool(value)) or bool(mysql_ssl)
            continue
        out.append((key, value))
    if ssl is None:
        ssl = mysql_ssl
    current = next((value for key, value in out if key == "sslmode"), None)
    if ssl is not None:
        wanted = POSTGRESQL_SSL_MODES[bool(ssl)]
        if current is None:
            out.append(("sslmode", wanted))
        elif not (ssl and current.lower() in POSTGRESQL_SSL_STRONG) and current != wanted:
            out = [(key, wanted if key == "sslmode" else value) for key, value in out]
    elif not out:
        out = list(DB_PARAMS_DEFAULTS["postgresql"])
    return format_params(out)


def foreign_params(engine: str, query: str) -> list[str]:
    """Parameters of ``query`` that belong to the other engine."""
    other = MYSQL_ONLY_PARAMS if engine == "postgresql" else POSTGRESQL_ONLY_PARAMS
    return [pair[0] for pair in parse_params(query) if pair[0] in other]


# --- no-effect environment variables ------------------------------------------------------------

def no_effect_names(target_version: str) -> dict[str, dict[str, str]]:
    """The no-effect variables of the release table (``env_no_effect``) in force for ``target_version``."""
    target = versions.parse(target_version)
    return {name: info for name, info in releases.env_no_effect().items() if versions.parse(info["since"]) <= target}


def _entry(name: str, value: Any, path: str, line: Optional[int], kind: str, dead: dict[str, dict[str, str]]) -> dict:
    info = dead[name]
    return {"name": name, "value": "" if value is None else str(value), "file": path, "line": line, "source": kind,
            "since": info["since"], "replacement": info["replacement"], "reason": info["reason"]}


# --- env files (KEY=value lines, edited in place) ----------------------------------------------

def parse_env_lines(text: str) -> list[tuple[int, str, str]]:
    """(line number, name, raw value) of each assignment; comments and other lines skipped."""
    out = []
    for number, line in enumerate(text.splitlines(), 1):
        if line.lstrip().startswith("#"):
            continue
        match = ENV_LINE.match(line)
        if match:
            out.append((number, match.group("name"), match.group("value")))
    return out


def parse_env_text(text: str) -> dict[str, str]:
    """Name -> unquoted value (the last assignment wins, as in a shell or docker)."""
    return {name: unquote(value) for _number, name, value in parse_env_lines(text)}


def _requote(old_raw: str, value: str) -> str:
    raw = old_raw.strip()
    if len(raw) >= 2 and raw[0] == raw[-1] and raw[0] in "\"'":
        return raw[0] + value + raw[0]
    # & is fine unquoted in env files but not in a sourced shell script: quote when we add it.
    return '"%s"' % value if "&" in value else value


def migrate_env_text(text: str, engine: str, target_version: str) -> tuple[str, list[str]]:
    """DB_USE_SSL=x -> DB_PARAMS=<engine params> on the same line (when DB_PARAMS is not set already);
    an existing DB_PARAMS with the other engine's parameters is cleaned. Everything else is kept
    byte for byte. Returns the new text and one line per change."""
    if "DB_USE_SSL" not in no_effect_names(target_version):
        return text, []
    assignments = parse_env_lines(text)
    names = {name for _n, name, _v in assignments}
    changes: list[str] = []
    out = []
    for line in text.splitlines(keepends=True):
        body = line.rstrip("\r\n")
        ending = line[len(body):]
        match = None if body.lstrip().startswith("#") else ENV_LINE.match(body)
        if match and match.group("name") == "DB_USE_SSL" and "DB_PARAMS" not in names:
            params = db_params_for(engine, unquote(match.group("value")))
            new_raw = _requote(match.group("value"), params)
            body = "%sDB_PARAMS%s%s%s" % (match.group("lead"), match.group("eq"), new_raw, match.group("trail"))
            changes.append("DB_USE_SSL=%s -> DB_PARAMS=%s" % (match.group("value"), new_raw))
        elif match and match.group("name") == "DB_PARAMS" and foreign_params(engine, unquote(match.group("value"))):
            old = unquote(match.group("value"))
            use_ssl = None
            params = db_params_for(engine, use_ssl, old)
            new_raw = _requote(match.group("value"), params)
            body = "%sDB_PARAMS%s%s%s" % (match.group("lead"), match.group("eq"), new_raw, match.group("trail"))
            changes.append("DB_PARAMS=%s -> %s (%s parameters removed: %s)"
                           % (match.group("value"), new_raw, "MySQL" if engine == "postgresql" else "PostgreSQL",
                              ", ".join(foreign_params(engine, old))))
        out.append(body + ending)
    return "".join(out), changes


# --- where environment variables hide ---------------------------------------------------------

def _systemd_assignments(text: str) -> list[tuple[int, str, str]]:
    out = []
    for number, line in enumerate(text.splitlines(), 1):
        stripped = line.strip()
        if not stripped.startswith("Environment="):
            continue
        try:
            words = shlex.split(stripped[len("Environment="):])
        except ValueError:
            words = stripped[len("Environment="):].split()
        for word in words:
            name, sep, value = word.partition("=")
            if sep:
                out.append((number, name, value))
    return out


def _systemd_env_files(text: str, directory: str) -> list[str]:
    files = []
    for line in text.splitlines():
        stripped = line.strip()
        if stripped.startswith("EnvironmentFile="):
            path = stripped[len("EnvironmentFile="):].strip().lstrip("-")
            if path:
                files.append(os.path.join(directory, path) if not os.path.isabs(path) else path)
    return files


def _compose_assignments(text: str) -> tuple[list[tuple[Optional[int], str, str]], list[str]]:
    """(line, name, value) from every service's environment, and the env_file paths."""
    from ruamel.yaml import YAML  # only needed for compose files
    yaml = YAML(typ="rt")
    data = yaml.load(text)
    out: list[tuple[Optional[int], str, str]] = []
    env_files: list[str] = []
    for service in (data.get("services") or {}).values():
        if not isinstance(service, dict):
            continue
        environment = service.get("environment")
        if isinstance(environment, dict):
            for key, value in environment.items():
                line = environment.lc.key(key)[0] + 1 if hasattr(environment, "lc") else None
                out.append((line, str(key), "" if value is None else str(value)))
        elif isinstance(environment, list):
            for index, entry in enumerate(environment):
                name, _sep, value = str(entry).partition("=")
                line = environment.lc.item(index)[0] + 1 if hasattr(environment, "lc") else None
                out.append((line, name.strip(), value))
        entries = service.get("env_file")
        if isinstance(entries, (str, dict)):
            entries = [entries]
        for entry in entries or []:
            path = entry.get("path") if isinstance(entry, dict) else entry
            if path:
                env_files.append(str(path))
    return out, env_files


def file_kind(path: str, text: str) -> str:
    """systemd | compose | env, from the name and the content."""
    name = os.path.basename(path)
    if name.endswith((".service", ".conf")) and re.search(r"^\[(Service|Unit)\]", text, re.M) \
            or re.search(r"^\[Service\]", text, re.M):
        return "systemd"
    if name.endswith((".yml", ".yaml")) and re.search(r"^services:", text, re.M):
        return "compose"
    return "env"


def find_no_effect(paths: Iterable[str], target_version: str, env: Optional[dict[str, str]] = None,
                   read: Any = None) -> list[dict[str, Any]]:
    """Every assignment of a variable that has no effect on ``target_version``, in the given env files,
    systemd units (and their EnvironmentFile=) and compose files (and their env_file:), plus the
    ``env`` option. Missing files are skipped (a unit or .env that does not exist sets nothing)."""
    dead = no_effect_names(target_version)
    found: list[dict[str, Any]] = []
    for name, value in sorted((env or {}).items()):
        if name in dead:
            found.append(_entry(name, value, "", None, "env option", dead))
    seen: set[str] = set()
    queue = [(os.path.abspath(p), None) for p in paths]
    while queue:
        path, forced = queue.pop(0)
        if path in seen:
            continue
        seen.add(path)
        text = read(path) if read else _read_text(path)
        if text is None:
            continue
        kind = forced or file_kind(path, text)
        directory = os.path.dirname(path)
        if kind == "systemd":
            assignments: list[Any] = _systemd_assignments(text)
            queue.extend((p, "env") for p in _systemd_env_files(text, directory))
        elif kind == "compose":
            try:
                assignments, env_files = _compose_assignments(text)
            except Exception as exc:  # a broken compose file is reported, not fatal for the scan
                raise ConfigError("%s is not valid YAML (%s); fix it or leave it out of scan_files." % (path, exc))
            queue.extend((os.path.normpath(os.path.join(directory, p)), "env") for p in env_files)
            queue.append((os.path.join(directory, ".env"), "env"))
        else:
            assignments = parse_env_lines(text)
        for line, name, value in assignments:
            if name in dead:
                found.append(_entry(name, unquote(value), path, line, kind, dead))
    return found


def _read_text(path: str) -> Optional[str]:
    try:
        with open(path, "rb") as handle:
            return handle.read().decode("utf-8", errors="replace")
    except (FileNotFoundError, IsADirectoryError, NotADirectoryError):
        return None
