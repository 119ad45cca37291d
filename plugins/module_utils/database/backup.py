# -*- coding: utf-8 -*-
# Copyright: (c) 2026, openmetadata.ops contributors
# Apache License 2.0 (see LICENSE or https://www.apache.org/licenses/LICENSE-2.0)
"""Backups of the OpenMetadata database: take one, describe it, find it again.

A backup is two files in ``dest``: ``<name>.sql.gz`` (the dump) and
``<name>.manifest.json`` (what it holds, database/manifest). The manifest is written last, so a dump
without a manifest is never used. Both are 0600; ``dest`` is 0700.
"""
from __future__ import annotations

import datetime
import os
import signal
import threading
import time
from typing import Any, Callable, Optional

from ansible_collections.openmetadata.ops.plugins.module_utils.database import client_dump
from ansible_collections.openmetadata.ops.plugins.module_utils.database import mysql_engine
from ansible_collections.openmetadata.ops.plugins.module_utils.database import parallel
from ansible_collections.openmetadata.ops.plugins.module_utils.database import postgresql_engine
from ansible_collections.openmetadata.ops.plugins.module_utils.database.db import (
    DbError, DbParams, connect, flavor, server_version,
)
from ansible_collections.openmetadata.ops.plugins.module_utils.database.dumpfile import (
    AtomicCompressedWriter, DumpWriteError, UnsupportedObject,
)
from ansible_collections.openmetadata.ops.plugins.module_utils.database.manifest import (
    DUMP_SUFFIX, MANIFEST_FORMAT, MANIFEST_FORMAT_VERSION, MANIFEST_SUFFIX, checksum_method_for, dump_path_of,
    manifest_path_for, manifests_in, verify_file, write_manifest,
)
from ansible_collections.openmetadata.ops.plugins.module_utils.database.om_schema import (
    is_openmetadata_schema, read_schema_version,
)
from ansible_collections.openmetadata.ops.plugins.module_utils.progress import ProgressFile, backup_summary
from ansible_collections.openmetadata.ops.plugins.module_utils.versions import COLLECTION_VERSION


class BackupError(Exception):
    """The backup cannot be taken; nothing was left behind."""


class BackupTimeLimit(BackupError):
    """The backup ran longer than its ``time_limit`` and stopped itself."""


class Deadline:
    """Raise :class:`BackupTimeLimit` in this process after ``seconds`` (0: no limit), as a context manager.

    Ansible's async watcher kills the job's process group at its own limit, but a module can
    escape it: async_wrapper moves the job into its own group only after forking, so a module
    started before that stays outside, keeps dumping and writes files after the play said that it
    stopped. A limit of its own ends the backup in every case, through the clean-up of any failure
    (partial file removed, progress file marked failed). The exception may surface as another
    one (a driver that closes its connection on it, a clean-up that fails on that connection):
    ``expired`` tells. Forked table jobs get no alarm: they end when the parent closes them."""

    def __init__(self, seconds: int) -> None:
        self.seconds = seconds
        self.expired = False
        self._previous: Any = None
        self._timer: Optional[threading.Timer] = None
        self._hooks: list[Callable[[], None]] = []

    def on_expire(self, hook: Callable[[], None]) -> None:
        """Call ``hook`` from a timer thread at the limit: the alarm cannot interrupt a driver waiting in C
        (libpq), a cancel of its statement can."""
        self._hooks.append(hook)

    def _fire(self) -> None:
        self.expired = True
        for hook in self._hooks:
            try:
                hook()
            except Exception:  # pylint: disable=broad-except  # the alarm still stops the backup
                pass

    def error(self) -> BackupTimeLimit:
        return BackupTimeLimit("the backup ran longer than its time limit (%d s) and was stopped; its partial file "
                               "was removed and nothing else was changed" % self.seconds)

    def _expire(self, _signum: int, _frame: Any) -> None:
        self.expired = True
        raise self.error()

    def __enter__(self) -> "Deadline":
        if self.seconds > 0:
            self._previous = signal.signal(signal.SIGALRM, self._expire)
            signal.alarm(self.seconds)
            self._timer = threading.Timer(self.seconds, self._fire)
            self._timer.daemon = True
            self._timer.start()
        return self

    def __exit__(self, *_exc: Any) -> None:
        if self.seconds > 0:
            signal.alarm(0)
            signal.signal(signal.SIGALRM, self._previous)
            if self._timer is not None:
                self._timer.cancel()


class BackupProgress:
    """What the roles print while an async backup runs: tables done / total, rows dumped /
    estimated total (exact per table once dumped), bytes written, the current table.

    Only counts and names go to the file: no host, user or password."""

    ROW_STEP = 500  # report rows every this many (PostgreSQL hands us one row at a time)

    def __init__(self, path: Optional[str], database: str, method: str,
                 size: Optional[Any] = None) -> None:
        self.file = ProgressFile(path, "backup", summary=backup_summary)
        self.size = size  # () -> bytes written so far, once the dump file exists
        self._done_rows = 0  # rows of the finished tables
        self._table_rows = 0
        self._reported_rows = 0
        self._estimates: dict[str, int] = {}  # table -> rows, set by planned()
        self.file.update(force=True, database=database, method=method, phase="connecting",
                         tables_done=0, tables_total=None, rows_done=0, rows_estimated=None,
                         bytes_written=0, current_table=None)

    def phase(self, name: str, **values: Any) -> None:
        self.file.update(force=True, phase=name, **values)

    def planned(self, tables: list[str], estimates: dict[str, int]) -> None:
        self._estimates = {table: estimates.get(table, 0) for table in tables}
        self.file.update(force=True, tables_total=len(tables), rows_estimated=sum(self._estimates.values()))

    def table_started(self, table: str) -> None:
        self._table_rows = 0
        self._reported_rows = 0
        # Always written: a table that takes long (or waits on a lock) shows up at once.
        self.file.update(force=True, current_table=table, bytes_written=self._size())

    def rows(self, count: int) -> None:
        self._table_rows = count
        if count - self._reported_rows >= self.ROW_STEP:
            self._reported_rows = count
            self._report()

    def table_done(self, table: str, count: int) -> None:
        self._done_rows += count
        self._table_rows = 0
        if table in self._estimates:
            self._estimates[table] = count  # the exact count replaces the estimate
        self.file.data["tables_done"] = (self.file.data.get("tables_done") or 0) + 1
        self._report()

    def bytes(self, tables_seen: int) -> None:
        """Client dumps: no row counts, only the tables the output has reached."""
        self.file.update(tables_done=tables_seen, bytes_written=self._size())

    def _report(self) -> None:
        done = self._done_rows + self._table_rows
        estimated = sum(self._estimates.values()) if self._estimates else None
        if estimated is not None and done > estimated:
            estimated = done  # the estimate was low: never show more than 100%
        self.file.update(rows_done=done, rows_estimated=estimated, bytes_written=self._size())

    def _size(self) -> int:
        try:
            return int(self.size()) if self.size is not None else 0
        except (TypeError, ValueError):
            return 0

    def finish(self, state: str, **values: Any) -> None:
        if state == "done":
            values["current_table"] = None  # a failed backup keeps the table it was at
        self.file.finish(state, bytes_written=self._size(), **values)


def source_identity(params: DbParams) -> dict[str, Any]:
    return {
        "engine": params.engine,
        "host": params.unix_socket or params.host,
        "port": params.effective_port,
        "database": params.database,
        "schema": params.schema if params.engine == "postgresql" else None,
    }


def check_dest(dest: str) -> None:
    """Fail early, before connecting, when ``dest`` cannot hold a backup."""
    if os.path.isdir(dest):
        if not os.access(dest, os.W_OK | os.X_OK):
            raise BackupError("backup folder %s is not writable by %s: fix its permissions or choose another "
                              "dest" % (dest, _whoami()))
        return
    if os.path.exists(dest):
        raise BackupError("dest %s exists and is not a folder" % dest)
    parent = _existing_parent(dest)
    if not os.access(parent, os.W_OK | os.X_OK):
        raise BackupError("cannot create backup folder %s: %s is not writable by %s" % (dest, parent, _whoami()))


def make_dest(dest: str) -> None:
    """Create ``dest`` 0700 when missing (an existing folder keeps its permissions)."""
    if not os.path.isdir(dest):
        os.makedirs(dest, mode=0o700, exist_ok=True)
        os.chmod(dest, 0o700)


def _existing_parent(path: str) -> str:
    path = os.path.abspath(path)
    while not os.path.exists(path):
        path = os.path.dirname(path)
    return path


def _whoami() -> str:
    try:
        import pwd  # pylint: disable=import-outside-toplevel
        return pwd.getpwuid(os.geteuid()).pw_name
    except (ImportError, KeyError):
        return "uid %d" % os.geteuid()


def new_dump_path(dest: str, database: str, now: datetime.datetime) -> str:
    stamp = now.strftime("%Y%m%dT%H%M%SZ")
    base = os.path.join(dest, "openmetadata-%s-%s" % (database, stamp))
    candidate, n = base, 1
    while os.path.exists(candidate + DUMP_SUFFIX) or os.path.exists(candidate + MANIFEST_SUFFIX):
        n += 1
        candidate = "%s-%d" % (base, n)
    return candidate + DUMP_SUFFIX


class Snapshot:
    """What the database holds right now, read in one consistent transaction."""

    def __init__(self, params: DbParams, jobs: int = 1) -> None:
        self.params = params
        self.jobs = jobs  # parallel jobs wanted; jobs_used says what the dump got (see parallel.py)
        self.jobs_used = 1
        self.jobs_note: Optional[str] = None  # why fewer jobs than wanted
        self._jobs: Optional[parallel.TableJobs] = None
        self._export: Optional[str] = None  # PostgreSQL: the exported snapshot the jobs import
        self.conn = connect(params)
        try:
            self._read()
        except UnsupportedObject as exc:
            self.close()
            raise BackupError(str(exc)) from None
        except BaseException:
            self.close()
            raise
        self._checksums: Optional[dict[str, dict[str, Any]]] = None

    def _read(self) -> None:
        params = self.params
        self.version = server_version(self.conn)
        self.flavor = flavor(params.engine, self.version)
        if params.engine == "mysql":
            lock = None
            if self.jobs > 1:
                try:
                    lock = parallel.lock_tables_for_snapshot(params)
                except parallel.ParallelUnavailable as exc:
                    self.jobs_note = str(exc)
            try:
                mysql_engine.begin_snapshot(self.conn)
                self.tables = mysql_engine.list_tables(self.conn)
                if lock is not None:
                    if sorted(lock.omops_locked_tables) != sorted(self.tables):
                        self.jobs_note = "the tables changed while they were being locked"
                    else:
                        self._start_jobs(None)
            finally:
                if lock is not None:
                    parallel.unlock_tables(lock)
            self.options: dict[str, Any] = mysql_engine.database_options(self.conn)
            self.objects: Any = mysql_engine.SchemaObjects(self.conn)
            self.not_included = mysql_engine.other_objects(self.conn)
        else:
            if not self._schema_exists():
                raise DbError("schema '%s' does not exist in database '%s' on %s: check the schema option"
                              % (params.schema, params.database, params.where))
            postgresql_engine.begin_snapshot(self.conn, params.schema)
            if self.jobs > 1:
                with self.conn.cursor() as cur:
                    cur.execute("SELECT pg_catalog.pg_export_snapshot()")
                    self._export = cur.fetchone()[0]
            self.tables = postgresql_engine.list_tables(self.conn, params.schema)
            self.options = {}
            self.objects = postgresql_engine.SchemaObjects(self.conn, params.schema)
            self.not_included = postgresql_engine.other_objects(self.conn, params.schema)
        self.schema_version = read_schema_version(self.conn, params.engine, params.schema)

    def _start_jobs(self, token: Optional[str]) -> None:
        try:
            self._jobs = parallel.TableJobs(self.params, self.jobs, token)
            self.jobs_used = self.jobs
        except parallel.ParallelUnavailable as exc:
            self.jobs_note = str(exc)

    @property
    def checksums(self) -> dict[str, dict[str, Any]]:
        """Row count and checksum per table, computed by the server (a full read, so
        only when needed: the dump computes them on its own while reading)."""
        if self._checksums is None:
            if self.params.engine == "mysql":
                self._checksums = mysql_engine.table_checksums(self.conn, self.tables)
            else:
                self._checksums = postgresql_engine.table_checksums(self.conn, self.params.schema, self.tables)
        return self._checksums

    def _schema_exists(self) -> bool:
        exists = postgresql_engine.schema_exists(self.conn, self.params.schema)
        self.conn.rollback()
        return exists

    def estimated_rows(self) -> dict[str, int]:
        """Row estimates from the catalog (cheap), for progress only."""
        if self.params.engine == "mysql":
            return mysql_engine.estimated_rows(self.conn)
        return postgresql_engine.estimated_rows(self.conn, self.params.schema)

    def dump(self, write: Any, progress: Optional[BackupProgress] = None, writer: Any = None,
             dest: str = "", level: int = 1) -> dict[str, dict[str, Any]]:
        """Write the dump; return what was written: {table: {rows, checksum}}. With parallel
        jobs (``writer``, an AtomicCompressedWriter, takes their table segments), the tables
        come from the jobs and the rest from this connection, in the serial dump's order."""
        if self.params.engine == "postgresql" and self._export and writer is not None and self._jobs is None:
            self._start_jobs(self._export)
        jobs = self._jobs if writer is not None else None
        if self.params.engine == "mysql":
            write(mysql_engine.DUMP_PROLOGUE)
            written = {}
            if jobs is not None:
                written = jobs.dump(self.tables, self.estimated_rows(), {}, writer.splice, dest, level, progress)
            for table in self.tables if jobs is None else ():
                if progress is not None:
                    progress.table_started(table)
                written[table] = mysql_engine.dump_table(self.conn, table, write,
                                                         progress.rows if progress is not None else None)
                if progress is not None:
                    progress.table_done(table, written[table]["rows"])
            for obj in self.objects.all():
                write(mysql_engine.object_dump_text(obj))
            write(mysql_engine.DUMP_EPILOGUE)
        else:
            write(postgresql_engine.DUMP_PROLOGUE)
            copy_tables = None
            if jobs is not None:
                def copy_tables(tables: list[str], column_lists: dict[str, str]) -> dict[str, dict[str, Any]]:
                    return jobs.dump(tables, self.estimated_rows(), column_lists, writer.splice, dest, level,
                                     progress)
            written = postgresql_engine.dump_schema(self.conn, self.params.schema, self.tables, write, progress,
                                                    self.objects, copy_tables)
        if self._checksums is not None and written != self._checksums:
            raise BackupError("the dump does not match the snapshot it was read from (%s); the backup was "
                              "discarded" % ", ".join(sorted(t for t in written if written[t] != self._checksums.get(t))))
        self._checksums = written
        return written

    def cancel(self) -> None:
        """Stop the statement the snapshot's connection runs, from another thread (the time limit):
        PostgreSQL's cancel request; on MySQL/MariaDB KILL QUERY over a connection of its own."""
        if self.params.engine == "postgresql":
            self.conn.cancel()
            return
        killer = connect(self.params, autocommit=True)
        try:
            with killer.cursor() as cur:
                cur.execute("KILL QUERY %d" % int(self.conn.thread_id()))
        finally:
            killer.close()

    def close(self) -> None:
        """Call after the dump file is committed: the jobs' segment folder goes too."""
        if self._jobs is not None:
            self._jobs.close()
        try:
            self.conn.rollback()
        finally:
            self.conn.close()


def find_reusable(dest: str, params: DbParams, snapshot: Snapshot, method: str,
                  openmetadata_version: Optional[str]) -> Optional[tuple[str, dict[str, Any]]]:
    """The newest intact backup of this database, made the same way, that holds exactly
    what the database holds now."""
    if not os.path.isdir(dest):
        return None
    wanted = {"source": source_identity(params), "schema_version": snapshot.schema_version,
              "checksum_method": checksum_method_for(params.engine), "method": method,
              "openmetadata_version": openmetadata_version}
    candidates = [(path, manifest) for path, manifest in manifests_in(dest)
                  if all(manifest.get(key) == value for key, value in wanted.items())]
    objects = snapshot.objects.summary()
    for path, manifest in reversed(candidates):
        if manifest.get("objects") != objects:
            continue  # a view, routine or other object changed (or the manifest predates objects)
        if manifest.get("tables") == snapshot.checksums and verify_file(path, manifest) is None:
            return path, manifest
    return None


def apply_retention(dest: str, params: DbParams, keep: int, protect: str) -> list[str]:
    """Remove the oldest backups of the same database beyond ``keep`` (0 keeps all)."""
    if keep <= 0:
        return []
    identity = source_identity(params)
    mine = [(m.get("finished_at", ""), p, m) for p, m in manifests_in(dest) if m.get("source") == identity]
    mine.sort(key=lambda item: (item[0], item[1]))
    removed = []
    excess = len(mine) - keep
    for _finished, path, manifest in mine:
        if excess <= 0:
            break
        if path == protect:
            continue
        for victim in (dump_path_of(path, manifest), path):
            if os.path.exists(victim):
                os.unlink(victim)
                removed.append(victim)
        excess -= 1
    return removed


def take_backup(params: DbParams, dest: str, *, method: str = "native", force: bool = False, keep: int = 0,
                check_mode: bool = False, openmetadata_version: Optional[str] = None,
                compress_level: int = 1, client_path: Optional[str] = None, verify: bool = True,
                require_openmetadata: bool = True, progress_file: Optional[str] = None,
                jobs: int = 1, time_limit: int = 0) -> dict[str, Any]:
    """``jobs``: tables read in parallel over this many connections, each its own process
    (native method only; 0 = one per CPU, at most 4; see parallel.py for how they share
    one view of the data). ``time_limit``: seconds before the backup stops itself (0: none)."""
    progress = BackupProgress(progress_file, params.database, method)
    if jobs <= 0:
        jobs = parallel.auto_jobs()
    jobs = min(jobs, parallel.MAX_JOBS) if method == "native" else 1
    deadline = Deadline(time_limit)
    try:
        with deadline:
            result = _take_backup(params, dest, method, force, keep, check_mode, openmetadata_version,
                                  compress_level, client_path, verify, require_openmetadata, progress, jobs,
                                  deadline)
    except BaseException:
        if deadline.expired:
            progress.finish("failed", stopped_after_s=time_limit)
            raise deadline.error() from None
        progress.finish("failed")
        raise
    values: dict[str, Any] = {"phase": "reused" if result.get("reused") else "written"}
    if result.get("rows"):  # the exact counts of the manifest
        values.update(rows_done=sum(result["rows"].values()), rows_estimated=sum(result["rows"].values()),
                      tables_done=len(result["rows"]))
    progress.finish("done", **values)
    return result


def _take_backup(params: DbParams, dest: str, method: str, force: bool, keep: int, check_mode: bool,
                 openmetadata_version: Optional[str], compress_level: int, client_path: Optional[str],
                 verify: bool, require_openmetadata: bool, progress: BackupProgress, jobs: int = 1,
                 deadline: Optional[Deadline] = None) -> dict[str, Any]:
    dest = os.path.abspath(dest)
    check_dest(dest)
    binary = client_dump.find_client(params.engine, client_path) if method == "client" else None
    snapshot = Snapshot(params, jobs)
    if deadline is not None:
        deadline.on_expire(snapshot.cancel)
    try:
        progress.planned(snapshot.tables, snapshot.estimated_rows())
        if require_openmetadata and not is_openmetadata_schema(snapshot.schema_version):
            raise BackupError(
                "database '%s' on %s has no OpenMetadata change-log tables (DATABASE_CHANGE_LOG, "
                "SERVER_CHANGE_LOG): is it the OpenMetadata database? Check the database option, or set "
                "require_openmetadata=false to back up any database" % (params.database, params.where))
        if not force:
            progress.phase("looking for a backup of the same data")
            reusable = find_reusable(dest, params, snapshot, method, openmetadata_version)
            if reusable:
                path, manifest = reusable
                return _result(False, dump_path_of(path, manifest), path, manifest, reused=True,
                               msg="an intact backup of the same data already exists: %s" % path)
        now = datetime.datetime.now(datetime.timezone.utc)
        dump_path = new_dump_path(dest, params.database, now)
        manifest_path = manifest_path_for(dump_path)
        if check_mode:
            return _result(True, dump_path, manifest_path, None, reused=False,
                           msg="would write %s (%d tables, %d rows)" % (
                               dump_path, len(snapshot.tables), sum(t["rows"] for t in snapshot.checksums.values())))
        started = time.time()
        make_dest(dest)
        writer = AtomicCompressedWriter(dump_path, level=compress_level)
        progress.size = lambda: writer.size
        try:
            if method == "native":
                progress.phase("dumping")
                snapshot.dump(writer.write, progress, writer if jobs > 1 else None, dest, compress_level)
                dump_format = "native-%s" % params.engine
                tool = "openmetadata.ops %s" % COLLECTION_VERSION
            else:
                progress.phase("checksums")
                before = snapshot.checksums  # what the client's own snapshot must also hold
                progress.phase("dumping")
                argv = client_dump.run_client_dump(params, binary or "", _counting(writer.write, params.engine,
                                                                                   progress))
                dump_format = "mysqldump" if params.engine == "mysql" else "pg_dump-plain"
                tool = client_dump.client_version(argv[0])
                progress.phase("checking that the data did not change")
                _check_unchanged(params, before)
            progress.phase("writing")
            writer.commit()
        except BaseException:
            writer.abort()
            raise
        manifest = {
            "format": MANIFEST_FORMAT,
            "format_version": MANIFEST_FORMAT_VERSION,
            "collection_version": COLLECTION_VERSION,
            "method": method,
            "dump_format": dump_format,
            "tool": tool,
            "compression": "gzip",
            "file": os.path.basename(dump_path),
            "size": writer.size,
            "uncompressed_size": writer.raw_size,
            "sha256": writer.sha256,
            "engine": snapshot.flavor,
            "server_version": snapshot.version,
            "source": source_identity(params),
            "database_options": snapshot.options,
            "openmetadata_version": openmetadata_version,
            "schema_version": snapshot.schema_version,
            "checksum_method": checksum_method_for(params.engine),
            "tables": snapshot.checksums,
            "objects": snapshot.objects.summary(),
            "not_included": snapshot.not_included,
            "started_at": now.isoformat(),
            "finished_at": datetime.datetime.now(datetime.timezone.utc).isoformat(),
            "duration_seconds": round(time.time() - started, 3),
        }
        try:
            if verify:
                progress.phase("verifying")
                problem = verify_file(manifest_path, manifest)
                if problem:
                    raise BackupError("the backup just written does not read back: %s" % problem)
            write_manifest(manifest_path, manifest)
        except BaseException:
            os.unlink(dump_path)
            raise
        removed = apply_retention(dest, params, keep, manifest_path)
        extra: dict[str, Any] = {"jobs": snapshot.jobs_used if method == "native" else 1}
        if snapshot.jobs_note:
            extra["warnings"] = ["%d parallel jobs were asked for; the tables were read over one connection: %s"
                                 % (jobs, snapshot.jobs_note)]
        return _result(True, dump_path, manifest_path, manifest, reused=False, removed=removed,
                       msg="backup written to %s" % dump_path, **extra)
    except (DumpWriteError, UnsupportedObject, parallel.ParallelDumpError) as exc:
        raise BackupError(str(exc)) from None
    except client_dump.ClientDumpError as exc:
        raise BackupError(str(exc)) from None
    finally:
        snapshot.close()


# Where a client dump starts a table's data: mysqldump writes each table's CREATE TABLE
# before its INSERTs; pg_dump writes every CREATE TABLE first, then one COPY per table.
TABLE_MARKERS = {"mysql": b"\nCREATE TABLE ", "postgresql": b"\nCOPY "}


def _counting(write: Any, engine: str, progress: BackupProgress) -> Any:
    """``write`` that also tells ``progress`` how many tables the client's output reached
    (a marker split across two reads is missed: the count is progress, not proof)."""
    marker = TABLE_MARKERS[engine]
    seen = [0]

    def counted(block: bytes) -> Any:
        seen[0] += block.count(marker)
        progress.bytes(seen[0])
        return write(block)
    return counted


def _check_unchanged(params: DbParams, before: dict[str, dict[str, Any]]) -> None:
    """A client tool reads its own snapshot: make sure it saw the data we describe."""
    after = Snapshot(params)
    try:
        now = after.checksums
    finally:
        after.close()
    if now != before:
        changed = sorted(t for t in set(now) | set(before) if now.get(t) != before.get(t))
        raise BackupError("the database changed while the client dump ran (tables %s); stop OpenMetadata "
                          "(and its ingestion) before the backup, then run it again" % ", ".join(changed[:10]))


def _result(changed: bool, path: str, manifest_path: str, manifest: Optional[dict[str, Any]], **extra: Any) -> dict:
    result: dict[str, Any] = {"changed": changed, "path": path, "manifest_path": manifest_path,
                              "manifest": manifest}
    if manifest:
        result["size"] = manifest["size"]
        result["duration"] = manifest["duration_seconds"]
        result["rows"] = {table: info["rows"] for table, info in manifest["tables"].items()}
    result.update(extra)
    return result
