# -*- coding: utf-8 -*-
# Copyright: (c) 2026, openmetadata.ops contributors
# Apache License 2.0 (see LICENSE or https://www.apache.org/licenses/LICENSE-2.0)
"""MySQL 8 / MariaDB: native dump, table checksums, and the steps of a restore.

The native dump is plain SQL (restorable with the ``mysql`` client too): the schema from
SHOW CREATE TABLE, then multi-row INSERTs of the stored (non-generated) columns, read
with an unbuffered server-side cursor inside one consistent-snapshot transaction; then
the views (each after the views it reads), routines, triggers (after the data, so they
do not fire on it) and events, each with the sql_mode (and events the time zone) it was
created under, routine bodies in ``DELIMITER ;;`` blocks as mysqldump writes them.

OpenMetadata 1.1.x creates tables only on MySQL (no views, routines, triggers or
events); the rest is carried for databases that an operator or a later release added to.
"""
from __future__ import annotations

import hashlib
import queue
import re
import threading
from typing import Any, Callable, Dict, Iterable, Optional

from ansible_collections.openmetadata.ops.plugins.module_utils.database.db import quote_mysql
from ansible_collections.openmetadata.ops.plugins.module_utils.database.db_lock import GUARD_TABLE
from ansible_collections.openmetadata.ops.plugins.module_utils.database.dumpfile import UnsupportedObject

try:
    import pymysql
    import pymysql.converters
    import pymysql.cursors
    import pymysql.err
    import pymysql.protocol
except ImportError:  # pragma: no cover - reported by db.missing_driver
    pass

INSERT_BATCH_BYTES = 1024 * 1024
# How a table's checksum is computed (the manifest's checksum_method): the sum of the first 60
# bits of the MD5 of each row's literal, the "(v1,v2,...)" text the dump holds, built by the
# server. COLUMN_CHECKSUM is how backups before it were made (MD5 over each column's MD5); a
# restore of such a backup still verifies with it.
LITERAL_CHECKSUM = "row-literal-md5-60bit-sum"
COLUMN_CHECKSUM = "row-md5-60bit-sum-stored-columns"
CHECKSUM_METHODS = (LITERAL_CHECKSUM, COLUMN_CHECKSUM)
BINARY_TYPES = frozenset(("binary", "varbinary", "tinyblob", "blob", "mediumblob", "longblob", "bit", "geometry",
                          "point", "linestring", "polygon", "multipoint", "multilinestring", "multipolygon",
                          "geometrycollection"))
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
    """OpenMetadata's tables: all but the run guard (db_lock), which no backup carries."""
    with conn.cursor() as cur:
        cur.execute("SELECT TABLE_NAME FROM information_schema.TABLES "
                    "WHERE TABLE_SCHEMA = DATABASE() AND TABLE_TYPE = 'BASE TABLE' AND TABLE_NAME <> %s "
                    "ORDER BY TABLE_NAME", (GUARD_TABLE,))
        return [row[0] for row in cur.fetchall()]


def estimated_rows(conn: Any) -> Dict[str, int]:
    """InnoDB's row estimate per table (information_schema, no table read): the denominator
    of the progress lines until the exact counts come with the dump."""
    with conn.cursor() as cur:
        cur.execute("SELECT TABLE_NAME, COALESCE(TABLE_ROWS, 0) FROM information_schema.TABLES "
                    "WHERE TABLE_SCHEMA = DATABASE() AND TABLE_TYPE = 'BASE TABLE'")
        return {row[0]: int(row[1]) for row in cur.fetchall()}


def other_objects(conn: Any) -> list[str]:
    """What the native dump does not carry, named in the manifest's ``not_included``:
    MariaDB packages (Oracle mode) and sequences (a MariaDB SEQUENCE is a table kind
    SHOW CREATE TABLE does not recreate with its state)."""
    found = []
    with conn.cursor() as cur:
        cur.execute("SELECT LOWER(ROUTINE_TYPE), ROUTINE_NAME FROM information_schema.ROUTINES "
                    "WHERE ROUTINE_SCHEMA = DATABASE() AND ROUTINE_TYPE NOT IN ('PROCEDURE', 'FUNCTION')")
        found.extend("%s %s" % (kind, name) for kind, name in cur.fetchall())
        cur.execute("SELECT TABLE_NAME FROM information_schema.TABLES WHERE TABLE_SCHEMA = DATABASE() "
                    "AND TABLE_TYPE = 'SEQUENCE'")
        found.extend("sequence %s" % row[0] for row in cur.fetchall())
    return found


OBJECT_DELIMITERS = (";;", "$$", "//")
DATA_SQL_MODE = "NO_AUTO_VALUE_ON_ZERO"  # what DUMP_PROLOGUE sets for the data


def _show_create(cur: Any, kind: str, name: str, column: int) -> Any:
    cur.execute("SHOW CREATE %s %s" % (kind, quote_mysql(name)))
    row = cur.fetchone()
    if row is None or row[column] is None:
        raise UnsupportedObject("the definition of %s %s cannot be read by this user (SHOW CREATE %s shows "
                                "none): back up as the object's definer or a user with the global SELECT "
                                "privilege, or use method=client" % (kind.lower(), name, kind))
    return row


def views(conn: Any) -> list[dict[str, Any]]:
    """Views in an order that creates each after the views it reads."""
    with conn.cursor() as cur:
        cur.execute("SELECT TABLE_NAME, DEFINER FROM information_schema.VIEWS WHERE TABLE_SCHEMA = DATABASE() "
                    "ORDER BY TABLE_NAME")
        found = {}
        for name, definer in cur.fetchall():
            found[name] = {"kind": "view", "name": name, "definer": definer,
                           "sql": _show_create(cur, "VIEW", name, 1)[1], "sql_mode": None}
    ordered: list[str] = []

    def place(name: str, path: tuple[str, ...]) -> None:
        if name in ordered or name in path:
            return
        for other in sorted(found):
            if other != name and quote_mysql(other) in found[name]["sql"]:
                place(other, path + (name,))
        ordered.append(name)

    for name in sorted(found):
        place(name, ())
    return [found[name] for name in ordered]


def routines(conn: Any) -> list[dict[str, Any]]:
    with conn.cursor() as cur:
        cur.execute("SELECT ROUTINE_TYPE, ROUTINE_NAME, DEFINER FROM information_schema.ROUTINES "
                    "WHERE ROUTINE_SCHEMA = DATABASE() AND ROUTINE_TYPE IN ('PROCEDURE', 'FUNCTION') "
                    "ORDER BY ROUTINE_TYPE, ROUTINE_NAME")
        result = []
        for kind, name, definer in cur.fetchall():
            row = _show_create(cur, kind, name, 2)
            result.append({"kind": kind.lower(), "name": name, "definer": definer, "sql": row[2], "sql_mode": row[1]})
        return result


def triggers(conn: Any) -> list[dict[str, Any]]:
    """Triggers per table in their firing order (creating them in it keeps the order)."""
    with conn.cursor() as cur:
        cur.execute("SELECT TRIGGER_NAME, EVENT_OBJECT_TABLE, DEFINER FROM information_schema.TRIGGERS "
                    "WHERE TRIGGER_SCHEMA = DATABASE() "
                    "ORDER BY EVENT_OBJECT_TABLE, ACTION_TIMING, EVENT_MANIPULATION, ACTION_ORDER")
        result = []
        for name, table, definer in cur.fetchall():
            row = _show_create(cur, "TRIGGER", name, 2)
            result.append({"kind": "trigger", "name": name, "table": table, "definer": definer, "sql": row[2],
                           "sql_mode": row[1]})
        return result


def events(conn: Any) -> list[dict[str, Any]]:
    with conn.cursor() as cur:
        cur.execute("SELECT EVENT_NAME, DEFINER FROM information_schema.EVENTS WHERE EVENT_SCHEMA = DATABASE() "
                    "ORDER BY EVENT_NAME")
        result = []
        for name, definer in cur.fetchall():
            row = _show_create(cur, "EVENT", name, 3)
            result.append({"kind": "event", "name": name, "definer": definer, "sql": row[3], "sql_mode": row[1],
                           "time_zone": row[2]})
        return result


class SchemaObjects:
    """The database's views, routines, triggers and events, read once (in the dump's
    snapshot) to write the dump, describe it in the manifest and move them on restore."""

    def __init__(self, conn: Any) -> None:
        self.views = views(conn)
        self.routines = routines(conn)
        self.triggers = triggers(conn)
        self.events = events(conn)

    def before_data(self) -> list[dict[str, Any]]:
        """Routines first: a view may call a function (bodies are not checked on creation)."""
        return self.routines + self.views

    def after_data(self) -> list[dict[str, Any]]:
        return self.triggers + self.events

    def all(self) -> list[dict[str, Any]]:
        return self.before_data() + self.after_data()

    def summary(self) -> dict[str, Any]:
        """What the manifest lists: names and definers (a restore checks it may create
        objects for those definers before it changes anything)."""
        def entries(items: list[dict[str, Any]]) -> list[dict[str, Any]]:
            return [{"name": item["name"], "definer": item["definer"]} for item in items]
        return {
            "views": entries(self.views),
            "procedures": entries([r for r in self.routines if r["kind"] == "procedure"]),
            "functions": entries([r for r in self.routines if r["kind"] == "function"]),
            "triggers": entries(self.triggers),
            "events": entries(self.events),
        }


def objects_summary(conn: Any) -> dict[str, Any]:
    """SchemaObjects.summary() from information_schema alone (names and definers; no
    definition read), for preflight."""
    queries = {
        "views": "SELECT TABLE_NAME, DEFINER FROM information_schema.VIEWS WHERE TABLE_SCHEMA = DATABASE()",
        "procedures": "SELECT ROUTINE_NAME, DEFINER FROM information_schema.ROUTINES WHERE ROUTINE_SCHEMA = DATABASE() "
                      "AND ROUTINE_TYPE = 'PROCEDURE'",
        "functions": "SELECT ROUTINE_NAME, DEFINER FROM information_schema.ROUTINES WHERE ROUTINE_SCHEMA = DATABASE() "
                     "AND ROUTINE_TYPE = 'FUNCTION'",
        "triggers": "SELECT TRIGGER_NAME, DEFINER FROM information_schema.TRIGGERS WHERE TRIGGER_SCHEMA = DATABASE()",
        "events": "SELECT EVENT_NAME, DEFINER FROM information_schema.EVENTS WHERE EVENT_SCHEMA = DATABASE()",
    }
    found: dict[str, Any] = {}
    with conn.cursor() as cur:
        for group, sql in queries.items():
            cur.execute(sql + " ORDER BY 1")
            found[group] = [{"name": name, "definer": definer} for name, definer in cur.fetchall()]
    return found


def object_statements(obj: dict[str, Any]) -> list[str]:
    """The statements that create ``obj`` as it was (sql_mode, time zone), for a driver
    that sends one statement at a time."""
    statements = []
    if obj.get("sql_mode") is not None:
        statements.append("SET SESSION sql_mode = %s" % sql_literal(obj["sql_mode"]))
    if obj.get("time_zone"):
        statements.append("SET SESSION time_zone = %s" % sql_literal(obj["time_zone"]))
    statements.append(obj["sql"])
    if obj.get("time_zone"):
        statements.append("SET SESSION time_zone = '+00:00'")
    if obj.get("sql_mode") is not None:
        statements.append("SET SESSION sql_mode = %s" % sql_literal(DATA_SQL_MODE))
    return statements


def object_dump_text(obj: dict[str, Any]) -> str:
    """``obj`` as dump text that our reader and the ``mysql`` client both split right: a
    body with ``;`` inside goes in a ``DELIMITER`` block."""
    out = []
    for statement in object_statements(obj):
        if statement is obj["sql"] and obj["kind"] != "view":
            delimiter = next((d for d in OBJECT_DELIMITERS if d not in statement), None)
            if delimiter is None:
                raise UnsupportedObject("%s %s contains every delimiter the dump can use (%s): use method=client"
                                        % (obj["kind"], obj["name"], " ".join(OBJECT_DELIMITERS)))
            # The delimiter on a line of its own: a body ending in ';' must not make ';;;'.
            out.append("DELIMITER %s\n%s\n%s\nDELIMITER ;\n" % (delimiter, statement, delimiter))
        else:
            out.append(statement + ";\n")
    return "".join(out)


def create_objects(cur: Any, objects: Iterable[dict[str, Any]]) -> list[str]:
    executed = []
    for obj in objects:
        for statement in object_statements(obj):
            cur.execute(statement)
        executed.append("CREATE %s %s" % (obj["kind"].upper(), quote_mysql(obj["name"])))
    return executed


def drop_programs(conn: Any, name: str) -> list[str]:
    """Drop the views, triggers, routines and events of database ``name`` (its tables stay)."""
    executed = []
    with conn.cursor() as cur:
        cur.execute("SELECT 'VIEW', TABLE_NAME FROM information_schema.VIEWS WHERE TABLE_SCHEMA = %s "
                    "UNION ALL SELECT 'TRIGGER', TRIGGER_NAME FROM information_schema.TRIGGERS WHERE TRIGGER_SCHEMA = %s "
                    "UNION ALL SELECT ROUTINE_TYPE, ROUTINE_NAME FROM information_schema.ROUTINES "
                    "WHERE ROUTINE_SCHEMA = %s AND ROUTINE_TYPE IN ('PROCEDURE', 'FUNCTION') "
                    "UNION ALL SELECT 'EVENT', EVENT_NAME FROM information_schema.EVENTS WHERE EVENT_SCHEMA = %s",
                    (name, name, name, name))
        for kind, obj in cur.fetchall():
            sql = "DROP %s IF EXISTS %s.%s" % (kind, quote_mysql(name), quote_mysql(obj))
            cur.execute(sql)
            executed.append(sql)
    return executed


# Who may create an object for another definer: MariaDB SUPER or SET USER (10.5.2+),
# MySQL 8 SUPER, SET_USER_ID (before 8.2) or SET_ANY_DEFINER (8.2+).
DEFINER_PRIVILEGES = ("SUPER", "SET USER", "SET_USER_ID", "SET_ANY_DEFINER")
OBJECT_PRIVILEGES = {"views": "CREATE VIEW", "procedures": "CREATE ROUTINE", "functions": "CREATE ROUTINE",
                     "triggers": "TRIGGER", "events": "EVENT"}


def current_privileges(conn: Any, database: str) -> tuple[str, set[str]]:
    """The connected account (user@host) and its privileges, global and on ``database``."""
    with conn.cursor() as cur:
        cur.execute("SELECT CURRENT_USER()")
        account = cur.fetchone()[0]
        user, _at, host = account.rpartition("@")
        grantee = "'%s'@'%s'" % (user, host)
        cur.execute("SELECT PRIVILEGE_TYPE FROM information_schema.USER_PRIVILEGES WHERE GRANTEE = %s "
                    "UNION SELECT PRIVILEGE_TYPE FROM information_schema.SCHEMA_PRIVILEGES "
                    "WHERE GRANTEE = %s AND %s LIKE TABLE_SCHEMA", (grantee, grantee, database))
        return account, {str(row[0]).upper() for row in cur.fetchall()}


def privilege_problems(account: str, privileges: set[str], objects: dict[str, Any], database: str) -> list[str]:
    """Why ``account`` could not recreate the manifest's ``objects`` in ``database``."""
    problems = []
    may_set_definer = bool(privileges & set(DEFINER_PRIVILEGES))
    for group, needed in OBJECT_PRIVILEGES.items():
        for obj in objects.get(group) or []:
            what = "%s %s" % (group[:-1], obj["name"])
            if needed not in privileges:
                problems.append("%s needs the %s privilege on %s, which %s lacks" % (what, needed, database, account))
            definer = obj.get("definer") or account
            if definer != account and not may_set_definer:
                problems.append("%s has DEFINER %s: creating it as %s needs SUPER or SET USER (MariaDB), "
                                "SET_USER_ID or SET_ANY_DEFINER (MySQL 8)" % (what, definer, account))
    return problems


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


def literal_expression(name: str, data_type: str) -> str:
    """SQL that makes the server print a stored column as the literal the dump holds: QUOTE()
    (quotes, backslashes, NUL and Ctrl-Z escaped; NULL as NULL) with raw line breaks escaped
    too, so that an INSERT stays on one line; binary data as 0x hex (it is no text). The
    escapes are built with CHAR(), not written as '\\n', so that the session's sql_mode
    (NO_BACKSLASH_ESCAPES) cannot change them. A restore runs with backslash escapes on."""
    column = quote_mysql(name)
    if data_type in BINARY_TYPES:
        return "IF(%s IS NULL, 'NULL', IF(LENGTH(%s) = 0, '%s', CONCAT('0x', HEX(%s))))" % (
            column, column, "''" * 2, column)
    quoted = "QUOTE(%s)" % select_expression(name, data_type)
    for char, letter in ((10, "n"), (13, "r")):
        quoted = "REPLACE(%s, CHAR(%d USING utf8mb4), CONCAT(CHAR(92 USING utf8mb4), '%s'))" % (quoted, char, letter)
    return quoted


def row_literal_sql(stored: Iterable[tuple[str, str]]) -> str:
    """A row's literal ``(v1,v2,...)`` as utf8mb4 text, built by the server."""
    return "CONVERT(CONCAT('(', CONCAT_WS(',', %s), ')') USING utf8mb4)" % ", ".join(
        literal_expression(name, data_type) for name, data_type in stored)


def literal_hash(literal: str) -> int:
    """The first 60 bits of the MD5 of a row literal (what LITERAL_CHECKSUM sums)."""
    return int(hashlib.md5(literal.encode("utf-8")).hexdigest()[:15], 16)  # nosec B324 - a checksum


def dump_table(conn: Any, table: str, write: Callable[[Any], Any],
               on_rows: Optional[Callable[[int], None]] = None) -> dict[str, Any]:
    """Write DDL and INSERTs for one table; return its row count and checksum.

    The server prints each row as its literal (:func:`row_literal_sql`), so Python neither
    decodes typed columns nor escapes values: it hashes the literal's UTF-8 bytes
    (:func:`literal_hash`) and batches them into an INSERT. The table is read once; the
    checksum equals what :func:`table_checksums` computes. ``on_rows`` hears the rows read
    so far (progress)."""
    stored = stored_columns(conn, table)
    write("DROP TABLE IF EXISTS %s;\n" % quote_mysql(table))
    write(create_table_sql(conn, table) + ";\n")
    column_list = ", ".join(quote_mysql(name) for name, _type in stored)
    head = ("INSERT INTO %s (%s) VALUES " % (quote_mysql(table), column_list)).encode("utf-8")
    rows = 0
    checksum = 0
    md5 = hashlib.md5
    from_bytes = int.from_bytes
    with conn.cursor(pymysql.cursors.SSCursor) as cur:
        cur.execute("SELECT %s FROM %s" % (row_literal_sql(stored), quote_mysql(table)))
        batch: list[bytes] = []
        batch_bytes = 0
        for fetched in literal_batches(cur, conn):
            # nosec B324 - a checksum: literal_hash, the first 60 bits of the MD5
            checksum += sum([from_bytes(md5(literal).digest()[:8], "big") >> 4 for literal in fetched])
            for literal in fetched:
                batch.append(literal)
                batch_bytes += len(literal)
                if batch_bytes >= INSERT_BATCH_BYTES:
                    write(head + b",".join(batch) + b";\n")
                    batch = []
                    batch_bytes = 0
            rows += len(fetched)
            if on_rows is not None:
                on_rows(rows)
        if batch:
            write(head + b",".join(batch) + b";\n")
    return {"rows": rows, "checksum": "%d" % checksum}


def literal_batches(cur: Any, conn: Any) -> Iterable[list[bytes]]:
    """The rows of a one-column text result just executed on the unbuffered cursor ``cur``,
    as lists of raw UTF-8 values (up to FETCH_ROWS at a time).

    PyMySQL parses each row packet in a dozen Python calls (most of a small-row dump's
    time); here a row costs two buffered reads and a slice. This reads the packets as
    PyMySQL would (sequence numbers, 16 MB continuation packets, EOF, error packets raised
    through PyMySQL) and leaves the connection as PyMySQL leaves it after the last row.
    With a PyMySQL whose internals differ it falls back to ``fetchmany``."""
    result = getattr(cur, "_result", None)
    rfile = getattr(conn, "_rfile", None)
    if result is None or rfile is None or not getattr(result, "unbuffered_active", False) \
            or not isinstance(getattr(conn, "_next_seq_id", None), int) or getattr(result, "field_count", 1) != 1:
        while True:
            rows = cur.fetchmany(FETCH_ROWS)
            if not rows:
                return
            yield [row[0].encode("utf-8") for row in rows]
    read = rfile.read
    seq = conn._next_seq_id  # pylint: disable=protected-access
    batch: list[bytes] = []

    def lost(what: str) -> Exception:
        conn._force_close()  # pylint: disable=protected-access
        return pymysql.err.OperationalError(2013, "Lost connection to MySQL server during query (%s)" % what)

    while True:
        header = read(4)
        if len(header) < 4:
            raise lost("short packet header")
        length = header[0] | header[1] << 8 | header[2] << 16
        if header[3] != seq:
            raise lost("packet sequence number %d, expected %d" % (header[3], seq))
        seq = (seq + 1) & 0xFF
        payload = read(length)
        if len(payload) < length:
            raise lost("short packet")
        if length == 0xFFFFFF:  # a value of 16 MB or more goes on in the next packets
            parts = [payload]
            while length == 0xFFFFFF:
                header = read(4)
                if len(header) < 4 or header[3] != seq:
                    raise lost("continuation packet")
                seq = (seq + 1) & 0xFF
                length = header[0] | header[1] << 8 | header[2] << 16
                parts.append(read(length))
            payload = b"".join(parts)
        first = payload[0]
        if first < 0xFB:
            batch.append(payload[1:])
        elif first == 0xFE and len(payload) < 9:  # EOF: the result is complete
            conn._next_seq_id = seq  # pylint: disable=protected-access
            result.unbuffered_active = False
            result.connection = None
            result.rows = None
            break
        elif first == 0xFF:  # an error packet (e.g. the query was killed)
            conn._next_seq_id = seq  # pylint: disable=protected-access
            result.unbuffered_active = False
            result.connection = None
            pymysql.protocol.MysqlPacket(payload, conn.encoding).raise_for_error()
        elif first == 0xFC:
            batch.append(payload[3:])
        elif first == 0xFD:
            batch.append(payload[4:])
        elif first == 0xFE:
            batch.append(payload[9:])
        else:  # 0xFB, NULL: a row literal is never NULL
            raise DumpReadError("the server sent NULL for a row literal")
        if len(batch) >= FETCH_ROWS:
            yield batch
            batch = []
    if batch:
        yield batch


class DumpReadError(Exception):
    """The server sent something a row literal cannot be."""


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


def row_hash_sql(stored: Iterable[tuple[str, str]], method: str = LITERAL_CHECKSUM) -> str:
    """A row's 60-bit hash: LITERAL_CHECKSUM, the MD5 of its literal (:func:`row_literal_sql`);
    COLUMN_CHECKSUM (older backups), MD5 over the MD5 of every stored column (NULL marked
    apart from ''), each read as :func:`select_expression` reads it. Generated columns follow
    from the stored ones and the DDL, which the dump carries; hashing them would make the
    server re-evaluate every JSON path.

    Summed over a table it gives an order-independent checksum: the restored table has
    the same sum when, and only when, it holds the same rows.
    """
    if method == LITERAL_CHECKSUM:
        return "CAST(CONV(SUBSTRING(MD5(%s), 1, 15), 16, 10) AS UNSIGNED)" % row_literal_sql(stored)
    if method != COLUMN_CHECKSUM:
        raise ValueError("unknown checksum method %r" % method)
    parts = ["IFNULL(MD5(%s), 'N')" % select_expression(name, data_type) for name, data_type in stored]
    return "CAST(CONV(SUBSTRING(MD5(CONCAT_WS('|', %s)), 1, 15), 16, 10) AS UNSIGNED)" % ", ".join(parts)


def table_checksum_sql(table: str, stored: Iterable[tuple[str, str]], method: str = LITERAL_CHECKSUM) -> str:
    """Row count and checksum (the exact DECIMAL sum of the row hashes) of one table."""
    return "SELECT COUNT(*), COALESCE(SUM(%s), 0) FROM %s" % (row_hash_sql(stored, method), quote_mysql(table))


def table_checksums(conn: Any, tables: Iterable[str], method: str = LITERAL_CHECKSUM) -> dict[str, dict[str, Any]]:
    result = {}
    with conn.cursor() as cur:
        for table in tables:
            cur.execute(table_checksum_sql(table, stored_columns(conn, table), method))
            count, checksum = cur.fetchone()
            result[table] = {"rows": int(count), "checksum": "%d" % int(checksum)}
    return result


def table_checksums_parallel(connect: Callable[[], Any], tables: list[str], method: str = LITERAL_CHECKSUM,
                             jobs: int = 1) -> dict[str, dict[str, Any]]:
    """:func:`table_checksums` over ``jobs`` connections at once, biggest tables first. The
    server does the work (a row literal and an MD5 per row), so threads are enough: each
    waits on its own connection while the server uses another core."""
    if jobs <= 1 or len(tables) <= 1:
        conn = connect()
        try:
            return table_checksums(conn, tables, method)
        finally:
            conn.close()
    conn = connect()
    try:
        with conn.cursor() as cur:
            cur.execute("SELECT TABLE_NAME, COALESCE(DATA_LENGTH, 0) FROM information_schema.TABLES "
                        "WHERE TABLE_SCHEMA = DATABASE()")
            sizes = {row[0]: int(row[1]) for row in cur.fetchall()}
    finally:
        conn.close()
    todo: "queue.Queue[str]" = queue.Queue()
    for table in sorted(tables, key=lambda t: -sizes.get(t, 0)):
        todo.put(table)
    found: dict[str, dict[str, Any]] = {}
    errors: list[BaseException] = []

    def work() -> None:
        try:
            own = connect()
        except Exception as exc:  # pylint: disable=broad-except
            errors.append(exc)
            return
        try:
            while not errors:
                try:
                    table = todo.get_nowait()
                except queue.Empty:
                    return
                found.update(table_checksums(own, [table], method))
        except Exception as exc:  # pylint: disable=broad-except
            errors.append(exc)
        finally:
            own.close()

    threads = [threading.Thread(target=work, name="checksums-%d" % n, daemon=True) for n in range(min(jobs, len(tables)))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    if errors:
        raise errors[0]
    return {table: found[table] for table in tables}


class ParallelInserts:
    """The INSERTs of a native dump run over ``jobs`` connections at once (threads: the
    server parses and stores; Python only hands over statements). Rows of one table may
    land in any order, which the order-independent checksums do not see. Every other
    statement waits for the INSERTs before it (:meth:`wait`) and runs on the caller's
    connection; session settings (``SET ...``) are repeated on every job's connection."""

    def __init__(self, connect: Callable[[], Any], jobs: int) -> None:
        self._queue: "queue.Queue[Any]" = queue.Queue(maxsize=2 * jobs)
        self.failed: Optional[tuple[Any, BaseException]] = None  # (statement, error) of the first failure
        self._conns: list[Any] = []
        self._threads: list[threading.Thread] = []
        try:
            for _job in range(jobs):
                self._conns.append(connect())
        except BaseException:
            self.close()
            raise
        for n, conn in enumerate(self._conns):
            thread = threading.Thread(target=self._run, args=(conn,), name="inserts-%d" % n, daemon=True)
            thread.start()
            self._threads.append(thread)

    def _run(self, conn: Any) -> None:
        with conn.cursor() as cur:
            while True:
                stmt = self._queue.get()
                try:
                    if stmt is None:
                        return
                    if self.failed is None:
                        try:
                            cur.execute(stmt.sql)
                        except Exception as exc:  # pylint: disable=broad-except
                            self.failed = (stmt, exc)
                finally:
                    self._queue.task_done()

    def submit(self, stmt: Any) -> None:
        self._queue.put(stmt)

    def wait(self) -> None:
        """Until every submitted INSERT has run (then ``failed`` says whether one failed)."""
        self._queue.join()

    def setting(self, sql: str) -> None:
        """Repeat a session setting on every job's connection (call after :meth:`wait`)."""
        for conn in self._conns:
            with conn.cursor() as cur:
                cur.execute(sql)

    def close(self) -> None:
        for _thread in self._threads:
            self._queue.put(None)
        for thread in self._threads:
            thread.join()
        for conn in self._conns:
            try:
                conn.close()
            except Exception:  # pylint: disable=broad-except
                pass


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
    """Client-only lines a restore through the driver must not run (mysqldump's header).
    Only the head is looked at: an INSERT of many rows is a megabyte long."""
    return _USE.match(sql) is not None


_USE = re.compile(r"\s*USE\s", re.I)
