# -*- coding: utf-8 -*-
# Copyright: (c) 2026, openmetadata.ops contributors
# Apache License 2.0 (see LICENSE or https://www.apache.org/licenses/LICENSE-2.0)
"""``bootstrap_storage.sh migrate-all`` of the stand-in: the native migration workflow as the
project's MIGRATION-1.2.0 notes describe the 1.2-era one.

* Versions to run: native folders of this release numerically greater than
  ``SELECT MAX(version) FROM SERVER_CHANGE_LOG`` (a string MAX, as upstream); all of them with
  ``force`` or when the table is empty.
* Per version: schemaChanges -> data migration (1.2.0: query service, glossary) -> postData ->
  one SERVER_CHANGE_LOG row (absolute folder path, random UUID checksum).
* Per statement: skipped when its checksum (md5 of comment + statement) is already in
  SERVER_MIGRATION_SQL_LOGS; else executed (autocommit) and logged. A failure logs
  ``Failed to run sql ... due to ...`` and ends the run (exit 1): nothing logged for the failed
  statement, no SERVER_CHANGE_LOG row for its version; the next run resumes there.
  ``force`` logs the failure and goes on (and still writes the version row).
* es-migrate (the last step of migrate-all, after the database part has committed): every index of the
  release (1.2: the indexMapping names, never prefixed; 1.1: the ElasticSearchIndexType names) is
  checked (``HEAD /<index>``) and created when missing (``PUT /<index>``); an existing one is left as it
  is (upstream also updates its mapping; the search stand-in has no ``_mapping`` endpoint). Like
  upstream, an index that cannot be checked or created is logged (ERROR, naming the search host) and
  the run goes on: es-migrate exits 0 even when the search engine is unreachable.
* Sort memory: before a statement that sorts a whole table, the value a NEW connection sees
  (``sort_buffer_size`` / ``work_mem``) must be >= 20MB, else the statement fails with
  "Out of sort memory, consider increasing server sort buffer size" (stand-in rule: upstream
  fails this way on MySQL when the buffer is too small for the data).
"""
from __future__ import annotations

import json
import os
import pathlib
import signal
import sys
import time
import uuid
from typing import Any, Callable, Dict, List, Optional, TextIO

from . import db as dbm
from .conf import SearchSettings, ServerConf
from .reindex import INDEXES_11, INDEXES_12, ReindexError, SearchClient
from .releases import Release, parse
from .statements import MYSQL, Statement, for_version

PENDING_MESSAGE = ("There are pending migrations to be run on the database. Please backup your data and run "
                   "`./bootstrap/bootstrap_storage.sh migrate-all`. You can find more information on upgrading "
                   "OpenMetadata at https://docs.open-metadata.org/deployment/upgrade ")
NO_FLYWAY_MESSAGE = ("Could not validate Flyway migrations in the database. Make sure you have run "
                     "`./bootstrap/bootstrap_storage.sh migrate-all` at least once.")
FLYWAY_ERROR_MESSAGE = ("Exception encountered when trying to obtain last migrated Flyway version. Make sure you "
                        "have run `./bootstrap/bootstrap_storage.sh migrate-all` at least once.")


class MigrationFailure(Exception):
    """The run stops here (exit 1)."""


def flyway_max(engine: str, conn: Any) -> Optional[str]:
    rows = dbm.query(conn, "SELECT MAX(version) FROM %s" % dbm.flyway_table(engine))
    return rows[0][0] if rows else None


def native_max(engine: str, conn: Any) -> Optional[str]:
    # A string MAX, like upstream ('1.1.9' > '1.1.10'); kept on purpose.
    rows = dbm.query(conn, "SELECT MAX(version) FROM %s" % dbm.change_log(engine))
    return rows[0][0] if rows else None


def pending_versions(release: Release, previous: Optional[str], force: bool = False) -> List[str]:
    if previous is None or force:
        return list(release.native_versions)
    return [v for v in release.native_versions if parse(v) > parse(previous)]


def validate_for_server(release: Release, engine: str, conn: Any) -> None:
    """What the server checks at start (raises MigrationFailure with upstream's texts)."""
    try:
        last = flyway_max(engine, conn)
    except dbm.db_errors() as exc:
        raise MigrationFailure(FLYWAY_ERROR_MESSAGE + " " + str(exc)) from exc
    if last is None:
        raise MigrationFailure(NO_FLYWAY_MESSAGE)
    if str(last) < "%03d" % release.flyway_last:
        raise MigrationFailure(PENDING_MESSAGE)
    try:
        previous = native_max(engine, conn)
    except dbm.db_errors() as exc:
        raise MigrationFailure(FLYWAY_ERROR_MESSAGE + " " + str(exc)) from exc
    if pending_versions(release, previous):
        raise MigrationFailure(PENDING_MESSAGE)


class MigrationRunner:  # pylint: disable=too-many-instance-attributes
    """One migrate-all run."""

    def __init__(self, home: pathlib.Path, release: Release, conf: ServerConf, faults: Dict[str, Any],
                 force: bool = False, debug: bool = False, out: TextIO = sys.stdout) -> None:
        self.home = home
        self.release = release
        self.conf = conf
        self.engine = conf.db.engine
        self.faults = faults
        self.force = force
        self.debug = debug
        self.out = out
        self.conn: Any = None
        self.logged: set = set()

    def log(self, level: str, text: str) -> None:
        self.out.write("%s [main] o.o.s.m.MigrationWorkflow - %s\n" % (level, text))
        self.out.flush()

    # ---- the run ----------------------------------------------------------------------------
    def run(self) -> int:
        try:
            self.conn = dbm.connect(self.conf.db)
        except dbm.DbError as exc:
            self.log("ERROR", str(exc))
            return 1
        try:
            self._check_flyway()
            previous = native_max(self.engine, self.conn)
            versions = pending_versions(self.release, previous, self.force)
            self.log("INFO", "Last native migration in SERVER_CHANGE_LOG: %s; to run: %s"
                     % (previous, ", ".join(versions) or "nothing"))
            for version in versions:
                self._run_version(version)
            return 0
        except MigrationFailure as exc:
            self.log("ERROR", str(exc))
            self.log("ERROR", "Encountered Exception in MigrationWorkflow")
            return 1
        finally:
            self.conn.close()

    def _check_flyway(self) -> None:
        try:
            last = flyway_max(self.engine, self.conn)
        except dbm.db_errors() as exc:
            raise MigrationFailure("stand-in: this database has no OpenMetadata schema (DATABASE_CHANGE_LOG: %s); "
                                   "the stand-in only upgrades a database a 1.1.x server has set up" % exc) from exc
        if last is None or str(last) < "%03d" % self.release.flyway_last:
            raise MigrationFailure("stand-in: Flyway history ends at %s, expected v%03d; the stand-in only upgrades "
                                   "a database a 1.1.x server has set up" % (last, self.release.flyway_last))
        self.log("INFO", "Flyway: schema up to date at version %s (repair and migrate: nothing to apply)" % last)

    def _folder(self, version: str) -> str:
        sub = "mysql" if self.engine == MYSQL else "postgres"
        return str((self.home / "bootstrap" / "sql" / "migrations" / "native" / version / sub).resolve())

    def _run_version(self, version: str) -> None:
        schema, post = for_version(version, self.engine, self.release)
        self.logged = {row[0] for row in dbm.query(self.conn, "SELECT checksum FROM %s" % dbm.sql_logs(self.engine))}
        self.log("INFO", "[MigrationProcess] Initialized, Version: %s, DatabaseType: %s, FileName: %s"
                 % (version, self.engine, self._folder(version)))
        self.log("INFO", "[MigrationProcess] Running Schema Changes, Version: %s" % version)
        number = 0
        for statement in schema:
            number += 1
            self._run_statement(version, number, statement)
        self.log("INFO", "[MigrationProcess] Running Data Migrations, Version: %s" % version)
        DATA_MIGRATIONS.get(version, lambda runner: None)(self)
        self.log("INFO", "[MigrationProcess] Running Post DDL Scripts, Version: %s" % version)
        for statement in post:
            number += 1
            self._run_statement(version, number, statement)
        self.log("INFO", "[MigrationStep] Update Migration Status, Version: %s" % version)
        self._record_version(version)

    def _pause_if_asked(self, version: str, number: int) -> None:
        """migration_pause_file: before statement migration_pause_at (default 1) of migration_crash_version,
        write PATH.reached and wait while PATH exists (a test stops the database under a running migration)."""
        path = self.faults.get("migration_pause_file")
        if not path or int(self.faults.get("migration_pause_at", 1)) != number:
            return
        if version != str(self.faults.get("migration_crash_version", "1.2.0")):
            return
        pause = pathlib.Path(path)
        pathlib.Path(path + ".reached").write_text(str(os.getpid()), encoding="utf-8")
        while pause.exists():
            time.sleep(0.1)

    def _crash_if_asked(self, version: str, number: int, statement: Statement) -> None:
        crash_at = self.faults.get("migration_crash_at")
        if crash_at is None or int(crash_at) != number:
            return
        if version != str(self.faults.get("migration_crash_version", "1.2.0")):
            return
        if self.faults.get("migration_crash_mode", "error") == "kill":
            self.out.flush()
            os.kill(os.getpid(), signal.SIGKILL)
        raise MigrationFailure("Failed to run sql %s due to stand-in fault: crash at statement %d of %s "
                               "(migration_crash_at)" % (statement.text, number, version))

    def _check_sort_memory(self, statement: Statement) -> None:
        name, value = dbm.sort_memory(self.conf.db)
        if value >= dbm.SORT_MEMORY_NEEDED:
            return
        if self.engine == MYSQL:
            error = "java.sql.SQLException: Out of sort memory, consider increasing server sort buffer size"
        else:
            error = "org.postgresql.util.PSQLException: ERROR: Out of sort memory"
        raise MigrationFailure("Failed to run sql %s due to %s (stand-in rule: %s seen by a new connection is %d "
                               "bytes, the 1.2 migration needs at least %d)"
                               % (statement.text, error, name, value, dbm.SORT_MEMORY_NEEDED))

    def _run_statement(self, version: str, number: int, statement: Statement) -> None:
        if statement.checksum in self.logged:
            if self.debug:
                self.log("DEBUG", "Skipping statement %d of %s: already in the SQL log" % (number, version))
            return
        self._pause_if_asked(version, number)
        self._crash_if_asked(version, number, statement)
        try:
            if statement.sorts:
                self._check_sort_memory(statement)
            if self.debug:
                self.log("DEBUG", "Running statement %d of %s: %s" % (number, version, statement.text))
            try:
                dbm.execute(self.conn, statement.text)
            except dbm.db_errors() as exc:
                raise MigrationFailure("Failed to run sql %s due to %s" % (statement.text, exc)) from exc
        except MigrationFailure as exc:
            if not self.force:
                raise
            self.log("WARN", "%s (force: going on)" % exc)
            return
        self._log_statement(version, statement)

    def _log_statement(self, version: str, statement: Statement) -> None:
        table = dbm.sql_logs(self.engine)
        if self.engine == MYSQL:
            sql = ("INSERT INTO %s (version, sqlStatement, checksum, executedAt) VALUES (%%s, %%s, %%s, "
                   "CURRENT_TIMESTAMP) ON DUPLICATE KEY UPDATE version = VALUES(version), "
                   "sqlStatement = VALUES(sqlStatement), executedAt = CURRENT_TIMESTAMP" % table)
        else:
            sql = ("INSERT INTO %s (version, sqlStatement, checksum, executedAt) VALUES (%%s, %%s, %%s, "
                   "CURRENT_TIMESTAMP) ON CONFLICT (checksum) DO UPDATE SET version = EXCLUDED.version, "
                   "sqlStatement = EXCLUDED.sqlStatement, executedAt = CURRENT_TIMESTAMP" % table)
        dbm.execute(self.conn, sql, (version, statement.text, statement.checksum))
        self.logged.add(statement.checksum)

    def _record_version(self, version: str) -> None:
        table = dbm.change_log(self.engine)
        if self.engine == MYSQL:
            sql = ("INSERT INTO %s (version, migrationFileName, checksum, installed_on) VALUES (%%s, %%s, %%s, "
                   "CURRENT_TIMESTAMP) ON DUPLICATE KEY UPDATE migrationFileName = VALUES(migrationFileName), "
                   "checksum = VALUES(checksum), installed_on = CURRENT_TIMESTAMP" % table)
        else:
            sql = ("INSERT INTO %s (version, migrationFileName, checksum, installed_on) VALUES (%%s, %%s, %%s, "
                   "CURRENT_TIMESTAMP) ON CONFLICT (version) DO UPDATE SET migrationFileName = "
                   "EXCLUDED.migrationFileName, checksum = EXCLUDED.checksum, installed_on = CURRENT_TIMESTAMP"
                   % table)
        dbm.execute(self.conn, sql, (version, self._folder(version), str(uuid.uuid4())))


# ---- Java data migrations of 1.2.0, restated ------------------------------------------------

QUERY_SERVICE_SQL = """
SELECT q.id, q.json, er4.fromId AS service_id, s.name AS service_name
FROM query_entity q
LEFT JOIN entity_relationship er1 ON er1.toId = q.id AND er1.fromEntity = 'table' AND er1.toEntity = 'query'
LEFT JOIN entity_relationship er2 ON er2.toId = er1.fromId AND er2.fromEntity = 'databaseSchema'
  AND er2.toEntity = 'table'
LEFT JOIN entity_relationship er3 ON er3.toId = er2.fromId AND er3.fromEntity = 'database'
  AND er3.toEntity = 'databaseSchema'
LEFT JOIN entity_relationship er4 ON er4.toId = er3.fromId AND er4.fromEntity = 'databaseService'
  AND er4.toEntity = 'database'
LEFT JOIN dbservice_entity s ON s.id = er4.fromId
"""


def add_query_service(runner: MigrationRunner) -> None:
    """Every query gets its database service; a query whose table -> schema -> database ->
    service chain is broken (any row of it) is deleted with its relationships. Errors are logged,
    never fatal (as upstream)."""
    conn = runner.conn
    try:
        rows = dbm.query(conn, QUERY_SERVICE_SQL)
    except dbm.db_errors() as exc:
        runner.log("WARN", "Error running the query migration: %s" % exc)
        return
    deleted = updated = 0
    for query_id, raw, service_id, service_name in rows:
        try:
            if service_id is None:
                runner.log("WARN", "Query [%s] cannot be linked to a service. Deleting..." % query_id)
                dbm.execute(conn, "DELETE FROM query_entity WHERE id = %s", (query_id,))
                dbm.execute(conn, "DELETE FROM entity_relationship WHERE fromId = %s OR toId = %s",
                            (query_id, query_id))
                deleted += 1
                continue
            doc = dbm.json_value(raw)
            doc["service"] = {"id": service_id, "type": "databaseService", "name": service_name,
                              "fullyQualifiedName": dbm.quote_name(service_name), "deleted": False}
            fqn = "%s.%s" % (dbm.quote_name(service_name), dbm.quote_name(doc["name"]))
            doc["fullyQualifiedName"] = fqn
            dbm.execute(conn, "UPDATE query_entity SET json = %s, fqnHash = %s WHERE id = %s",
                        (json.dumps(doc, ensure_ascii=False, separators=(",", ":")), dbm.fqn_hash(fqn), query_id))
            updated += 1
        except (dbm.db_errors() + (ValueError, KeyError, TypeError)) as exc:
            runner.log("WARN", "Error updating query [%s]: %s" % (query_id, exc))
    runner.log("INFO", "Query service migration: %d rows updated, %d queries deleted" % (updated, deleted))


CONTAINS, HAS = 0, 10


def glossary_relations(runner: MigrationRunner) -> None:
    """Draft terms become Approved; a nested term's glossary CONTAINS link becomes HAS."""
    conn = runner.conn
    try:
        for (raw,) in dbm.query(conn, "SELECT json FROM glossary_term_entity"):
            doc = dbm.json_value(raw)
            if doc.get("status") == "Draft":
                doc["status"] = "Approved"
                dbm.execute(conn, "UPDATE glossary_term_entity SET json = %s WHERE id = %s",
                            (json.dumps(doc, ensure_ascii=False, separators=(",", ":")), doc["id"]))
            glossary, parent = doc.get("glossary"), doc.get("parent")
            if glossary and parent and parent.get("type") == "glossaryTerm":
                removed = dbm.execute(conn, "DELETE FROM entity_relationship WHERE fromId = %s AND toId = %s "
                                            "AND relation = %s", (glossary["id"], doc["id"], CONTAINS))
                if removed:
                    dbm.execute(conn, "INSERT INTO entity_relationship (fromId, toId, fromEntity, toEntity, "
                                      "relation) VALUES (%s, %s, 'glossary', 'glossaryTerm', %s)",
                                (glossary["id"], doc["id"], HAS))
    except (dbm.db_errors() + (ValueError, KeyError, TypeError)) as exc:
        runner.log("WARN", "Error during the Glossary Term migration: %s" % exc)


def _data_120(runner: MigrationRunner) -> None:
    add_query_service(runner)
    glossary_relations(runner)


DATA_MIGRATIONS: Dict[str, Callable[[MigrationRunner], None]] = {"1.2.0": _data_120}


# ---- es-migrate ---------------------------------------------------------------------------------

_INDEX_BODY = {"mappings": {"properties": {
    "id": {"type": "keyword"}, "name": {"type": "text", "fields": {"keyword": {"type": "keyword"}}},
    "fullyQualifiedName": {"type": "keyword"}, "deleted": {"type": "boolean"}}}}


def release_index_names(release: Release) -> List[str]:
    """The indexes es-migrate of this release writes: 1.2 its indexMapping names (no cluster-alias
    prefix: 1.2 has no clusterAlias), 1.1 its ElasticSearchIndexType names."""
    if release.is_12:
        return list(dict.fromkeys(index for _table, index, _report in INDEXES_12.values()))
    return list(INDEXES_11)


class _Unreachable:
    """A client of a search engine that refuses every connection (fault knob migration_search_unreachable)."""

    def __init__(self, url: str) -> None:
        self.base = url

    def call(self, method: str, path: str, body: Optional[bytes] = None, content_type: str = "") -> Any:
        raise ReindexError("search engine %s unreachable: [Errno 111] Connection refused "
                           "(stand-in fault migration_search_unreachable)" % self.base)


def search_migrate(release: Release, search: SearchSettings, faults: Dict[str, Any], out: TextIO = sys.stdout,
                   timeout: float = 5.0) -> int:
    """upstream's es-migrate as the stand-in plays it; always 0 (upstream catches every index error)."""
    logger = "o.o.s.s.o.OpenSearchClient" if search.search_type.lower() == "opensearch" else "o.o.s.s.e.ElasticSearchClient"

    def log(level: str, text: str) -> None:
        out.write("%s [main] %s - %s\n" % (level, logger, text))
        out.flush()

    client: Any = _Unreachable(search.url) if faults.get("migration_search_unreachable") else SearchClient(search, timeout)
    created = failed = kept = 0
    for index in release_index_names(release):
        try:
            status, _body = client.call("HEAD", "/" + index)
            exists = status == 200
        except ReindexError as exc:
            log("ERROR", "Failed to check if index %s exists due to java.net.ConnectException: %s" % (index, exc))
            exists = False
        if exists:
            kept += 1
            continue
        try:
            status, body = client.call("PUT", "/" + index, json.dumps(_INDEX_BODY).encode())
        except ReindexError as exc:
            log("ERROR", "Failed to create index for %s due to java.net.ConnectException: %s" % (index, exc))
            failed += 1
            continue
        if status == 200 or (status == 400 and "already_exists" in json.dumps(body)):
            created += 1
        else:
            log("ERROR", "Failed to create index for %s due to ElasticsearchStatusException: %s answered %s: %s"
                % (index, search.url, status, str(body)[:300]))
            failed += 1
    log("INFO", "es-migrate on %s: %d index(es) created, %d kept, %d failed" % (search.url, created, kept, failed))
    return 0
