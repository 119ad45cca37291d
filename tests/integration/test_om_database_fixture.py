"""The OpenMetadata 1.1 test database builder (tests/fixtures/om_database.py) on real servers.

Needs MariaDB at 127.0.0.1:3306 (root) and PostgreSQL at 127.0.0.1:5432 (postgres); run
``bash scripts/services.sh`` when they are not up. Each engine's tiny database is built once per
module and dropped afterwards.
"""
# pytest injects fixtures by parameter name, which pylint reads as shadowing.
# pylint: disable=redefined-outer-name
from __future__ import annotations

import collections
import datetime
import json
import os
import subprocess
import sys
import uuid
from typing import Any, Iterator

import pytest

from fixtures import om_database

FIXTURE = os.path.join(os.path.dirname(om_database.__file__), "om_database.py")
NO_PRIMARY_KEY = ("change_event", "tag_usage", "entity_extension_time_series", "tag",
                  "entity_usage", "report_data_time_series")
EMPTY_TABLES = ("metric_entity", "report_entity", "storage_service_entity",
                "storage_container_entity", "automations_workflow")


def _unique_name(engine: str) -> str:
    return f"omfx_{engine[:2]}_{uuid.uuid4().hex[:10]}"


def _server_up(engine: str) -> bool:
    try:
        om_database.connect(engine, None).close()
    except Exception:  # pylint: disable=broad-exception-caught  # any driver error: no server
        return False
    return True


class Built:
    """One built database and an open connection to it."""

    def __init__(self, engine: str, name: str, counts: dict[str, int]) -> None:
        self.engine = engine
        self.name = name
        self.counts = counts
        self.conn = om_database.connect(engine, name)

    def query(self, sql: str, args: Any = None) -> list[tuple]:
        """Rows of ``sql``."""
        with self.conn.cursor() as cur:
            cur.execute(sql, args)
            return list(cur.fetchall())

    def table(self, name: str) -> str:
        """Quoted physical table name."""
        physical = om_database.physical_name(self.engine, name)
        return f"`{physical}`" if self.engine == "mariadb" else f'"{physical}"'

    def column(self, name: str) -> str:
        """Quoted physical column name (PostgreSQL folded upstream's unquoted names)."""
        return f"`{name}`" if self.engine == "mariadb" else f'"{name.lower()}"'


@pytest.fixture(scope="module", params=om_database.ENGINES)
def built(request) -> Iterator[Built]:
    """One tiny database per engine, dropped after the module."""
    engine = request.param
    if not _server_up(engine):
        pytest.fail(f"{engine} is not answering on 127.0.0.1; run make services", pytrace=False)
    name = _unique_name(engine)
    try:
        counts = om_database.build(engine, name)
        database = Built(engine, name, counts)
        yield database
        database.conn.close()
    finally:
        om_database.drop(engine, name)


def _json_value(engine: str, value: Any) -> Any:
    """A JSON column as Python data: MariaDB returns text, psycopg2 parses json/jsonb."""
    if engine == "mariadb" and isinstance(value, str):
        return json.loads(value)
    return value


def _walk(document: Any, path: str) -> Any:
    for part in path.split("."):
        if not isinstance(document, dict) or part not in document:
            return None
        document = document[part]
    return document


def _expected_generated(engine: str, column: om_database.Gen, document: dict) -> Any:
    value = _walk(document, column.path)
    if value is None:
        return None
    if column.kind in ("bigint", "int"):
        return int(value)
    if column.kind == "bool":
        return value if engine == "postgresql" else int(value)
    if column.kind == "date":
        return datetime.datetime.fromtimestamp(value // 1000, datetime.timezone.utc).date()
    if column.kind == "json":
        return value
    return value if isinstance(value, str) else json.dumps(value)


# -- schema ---------------------------------------------------------------------------------------


def test_every_table_of_the_schema_exists(built: Built) -> None:
    """The catalog holds exactly the 1.1 tables, including the ones the brief names."""
    expected = sorted(om_database.physical_name(built.engine, t.name) for t in om_database.TABLES)
    assert om_database.list_tables(built.engine, built.conn) == expected
    for required in ("table_entity", "database_entity", "database_schema_entity",
                     "dbservice_entity", "query_entity", "user_entity", "team_entity",
                     "glossary_entity", "glossary_term_entity", "tag", "classification",
                     "ingestion_pipeline_entity", "pipeline_entity", "dashboard_service_entity",
                     "pipeline_service_entity", "test_case", "event_subscription_entity",
                     "bot_entity", "role_entity", "policy_entity", "entity_relationship",
                     "entity_extension", "entity_extension_time_series", "field_relationship",
                     "tag_usage", "change_event", "report_data_time_series"):
        assert required in expected


def test_change_log_tables_have_upstream_names_and_rows(built: Built) -> None:
    """Flyway 001..014 and native 1.1.x rows, under upstream's table names."""
    tables = om_database.list_tables(built.engine, built.conn)
    assert "DATABASE_CHANGE_LOG" in tables  # Flyway quotes it on PostgreSQL too
    lower = built.engine == "postgresql"  # v013 created the other two unquoted
    assert ("server_change_log" if lower else "SERVER_CHANGE_LOG") in tables
    assert ("server_migration_sql_logs" if lower else "SERVER_MIGRATION_SQL_LOGS") in tables

    flyway = built.query("SELECT version, script, success FROM "
                         f"{built.table('DATABASE_CHANGE_LOG')} ORDER BY installed_rank")
    assert [row[0] for row in flyway] == [f"{n:03d}" for n in range(1, 15)]
    assert flyway[0][1] == "v001__create_db_connection_info.sql"
    assert all(bool(row[2]) for row in flyway)

    native = built.query(
        f"SELECT version, {built.column('migrationFileName')}, checksum "
        f"FROM {built.table('SERVER_CHANGE_LOG')} ORDER BY installed_rank")
    assert [row[0] for row in native] == list(om_database.OM_VERSIONS["1.1.7"][1])
    folder = "mysql" if built.engine == "mariadb" else "postgres"
    assert native[0][1] == f"/opt/openmetadata/bootstrap/sql/migrations/native/1.1.0/{folder}"
    assert all(len(str(uuid.UUID(row[2]))) == 36 for row in native)
    logged = built.query(f"SELECT COUNT(*) FROM {built.table('SERVER_MIGRATION_SQL_LOGS')}")
    assert logged[0][0] >= len(native)


def test_generated_columns_hold_the_values_from_json(built: Built) -> None:
    """Every generated column of every row equals the value at its JSON path."""
    checked = 0
    for spec in om_database.TABLES:
        generated = om_database.generated_columns(built.engine, spec.name)
        if not generated or built.counts[om_database.physical_name(built.engine, spec.name)] == 0:
            continue
        select = ", ".join(built.column(c.name) for c in generated)
        rows = built.query(f"SELECT json, {select} FROM {built.table(spec.name)}")
        for row in rows:
            document = _json_value(built.engine, row[0])
            for column, actual in zip(generated, row[1:]):
                expected = _expected_generated(built.engine, column, document)
                if column.kind == "json" and actual is not None:
                    actual = _json_value(built.engine, actual)
                assert actual == expected, (spec.name, column.name, actual, expected)
                checked += 1
    assert checked > 1000


def test_hash_columns_hash_the_fqn(built: Built) -> None:
    """nameHash/fqnHash are upstream's per-part MD5 of the FQN."""
    for table, column in (("table_entity", "fqnHash"), ("user_entity", "nameHash"),
                          ("query_entity", "nameHash"), ("glossary_term_entity", "fqnHash")):
        rows = built.query(f"SELECT json, {built.column(column)} FROM {built.table(table)}")
        assert rows
        for document, digest in rows:
            fqn = _json_value(built.engine, document)["fullyQualifiedName"]
            assert digest == om_database.fqn_hash(fqn)


def test_keys_follow_upstream(built: Built) -> None:
    """Primary and unique keys as upstream has them (translated on MariaDB)."""
    if built.engine == "mariadb":
        keys = built.query(
            "SELECT table_name, constraint_name, constraint_type "
            "FROM information_schema.table_constraints WHERE table_schema = DATABASE()")
    else:
        keys = built.query(
            "SELECT tc.table_name, tc.constraint_name, tc.constraint_type "
            "FROM information_schema.table_constraints tc "
            "WHERE tc.table_schema = 'public' AND tc.constraint_type IN ('PRIMARY KEY', 'UNIQUE')")
    primary = {table for table, _column, kind in keys if kind == "PRIMARY KEY"}
    unique = {(table, name) for table, name, kind in keys if kind == "UNIQUE"}
    for table in NO_PRIMARY_KEY:
        assert table not in primary
    assert ("entity_extension_time_series", "entity_extension_time_series_constraint") in unique
    assert "entity_relationship" in primary and "field_relationship" in primary
    if built.engine == "mariadb":
        # Generated PRIMARY KEY columns become UNIQUE keys on MariaDB.
        assert "table_entity" not in primary and ("table_entity", "id") in unique
        assert ("table_entity", "fqnHash") in unique and ("tag", "fqnHash") in unique
        assert ("test_suite", "nameHash") in unique and ("tag_usage", "tag_usage_key") in unique
    else:
        assert "table_entity" in primary and ("tag", "tag_fqnhash_key") in unique
        assert ("test_suite", "test_suite_namehash_key") in unique
        json_type = built.query(
            "SELECT data_type FROM information_schema.columns "
            "WHERE table_name = 'ingestion_pipeline_entity' AND column_name = 'json'")
        assert json_type == [("json",)]  # upstream v001 quirk: JSON, not JSONB


# -- data -------------------------------------------------------------------------------------


def test_counts_match_the_database(built: Built) -> None:
    """build() reports the real row count of every table."""
    for table, count in built.counts.items():
        actual = built.query(f"SELECT COUNT(*) FROM {built.table(table)}")[0][0]
        assert actual == count, table
    assert sum(built.counts.values()) >= 300


def test_empty_tables_exist(built: Built) -> None:
    """Tables a fresh 1.1 server leaves empty are there and empty."""
    for table in EMPTY_TABLES:
        assert built.counts[table] == 0
        assert built.query(f"SELECT COUNT(*) FROM {built.table(table)}")[0][0] == 0


def test_tables_without_primary_key_have_rows(built: Built) -> None:
    """Tables without a primary key upstream still get rows."""
    for table in NO_PRIMARY_KEY:
        assert built.counts[table] > 0, table


def test_broken_query_chains(built: Built) -> None:
    """Exactly the planned queries lack a table->schema->database->service chain."""
    assert om_database.count_broken_queries(built.engine, built.conn) == \
        om_database.broken_query_count() == om_database.BROKEN_QUERIES
    # The chain the 1.2.0 migration follows, with upstream's entity type names.
    links = set(built.query(f"SELECT DISTINCT {built.column('fromEntity')}, "
                            f"{built.column('toEntity')}, relation "
                            f"FROM {built.table('entity_relationship')}"))
    assert {("databaseService", "database", 0), ("database", "databaseSchema", 0),
            ("databaseSchema", "table", 0), ("table", "query", 5)} <= links


def _normalise(engine: str, kinds: list[str], row: tuple, loaded: bool) -> tuple:
    """Comparable form of one row: JSON as canonical text, booleans as MariaDB returns them."""
    out = []
    for kind, value in zip(kinds, row):
        if kind == "json" and value is not None:
            if engine == "mariadb":
                out.append(value)  # LONGTEXT: stored byte for byte
                continue
            data = value if loaded else json.loads(value)
            value = json.dumps(data, sort_keys=True, ensure_ascii=False)
        elif isinstance(value, bool) and engine == "mariadb":
            value = int(value)
        out.append(value)
    return tuple(out)


def test_every_value_round_trips(built: Built) -> None:
    """What generate_rows() produced is what the database returns, hard data included."""
    expected: dict[str, collections.Counter] = collections.defaultdict(collections.Counter)
    for table, row in om_database.generate_rows(built.engine):
        expected[table][row] += 1
    assert any("😀" in str(row) for row in expected["table_entity"])
    for table, rows in expected.items():
        spec = om_database.table_spec(table)
        columns = om_database.insert_columns(built.engine, table)
        kinds = [next(c.kind for c in spec.columns_for(built.engine) if c.name == name
                      and isinstance(c, om_database.Plain)) for name in columns]
        select = ", ".join(built.column(name) for name in columns)
        actual = collections.Counter(
            _normalise(built.engine, kinds, row, loaded=True)
            for row in built.query(f"SELECT {select} FROM {built.table(table)}"))
        wanted = collections.Counter()
        for row, number in rows.items():
            wanted[_normalise(built.engine, kinds, row, loaded=False)] += number
        assert actual == wanted, table


def test_hard_data_is_present_and_exact(built: Built) -> None:
    """The awkward strings, the ~1 MB document and NULLs are stored as generated."""
    statements = [row[0] for row in built.query(
        f"SELECT {built.column('sqlStatement')} "
        f"FROM {built.table('SERVER_MIGRATION_SQL_LOGS')}")]
    hard = [s for s in statements if "\r\n" in s]
    assert len(hard) == 1
    for text in om_database.HARD_TEXTS:
        assert text in hard[0]
    assert "\t" in hard[0] and "\x01" in hard[0] and "'); DROP TABLE x; --" in hard[0]

    sizes = built.query(
        "SELECT LENGTH(json) FROM table_entity" if built.engine == "mariadb"
        else "SELECT octet_length(json::text) FROM table_entity")
    assert max(size for (size,) in sizes) > 900_000  # the ~1 MB document

    names = {row[0] for row in built.query("SELECT name FROM table_entity")}
    assert "ord'ers \"2023\" 中文 😀 \\ back" in names
    queries = [_json_value(built.engine, row[0])["query"]
               for row in built.query("SELECT json FROM query_entity")]
    assert any("'); DROP TABLE x; --" in q and "\\\\" in q for q in queries)
    if built.engine == "mariadb":  # LONGTEXT keeps the pretty-printed document's CR/LF/tabs
        raw = built.query("SELECT json FROM table_entity WHERE json LIKE '%\r\n\t%'")
        assert len(raw) == 1
    nulls = built.query(f"SELECT COUNT(*) FROM {built.table('entity_usage')} WHERE count1 IS NULL")
    assert nulls[0][0] == 1


# -- determinism ------------------------------------------------------------------------------


def test_same_seed_builds_identical_databases(built: Built) -> None:
    """Two builds with one seed hold identical rows in every table."""
    other = _unique_name(built.engine)
    try:
        om_database.build(built.engine, other)
        conn = om_database.connect(built.engine, other)
        try:
            tables = om_database.list_tables(built.engine, conn)
            assert tables == om_database.list_tables(built.engine, built.conn)
            for table in tables:
                assert om_database.table_rows(built.engine, conn, table) == \
                    om_database.table_rows(built.engine, built.conn, table), table
        finally:
            conn.close()
    finally:
        om_database.drop(built.engine, other)


def test_other_seed_builds_other_data() -> None:
    """The seed changes the data; the same seed repeats it."""
    first = list(om_database.generate_rows("mariadb", seed=1, hard_data=False))
    second = list(om_database.generate_rows("mariadb", seed=2, hard_data=False))
    assert first != second
    assert first == list(om_database.generate_rows("mariadb", seed=1, hard_data=False))


# -- CLI and helpers --------------------------------------------------------------------------


def test_cli_prints_a_summary(built: Built) -> None:
    """The CLI builds the same database and prints its counts as JSON."""
    name = _unique_name(built.engine)
    env = dict(os.environ, **{om_database.PASSWORD_ENV: ""})
    try:
        proc = subprocess.run(
            [sys.executable, FIXTURE, "--engine", built.engine, "--database", name,
             "--size", "0", "--seed", "1"],
            capture_output=True, text=True, env=env, check=False, timeout=300)
        assert proc.returncode == 0, proc.stderr
        summary = json.loads(proc.stdout)
        assert summary["_bytes"] > 1_000_000
        assert {k: v for k, v in summary.items() if not k.startswith("_")} == built.counts
    finally:
        om_database.drop(built.engine, name)


def test_parse_size_and_bad_names() -> None:
    """Size parsing, and refusal of unsafe names and unknown versions."""
    assert om_database.parse_size("0") == 0
    assert om_database.parse_size("100MB") == 100 << 20
    assert om_database.parse_size("1GB") == 1 << 30
    with pytest.raises(ValueError):
        om_database.drop("mariadb", "bad name; DROP DATABASE x")
    with pytest.raises(ValueError):
        list(om_database.generate_rows("mariadb", om_version="9.9.9"))


def test_small_rows_shape_is_mostly_small_relationship_rows():
    """bench's second shape: most rows are followers, column tags and column lineage of
    100-500 bytes, as in a real OpenMetadata database, beside the JSON documents."""
    counts: collections.Counter = collections.Counter()
    small = {"entity_relationship", "tag_usage", "field_relationship"}
    for table, _values in om_database.generate_rows("mariadb", size_bytes=4 << 20, shape="small-rows"):
        counts[table] += 1
    documents: collections.Counter = collections.Counter(
        table for table, _values in om_database.generate_rows("mariadb", size_bytes=4 << 20))
    assert sum(counts[t] for t in small) > 0.8 * sum(counts.values())
    assert sum(counts.values()) > 3 * sum(documents.values())
    with pytest.raises(ValueError, match="shape must be one of"):
        om_database.generate_rows("mariadb", shape="tiny-rows")
