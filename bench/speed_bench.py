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
reads; ``--report FILE`` prints its tables in Markdown (each tool's faster run when it ran twice).

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


def run_case(engine: str, shape: str, size: str, database: str, work: str, repeat: bool,
             restore_tools: tuple[str, ...] = ("native", "client", "native-j2"),
             backup_tools: tuple[str, ...] = ("native", "dump-gzip", "native-j2"),
             save: Any = None) -> dict[str, Any]:
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
    order = [(key, jobs) for key, jobs in order if key.split("#", maxsplit=1)[0] in backup_tools or key == "native"]
    for key, jobs in order:
        case["backup"][key] = native(jobs) if jobs else client()
        if save is not None:
            save(case)
        print("%s %s %s backup %s: %.2f s (load %s)"
              % (engine, shape, size, key, case["backup"][key]["wall_s"], case["backup"][key]["load_before"][0]),
              flush=True)
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
        if key not in restore_tools:
            continue
        case["restore"][key] = run()
        if save is not None:
            save(case)
        print("%s %s %s restore %s: %.2f s (load %s)"
              % (engine, shape, size, key, case["restore"][key]["wall_s"], case["restore"][key]["load_before"][0]),
              flush=True)
    for run in case["backup"].values():
        run.pop("path", None)
    shutil.rmtree(dest, ignore_errors=True)
    return case


def _best(runs: dict[str, Any], tool: str) -> Optional[dict[str, Any]]:
    """The faster of a tool's runs (tool, tool#2): the one less disturbed by other load."""
    found = [run for key, run in runs.items() if key.split("#")[0] == tool and run.get("wall_s")]
    return min(found, key=lambda run: run["wall_s"]) if found else None


def report(document: dict[str, Any]) -> str:
    """Markdown: per case, backup and restore wall times and the ratios against the clients."""
    lines = ["| engine | shape | size | backup native (jobs 1) | jobs 2 | `dump \\| gzip -1` | ratio jobs 1 | "
             "ratio jobs 2 | restore native + verify (jobs 1) | jobs 2 | `gzip -dc \\| client` | ratio jobs 1 | "
             "ratio jobs 2 | peak RSS MiB backup / restore (jobs' own) | load avg (1 min) |",
             "|---|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|---|"]
    for case in document["cases"]:
        b1, b2, bc = (_best(case["backup"], t) for t in ("native", "native-j2", "dump-gzip"))
        r1, r2, rc = (_best(case["restore"], t) for t in ("native", "native-j2", "client"))

        def sec(run: Optional[dict[str, Any]]) -> str:
            return "%.2f s" % run["wall_s"] if run else "—"

        def ratio(native: Optional[dict[str, Any]], client: Optional[dict[str, Any]]) -> str:
            if not native or not client:
                return "—"
            value = client["wall_s"] / native["wall_s"]
            return ("%.2f×" if value >= 1 else "**%.2f×**") % value

        loads = [run["load_before"][0] for op in ("backup", "restore") for run in case[op].values()]
        rss = "%s / %s (%s)" % (
            (b1 or {}).get("peak_rss_mib") or "—", (r1 or {}).get("peak_rss_mib") or "—",
            (b2 or {}).get("jobs_peak_rss_mib") or "—")
        lines.append("| %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %.1f-%.1f |" % (
            case["engine"], case["shape"], case["size"], sec(b1), sec(b2), sec(bc), ratio(b1, bc), ratio(b2, bc),
            sec(r1), sec(r2), sec(rc), ratio(r1, rc), ratio(r2, rc), rss, min(loads), max(loads)))
    return "\n".join(lines)


def main() -> int:
    if len(sys.argv) == 3 and sys.argv[1] == "--report":
        print(report(json.loads(pathlib.Path(sys.argv[2]).read_text())))
        return 0
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("databases", nargs="+", help="ENGINE:SHAPE:SIZE=NAME, e.g. mariadb:small-rows:100MB=p16_sr100")
    parser.add_argument("--output", required=True)
    parser.add_argument("--work", default=str(REPO / "bench" / "work" / "speed"))
    parser.add_argument("--repeat", action="store_true", help="a second native / dump | gzip pair (A/B/A/B)")
    parser.add_argument("--backup-tools", default="native,dump-gzip,native-j2",
                        help="which backups to run (default native,dump-gzip,native-j2; native always runs)")
    parser.add_argument("--restore-tools", default="native,client,native-j2",
                        help="which restores to run (default native,client,native-j2)")
    args = parser.parse_args()
    document: dict[str, Any] = {
        "format": "openmetadata.ops/speed-bench", "started_at": datetime.datetime.now(datetime.timezone.utc).isoformat(),
        "commit": subprocess.run(["git", "-C", str(REPO), "rev-parse", "--short", "HEAD"], capture_output=True,
                                 text=True, check=False).stdout.strip(),
        "cpus": os.cpu_count(), "cases": []}
    for spec in args.databases:
        head, name = spec.split("=", 1)
        engine, shape, size = head.split(":")

        def save(case: dict[str, Any], cases: tuple = tuple(document["cases"])) -> None:
            document["cases"] = list(cases) + [case]  # the case so far: a long run keeps what it measured
            pathlib.Path(args.output).write_text(json.dumps(document, indent=1, default=str) + "\n")
        run_case(engine, shape, size, name, args.work, args.repeat, tuple(args.restore_tools.split(",")),
                 tuple(args.backup_tools.split(",")), save)
    document["finished_at"] = datetime.datetime.now(datetime.timezone.utc).isoformat()
    pathlib.Path(args.output).write_text(json.dumps(document, indent=1) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
