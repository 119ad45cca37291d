#!/usr/bin/env python3
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, openmetadata.ops contributors
# Apache License 2.0 (see LICENSE or https://www.apache.org/licenses/LICENSE-2.0)
"""The sandbox's small jobs that Ansible modules do not do: build or drop its OpenMetadata-shaped
database and its OpenMetadata user, start or stop a background stand-in (the search engine), by PID file.

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
from typing import Any, Optional, Sequence

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


def _read_secret(path: str) -> str:
    with open(path, encoding="utf-8") as handle:
        return handle.read().rstrip("\n")


def _admin(args: argparse.Namespace) -> dict[str, Any]:
    """Where and as whom the admin connects; the password from --password-file (what the playbooks
    use: a 0600 file, never argv or the environment), else $OM_FIXTURE_DB_PASSWORD."""
    from fixtures import om_database  # pylint: disable=import-outside-toplevel

    password = os.environ.get(om_database.PASSWORD_ENV, "")
    if args.password_file:
        password = _read_secret(args.password_file)
    return {"host": args.host, "port": args.port, "user": args.user, "password": password}


def database(args: argparse.Namespace) -> int:
    from fixtures import om_database  # pylint: disable=import-outside-toplevel

    where = _admin(args)
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


def _can_log_in(engine: str, database: str, where: dict[str, Any], name: str, password: str) -> bool:
    from fixtures import om_database  # pylint: disable=import-outside-toplevel

    try:
        om_database.connect(engine, database, host=where["host"], port=where["port"], user=name,
                            password=password).close()
    except Exception:  # pylint: disable=broad-except  # any refusal: the password is not (yet) this one
        return False
    return True


def _mariadb_user(cur: Any, args: argparse.Namespace, password: str) -> list[str]:
    account = "%s@'%%'" % _quote_mysql(args.name)
    cur.execute("SELECT 1 FROM mysql.user WHERE User = %s AND Host = '%%'", (args.name,))
    exists = cur.fetchone() is not None
    if args.state == "absent":
        if exists:
            cur.execute("DROP USER " + account)
            return ["dropped the user %s" % args.name]
        return []
    done = []
    if not exists:
        cur.execute("CREATE USER %s IDENTIFIED BY %%s" % account.replace("%", "%%"), (password,))
        done.append("created the user %s" % args.name)
    cur.execute("SHOW GRANTS FOR " + account)
    grant = "GRANT ALL PRIVILEGES ON `%s`.* TO " % args.database
    if not any(row[0].startswith(grant) for row in cur.fetchall()):
        cur.execute("GRANT ALL PRIVILEGES ON %s.* TO %s" % (_quote_mysql(args.database), account))
        done.append("granted it ALL on %s.*" % args.database)
    return done


def _pg_user(cur: Any, args: argparse.Namespace, password: str) -> list[str]:
    role = _quote_pg(args.name)
    cur.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", (args.name,))
    exists = cur.fetchone() is not None
    if args.state == "absent":
        if exists:
            cur.execute("DROP ROLE " + role)
            return ["dropped the role %s" % args.name]
        return []
    done = []
    if not exists:
        cur.execute("CREATE ROLE %s LOGIN PASSWORD %%s" % role, (password,))
        done.append("created the role %s" % args.name)
    cur.execute("SELECT pg_get_userbyid(datdba) FROM pg_database WHERE datname = %s", (args.database,))
    row = cur.fetchone()
    if row is not None and row[0] != args.name:
        cur.execute("ALTER DATABASE %s OWNER TO %s" % (_quote_pg(args.database), role))
        done.append("made it the owner of %s" % args.database)
    return done


# What the admin built in the OpenMetadata database goes to its owner, as if the user had built it
# (the migrations alter these tables). Sequences linked to a table follow their table.
_PG_FOREIGN_OBJECTS = """
SELECT c.relkind, quote_ident(n.nspname) || '.' || quote_ident(c.relname)
FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p', 'v', 'm', 'S')
  AND pg_get_userbyid(c.relowner) <> %s
  AND NOT (c.relkind = 'S' AND EXISTS (SELECT 1 FROM pg_depend d WHERE d.objid = c.oid
                                       AND d.classid = 'pg_class'::regclass AND d.deptype IN ('a', 'i')))
ORDER BY c.relkind DESC, 2
"""
_PG_KIND = {"r": "TABLE", "p": "TABLE", "v": "VIEW", "m": "MATERIALIZED VIEW", "S": "SEQUENCE"}


def _pg_objects(where: dict[str, Any], args: argparse.Namespace) -> list[str]:
    from fixtures import om_database  # pylint: disable=import-outside-toplevel

    conn = om_database.connect("postgresql", args.database, **where)
    try:
        with conn.cursor() as cur:
            role = _quote_pg(args.name)
            moved = 0
            cur.execute("SELECT pg_get_userbyid(nspowner) FROM pg_namespace WHERE nspname = 'public'")
            if cur.fetchone()[0] != args.name:
                cur.execute("ALTER SCHEMA public OWNER TO " + role)
                moved += 1
            cur.execute(_PG_FOREIGN_OBJECTS, (args.name,))
            for kind, name in cur.fetchall():
                cur.execute("ALTER %s %s OWNER TO %s" % (_PG_KIND[kind], name, role))
                moved += 1
    finally:
        conn.close()
    return ["gave it %d objects of %s" % (moved, args.database)] if moved else []


def _quote_mysql(name: str) -> str:
    return "`%s`" % name.replace("`", "``")


def _quote_pg(name: str) -> str:
    return '"%s"' % name.replace('"', '""')


def db_user(args: argparse.Namespace) -> int:
    """The OpenMetadata user of the sandbox's database: created with the password of --user-password-file
    and given only what OpenMetadata needs (MariaDB: ALL on <database>.*; PostgreSQL: owner of the
    database and of what is in it), or dropped (--state absent). An existing user whose password no
    longer logs in gets the file's password again."""
    from fixtures import om_database  # pylint: disable=import-outside-toplevel

    where = _admin(args)
    password = ""
    if args.state == "present":
        if not args.user_password_file:
            raise SystemExit("--user-password-file is required with --state present")
        password = _read_secret(args.user_password_file)
        if not password:
            raise SystemExit("%s is empty: the OpenMetadata user gets a password" % args.user_password_file)
    conn = om_database.connect(args.engine, None, **where)
    try:
        with conn.cursor() as cur:
            done = (_mariadb_user if args.engine == "mariadb" else _pg_user)(cur, args, password)
            created = bool(done) and done[0].startswith("created")
            if args.state == "present" and not created \
                    and not _can_log_in(args.engine, args.database, where, args.name, password):
                if args.engine == "mariadb":
                    cur.execute("ALTER USER %s@'%%%%' IDENTIFIED BY %%s" % _quote_mysql(args.name), (password,))
                else:
                    cur.execute("ALTER ROLE %s PASSWORD %%s" % _quote_pg(args.name), (password,))
                done.append("set its password to the file's")
    finally:
        conn.close()
    if args.state == "present" and args.engine == "postgresql":
        done += _pg_objects(where, args)
    if not done:
        state = "as it should be" if args.state == "present" else "absent"
        return _say(False, "%s: the user %s is %s" % (args.engine, args.name, state))
    return _say(True, "%s: %s" % (args.engine, "; ".join(done)))


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
    user = sub.add_parser("db-user")
    user.add_argument("--engine", choices=["mariadb", "postgresql"], required=True)
    user.add_argument("--database", required=True, help="the OpenMetadata database the user gets")
    user.add_argument("--name", required=True, help="the OpenMetadata user")
    user.add_argument("--user-password-file", help="a file holding the OpenMetadata user's password (0600)")
    user.add_argument("--state", choices=["present", "absent"], default="present")
    user.add_argument("--host", default="127.0.0.1")
    user.add_argument("--port", type=int)
    user.add_argument("--user", help="the admin that creates the user; password from --password-file")
    user.add_argument("--password-file", help="a file holding the admin's password (0600)")
    user.set_defaults(func=db_user)
    args = parser.parse_args(argv)
    return args.func(args)


if __name__ == "__main__":
    sys.exit(main())
