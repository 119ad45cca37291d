# -*- coding: utf-8 -*-
# Copyright: (c) 2026, openmetadata.ops contributors
# Apache License 2.0 (see LICENSE or https://www.apache.org/licenses/LICENSE-2.0)
"""Run one native backup (``take_backup``) in a fresh process, for bench/backup_bench.py.

The benchmark runs this script under ``/usr/bin/time`` so that wall time and peak RSS are
those of a whole native backup as a module would run it: interpreter start, imports, the
server-side checksums, the dump (gzip level 1 + sha256 in the writer thread, fsync), the
read-back of the file to verify its sha256 (unless ``--no-verify``) and the manifest.

It prints one JSON object on stdout: the phases (seconds, measured by light wrappers around
the collection's functions; they do not change what runs), the dump's sizes and, with
``--profile PREFIX``, where cProfile output went (main thread and the dump-writer thread
profiled separately: ``PREFIX.main.prof``, ``PREFIX.writer.prof`` and ``PREFIX.txt``).

    python bench/native_runner.py --engine mysql --user root --database om_bench --dest DIR
"""
from __future__ import annotations

import argparse
import functools
import json
import os
import sys
import time
from typing import Any, Callable

_STARTED = time.monotonic()
ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
COLLECTIONS = os.path.join(ROOT, ".build", "collections")


def _timed(phases: dict[str, float], name: str, func: Callable[..., Any]) -> Callable[..., Any]:
    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        started = time.monotonic()
        try:
            return func(*args, **kwargs)
        finally:
            phases[name] = phases.get(name, 0.0) + time.monotonic() - started
    return wrapper


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--engine", required=True, choices=("mysql", "postgresql"))
    parser.add_argument("--user", required=True)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int)
    parser.add_argument("--database", required=True)
    parser.add_argument("--dest", required=True)
    parser.add_argument("--no-verify", action="store_true", help="take_backup(verify=False)")
    parser.add_argument("--jobs", type=int, default=1, help="take_backup(jobs=N)")
    parser.add_argument("--profile", metavar="PREFIX", help="cProfile both threads, write PREFIX.*")
    args = parser.parse_args()

    sys.path.insert(0, COLLECTIONS)
    # pylint: disable=import-outside-toplevel
    from ansible_collections.openmetadata.ops.plugins.module_utils.database import backup, dumpfile
    from ansible_collections.openmetadata.ops.plugins.module_utils.database import mysql_engine, postgresql_engine
    from ansible_collections.openmetadata.ops.plugins.module_utils.database.db import DbParams

    phases: dict[str, float] = {"startup_and_imports": time.monotonic() - _STARTED}
    # Phase timers: module-level names that take_backup looks up at call time.
    backup.Snapshot.__init__ = _timed(phases, "snapshot_total", backup.Snapshot.__init__)
    mysql_engine.table_checksums = _timed(phases, "checksums", mysql_engine.table_checksums)
    postgresql_engine.table_checksums = _timed(phases, "checksums", postgresql_engine.table_checksums)
    backup.Snapshot.dump = _timed(phases, "dump_rows", backup.Snapshot.dump)
    dumpfile.AtomicCompressedWriter.commit = _timed(phases, "writer_drain_and_fsync",
                                                    dumpfile.AtomicCompressedWriter.commit)
    backup.verify_file = _timed(phases, "verify_reread_sha256", backup.verify_file)

    profilers: dict[str, Any] = {}
    if args.profile:
        import cProfile
        original_drain = dumpfile.AtomicCompressedWriter._drain  # pylint: disable=protected-access

        def profiled_drain(self: Any) -> None:
            prof = cProfile.Profile()
            profilers["writer"] = prof
            prof.runcall(original_drain, self)

        dumpfile.AtomicCompressedWriter._drain = profiled_drain  # pylint: disable=protected-access
        profilers["main"] = cProfile.Profile()

    params = DbParams(engine=args.engine, host=args.host, port=args.port, user=args.user,
                      database=args.database)
    started = time.monotonic()
    call = functools.partial(backup.take_backup, params, args.dest, force=True, verify=not args.no_verify,
                             jobs=args.jobs)
    result = profilers["main"].runcall(call) if args.profile else call()
    phases["take_backup"] = time.monotonic() - started
    phases["snapshot_other"] = phases.get("snapshot_total", 0.0) - phases.get("checksums", 0.0)

    out: dict[str, Any] = {
        "phases": {k: round(v, 3) for k, v in phases.items()},
        "size": result["size"],
        "uncompressed_size": result["manifest"]["uncompressed_size"],
        "manifest_duration_seconds": result["duration"],
        "tables": len(result["manifest"]["tables"]),
        "rows": sum(result["rows"].values()),
        "path": result["path"],
        "jobs": result.get("jobs"),
        "children_max_rss_kib": __import__("resource").getrusage(__import__("resource").RUSAGE_CHILDREN).ru_maxrss,
    }
    if args.profile:
        out["profile"] = _write_profiles(args.profile, profilers)
    print(json.dumps(out))
    return 0


def _write_profiles(prefix: str, profilers: dict[str, Any]) -> dict[str, str]:
    import io  # pylint: disable=import-outside-toplevel
    import pstats  # pylint: disable=import-outside-toplevel
    files = {}
    report = io.StringIO()
    for name, prof in profilers.items():
        path = "%s.%s.prof" % (prefix, name)
        prof.dump_stats(path)
        files[name] = path
        for order in ("tottime", "cumulative"):
            report.write("===== thread %s, sorted by %s =====\n" % (name, order))
            pstats.Stats(prof, stream=report).strip_dirs().sort_stats(order).print_stats(25)
    with open(prefix + ".txt", "w", encoding="utf-8") as handle:
        handle.write(report.getvalue())
    files["text"] = prefix + ".txt"
    return files


if __name__ == "__main__":
    sys.exit(main())
