"""Restore timing: the native restore (with its verification) against the standard client
reading the same dump (``gzip -dc dump | mariadb`` / ``| psql``, no verification).

    .venv/bin/python bench/restore_bench.py --engine mariadb --size-mb 1024 [--shape small-rows]

Builds the fixture database, takes a native backup, then restores it twice into new
databases: once with ``restore_backup`` in a child process (timed with /usr/bin/time for
wall time and peak RSS), once with the client. Drops every database it made.
"""
from __future__ import annotations

import argparse
import pathlib
import shutil
import subprocess
import sys
import tempfile
import time

REPO = pathlib.Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / ".build" / "collections"))
sys.path.insert(0, str(REPO / "tests"))

from fixtures import om_database  # noqa: E402  pylint: disable=wrong-import-position
from ansible_collections.openmetadata.ops.plugins.module_utils.database.backup import take_backup  # noqa: E402
from ansible_collections.openmetadata.ops.plugins.module_utils.database.db import DbParams  # noqa: E402

RESTORE = ("import sys; sys.path.insert(0, %r);"
           "from ansible_collections.openmetadata.ops.plugins.module_utils.database.db import DbParams;"
           "from ansible_collections.openmetadata.ops.plugins.module_utils.database.restore import restore_backup;"
           "print(restore_backup(DbParams(engine=%r, user=%r, database=%r), %r)['msg'])")


def client_restore(engine: str, dump: str, database: str) -> float:
    if engine == "mariadb":
        subprocess.run(["mariadb", "-h127.0.0.1", "-uroot", "-e", "CREATE DATABASE %s" % database], check=True)
        client = ["mariadb", "-h127.0.0.1", "-uroot", database]
    else:
        subprocess.run(["psql", "-h127.0.0.1", "-Upostgres", "-qc", "CREATE DATABASE %s" % database], check=True)
        client = ["psql", "-h127.0.0.1", "-Upostgres", "-q", "-v", "ON_ERROR_STOP=1", "-d", database]
    started = time.monotonic()
    with subprocess.Popen(["gzip", "-dc", dump], stdout=subprocess.PIPE) as unzip:
        subprocess.run(client, stdin=unzip.stdout, stdout=subprocess.DEVNULL, check=True)
    return time.monotonic() - started


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--engine", choices=om_database.ENGINES, default="mariadb")
    parser.add_argument("--size-mb", type=int, default=100)
    parser.add_argument("--shape", choices=om_database.SHAPES, default="documents")
    args = parser.parse_args()
    engine = args.engine
    params = DbParams(engine="mysql" if engine == "mariadb" else "postgresql",
                      user="root" if engine == "mariadb" else "postgres", database="restore_bench_src")
    dest = tempfile.mkdtemp(prefix="restore-bench-")
    names = ("restore_bench_src", "restore_bench_native", "restore_bench_client")
    try:
        om_database.build(engine, names[0], size_bytes=args.size_mb * 1024 * 1024, shape=args.shape)
        dump = take_backup(params, dest)["path"]
        code = RESTORE % (str(REPO / ".build" / "collections"), params.engine, params.user, names[1], dump)
        subprocess.run(["/usr/bin/time", "-f", "%s %d MB %s native restore + verify: %%e s, peak RSS %%M KiB"
                        % (engine, args.size_mb, args.shape), sys.executable, "-c", code], check=True)
        seconds = client_restore(engine, dump, names[2])
        print("%s %d MB %s client restore (no verify): %.2f s" % (engine, args.size_mb, args.shape, seconds))
    finally:
        for name in names:
            om_database.drop(engine, name)
        shutil.rmtree(dest, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
