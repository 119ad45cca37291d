# -*- coding: utf-8 -*-
# Copyright: (c) 2026, openmetadata.ops contributors
# Apache License 2.0 (see LICENSE or https://www.apache.org/licenses/LICENSE-2.0)
"""The database's guard: one upgrade run migrates a database at a time, whichever hosts or
inventories point at it (the host lock only sees its own host).

The guard is a one-row table in the OpenMetadata database, GUARD_TABLE, holding its owner as
JSON (run_lock.py): the one place every server of the database, and every run, can see. Creating
the table is the atomic "take" (CREATE TABLE ... AS SELECT fails when it exists, on both engines);
an UPDATE whose WHERE names the old owner is the compare and swap; DROP TABLE releases. The
backup leaves the table out (mysql_engine/postgresql_engine list_tables, client_dump), so a
restore never brings back an old guard. Needs only the CREATE and DROP privileges on the
database, which the OpenMetadata user has for its migrations.
"""
from __future__ import annotations

from typing import Any, Optional

from ansible_collections.openmetadata.ops.plugins.module_utils.database.db import DbParams, connect, quote_ident
from ansible_collections.openmetadata.ops.plugins.module_utils.run_lock import decode, encode, is_holder, same_owner

GUARD_TABLE = "openmetadata_ops_run_lock"

# Errors that mean "the table exists": MySQL ER_TABLE_EXISTS_ERROR; PostgreSQL duplicate_table, and the
# unique violation on pg_type that a concurrent CREATE TABLE of the same name can raise instead.
_EXISTS_CODES = {1050, "42P07", "23505"}


def _error_code(exc: BaseException) -> Any:
    code = getattr(exc, "pgcode", None)
    if code is None and getattr(exc, "args", None):
        code = exc.args[0]
    return code


class DbLock:
    def __init__(self, params: DbParams) -> None:
        self.params = params
        self.engine = params.engine
        self.table = self._qualified()

    def _qualified(self) -> str:
        if self.engine == "postgresql":
            return "%s.%s" % (quote_ident(self.engine, self.params.schema), quote_ident(self.engine, GUARD_TABLE))
        return quote_ident(self.engine, GUARD_TABLE)

    def _holder(self, cur: Any, for_update: bool = False) -> Optional[tuple[str, dict[str, Any]]]:
        """(the stored text, the owner), or None without a guard."""
        if not self._exists(cur):
            return None
        cur.execute("SELECT owner FROM %s%s" % (self.table, " FOR UPDATE" if for_update else ""))
        row = cur.fetchone()
        text = "" if row is None else (row[0] if isinstance(row[0], str) else bytes(row[0]).decode("utf-8", "replace"))
        return text, decode(text)

    def _exists(self, cur: Any) -> bool:
        if self.engine == "mysql":
            cur.execute("SELECT 1 FROM information_schema.TABLES WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = %s",
                        (GUARD_TABLE,))
        else:
            cur.execute("SELECT 1 FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
                        "WHERE n.nspname = %s AND c.relname = %s", (self.params.schema, GUARD_TABLE))
        return cur.fetchone() is not None

    def holder(self) -> Optional[dict[str, Any]]:
        conn = connect(self.params, autocommit=True)
        try:
            with conn.cursor() as cur:
                found = self._holder(cur)
                return None if found is None else found[1]
        finally:
            conn.close()

    def take(self, owner: dict[str, Any], replace: Optional[dict[str, Any]] = None,
             check_mode: bool = False) -> dict[str, Any]:
        conn = connect(self.params, autocommit=False)
        try:
            with conn.cursor() as cur:
                found = self._holder(cur, for_update=replace is not None and not check_mode)
                if found is not None:
                    text, holder = found
                    if same_owner(holder, owner):
                        return {"changed": False, "held": False, "holder": holder}
                    if replace is None or not is_holder(holder, replace):
                        return {"changed": False, "held": True, "holder": holder}
                    if check_mode:
                        return {"changed": True, "held": False, "holder": holder, "replaced": True}
                    # compare and swap: only the owner the controller judged stale is replaced
                    cur.execute("UPDATE %s SET owner = %%s WHERE owner = %%s" % self.table, (encode(owner), text))
                    if cur.rowcount != 1:
                        conn.rollback()
                        return {"changed": False, "held": True, "holder": self.holder() or holder}
                    conn.commit()
                    return {"changed": True, "held": False, "holder": holder, "replaced": True}
                if check_mode:
                    return {"changed": True, "held": False, "holder": None}
                try:
                    # a text column wide enough for any owner; created with its row in one statement
                    cur.execute("CREATE TABLE %s AS SELECT CAST(%%s AS %s) AS owner"
                                % (self.table, "CHAR(2000)" if self.engine == "mysql" else "varchar(2000)"),
                                (encode(owner),))
                    conn.commit()
                except Exception as exc:  # pylint: disable=broad-except
                    conn.rollback()
                    if _error_code(exc) not in _EXISTS_CODES:
                        raise
                    # another run created it between our read and our create
                    return {"changed": False, "held": True, "holder": self.holder() or {"unreadable": ""}}
                return {"changed": True, "held": False, "holder": None}
        finally:
            conn.close()

    def release(self, owner: dict[str, Any], check_mode: bool = False) -> dict[str, Any]:
        conn = connect(self.params, autocommit=False)
        try:
            with conn.cursor() as cur:
                found = self._holder(cur, for_update=not check_mode)
                if found is None:
                    conn.rollback()
                    return {"changed": False, "held": False, "holder": None}
                holder = found[1]
                if not same_owner(holder, owner):
                    conn.rollback()
                    return {"changed": False, "held": True, "holder": holder}
                if not check_mode:
                    cur.execute("DROP TABLE %s" % self.table)
                conn.commit()
                return {"changed": True, "held": False, "holder": holder}
        finally:
            conn.close()
