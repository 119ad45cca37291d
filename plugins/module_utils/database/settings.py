# -*- coding: utf-8 -*-
# Copyright: (c) 2026, openmetadata.ops contributors
# Apache License 2.0 (see LICENSE or https://www.apache.org/licenses/LICENSE-2.0)
"""Server settings (sort_buffer_size, work_mem, ...): read, raise, persist and revert.

Values with memory units are compared in bytes (``20MB == 20M == 20480kB == 20971520``).
What was there before the first change is kept in a state file on the managed node, so a
revert works in a later run, after a crash, or from a rescue block.
"""
from __future__ import annotations

import json
import os
import re
from typing import Any, Optional

from ansible_collections.openmetadata.ops.plugins.module_utils.database.db import DbParams, quote_postgresql
from ansible_collections.openmetadata.ops.plugins.module_utils.files import write_file_atomic

NAME = re.compile(r"^[a-z][a-z0-9_.]*$")
UNITS = {
    "": 1, "b": 1,
    "k": 1024, "kb": 1024, "kib": 1024,
    "m": 1024 ** 2, "mb": 1024 ** 2, "mib": 1024 ** 2,
    "g": 1024 ** 3, "gb": 1024 ** 3, "gib": 1024 ** 3,
    "t": 1024 ** 4, "tb": 1024 ** 4, "tib": 1024 ** 4,
}
SIZE = re.compile(r"^\s*(\d+)\s*([a-zA-Z]*)\s*$")


class SettingError(Exception):
    """A problem the operator must act on; the message says what to do."""


def to_bytes(value: Any) -> Optional[int]:
    """``'20MB'`` -> 20971520; a bare number is bytes. None when the value is not a size.
    (PostgreSQL's SHOW always prints the unit, so its bare kB never reaches here.)"""
    match = SIZE.match(str(value))
    if not match or match.group(2).lower() not in UNITS:
        return None
    number, unit = int(match.group(1)), match.group(2).lower()
    return number * UNITS[unit]


def same_or_larger(current: Any, wanted: Any, at_least: bool) -> bool:
    """Whether ``current`` already satisfies ``wanted`` (``>=`` or ``==``)."""
    have, want = to_bytes(current), to_bytes(wanted)
    if have is None or want is None:
        return str(current).strip().lower() == str(wanted).strip().lower()
    return have >= want if at_least else have == want


def check_name(name: str) -> str:
    if not NAME.match(name):
        raise SettingError("%r is not a server setting name" % name)
    return name


# ---------------------------------------------------------------------------------------
# The state file: the original values, recorded once, removed after a revert
# ---------------------------------------------------------------------------------------

class StateFile:
    """``{key: {...original...}}`` as JSON, 0600, written atomically."""

    def __init__(self, path: str) -> None:
        self.path = path

    def load(self) -> dict[str, Any]:
        try:
            with open(self.path, "r", encoding="utf-8") as handle:
                data = json.load(handle)
        except FileNotFoundError:
            return {}
        except (OSError, ValueError) as exc:
            raise SettingError("state file %s cannot be read (%s): it records the original values to "
                               "revert to; fix or remove it" % (self.path, exc)) from None
        return data if isinstance(data, dict) else {}

    def get(self, key: str) -> Optional[dict[str, Any]]:
        return self.load().get(key)

    def put(self, key: str, record: dict[str, Any]) -> None:
        data = self.load()
        data[key] = record
        self._write(data)

    def drop(self, key: str) -> None:
        data = self.load()
        if key in data:
            del data[key]
            self._write(data)

    def _write(self, data: dict[str, Any]) -> None:
        folder = os.path.dirname(os.path.abspath(self.path))
        os.makedirs(folder, mode=0o700, exist_ok=True)
        write_file_atomic(self.path, (json.dumps(data, indent=2, sort_keys=True) + "\n").encode())


def state_key(params: DbParams, name: str, where: str) -> str:
    return "%s://%s/%s@%s" % (params.engine, params.where, name, where)


# ---------------------------------------------------------------------------------------
# MySQL / MariaDB
# ---------------------------------------------------------------------------------------

SERVER_SECTIONS = ("mysqld", "mariadb", "server")  # option-file groups the server reads
OPTION_LINE = re.compile(r"^\s*([A-Za-z0-9_-]+)\s*(?:=\s*(.*?))?\s*$")


def mysql_privilege_message(exc: Exception, name: str) -> Optional[str]:
    code = exc.args[0] if getattr(exc, "args", None) else None
    if code in (1227, 1044, 1045, 1142):
        return ("the database user may not change %s: it needs the SUPER or SYSTEM_VARIABLES_ADMIN privilege "
                "(MariaDB: SUPER; MySQL 8: SYSTEM_VARIABLES_ADMIN, and PERSIST_RO_VARIABLES_ADMIN for SET PERSIST). "
                "Run this step as an administrative user (%s)" % (name, exc.args[1] if len(exc.args) > 1 else exc))
    return None


def mysql_read_global(conn: Any, name: str) -> str:
    with conn.cursor() as cur:
        cur.execute("SELECT @@GLOBAL.%s" % check_name(name))
        return str(cur.fetchone()[0])


def mysql_persisted(conn: Any, name: str) -> Optional[str]:
    """MySQL 8's SET PERSIST value of the setting, or None."""
    with conn.cursor() as cur:
        cur.execute("SELECT VARIABLE_VALUE FROM performance_schema.persisted_variables WHERE VARIABLE_NAME = %s",
                    (name,))
        row = cur.fetchone()
    return str(row[0]) if row else None


def mysql_managed(conn: Any) -> Optional[str]:
    """'Amazon RDS' / 'Aurora' when the server says so, else None."""
    with conn.cursor() as cur:
        cur.execute("SHOW GLOBAL VARIABLES WHERE Variable_name IN ('basedir', 'aurora_version')")
        found = dict(cur.fetchall())
    if "aurora_version" in found:
        return "Amazon Aurora"
    if str(found.get("basedir", "")).startswith("/rdsdbbin"):
        return "Amazon RDS"
    return None


def option_file_with(text: Optional[str], name: str, value: str) -> str:
    """The option file with ``name = value`` under [mysqld]: an existing line is edited
    in place, otherwise the line is added (the section too, when missing)."""
    if not text:
        return "# Managed by openmetadata.ops (db_setting); removed when the setting is reverted.\n" \
               "[mysqld]\n%s = %s\n" % (name, value)
    lines = text.splitlines(keepends=True)
    section = None
    insert_at = None
    variants = {name, name.replace("_", "-")}
    for index, line in enumerate(lines):
        stripped = line.strip()
        if stripped.startswith("[") and stripped.endswith("]"):
            section = stripped[1:-1].strip().lower()
            if section in SERVER_SECTIONS:
                insert_at = index + 1
            continue
        if section in SERVER_SECTIONS:
            match = OPTION_LINE.match(line)
            if match and match.group(1) in variants and not stripped.startswith(("#", ";")):
                newline = "\n" if line.endswith("\n") else ""
                lines[index] = "%s = %s%s" % (name, value, newline)
                return "".join(lines)
    if insert_at is None:
        suffix = "" if text.endswith("\n") else "\n"
        return text + suffix + "[mysqld]\n%s = %s\n" % (name, value)
    lines.insert(insert_at, "%s = %s\n" % (name, value))
    return "".join(lines)


def option_file_value(text: Optional[str], name: str) -> Optional[str]:
    if not text:
        return None
    section = None
    variants = {name, name.replace("_", "-")}
    found = None
    for line in text.splitlines():
        stripped = line.strip()
        if stripped.startswith("[") and stripped.endswith("]"):
            section = stripped[1:-1].strip().lower()
        elif section in SERVER_SECTIONS and not stripped.startswith(("#", ";")):
            match = OPTION_LINE.match(line)
            if match and match.group(1) in variants:
                found = (match.group(2) or "").strip()
    return found


def read_text(path: str) -> Optional[str]:
    try:
        with open(path, "r", encoding="utf-8") as handle:
            return handle.read()
    except FileNotFoundError:
        return None


def write_text(path: str, text: str, mode: int = 0o644) -> None:
    """Option files must be readable by the server's user (mysql), hence 0644."""
    write_file_atomic(path, text.encode("utf-8"), mode=mode)


# ---------------------------------------------------------------------------------------
# PostgreSQL
# ---------------------------------------------------------------------------------------

def pg_setting(conn: Any, name: str) -> dict[str, Any]:
    with conn.cursor() as cur:
        cur.execute("SELECT setting, unit, context FROM pg_settings WHERE name = %s", (check_name(name),))
        row = cur.fetchone()
    if not row:
        raise SettingError("PostgreSQL has no setting named %s" % name)
    setting, unit, context = row
    return {"setting": setting, "unit": unit or "", "context": context}


def pg_show(conn: Any, name: str) -> str:
    with conn.cursor() as cur:
        cur.execute("SELECT current_setting(%s)", (check_name(name),))
        return str(cur.fetchone()[0])


def pg_system_value(conn: Any, name: str) -> Optional[str]:
    """The value ALTER SYSTEM wrote (postgresql.auto.conf), or None."""
    with conn.cursor() as cur:
        cur.execute("SELECT setting FROM pg_file_settings WHERE name = %s AND sourcefile LIKE %s "
                    "ORDER BY seqno DESC LIMIT 1", (name, "%postgresql.auto.conf"))
        row = cur.fetchone()
    return str(row[0]) if row else None


def pg_scoped_value(conn: Any, name: str, scope: str, target: str) -> Optional[str]:
    """The value ALTER DATABASE/ROLE ... SET gave the setting, or None."""
    if scope == "database":
        where = "s.setrole = 0 AND s.setdatabase = (SELECT oid FROM pg_database WHERE datname = %s)"
    else:
        where = "s.setdatabase = 0 AND s.setrole = (SELECT oid FROM pg_roles WHERE rolname = %s)"
    with conn.cursor() as cur:
        cur.execute("SELECT unnest(s.setconfig) FROM pg_db_role_setting s WHERE " + where, (target,))
        for (entry,) in cur.fetchall():
            key, _sep, value = str(entry).partition("=")
            if key == name:
                return value
    return None


def pg_set_statement(name: str, scope: str, target: str, value: Optional[str]) -> str:
    """ALTER SYSTEM/DATABASE/ROLE ... SET name = 'value' (RESET when value is None)."""
    head = {"system": "ALTER SYSTEM", "database": "ALTER DATABASE %s" % quote_postgresql(target),
            "role": "ALTER ROLE %s" % quote_postgresql(target)}[scope]
    if value is None:
        return "%s RESET %s" % (head, check_name(name))
    return "%s SET %s = '%s'" % (head, check_name(name), str(value).replace("'", "''"))


def pg_managed(conn: Any) -> Optional[str]:
    with conn.cursor() as cur:
        cur.execute("SELECT name FROM pg_settings WHERE name LIKE 'rds.%%' OR name LIKE 'cloudsql.%%' "
                    "OR name LIKE 'azure.%%' LIMIT 1")
        row = cur.fetchone()
    if not row:
        return None
    prefix = row[0].split(".", 1)[0]
    return {"rds": "Amazon RDS", "cloudsql": "Google Cloud SQL", "azure": "Azure Database"}.get(prefix, prefix)


def pg_privilege_message(exc: Exception, name: str, scope: str) -> Optional[str]:
    text = str(exc).lower()
    if "permission denied" in text or "must be superuser" in text or "must be owner" in text:
        need = {"system": "superuser (or GRANT ALTER SYSTEM ON PARAMETER %s)" % name,
                "database": "ownership of the database (or superuser)",
                "role": "CREATEROLE (or superuser)"}[scope]
        return "the database user may not change %s with scope=%s: it needs %s (%s)" % (
            name, scope, need, str(exc).strip().splitlines()[0])
    return None
