# -*- coding: utf-8 -*-
# Copyright: (c) 2026, openmetadata.ops contributors
# Apache License 2.0 (see LICENSE or https://www.apache.org/licenses/LICENSE-2.0)
"""MySQL 8 / MariaDB: native dump, table checksums, and the steps of a restore.

The native dump is plain SQL (restorable with the ``mysql`` client too): the schema from
SHOW CREATE TABLE, then multi-row INSERTs of the stored (non-generated) columns, read
with an unbuffered server-side cursor inside one consistent-snapshot transaction.
"""
from __future__ import annotations

from typing import Any, Callable, Dict, Iterable, Optional

from ansible_collections.openmetadata.ops.plugins.module_utils.db import quote_mysql
from ansible_collections.openmetadata.ops.plugins.module_utils.dumpfile import UnsupportedObject

try:
    import pymysql
    import pymysql.converters
    import pymysql.cursors
except ImportError:  # pragma: no cover - reported by db.missing_driver
    pass

INSERT_BATCH_BYTES = 1024 * 1024
FETCH_ROWS = 250  # rows in memory at once: peak RSS is bounded by this, not by table size

DUMP_PROLOGUE = (
    "SET NAMES utf8mb4;\n"
    "SET @OLD_FOREIGN_KEY_CHECKS=@@FOREIGN_KEY_CHECKS, FOREIGN_KEY_CHECKS=0;\n"
    "SET @OLD_UNIQUE_CHECKS=@@UNIQUE_CHECKS, UNIQUE_CHECKS=0;\n"
    "SET @OLD_SQL_MODE=@@SQL_MODE, SQL_MODE='NO_AUTO_VALUE_ON_ZERO';\n"
    "SET @OLD_TIME_ZONE=@@TIME_ZONE, TIME_ZONE='+00:00';\n"
)
DUMP_EPILOGUE = (
    "SET TIME_ZONE=@OLD_TIME_ZONE;\n"
    "SET SQL_MODE=@OLD_SQL_MODE;\n"
    "SET UNIQUE_CHECKS=@OLD_UNIQUE_CHECKS;\n"
    "SET FOREIGN_KEY_CHECKS=@OLD_FOREIGN_KEY_CHECKS;\n"
)


def begin_snapshot(conn: Any) -> None:
    """One consistent view of every table for the whole dump."""
    with conn.cursor() as cur:
        cur.execute("SET SESSION TRANSACTION ISOLATION LEVEL REPEATABLE READ")
        cur.execute("START TRANSACTION WITH CONSISTENT SNAPSHOT, READ ONLY")


def list_tables(conn: Any) -> list[str]:
    with conn.cursor() as cur:
        cur.execute("SELECT TABLE_NAME FROM information_schema.TABLES "
                    "WHERE TABLE_SCHEMA = DATABASE() AND TABLE_TYPE = 'BASE TABLE' ORDER BY TABLE_NAME")
        return [row[0] for row in cur.fetchall()]


def estimated_rows(conn: Any) -> Dict[str, int]:
    """InnoDB's row estimate per table (information_schema, no table read): the denominator
    of the progress lines until the exact counts come with the dump."""
    with conn.cursor() as cur:
        cur.execute("SELECT TABLE_NAME, COALESCE(TABLE_ROWS, 0) FROM information_schema.TABLES "
                    "WHERE TABLE_SCHEMA = DATABASE() AND TABLE_TYPE = 'BASE TABLE'")
        return {row[0]: int(row[1]) for row in cur.fetchall()}


def other_objects(conn: Any) -> list[str]:
    """Views, triggers and routines: OpenMetadata creates none; we say so when present."""
    queries = {
        "view": "SELECT TABLE_NAME FROM information_schema.VIEWS WHERE TABLE_SCHEMA = DATABASE()",
        "trigger": "SELECT TRIGGER_NAME FROM information_schema.TRIGGERS WHERE TRIGGER_SCHEMA = DATABASE()",
        "routine": "SELECT ROUTINE_NAME FROM information_schema.ROUTINES WHERE ROUTINE_SCHEMA = DATABASE()",
    }
    found = []
    with conn.cursor() as cur:
        for kind, sql in queries.items():
            cur.execute(sql)
            found.extend("%s %s" % (kind, row[0]) for row in cur.fetchall())
    return found


def database_options(conn: Any) -> dict[str, str]:
    with conn.cursor() as cur:
        cur.execute("SELECT DEFAULT_CHARACTER_SET_NAME, DEFAULT_COLLATION_NAME FROM information_schema.SCHEMATA "
                    "WHERE SCHEMA_NAME = DATABASE()")
        charset, collation = cur.fetchone()
    return {"charset": charset, "collation": collation}


def stored_columns(conn: Any, table: str) -> list[tuple[str, str]]:
    """(name, data type) of the columns that hold data (not generated), in table order."""
    with conn.cursor() as cur:
        cur.execute("SELECT COLUMN_NAME, DATA_TYPE FROM information_schema.COLUMNS "
                    "WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = %s "
                    "AND COALESCE(GENERATION_EXPRESSION, '') = '' ORDER BY ORDINAL_POSITION", (table,))
        return [(row[0], str(row[1]).lower()) for row in cur.fetchall()]


def select_expression(name: str, data_type: str) -> str:
    """How a stored column is read. FLOAT travels as DOUBLE: the server prints FLOAT with
    6 significant digits, which would round the value; the DOUBLE text is exact and
    converts back to the same FLOAT."""
    if data_type == "float":
        return "CAST(%s AS DOUBLE)" % quote_mysql(name)
    return quote_mysql(name)


def create_table_sql(conn: Any, table: str) -> str:
    with conn.cursor() as cur:
        cur.execute("SHOW CREATE TABLE %s" % quote_mysql(table))
        ddl = cur.fetchone()[1]
    return one_line(ddl)


def one_line(sql: str) -> str:
    """Join a multi-line statement into one line, leaving quoted text untouched.

    Our reader takes one line per statement; newlines in DDL are only formatting.
    """
    out = []
    quote = ""
    escaped = False
    for char in sql:
        if quote:
            if escaped:
                escaped = False
            elif char == "\\" and quote in "'\"":
                escaped = True
            elif char == quote:
                quote = ""
            if char == "\n":
                if quote == "`":
                    raise UnsupportedObject("an identifier contains a line break, which the native dump "
                                            "format cannot carry: use method=client (%s)" % sql[:120])
                out.append("\\n")
                continue
        elif char in "'\"`":
            quote = char
        elif char == "\n":
            out.append(" ")
            continue
        out.append(char)
    return "".join(out)


def dump_table(conn: Any, table: str, write: Callable[[str], Any],
               on_rows: Optional[Callable[[int], None]] = None) -> dict[str, Any]:
    """Write DDL and INSERTs for one table; return its row count and checksum.

    The checksum comes with the rows (one more column of the same SELECT), so the
    table is read once; it equals what :func:`table_checksums` computes. ``on_rows``
    hears the rows read so far (progress)."""
    stored = stored_columns(conn, table)
    write("DROP TABLE IF EXISTS %s;\n" % quote_mysql(table))
    write(create_table_sql(conn, table) + ";\n")
    column_list = ", ".join(quote_mysql(name) for name, _type in stored)
    select_list = ", ".join(select_expression(name, data_type) for name, data_type in stored)
    head = "INSERT INTO %s (%s) VALUES " % (quote_mysql(table), column_list)
    rows = 0
    checksum = 0
    literal = sql_literal
    with conn.cursor(pymysql.cursors.SSCursor) as cur:
        cur.execute("SELECT %s, %s FROM %s" % (select_list, row_hash_sql(stored), quote_mysql(table)))
        batch: list[str] = []
        batch_bytes = 0
        while True:
            fetched = cur.fetchmany(FETCH_ROWS)
            if not fetched:
                break
            for row in fetched:
                checksum += int(row[-1])
                values = "(" + ",".join([literal(value) for value in row[:-1]]) + ")"
                batch.append(values)
                batch_bytes += len(values)
                if batch_bytes >= INSERT_BATCH_BYTES:
                    write(head + ",".join(batch) + ";\n")
                    batch = []
                    batch_bytes = 0
            rows += len(fetched)
            if on_rows is not None:
                on_rows(rows)
        if batch:
            write(head + ",".join(batch) + ";\n")
    return {"rows": rows, "checksum": "%d" % checksum}


def escape_string(value: str) -> str:
    """MySQL string escaping. A chain of str.replace runs at C speed (str.translate with
    multi-character replacements is ~20x slower on large JSON documents); backslash first."""
    if "\\" in value:
        value = value.replace("\\", "\\\\")
    if "'" in value:
        value = value.replace("'", "\\'")
    if "\n" in value:
        value = value.replace("\n", "\\n")
    if "\r" in value:
        value = value.replace("\r", "\\r")
    if "\0" in value:
        value = value.replace("\0", "\\0")
    if "\x1a" in value:
        value = value.replace("\x1a", "\\Z")
    return value


def sql_literal(value: Any) -> str:
    """A MySQL literal that survives the one-line-per-statement rule (no raw newline)."""
    if value is None:
        return "NULL"
    if isinstance(value, str):
        return "'" + escape_string(value) + "'"
    if isinstance(value, (bytes, bytearray)):
        return "0x" + bytes(value).hex() if value else "''"
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, int):
        return str(value)
    # Decimal, float, date/time, set: pymysql's own escaping quotes them correctly.
    return pymysql.converters.escape_item(value, "utf8mb4")


def row_hash_sql(stored: Iterable[tuple[str, str]]) -> str:
    """A row's 60-bit hash: MD5 over the MD5 of every stored column (NULL marked apart
    from ''), each read as :func:`select_expression` reads it. Generated columns follow
    from the stored ones and the DDL, which the dump carries; hashing them would make the
    server re-evaluate every JSON path.

    Summed over a table it gives an order-independent checksum: the restored table has
    the same sum when, and only when, it holds the same rows.
    """
    parts = ["IFNULL(MD5(%s), 'N')" % select_expression(name, data_type) for name, data_type in stored]
    return "CAST(CONV(SUBSTRING(MD5(CONCAT_WS('|', %s)), 1, 15), 16, 10) AS UNSIGNED)" % ", ".join(parts)


def table_checksum_sql(table: str, stored: Iterable[tuple[str, str]]) -> str:
    """Row count and checksum (the exact DECIMAL sum of the row hashes) of one table."""
    return "SELECT COUNT(*), COALESCE(SUM(%s), 0) FROM %s" % (row_hash_sql(stored), quote_mysql(table))


def table_checksums(conn: Any, tables: Iterable[str]) -> dict[str, dict[str, Any]]:
    result = {}
    with conn.cursor() as cur:
        for table in tables:
            cur.execute(table_checksum_sql(table, stored_columns(conn, table)))
            count, checksum = cur.fetchone()
            result[table] = {"rows": int(count), "checksum": "%d" % int(checksum)}
    return result


def database_exists(conn: Any, name: str) -> bool:
    with conn.cursor() as cur:
        cur.execute("SELECT 1 FROM information_schema.SCHEMATA WHERE SCHEMA_NAME = %s", (name,))
        return cur.fetchone() is not None


def tables_in(conn: Any, name: str) -> list[str]:
    with conn.cursor() as cur:
        cur.execute("SELECT TABLE_NAME FROM information_schema.TABLES WHERE TABLE_SCHEMA = %s "
                    "ORDER BY TABLE_NAME", (name,))
        return [row[0] for row in cur.fetchall()]


def create_database(conn: Any, name: str, options: Optional[dict[str, str]]) -> str:
    sql = "CREATE DATABASE %s" % quote_mysql(name)
    if options and options.get("charset"):
        sql += " CHARACTER SET %s" % options["charset"]
        if options.get("collation"):
            sql += " COLLATE %s" % options["collation"]
    with conn.cursor() as cur:
        cur.execute(sql)
    return sql


def drop_database(conn: Any, name: str) -> str:
    sql = "DROP DATABASE IF EXISTS %s" % quote_mysql(name)
    with conn.cursor() as cur:
        cur.execute(sql)
    return sql


def drop_objects(conn: Any, name: str) -> list[str]:
    """Empty a database but keep it (and the grants that name it)."""
    executed = []
    with conn.cursor() as cur:
        cur.execute("SELECT TABLE_NAME, TABLE_TYPE FROM information_schema.TABLES WHERE TABLE_SCHEMA = %s",
                    (name,))
        objects = cur.fetchall()
        cur.execute("SET FOREIGN_KEY_CHECKS = 0")
        for table, kind in objects:
            what = "VIEW" if kind == "VIEW" else "TABLE"
            sql = "DROP %s IF EXISTS %s.%s" % (what, quote_mysql(name), quote_mysql(table))
            cur.execute(sql)
            executed.append(sql)
        cur.execute("SET FOREIGN_KEY_CHECKS = 1")
    return executed


def swap_in(conn: Any, source: str, target: str) -> list[str]:
    """Replace the tables of ``target`` by those of ``source`` in one atomic RENAME TABLE
    (the old ones move to a trash database that is dropped afterwards). Views of the
    target cannot move between databases and are dropped first."""
    trash = "%s__omops_old" % target[:48]
    executed = [drop_database(conn, trash), create_database(conn, trash, None)]
    pairs = []
    with conn.cursor() as cur:
        cur.execute("SELECT TABLE_NAME, TABLE_TYPE FROM information_schema.TABLES WHERE TABLE_SCHEMA = %s",
                    (target,))
        for table, kind in cur.fetchall():
            if kind == "VIEW":
                executed.append("DROP VIEW %s.%s" % (quote_mysql(target), quote_mysql(table)))
                cur.execute(executed[-1])
            else:
                pairs.append("%s.%s TO %s.%s" % (quote_mysql(target), quote_mysql(table),
                                                 quote_mysql(trash), quote_mysql(table)))
        for table in tables_in(conn, source):
            pairs.append("%s.%s TO %s.%s" % (quote_mysql(source), quote_mysql(table),
                                             quote_mysql(target), quote_mysql(table)))
        executed.append("RENAME TABLE " + ", ".join(pairs))
        cur.execute(executed[-1])
    executed.append(drop_database(conn, trash))
    executed.append(drop_database(conn, source))
    return executed


def is_client_session_statement(sql: str) -> bool:
    """Client-only lines a restore through the driver must not run (mysqldump's header)."""
    return sql.lstrip().upper().startswith("USE ")
