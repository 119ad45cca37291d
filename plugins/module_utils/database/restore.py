# -*- coding: utf-8 -*-
# Copyright: (c) 2026, openmetadata.ops contributors
# Apache License 2.0 (see LICENSE or https://www.apache.org/licenses/LICENSE-2.0)
"""Restore a backup into a database and prove it: row counts and checksums must
equal the manifest's, or the restore is undone.

Nothing is touched before the dump file is known intact (size and sha256 against the
manifest). On PostgreSQL the whole restore is one transaction; on MySQL/MariaDB (where
DDL commits implicitly) a failure drops what the restore created.
"""
from __future__ import annotations

import os
import time
from typing import Any, Optional

from ansible_collections.openmetadata.ops.plugins.module_utils.database import mysql_engine
from ansible_collections.openmetadata.ops.plugins.module_utils.database import postgresql_engine
from ansible_collections.openmetadata.ops.plugins.module_utils.database.db import (
    DbParams, connect, quote_postgresql,
)
from ansible_collections.openmetadata.ops.plugins.module_utils.database.dumpfile import iter_statements, open_dump
from ansible_collections.openmetadata.ops.plugins.module_utils.database.manifest import (
    CHECKSUM_METHODS, MANIFEST_SUFFIX, ManifestError, dump_path_of, load_manifest, manifest_path_for, verify_file,
)
from ansible_collections.openmetadata.ops.plugins.module_utils.versions import matches

ENGINE_FAMILY = {"mysql": "mysql", "mariadb": "mysql", "postgresql": "postgresql"}


class RestoreError(Exception):
    """The restore cannot run or failed; the message says what state the target is in."""


def locate(backup: str) -> tuple[str, dict[str, Any]]:
    """Accept the dump, the manifest, or a backup's base name; return (manifest path, manifest)."""
    manifest_path = _manifest_of(backup)
    if not os.path.exists(manifest_path):
        raise RestoreError("no backup manifest at %s: give the path of a backup made by openmetadata.ops.backup "
                           "(the .sql.gz or the .manifest.json beside it)" % manifest_path)
    try:
        return manifest_path, load_manifest(manifest_path)
    except ManifestError as exc:
        raise RestoreError(str(exc)) from None


def _manifest_of(backup: str) -> str:
    return backup if backup.endswith(MANIFEST_SUFFIX) else manifest_path_for(backup)


def _exists(backup: str) -> bool:
    return os.path.exists(backup) or os.path.exists(_manifest_of(backup))


def check_compatible(manifest: dict[str, Any], params: DbParams, expected_version: Optional[str],
                     allow_version_mismatch: bool) -> None:
    family = ENGINE_FAMILY.get(manifest.get("engine", ""))
    known = CHECKSUM_METHODS.get(family or params.engine, ())
    if manifest.get("checksum_method") not in known:
        raise RestoreError("the backup's checksums were made with %r, which this collection cannot check "
                           "(it knows %s): restore it with the collection version that made it (%s)" % (
                               manifest.get("checksum_method"), ", ".join(known), manifest.get("collection_version")))
    if family != params.engine:
        raise RestoreError("the backup is a %s dump and cannot be restored into %s: restore it into a %s server"
                           % (manifest.get("engine"), params.engine, manifest.get("engine")))
    if expected_version and not allow_version_mismatch:
        recorded = manifest.get("openmetadata_version")
        basis = "OpenMetadata version"
        if not recorded:
            recorded = (manifest.get("schema_version") or {}).get("native")
            basis = "native schema version"
        try:
            same = bool(recorded) and matches(recorded, expected_version)
        except ValueError:
            raise RestoreError("expected_version %r is not a version like 1.1.7 or 1.1" % expected_version) from None
        if not same:
            raise RestoreError(
                "the backup holds OpenMetadata %s (%s) but expected_version is %s: a server only runs on the "
                "schema of its own version. Restore a backup taken on %s, or set allow_version_mismatch=true"
                % (recorded or "of unknown version", basis, expected_version, expected_version))


def restore_backup(params: DbParams, backup: str, *, wipe: bool = False, expected_version: Optional[str] = None,
                   allow_version_mismatch: bool = False, owner: Optional[str] = None,
                   check_mode: bool = False, jobs: int = 1) -> dict[str, Any]:
    """``jobs`` (MySQL/MariaDB native dumps): INSERTs and the verification run over this
    many connections at once; 0 = one per CPU, at most 4. PostgreSQL restores in one
    transaction, over one connection, whatever ``jobs`` says."""
    if check_mode and not _exists(backup):
        # In a --check run the backup an earlier task would write does not exist yet.
        return {"changed": True, "database": params.database, "rows": {}, "executed_queries": [],
                "msg": "would restore %s into %s once it exists (check mode: it does not exist yet)"
                       % (backup, params.database),
                "warnings": ["backup %s does not exist (yet); nothing was checked" % backup]}
    manifest_path, manifest = locate(backup)
    check_compatible(manifest, params, expected_version, allow_version_mismatch)
    problem = verify_file(manifest_path, manifest)
    if problem:
        raise RestoreError("%s; the target database was not touched. Use another backup." % problem)
    dump_path = dump_path_of(manifest_path, manifest)
    restorer = MysqlRestore(params, manifest) if params.engine == "mysql" else PostgresqlRestore(params, manifest, owner)
    restorer.jobs = jobs if jobs > 0 else min(4, os.cpu_count() or 1)
    return restorer.run(dump_path, wipe, check_mode)


def problems_restoring_here(conn: Any, params: DbParams) -> list[str]:
    """For preflight, on a connection to the live database as the configured user: what a
    restore of this database's backup by that user could not recreate. MySQL: the rollback
    restores through a scratch database and creates the views, routines, triggers and
    events again, so another DEFINER needs SUPER/SET USER. PostgreSQL: a rollback into the
    same database finds its extensions in place; a restore into a new database must create
    them (superuser, or a trusted extension)."""
    if params.engine == "mysql":
        account, privileges = mysql_engine.current_privileges(conn, params.database)
        return mysql_engine.privilege_problems(account, privileges, mysql_engine.objects_summary(conn),
                                               params.database)
    wanted = postgresql_engine.extensions(conn, params.schema)
    return ["into a new database: %s" % problem
            for problem in postgresql_engine.extension_problems(conn, wanted, database_exists=False)]


class _Restore:
    """The steps both engines share; subclasses say how each is done."""

    def __init__(self, params: DbParams, manifest: dict[str, Any]) -> None:
        self.params = params
        self.manifest = manifest
        self.expected = manifest["tables"]
        self.executed: list[str] = []
        self.jobs = 1  # parallel connections (MySQL native dumps)

    def target_name(self) -> str:
        return self.params.database

    def run(self, dump_path: str, wipe: bool, check_mode: bool) -> dict[str, Any]:
        exists, tables = self.inspect_target()
        if tables:
            if self.checksums_of_target(tables) == self.expected:
                return self.result(False, "%s already holds exactly this backup" % self.target_name())
            if not wipe:
                raise RestoreError(
                    "target %s is not empty (%d tables, e.g. %s): restore into a new database name, or set "
                    "wipe=true to drop its tables first (back it up before if it matters)"
                    % (self.target_name(), len(tables), ", ".join(tables[:3])))
        problems = self.privilege_problems(exists)
        if problems:
            raise RestoreError("%s cannot be restored as %s; nothing was changed: %s" % (
                os.path.basename(dump_path), self.params.user, "; ".join(problems)))
        if check_mode:
            verb = "replace the %d tables of" % len(tables) if tables else ("fill" if exists else "create")
            return self.result(True, "would %s %s from %s" % (verb, self.target_name(), dump_path))
        started = time.time()
        self.load(dump_path, exists, tables)
        return self.result(True, "restored %s into %s and verified %d tables" % (
            os.path.basename(dump_path), self.target_name(), len(self.expected)), time.time() - started)

    def result(self, changed: bool, msg: str, duration: Optional[float] = None) -> dict[str, Any]:
        return {
            "changed": changed,
            "msg": msg,
            "database": self.params.database,
            "schema": self.params.schema if self.params.engine == "postgresql" else None,
            "rows": {table: info["rows"] for table, info in self.expected.items()},
            "openmetadata_version": self.manifest.get("openmetadata_version"),
            "schema_version": self.manifest.get("schema_version"),
            "duration": round(duration, 3) if duration is not None else None,
            "executed_queries": self.executed,
        }

    def verify(self, actual: dict[str, dict[str, Any]]) -> None:
        if actual == self.expected:
            return
        wrong = []
        for table in sorted(set(actual) | set(self.expected)):
            have, want = actual.get(table), self.expected.get(table)
            if have != want:
                wrong.append("%s (restored %s rows, expected %s%s)" % (
                    table, have["rows"] if have else "no table:", want["rows"] if want else "no table",
                    ", checksum differs" if have and want and have["rows"] == want["rows"] else ""))
        raise RestoreError("verification failed: %s" % "; ".join(wrong[:10]))

    # engine-specific steps
    def inspect_target(self) -> tuple[bool, list[str]]:
        raise NotImplementedError

    def privilege_problems(self, exists: bool) -> list[str]:
        """What the backup holds that this user may not create here (checked before any change)."""
        raise NotImplementedError

    def checksums_of_target(self, tables: list[str]) -> dict[str, dict[str, Any]]:
        raise NotImplementedError

    def load(self, dump_path: str, exists: bool, tables: list[str]) -> None:
        raise NotImplementedError


def _statement_failed(stmt: Any, exc: Exception) -> str:
    return "statement at line %d of the dump failed: %s -- %s" % (stmt.line, str(exc).strip(), stmt.preview())


class MysqlRestore(_Restore):

    def inspect_target(self) -> tuple[bool, list[str]]:
        conn = connect(self.params, None, autocommit=True)
        try:
            if not mysql_engine.database_exists(conn, self.params.database):
                return False, []
            return True, mysql_engine.tables_in(conn, self.params.database)
        finally:
            conn.close()

    def checksums_of_target(self, tables: list[str]) -> dict[str, dict[str, Any]]:
        conn = connect(self.params)
        try:
            return mysql_engine.table_checksums(conn, tables, self.manifest["checksum_method"])
        finally:
            conn.close()

    def privilege_problems(self, exists: bool) -> list[str]:
        objects = self.manifest.get("objects") or {}
        if not any(objects.get(group) for group in mysql_engine.OBJECT_PRIVILEGES):
            return []
        conn = connect(self.params, None, autocommit=True)
        try:
            account, privileges = mysql_engine.current_privileges(conn, self.params.database)
        finally:
            conn.close()
        return mysql_engine.privilege_problems(account, privileges, objects, self.params.database)

    def load(self, dump_path: str, exists: bool, tables: list[str]) -> None:
        """DDL commits implicitly on MySQL, so a non-empty target is never emptied first:
        the dump goes into a scratch database, is verified there, and only then swapped
        in with one atomic RENAME TABLE. Any failure leaves the target as it was."""
        target = self.params.database
        admin = connect(self.params, None, autocommit=True)
        try:
            into = target if not tables else "%s__omops_new" % target[:48]
            created = not exists or into != target
            if created:
                mysql_engine.drop_database(admin, into)  # a leftover of an interrupted run
                self.executed.append(mysql_engine.create_database(admin, into, self.manifest.get("database_options")))
            try:
                self._run_dump(dump_path, into)
            except Exception as exc:  # pylint: disable=broad-except
                state = self._undo(admin, into, created)
                raise RestoreError("restore into %s failed, %s: %s" % (target, state, exc)) from None
            if into != target:
                self._swap_in(admin, into)
        finally:
            admin.close()

    def _swap_in(self, admin: Any, scratch: str) -> None:
        """Tables move by RENAME TABLE; views, routines, triggers and events cannot move
        between databases: they are read from the scratch database (where the dump just
        created them, so their statements are known to work), dropped there and in the
        target, and created again in the target after the tables moved."""
        target = self.params.database
        try:
            conn = connect(self.params.with_database(scratch), autocommit=True)
            try:
                objects = mysql_engine.SchemaObjects(conn)
            finally:
                conn.close()
        except Exception as exc:  # pylint: disable=broad-except
            state = self._undo(admin, scratch, True)
            raise RestoreError("restore into %s failed, %s: reading the views, routines, triggers and events "
                               "back failed: %s" % (target, state, exc)) from None
        self.executed.extend(mysql_engine.drop_programs(admin, scratch))
        self.executed.extend(mysql_engine.drop_programs(admin, target))
        self.executed.extend(mysql_engine.swap_in(admin, scratch, target))
        conn = connect(self.params, autocommit=True)
        try:
            with conn.cursor() as cur:
                cur.execute("SET SESSION sql_mode = %s", (mysql_engine.DATA_SQL_MODE,))
                for obj in objects.all():
                    try:
                        self.executed.extend(mysql_engine.create_objects(cur, [obj]))
                    except Exception as exc:  # pylint: disable=broad-except
                        raise RestoreError(
                            "the tables of %s were restored and verified, but creating %s %s there failed (it "
                            "worked in the scratch database): %s. Create it by hand from the dump"
                            % (target, obj["kind"], obj["name"], exc)) from None
        finally:
            conn.close()

    def _undo(self, admin: Any, database: str, created: bool) -> str:
        target = self.params.database
        try:
            if created:
                mysql_engine.drop_database(admin, database)
                return ("the database it created was dropped again" if database == target
                        else "%s is untouched (the scratch database %s was dropped)" % (target, database))
            mysql_engine.drop_programs(admin, database)
            mysql_engine.drop_objects(admin, database)
            return "the tables it created were dropped; %s is empty as before" % target
        except Exception as cleanup:  # pylint: disable=broad-except
            return "and cleaning up %s failed too (%s): drop it by hand" % (database, cleanup)

    def _run_dump(self, dump_path: str, database: str) -> None:
        # Autocommit: one statement, one transaction, as the mysql client loads a dump. One
        # transaction for the whole load bought nothing (DDL commits implicitly, and a failure
        # drops what the restore created) and made InnoDB keep undo for every row: the load of
        # many small rows took 1.6x as long.
        def connect_here() -> Any:
            return connect(self.params.with_database(database), autocommit=True)

        conn = connect_here()
        # jobs > 1: our own dumps' INSERTs run over several connections (mysqldump's dumps
        # hold LOCK TABLES ... WRITE around their INSERTs: those stay on one).
        inserts = (mysql_engine.ParallelInserts(connect_here, self.jobs)
                   if self.jobs > 1 and self.manifest.get("dump_format") == "native-mysql" else None)
        try:
            with open_dump(dump_path) as reader, conn.cursor() as cur:
                # Our writer and mysqldump put each INSERT on one line: no need to lex those.
                trusted = self.manifest.get("dump_format") in ("native-mysql", "mysqldump")
                for stmt in iter_statements(reader, "mysql", single_line_inserts=trusted):
                    if inserts is not None:
                        if stmt.sql.startswith("INSERT INTO "):
                            inserts.submit(stmt)
                            if inserts.failed is None:
                                continue
                        inserts.wait()
                        if inserts.failed is not None:
                            raise RestoreError(_statement_failed(*inserts.failed)) from None
                    if mysql_engine.is_client_session_statement(stmt.sql):
                        continue
                    try:
                        cur.execute(stmt.sql)
                        if inserts is not None and stmt.sql[:4].upper() == "SET ":
                            inserts.setting(stmt.sql)
                    except Exception as exc:  # pylint: disable=broad-except
                        raise RestoreError(_statement_failed(stmt, exc)) from None
                if inserts is not None:
                    inserts.wait()
                    if inserts.failed is not None:
                        raise RestoreError(_statement_failed(*inserts.failed)) from None
            conn.commit()
            self.verify(mysql_engine.table_checksums_parallel(connect_here, mysql_engine.list_tables(conn),
                                                              self.manifest["checksum_method"], self.jobs))
        finally:
            if inserts is not None:
                inserts.close()
            conn.close()


class PostgresqlRestore(_Restore):

    def __init__(self, params: DbParams, manifest: dict[str, Any], owner: Optional[str]) -> None:
        super().__init__(params, manifest)
        self.owner = owner
        self.native = manifest.get("dump_format") == "native-postgresql"
        source_schema = (manifest.get("source") or {}).get("schema") or "public"
        if not self.native and source_schema != params.schema:
            raise RestoreError("a pg_dump backup of schema %s can only be restored into schema %s (pg_dump "
                               "writes schema-qualified names); set schema=%s" % (
                                   source_schema, source_schema, source_schema))

    def target_name(self) -> str:
        return "%s (schema %s)" % (self.params.database, self.params.schema)

    def inspect_target(self) -> tuple[bool, list[str]]:
        admin = connect(self.params, None, autocommit=True)
        try:
            if not postgresql_engine.database_exists(admin, self.params.database):
                return False, []
        finally:
            admin.close()
        conn = connect(self.params, autocommit=True)
        try:
            return True, [name for _kind, name in postgresql_engine.objects_in_schema(conn, self.params.schema)]
        finally:
            conn.close()

    def privilege_problems(self, exists: bool) -> list[str]:
        wanted = (self.manifest.get("objects") or {}).get("extensions") or []
        if not wanted:
            return []
        conn = connect(self.params, None if not exists else self.params.database, autocommit=True)
        try:
            return postgresql_engine.extension_problems(conn, wanted, database_exists=exists)
        finally:
            conn.close()

    def checksums_of_target(self, tables: list[str]) -> dict[str, dict[str, Any]]:
        conn = connect(self.params)
        try:
            real_tables = postgresql_engine.list_tables(conn, self.params.schema)
            return postgresql_engine.table_checksums(conn, self.params.schema, real_tables)
        finally:
            conn.close()

    def load(self, dump_path: str, exists: bool, tables: list[str]) -> None:
        if not exists:
            self._create_database()
        try:
            self._load_in_one_transaction(dump_path)
        except BaseException as exc:
            if not exists:
                self._drop_database()
                state = "the database it created was dropped again"
            else:
                state = "everything was rolled back; %s is as it was" % self.target_name()
            raise RestoreError("restore into %s failed, %s: %s" % (self.target_name(), state, exc)) from None

    def _create_database(self) -> None:
        sql = "CREATE DATABASE %s" % quote_postgresql(self.params.database)
        if self.owner:
            sql += " OWNER %s" % quote_postgresql(self.owner)
        admin = connect(self.params, None, autocommit=True)
        try:
            with admin.cursor() as cur:
                cur.execute(sql)
        finally:
            admin.close()
        self.executed.append(sql)

    def _drop_database(self) -> None:
        admin = connect(self.params, None, autocommit=True)
        try:
            with admin.cursor() as cur:
                cur.execute("DROP DATABASE IF EXISTS %s" % quote_postgresql(self.params.database))
        finally:
            admin.close()

    def _creates_existing_schema(self, conn: Any) -> Any:
        """pg_dump -n <schema> creates and comments the schema; when it exists here
        already (with its owner and grants) those statements are skipped."""
        if self.native or not postgresql_engine.schema_exists(conn, self.params.schema):
            return lambda sql: False
        names = (self.params.schema, quote_postgresql(self.params.schema))
        creates = {"CREATE SCHEMA %s" % name for name in names}
        comments = tuple("COMMENT ON SCHEMA %s " % name for name in names)
        return lambda sql: sql in creates or sql.startswith(comments)

    def _load_in_one_transaction(self, dump_path: str) -> None:
        schema = self.params.schema
        conn = connect(self.params)
        try:
            with conn.cursor() as cur:
                executed = []
                objects = postgresql_engine.objects_in_schema(conn, schema)
                if objects:
                    executed.extend(postgresql_engine.drop_objects(cur, schema, objects))
                if self.native:
                    if not postgresql_engine.schema_exists(conn, schema):
                        executed.append("CREATE SCHEMA %s" % quote_postgresql(schema))
                        cur.execute(executed[-1])
                    postgresql_engine.set_search_path(cur, schema)
                else:
                    # pg_dump --schema leaves extensions out (even those in the schema): create
                    # what the source had, where it had it, before the dump's objects use them.
                    for ext in (self.manifest.get("objects") or {}).get("extensions") or []:
                        for statement in postgresql_engine.extension_statements(dict(ext, in_dumped_schema=False)):
                            executed.append(statement)
                            cur.execute(statement)
                skip = self._creates_existing_schema(conn)
                with open_dump(dump_path) as reader:
                    for stmt in iter_statements(reader, "postgresql"):
                        if skip(stmt.sql.strip()):
                            continue
                        try:
                            if stmt.copy_data is not None:
                                cur.copy_expert(stmt.sql, stmt.copy_data, size=1024 * 1024)
                            else:
                                cur.execute(stmt.sql)
                        except Exception as exc:  # pylint: disable=broad-except
                            raise RestoreError(_statement_failed(stmt, exc)) from None
                if self.owner:
                    executed.extend(postgresql_engine.change_owner(cur, schema, self.owner))
                self.verify(postgresql_engine.table_checksums(
                    conn, schema, postgresql_engine.list_tables(conn, schema)))
            conn.commit()
            self.executed.extend(executed)
        except BaseException:
            conn.rollback()
            raise
        finally:
            conn.close()
