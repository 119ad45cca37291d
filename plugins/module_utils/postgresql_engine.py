# -*- coding: utf-8 -*-
# Copyright: (c) 2026, openmetadata.ops contributors
# Apache License 2.0 (see LICENSE or https://www.apache.org/licenses/LICENSE-2.0)
"""PostgreSQL: native dump of one schema, table checksums, and the steps of a restore.

The native dump is plain SQL in pg_dump's order (sequences, tables, COPY data, sequence
values, then constraints and indexes so that loading is fast), one statement per line,
with unqualified names: it restores into any schema, by us or with ``psql``.
Data moves with COPY, inside one REPEATABLE READ, READ ONLY transaction.
"""
from __future__ import annotations

import hashlib
from typing import Any, Callable, Dict, Iterable, Optional

from ansible_collections.openmetadata.ops.plugins.module_utils.db import quote_postgresql as q
from ansible_collections.openmetadata.ops.plugins.module_utils.dumpfile import single_line

DUMP_PROLOGUE = (
    "SET client_encoding = 'UTF8';\n"
    "SET standard_conforming_strings = on;\n"
    "SET check_function_bodies = false;\n"
)


def begin_snapshot(conn: Any, schema: str) -> None:
    conn.set_session(isolation_level="REPEATABLE READ", readonly=True)
    with conn.cursor() as cur:
        cur.execute("SELECT 1")  # opens the transaction: the snapshot starts here
        set_search_path(cur, schema)


def set_search_path(cur: Any, schema: str) -> None:
    # Catalog functions then print names relative to the schema, which keeps the dump
    # free of the source schema's name.
    cur.execute("SELECT pg_catalog.set_config('search_path', %s, true)", (q(schema),))


def schema_exists(conn: Any, schema: str) -> bool:
    with conn.cursor() as cur:
        cur.execute("SELECT 1 FROM pg_namespace WHERE nspname = %s", (schema,))
        return cur.fetchone() is not None


def list_tables(conn: Any, schema: str) -> list[str]:
    with conn.cursor() as cur:
        cur.execute("SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
                    "WHERE n.nspname = %s AND c.relkind IN ('r', 'p') ORDER BY c.relname", (schema,))
        return [row[0] for row in cur.fetchall()]


def estimated_rows(conn: Any, schema: str) -> Dict[str, int]:
    """The planner's row estimate per table (pg_class.reltuples, -1 before the first
    ANALYZE, then the statistics collector's live rows): progress only, no table read."""
    with conn.cursor() as cur:
        cur.execute("SELECT c.relname, CASE WHEN c.reltuples >= 0 THEN c.reltuples::bigint "
                    "ELSE COALESCE(s.n_live_tup, 0) END "
                    "FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
                    "LEFT JOIN pg_stat_user_tables s ON s.relid = c.oid "
                    "WHERE n.nspname = %s AND c.relkind IN ('r', 'p')", (schema,))
        return {row[0]: max(0, int(row[1] or 0)) for row in cur.fetchall()}


def other_objects(conn: Any, schema: str) -> list[str]:
    """Views, functions and triggers: OpenMetadata creates none; we say so when present."""
    with conn.cursor() as cur:
        cur.execute(
            "SELECT 'view ' || c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
            "WHERE n.nspname = %s AND c.relkind IN ('v', 'm') "
            "UNION ALL SELECT 'function ' || p.proname FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace "
            "WHERE n.nspname = %s "
            "UNION ALL SELECT 'trigger ' || t.tgname FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid "
            "JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = %s AND NOT t.tgisinternal",
            (schema, schema, schema))
        return [row[0] for row in cur.fetchall()]


def _table_oid(cur: Any, schema: str, table: str) -> int:
    cur.execute("SELECT c.oid FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
                "WHERE n.nspname = %s AND c.relname = %s", (schema, table))
    return cur.fetchone()[0]


def columns(conn: Any, schema: str, table: str) -> list[dict[str, Any]]:
    with conn.cursor() as cur:
        oid = _table_oid(cur, schema, table)
        cur.execute(
            "SELECT a.attname, pg_catalog.format_type(a.atttypid, a.atttypmod), a.attnotnull, "
            "pg_catalog.pg_get_expr(d.adbin, d.adrelid), a.attgenerated, a.attidentity, "
            "CASE WHEN a.attcollation <> t.typcollation THEN "
            "  (SELECT quote_ident(cn.nspname) || '.' || quote_ident(co.collname) FROM pg_collation co "
            "   JOIN pg_namespace cn ON cn.oid = co.collnamespace WHERE co.oid = a.attcollation) END "
            "FROM pg_attribute a JOIN pg_type t ON t.oid = a.atttypid "
            "LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum "
            "WHERE a.attrelid = %s AND a.attnum > 0 AND NOT a.attisdropped ORDER BY a.attnum", (oid,))
        cols = [
            {"name": name, "type": type_, "not_null": not_null, "default": default,
             "generated": generated == "s", "identity": identity, "collation": collation, "identity_options": ""}
            for name, type_, not_null, default, generated, identity, collation in cur.fetchall()
        ]
        for col in cols:
            if col["identity"] in ("a", "d"):
                cur.execute("SELECT s.seqstart, s.seqincrement, s.seqmin, s.seqmax, s.seqcache, s.seqcycle "
                            "FROM pg_sequence s WHERE s.seqrelid = "
                            "pg_catalog.pg_get_serial_sequence(%s, %s)::regclass",
                            ("%s.%s" % (q(schema), q(table)), col["name"]))
                start, inc, min_, max_, cache, cycle = cur.fetchone()
                col["identity_options"] = " (START WITH %d INCREMENT BY %d MINVALUE %d MAXVALUE %d CACHE %d%s)" % (
                    start, inc, min_, max_, cache, " CYCLE" if cycle else "")
        return cols


def column_sql(col: dict[str, Any]) -> str:
    parts = [q(col["name"]), col["type"]]
    if col["collation"]:
        parts.append("COLLATE " + col["collation"])
    if col["generated"]:
        parts.append("GENERATED ALWAYS AS (%s) STORED" % col["default"])
    elif col["identity"] in ("a", "d"):
        parts.append("GENERATED %s AS IDENTITY%s" % ("ALWAYS" if col["identity"] == "a" else "BY DEFAULT",
                                                     col.get("identity_options", "")))
    elif col["default"] is not None:
        parts.append("DEFAULT " + col["default"])
    if col["not_null"]:
        parts.append("NOT NULL")
    return " ".join(parts)


def free_sequences(conn: Any, schema: str) -> list[dict[str, Any]]:
    """Sequences that are not an identity column's own (those come with the table)."""
    with conn.cursor() as cur:
        cur.execute(
            "SELECT c.relname, pg_catalog.format_type(s.seqtypid, NULL), s.seqstart, s.seqincrement, s.seqmin, "
            "s.seqmax, s.seqcache, s.seqcycle, "
            "(SELECT quote_ident(tc.relname) || '.' || quote_ident(a.attname) FROM pg_depend dp "
            " JOIN pg_class tc ON tc.oid = dp.refobjid "
            " JOIN pg_attribute a ON a.attrelid = dp.refobjid AND a.attnum = dp.refobjsubid "
            " WHERE dp.objid = c.oid AND dp.classid = 'pg_class'::regclass AND dp.deptype = 'a' LIMIT 1) "
            "FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace JOIN pg_sequence s ON s.seqrelid = c.oid "
            "WHERE n.nspname = %s AND c.relkind = 'S' AND NOT EXISTS (SELECT 1 FROM pg_depend dp "
            " WHERE dp.objid = c.oid AND dp.classid = 'pg_class'::regclass AND dp.deptype = 'i') "
            "ORDER BY c.relname", (schema,))
        rows = cur.fetchall()
    return [
        {"name": name, "type": type_, "start": start, "increment": inc, "min": min_, "max": max_,
         "cache": cache, "cycle": cycle, "owned_by": owned_by}
        for name, type_, start, inc, min_, max_, cache, cycle, owned_by in rows
    ]


def sequence_value_sql(cur: Any, read_from: str, set_target: str) -> str:
    """``setval`` giving the sequence read from ``read_from`` its current state;
    ``set_target`` is the SQL expression naming the sequence at restore time."""
    cur.execute("SELECT last_value, is_called FROM %s" % read_from)
    last_value, is_called = cur.fetchone()
    return "SELECT pg_catalog.setval(%s, %d, %s);\n" % (set_target, last_value, "true" if is_called else "false")


def _literal(text: str) -> str:
    return "'%s'" % text.replace("'", "''")


def dump_schema(conn: Any, schema: str, tables: list[str], write: Callable[[str], Any],
                progress: Any = None) -> dict[str, dict[str, Any]]:
    """Write the whole schema and its data; return {table: {rows, checksum}}.

    ``progress`` (optional) hears ``table_started(name)``, ``rows(count)`` and
    ``table_done(name, rows)`` while the data is copied."""
    rows: dict[str, dict[str, Any]] = {}
    sequences = free_sequences(conn, schema)
    with conn.cursor() as cur:
        for seq in sequences:
            write("CREATE SEQUENCE %s AS %s INCREMENT BY %d MINVALUE %d MAXVALUE %d START WITH %d CACHE %d%s;\n" % (
                q(seq["name"]), seq["type"], seq["increment"], seq["min"], seq["max"], seq["start"],
                seq["cache"], " CYCLE" if seq["cycle"] else ""))
        if progress is not None:
            progress.phase("reading the table definitions")
        table_columns = {table: columns(conn, schema, table) for table in tables}
        for table in tables:
            ddl = "CREATE TABLE %s (%s)" % (q(table), ", ".join(column_sql(c) for c in table_columns[table]))
            write(single_line(ddl, "table %s" % table) + ";\n")
        if progress is not None:
            progress.phase("dumping")
        for table in tables:
            if progress is not None:
                progress.table_started(table)
            rows[table] = _copy_out(cur, schema, table, table_columns[table], write,
                                    progress.rows if progress is not None else None)
            if progress is not None:
                progress.table_done(table, rows[table]["rows"])
        for seq in sequences:
            write(sequence_value_sql(cur, q(seq["name"]), _literal(q(seq["name"]))))
            if seq["owned_by"]:
                write("ALTER SEQUENCE %s OWNED BY %s;\n" % (q(seq["name"]), seq["owned_by"]))
        for table in tables:
            for col in table_columns[table]:
                if col["identity"] in ("a", "d"):
                    cur.execute("SELECT pg_catalog.pg_get_serial_sequence(%s, %s)", (q(table), col["name"]))
                    target = "pg_catalog.pg_get_serial_sequence(%s, %s)" % (_literal(q(table)), _literal(col["name"]))
                    write(sequence_value_sql(cur, cur.fetchone()[0], target))
        for table in tables:
            for statement in _constraints_and_indexes(cur, schema, table, foreign=False):
                write(statement + ";\n")
        for table in tables:
            for statement in _constraints_and_indexes(cur, schema, table, foreign=True):
                write(statement + ";\n")
    return rows


def _copy_out(cur: Any, schema: str, table: str, cols: list[dict[str, Any]],
              write: Callable[[Any], Any], on_rows: Optional[Callable[[int], None]] = None) -> dict[str, Any]:
    """COPY one table out; the rows are hashed on their way to the file, so the table
    is read once for data and checksum."""
    column_list = stored_column_list(cols)
    write("COPY %s (%s) FROM stdin;\n" % (q(table), column_list))
    hasher = RowHasher(write, on_rows)
    cur.copy_expert("COPY %s.%s (%s) TO STDOUT" % (q(schema), q(table), column_list), hasher, size=1024 * 1024)
    write("\\.\n")
    return hasher.result()


def stored_column_list(cols: list[dict[str, Any]]) -> str:
    return ", ".join(q(c["name"]) for c in cols if not c["generated"])


class RowHasher:
    """A file-like sink for ``COPY ... TO STDOUT`` (text format, one line per row) that
    sums each row's hash (:func:`row_hash`) and passes the data on unchanged.

    PostgreSQL sends one row per message, but nothing here relies on it: a line split
    across two writes waits in ``_pending``."""

    def __init__(self, forward: Optional[Callable[[Any], Any]] = None,
                 on_rows: Optional[Callable[[int], None]] = None) -> None:
        self._forward = forward
        self._on_rows = on_rows
        self._pending = b""
        self.rows = 0
        self.checksum = 0

    def write(self, data: Any) -> int:
        if isinstance(data, str):
            data = data.encode("utf-8")
        lines = (self._pending + data).split(b"\n")
        self._pending = lines.pop()  # b"" after a complete line
        for line in lines:
            self.checksum += row_hash(line)
        self.rows += len(lines)
        if self._forward is not None:
            self._forward(data)
        if self._on_rows is not None and lines:
            self._on_rows(self.rows)
        return len(data)

    def result(self) -> dict[str, Any]:
        return {"rows": self.rows, "checksum": "%d" % self.checksum}


def row_hash(line: bytes) -> int:
    """The first 60 bits of the MD5 of a row's COPY text line (stored columns only:
    generated columns follow from them and from the DDL, which the dump carries)."""
    return int(hashlib.md5(line).hexdigest()[:15], 16)  # nosec B324 - a checksum, not security


def _constraints_and_indexes(cur: Any, schema: str, table: str, foreign: bool) -> list[str]:
    oid = _table_oid(cur, schema, table)
    if foreign:
        cur.execute("SELECT conname, pg_catalog.pg_get_constraintdef(oid) FROM pg_constraint "
                    "WHERE conrelid = %s AND contype = 'f' ORDER BY conname", (oid,))
        return [single_line("ALTER TABLE ONLY %s ADD CONSTRAINT %s %s" % (q(table), q(name), definition),
                            "constraint %s" % name) for name, definition in cur.fetchall()]
    cur.execute("SELECT conname, pg_catalog.pg_get_constraintdef(oid) FROM pg_constraint "
                "WHERE conrelid = %s AND contype IN ('p', 'u', 'c', 'x') "
                "ORDER BY CASE contype WHEN 'p' THEN 0 ELSE 1 END, conname", (oid,))
    statements = [single_line("ALTER TABLE ONLY %s ADD CONSTRAINT %s %s" % (q(table), q(name), definition),
                              "constraint %s" % name) for name, definition in cur.fetchall()]
    cur.execute("SELECT ic.relname, pg_catalog.pg_get_indexdef(i.indexrelid), "
                "quote_ident(n.nspname) || '.' || quote_ident(tc.relname) FROM pg_index i "
                "JOIN pg_class ic ON ic.oid = i.indexrelid JOIN pg_class tc ON tc.oid = i.indrelid "
                "JOIN pg_namespace n ON n.oid = tc.relnamespace WHERE i.indrelid = %s AND NOT EXISTS ("
                " SELECT 1 FROM pg_constraint c WHERE c.conindid = i.indexrelid AND c.contype IN ('p', 'u', 'x')) "
                "ORDER BY ic.relname", (oid,))
    statements.extend(single_line(unqualified_index(definition, qualified, table), "index %s" % name)
                      for name, definition, qualified in cur.fetchall())
    return statements


def unqualified_index(definition: str, qualified: str, table: str) -> str:
    """pg_get_indexdef always names the table with its schema (``ON public.t``); drop the
    schema so that the dump restores into any schema."""
    for only in ("ONLY ", ""):
        on = " ON %s%s " % (only, qualified)
        if on in definition:
            return definition.replace(on, " ON %s%s " % (only, q(table)), 1)
    raise ValueError("unexpected index definition %r" % definition)


def table_checksums(conn: Any, schema: str, tables: Iterable[str]) -> dict[str, dict[str, Any]]:
    """Row count and checksum (the sum of :func:`row_hash` over the rows) of each table,
    read with COPY exactly as the dump reads them."""
    result = {}
    with conn.cursor() as cur:
        for table in tables:
            hasher = RowHasher()
            cur.copy_expert("COPY %s.%s (%s) TO STDOUT" % (
                q(schema), q(table), stored_column_list(columns(conn, schema, table))), hasher, size=1024 * 1024)
            result[table] = hasher.result()
    return result


def database_exists(conn: Any, name: str) -> bool:
    with conn.cursor() as cur:
        cur.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,))
        return cur.fetchone() is not None


def objects_in_schema(conn: Any, schema: str) -> list[tuple[str, str]]:
    """(kind, name) of tables, views and free sequences in the schema."""
    with conn.cursor() as cur:
        cur.execute("SELECT CASE c.relkind WHEN 'S' THEN 'SEQUENCE' WHEN 'v' THEN 'VIEW' "
                    "WHEN 'm' THEN 'MATERIALIZED VIEW' ELSE 'TABLE' END, c.relname "
                    "FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
                    "WHERE n.nspname = %s AND c.relkind IN ('r', 'p', 'v', 'm', 'S') ORDER BY c.relname",
                    (schema,))
        return list(cur.fetchall())


def drop_objects(cur: Any, schema: str, objects: list[tuple[str, str]]) -> list[str]:
    executed = []
    for kind, name in objects:
        sql = "DROP %s IF EXISTS %s.%s CASCADE" % (kind, q(schema), q(name))
        cur.execute(sql)
        executed.append(sql)
    return executed


def change_owner(cur: Any, schema: str, owner: str) -> list[str]:
    executed = []
    cur.execute("SELECT CASE c.relkind WHEN 'S' THEN 'SEQUENCE' ELSE 'TABLE' END, c.relname "
                "FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
                "WHERE n.nspname = %s AND c.relkind IN ('r', 'p', 'S') ORDER BY c.relname", (schema,))
    for kind, name in cur.fetchall():
        sql = "ALTER %s %s.%s OWNER TO %s" % (kind, q(schema), q(name), q(owner))
        cur.execute(sql)
        executed.append(sql)
    return executed
