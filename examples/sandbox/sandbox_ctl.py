#!/usr/bin/env python3
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, openmetadata.ops contributors
# Apache License 2.0 (see LICENSE or https://www.apache.org/licenses/LICENSE-2.0)
"""The sandbox's small jobs that Ansible modules do not do: build or drop its OpenMetadata-shaped
database, start or stop a background stand-in (the search engine), by PID file.

Each command prints one JSON line ``{"changed": bool, "msg": ...}`` so the setup playbook can
report ``changed`` honestly. Runs from the repository root (``tests.simulator`` and
``tests/fixtures`` are imported from there).
"""
from __future__ import annotations

import argparse
import json
import os
import pathlib
import signal
import subprocess
import sys
import time
import urllib.request
from typing import Optional, Sequence

REPO = pathlib.Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO / "tests"))


def _say(changed: bool, msg: str, **extra: object) -> int:
    print(json.dumps(dict(changed=changed, msg=msg, **extra)))
    return 0


def _pid_alive(pid_file: pathlib.Path) -> Optional[int]:
    try:
        pid = int(pid_file.read_text().strip())
    except (OSError, ValueError):
        return None
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return None
    except PermissionError:
        return pid
    # A zombie or a recycled PID of another program does not count.
    try:
        cmdline = pathlib.Path("/proc/%d/cmdline" % pid).read_bytes()
        if b"tests.simulator" not in cmdline:
            return None
        status = pathlib.Path("/proc/%d/status" % pid).read_text()
        if "\nState:\tZ" in status:
            return None
    except OSError:
        return None
    return pid


def _answers(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=2) as resp:  # noqa: S310 (loopback URL we built)
            return resp.status < 500
    except Exception:  # pylint: disable=broad-except
        return False


def start_search(args: argparse.Namespace) -> int:
    pid_file = pathlib.Path(args.pid_file)
    url = "http://127.0.0.1:%d/" % args.port
    if _pid_alive(pid_file) and _answers(url):
        return _say(False, "search engine stand-in already running on %s" % url)
    pathlib.Path(args.data_dir).mkdir(parents=True, exist_ok=True)
    pid_file.parent.mkdir(parents=True, exist_ok=True)
    argv = [sys.executable, "-m", "tests.simulator.search_engine", "--flavor", args.flavor,
            "--version", args.version, "--port", str(args.port), "--data-dir", args.data_dir]
    with open(args.log, "ab") as log:
        proc = subprocess.Popen(argv, cwd=str(REPO), stdout=log, stderr=subprocess.STDOUT,  # pylint: disable=consider-using-with
                                stdin=subprocess.DEVNULL, start_new_session=True)
    pid_file.write_text("%d\n" % proc.pid)
    deadline = time.monotonic() + args.timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise SystemExit("the search engine stand-in exited with %s; see %s" % (proc.returncode, args.log))
        if _answers(url):
            return _say(True, "started the %s %s stand-in on %s (pid %d)" % (args.flavor, args.version, url, proc.pid))
        time.sleep(0.2)
    raise SystemExit("the search engine stand-in did not answer on %s within %ss; see %s" % (url, args.timeout, args.log))


def stop(args: argparse.Namespace) -> int:
    pid_file = pathlib.Path(args.pid_file)
    pid = _pid_alive(pid_file)
    if pid is None:
        if pid_file.exists():
            pid_file.unlink()
        return _say(False, "not running")
    try:
        os.killpg(pid, signal.SIGTERM)
    except (ProcessLookupError, PermissionError):
        os.kill(pid, signal.SIGTERM)
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline and _pid_alive(pid_file):
        time.sleep(0.1)
    if _pid_alive(pid_file):
        os.kill(pid, signal.SIGKILL)
    pid_file.unlink()
    return _say(True, "stopped pid %d" % pid)


def database(args: argparse.Namespace) -> int:
    from fixtures import om_database  # pylint: disable=import-outside-toplevel

    password = os.environ.get(om_database.PASSWORD_ENV, "")
    if args.password_file:  # what the playbooks use: a 0600 file, never argv or the environment
        with open(args.password_file, encoding="utf-8") as handle:
            password = handle.read().rstrip("\n")
    where = {"host": args.host, "port": args.port, "user": args.user, "password": password}
    conn = om_database.connect(args.engine, None, **where)
    try:
        with conn.cursor() as cur:
            if args.engine == "mariadb":
                cur.execute("SELECT 1 FROM information_schema.SCHEMATA WHERE SCHEMA_NAME = %s", (args.database,))
            else:
                cur.execute("SELECT 1 FROM pg_database WHERE datname = %s", (args.database,))
            exists = cur.fetchone() is not None
    finally:
        conn.close()
    if args.state == "absent":
        if not exists:
            return _say(False, "%s: no database %s" % (args.engine, args.database))
        om_database.drop(args.engine, args.database, **where)
        return _say(True, "%s: dropped %s" % (args.engine, args.database))
    if exists:
        return _say(False, "%s: %s exists (make sandbox-reset starts again from 1.1.7)" % (args.engine, args.database))
    om_database.build(args.engine, args.database, size_bytes=args.size, seed=1, om_version="1.1.7", **where)
    return _say(True, "%s: built the OpenMetadata 1.1.7-shaped database %s with sample data" % (args.engine, args.database))


def main(argv: Optional[Sequence[str]] = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    sub = parser.add_subparsers(dest="command", required=True)
    search = sub.add_parser("start-search")
    search.add_argument("--flavor", default="elasticsearch")
    search.add_argument("--version", default="8.10.2")
    search.add_argument("--port", type=int, required=True)
    search.add_argument("--data-dir", required=True)
    search.add_argument("--pid-file", required=True)
    search.add_argument("--log", required=True)
    search.add_argument("--timeout", type=float, default=30)
    search.set_defaults(func=start_search)
    halt = sub.add_parser("stop")
    halt.add_argument("--pid-file", required=True)
    halt.set_defaults(func=stop)
    db = sub.add_parser("database")
    db.add_argument("--engine", choices=["mariadb", "postgresql"], required=True)
    db.add_argument("--database", required=True)
    db.add_argument("--state", choices=["present", "absent"], default="present")
    db.add_argument("--host", default="127.0.0.1")
    db.add_argument("--port", type=int)
    db.add_argument("--user", help="an admin that may create databases; password from --password-file, "
                                   "else $OM_FIXTURE_DB_PASSWORD")
    db.add_argument("--password-file", help="a file holding the admin's password (0600)")
    db.add_argument("--size", type=int, default=0, help="bytes of sample JSON; 0 builds the tiny database")
    db.set_defaults(func=database)
    args = parser.parse_args(argv)
    return args.func(args)


if __name__ == "__main__":
    sys.exit(main())
