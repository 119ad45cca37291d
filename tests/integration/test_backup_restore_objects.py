"""Every schema object comes back: the backup and restore modules on an OpenMetadata-shaped
database that also holds every other kind of object an operator (or a later release) may add,
through ansible-playbook, on the real MariaDB and PostgreSQL.

OpenMetadata 1.1.x itself creates, on PostgreSQL, the function ``to_tz_timestamp(text)``, the
``pgcrypto`` extension and a SERIAL sequence besides tables, indexes and constraints (the
fixture builds all of them); on MySQL only tables. The DDL below is our own.
"""
# pytest injects fixtures by parameter name, which pylint reads as shadowing.
# pylint: disable=redefined-outer-name
from __future__ import annotations

import gzip
import io
import json
import pathlib
import uuid
from typing import Any, Iterator

import pytest

from harness import Databases
from fixtures import om_database
from test_backup_restore import backup_task, restore_task, schema_of

from ansible_collections.openmetadata.ops.plugins.module_utils.database.dumpfile import iter_statements

PG_OBJECTS = [
    "CREATE TYPE entity_state AS ENUM ('draft', 'active', 'deprecated')",
    "CREATE DOMAIN positive_count AS bigint DEFAULT 1 NOT NULL CONSTRAINT positive_count_check CHECK (VALUE > 0)",
    "CREATE TYPE name_pair AS (first_name text, last_name text)",
    "CREATE SEQUENCE audit_seq START WITH 100 INCREMENT BY 5",
    "SELECT nextval('audit_seq')",
    "SELECT nextval('audit_seq')",
    "CREATE FUNCTION audit_origin() RETURNS text LANGUAGE sql IMMUTABLE AS 'SELECT ''seeded''::text'",
    # a table that needs a type, a domain, a free sequence and a function before it
    "CREATE TABLE audit_log (id bigint PRIMARY KEY DEFAULT nextval('audit_seq'), state entity_state NOT NULL, "
    "hits positive_count, who name_pair, note text, origin text DEFAULT audit_origin())",
    # plpgsql with a ';' in the body, a $tag$ quote and a string holding '$$' and a newline
    "CREATE FUNCTION audit_touch() RETURNS trigger LANGUAGE plpgsql AS $body$\n"
    "BEGIN\n"
    "  NEW.note := coalesce(NEW.note, 'touched; $$ not a quote' || E'\\n' || 'line two');\n"
    "  RETURN NEW;\n"
    "END;\n"
    "$body$",
    "CREATE TRIGGER audit_touch_before BEFORE INSERT ON audit_log FOR EACH ROW EXECUTE FUNCTION audit_touch()",
    "CREATE PROCEDURE audit_bump(amount bigint) LANGUAGE sql AS $$\n"
    "  UPDATE audit_log SET hits = hits + amount;\n"
    "$$",
    "CREATE VIEW active_audit AS SELECT id, hits, note FROM audit_log WHERE state = 'active'",
    "CREATE VIEW active_audit_total AS SELECT sum(hits) AS total FROM active_audit",
    "CREATE MATERIALIZED VIEW audit_by_state AS SELECT state, count(*) AS n FROM audit_log GROUP BY state",
    "CREATE UNIQUE INDEX audit_by_state_state ON audit_by_state (state)",
    "CREATE MATERIALIZED VIEW audit_unfilled AS SELECT id FROM audit_log WITH NO DATA",
    "COMMENT ON TABLE audit_log IS 'who did what; with a '' quote'",
    "COMMENT ON COLUMN audit_log.note IS 'free text'",
    "COMMENT ON FUNCTION to_tz_timestamp(text) IS 'OpenMetadata''s timestamp parser'",
    "COMMENT ON VIEW active_audit IS 'active rows only'",
    "COMMENT ON TYPE entity_state IS 'lifecycle'",
    "COMMENT ON DOMAIN positive_count IS 'counts'",
    "COMMENT ON TRIGGER audit_touch_before ON audit_log IS 'fills note'",
    "COMMENT ON CONSTRAINT audit_log_pkey ON audit_log IS 'the key'",
    "COMMENT ON MATERIALIZED VIEW audit_by_state IS 'per state'",
    "INSERT INTO audit_log (state, hits, who) VALUES ('active', 2, ROW('Ada', 'L')), ('draft', 3, NULL), "
    "('active', 4, ROW('Bo', 'K'))",
    "REFRESH MATERIALIZED VIEW audit_by_state",
]

MARIADB_OBJECTS = [
    "CREATE TABLE audit_log (id int PRIMARY KEY AUTO_INCREMENT, hits int NOT NULL DEFAULT 0, note text)",
    "CREATE FUNCTION doubled(x int) RETURNS int DETERMINISTIC RETURN x * 2",
    # a body with ';' inside, a string holding ';;' and a newline
    "CREATE PROCEDURE audit_bump(IN amount int)\n"
    "BEGIN\n"
    "  UPDATE audit_log SET hits = hits + amount;\n"
    "  UPDATE audit_log SET note = CONCAT(COALESCE(note, ''), 'bumped;; twice\\n');\n"
    "END",
    "CREATE TRIGGER audit_touch BEFORE INSERT ON audit_log FOR EACH ROW\n"
    "BEGIN\n"
    "  SET NEW.hits = doubled(NEW.hits);\n"
    "  SET NEW.note = COALESCE(NEW.note, 'touched');\n"
    "END",
    "CREATE VIEW audit_total AS SELECT SUM(hits) AS total FROM audit_view_base",
    "CREATE VIEW audit_view_base AS SELECT id, hits FROM audit_log WHERE hits > 0",
    "CREATE EVENT audit_cleanup ON SCHEDULE EVERY 1 DAY STARTS '2035-01-01 00:00:00' DISABLE "
    "DO DELETE FROM audit_log WHERE hits < 0",
    "INSERT INTO audit_log (hits) VALUES (1), (2), (5)",
]


def add_every_kind_of_object(dbs: Databases, name: str) -> None:
    conn = dbs.connect(name)
    try:
        with conn.cursor() as cur:
            if dbs.engine == "mysql":
                # audit_total reads audit_view_base, created after it: the dump must order them.
                cur.execute("CREATE VIEW audit_view_base AS SELECT 1 AS id, 1 AS hits")
                for sql in MARIADB_OBJECTS:
                    if sql.startswith("CREATE VIEW audit_view_base"):
                        sql = sql.replace("CREATE VIEW", "CREATE OR REPLACE VIEW", 1)
                    cur.execute(sql)
            else:
                for sql in PG_OBJECTS:
                    cur.execute(sql)
    finally:
        conn.close()


def catalog_of(dbs: Databases, name: str, schema: str = "public") -> dict[str, Any]:
    """Every object's definition as the server prints it (the tables' columns, keys and
    indexes come from ``schema_of``)."""
    conn = dbs.connect(name)
    out: dict[str, Any] = {}
    try:
        with conn.cursor() as cur:
            if dbs.engine == "mysql":
                for kind, query in (
                        ("VIEW", "SELECT TABLE_NAME FROM information_schema.VIEWS WHERE TABLE_SCHEMA = DATABASE()"),
                        ("PROCEDURE", "SELECT ROUTINE_NAME FROM information_schema.ROUTINES "
                                      "WHERE ROUTINE_SCHEMA = DATABASE() AND ROUTINE_TYPE = 'PROCEDURE'"),
                        ("FUNCTION", "SELECT ROUTINE_NAME FROM information_schema.ROUTINES "
                                     "WHERE ROUTINE_SCHEMA = DATABASE() AND ROUTINE_TYPE = 'FUNCTION'"),
                        ("TRIGGER", "SELECT TRIGGER_NAME FROM information_schema.TRIGGERS "
                                    "WHERE TRIGGER_SCHEMA = DATABASE()"),
                        ("EVENT", "SELECT EVENT_NAME FROM information_schema.EVENTS WHERE EVENT_SCHEMA = DATABASE()")):
                    cur.execute(query)
                    for (obj,) in sorted(cur.fetchall()):
                        cur.execute("SHOW CREATE %s `%s`" % (kind, obj))
                        row = cur.fetchone()
                        # sql_mode and definition (events: and time zone; views: definition only);
                        # not the timestamps
                        if kind == "VIEW":
                            out["%s %s" % (kind, obj)] = [row[1]]
                        else:
                            out["%s %s" % (kind, obj)] = list(row[1:4] if kind == "EVENT" else row[1:3])
                cur.execute("SELECT ROUTINE_NAME, SQL_MODE, IS_DETERMINISTIC, SECURITY_TYPE, DEFINER "
                            "FROM information_schema.ROUTINES WHERE ROUTINE_SCHEMA = DATABASE() ORDER BY 1")
                out["routine attributes"] = cur.fetchall()
                cur.execute("SELECT TRIGGER_NAME, ACTION_ORDER, DEFINER FROM information_schema.TRIGGERS "
                            "WHERE TRIGGER_SCHEMA = DATABASE() ORDER BY 1")
                out["trigger attributes"] = cur.fetchall()
                return out
            cur.execute("SELECT set_config('search_path', %s, false)", (schema,))
            queries = {
                "extensions": "SELECT e.extname, n.nspname FROM pg_extension e "
                              "JOIN pg_namespace n ON n.oid = e.extnamespace ORDER BY 1",
                "functions": "SELECT p.proname, pg_get_function_identity_arguments(p.oid), "
                             "regexp_replace(pg_get_functiondef(p.oid), '^CREATE OR REPLACE (\\w+) [^.(]+\\.', "
                             "'CREATE OR REPLACE \\1 ') FROM pg_proc p WHERE p.pronamespace = %(nsp)s::regnamespace "
                             "AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.objid = p.oid AND d.deptype = 'e') "
                             "ORDER BY 1, 2",
                "types": "SELECT t.typname, t.typtype, format_type(t.typbasetype, t.typtypmod), t.typnotnull, "
                         "t.typdefault, (SELECT array_agg(enumlabel ORDER BY enumsortorder) FROM pg_enum "
                         "WHERE enumtypid = t.oid), (SELECT array_agg(pg_get_constraintdef(c.oid) ORDER BY conname) "
                         "FROM pg_constraint c WHERE c.contypid = t.oid) FROM pg_type t "
                         "LEFT JOIN pg_class r ON r.oid = t.typrelid WHERE t.typnamespace = %(nsp)s::regnamespace "
                         "AND t.typtype IN ('e', 'd', 'c') AND (t.typtype <> 'c' OR r.relkind = 'c') "
                         "AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.objid = t.oid AND d.deptype = 'e') "
                         "ORDER BY 1",
                "composite fields": "SELECT t.typname, a.attname, format_type(a.atttypid, a.atttypmod) FROM pg_type t "
                                    "JOIN pg_class r ON r.oid = t.typrelid AND r.relkind = 'c' "
                                    "JOIN pg_attribute a ON a.attrelid = r.oid AND a.attnum > 0 "
                                    "WHERE t.typnamespace = %(nsp)s::regnamespace ORDER BY 1, a.attnum",
                "views": "SELECT c.relname, c.relkind, c.relispopulated, pg_get_viewdef(c.oid) FROM pg_class c "
                         "WHERE c.relnamespace = %(nsp)s::regnamespace AND c.relkind IN ('v', 'm') ORDER BY 1",
                "view indexes": "SELECT indexname, indexdef FROM pg_indexes i JOIN pg_class c ON c.relname = i.tablename "
                                "AND c.relnamespace = %(nsp)s::regnamespace AND c.relkind = 'm' "
                                "WHERE i.schemaname = %(schema)s ORDER BY 1",
                "triggers": "SELECT t.tgname, t.tgenabled, pg_get_triggerdef(t.oid) FROM pg_trigger t "
                            "JOIN pg_class c ON c.oid = t.tgrelid WHERE c.relnamespace = %(nsp)s::regnamespace "
                            "AND NOT t.tgisinternal ORDER BY 1",
                "sequences": "SELECT sequencename, data_type, start_value, increment_by, last_value "
                             "FROM pg_sequences WHERE schemaname = %(schema)s ORDER BY 1",
                "comments": "SELECT d.classoid::regclass::text, "
                            "coalesce((SELECT relname FROM pg_class WHERE oid = d.objoid AND d.classoid = 'pg_class'::regclass), "
                            " (SELECT proname FROM pg_proc WHERE oid = d.objoid AND d.classoid = 'pg_proc'::regclass), "
                            " (SELECT typname FROM pg_type WHERE oid = d.objoid AND d.classoid = 'pg_type'::regclass), "
                            " (SELECT conname FROM pg_constraint WHERE oid = d.objoid "
                            "  AND d.classoid = 'pg_constraint'::regclass), "
                            " (SELECT tgname FROM pg_trigger WHERE oid = d.objoid AND d.classoid = 'pg_trigger'::regclass)), "
                            "d.objsubid, d.description FROM pg_description d "
                            "WHERE NOT EXISTS (SELECT 1 FROM pg_depend x WHERE x.objid = d.objoid AND x.deptype = 'e') "
                            "AND d.classoid IN ('pg_class'::regclass, 'pg_proc'::regclass, 'pg_type'::regclass, "
                            "'pg_constraint'::regclass, 'pg_trigger'::regclass) "
                            "AND (d.classoid <> 'pg_class'::regclass OR d.objoid IN "
                            " (SELECT oid FROM pg_class WHERE relnamespace = %(nsp)s::regnamespace)) "
                            "AND (d.classoid <> 'pg_proc'::regclass OR d.objoid IN "
                            " (SELECT oid FROM pg_proc WHERE pronamespace = %(nsp)s::regnamespace)) "
                            "ORDER BY 1, 2, 3",
                "matview rows": "SELECT state::text, n FROM audit_by_state ORDER BY 1",
            }
            cur.execute("SELECT sequencename FROM pg_sequences WHERE schemaname = %s ORDER BY 1", (schema,))
            out["sequence state"] = []
            for (seq,) in cur.fetchall():
                cur.execute('SELECT last_value, is_called FROM "%s"' % seq)
                out["sequence state"].append((seq,) + tuple(cur.fetchone()))
            for key, query in queries.items():
                if key == "matview rows":
                    cur.execute("SELECT to_regclass('audit_by_state') IS NOT NULL")
                    if not cur.fetchone()[0]:
                        continue
                cur.execute(query, {"nsp": schema, "schema": schema})
                out[key] = cur.fetchall()
    finally:
        conn.close()
    return out


@pytest.fixture
def source(dbs) -> Iterator[str]:
    name = dbs.build()
    add_every_kind_of_object(dbs, name)
    yield name


def test_the_openmetadata_fixture_holds_upstreams_objects(dbs):
    """The plain fixture is shaped like upstream's 1.1.x schema: on PostgreSQL a multi-line
    SQL function, pgcrypto and a SERIAL sequence past its row; on MySQL tables only."""
    plain = dbs.build()
    catalog = catalog_of(dbs, plain)
    if dbs.engine == "postgresql":
        assert ("pgcrypto", "public") in catalog["extensions"]
        assert [f[:2] for f in catalog["functions"]] == [("to_tz_timestamp", "text")]
        assert "\n" in catalog["functions"][0][2] and ";\n" in catalog["functions"][0][2]
        assert ("task_sequence_id_seq", 2, False) in catalog["sequence state"]
        assert catalog["views"] == catalog["triggers"] == catalog["types"] == []
    else:
        assert [key for key, value in catalog.items() if value] == []


@pytest.mark.parametrize("method", ["native", "client"])
def test_every_schema_object_comes_back_identically(dbs, playbook, tmp_path, source, method):
    target = dbs.new_name()
    run = playbook([
        backup_task(dict(dbs.module_args(source), dest=str(tmp_path / "b"), method=method)),
        restore_task(dict(dbs.module_args(target), backup="{{ out.path }}")),
    ])
    assert run.rc == 0, run.output[-3000:]
    manifest = json.loads(pathlib.Path(run.result("backup")["manifest_path"]).read_text())
    assert manifest["not_included"] == []
    if dbs.engine == "postgresql":
        assert manifest["objects"]["extensions"][0]["name"] == "pgcrypto"
        assert manifest["objects"]["functions"] == ["to_tz_timestamp(text)", "audit_origin()", "audit_touch()"]
        assert manifest["objects"]["materialized_views"] == ["audit_by_state", "audit_unfilled"]
    else:
        assert [v["name"] for v in manifest["objects"]["views"]] == ["audit_view_base", "audit_total"]
        assert [e["name"] for e in manifest["objects"]["events"]] == ["audit_cleanup"]
    assert dbs.snapshot(target) == dbs.snapshot(source)
    assert schema_of(dbs, target) == schema_of(dbs, source)
    assert catalog_of(dbs, target) == catalog_of(dbs, source)
    _objects_work(dbs, target)


def _objects_work(dbs: Databases, name: str) -> None:
    """The restored trigger fires, the routine runs, the views read the restored rows."""
    conn = dbs.connect(name)
    try:
        with conn.cursor() as cur:
            if dbs.engine == "mysql":
                cur.execute("INSERT INTO audit_log (hits) VALUES (10)")
                cur.execute("SELECT hits, note FROM audit_log ORDER BY id DESC LIMIT 1")
                assert cur.fetchone() == (20, "touched")
                cur.execute("CALL audit_bump(1)")
                cur.execute("SELECT total FROM audit_total")
                assert int(cur.fetchone()[0]) == (2 + 4 + 10 + 20) + 4
            else:
                cur.execute("INSERT INTO audit_log (state, hits) VALUES ('active', 7) RETURNING id, note")
                new_id, note = cur.fetchone()
                assert new_id == 125 and note.startswith("touched; $$ not a quote\nline two")
                cur.execute("CALL audit_bump(1)")
                cur.execute("SELECT total FROM active_audit_total")
                assert cur.fetchone()[0] == (2 + 4 + 7) + 3
                cur.execute("SELECT encode(digest('x', 'sha256'), 'hex')")  # pgcrypto is there
                assert cur.fetchone()[0].startswith("2d711642")
    finally:
        conn.close()


def test_wipe_restore_replaces_the_objects_of_a_non_empty_target(dbs, playbook, tmp_path, source):
    """MySQL restores a non-empty target through a scratch database and RENAME TABLE, which
    cannot move views, routines, triggers or events: they must arrive all the same."""
    target = dbs.build()  # a non-empty OpenMetadata database without the extra objects
    conn = dbs.connect(target)
    with conn.cursor() as cur:
        if dbs.engine == "mysql":
            cur.execute("CREATE VIEW stale_view AS SELECT 1 AS one")
            cur.execute("CREATE PROCEDURE stale_proc() SELECT 1")
        else:
            cur.execute("CREATE VIEW stale_view AS SELECT 1 AS one")
            cur.execute("CREATE FUNCTION stale_fn() RETURNS int LANGUAGE sql AS 'SELECT 1'")
    conn.close()
    run = playbook([
        backup_task(dict(dbs.module_args(source), dest=str(tmp_path / "b"))),
        restore_task(dict(dbs.module_args(target), backup="{{ out.path }}", wipe=True)),
    ])
    assert run.rc == 0, run.output[-3000:]
    assert dbs.snapshot(target) == dbs.snapshot(source)
    assert catalog_of(dbs, target) == catalog_of(dbs, source)
    _objects_work(dbs, target)


def test_client_restore_of_a_pg_dump_holding_functions(playbook, tmp_path):
    """pg_dump writes the function bodies over several lines with ';' inside $$ quotes:
    method=client backup and restore round-trips them (the reader once split them)."""
    dbs = Databases("postgresql")
    try:
        source = dbs.build()
        add_every_kind_of_object(dbs, source)
        target = dbs.new_name()
        run = playbook([
            backup_task(dict(dbs.module_args(source), dest=str(tmp_path / "b"), method="client")),
            restore_task(dict(dbs.module_args(target), backup="{{ out.path }}")),
        ])
        assert run.rc == 0, run.output[-3000:]
        dump = gzip.decompress(pathlib.Path(run.result("backup")["path"]).read_bytes())
        assert b"CREATE FUNCTION public.audit_touch()" in dump
        split = [s.sql for s in iter_statements(io.BufferedReader(io.BytesIO(dump)), "postgresql")]
        bodies = [sql for sql in split if sql.startswith("CREATE FUNCTION public.audit_touch()")]
        assert len(bodies) == 1 and "RETURN NEW;\nEND;" in bodies[0]
        assert catalog_of(dbs, target) == catalog_of(dbs, source)
    finally:
        dbs.drop_all()


@pytest.fixture
def pg_role() -> Iterator[str]:
    role = "omr_%s" % uuid.uuid4().hex[:8]
    conn = om_database.connect("postgresql", None)
    with conn.cursor() as cur:
        cur.execute('CREATE ROLE "%s" LOGIN' % role)
    conn.close()
    yield role
    conn = om_database.connect("postgresql", None)
    with conn.cursor() as cur:
        cur.execute('DROP ROLE IF EXISTS "%s"' % role)
    conn.close()


def _empty_pg_database(dbs: Databases, owner: str = "postgres") -> str:
    name = dbs.new_name()
    conn = om_database.connect("postgresql", None)
    with conn.cursor() as cur:
        cur.execute('CREATE DATABASE "%s" OWNER "%s"' % (name, owner))
    conn.close()
    return name


def test_restore_without_the_privilege_an_extension_needs_is_refused_before_any_change(playbook, tmp_path, pg_role):
    dbs = Databases("postgresql")
    try:
        source = dbs.build()
        target = _empty_pg_database(dbs)  # owned by postgres: the role may not CREATE in it
        run = playbook([
            backup_task(dict(dbs.module_args(source), dest=str(tmp_path / "b"))),
            restore_task(dict(dbs.module_args(target, login_user=pg_role), backup="{{ out.path }}"),
                         ignore_errors=True),
        ])
        restored = run.result("restore")
        assert restored.get("failed") is True
        assert "extension pgcrypto" in restored["msg"]
        assert "CREATE privilege on the database" in restored["msg"] and pg_role in restored["msg"]
        assert "nothing was changed" in restored["msg"]
        conn = dbs.connect(target)
        with conn.cursor() as cur:
            cur.execute("SELECT count(*) FROM pg_class WHERE relnamespace = 'public'::regnamespace")
            assert cur.fetchone()[0] == 0
            cur.execute("SELECT count(*) FROM pg_extension WHERE extname = 'pgcrypto'")
            assert cur.fetchone()[0] == 0
        conn.close()
    finally:
        dbs.drop_all()


def test_a_database_owner_may_restore_the_trusted_pgcrypto(playbook, tmp_path, pg_role):
    """pgcrypto is a trusted extension (PostgreSQL 13+): the owner of the target database
    needs no superuser to restore it."""
    dbs = Databases("postgresql")
    try:
        source = dbs.build()
        target = _empty_pg_database(dbs, owner=pg_role)
        run = playbook([
            backup_task(dict(dbs.module_args(source), dest=str(tmp_path / "b"))),
            restore_task(dict(dbs.module_args(target, login_user=pg_role), backup="{{ out.path }}")),
        ])
        assert run.rc == 0, run.output[-3000:]
        assert catalog_of(dbs, target)["extensions"] == catalog_of(dbs, source)["extensions"]
    finally:
        dbs.drop_all()


@pytest.fixture
def mariadb_user_without_super() -> Iterator[str]:
    user = "omr_%s" % uuid.uuid4().hex[:8]
    conn = om_database.connect("mariadb", None)
    with conn.cursor() as cur:
        cur.execute("CREATE USER %s@'127.0.0.1'", (user,))
        cur.execute("CREATE USER %s@'localhost'", (user,))
    conn.close()
    yield user
    conn = om_database.connect("mariadb", None)
    with conn.cursor() as cur:
        cur.execute("DROP USER IF EXISTS %s@'127.0.0.1'", (user,))
        cur.execute("DROP USER IF EXISTS %s@'localhost'", (user,))
    conn.close()


def test_restore_of_objects_with_another_definer_is_refused_before_any_change(playbook, tmp_path,
                                                                              mariadb_user_without_super):
    dbs = Databases("mysql")
    user = mariadb_user_without_super
    try:
        source = dbs.build()
        add_every_kind_of_object(dbs, source)
        target = dbs.new_name()
        conn = om_database.connect("mariadb", None)
        with conn.cursor() as cur:
            for host in ("127.0.0.1", "localhost"):
                cur.execute("GRANT ALL PRIVILEGES ON `%s`.* TO %%s@%%s" % target, (user, host))
        conn.close()
        run = playbook([
            backup_task(dict(dbs.module_args(source), dest=str(tmp_path / "b"))),
            restore_task(dict(dbs.module_args(target, login_user=user), backup="{{ out.path }}"),
                         ignore_errors=True),
        ])
        restored = run.result("restore")
        assert restored.get("failed") is True
        assert "trigger audit_touch has DEFINER root@" in restored["msg"]
        assert "SET USER" in restored["msg"] and "nothing was changed" in restored["msg"]
        assert not dbs.exists(target)
    finally:
        dbs.drop_all()
