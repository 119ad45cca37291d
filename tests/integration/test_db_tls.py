"""TLS to the database (options ssl_mode, ssl_ca, ssl_cert, ssl_key), through ansible-playbook, against a private
MariaDB and a private PostgreSQL that accept TLS connections only (MariaDB require_secure_transport, PostgreSQL
pg_hba ``hostssl`` lines only), with certificates of a test CA of our own (tls_support.py).

Each server has an account that needs a client certificate: MariaDB ``om_cert`` REQUIRE X509, PostgreSQL ``om_cert``
with the ``cert`` method (the certificate's CN is the user name).
"""
from __future__ import annotations

import json
import os
import pathlib
import shutil
import tempfile
from typing import Any, Iterator

import pymysql
import psycopg2
import pytest

from conftest import _PrivateMariaDB, _private_postgresql  # pylint: disable=import-error
from fixtures import om_database
from harness import unique_name
from tls_support import Pki, make_pki

SOURCE_DB = "om_tls_source"


@pytest.fixture(scope="module")
def pki(tmp_path_factory) -> Pki:
    return make_pki(tmp_path_factory.mktemp("pki"))


def _server_copy(pki: Pki, folder: pathlib.Path, owner: str) -> dict[str, str]:
    """The server's certificate, key and CA copied where its system user may read them (the key 0600)."""
    folder.mkdir()
    paths = {}
    for name, source in (("ca", pki.ca), ("cert", pki.server_cert), ("key", pki.server_key)):
        target = folder / source.name
        shutil.copyfile(source, target)
        os.chmod(target, 0o600 if name == "key" else 0o644)
        if os.geteuid() == 0:
            shutil.chown(target, owner, owner)
        paths[name] = str(target)
    if os.geteuid() == 0:
        shutil.chown(folder, owner, owner)
    return paths


@pytest.fixture(scope="module")
def tls_mariadb(pki) -> Iterator[dict[str, Any]]:
    for binary in ("mariadb-install-db", "mariadbd", "mariadb-admin", "mariadb-dump"):
        if shutil.which(binary) is None:
            pytest.fail("%s not installed: the TLS MariaDB needs the server and client binaries (make services)"
                        % binary, pytrace=False)
    base = pathlib.Path(tempfile.mkdtemp(prefix="om-private-mariadb-tls-"))
    server = _PrivateMariaDB(base)
    try:
        server.install()
        tls = _server_copy(pki, base / "tls", "mysql")
        (server.conf_d / "50-tls.cnf").write_text(
            "[mysqld]\nssl-ca = %s\nssl-cert = %s\nssl-key = %s\n" % (tls["ca"], tls["cert"], tls["key"]))
        server.start()
        server.bootstrap_accounts()
        # over TCP before TLS is enforced (PyMySQL's default encrypts when offered, unchecked)
        om_database.build("mariadb", SOURCE_DB, port=server.port, user="root")
        conn = server.socket_connection()
        try:
            with conn.cursor() as cur:
                cur.execute("CREATE USER om_cert@'127.0.0.1' IDENTIFIED BY '' REQUIRE X509")
                cur.execute("GRANT ALL ON *.* TO om_cert@'127.0.0.1'")
                cur.execute("SET GLOBAL require_secure_transport = ON")
        finally:
            conn.close()
        yield {"engine": "mysql", "port": server.port, "admin": "root", "admin_password": ""}
    finally:
        server.stop()
        shutil.rmtree(base, ignore_errors=True)


@pytest.fixture(scope="module")
def tls_postgresql(pki) -> Iterator[dict[str, Any]]:
    with _private_postgresql() as server:
        datadir = pathlib.Path(server["conf_dir"])
        tls = _server_copy(pki, datadir / "tls", "postgres")
        om_database.build("postgresql", SOURCE_DB, port=server["port"], user="postgres", password=server["password"])
        conn = om_database.connect("postgresql", None, port=server["port"], user="postgres",
                                   password=server["password"])
        try:
            with conn.cursor() as cur:
                cur.execute("CREATE ROLE om_cert LOGIN SUPERUSER")
                cur.execute("ALTER SYSTEM SET ssl = on")
                cur.execute("ALTER SYSTEM SET ssl_cert_file = %s", (tls["cert"],))
                cur.execute("ALTER SYSTEM SET ssl_key_file = %s", (tls["key"],))
                cur.execute("ALTER SYSTEM SET ssl_ca_file = %s", (tls["ca"],))
        finally:
            conn.close()
        (datadir / "pg_hba.conf").write_text(
            "local all all trust\n"
            "hostssl all om_cert 127.0.0.1/32 cert\n"
            "hostssl all all 127.0.0.1/32 scram-sha-256\n")
        server["restart"]()
        yield {"engine": "postgresql", "port": server["port"], "admin": "postgres",
               "admin_password": server["password"]}


@pytest.fixture(params=["mysql", "postgresql"])
def tls_server(request) -> dict[str, Any]:
    return request.getfixturevalue("tls_mariadb" if request.param == "mysql" else "tls_postgresql")


def db_args(server: dict[str, Any], database: str = SOURCE_DB, **extra: Any) -> dict[str, Any]:
    args = {"engine": server["engine"], "login_host": "127.0.0.1", "login_port": server["port"],
            "login_user": server["admin"], "login_password": server["admin_password"], "database": database}
    args.update(extra)
    return args


def info_task(name: str, args: dict[str, Any]) -> dict[str, Any]:
    return {"name": name, "openmetadata.ops.info": dict(args, gather=["db"], required=["db"]),
            "register": "info_out", "ignore_errors": True}


def failed_msg(run, name: str) -> str:
    result = run.result(name)
    assert result.get("failed"), "%s should have failed: %s" % (name, result)
    return result["msg"]


def succeeded(run, name: str) -> dict[str, Any]:
    result = run.result(name)
    assert not result.get("failed"), "%s failed: %s" % (name, result.get("msg"))
    return result


def test_the_servers_refuse_plain_connections(tls_server, playbook):
    """The guard of every other test here: a connection without TLS is refused, so one that works used TLS."""
    if tls_server["engine"] == "mysql":
        # MariaDB answers require_secure_transport's refusal as "Access denied" (1045)
        with pytest.raises(pymysql.err.OperationalError, match="Access denied"):
            pymysql.connect(host="127.0.0.1", port=tls_server["port"], user="root", password="", ssl_disabled=True,
                            connect_timeout=5)
    else:
        with pytest.raises(psycopg2.OperationalError, match="no encryption"):
            psycopg2.connect(host="127.0.0.1", port=tls_server["port"], user="postgres", sslmode="disable",
                             password=tls_server["admin_password"], dbname="postgres", connect_timeout=5)
    run = playbook([info_task("plain", db_args(tls_server, ssl_mode="disable"))])
    msg = failed_msg(run, "plain")
    expected = "require_secure_transport" if tls_server["engine"] == "mysql" else "accepts TLS connections only"
    assert expected in msg and "ssl_mode" in msg, msg


def test_verify_full_with_the_ca_reads_backs_up_and_restores(tls_server, pki, playbook, tmp_path):
    tls = {"ssl_mode": "verify-full", "ssl_ca": str(pki.ca)}
    target = unique_name("omtls")
    run = playbook([
        info_task("info", db_args(tls_server, **tls)),
        {"name": "backup", "register": "out",
         "openmetadata.ops.backup": dict(db_args(tls_server, **tls), dest=str(tmp_path / "backups"))},
        {"name": "restore",
         "openmetadata.ops.restore": dict(db_args(tls_server, target, **tls), backup="{{ out.path }}")},
    ])
    assert run.rc == 0, run.output[-3000:]
    db = succeeded(run, "info")["db"]
    assert db["reachable"] and db["schema_version"]["native"], db
    backup = succeeded(run, "backup")
    assert backup["changed"] and backup["manifest"]["tables"]
    restored = succeeded(run, "restore")
    assert restored["rows"] == {table: entry["rows"] for table, entry in backup["manifest"]["tables"].items()}


@pytest.mark.parametrize("mode", ["verify-ca", "verify-full"])
def test_verify_modes_without_the_ca_fail_naming_ssl_ca(tls_server, pki, playbook, mode):
    run = playbook([
        info_task("no ca", db_args(tls_server, ssl_mode=mode)),
        info_task("another ca", db_args(tls_server, ssl_mode=mode, ssl_ca=str(pki.other_ca))),
    ])
    for name in ("no ca", "another ca"):
        msg = failed_msg(run, name)
        assert "ssl_ca" in msg and "could not be verified" in msg and "ssl_mode=require" in msg, msg
    assert str(pki.other_ca) in failed_msg(run, "another ca")


def test_require_without_a_ca_encrypts_without_checking(tls_server, playbook):
    run = playbook([info_task("require", db_args(tls_server, ssl_mode="require"))])
    assert succeeded(run, "require")["db"]["reachable"]


def test_verify_full_checks_the_host_name_and_verify_ca_does_not(tls_server, pki, playbook):
    """The server certificate names 127.0.0.1 only: login_host=localhost is the wrong name."""
    run = playbook([
        info_task("full", db_args(tls_server, login_host="localhost", ssl_mode="verify-full", ssl_ca=str(pki.ca))),
        info_task("ca only", db_args(tls_server, login_host="localhost", ssl_mode="verify-ca", ssl_ca=str(pki.ca))),
    ])
    msg = failed_msg(run, "full")
    assert "does not name the host" in msg and "verify-ca" in msg, msg
    assert succeeded(run, "ca only")["db"]["reachable"]


def test_an_account_that_needs_a_client_certificate(tls_server, pki, playbook):
    args = db_args(tls_server, login_user="om_cert", login_password="", ssl_mode="verify-full", ssl_ca=str(pki.ca))
    run = playbook([
        info_task("without", args),
        info_task("with", dict(args, ssl_cert=str(pki.client_cert), ssl_key=str(pki.client_key))),
        info_task("cert alone", dict(args, ssl_cert=str(pki.client_cert))),
    ])
    msg = failed_msg(run, "without")
    assert "ssl_cert" in msg and "ssl_key" in msg, msg
    assert succeeded(run, "with")["db"]["reachable"]
    assert "ssl_cert and ssl_key go together" in failed_msg(run, "cert alone")


def test_client_backup_method_uses_the_same_tls_settings(tls_server, pki, playbook, tmp_path):
    """mariadb-dump / pg_dump log in as the account that needs a client certificate, over verify-full: they can
    only have done so with the CA, certificate and key of the options (option file, PGSSL* environment)."""
    args = db_args(tls_server, login_user="om_cert", login_password="", ssl_mode="verify-full", ssl_ca=str(pki.ca),
                   ssl_cert=str(pki.client_cert), ssl_key=str(pki.client_key))
    run = playbook([{"name": "client backup", "register": "out",
                     "openmetadata.ops.backup": dict(args, dest=str(tmp_path / "b"), method="client")}])
    assert run.rc == 0, run.output[-3000:]
    backup = succeeded(run, "client backup")
    manifest = json.loads(pathlib.Path(backup["manifest_path"]).read_text())
    assert manifest["method"] == "client" and manifest["tables"]
    assert "mariadb-dump" in manifest["tool"] or "pg_dump" in manifest["tool"], manifest["tool"]


def test_role_variables_reach_the_modules_through_the_connection_defaults(tls_server, pki, playbook):
    """roles/common's openmetadata_db_connection carries openmetadata_db_ssl_* (module_defaults group/...db)."""
    play_vars = {
        "openmetadata_db_engine": tls_server["engine"], "openmetadata_db_host": "127.0.0.1",
        "openmetadata_db_port": tls_server["port"], "openmetadata_db_user": "om_cert",
        "openmetadata_db_password": "", "openmetadata_db_name": SOURCE_DB,
        "openmetadata_db_ssl_mode": "verify-full", "openmetadata_db_ssl_ca": str(pki.ca),
        "openmetadata_db_ssl_cert": str(pki.client_cert), "openmetadata_db_ssl_key": str(pki.client_key),
    }
    task = info_task("through the role", {})
    task["module_defaults"] = {"group/openmetadata.ops.db": "{{ openmetadata_db_connection }}"}
    run = playbook([task], play_vars=play_vars, roles=["openmetadata.ops.common"])
    assert succeeded(run, "through the role")["db"]["reachable"]


@pytest.fixture(params=["mysql", "postgresql"])
def plain_server(request) -> dict[str, Any]:
    """A server without TLS: the shared MariaDB, or the session's private PostgreSQL (initdb's ssl=off; the
    shared PostgreSQL has Debian's snakeoil certificate)."""
    if request.param == "mysql":
        return {"engine": "mysql", "port": 3306, "admin": "root", "admin_password": "", "database": "mysql"}
    server = request.getfixturevalue("private_postgresql")
    return {"engine": "postgresql", "port": server["port"], "admin": server["user"],
            "admin_password": server["password"], "database": "postgres"}


def test_prefer_falls_back_to_plain_and_require_refuses_a_server_without_tls(plain_server, playbook):
    def read(name: str, mode: str) -> dict[str, Any]:
        return {"name": name, "ignore_errors": True, "openmetadata.ops.info": dict(
            db_args(plain_server, plain_server["database"], ssl_mode=mode), gather=["db"])}

    run = playbook([read("prefer", "prefer"), read("require", "require")])
    prefer = run.result("prefer")["db"]
    assert prefer["reachable"], prefer
    required = run.result("require")["db"]
    assert not required["reachable"] and "does not offer it" in required["error"], required
