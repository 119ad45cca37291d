# -*- coding: utf-8 -*-
# Copyright: (c) 2026, openmetadata.ops contributors
# Apache License 2.0 (see LICENSE or https://www.apache.org/licenses/LICENSE-2.0)
"""A native backup's tables dumped in parallel (``jobs`` > 1), in one consistent view.

Each job is a worker process (the row work is Python: threads would share one core
through the GIL) with its own connection, reading the same snapshot as the backup's main
connection:

- PostgreSQL: the main transaction exports its snapshot (``pg_export_snapshot()``) and
  every worker imports it (``SET TRANSACTION SNAPSHOT``): one snapshot, whatever else
  runs on the server.
- MySQL/MariaDB have no shared snapshot. A coordinating connection takes
  ``LOCK TABLES ... READ`` on every table (it waits for open write transactions to end
  and holds new writes back), the main connection and every worker start their
  consistent snapshots under that lock, and the lock is released before any data is
  read: all of them see the same data (mydumper does the same with FLUSH TABLES WITH READ
  LOCK). When the lock cannot be had within ``LOCK_WAIT_SECONDS`` (OpenMetadata is running
  and writing, or the user lacks the LOCK TABLES privilege) the backup runs on the one
  main connection and says so.

A worker writes each table it is given (MySQL: DROP/CREATE TABLE and its INSERTs;
PostgreSQL: its COPY block) into a gzip segment file in a private folder inside ``dest``;
the main process splices the segments into the dump in table order
(:meth:`AtomicCompressedWriter.splice`), so the dump is the same SQL text as a serial one.
"""
from __future__ import annotations

import multiprocessing
import os
import queue
import resource
import shutil
import tempfile
from typing import Any, Callable, Optional

from ansible_collections.openmetadata.ops.plugins.module_utils.database import mysql_engine
from ansible_collections.openmetadata.ops.plugins.module_utils.database import postgresql_engine
from ansible_collections.openmetadata.ops.plugins.module_utils.database.db import DbParams, connect, quote_mysql
from ansible_collections.openmetadata.ops.plugins.module_utils.database.dumpfile import AtomicCompressedWriter

LOCK_WAIT_SECONDS = 20  # MySQL: how long the coordinating LOCK TABLES may wait for writers
MAX_JOBS = 16


def auto_jobs() -> int:
    """``jobs: 0``: one job per CPU of this host, at most 4 (the server needs cores too)."""
    return max(1, min(4, os.cpu_count() or 1))


class ParallelUnavailable(Exception):
    """The tables cannot be read in parallel in one view; the backup runs serially."""


class ParallelDumpError(Exception):
    """A job failed while it dumped a table (the backup fails; nothing is left behind)."""


def lock_tables_for_snapshot(params: DbParams) -> Any:
    """MySQL: a connection holding LOCK TABLES ... READ on every base table of the database,
    so that snapshots started now all see the same data. Raises ParallelUnavailable."""
    conn = connect(params, autocommit=True)
    try:
        with conn.cursor() as cur:
            cur.execute("SET SESSION lock_wait_timeout = %d" % LOCK_WAIT_SECONDS)
            tables = mysql_engine.list_tables(conn)
            if tables:
                cur.execute("LOCK TABLES " + ", ".join("%s READ" % quote_mysql(t) for t in tables))
    except Exception as exc:  # pylint: disable=broad-except
        conn.close()
        raise ParallelUnavailable("LOCK TABLES ... READ for a consistent parallel read failed (%s)"
                                  % str(exc).strip()) from None
    conn.omops_locked_tables = tables
    return conn


def unlock_tables(conn: Any) -> None:
    try:
        with conn.cursor() as cur:
            cur.execute("UNLOCK TABLES")
    finally:
        conn.close()


def _worker(params: DbParams, engine: str, token: Optional[str], tasks: Any, results: Any) -> None:
    """One job: open a connection in the shared view, then dump the tables it is given."""
    try:
        conn = connect(params)
        if engine == "postgresql":
            conn.set_session(isolation_level="REPEATABLE READ", readonly=True)
            with conn.cursor() as cur:
                cur.execute("SET TRANSACTION SNAPSHOT %s", (token,))
                postgresql_engine.set_search_path(cur, params.schema)
        else:
            mysql_engine.begin_snapshot(conn)
    except Exception as exc:  # pylint: disable=broad-except
        results.put(("ready", os.getpid(), "a parallel job could not open its connection: %s" % exc))
        return
    results.put(("ready", os.getpid(), None))
    while True:
        task = tasks.get()
        if task is None:
            break
        index, table, column_list, path, level = task
        try:
            segment = AtomicCompressedWriter(path, level=level, durable=False)
            try:
                if engine == "postgresql":
                    with conn.cursor() as cur:
                        info = postgresql_engine.copy_out_columns(cur, params.schema, table, column_list,
                                                                  segment.write)
                else:
                    info = mysql_engine.dump_table(conn, table, segment.write)
                segment.commit()
            except BaseException:
                segment.abort()
                raise
            results.put(("table", index, (info, path, segment.raw_size)))
        except Exception as exc:  # pylint: disable=broad-except
            results.put(("error", index, "table %s: %s" % (table, exc)))
            break
    results.put(("rss", os.getpid(), resource.getrusage(resource.RUSAGE_SELF).ru_maxrss))


class TableJobs:
    """``jobs`` worker processes in one view of the database (see the module docstring).

    Start it while that view is guaranteed (PostgreSQL: the exporting transaction is open;
    MySQL: the tables are locked); :meth:`dump` then hands out the tables, biggest first,
    and splices each finished table into the dump in table order."""

    def __init__(self, params: DbParams, jobs: int, token: Optional[str] = None) -> None:
        self.params = params
        self.jobs = jobs
        self.folder: Optional[str] = None
        context = multiprocessing.get_context("fork")
        self._tasks: Any = context.Queue()
        self._results: Any = context.Queue()
        self.worker_rss_kib: list[int] = []
        self._procs = [context.Process(target=_worker, args=(params, params.engine, token, self._tasks,
                                                             self._results), daemon=True)
                       for _job in range(jobs)]
        for proc in self._procs:
            proc.start()
        try:
            for _proc in self._procs:
                _kind, _pid, problem = self._get()
                if problem:
                    raise ParallelUnavailable(problem)
        except ParallelDumpError as exc:
            self.close()
            raise ParallelUnavailable(str(exc)) from None
        except BaseException:
            self.close()
            raise

    def _get(self) -> Any:
        while True:
            try:
                return self._results.get(timeout=1)
            except queue.Empty:
                if not any(proc.is_alive() for proc in self._procs):
                    raise ParallelDumpError("every parallel job exited unexpectedly (exit codes %s)" % ", ".join(
                        str(proc.exitcode) for proc in self._procs)) from None

    def dump(self, tables: list[str], sizes: dict[str, int], column_lists: dict[str, str],
             splice: Callable[[str, int], Any], dest: str, level: int,
             progress: Any = None) -> dict[str, dict[str, Any]]:
        """Dump ``tables`` (segments in a private folder in ``dest``, gzip ``level``); splice
        each into the dump in the given order; return {table: {rows, checksum}} as the
        serial dump does."""
        self.folder = tempfile.mkdtemp(prefix=".omops-parallel-", dir=dest)
        order = sorted(range(len(tables)), key=lambda i: (-sizes.get(tables[i], 0), i))
        for index in order:
            self._tasks.put((index, tables[index], column_lists.get(tables[index], ""),
                             os.path.join(self.folder, "%05d.gz" % index), level))
        for _proc in self._procs:
            self._tasks.put(None)
        done: dict[int, Any] = {}
        written: dict[str, dict[str, Any]] = {}
        for index, table in enumerate(tables):
            if progress is not None:
                progress.table_started(table)
            while index not in done:
                kind, key, value = self._get()
                if kind == "error":
                    raise ParallelDumpError("a parallel job failed: %s" % value)
                if kind == "table":
                    done[key] = value
                elif kind == "rss":
                    self.worker_rss_kib.append(value)
            info, path, raw_size = done.pop(index)
            splice(path, raw_size)
            written[table] = info
            if progress is not None:
                progress.table_done(table, info["rows"])
        return written

    def close(self) -> None:
        """Stop the workers (they have finished after dump()) and remove the segments left."""
        for proc in self._procs:
            proc.join(timeout=5)
            if proc.is_alive():
                proc.terminate()
                proc.join()
        while True:
            try:
                kind, _key, value = self._results.get_nowait()
            except (queue.Empty, OSError, ValueError):
                break
            if kind == "rss":
                self.worker_rss_kib.append(value)
        self._tasks.close()
        self._results.close()
        if self.folder:
            shutil.rmtree(self.folder, ignore_errors=True)
