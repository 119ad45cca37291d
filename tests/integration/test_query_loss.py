"""The queries the 1.2.0 migration deletes: counted by module_utils/query_loss on the real MariaDB and
PostgreSQL, checked against an independent graph walk over entity_relationship, against the fixture's
known broken chains, and against what the stand-in's migrate-all really deletes on the same data."""
from __future__ import annotations

import json
import os
import pathlib
import subprocess
import sys
import tarfile
from typing import Any

import pytest

from ansible_collections.openmetadata.ops.plugins.module_utils.database import query_loss
from fixtures import om_database
from harness import REPO


def _rows(engine: str, conn: Any, sql: str, args: tuple = ()) -> list[tuple]:
    with conn.cursor() as cur:
        cur.execute(sql, args)
        return list(cur.fetchall())


def walk_lost(conn: Any) -> set[str]:
    """Independent oracle: follow every table -> schema -> database -> service path of each query in
    Python; a query is lost when it has no table, or when any path ends before a service."""
    parents: dict[tuple[str, str, str], set[str]] = {}
    sql = "SELECT fromId, toId, fromEntity, toEntity FROM entity_relationship"
    for from_id, to_id, from_entity, to_entity in _rows("", conn, sql):
        parents.setdefault((str(to_id), from_entity, to_entity), set()).add(str(from_id))
    chain = [("table", "query"), ("databaseSchema", "table"), ("database", "databaseSchema"),
             ("databaseService", "database")]

    def complete(node: str, level: int) -> bool:
        if level == len(chain):
            return True
        ups = parents.get((node, chain[level][0], chain[level][1]), set())
        return bool(ups) and all(complete(up, level + 1) for up in ups)

    return {str(qid) for (qid,) in _rows("", conn, "SELECT id FROM query_entity") if not complete(str(qid), 0)}


def _ids(conn: Any, sql: str, args: tuple = ()) -> list[str]:
    return [str(row[0]) for row in _rows("", conn, sql, args)]


def break_more(conn: Any) -> dict[str, Any]:
    """More broken links of each kind on a healthy fixture; returns what each step broke."""
    lost_before = walk_lost(conn)
    healthy = [q for q in _ids(conn, "SELECT id FROM query_entity ORDER BY id") if q not in lost_before]
    done: dict[str, Any] = {}

    def table_of(query_id: str) -> list[str]:
        return _ids(conn, "SELECT fromId FROM entity_relationship WHERE toId = %s AND fromEntity = 'table' "
                          "AND toEntity = 'query' ORDER BY fromId", (query_id,))

    def parent(child: str, kind: str, child_kind: str) -> str:
        return _ids(conn, "SELECT fromId FROM entity_relationship WHERE toId = %s AND fromEntity = %s AND toEntity = %s",
                    (child, kind, child_kind))[0]

    with conn.cursor() as cur:
        # 1) the table -> query row of one query
        victim = healthy[0]
        cur.execute("DELETE FROM entity_relationship WHERE toId = %s AND fromEntity = 'table'", (victim,))
        done["no_table"] = victim
        # 2) a multi-table query: only ONE of its tables loses its schema link
        multi = [q for q in healthy[1:] if len(table_of(q)) > 1]
        assert multi, "the fixture has a query on two tables"
        second_table = table_of(multi[0])[1]
        cur.execute("DELETE FROM entity_relationship WHERE toId = %s AND fromEntity = 'databaseSchema'", (second_table,))
        done["one_of_two_tables"] = multi[0]
        # 3) a schema loses its database, 4) a database loses its service
        others = [q for q in healthy if q not in (victim, multi[0])]
        schema = parent(table_of(others[0])[0], "databaseSchema", "table")
        cur.execute("DELETE FROM entity_relationship WHERE toId = %s AND fromEntity = 'database'", (schema,))
        done["schema_without_database"] = schema
        rest = [q for q in others if q not in walk_lost(conn)]
        database = parent(parent(table_of(rest[-1])[0], "databaseSchema", "table"), "database", "databaseSchema")
        cur.execute("DELETE FROM entity_relationship WHERE toId = %s AND fromEntity = 'databaseService'", (database,))
        done["database_without_service"] = database
        # Neither the relation kind nor the deleted flag matters to the migration: these stay kept.
        still = [q for q in _ids(conn, "SELECT id FROM query_entity ORDER BY id") if q not in walk_lost(conn)]
        cur.execute("UPDATE entity_relationship SET relation = 3 WHERE toId = %s AND fromEntity = 'table'", (still[0],))
        cur.execute("UPDATE entity_relationship SET deleted = TRUE WHERE toId = %s AND fromEntity = 'table'", (still[1],))
        done["kept"] = still[:2]
    return done


def test_fixture_broken_queries_are_counted(dbs):
    name = dbs.build(hard_data=False)
    conn = dbs.connect(name)
    try:
        found = query_loss.find_lost_queries(conn, dbs.engine, sample_size=3)
        assert found["count"] == om_database.BROKEN_QUERIES == len(walk_lost(conn))
        assert set(found["ids"]) == walk_lost(conn)
        assert found["total"] > found["count"]
        assert len(found["samples"]) == 3
        for sample in found["samples"]:
            assert sample["name"] and sample["checksum"] and sample["query"].startswith("SELECT")
            assert len(sample["query"]) <= 200
    finally:
        conn.close()


def test_every_kind_of_broken_link_is_counted(dbs):
    name = dbs.build(hard_data=False, seed=7)
    conn = dbs.connect(name)
    try:
        before = query_loss.lost_query_ids(conn, dbs.engine)
        done = break_more(conn)
        after = set(query_loss.lost_query_ids(conn, dbs.engine))
        assert after == walk_lost(conn)
        assert done["no_table"] in after and done["one_of_two_tables"] in after
        assert not set(done["kept"]) & after
        # schema and database breaks each took at least one more query
        assert len(after) >= len(before) + 4
    finally:
        conn.close()


def test_export_holds_each_lost_query_whole_and_is_stable(dbs, tmp_path):
    name = dbs.build(hard_data=False)
    conn = dbs.connect(name)
    try:
        document = query_loss.export_document(conn, dbs.engine, database=name, source="1.1.7")
        path = str(tmp_path / "sub" / "lost.json")
        first = query_loss.export_to_file(path, document)
        second = query_loss.export_document(conn, dbs.engine, database=name, source="1.1.7")
        again = query_loss.export_to_file(path, second)
    finally:
        conn.close()
    assert first["changed"] and not again["changed"] and first["sha256"] == again["sha256"]
    assert oct(os.stat(path).st_mode & 0o777) == "0o600"
    data = json.loads(pathlib.Path(path).read_text())
    assert data["count"] == om_database.BROKEN_QUERIES == len(data["queries"])
    for item in data["queries"]:
        assert item["entity"]["query"] and item["entity"]["id"] == item["id"]
    # the two queries on the table that lost its schema keep their table -> query rows in the export
    assert any(item["relationships"] for item in data["queries"])


# ---------------------------------------------------------------------------------------------------
# The prediction against the stand-in's migrate-all (an independent implementation of the same rule)
# ---------------------------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def release_120(tmp_path_factory) -> pathlib.Path:
    out = tmp_path_factory.mktemp("om120")
    subprocess.run([sys.executable, "-m", "tests.simulator.openmetadata.pack", "--version", "1.2.0", "--out", str(out)],
                   cwd=str(REPO), check=True, capture_output=True)
    with tarfile.open(out / "openmetadata-1.2.0.tar.gz") as archive:
        archive.extractall(out)  # our own archive, packed just above
    return out / "openmetadata-1.2.0"


def run_migrate_all(home: pathlib.Path, engine: str, database: str) -> subprocess.CompletedProcess:
    env = dict(os.environ, DB_HOST="127.0.0.1", OM_DATABASE=database, DB_USER_PASSWORD="")
    if engine == "mysql":
        env.update(DB_DRIVER_CLASS="com.mysql.cj.jdbc.Driver", DB_SCHEME="mysql", DB_PORT="3306", DB_USER="root",
                   DB_PARAMS="allowPublicKeyRetrieval=true&useSSL=false&serverTimezone=UTC"
                             "&sessionVariables=sort_buffer_size=20971520")
    else:
        env.update(DB_DRIVER_CLASS="org.postgresql.Driver", DB_SCHEME="postgresql", DB_PORT="5432", DB_USER="postgres")
    return subprocess.run(["bash", str(home / "bootstrap" / "bootstrap_storage.sh"), "migrate-all"], env=env,
                          capture_output=True, text=True, timeout=300, check=False)


@pytest.mark.parametrize("variant", ["fixture", "more_broken"])
def test_prediction_equals_what_migrate_all_deletes(dbs, release_120, variant):
    name = dbs.build(hard_data=False, seed=3)
    conn = dbs.connect(name)
    try:
        if variant == "more_broken":
            break_more(conn)
        if dbs.engine == "postgresql":  # the migration's sort needs 20MB; only this test database gets it
            with conn.cursor() as cur:
                cur.execute('ALTER DATABASE "%s" SET work_mem = \'20MB\'' % name)
        predicted = set(query_loss.find_lost_queries(conn, dbs.engine)["ids"])
        before = set(_ids(conn, "SELECT id FROM query_entity"))
    finally:
        conn.close()
    proc = run_migrate_all(release_120, dbs.engine, name)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-2000:]
    conn = dbs.connect(name)
    try:
        after = set(_ids(conn, "SELECT id FROM query_entity"))
        leftover = _ids(conn, "SELECT fromId FROM entity_relationship WHERE fromId IN (%s) OR toId IN (%s)" % (
            ",".join(["%s"] * len(predicted)), ",".join(["%s"] * len(predicted))), tuple(predicted) * 2) if predicted else []
    finally:
        conn.close()
    assert predicted, "the data must lose some queries"
    assert before - after == predicted
    assert not leftover
