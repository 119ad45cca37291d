# -*- coding: utf-8 -*-
# Copyright: (c) 2026, openmetadata.ops contributors
# Apache License 2.0 (see LICENSE or https://www.apache.org/licenses/LICENSE-2.0)
"""PostgreSQL: native dump of one schema, table checksums, and the steps of a restore.

The native dump is plain SQL in pg_dump's order, with unqualified names so that it
restores into any schema, by us or with ``psql``:

1. extensions (``CREATE EXTENSION IF NOT EXISTS``; one living in another schema keeps it),
2. enum, composite and domain types and functions/procedures, in creation (OID) order,
   bodies unchecked (``check_function_bodies = false``) as pg_dump does,
3. free sequences, tables, COPY data, sequence values,
4. constraints and indexes (so that loading is fast), then foreign keys,
5. views and materialized views in dependency order, their indexes, triggers (after
   the data, so they do not fire on it), comments, and the materialized views' data.

OpenMetadata 1.1.x itself creates, besides tables, indexes and constraints: the SQL
function ``to_tz_timestamp(text)`` (bootstrap v001), the ``pgcrypto`` extension (v009)
and a SERIAL sequence (``task_sequence``, v002). Everything else is here for databases
that an operator or a later release added to.
Data moves with COPY, inside one REPEATABLE READ, READ ONLY transaction.
"""
from __future__ import annotations

import hashlib
import io
from typing import Any, Callable, Dict, Iterable, Optional

from ansible_collections.openmetadata.ops.plugins.module_utils.database.db import quote_postgresql as q
from ansible_collections.openmetadata.ops.plugins.module_utils.database.db_lock import GUARD_TABLE

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
    """OpenMetadata's tables: all but the run guard (db_lock), which no backup carries."""
    with conn.cursor() as cur:
        cur.execute("SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
                    "WHERE n.nspname = %s AND c.relkind IN ('r', 'p') AND c.relname <> %s ORDER BY c.relname",
                    (schema, GUARD_TABLE))
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


def _not_member(catalog: str, alias: str) -> str:
    """SQL: the object is not part of an extension (CREATE EXTENSION brings those)."""
    return ("NOT EXISTS (SELECT 1 FROM pg_depend xd WHERE xd.classid = '%s'::regclass "
            "AND xd.objid = %s.oid AND xd.deptype = 'e')" % (catalog, alias))


def other_objects(conn: Any, schema: str) -> list[str]:
    """What the native dump does not carry, named in the manifest's ``not_included``:
    aggregates, range and base types, rules other than views', row-level security
    policies and foreign tables (none of them created by OpenMetadata)."""
    with conn.cursor() as cur:
        cur.execute(
            "SELECT 'aggregate ' || p.proname FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace "
            "WHERE n.nspname = %s AND p.prokind IN ('a', 'w') AND " + _not_member("pg_proc", "p") + " "
            "UNION ALL SELECT 'type ' || t.typname FROM pg_type t JOIN pg_namespace n ON n.oid = t.typnamespace "
            "WHERE n.nspname = %s AND t.typtype IN ('b', 'r', 'm', 'p') AND t.typelem = 0 AND "
            + _not_member("pg_type", "t") + " "
            "UNION ALL SELECT 'rule ' || r.rulename FROM pg_rewrite r JOIN pg_class c ON c.oid = r.ev_class "
            "JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = %s AND r.rulename <> '_RETURN' "
            "UNION ALL SELECT 'policy ' || pol.polname FROM pg_policy pol JOIN pg_class c ON c.oid = pol.polrelid "
            "JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = %s "
            "UNION ALL SELECT 'foreign table ' || c.relname FROM pg_class c "
            "JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = %s AND c.relkind = 'f' "
            "ORDER BY 1", (schema,) * 5)
        return [row[0] for row in cur.fetchall()]


def extensions(conn: Any, schema: str) -> list[dict[str, Any]]:
    """The database's extensions (plpgsql, always there, aside): name, the schema that
    holds its objects, version, and whether that is the dumped schema (then a restore
    puts it into the target schema)."""
    with conn.cursor() as cur:
        cur.execute("SELECT e.extname, n.nspname, e.extversion FROM pg_extension e "
                    "JOIN pg_namespace n ON n.oid = e.extnamespace WHERE e.extname <> 'plpgsql' ORDER BY e.oid")
        return [{"name": name, "schema": nsp, "version": version, "in_dumped_schema": nsp == schema}
                for name, nsp, version in cur.fetchall()]


def create_extension_sql(ext: dict[str, Any]) -> str:
    sql = "CREATE EXTENSION IF NOT EXISTS %s" % q(ext["name"])
    if not ext.get("in_dumped_schema"):
        sql += " WITH SCHEMA %s" % q(ext["schema"])
    return sql


def extension_statements(ext: dict[str, Any]) -> list[str]:
    """The extension, and first the schema it lives in when that is not the dumped one
    (an ``extensions`` schema, say) and so may be missing in the target database."""
    statements = []
    if not ext.get("in_dumped_schema") and ext.get("schema") not in ("public", "pg_catalog"):
        statements.append("CREATE SCHEMA IF NOT EXISTS %s" % q(ext["schema"]))
    return statements + [create_extension_sql(ext)]


def _server_ident(cur: Any, name: str) -> str:
    """The server's own quoting of ``name`` (quoted only when needed), as its catalog
    functions print it."""
    cur.execute("SELECT quote_ident(%s)", (name,))
    return cur.fetchone()[0]


def _schema_oid(cur: Any, schema: str) -> int:
    cur.execute("SELECT oid FROM pg_namespace WHERE nspname = %s", (schema,))
    return cur.fetchone()[0]


def _type_sql(cur: Any, oid: int, name: str, typtype: str) -> str:
    if typtype == "e":
        cur.execute("SELECT enumlabel FROM pg_enum WHERE enumtypid = %s ORDER BY enumsortorder", (oid,))
        return "CREATE TYPE %s AS ENUM (%s)" % (q(name), ", ".join(_literal(row[0]) for row in cur.fetchall()))
    if typtype == "d":
        cur.execute(
            "SELECT pg_catalog.format_type(t.typbasetype, t.typtypmod), t.typdefault, t.typnotnull, "
            "CASE WHEN t.typcollation <> b.typcollation THEN (SELECT quote_ident(cn.nspname) || '.' || "
            " quote_ident(co.collname) FROM pg_collation co JOIN pg_namespace cn ON cn.oid = co.collnamespace "
            " WHERE co.oid = t.typcollation) END "
            "FROM pg_type t JOIN pg_type b ON b.oid = t.typbasetype WHERE t.oid = %s", (oid,))
        base, default, not_null, collation = cur.fetchone()
        sql = "CREATE DOMAIN %s AS %s" % (q(name), base)
        if collation:
            sql += " COLLATE " + collation
        if default is not None:
            sql += " DEFAULT " + default
        if not_null:
            sql += " NOT NULL"
        cur.execute("SELECT conname, pg_catalog.pg_get_constraintdef(oid) FROM pg_constraint "
                    "WHERE contypid = %s AND contype = 'c' ORDER BY conname", (oid,))
        for conname, definition in cur.fetchall():
            sql += " CONSTRAINT %s %s" % (q(conname), definition)
        return sql
    cur.execute(
        "SELECT a.attname, pg_catalog.format_type(a.atttypid, a.atttypmod), "
        "CASE WHEN a.attcollation <> at.typcollation THEN (SELECT quote_ident(cn.nspname) || '.' || "
        " quote_ident(co.collname) FROM pg_collation co JOIN pg_namespace cn ON cn.oid = co.collnamespace "
        " WHERE co.oid = a.attcollation) END "
        "FROM pg_type t JOIN pg_attribute a ON a.attrelid = t.typrelid JOIN pg_type at ON at.oid = a.atttypid "
        "WHERE t.oid = %s AND a.attnum > 0 AND NOT a.attisdropped ORDER BY a.attnum", (oid,))
    fields = ["%s %s%s" % (q(att), type_, " COLLATE " + coll if coll else "") for att, type_, coll in cur.fetchall()]
    return "CREATE TYPE %s AS (%s)" % (q(name), ", ".join(fields))


def _unqualified_routine(definition: str, schema_ident: str) -> str:
    """pg_get_functiondef always names the routine with its schema; drop the schema so
    that the dump restores into any schema."""
    for kind in ("FUNCTION", "PROCEDURE"):
        head = "CREATE OR REPLACE %s %s." % (kind, schema_ident)
        if definition.startswith(head):
            return "CREATE OR REPLACE %s %s" % (kind, definition[len(head):].rstrip())
    raise ValueError("unexpected routine definition %r" % definition[:200])


def types_and_routines(conn: Any, schema: str) -> list[dict[str, Any]]:
    """Enum, domain and composite types and functions/procedures of the schema (not an
    extension's), in creation order: each was created after what it needs, so OID order
    is a valid order for their signatures (bodies are not checked at restore)."""
    with conn.cursor() as cur:
        nsp = _schema_oid(cur, schema)
        schema_ident = _server_ident(cur, schema)
        cur.execute(
            "SELECT t.oid, 'type', t.typname::text, t.typtype::text FROM pg_type t LEFT JOIN pg_class c ON c.oid = t.typrelid "
            "WHERE t.typnamespace = %s AND (t.typtype IN ('e', 'd') OR (t.typtype = 'c' AND c.relkind = 'c')) AND "
            + _not_member("pg_type", "t") + " "
            "UNION ALL SELECT p.oid, CASE p.prokind WHEN 'p' THEN 'procedure' ELSE 'function' END, p.proname::text, "
            "pg_catalog.pg_get_function_identity_arguments(p.oid) FROM pg_proc p "
            "WHERE p.pronamespace = %s AND p.prokind IN ('f', 'p') AND " + _not_member("pg_proc", "p") + " "
            "ORDER BY 1", (nsp, nsp))
        found = cur.fetchall()
        objects = []
        for oid, kind, name, extra in found:
            if kind == "type":
                kind = {"e": "enum", "d": "domain", "c": "composite type"}[extra]
                objects.append({"kind": kind, "name": name, "sql": _type_sql(cur, oid, name, extra),
                                "drop": "DOMAIN" if extra == "d" else "TYPE"})
            else:
                cur.execute("SELECT pg_catalog.pg_get_functiondef(%s)", (oid,))
                objects.append({"kind": kind, "name": "%s(%s)" % (name, extra), "signature": "%s(%s)" % (q(name), extra),
                                "sql": _unqualified_routine(cur.fetchone()[0], schema_ident)})
        return objects


def views(conn: Any, schema: str) -> list[dict[str, Any]]:
    """Views and materialized views, each after the views it reads."""
    with conn.cursor() as cur:
        nsp = _schema_oid(cur, schema)
        cur.execute("SELECT c.oid, c.relname, c.relkind, c.relispopulated, c.reloptions, "
                    "pg_catalog.pg_get_viewdef(c.oid) FROM pg_class c "
                    "WHERE c.relnamespace = %s AND c.relkind IN ('v', 'm') ORDER BY c.oid", (nsp,))
        found = {row[0]: row for row in cur.fetchall()}
        cur.execute("SELECT DISTINCT r.ev_class, d.refobjid FROM pg_rewrite r JOIN pg_depend d "
                    "ON d.classid = 'pg_rewrite'::regclass AND d.objid = r.oid AND d.refclassid = 'pg_class'::regclass "
                    "WHERE r.ev_class = ANY(%s) AND d.refobjid <> r.ev_class", (list(found),))
        needs: dict[int, set[int]] = {oid: set() for oid in found}
        for view, ref in cur.fetchall():
            if ref in found:
                needs[view].add(ref)
    ordered: list[int] = []
    placed: set[int] = set()

    def place(oid: int, path: tuple[int, ...]) -> None:
        if oid in placed or oid in path:
            return
        for ref in sorted(needs[oid]):
            place(ref, path + (oid,))
        placed.add(oid)
        ordered.append(oid)

    for oid in sorted(found):
        place(oid, ())
    result = []
    for oid in ordered:
        _oid, name, relkind, populated, options, definition = found[oid]
        materialized = relkind == "m"
        sql = "CREATE %sVIEW %s" % ("MATERIALIZED " if materialized else "", q(name))
        if options:
            sql += " WITH (%s)" % ", ".join(options)
        sql += " AS\n" + definition.strip().rstrip(";")
        if materialized:
            sql += "\n  WITH NO DATA"
        result.append({"kind": "materialized view" if materialized else "view", "name": name, "sql": sql,
                       "populated": bool(populated) if materialized else None})
    return result


def triggers(conn: Any, schema: str) -> list[dict[str, Any]]:
    """User triggers (not those behind foreign keys) of the schema's tables and views."""
    with conn.cursor() as cur:
        nsp = _schema_oid(cur, schema)
        cur.execute("SELECT t.tgname, c.relname, pg_catalog.pg_get_triggerdef(t.oid), t.tgenabled, "
                    "quote_ident(n.nspname) || '.' || quote_ident(c.relname) "
                    "FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid JOIN pg_namespace n ON n.oid = c.relnamespace "
                    "WHERE c.relnamespace = %s AND NOT t.tgisinternal ORDER BY c.relname, t.tgname", (nsp,))
        rows = cur.fetchall()
    result = []
    for name, table, definition, enabled, qualified in rows:
        statements = [unqualified_on(definition, qualified, table)]
        if enabled == "D":
            statements.append("ALTER TABLE %s DISABLE TRIGGER %s" % (q(table), q(name)))
        elif enabled in ("R", "A"):
            statements.append("ALTER TABLE %s ENABLE %s TRIGGER %s" % (
                q(table), "REPLICA" if enabled == "R" else "ALWAYS", q(name)))
        result.append({"kind": "trigger", "name": "%s on %s" % (name, table), "statements": statements})
    return result


def unqualified_on(definition: str, qualified: str, table: str) -> str:
    """Drop the schema from the ``ON schema.table`` of an index or trigger definition."""
    for only in ("ONLY ", ""):
        on = " ON %s%s " % (only, qualified)
        if on in definition:
            return definition.replace(on, " ON %s%s " % (only, q(table)), 1)
    raise ValueError("unexpected definition %r" % definition)


def comments(conn: Any, schema: str) -> list[str]:
    """COMMENT ON statements for the schema's tables, columns, views, sequences, indexes,
    constraints, triggers, routines and types (not an extension's)."""
    statements = []
    with conn.cursor() as cur:
        nsp = _schema_oid(cur, schema)
        cur.execute(
            "SELECT c.relkind, c.relname, a.attname, d.description FROM pg_description d "
            "JOIN pg_class c ON d.classoid = 'pg_class'::regclass AND d.objoid = c.oid "
            "LEFT JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum = d.objsubid AND d.objsubid > 0 "
            "WHERE c.relnamespace = %s AND c.relkind IN ('r', 'p', 'v', 'm', 'S', 'i') AND "
            + _not_member("pg_class", "c") + " ORDER BY c.relname, d.objsubid", (nsp,))
        kinds = {"v": "VIEW", "m": "MATERIALIZED VIEW", "S": "SEQUENCE", "i": "INDEX"}
        for relkind, rel, column, text in cur.fetchall():
            if column is not None:
                statements.append("COMMENT ON COLUMN %s.%s IS %s" % (q(rel), q(column), _literal(text)))
            else:
                statements.append("COMMENT ON %s %s IS %s" % (kinds.get(relkind, "TABLE"), q(rel), _literal(text)))
        cur.execute(
            "SELECT CASE p.prokind WHEN 'p' THEN 'PROCEDURE' ELSE 'FUNCTION' END, p.proname::text, "
            "pg_catalog.pg_get_function_identity_arguments(p.oid), d.description FROM pg_description d "
            "JOIN pg_proc p ON d.classoid = 'pg_proc'::regclass AND d.objoid = p.oid "
            "WHERE p.pronamespace = %s AND p.prokind IN ('f', 'p') AND " + _not_member("pg_proc", "p")
            + " ORDER BY p.oid", (nsp,))
        statements.extend("COMMENT ON %s %s(%s) IS %s" % (kind, q(name), args, _literal(text))
                          for kind, name, args, text in cur.fetchall())
        cur.execute(
            "SELECT CASE t.typtype WHEN 'd' THEN 'DOMAIN' ELSE 'TYPE' END, t.typname, d.description "
            "FROM pg_description d JOIN pg_type t ON d.classoid = 'pg_type'::regclass AND d.objoid = t.oid "
            "WHERE t.typnamespace = %s AND " + _not_member("pg_type", "t") + " ORDER BY t.oid", (nsp,))
        statements.extend("COMMENT ON %s %s IS %s" % (kind, q(name), _literal(text))
                          for kind, name, text in cur.fetchall())
        cur.execute(
            "SELECT co.conname, c.relname, t.typname, d.description FROM pg_description d "
            "JOIN pg_constraint co ON d.classoid = 'pg_constraint'::regclass AND d.objoid = co.oid "
            "LEFT JOIN pg_class c ON c.oid = co.conrelid LEFT JOIN pg_type t ON t.oid = co.contypid "
            "WHERE co.connamespace = %s ORDER BY co.conname", (nsp,))
        for con, rel, domain, text in cur.fetchall():
            on = "%s" % q(rel) if rel is not None else "DOMAIN %s" % q(domain)
            statements.append("COMMENT ON CONSTRAINT %s ON %s IS %s" % (q(con), on, _literal(text)))
        cur.execute(
            "SELECT tg.tgname, c.relname, d.description FROM pg_description d "
            "JOIN pg_trigger tg ON d.classoid = 'pg_trigger'::regclass AND d.objoid = tg.oid "
            "JOIN pg_class c ON c.oid = tg.tgrelid WHERE c.relnamespace = %s ORDER BY c.relname, tg.tgname", (nsp,))
        statements.extend("COMMENT ON TRIGGER %s ON %s IS %s" % (q(tg), q(rel), _literal(text))
                          for tg, rel, text in cur.fetchall())
    return statements


class SchemaObjects:
    """Everything of the schema besides tables, sequences, constraints and indexes, read
    once (in the dump's snapshot) to write the dump and describe it in the manifest."""

    def __init__(self, conn: Any, schema: str) -> None:
        self.extensions = extensions(conn, schema)
        self.pre_data = types_and_routines(conn, schema)
        self.views = views(conn, schema)
        self.triggers = triggers(conn, schema)
        self.comments = comments(conn, schema)

    def summary(self) -> dict[str, Any]:
        """What the manifest lists (names; the dump holds the definitions)."""
        def names(items: list[dict[str, Any]], *kinds: str) -> list[str]:
            return [item["name"] for item in items if item["kind"] in kinds]
        return {
            "extensions": [{key: ext[key] for key in ("name", "schema", "version", "in_dumped_schema")}
                           for ext in self.extensions],
            "types": names(self.pre_data, "enum", "composite type"),
            "domains": names(self.pre_data, "domain"),
            "functions": names(self.pre_data, "function"),
            "procedures": names(self.pre_data, "procedure"),
            "views": names(self.views, "view"),
            "materialized_views": names(self.views, "materialized view"),
            "triggers": names(self.triggers, "trigger"),
            "comments": len(self.comments),
        }


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
                progress: Any = None, objects: Optional[SchemaObjects] = None,
                copy_tables: Optional[Callable[..., dict[str, dict[str, Any]]]] = None) -> dict[str, dict[str, Any]]:
    """Write the whole schema and its data; return {table: {rows, checksum}}.

    ``objects`` are the schema's other objects when already read (in this snapshot).
    ``progress`` (optional) hears ``table_started(name)``, ``rows(count)`` and
    ``table_done(name, rows)`` while the data is copied."""
    rows: dict[str, dict[str, Any]] = {}
    if objects is None:
        objects = SchemaObjects(conn, schema)
    sequences = free_sequences(conn, schema)
    with conn.cursor() as cur:
        for ext in objects.extensions:
            for statement in extension_statements(ext):
                write(statement + ";\n")
        for obj in objects.pre_data:
            write(obj["sql"] + ";\n")
        for seq in sequences:
            write("CREATE SEQUENCE %s AS %s INCREMENT BY %d MINVALUE %d MAXVALUE %d START WITH %d CACHE %d%s;\n" % (
                q(seq["name"]), seq["type"], seq["increment"], seq["min"], seq["max"], seq["start"],
                seq["cache"], " CYCLE" if seq["cycle"] else ""))
        if progress is not None:
            progress.phase("reading the table definitions")
        table_columns = {table: columns(conn, schema, table) for table in tables}
        for table in tables:
            write("CREATE TABLE %s (%s);\n" % (q(table), ", ".join(column_sql(c) for c in table_columns[table])))
        if progress is not None:
            progress.phase("dumping")
        if copy_tables is not None:  # parallel jobs: each table's COPY block comes whole from a job
            rows.update(copy_tables(tables, {t: stored_column_list(table_columns[t]) for t in tables}))
        for table in tables if copy_tables is None else ():
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
        for view in objects.views:
            write(view["sql"] + ";\n")
        for view in objects.views:
            if view["kind"] == "materialized view":
                for statement in _constraints_and_indexes(cur, schema, view["name"], foreign=False):
                    write(statement + ";\n")
        for trigger in objects.triggers:
            for statement in trigger["statements"]:
                write(statement + ";\n")
        for statement in objects.comments:
            write(statement + ";\n")
        for view in objects.views:
            if view["populated"]:
                write("REFRESH MATERIALIZED VIEW %s;\n" % q(view["name"]))
    return rows


def _copy_out(cur: Any, schema: str, table: str, cols: list[dict[str, Any]],
              write: Callable[[Any], Any], on_rows: Optional[Callable[[int], None]] = None) -> dict[str, Any]:
    """COPY one table out; the rows are hashed on their way to the file, so the table
    is read once for data and checksum."""
    return copy_out_columns(cur, schema, table, stored_column_list(cols), write, on_rows)


def copy_out_columns(cur: Any, schema: str, table: str, column_list: str, write: Callable[[Any], Any],
                     on_rows: Optional[Callable[[int], None]] = None) -> dict[str, Any]:
    """:func:`_copy_out` with the column list already built (a parallel job gets it as text)."""
    write("COPY %s (%s) FROM stdin;\n" % (q(table), column_list))
    hasher = RowHasher(write, on_rows)
    copy_to(cur, "COPY %s.%s (%s) TO STDOUT" % (q(schema), q(table), column_list), hasher)
    write("\\.\n")
    return hasher.result()


class _BlockSink(io.RawIOBase):
    """The raw side of a BufferedWriter: receives the COPY rows a megabyte at a time."""

    def __init__(self, hasher: "RowHasher") -> None:
        super().__init__()
        self._hasher = hasher

    def writable(self) -> bool:
        return True

    def write(self, data: Any) -> int:
        return self._hasher.write(bytes(data))


def copy_to(cur: Any, sql: str, hasher: "RowHasher") -> None:
    """``COPY ... TO STDOUT`` into ``hasher``. psycopg2 hands over one row per write() call;
    a BufferedWriter (C) gathers them, so that the hasher (Python) sees megabyte blocks and
    hashes their lines in one pass instead of being called once per row."""
    sink = io.BufferedWriter(_BlockSink(hasher), buffer_size=1024 * 1024)
    cur.copy_expert(sql, sink, size=1024 * 1024)
    sink.flush()


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
        if self._pending:
            text = self._pending + data
        else:
            text = data
        if text.endswith(b"\n") and text.find(b"\n") == len(text) - 1:
            # The usual case: one whole row (PostgreSQL sends one row per CopyData message).
            self._pending = b""
            self.checksum += int.from_bytes(_md5(text[:-1]).digest()[:8], "big") >> 4
            self.rows += 1
            counted = 1
        else:
            lines = text.split(b"\n")
            self._pending = lines.pop()  # b"" after a complete line
            from_bytes = int.from_bytes
            self.checksum += sum([from_bytes(_md5(line).digest()[:8], "big") >> 4 for line in lines])  # row_hash
            self.rows += len(lines)
            counted = len(lines)
        if self._forward is not None:
            self._forward(data)
        if self._on_rows is not None and counted:
            self._on_rows(self.rows)
        return len(data)

    def result(self) -> dict[str, Any]:
        return {"rows": self.rows, "checksum": "%d" % self.checksum}


def row_hash(line: bytes) -> int:
    """The first 60 bits of the MD5 of a row's COPY text line (stored columns only:
    generated columns follow from them and from the DDL, which the dump carries): the first
    15 hex digits, i.e. the first 8 bytes of the digest shifted right by 4."""
    return int.from_bytes(_md5(line).digest()[:8], "big") >> 4


_md5 = hashlib.md5  # a checksum, not security


def _constraints_and_indexes(cur: Any, schema: str, table: str, foreign: bool) -> list[str]:
    oid = _table_oid(cur, schema, table)
    if foreign:
        cur.execute("SELECT conname, pg_catalog.pg_get_constraintdef(oid) FROM pg_constraint "
                    "WHERE conrelid = %s AND contype = 'f' ORDER BY conname", (oid,))
        return ["ALTER TABLE ONLY %s ADD CONSTRAINT %s %s" % (q(table), q(name), definition)
                for name, definition in cur.fetchall()]
    cur.execute("SELECT conname, pg_catalog.pg_get_constraintdef(oid) FROM pg_constraint "
                "WHERE conrelid = %s AND contype IN ('p', 'u', 'c', 'x') "
                "ORDER BY CASE contype WHEN 'p' THEN 0 ELSE 1 END, conname", (oid,))
    statements = ["ALTER TABLE ONLY %s ADD CONSTRAINT %s %s" % (q(table), q(name), definition)
                  for name, definition in cur.fetchall()]
    cur.execute("SELECT ic.relname, pg_catalog.pg_get_indexdef(i.indexrelid), "
                "quote_ident(n.nspname) || '.' || quote_ident(tc.relname) FROM pg_index i "
                "JOIN pg_class ic ON ic.oid = i.indexrelid JOIN pg_class tc ON tc.oid = i.indrelid "
                "JOIN pg_namespace n ON n.oid = tc.relnamespace WHERE i.indrelid = %s AND NOT EXISTS ("
                " SELECT 1 FROM pg_constraint c WHERE c.conindid = i.indexrelid AND c.contype IN ('p', 'u', 'x')) "
                "ORDER BY ic.relname", (oid,))
    statements.extend(unqualified_on(definition, qualified, table) for _name, definition, qualified in cur.fetchall())
    return statements


def unqualified_index(definition: str, qualified: str, table: str) -> str:
    """pg_get_indexdef always names the table with its schema (``ON public.t``); drop the
    schema so that the dump restores into any schema."""
    return unqualified_on(definition, qualified, table)


def table_checksums(conn: Any, schema: str, tables: Iterable[str]) -> dict[str, dict[str, Any]]:
    """Row count and checksum (the sum of :func:`row_hash` over the rows) of each table,
    read with COPY exactly as the dump reads them."""
    result = {}
    with conn.cursor() as cur:
        for table in tables:
            hasher = RowHasher()
            copy_to(cur, "COPY %s.%s (%s) TO STDOUT" % (
                q(schema), q(table), stored_column_list(columns(conn, schema, table))), hasher)
            result[table] = hasher.result()
    return result


def database_exists(conn: Any, name: str) -> bool:
    with conn.cursor() as cur:
        cur.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,))
        return cur.fetchone() is not None


def objects_in_schema(conn: Any, schema: str) -> list[tuple[str, str]]:
    """(kind, name) of tables, views, free sequences, routines and types in the schema
    (an extension's own objects aside): what a wipe drops, in an order that works.
    Routines are named with their argument types, as DROP ROUTINE wants them."""
    with conn.cursor() as cur:
        cur.execute("SELECT CASE c.relkind WHEN 'S' THEN 'SEQUENCE' WHEN 'v' THEN 'VIEW' "
                    "WHEN 'm' THEN 'MATERIALIZED VIEW' ELSE 'TABLE' END, quote_ident(c.relname) "
                    "FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
                    "WHERE n.nspname = %s AND c.relkind IN ('r', 'p', 'v', 'm', 'S') AND "
                    + _not_member("pg_class", "c") + " ORDER BY c.relname", (schema,))
        found = list(cur.fetchall())
        cur.execute("SELECT 'ROUTINE', quote_ident(p.proname) || '(' || "
                    "pg_catalog.pg_get_function_identity_arguments(p.oid) || ')' FROM pg_proc p "
                    "JOIN pg_namespace n ON n.oid = p.pronamespace WHERE n.nspname = %s AND p.prokind IN ('f', 'p') "
                    "AND " + _not_member("pg_proc", "p") + " ORDER BY p.oid", (schema,))
        found.extend(cur.fetchall())
        cur.execute("SELECT CASE t.typtype WHEN 'd' THEN 'DOMAIN' ELSE 'TYPE' END, quote_ident(t.typname) "
                    "FROM pg_type t JOIN pg_namespace n ON n.oid = t.typnamespace LEFT JOIN pg_class c ON c.oid = t.typrelid "
                    "WHERE n.nspname = %s AND (t.typtype IN ('e', 'd') OR (t.typtype = 'c' AND c.relkind = 'c')) AND "
                    + _not_member("pg_type", "t") + " ORDER BY t.oid", (schema,))
        found.extend(cur.fetchall())
        return found


def drop_objects(cur: Any, schema: str, objects: list[tuple[str, str]]) -> list[str]:
    executed = []
    for kind, name in objects:
        sql = "DROP %s IF EXISTS %s.%s CASCADE" % (kind, q(schema), name)
        cur.execute(sql)
        executed.append(sql)
    return executed


def change_owner(cur: Any, schema: str, owner: str) -> list[str]:
    executed = []
    cur.execute("SELECT CASE c.relkind WHEN 'S' THEN 'SEQUENCE' WHEN 'v' THEN 'VIEW' "
                "WHEN 'm' THEN 'MATERIALIZED VIEW' ELSE 'TABLE' END, quote_ident(c.relname) "
                "FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
                "WHERE n.nspname = %s AND c.relkind IN ('r', 'p', 'S', 'v', 'm') AND "
                + _not_member("pg_class", "c") + " ORDER BY c.relname", (schema,))
    found = list(cur.fetchall())
    cur.execute("SELECT 'ROUTINE', quote_ident(p.proname) || '(' || pg_catalog.pg_get_function_identity_arguments(p.oid) "
                "|| ')' FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace WHERE n.nspname = %s "
                "AND p.prokind IN ('f', 'p') AND " + _not_member("pg_proc", "p") + " ORDER BY p.oid", (schema,))
    found.extend(cur.fetchall())
    cur.execute("SELECT CASE t.typtype WHEN 'd' THEN 'DOMAIN' ELSE 'TYPE' END, quote_ident(t.typname) "
                "FROM pg_type t JOIN pg_namespace n ON n.oid = t.typnamespace LEFT JOIN pg_class c ON c.oid = t.typrelid "
                "WHERE n.nspname = %s AND (t.typtype IN ('e', 'd') OR (t.typtype = 'c' AND c.relkind = 'c')) AND "
                + _not_member("pg_type", "t") + " ORDER BY t.oid", (schema,))
    found.extend(cur.fetchall())
    for kind, name in found:
        sql = "ALTER %s %s.%s OWNER TO %s" % (kind, q(schema), name, q(owner))
        cur.execute(sql)
        executed.append(sql)
    return executed


def extension_problems(conn: Any, wanted: list[dict[str, Any]], database_exists: bool = True) -> list[str]:
    """Why the connected user could not create the backup's extensions that the
    connected database lacks (empty when it can): an extension must be available on
    the server, and ``CREATE EXTENSION`` needs superuser, or a trusted extension and
    the CREATE privilege on the database (the creator of a new database has it)."""
    problems = []
    with conn.cursor() as cur:
        cur.execute("SELECT current_user, rolsuper FROM pg_roles WHERE rolname = current_user")
        user, superuser = cur.fetchone()
        cur.execute("SELECT has_database_privilege(current_database(), 'CREATE')")
        may_create = bool(cur.fetchone()[0]) or not database_exists
        for ext in wanted:
            name = ext["name"]
            if database_exists:
                cur.execute("SELECT 1 FROM pg_extension WHERE extname = %s", (name,))
                if cur.fetchone() is not None:
                    continue
            cur.execute("SELECT default_version FROM pg_available_extensions WHERE name = %s", (name,))
            available = cur.fetchone()
            if available is None:
                problems.append("extension %s is not available on this server: install the package that provides "
                                "it (e.g. postgresql-contrib) on the database host" % name)
                continue
            if superuser:
                continue
            cur.execute("SELECT bool_or(trusted) FROM pg_available_extension_versions WHERE name = %s", (name,))
            trusted = bool(cur.fetchone()[0])
            if trusted and may_create:
                continue
            need = ("superuser, or the CREATE privilege on the database (%s is trusted)" % name if trusted
                    else "superuser (%s is not a trusted extension)" % name)
            problems.append("extension %s (schema %s): CREATE EXTENSION needs %s, which user %s lacks. Have a "
                            "superuser run CREATE EXTENSION %s in the target database first, or restore as a "
                            "superuser" % (name, ext.get("schema"), need, user, name))
    return problems
