# -*- coding: utf-8 -*-
# Copyright: (c) 2026, openmetadata.ops contributors
# Apache License 2.0 (see LICENSE or https://www.apache.org/licenses/LICENSE-2.0)
"""Connections to the real MariaDB/MySQL (pymysql) or PostgreSQL (psycopg2), as the server's
JDBC pool would open them, and the few catalog look-ups the stand-in needs."""
from __future__ import annotations

import hashlib
import re
from typing import Any, List, Optional, Sequence, Tuple

import psycopg2
import pymysql

from .conf import DbSettings

SORT_MEMORY_NEEDED = 20 * 1024 * 1024  # what the 1.2 upgrade notes ask for
_VALUE = re.compile(r"^\s*(\d+)\s*([kKmMgG]?)[bB]?\s*$")
_UNITS = {"": 1, "k": 1024, "m": 1024 ** 2, "g": 1024 ** 3}


class DbError(Exception):
    """A database call failed; ``str()`` reads like the JDBC exception upstream would log."""


def connect(db: DbSettings) -> Any:
    """An autocommit connection; Connector/J ``sessionVariables`` from the URL are applied."""
    try:
        if db.engine == "mysql":
            conn = pymysql.connect(host=db.host, port=db.port, user=db.user, password=db.password,
                                   database=db.database, charset="utf8mb4", autocommit=True,
                                   connect_timeout=10)
            variables = db.session_variables()
            if variables:
                with conn.cursor() as cur:
                    for name, value in variables.items():
                        if not re.match(r"^[A-Za-z_][A-Za-z0-9_]*$", name):
                            raise DbError("bad sessionVariables name %r" % name)
                        cur.execute("SET SESSION %s = %%s" % name, (int(value) if value.isdigit() else value,))
            return conn
        conn = psycopg2.connect(host=db.host, port=db.port, user=db.user, password=db.password,
                                dbname=db.database, connect_timeout=10)
        conn.autocommit = True
        return conn
    except (pymysql.err.MySQLError, psycopg2.Error) as exc:
        raise DbError("Failed to connect to the %s database %s at %s:%s as %s: %s"
                      % (db.engine, db.database, db.host, db.port, db.user, exc)) from exc


def db_errors() -> Tuple[type, ...]:
    return (pymysql.err.MySQLError, psycopg2.Error)


def query(conn: Any, sql: str, args: Sequence[Any] = ()) -> List[Tuple[Any, ...]]:
    with conn.cursor() as cur:
        cur.execute(sql, tuple(args))
        if cur.description is None:
            return []
        return list(cur.fetchall())


def execute(conn: Any, sql: str, args: Optional[Sequence[Any]] = None) -> int:
    with conn.cursor() as cur:
        if args is None:
            cur.execute(sql)
        else:
            cur.execute(sql, tuple(args))
        return cur.rowcount


def table_exists(engine: str, conn: Any, name: str) -> bool:
    if engine == "mysql":
        rows = query(conn, "SELECT 1 FROM information_schema.tables WHERE table_schema = DATABASE() "
                           "AND table_name = %s", (name,))
    else:
        rows = query(conn, "SELECT 1 FROM pg_tables WHERE schemaname = current_schema() AND tablename = %s",
                     (name,))
    return bool(rows)


def change_log(engine: str) -> str:
    return "SERVER_CHANGE_LOG" if engine == "mysql" else "server_change_log"


def sql_logs(engine: str) -> str:
    return "SERVER_MIGRATION_SQL_LOGS" if engine == "mysql" else "server_migration_sql_logs"


def flyway_table(engine: str) -> str:
    return "DATABASE_CHANGE_LOG" if engine == "mysql" else '"DATABASE_CHANGE_LOG"'


def json_value(value: Any) -> Any:
    """JSON column value -> Python (pymysql gives text, psycopg2 gives parsed JSONB)."""
    import json
    if isinstance(value, (bytes, bytearray)):
        value = value.decode("utf-8")
    if isinstance(value, str):
        return json.loads(value)
    return value


def to_bytes(text: str) -> int:
    match = _VALUE.match(text)
    if not match:
        raise ValueError(text)
    return int(match.group(1)) * _UNITS[match.group(2).lower()]


def sort_memory(db: DbSettings) -> Tuple[str, int]:
    """(setting, bytes) a NEW connection of the server sees: sort_buffer_size or work_mem."""
    conn = connect(db)
    try:
        if db.engine == "mysql":
            value = query(conn, "SELECT @@SESSION.sort_buffer_size")[0][0]
            return "sort_buffer_size", int(value)
        value = query(conn, "SHOW work_mem")[0][0]
        return "work_mem", to_bytes(str(value))
    finally:
        conn.close()


def md5(text: str) -> str:
    return hashlib.md5(text.encode("utf-8")).hexdigest()


def quote_name(name: str) -> str:
    return '"%s"' % name if "." in name else name


def split_fqn(fqn: str) -> List[str]:
    parts, current, quoted = [], [], False
    for char in fqn:
        if char == '"':
            quoted = not quoted  # the quotes stay on the part, as upstream keeps them
        if char == "." and not quoted:
            parts.append("".join(current))
            current = []
        else:
            current.append(char)
    parts.append("".join(current))
    return parts


def fqn_hash(fqn: str) -> str:
    """FullyQualifiedName.buildHash: md5 hex of each FQN part, joined by dots."""
    return ".".join(md5(part) for part in split_fqn(fqn))
