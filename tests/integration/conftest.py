"""Fixtures of the integration tests (helpers live in harness.py).

Tests that need password authentication or must restart/reconfigure a server get a private
instance of their own (``private_postgresql``), never the shared one.
"""
from __future__ import annotations

import contextlib
import os
import pathlib
import shutil
import subprocess
import tempfile
import uuid
from typing import Any, Iterator

import pytest

from fixtures import om_database
from harness import Databases, free_port, pg_bin, run_playbook, unique_name


@pytest.fixture
def playbook(tmp_path):
    def _run(tasks, **kwargs):
        return run_playbook(tasks, tmp_path, **kwargs)
    return _run


@pytest.fixture(params=["mysql", "postgresql"])
def engine(request) -> str:
    return request.param


@pytest.fixture
def dbs(engine) -> Iterator[Databases]:
    databases = Databases(engine)
    yield databases
    databases.drop_all()


@pytest.fixture(scope="session")
def private_postgresql() -> Iterator[dict[str, Any]]:
    """A PostgreSQL instance of our own with password (scram) authentication, shared by the
    tests of a session that only read from it."""
    with _private_postgresql() as server:
        yield server


@pytest.fixture
def mariadb_user_with_password() -> Iterator[dict[str, str]]:
    """A MariaDB account with a password, allowed on every database."""
    user = unique_name("omu")
    password = "Sup3r-S3cret-%s" % uuid.uuid4().hex[:8]
    conn = om_database.connect("mariadb", None)
    with conn.cursor() as cur:
        cur.execute("CREATE USER %s@'127.0.0.1' IDENTIFIED BY %s", (user, password))
        cur.execute("GRANT ALL PRIVILEGES ON *.* TO %s@'127.0.0.1'", (user,))
    try:
        yield {"user": user, "password": password}
    finally:
        with conn.cursor() as cur:
            cur.execute("DROP USER IF EXISTS %s@'127.0.0.1'", (user,))
        conn.close()


@contextlib.contextmanager
def _tmpfs(path: pathlib.Path, options: str) -> Iterator[pathlib.Path]:
    """A real tmpfs mounted at ``path`` for the test (needs root; fails saying why otherwise)."""
    path.mkdir(parents=True, exist_ok=True)
    proc = subprocess.run(["mount", "-t", "tmpfs", "-o", options, "tmpfs", str(path)],
                          capture_output=True, text=True, check=False)
    if proc.returncode != 0:
        pytest.fail("cannot mount a tmpfs here (needs root): %s" % proc.stderr.strip(), pytrace=False)
    try:
        yield path
    finally:
        subprocess.run(["umount", str(path)], check=False)


@pytest.fixture
def small_filesystem(tmp_path) -> Iterator[pathlib.Path]:
    """A 256 KiB filesystem: a backup written there runs out of space."""
    with _tmpfs(tmp_path / "small", "size=256k,mode=0700") as mount:
        yield mount


@pytest.fixture
def read_only_dir(tmp_path) -> Iterator[pathlib.Path]:
    """A read-only filesystem: even root cannot write there."""
    with _tmpfs(tmp_path / "readonly", "size=64k,ro") as mount:
        yield mount


# --- Private, restartable servers (db_setting tests change and persist server settings) -----

def _as_user(user: str) -> list[str]:
    return ["runuser", "-u", user, "--"] if os.geteuid() == 0 else []


def _chown_tree(path: pathlib.Path, user: str) -> None:
    if os.geteuid() != 0:
        return
    shutil.chown(path, user, user)
    for root, dirs, files in os.walk(path):
        for name in dirs + files:
            shutil.chown(os.path.join(root, name), user, user)


def _wait_until(check, what: str, timeout: float = 90.0) -> None:
    import time  # pylint: disable=import-outside-toplevel
    deadline = time.monotonic() + timeout
    last: Any = None
    while time.monotonic() < deadline:
        try:
            if check():
                return
        except Exception as exc:  # pylint: disable=broad-except
            last = exc
        time.sleep(0.2)
    raise RuntimeError("%s did not happen in %ss (last error: %r)" % (what, timeout, last))


class _PrivateMariaDB:
    """One mariadbd of our own: its own datadir, tmpdir, socket, free port and !includedir conf.d.

    The private tmpdir matters: a starting mariadbd deletes every ``#sql*`` file in its tmpdir,
    and with the default /tmp that includes the shared server's in-flight temporary tables
    (which crashed the shared MariaDB during parallel test runs)."""

    def __init__(self, base: pathlib.Path) -> None:
        self.base = base
        self.datadir = base / "data"
        self.tmpdir = base / "tmp"
        self.conf_d = base / "conf.d"
        self.socket = base / "s"
        self.pid_file = base / "mariadbd.pid"
        self.log = base / "mariadbd.err"
        self.defaults_file = base / "my.cnf"
        self.port = free_port()
        self.proc: Any = None

    def install(self) -> None:
        self.conf_d.mkdir()
        self.tmpdir.mkdir()
        self.defaults_file.write_text(
            "[mysqld]\n"
            "datadir = %s\n"
            "tmpdir = %s\n"
            "port = %d\n"
            "socket = %s\n"
            "pid-file = %s\n"
            "log-error = %s\n"
            "bind-address = 127.0.0.1\n"
            "skip-name-resolve\n"
            "!includedir %s\n" % (self.datadir, self.tmpdir, self.port, self.socket, self.pid_file, self.log, self.conf_d))
        os.chmod(self.base, 0o755)
        _chown_tree(self.base, "mysql")
        user = ["--user=mysql"] if os.geteuid() == 0 else []
        proc = subprocess.run(["mariadb-install-db", "--defaults-file=%s" % self.defaults_file] + user
                              + ["--datadir=%s" % self.datadir, "--auth-root-authentication-method=normal",
                                 "--skip-test-db"],
                              capture_output=True, text=True, check=False)
        if proc.returncode != 0:
            raise RuntimeError("mariadb-install-db failed:\n%s\n%s" % (proc.stdout[-2000:], proc.stderr[-2000:]))

    def socket_connection(self):
        import pymysql  # pylint: disable=import-outside-toplevel
        return pymysql.connect(unix_socket=str(self.socket), user="root", password="", autocommit=True,
                               connect_timeout=5)

    def _answers(self) -> bool:
        if self.proc is not None and self.proc.poll() is not None:
            raise RuntimeError("mariadbd exited with %s; log:\n%s" % (self.proc.returncode, self.log_tail()))
        conn = self.socket_connection()
        conn.close()
        return True

    def log_tail(self) -> str:
        try:
            return self.log.read_text(errors="replace")[-3000:]
        except OSError:
            return ""

    def start(self) -> None:
        user = ["--user=mysql"] if os.geteuid() == 0 else []
        self.proc = subprocess.Popen(  # pylint: disable=consider-using-with
            ["mariadbd", "--defaults-file=%s" % self.defaults_file] + user,
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        _wait_until(self._answers, "private mariadbd answering on %s" % self.socket)

    def stop(self) -> None:
        if self.proc is None or self.proc.poll() is not None:
            self.proc = None
            return
        subprocess.run(["mariadb-admin", "--no-defaults", "--socket=%s" % self.socket, "-uroot", "shutdown"],
                       capture_output=True, check=False, timeout=120)
        try:
            self.proc.wait(timeout=120)
        except subprocess.TimeoutExpired:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=60)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.proc = None

    def restart(self) -> None:
        self.stop()
        self.start()

    def bootstrap_accounts(self) -> None:
        conn = self.socket_connection()
        try:
            with conn.cursor() as cur:
                cur.execute("CREATE USER IF NOT EXISTS root@'127.0.0.1' IDENTIFIED BY ''")
                cur.execute("GRANT ALL ON *.* TO root@'127.0.0.1' WITH GRANT OPTION")
                cur.execute("CREATE DATABASE openmetadata_db")
                cur.execute("CREATE USER om_user@'127.0.0.1' IDENTIFIED BY 'om-pass'")
                cur.execute("GRANT ALL ON openmetadata_db.* TO om_user@'127.0.0.1'")
        finally:
            conn.close()


@pytest.fixture
def private_mariadb() -> Iterator[dict[str, Any]]:
    """A fresh MariaDB of our own (function scope): free port, temp dir, removed afterwards.

    Yields port, socket, conf_d (read through ``!includedir``), option_file (the drop-in a
    module should write there), log, restart() and the accounts: root@127.0.0.1 without password
    (all privileges) and om_user@127.0.0.1 / om-pass (ALL on openmetadata_db.* only).
    """
    for binary in ("mariadb-install-db", "mariadbd", "mariadb-admin"):
        if shutil.which(binary) is None:
            pytest.fail("%s not installed: the private MariaDB fixture needs the server binaries (make services)" % binary,
                        pytrace=False)
    if os.geteuid() == 0:
        try:
            import pwd  # pylint: disable=import-outside-toplevel
            pwd.getpwnam("mysql")
        except KeyError:
            pytest.fail("no 'mysql' system user to run a private mariadbd as (make services)", pytrace=False)
    base = pathlib.Path(tempfile.mkdtemp(prefix="om-private-mariadb-"))
    server = _PrivateMariaDB(base)
    try:
        server.install()
        server.start()
        server.bootstrap_accounts()
        yield {
            "port": server.port,
            "socket": str(server.socket),
            "conf_d": str(server.conf_d),
            "option_file": str(server.conf_d / "99-openmetadata-ops.cnf"),
            "log": str(server.log),
            "restart": server.restart,
            "user": "root",
            "password": "",
        }
    finally:
        server.stop()
        shutil.rmtree(base, ignore_errors=True)


@pytest.fixture
def private_postgresql_restartable() -> Iterator[dict[str, Any]]:
    """A fresh PostgreSQL of our own (function scope), for tests that change and restart it."""
    with _private_postgresql() as server:
        yield server


@contextlib.contextmanager
def _private_postgresql() -> Iterator[dict[str, Any]]:
    """initdb + pg_ctl start on a free port with scram password auth on 127.0.0.1.

    Yields port, user/password (superuser postgres), socket_dir, conf_dir (the datadir, where
    postgresql.auto.conf lives), log, restart() and the accounts om_user / om-pass (owner of
    openmetadata_db, not superuser) and other_user / other-pass. Stopped and removed after.
    """
    initdb, pg_ctl = pg_bin("initdb"), pg_bin("pg_ctl")
    base = pathlib.Path(tempfile.mkdtemp(prefix="om-private-pg-r-"))
    os.chmod(base, 0o755)
    datadir = base / "data"
    password = "Sup3r-S3cret-%s" % uuid.uuid4().hex[:8]
    pwfile = base / "pw"
    pwfile.write_text(password + "\n")
    as_postgres = _as_user("postgres")
    if as_postgres:
        shutil.chown(base, "postgres")
        shutil.chown(pwfile, "postgres")
    port = free_port()
    options = "-p %d -k %s -c listen_addresses=127.0.0.1" % (port, base)
    log = base / "log"

    def pg_ctl_run(*args: str) -> None:
        proc = subprocess.run(as_postgres + [pg_ctl, "-D", str(datadir)] + list(args),
                              capture_output=True, text=True, check=False, timeout=300)
        if proc.returncode != 0:
            tail = log.read_text(errors="replace")[-2000:] if log.exists() else ""
            raise RuntimeError("pg_ctl %s failed: %s\n%s\n%s" % (args[-1], proc.stdout, proc.stderr, tail))

    subprocess.run(as_postgres + [initdb, "-D", str(datadir), "-U", "postgres", "--pwfile", str(pwfile),
                                  "--auth-host=scram-sha-256", "--auth-local=trust"],
                   check=True, capture_output=True)
    try:
        pg_ctl_run("-w", "-l", str(log), "-o", options, "start")
        conn = om_database.connect("postgresql", None, port=port, user="postgres", password=password)
        try:
            with conn.cursor() as cur:
                cur.execute("CREATE ROLE om_user LOGIN PASSWORD 'om-pass'")
                cur.execute("CREATE ROLE other_user LOGIN PASSWORD 'other-pass'")
                cur.execute("CREATE DATABASE openmetadata_db OWNER om_user")
        finally:
            conn.close()
        yield {
            "port": port,
            "user": "postgres",
            "password": password,
            "socket_dir": str(base),
            "conf_dir": str(datadir),
            "log": str(log),
            "restart": lambda: pg_ctl_run("-w", "-l", str(log), "-o", options, "restart"),
        }
    finally:
        subprocess.run(as_postgres + [pg_ctl, "-D", str(datadir), "-m", "immediate", "stop"],
                       check=False, capture_output=True)
        shutil.rmtree(base, ignore_errors=True)
