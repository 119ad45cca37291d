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
    """A PostgreSQL instance of our own with password (scram) authentication on a free port."""
    base = pathlib.Path(tempfile.mkdtemp(prefix="om-private-pg-"))
    os.chmod(base, 0o755)
    datadir = base / "data"
    password = "Sup3r-S3cret-%s" % uuid.uuid4().hex[:8]
    pwfile = base / "pw"
    pwfile.write_text(password + "\n")
    as_postgres = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []
    if as_postgres:
        shutil.chown(base, "postgres")
        shutil.chown(pwfile, "postgres")
    port = free_port()
    subprocess.run(as_postgres + [pg_bin("initdb"), "-D", str(datadir), "-U", "postgres", "--pwfile", str(pwfile),
                                  "--auth-host=scram-sha-256", "--auth-local=trust"],
                   check=True, capture_output=True)
    subprocess.run(as_postgres + [pg_bin("pg_ctl"), "-D", str(datadir), "-w", "-l", str(base / "log"),
                                  "-o", "-p %d -k %s -c listen_addresses=127.0.0.1" % (port, base), "start"],
                   check=True, capture_output=True)
    try:
        yield {"port": port, "user": "postgres", "password": password, "socket_dir": str(base)}
    finally:
        subprocess.run(as_postgres + [pg_bin("pg_ctl"), "-D", str(datadir), "-m", "immediate", "stop"],
                       check=False, capture_output=True)
        shutil.rmtree(base, ignore_errors=True)


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
    """A real tmpfs mounted at ``path`` for the test (needs root; skips saying why otherwise)."""
    path.mkdir(parents=True, exist_ok=True)
    proc = subprocess.run(["mount", "-t", "tmpfs", "-o", options, "tmpfs", str(path)],
                          capture_output=True, text=True, check=False)
    if proc.returncode != 0:
        pytest.skip("cannot mount a tmpfs here (needs root): %s" % proc.stderr.strip())
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
