"""TLS options of the database connection: the driver arguments, the client tools' settings, refusals and messages
(the servers themselves are in tests/integration/test_db_tls.py)."""
from __future__ import annotations

import os
import ssl

import pytest

from ansible_collections.openmetadata.ops.plugins.module_utils.database import client_dump, db
from ansible_collections.openmetadata.ops.plugins.module_utils.database.db import DbParams


@pytest.fixture
def pem(tmp_path):
    def _write(name: str) -> str:
        path = tmp_path / name
        path.write_text("not read by these tests\n")
        return str(path)
    return _write


def test_unset_mode_keeps_each_drivers_default():
    for engine in ("mysql", "postgresql"):
        params = DbParams(engine=engine)
        assert db.tls_problem(params) is None
        assert db.mysql_tls_kwargs(params) == {} and db.postgresql_tls_kwargs(params) == {}
        assert client_dump.mysql_tls_options(params, True) == [] and client_dump.postgresql_tls_env(params) == {}


def test_mysql_modes_build_the_context_libpq_would():
    assert db.mysql_tls_kwargs(DbParams(engine="mysql", ssl_mode="disable")) == {"ssl_disabled": True}
    require = db.mysql_tls_kwargs(DbParams(engine="mysql", ssl_mode="require"))["ssl"]
    assert require.verify_mode == ssl.CERT_NONE and not require.check_hostname
    verify_ca = db.mysql_tls_kwargs(DbParams(engine="mysql", ssl_mode="verify-ca"))["ssl"]
    assert verify_ca.verify_mode == ssl.CERT_REQUIRED and not verify_ca.check_hostname
    full = db.mysql_tls_kwargs(DbParams(engine="mysql", ssl_mode="verify-full"))["ssl"]
    assert full.verify_mode == ssl.CERT_REQUIRED and full.check_hostname


def test_postgresql_modes_become_libpq_keywords(pem):
    params = DbParams(engine="postgresql", ssl_mode="verify-full", ssl_ca=pem("ca.pem"), ssl_cert=pem("c.pem"),
                      ssl_key=pem("c.key"))
    assert db.postgresql_tls_kwargs(params) == {"sslmode": "verify-full", "sslrootcert": params.ssl_ca,
                                                "sslcert": params.ssl_cert, "sslkey": params.ssl_key}
    assert client_dump.postgresql_tls_env(params) == {"PGSSLMODE": "verify-full", "PGSSLROOTCERT": params.ssl_ca,
                                                      "PGSSLCERT": params.ssl_cert, "PGSSLKEY": params.ssl_key}


def test_options_that_cannot_work_are_refused_naming_the_fix(pem):
    ca = pem("ca.pem")
    assert "without ssl_mode" in db.tls_problem(DbParams(engine="mysql", ssl_ca=ca))
    assert "go together" in db.tls_problem(DbParams(engine="mysql", ssl_mode="require", ssl_cert=pem("c.pem")))
    assert "ssl_mode=disable does not use ssl_ca" in db.tls_problem(
        DbParams(engine="postgresql", ssl_mode="disable", ssl_ca=ca))
    missing = db.tls_problem(DbParams(engine="postgresql", ssl_mode="verify-full", ssl_ca=ca + ".gone"))
    assert "ssl_ca" in missing and "not a readable file" in missing
    with pytest.raises(db.DbError, match="without ssl_mode"):
        db.connect(DbParams(engine="postgresql", ssl_ca=ca))


def test_mariadb_client_option_file_lines(pem):
    ca, cert, key = pem("ca.pem"), pem("c.pem"), pem("c.key")
    full = DbParams(engine="mysql", ssl_mode="verify-full", ssl_ca=ca, ssl_cert=cert, ssl_key=key)
    assert client_dump.mysql_tls_options(full, True) == [
        "ssl", 'ssl-ca="%s"' % ca, 'ssl-cert="%s"' % cert, 'ssl-key="%s"' % key, "ssl-verify-server-cert"]
    assert client_dump.mysql_tls_options(DbParams(engine="mysql", ssl_mode="verify-ca", ssl_ca=ca), True) == [
        "ssl", 'ssl-ca="%s"' % ca]
    assert client_dump.mysql_tls_options(DbParams(engine="mysql", ssl_mode="disable"), True) == ["skip-ssl"]


def test_mysql8_client_gets_ssl_mode(pem):
    ca = pem("ca.pem")
    assert client_dump.mysql_tls_options(DbParams(engine="mysql", ssl_mode="verify-full", ssl_ca=ca), False) == [
        "ssl-mode=VERIFY_IDENTITY", 'ssl-ca="%s"' % ca]
    assert client_dump.mysql_tls_options(DbParams(engine="mysql", ssl_mode="disable"), False) == ["ssl-mode=DISABLED"]


def test_tls_settings_go_to_the_option_file_and_environment_never_argv(tmp_path, pem, monkeypatch):
    monkeypatch.setattr(client_dump, "client_version", lambda _binary: "mariadb-dump from 10.11.19-MariaDB")
    ca = pem("ca.pem")
    secrets = tmp_path / "secrets"
    secrets.mkdir()
    argv, env = client_dump.build_command(DbParams(engine="mysql", ssl_mode="verify-full", ssl_ca=ca),
                                          "/usr/bin/mariadb-dump", str(secrets))
    assert not any("ssl" in arg for arg in argv)
    option_file = argv[1].split("=", 1)[1]
    assert 'ssl-ca="%s"' % ca in open(option_file, encoding="utf-8").read().splitlines()
    assert env == {}
    pg_secrets = tmp_path / "pg"
    pg_secrets.mkdir()
    argv, env = client_dump.build_command(DbParams(engine="postgresql", ssl_mode="require"), "/usr/bin/pg_dump",
                                          str(pg_secrets))
    assert not any("ssl" in arg.lower() for arg in argv)
    assert env["PGSSLMODE"] == "require" and os.path.exists(env["PGPASSFILE"])


@pytest.mark.parametrize("text, words", [
    ("Can't connect to MySQL server on '127.0.0.1' ([SSL: CERTIFICATE_VERIFY_FAILED] certificate verify failed: "
     "unable to get local issuer certificate (_ssl.c:1006))", ["could not be verified", "ssl_ca", "ssl_mode=require"]),
    ('connection to server at "127.0.0.1", port 5432 failed: root certificate file "/root/.postgresql/root.crt" '
     "does not exist", ["could not be verified", "ssl_ca"]),
    ("[SSL: CERTIFICATE_VERIFY_FAILED] certificate verify failed: Hostname mismatch, certificate is not valid for "
     "'localhost'", ["does not name the host", "verify-ca"]),
    ('server certificate for "127.0.0.1" does not match host name "localhost"', ["does not name the host"]),
    ("SSL is required but the server doesn't support it", ["does not offer it", "ssl_mode=prefer"]),
    ("server does not support SSL, but SSL was required", ["does not offer it"]),
    ("Connections using insecure transport are prohibited while --require_secure_transport=ON.",
     ["accepts TLS connections only", "ssl_mode"]),
    ('no pg_hba.conf entry for host "127.0.0.1", user "u", database "d", no encryption',
     ["accepts TLS connections only"]),
    ("FATAL:  connection requires a valid client certificate", ["ssl_cert", "ssl_key"]),
])
def test_tls_failures_are_explained(text, words):
    msg = db.explain_tls_error(text, DbParams(engine="postgresql", ssl_mode="verify-full"), "server")
    assert msg and all(word in msg for word in words), msg


@pytest.mark.parametrize("text", [
    'could not translate host name "tlsdb.example.com" to address', "Connection refused",
    'no pg_hba.conf entry for host "127.0.0.1", user "u", database "d", SSL encryption',
])
def test_other_failures_are_not_called_tls(text):
    assert db.explain_tls_error(text, DbParams(engine="postgresql"), "server") is None
