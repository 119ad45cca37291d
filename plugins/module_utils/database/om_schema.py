# -*- coding: utf-8 -*-
# Copyright: (c) 2026, openmetadata.ops contributors
# Apache License 2.0 (see LICENSE or https://www.apache.org/licenses/LICENSE-2.0)
"""What OpenMetadata's own change-log tables say about the database schema.

``DATABASE_CHANGE_LOG`` is Flyway's history (versions 001..014 in 1.1.x);
``SERVER_CHANGE_LOG`` lists the native migrations that completed (1.1.0, ..., 1.2.0).
On PostgreSQL Flyway quotes its table name (it stays upper case) while OpenMetadata's own
DDL does not, so the server table is ``server_change_log`` there.
"""
from __future__ import annotations

from typing import Any, Optional

from ansible_collections.openmetadata.ops.plugins.module_utils.database.db import quote_ident
from ansible_collections.openmetadata.ops.plugins.module_utils.versions import newest

FLYWAY_TABLE = "DATABASE_CHANGE_LOG"
NATIVE_TABLE = {"mysql": "SERVER_CHANGE_LOG", "postgresql": "server_change_log"}


def _table_exists(conn: Any, engine: str, table: str, schema: str) -> bool:
    with conn.cursor() as cur:
        if engine == "mysql":
            cur.execute("SELECT 1 FROM information_schema.TABLES WHERE TABLE_SCHEMA = DATABASE() "
                        "AND TABLE_NAME = %s", (table,))
        else:
            cur.execute("SELECT 1 FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
                        "WHERE n.nspname = %s AND c.relname = %s", (schema, table))
        return cur.fetchone() is not None


def _versions(conn: Any, engine: str, schema: str, table: str, where: str = "") -> Optional[list[str]]:
    """The version column of a change-log table, or None when the table is missing."""
    if not _table_exists(conn, engine, table, schema):
        return None
    name = quote_ident(engine, table)
    if engine == "postgresql":
        name = "%s.%s" % (quote_ident(engine, schema), name)
    with conn.cursor() as cur:
        cur.execute("SELECT version FROM %s%s" % (name, where))
        return [str(row[0]) for row in cur.fetchall() if row[0] is not None]


def read_schema_version(conn: Any, engine: str, schema: str = "public") -> dict[str, Optional[str]]:
    """{'flyway': '014', 'native': '1.1.5'}; None for a table that is missing or empty."""
    success = " WHERE success = %s" % ("1" if engine == "mysql" else "true")
    flyway = _versions(conn, engine, schema, FLYWAY_TABLE, success)
    native = _versions(conn, engine, schema, NATIVE_TABLE[engine])
    return {
        "flyway": newest(flyway) if flyway else None,
        "native": newest(native) if native else None,
    }


def read_change_log(conn: Any, engine: str, schema: str = "public") -> dict[str, Optional[list[str]]]:
    """Every version in the change-log tables, sorted oldest first: {'flyway': ['001', ...],
    'native': ['1.1.0', ..., '1.2.0']}; None for a missing table. A migration that completed a
    version adds its row, so comparing two readings tells whether a migration did something."""
    success = " WHERE success = %s" % ("1" if engine == "mysql" else "true")
    flyway = _versions(conn, engine, schema, FLYWAY_TABLE, success)
    native = _versions(conn, engine, schema, NATIVE_TABLE[engine])
    return {
        "flyway": None if flyway is None else sorted(set(flyway), key=_order),
        "native": None if native is None else sorted(set(native), key=_order),
    }


def _order(version: str) -> tuple:
    return tuple((0, int(part), "") if part.isdigit() else (1, 0, part) for part in version.split("."))


def is_openmetadata_schema(schema_version: dict[str, Optional[str]]) -> bool:
    return bool(schema_version.get("flyway") or schema_version.get("native"))
