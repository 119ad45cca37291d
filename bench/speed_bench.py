"""Backup and restore speed against the client tools, on databases that already exist.

For each DATABASE given as ENGINE:SHAPE:SIZE=NAME (built beforehand with
``tests/fixtures/om_database.py --shape ... --size ...``), in this order, alternating the
native backup with the client pipeline:

  backup   native (jobs 1), dump | gzip -1, native (jobs 2)[, native (jobs 1), dump | gzip -1 with --repeat]
  restore  of the jobs-1 native dump: native (jobs 1), gzip -dc dump | client, native (jobs 2)

Native runs go through bench/native_runner.py (take_backup, verify on) and restore_backup in a
child process, under /usr/bin/time (wall, peak RSS of the main process; the parallel jobs'
peak is recorded apart). The client restore has no verification; the native one checks the
sha256 before and every table's checksum after. ``uptime`` load averages are recorded before
every run. Results: one JSON document (format openmetadata.ops/speed-bench) that bench/plot.py
reads.

    .venv/bin/python bench/speed_bench.py --output bench/results/DATE-speed-100MB.json \\
        mariadb:small-rows:100MB=p16_sr100 postgresql:small-rows:100MB=p16_sr100 ...
"""
from __future__ import annotations

import argparse
import datetime
import json
import os
import pathlib
import shutil
import subprocess
import sys
import tempfile
import time
from typing import Any, Optional

REPO = pathlib.Path(__file__).resolve().parents[1]
COLLECTIONS = REPO / ".build" / "collections"
PYTHON = sys.executable
MIB = 1024 * 1024
UNITS = {"MB": MIB, "GB": 1024 * MIB}
RESTORE = ("import sys, json; sys.path.insert(0, %r);"
           "from ansible_collections.openmetadata.ops.plugins.module_utils.database.db import DbParams;"
           "from ansible_collections.openmetadata.ops.plugins.module_utils.database.restore import restore_backup;"
           "r = restore_backup(DbParams(engine=%r, host='127.0.0.1', user=%r, database=%r), %r, jobs=%d);"
           "print(json.dumps({'msg': r['msg']}))")


def load() -> list[float]:
    with open("/proc/loadavg", encoding="ascii") as handle:
        return [float(x) for x in handle.read().split()[:3]]


def timed(argv: list[str], stdin: Any = None, stdout: Any = subprocess.PIPE) -> tuple[float, Optional[float], str]:
    """Wall seconds, peak RSS MiB (/usr/bin/time) and stdout of one process."""
    with tempfile.NamedTemporaryFile("r", suffix=".time") as tfile:
        started = time.monotonic()
        proc = subprocess.run(["/usr/bin/time", "-o", tfile.name, "-f", "%M"] + argv, stdin=stdin, stdout=stdout,
                              stderr=subprocess.PIPE, text=True, check=False)
        wall = time.monotonic() - started
        if proc.returncode != 0:
            raise RuntimeError("%s failed: %s" % (argv[:3], proc.stderr[-2000:]))
        lines = [line for line in tfile.read().split() if line.isdigit()]
    return wall, (int(lines[-1]) / 1024 if lines else None), proc.stdout if isinstance(proc.stdout, str) else ""


def pipeline(first: list[str], second: list[str], out_path: Optional[str]) -> float:
    """first | second [> out_path], fsync'd: wall seconds."""
    started = time.monotonic()
    out = open(out_path, "wb") if out_path else subprocess.DEVNULL  # pylint: disable=consider-using-with
    try:
        with subprocess.Popen(first, stdout=subprocess.PIPE) as one:
            two = subprocess.run(second, stdin=one.stdout, stdout=out, check=False)
            one.stdout.close()
        if one.returncode or two.returncode:
            raise RuntimeError("%s | %s failed" % (first[0], second[0]))
        if out_path:
            out.flush()
            os.fsync(out.fileno())
    finally:
        if out_path:
            out.close()
    return time.monotonic() - started


def admin(engine: str, sql: str) -> None:
    if engine == "mariadb":
        subprocess.run(["mariadb", "-h127.0.0.1", "-uroot", "-e", sql], check=True)
    else:
        subprocess.run(["psql", "-h127.0.0.1", "-Upostgres", "-qc", sql], check=True, stdout=subprocess.DEVNULL)


def drop(engine: str, name: str) -> None:
    admin(engine, "DROP DATABASE IF EXISTS %s" % name)


def dump_argv(engine: str, database: str) -> list[str]:
    if engine == "mariadb":
        return ["mariadb-dump", "-h127.0.0.1", "-uroot", "--single-transaction", "--quick", "--routines", "--triggers",
                "--hex-blob", "--no-tablespaces", "--tz-utc", "--default-character-set=utf8mb4", database]
    return ["pg_dump", "-h127.0.0.1", "-Upostgres", "--format=plain", "--no-owner", "--no-privileges",
            "--schema=public", database]


def run_case(engine: str, shape: str, size: str, database: str, work: str, repeat: bool) -> dict[str, Any]:
    module_engine = "mysql" if engine == "mariadb" else "postgresql"
    user = "root" if engine == "mariadb" else "postgres"
    case: dict[str, Any] = {"engine": engine, "shape": shape, "size": size,
                            "size_bytes": int(size[:-2]) * UNITS[size[-2:]], "database": database,
                            "backup": {}, "restore": {}}
    dest = os.path.join(work, "%s-%s-%s" % (engine, shape, size))
    os.makedirs(dest, exist_ok=True)

    def native(jobs: int) -> dict[str, Any]:
        before = load()
        wall, rss, out = timed([PYTHON, str(REPO / "bench" / "native_runner.py"), "--engine", module_engine,
                                "--user", user, "--database", database, "--dest", dest, "--jobs", str(jobs)])
        report = json.loads(out.strip().splitlines()[-1])
        return {"wall_s": round(wall, 2), "peak_rss_mib": round(rss, 1) if rss else None,
                "jobs_used": report.get("jobs"), "jobs_peak_rss_mib": round(report["children_max_rss_kib"] / 1024, 1),
                "load_before": before, "path": report["path"], "output_bytes": report["size"]}

    def client() -> dict[str, Any]:
        before = load()
        path = os.path.join(dest, "client.sql.gz")
        wall = pipeline(dump_argv(engine, database), ["gzip", "-1"], path)
        return {"wall_s": round(wall, 2), "load_before": before, "output_bytes": os.path.getsize(path)}

    order = [("native", 1), ("dump-gzip", 0), ("native-j2", 2)]
    if repeat:
        order += [("native#2", 1), ("dump-gzip#2", 0)]
    for key, jobs in order:
        case["backup"][key] = native(jobs) if jobs else client()
        print("%s %s %s backup %s: %.2f s (load %s)" % (engine, shape, size, key, case["backup"][key]["wall_s"],
                                                         case["backup"][key]["load_before"][0]), flush=True)
    dump = case["backup"]["native"]["path"]
    target = "speed_bench_restore"

    def native_restore(jobs: int) -> dict[str, Any]:
        drop(engine, target)
        before = load()
        wall, rss, _out = timed([PYTHON, "-c", RESTORE % (str(COLLECTIONS), module_engine, user, target, dump, jobs)])
        drop(engine, target)
        return {"wall_s": round(wall, 2), "peak_rss_mib": round(rss, 1) if rss else None, "load_before": before}

    def client_restore() -> dict[str, Any]:
        drop(engine, target)
        admin(engine, "CREATE DATABASE %s" % target)
        client = (["mariadb", "-h127.0.0.1", "-uroot", target] if engine == "mariadb" else
                  ["psql", "-h127.0.0.1", "-Upostgres", "-q", "-v", "ON_ERROR_STOP=1", "-d", target])
        before = load()
        wall = pipeline(["gzip", "-dc", dump], client, None)
        drop(engine, target)
        return {"wall_s": round(wall, 2), "load_before": before}

    for key, run in (("native", lambda: native_restore(1)), ("client", client_restore),
                     ("native-j2", lambda: native_restore(2))):
        case["restore"][key] = run()
        print("%s %s %s restore %s: %.2f s (load %s)" % (engine, shape, size, key, case["restore"][key]["wall_s"],
                                                          case["restore"][key]["load_before"][0]), flush=True)
    for run in case["backup"].values():
        run.pop("path", None)
    shutil.rmtree(dest, ignore_errors=True)
    return case


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("databases", nargs="+", help="ENGINE:SHAPE:SIZE=NAME, e.g. mariadb:small-rows:100MB=p16_sr100")
    parser.add_argument("--output", required=True)
    parser.add_argument("--work", default=str(REPO / "bench" / "work" / "speed"))
    parser.add_argument("--repeat", action="store_true", help="a second native / dump | gzip pair (A/B/A/B)")
    args = parser.parse_args()
    document: dict[str, Any] = {
        "format": "openmetadata.ops/speed-bench", "started_at": datetime.datetime.now(datetime.timezone.utc).isoformat(),
        "commit": subprocess.run(["git", "-C", str(REPO), "rev-parse", "--short", "HEAD"], capture_output=True,
                                 text=True, check=False).stdout.strip(),
        "cpus": os.cpu_count(), "cases": []}
    for spec in args.databases:
        head, name = spec.split("=", 1)
        engine, shape, size = head.split(":")
        document["cases"].append(run_case(engine, shape, size, name, args.work, args.repeat))
        pathlib.Path(args.output).write_text(json.dumps(document, indent=1) + "\n")
    document["finished_at"] = datetime.datetime.now(datetime.timezone.utc).isoformat()
    pathlib.Path(args.output).write_text(json.dumps(document, indent=1) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
