# -*- coding: utf-8 -*-
# Copyright: (c) 2026, openmetadata.ops contributors
# Apache License 2.0 (see LICENSE or https://www.apache.org/licenses/LICENSE-2.0)
"""Benchmark the native backup against mariadb-dump, pg_dump and upstream ``metadata backup``.

For each engine and size, in one run on this machine:

1. build the OpenMetadata-shaped database with tests/fixtures/om_database.py;
2. run each tool once, in its own process(es), each wrapped in ``/usr/bin/time -f '%e %M'``:

   * native: bench/native_runner.py calling ``take_backup(..., force=True)`` (gzip -1, server-side
     per-table checksums, sha256 read-back), and the same with ``verify=False``;
   * MariaDB: ``mariadb-dump --single-transaction --quick ... > file`` and ``... | gzip -1 > file``;
   * PostgreSQL: ``pg_dump -Fp > file``, ``pg_dump -Fp | gzip -1 > file``, ``pg_dump -Fc > file``;
   * upstream ``metadata backup`` (openmetadata-ingestion 1.1.7.0 in a Python 3.10 venv under
     the work folder, created on first use), unless ``--skip-metadata``;

3. write the raw results to bench/results/<date>-<host>.json and print a Markdown table.

What is measured:

* wall seconds: this script's monotonic clock from the first process start to the end of the
  last one, plus an fsync of every output file (the native backup fsyncs its own files; the
  fsync puts the other tools on the same footing). Interpreter start-up is included.
* peak RSS: ``%M`` of /usr/bin/time, i.e. ru_maxrss of the measured process (a tool's
  waited-for children included, as max, not sum). For a pipeline (dump | gzip) the processes
  run at the same time: the reported figure is the sum of their peaks (an upper bound of the
  pipeline's peak); the per-process figures are in the JSON.
* throughput: the fixture's payload bytes (what ``om_database`` reports as ``_bytes``: the
  bytes of row data it generated, identical for both engines and all tools) / wall seconds.
  Catalog sizes (InnoDB data+index after ANALYZE, pg_total_relation_size) are recorded too.

Each tool runs once, no warm-up: the database files are in the OS page cache for every tool
(the machine has far more RAM than the databases), so the first tool is not penalised.

    .venv/bin/python bench/backup_bench.py --sizes 100MB,1GB --engines mariadb,postgresql
"""
from __future__ import annotations

import argparse
import contextlib
import datetime
import glob
import hashlib
import io
import json
import os
import platform
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from typing import Any, Optional, Sequence

BENCH = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(BENCH)
sys.path.insert(0, os.path.join(ROOT, "tests"))

from fixtures import om_database  # noqa: E402  pylint: disable=wrong-import-position

TIME = "/usr/bin/time"
MIB = 1 << 20
DATABASE = "om_bench"
METADATA_PACKAGES = ("openmetadata-ingestion==1.1.7.0", "collate-sqllineage==1.2.4")
# Upstream's `postgres` extra brings psycopg2-binary; the base install has no PostgreSQL driver.
METADATA_PG_DRIVER = "psycopg2-binary"
PYENV_PYTHON = "3.10.13"

ENGINE_SETTINGS = {
    "mariadb": {"collection_engine": "mysql", "port": 3306, "user": "root"},
    "postgresql": {"collection_engine": "postgresql", "port": 5432, "user": "postgres"},
}

# tool id -> label in the report
TOOLS = {
    "native": "native take_backup (gzip -1, checksums, verify)",
    "native-noverify": "native take_backup verify=False",
    "mariadb-dump": "mariadb-dump > file (plain)",
    "mariadb-dump-gzip": "mariadb-dump | gzip -1",
    "pg_dump-plain": "pg_dump -Fp > file (plain)",
    "pg_dump-gzip": "pg_dump -Fp | gzip -1",
    "pg_dump-custom": "pg_dump -Fc (custom, compressed)",
    "metadata-backup": "metadata backup 1.1.7.0 (plain)",
}
ENGINE_TOOLS = {
    "mariadb": ("native", "native-noverify", "mariadb-dump", "mariadb-dump-gzip", "metadata-backup"),
    "postgresql": ("native", "native-noverify", "pg_dump-plain", "pg_dump-gzip", "pg_dump-custom",
                   "metadata-backup"),
}


# ---------------------------------------------------------------------------------------------
# Running and measuring
# ---------------------------------------------------------------------------------------------

def _read_time_file(path: str) -> tuple[Optional[float], Optional[int]]:
    """(elapsed s, max RSS KiB) from /usr/bin/time -f '%e %M' -o path."""
    try:
        with open(path, "r", encoding="utf-8") as handle:
            lines = [line.strip() for line in handle if line.strip()]
    except OSError:
        return None, None
    for line in reversed(lines):  # "Command exited with non-zero status N" may come first
        parts = line.split()
        if len(parts) == 2:
            try:
                return float(parts[0]), int(parts[1])
            except ValueError:
                continue
    return None, None


def _fsync_tree(path: str) -> None:
    paths = [path]
    if os.path.isdir(path):
        paths = [os.path.join(folder, name) for folder, _dirs, names in os.walk(path) for name in names]
    for item in paths:
        fd = os.open(item, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


def _tree_size(path: str) -> int:
    if os.path.isfile(path):
        return os.path.getsize(path)
    return sum(os.path.getsize(os.path.join(folder, name))
               for folder, _dirs, names in os.walk(path) for name in names)


def run_measured(stages: Sequence[tuple[str, list[str]]], stdout_path: str, output: str,
                 timeout: float, cwd: Optional[str] = None) -> dict[str, Any]:
    """Run ``stages`` as a pipeline (stage i's stdout -> stage i+1's stdin, the last one's stdout
    -> ``stdout_path``), each under /usr/bin/time; then fsync ``output`` (file or folder)."""
    scratch = tempfile.mkdtemp(prefix="measure-", dir=os.path.dirname(stdout_path))
    procs: list[subprocess.Popen] = []
    time_files, err_files = [], []
    status, error = "ok", None
    with open(stdout_path, "wb") as sink:
        started = time.monotonic()
        previous = None
        for index, (name, argv) in enumerate(stages):
            time_file = os.path.join(scratch, "%d-%s.time" % (index, name))
            err_path = os.path.join(scratch, "%d-%s.err" % (index, name))
            time_files.append(time_file)
            err_files.append(err_path)
            last = index == len(stages) - 1
            with open(err_path, "wb") as err:
                proc = subprocess.Popen(  # pylint: disable=consider-using-with
                    [TIME, "-f", "%e %M", "-o", time_file] + argv,
                    stdin=previous.stdout if previous else subprocess.DEVNULL,
                    stdout=sink if last else subprocess.PIPE, stderr=err, cwd=cwd,
                    # one process group for the pipeline: a timeout kills exactly what we started
                    process_group=0 if not procs else procs[0].pid)
            if previous is not None and previous.stdout is not None:
                previous.stdout.close()  # the reader owns it now (SIGPIPE reaches the writer)
            procs.append(proc)
            previous = proc
        deadline = started + timeout
        try:
            for proc in procs:
                proc.wait(timeout=max(0.1, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            status, error = "timeout", "killed after %.0f s" % timeout
            with contextlib.suppress(ProcessLookupError):
                os.killpg(procs[0].pid, signal.SIGKILL)
            for proc in procs:
                proc.wait()
        ended = time.monotonic()
    fsync_seconds = 0.0
    if status == "ok" and os.path.exists(output):
        _fsync_tree(output)
        fsync_seconds = time.monotonic() - ended
    processes = []
    for (name, argv), proc, time_file, err_path in zip(stages, procs, time_files, err_files):
        elapsed, rss_kib = _read_time_file(time_file)
        with open(err_path, "rb") as handle:
            err_tail = handle.read()[-3000:].decode("utf-8", "replace")
        processes.append({"name": name, "argv": argv, "returncode": proc.returncode,
                          "time_elapsed_s": elapsed,
                          "max_rss_mib": round(rss_kib / 1024, 1) if rss_kib is not None else None,
                          "stderr_tail": err_tail[-1500:] if proc.returncode else ""})
        if status == "ok" and proc.returncode != 0:
            status = "failed"
            error = "%s exited with %s: %s" % (name, proc.returncode, err_tail.strip()[-600:])
    shutil.rmtree(scratch, ignore_errors=True)
    rss = [p["max_rss_mib"] for p in processes if p["max_rss_mib"] is not None]
    return {
        "status": status,
        "error": error,
        "wall_s": round(ended - started + fsync_seconds, 3),
        "fsync_s": round(fsync_seconds, 3),
        "peak_rss_mib": round(sum(rss), 1) if rss else None,
        "peak_rss_basis": "sum of the pipeline's per-process peaks" if len(stages) > 1 else "single process",
        "processes": processes,
    }


def code_fingerprint() -> str:
    """sha256 over the collection's module_utils: the code the native backup runs (others may
    edit the repository while the benchmark runs; a change shows up as a different value)."""
    digest = hashlib.sha256()
    for path in sorted(glob.glob(os.path.join(ROOT, "plugins", "module_utils", "*.py"))):
        digest.update(os.path.basename(path).encode() + b"\0")
        with open(path, "rb") as handle:
            digest.update(handle.read())
    return digest.hexdigest()[:16]


# ---------------------------------------------------------------------------------------------
# The tools
# ---------------------------------------------------------------------------------------------

class Bench:  # pylint: disable=too-many-instance-attributes
    def __init__(self, args: argparse.Namespace) -> None:
        self.args = args
        self.work = os.path.abspath(args.work)
        self.out = os.path.join(self.work, "out")
        self.python = sys.executable
        self.metadata_bin: Optional[str] = None
        self.metadata_problem: Optional[str] = None

    # -- one measurement ------------------------------------------------------------------
    def measure(self, engine: str, tool: str) -> dict[str, Any]:
        settings = ENGINE_SETTINGS[engine]
        if os.path.exists(self.out):
            shutil.rmtree(self.out)
        os.makedirs(self.out)
        stdout_path = os.path.join(self.work, "stdout-%s" % tool)
        user, port = settings["user"], str(settings["port"])
        extra: dict[str, Any] = {}
        extra["started_at"] = datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds")
        if tool.startswith("native"):
            extra["module_utils_sha256"] = code_fingerprint()
            dest = os.path.join(self.out, "native")
            argv = [self.python, os.path.join(BENCH, "native_runner.py"), "--engine",
                    settings["collection_engine"], "--user", user, "--port", port, "--database", DATABASE,
                    "--dest", dest]
            if tool == "native-noverify":
                argv.append("--no-verify")
            result = run_measured([("native", argv)], stdout_path, dest, self.args.timeout)
            if result["status"] == "ok":
                with open(stdout_path, "r", encoding="utf-8") as handle:
                    report = json.loads(handle.read().strip().splitlines()[-1])
                extra.update({"phases": report["phases"], "uncompressed_bytes": report["uncompressed_size"],
                              "rows": report["rows"], "tables": report["tables"]})
            output = dest
        elif tool.startswith("mariadb-dump"):
            output = os.path.join(self.out, "dump.sql" + (".gz" if tool.endswith("gzip") else ""))
            dump = [shutil.which("mariadb-dump") or "mariadb-dump", "--single-transaction", "--quick",
                    "--routines", "--triggers", "--hex-blob", "--no-tablespaces", "--tz-utc",
                    "--default-character-set=utf8mb4", "--protocol=TCP", "--host=127.0.0.1",
                    "--port=" + port, "--user=" + user, DATABASE]
            stages = [("mariadb-dump", dump)]
            if tool.endswith("gzip"):
                stages.append(("gzip", ["gzip", "-1", "-c"]))
            result = run_measured(stages, output, output, self.args.timeout)
        elif tool.startswith("pg_dump"):
            fmt = "custom" if tool == "pg_dump-custom" else "plain"
            output = os.path.join(self.out, {"pg_dump-plain": "dump.sql", "pg_dump-gzip": "dump.sql.gz",
                                             "pg_dump-custom": "dump.custom"}[tool])
            dump = [shutil.which("pg_dump") or "pg_dump", "--format=" + fmt, "--no-owner", "--no-privileges",
                    "--schema=public", "--host=127.0.0.1", "--port=" + port, "--username=" + user,
                    "--no-password", "--dbname=" + DATABASE]
            stages = [("pg_dump", dump)]
            if tool == "pg_dump-gzip":
                stages.append(("gzip", ["gzip", "-1", "-c"]))
            result = run_measured(stages, output, output, self.args.timeout)
        elif tool == "metadata-backup":
            if not self.metadata_bin:
                return {"status": "skipped", "error": self.metadata_problem}
            output = os.path.join(self.out, "metadata")
            # 1.1.7 takes the password only as -p on the command line (empty here); -s (schema)
            # switches it to PostgreSQL.
            argv = [self.metadata_bin, "backup", "-H", "127.0.0.1", "--port", port, "-u", user, "-p", "",
                    "-d", DATABASE, "--output", output]
            if engine == "postgresql":
                argv += ["-s", "public"]
            result = run_measured([("metadata", argv)], stdout_path, output, self.args.metadata_timeout,
                                  cwd=self.work)
        else:
            raise ValueError(tool)
        if result["status"] == "ok":
            result["output_bytes"] = _tree_size(output)
            if tool.startswith("native"):
                # the dump and its manifest; the manifest is a few KB
                result["output_dump_bytes"] = sum(
                    os.path.getsize(os.path.join(output, n)) for n in os.listdir(output) if n.endswith(".sql.gz"))
        result.update(extra)
        shutil.rmtree(self.out, ignore_errors=True)
        with contextlib.suppress(FileNotFoundError):
            os.unlink(stdout_path)
        return result

    # -- metadata venv ----------------------------------------------------------------------
    def prepare_metadata(self, engines: Sequence[str]) -> None:
        venv = os.path.join(self.work, "metadata-venv")
        metadata = os.path.join(venv, "bin", "metadata")
        vpython = os.path.join(venv, "bin", "python")
        try:
            if not os.path.exists(metadata):
                base = self._pyenv_python()
                print("[bench] creating %s with %s" % (venv, base), flush=True)
                subprocess.run([base, "-m", "venv", venv], check=True)
                subprocess.run([vpython, "-m", "pip", "install", "--quiet", "--disable-pip-version-check",
                                *METADATA_PACKAGES], check=True)
            if "postgresql" in engines and subprocess.run(
                    [vpython, "-c", "import psycopg2"], capture_output=True, check=False).returncode:
                subprocess.run([vpython, "-m", "pip", "install", "--quiet", "--disable-pip-version-check",
                                METADATA_PG_DRIVER], check=True)
            self.metadata_bin = metadata
        except (OSError, subprocess.CalledProcessError) as exc:
            self.metadata_problem = "could not prepare the metadata venv: %s" % exc
            print("[bench] %s" % self.metadata_problem, flush=True)

    @staticmethod
    def _pyenv_python() -> str:
        try:
            root = subprocess.run(["pyenv", "root"], capture_output=True, text=True, check=True).stdout.strip()
        except (OSError, subprocess.CalledProcessError):
            root = os.path.expanduser("~/.pyenv")
        path = os.path.join(root, "versions", PYENV_PYTHON, "bin", "python")
        if not os.path.exists(path):
            raise OSError("Python %s not found at %s" % (PYENV_PYTHON, path))
        return path


# ---------------------------------------------------------------------------------------------
# Database build and description
# ---------------------------------------------------------------------------------------------

def build_database(engine: str, size: int, shape: str = "documents") -> dict[str, Any]:
    """om_database's CLI entry point, in-process: it reports the payload bytes (``_bytes``)."""
    captured = io.StringIO()
    started = time.monotonic()
    with contextlib.redirect_stdout(captured):
        om_database.main(["--engine", engine, "--database", DATABASE, "--size", str(size), "--shape", shape])
    summary = json.loads(captured.getvalue())
    return {
        "payload_bytes": summary["_bytes"],
        "build_s": round(time.monotonic() - started, 2),
        "rows": sum(v for k, v in summary.items() if not k.startswith("_")),
        "tables": sum(1 for k in summary if not k.startswith("_")),
    }


def catalog_bytes(engine: str) -> int:
    conn = om_database.connect(engine, DATABASE)
    try:
        with conn.cursor() as cur:
            if engine == "mariadb":
                cur.execute("SELECT TABLE_NAME FROM information_schema.TABLES WHERE TABLE_SCHEMA = DATABASE()")
                for (table,) in cur.fetchall():
                    cur.execute("ANALYZE TABLE `%s`" % table.replace("`", "``"))
                    cur.fetchall()
                cur.execute("SELECT SUM(DATA_LENGTH + INDEX_LENGTH) FROM information_schema.TABLES "
                            "WHERE TABLE_SCHEMA = DATABASE()")
            else:
                cur.execute("SELECT sum(pg_total_relation_size(c.oid)) FROM pg_class c JOIN pg_namespace n "
                            "ON n.oid = c.relnamespace WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p')")
            return int(cur.fetchone()[0])
    finally:
        conn.close()


def drop_database(engine: str) -> None:
    om_database.drop(engine, DATABASE)


# ---------------------------------------------------------------------------------------------
# Machine description
# ---------------------------------------------------------------------------------------------

def _first_line(argv: list[str]) -> str:
    try:
        out = subprocess.run(argv, capture_output=True, text=True, check=False, timeout=60)
    except (OSError, subprocess.TimeoutExpired) as exc:
        return "unavailable (%s)" % exc
    return ((out.stdout or out.stderr).strip().splitlines() or [""])[0]


def machine_info(bench: Bench, engines: Sequence[str]) -> dict[str, Any]:
    meminfo = {}
    with open("/proc/meminfo", "r", encoding="utf-8") as handle:
        for line in handle:
            key, value = line.split(":", 1)
            meminfo[key] = value.strip()
    cpu = ""
    with open("/proc/cpuinfo", "r", encoding="utf-8") as handle:
        for line in handle:
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    disk = shutil.disk_usage(bench.work)
    info: dict[str, Any] = {
        "host": socket.gethostname(),
        "nproc": os.cpu_count(),
        "cpu": cpu,
        "mem_total": meminfo.get("MemTotal"),
        "kernel": platform.release(),
        "work_dir": bench.work,
        "work_fs": _first_line(["findmnt", "-n", "-o", "SOURCE,FSTYPE,OPTIONS", "--target", bench.work]),
        "work_disk_free_gib": round(disk.free / (1 << 30), 1),
        "python": platform.python_version(),
        "mariadb_dump": _first_line(["mariadb-dump", "--version"]),
        "pg_dump": _first_line(["pg_dump", "--version"]),
        "gzip": _first_line(["gzip", "--version"]),
    }
    for engine in engines:
        conn = om_database.connect(engine, None)
        try:
            with conn.cursor() as cur:
                cur.execute("SELECT version()")
                info["%s_server" % engine] = cur.fetchone()[0]
                if engine == "mariadb":
                    cur.execute("SELECT @@innodb_buffer_pool_size")
                    info["mariadb_innodb_buffer_pool_mib"] = int(cur.fetchone()[0]) // MIB
                else:
                    cur.execute("SHOW shared_buffers")
                    info["postgresql_shared_buffers"] = cur.fetchone()[0]
        finally:
            conn.close()
    if bench.metadata_bin:
        vpython = os.path.join(os.path.dirname(bench.metadata_bin), "python")
        info["metadata_python"] = _first_line([vpython, "--version"])
        info["openmetadata_ingestion"] = _first_line(
            [vpython, "-c", "import importlib.metadata as m; print(m.version('openmetadata-ingestion'))"])
    import importlib.metadata  # pylint: disable=import-outside-toplevel
    for dist in ("PyMySQL", "psycopg2-binary"):
        with contextlib.suppress(importlib.metadata.PackageNotFoundError):
            info[dist] = importlib.metadata.version(dist)
    return info


# ---------------------------------------------------------------------------------------------
# Report
# ---------------------------------------------------------------------------------------------

def _size_label(size: int) -> str:
    for unit, factor in (("GB", 1 << 30), ("MB", 1 << 20)):
        if size >= factor and size % factor == 0:
            return "%d%s" % (size // factor, unit)
    return "%dB" % size


def add_derived(case: dict[str, Any]) -> None:
    """Throughput, ratios (native speed-up: tool wall / native wall = native MB/s / tool MB/s)."""
    payload = case["payload_bytes"]
    runs = case["runs"]
    for run in runs.values():
        if run.get("status") == "ok" and run.get("wall_s"):
            run["throughput_mib_s"] = round(payload / MIB / run["wall_s"], 2)
    native = runs.get("native", {})
    if native.get("status") != "ok":
        return
    for tool, run in runs.items():
        if run.get("status") == "ok":
            run["native_speedup"] = round(run["wall_s"] / native["wall_s"], 2)
        elif run.get("status") == "timeout":
            run["native_speedup_at_least"] = round(run["wall_s"] / native["wall_s"], 2)
        run["label"] = TOOLS[tool]


def _cell(text: str) -> str:
    return text.replace("|", "\\|")


def markdown_table(cases: list[dict[str, Any]]) -> str:
    lines = [
        "| engine | size | tool | wall s | MiB/s | peak RSS MiB | output MiB | native speed-up |",
        "|---|---|---|---:|---:|---:|---:|---:|",
    ]
    for case in cases:
        for tool, run in case["runs"].items():
            if run.get("status") != "ok":
                lines.append("| %s | %s | %s | %s | | | | %s |" % (
                    case["engine"], case["size"], _cell(TOOLS[tool]), run.get("status"),
                    (">= %.2f×" % run["native_speedup_at_least"]) if "native_speedup_at_least" in run else ""))
                continue
            speedup = run.get("native_speedup")
            lines.append("| %s | %s | %s | %.2f | %.1f | %.1f | %.1f | %s |" % (
                case["engine"], case["size"], _cell(TOOLS[tool]), run["wall_s"], run["throughput_mib_s"],
                run["peak_rss_mib"], run["output_bytes"] / MIB,
                "—" if tool == "native" else ("%.2f×" % speedup if speedup is not None else "")))
    return "\n".join(lines)


def targets(cases: list[dict[str, Any]]) -> list[str]:
    out = []
    by_engine: dict[str, list[dict[str, Any]]] = {}
    for case in cases:
        by_engine.setdefault(case["engine"], []).append(case)
        runs = case["runs"]
        native = runs.get("native", {})
        if native.get("status") != "ok":
            out.append("%s %s: native backup %s" % (case["engine"], case["size"], native.get("status")))
            continue
        for tool in ("mariadb-dump-gzip", "mariadb-dump", "pg_dump-gzip", "pg_dump-plain", "pg_dump-custom"):
            run = runs.get(tool)
            if run and run.get("status") == "ok":
                out.append("%s %s: native vs %s: %.2f× (target ≥ 1.0×: %s)" % (
                    case["engine"], case["size"], tool, run["native_speedup"],
                    "met" if run["native_speedup"] >= 1.0 else "MISSED"))
        run = runs.get("metadata-backup")
        if run and run.get("status") == "ok":
            out.append("%s %s: native vs metadata backup: %.2f× (target ≥ 10×: %s)" % (
                case["engine"], case["size"], run["native_speedup"],
                "met" if run["native_speedup"] >= 10 else "MISSED"))
        elif run:
            out.append("%s %s: metadata backup %s (%s)" % (
                case["engine"], case["size"], run.get("status"), run.get("error")))
        out.append("%s %s: native peak RSS %.1f MiB (target ≤ 100 MB: %s)" % (
            case["engine"], case["size"], native["peak_rss_mib"],
            "met" if native["peak_rss_mib"] * MIB <= 100e6 else "MISSED"))
    for engine, engine_cases in by_engine.items():
        rss = [(c["size"], c["runs"]["native"]["peak_rss_mib"]) for c in engine_cases
               if c["runs"].get("native", {}).get("status") == "ok"]
        if len(rss) > 1:
            out.append("%s: native peak RSS by size: %s (growth %.1f MiB)" % (
                engine, ", ".join("%s %.1f MiB" % item for item in rss), rss[-1][1] - rss[0][1]))
    return out


# ---------------------------------------------------------------------------------------------
# Main
# ---------------------------------------------------------------------------------------------

def parse_args(argv: Optional[Sequence[str]]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--sizes", default="100MB,1GB", help="comma-separated fixture sizes (default 100MB,1GB)")
    parser.add_argument("--engines", default="mariadb,postgresql", help="comma-separated: mariadb,postgresql")
    parser.add_argument("--shapes", default="documents",
                        help="comma-separated fixture shapes: documents (large JSON entities, the default), "
                             "small-rows (mostly 100-500 byte relationship rows)")
    parser.add_argument("--skip-metadata", action="store_true", help="do not run upstream `metadata backup`")
    parser.add_argument("--work", default=os.path.join(BENCH, "work"), help="scratch folder (default bench/work)")
    parser.add_argument("--results", help="JSON output (default bench/results/<date>-<host>.json)")
    parser.add_argument("--timeout", type=float, default=1800, help="seconds per dump tool (default 1800)")
    parser.add_argument("--metadata-timeout", type=float, default=1800,
                        help="seconds for `metadata backup` (default 1800)")
    parser.add_argument("--keep-databases", action="store_true", help="do not drop the bench databases at the end")
    args = parser.parse_args(argv)
    args.size_list = [om_database.parse_size(s) for s in args.sizes.split(",") if s.strip()]
    args.engine_list = [e.strip() for e in args.engines.split(",") if e.strip()]
    args.shape_list = [e.strip() for e in args.shapes.split(",") if e.strip()]
    for shape in args.shape_list:
        if shape not in om_database.SHAPES:
            parser.error("unknown shape %r (%s)" % (shape, ", ".join(om_database.SHAPES)))
    for engine in args.engine_list:
        if engine not in ENGINE_SETTINGS:
            parser.error("unknown engine %r (mariadb, postgresql)" % engine)
    return args


def main(argv: Optional[Sequence[str]] = None) -> int:
    args = parse_args(argv)
    if not os.path.exists(TIME):
        print("%s is required (apt-get install time)" % TIME, file=sys.stderr)
        return 2
    bench = Bench(args)
    os.makedirs(bench.work, exist_ok=True)
    if not args.skip_metadata:
        bench.prepare_metadata(args.engine_list)
    started_at = datetime.datetime.now(datetime.timezone.utc)
    results_path = args.results or os.path.join(
        BENCH, "results", "%s-%s.json" % (started_at.strftime("%Y-%m-%d"), socket.gethostname()))
    document: dict[str, Any] = {
        "format": "openmetadata.ops/backup-bench",
        "format_version": 1,
        "started_at": started_at.isoformat(),
        "command": [os.path.relpath(sys.executable, ROOT), os.path.relpath(__file__, ROOT)] + list(argv or sys.argv[1:]),
        "git_head": _first_line(["git", "-C", ROOT, "rev-parse", "HEAD"]),
        "git_dirty_plugins": subprocess.run(["git", "-C", ROOT, "status", "--porcelain", "--", "plugins"],
                                            capture_output=True, text=True, check=False).stdout.split("\n")[:-1],
        "module_utils_sha256": code_fingerprint(),
        "machine": machine_info(bench, args.engine_list),
        "method": {
            "wall_s": "monotonic clock, first process start to last process exit, plus fsync of the output",
            "peak_rss_mib": "/usr/bin/time %M (ru_maxrss) of the process; pipelines: sum of per-process peaks",
            "throughput_mib_s": "fixture payload bytes (om_database _bytes) / wall_s, MiB/s",
            "native_speedup": "tool wall_s / native wall_s (native = take_backup with verify)",
            "runs": "one run per tool, no warm-up; database files in the OS page cache for every tool",
        },
        "cases": [],
    }
    try:
        for engine in args.engine_list:
            for size, shape in [(size, shape) for shape in args.shape_list for size in args.size_list]:
                label = _size_label(size) + ("" if shape == "documents" else " " + shape)
                print("[bench] %s %s: building the fixture database" % (engine, label), flush=True)
                build = build_database(engine, size, shape)
                case: dict[str, Any] = {"engine": engine, "size": label, "size_bytes": size, "shape": shape, **build,
                                        "catalog_bytes": catalog_bytes(engine), "runs": {}}
                print("[bench] %s %s: %.1f MiB payload, %d rows, built in %.1f s" % (
                    engine, label, build["payload_bytes"] / MIB, build["rows"], build["build_s"]), flush=True)
                for tool in ENGINE_TOOLS[engine]:
                    if tool == "metadata-backup" and args.skip_metadata:
                        continue
                    run = bench.measure(engine, tool)
                    case["runs"][tool] = run
                    print("[bench] %s %s %-18s %-8s wall %8s s  peak RSS %8s MiB  %s" % (
                        engine, label, tool, run.get("status"), run.get("wall_s"), run.get("peak_rss_mib"),
                        run.get("error") or ""), flush=True)
                add_derived(case)
                document["cases"].append(case)
                _write(results_path, document)  # partial results survive an interrupted run
    finally:
        if not args.keep_databases:
            for engine in args.engine_list:
                with contextlib.suppress(Exception):
                    drop_database(engine)
        shutil.rmtree(bench.out, ignore_errors=True)
    document["finished_at"] = datetime.datetime.now(datetime.timezone.utc).isoformat()
    document["targets"] = targets(document["cases"])
    seen = {run["module_utils_sha256"] for case in document["cases"] for run in case["runs"].values()
            if "module_utils_sha256" in run} | {document["module_utils_sha256"], code_fingerprint()}
    if len(seen) > 1:
        document["targets"].insert(0, "WARNING: plugins/module_utils changed during the run (%s): the native "
                                      "figures mix code versions; run again" % ", ".join(sorted(seen)))
    _write(results_path, document)
    print()
    print(markdown_table(document["cases"]))
    print()
    for line in document["targets"]:
        print("- " + line)
    print("\nraw results: %s" % os.path.relpath(results_path, ROOT))
    return 0


def _write(path: str, document: dict[str, Any]) -> None:
    os.makedirs(os.path.dirname(path), exist_ok=True)
    tmp = path + ".tmp"
    with open(tmp, "w", encoding="utf-8") as handle:
        json.dump(document, handle, indent=1, sort_keys=False)
        handle.write("\n")
    os.replace(tmp, path)


if __name__ == "__main__":
    sys.exit(main())
