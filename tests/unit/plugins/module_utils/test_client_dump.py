from __future__ import annotations

import os
import stat

from ansible_collections.openmetadata.ops.plugins.module_utils.database import client_dump
from ansible_collections.openmetadata.ops.plugins.module_utils.database.db import DbParams

SECRET = 'pa:ss"w#rd\\x'


def test_mysql_password_goes_to_a_private_option_file(tmp_path, monkeypatch):
    monkeypatch.setattr(client_dump, "client_version", lambda _binary: "mariadb-dump from 10.11.19-MariaDB")
    params = DbParams(engine="mysql", user="om", password=SECRET, database="openmetadata_db")
    argv, env = client_dump.build_command(params, "/usr/bin/mariadb-dump", str(tmp_path))
    assert not any(SECRET in arg for arg in argv)
    assert argv[1].startswith("--defaults-extra-file=")
    option_file = argv[1].split("=", 1)[1]
    assert stat.S_IMODE(os.stat(option_file).st_mode) == 0o600
    assert 'password="pa:ss\\"w#rd\\\\x"' in open(option_file, encoding="utf-8").read()
    assert "--set-gtid-purged=OFF" not in argv
    assert argv[-1] == "openmetadata_db" and env == {}


def test_mysql8_client_gets_gtid_flag(tmp_path, monkeypatch):
    monkeypatch.setattr(client_dump, "client_version", lambda _binary: "mysqldump  Ver 8.0.36")
    argv, _env = client_dump.build_command(DbParams(engine="mysql"), "/usr/bin/mysqldump", str(tmp_path))
    assert "--set-gtid-purged=OFF" in argv


def test_postgresql_password_goes_to_pgpassfile(tmp_path):
    params = DbParams(engine="postgresql", user="om", password=SECRET, database="openmetadata_db")
    argv, env = client_dump.build_command(params, "/usr/bin/pg_dump", str(tmp_path))
    assert not any(SECRET in arg for arg in argv)
    assert "--no-password" in argv
    passfile = env["PGPASSFILE"]
    assert stat.S_IMODE(os.stat(passfile).st_mode) == 0o600
    assert open(passfile, encoding="utf-8").read() == \
        '*:*:openmetadata_db:om:pa\\:ss"w#rd\\\\x\n'


def test_missing_client_says_what_to_do(monkeypatch):
    monkeypatch.setenv("PATH", "/nonexistent")
    try:
        client_dump.find_client("postgresql", None)
    except client_dump.ClientDumpError as exc:
        assert "pg_dump" in str(exc) and "method=native" in str(exc)
    else:
        raise AssertionError("expected ClientDumpError")
