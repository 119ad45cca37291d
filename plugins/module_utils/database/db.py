# -*- coding: utf-8 -*-
# Copyright: (c) 2026, openmetadata.ops contributors
# Apache License 2.0 (see LICENSE or https://www.apache.org/licenses/LICENSE-2.0)
"""One connection layer for the OpenMetadata database, MySQL/MariaDB or PostgreSQL.

Every module that talks to the database (backup, restore, db_setting, info) takes the
same options (DB_ARGUMENT_SPEC, documented by the ``openmetadata.ops.db`` doc fragment)
and connects through :func:`connect`, which turns driver errors into one message that
says what is wrong and what to do.
"""
from __future__ import annotations

import dataclasses
import os
import ssl
from typing import Any, Optional

try:
    import pymysql
    import pymysql.cursors
    HAS_PYMYSQL = True
    PYMYSQL_IMPORT_ERROR = None
except ImportError as exc:  # pragma: no cover - depends on the managed node
    HAS_PYMYSQL = False
    PYMYSQL_IMPORT_ERROR = exc

try:
    import psycopg2
    import psycopg2.extensions
    HAS_PSYCOPG2 = True
    PSYCOPG2_IMPORT_ERROR = None
except ImportError as exc:  # pragma: no cover - depends on the managed node
    HAS_PSYCOPG2 = False
    PSYCOPG2_IMPORT_ERROR = exc


ENGINES = ("mysql", "postgresql")
DEFAULT_PORTS = {"mysql": 3306, "postgresql": 5432}
# libpq's sslmode names, for both engines (docs/user-guide.md, "TLS to the database").
SSL_MODES = ("disable", "prefer", "require", "verify-ca", "verify-full")
VERIFYING_SSL_MODES = ("verify-ca", "verify-full")

DB_ARGUMENT_SPEC: dict[str, dict[str, Any]] = {
    "engine": {"type": "str", "required": True, "choices": list(ENGINES)},
    "login_host": {"type": "str", "default": "127.0.0.1"},
    "login_port": {"type": "int"},
    "login_user": {"type": "str", "required": True},
    "login_password": {"type": "str", "default": "", "no_log": True},
    "login_unix_socket": {"type": "str"},
    "database": {"type": "str", "default": "openmetadata_db"},
    "schema": {"type": "str", "default": "public"},
    "connect_timeout": {"type": "int", "default": 10},
    # Unset keeps each driver's own default (what the collection did before these options existed).
    "ssl_mode": {"type": "str", "choices": list(SSL_MODES)},
    "ssl_ca": {"type": "path", "aliases": ["ca_cert", "ssl_rootcert"]},
    "ssl_cert": {"type": "path", "aliases": ["client_cert"]},
    "ssl_key": {"type": "path", "aliases": ["client_key"], "no_log": False},
}


class DbError(Exception):
    """A database problem explained for the operator (what is wrong, how to fix it)."""


@dataclasses.dataclass(frozen=True)
class DbParams:
    """Where and as whom to connect. ``database`` may be overridden per connection."""

    engine: str
    host: str = "127.0.0.1"
    port: Optional[int] = None
    user: str = "root"
    password: str = dataclasses.field(default="", repr=False)
    unix_socket: Optional[str] = None
    database: str = "openmetadata_db"
    schema: str = "public"
    connect_timeout: int = 10
    ssl_mode: Optional[str] = None
    ssl_ca: Optional[str] = None
    ssl_cert: Optional[str] = None
    ssl_key: Optional[str] = None

    @classmethod
    def from_module_params(cls, params: dict[str, Any]) -> "DbParams":
        return cls(
            engine=params["engine"],
            host=params["login_host"],
            port=params.get("login_port"),
            user=params["login_user"],
            password=params.get("login_password") or "",
            unix_socket=params.get("login_unix_socket"),
            database=params["database"],
            schema=params.get("schema") or "public",
            connect_timeout=params.get("connect_timeout") or 10,
            ssl_mode=params.get("ssl_mode") or None,
            ssl_ca=params.get("ssl_ca") or None,
            ssl_cert=params.get("ssl_cert") or None,
            ssl_key=params.get("ssl_key") or None,
        )

    @property
    def effective_port(self) -> int:
        return self.port or DEFAULT_PORTS[self.engine]

    @property
    def where(self) -> str:
        if self.unix_socket:
            return self.unix_socket
        return "%s:%s" % (self.host, self.effective_port)

    def with_database(self, database: str) -> "DbParams":
        return dataclasses.replace(self, database=database)


def missing_driver(engine: str) -> Optional[str]:
    """The message for a missing Python driver, or None when it is installed."""
    if engine == "mysql" and not HAS_PYMYSQL:
        return ("the PyMySQL library is missing on the managed node (%s): "
                "pip install PyMySQL (see the collection's requirements.txt)" % PYMYSQL_IMPORT_ERROR)
    if engine == "postgresql" and not HAS_PSYCOPG2:
        return ("the psycopg2 library is missing on the managed node (%s): "
                "pip install psycopg2-binary (see the collection's requirements.txt)" % PSYCOPG2_IMPORT_ERROR)
    return None


def tls_problem(params: DbParams) -> Optional[str]:
    """The message for TLS options that cannot work together, or None."""
    given = [name for name in ("ssl_ca", "ssl_cert", "ssl_key") if getattr(params, name)]
    if given and not params.ssl_mode:
        return ("%s given without ssl_mode: set ssl_mode (openmetadata_db_ssl_mode) to verify-full to check the "
                "server's certificate against ssl_ca, or to require to encrypt without checking it"
                % " and ".join(given))
    if bool(params.ssl_cert) != bool(params.ssl_key):
        return ("ssl_cert and ssl_key go together: give the client certificate and its private key "
                "(openmetadata_db_ssl_cert, openmetadata_db_ssl_key)")
    if params.ssl_mode == "disable" and given:
        return "ssl_mode=disable does not use %s: remove them, or choose another ssl_mode" % " and ".join(given)
    for name in given:
        path = getattr(params, name)
        if not os.path.isfile(path) or not os.access(path, os.R_OK):
            return "%s %s is not a readable file on the managed node" % (name, path)
    return None


def connect(params: DbParams, database: Optional[str] = "", autocommit: bool = False) -> Any:
    """Open a connection; ``database=None`` connects without choosing a database
    (MySQL) or to the ``postgres`` maintenance database (PostgreSQL)."""
    problem = missing_driver(params.engine) or tls_problem(params)
    if problem:
        raise DbError(problem)
    dbname = params.database if database == "" else database
    if params.engine == "mysql":
        return _connect_mysql(params, dbname, autocommit)
    return _connect_postgresql(params, dbname or "postgres", autocommit)


def _connect_mysql(params: DbParams, database: Optional[str], autocommit: bool) -> Any:
    kwargs: dict[str, Any] = {
        "user": params.user,
        "password": params.password,
        "database": database,
        "charset": "utf8mb4",
        "connect_timeout": params.connect_timeout,
        "autocommit": autocommit,
        # Backups move big JSON documents; the server's own limit still applies.
        "max_allowed_packet": 1024 * 1024 * 1024,
        "local_infile": False,
    }
    if params.unix_socket:
        kwargs["unix_socket"] = params.unix_socket
    else:
        kwargs["host"] = params.host
        kwargs["port"] = params.effective_port
    try:
        kwargs.update(mysql_tls_kwargs(params))
    except (ssl.SSLError, OSError) as exc:
        raise DbError("cannot load the TLS files (ssl_ca %s, ssl_cert %s, ssl_key %s): %s; are they PEM, and is "
                      "ssl_key the key of ssl_cert?" % (params.ssl_ca, params.ssl_cert, params.ssl_key, exc)) from None
    try:
        try:
            conn = pymysql.connect(**kwargs)
        except pymysql.err.OperationalError as exc:
            # prefer: a server without TLS gets a plain connection, as libpq's sslmode=prefer does.
            if params.ssl_mode != "prefer" or "doesn't support" not in str(exc):
                raise
            kwargs.pop("ssl")
            kwargs["ssl_disabled"] = True
            conn = pymysql.connect(**kwargs)
    except pymysql.err.OperationalError as exc:
        raise DbError(explain_mysql_error(exc, params, database)) from None
    except pymysql.err.MySQLError as exc:
        raise DbError("cannot connect to MySQL/MariaDB at %s: %s" % (params.where, exc)) from None
    with conn.cursor() as cur:
        # Dumps and checksums must not depend on the server's or the client's time zone.
        cur.execute("SET SESSION time_zone = '+00:00'")
    return conn


def mysql_tls_kwargs(params: DbParams) -> dict[str, Any]:
    """PyMySQL's TLS arguments for ``params.ssl_mode`` (none when unset: the driver's own default)."""
    if not params.ssl_mode:
        return {}
    if params.ssl_mode == "disable":
        return {"ssl_disabled": True}
    context = ssl.create_default_context(cafile=params.ssl_ca)
    context.check_hostname = params.ssl_mode == "verify-full"
    # require with a CA checks the chain, as libpq does when a root certificate is there.
    if params.ssl_mode in VERIFYING_SSL_MODES or (params.ssl_mode == "require" and params.ssl_ca):
        context.verify_mode = ssl.CERT_REQUIRED
    else:
        context.verify_mode = ssl.CERT_NONE
    if params.ssl_cert:
        context.load_cert_chain(params.ssl_cert, params.ssl_key)
    return {"ssl": context}


def explain_tls_error(text: str, params: DbParams, server: str) -> Optional[str]:
    """The message for a TLS failure (either engine), or None when ``text`` is about something else."""
    lower = text.lower()
    mode = params.ssl_mode or "unset"
    if "does not match host name" in lower or "hostname mismatch" in lower or "doesn't match" in lower \
            or "ip address mismatch" in lower:
        return ("TLS: the certificate of the %s at %s does not name the host connected to (%s): set login_host to a "
                "name the certificate holds, or use ssl_mode=verify-ca (checks the CA, not the name)"
                % (server, params.where, text.splitlines()[0]))
    if "certificate verify failed" in lower or "root certificate file" in lower \
            or "unable to get local issuer" in lower or "self-signed certificate" in lower \
            or "self signed certificate" in lower:
        hint = ("the ssl_ca given (%s) did not sign it: give the CA that did" % params.ssl_ca if params.ssl_ca
                else "give the CA that signed it in ssl_ca (openmetadata_db_ssl_ca)")
        return ("TLS: the certificate of the %s at %s could not be verified with ssl_mode=%s (%s): %s, or use "
                "ssl_mode=require to encrypt without checking the certificate"
                % (server, params.where, mode, text.splitlines()[0], hint))
    if ("doesn't support" in lower and "ssl" in lower) or "server does not support ssl" in lower:
        return ("TLS: ssl_mode=%s asks for TLS but the %s at %s does not offer it: enable TLS on the server, or set "
                "ssl_mode=prefer (or disable)" % (mode, server, params.where))
    if "insecure transport" in lower or ("no encryption" in lower and "pg_hba" in lower):
        return ("the %s at %s accepts TLS connections only (%s): set ssl_mode (openmetadata_db_ssl_mode) to "
                "verify-full with ssl_ca, or to require" % (server, params.where, text.splitlines()[0]))
    if "client certificate" in lower or "certificate required" in lower or "certificate authentication" in lower:
        return ("the %s at %s wants a client certificate it accepts (%s): give ssl_cert and ssl_key "
                "(openmetadata_db_ssl_cert, openmetadata_db_ssl_key); PostgreSQL's cert method also wants the "
                "certificate's CN to be login_user" % (server, params.where, text.splitlines()[0]))
    if any(word in lower for word in ("ssl error", "ssl connection", "ssl syscall", "[ssl", "tlsv1", "sslv3")):
        return "TLS to the %s at %s failed with ssl_mode=%s: %s" % (server, params.where, mode, text.splitlines()[0])
    return None


def explain_mysql_error(exc: Exception, params: DbParams, database: Optional[str]) -> str:
    code = exc.args[0] if exc.args else None
    text = exc.args[1] if len(exc.args) > 1 else str(exc)
    tls = explain_tls_error(str(text), params, "MySQL/MariaDB server")
    if tls:
        return tls
    if code == 1045:
        msg = ("access denied for user '%s' at %s: check login_user/login_password "
               "(the OpenMetadata DB credentials, DB_USER_PASSWORD in openmetadata.yaml's env)"
               % (params.user, params.where))
        # MariaDB answers a plain connection to require_secure_transport=ON, and an account's REQUIRE SSL/X509
        # without TLS or a client certificate, with this same error.
        if params.ssl_mode in (None, "disable"):
            msg += ("; a server with require_secure_transport=ON or an account created with REQUIRE SSL/X509 also "
                    "needs ssl_mode (openmetadata_db_ssl_mode), and ssl_cert/ssl_key for X509")
        elif not params.ssl_cert:
            msg += ("; an account created with REQUIRE X509 also needs a client certificate: ssl_cert and ssl_key "
                    "(openmetadata_db_ssl_cert, openmetadata_db_ssl_key)")
        return msg
    if code == 1049:
        return ("database '%s' does not exist on %s: check the database option "
                "(OM_DATABASE in openmetadata.yaml, openmetadata_db by default)" % (database, params.where))
    if code == 1044:
        return ("user '%s' may not use database '%s' on %s: grant it ALL on %s.* or connect as "
                "the OpenMetadata user" % (params.user, database, params.where, database))
    if code in (2002, 2003, 2005, 2006, 2013):
        return ("cannot reach MySQL/MariaDB at %s (%s): is the server running, are login_host/"
                "login_port right, does a firewall block it?" % (params.where, text))
    return "cannot connect to MySQL/MariaDB at %s: %s" % (params.where, text)


def _connect_postgresql(params: DbParams, database: str, autocommit: bool) -> Any:
    kwargs: dict[str, Any] = {
        "user": params.user,
        "dbname": database,
        "connect_timeout": params.connect_timeout,
        "application_name": "openmetadata.ops",
    }
    if params.password:
        kwargs["password"] = params.password
    kwargs.update(postgresql_tls_kwargs(params))
    kwargs["host"] = params.unix_socket or params.host
    kwargs["port"] = params.effective_port
    try:
        conn = psycopg2.connect(**kwargs)
    except psycopg2.OperationalError as exc:
        raise DbError(explain_postgresql_error(exc, params, database)) from None
    conn.autocommit = autocommit
    with conn.cursor() as cur:
        # COPY's text output (dumps and checksums) must not depend on session settings.
        cur.execute("SET TIME ZONE 'UTC'; SET DateStyle = 'ISO, MDY'; SET IntervalStyle = 'postgres'; "
                    "SET extra_float_digits = 3; SET bytea_output = 'hex'")
    if not autocommit:
        conn.commit()
    return conn


def postgresql_tls_kwargs(params: DbParams) -> dict[str, Any]:
    """libpq's TLS keywords (none when ssl_mode is unset: libpq's default, or PGSSLMODE, applies)."""
    if not params.ssl_mode:
        return {}
    kwargs = {"sslmode": params.ssl_mode}
    for keyword, value in (("sslrootcert", params.ssl_ca), ("sslcert", params.ssl_cert), ("sslkey", params.ssl_key)):
        if value:
            kwargs[keyword] = value
    return kwargs


def explain_postgresql_error(exc: Exception, params: DbParams, database: str) -> str:
    text = str(exc).strip()
    lower = text.lower()
    tls = explain_tls_error(text, params, "PostgreSQL server")
    if tls and "password authentication failed" not in lower:
        return tls
    if "password authentication failed" in lower or "no password supplied" in lower:
        return ("password authentication failed for user '%s' at %s: check login_user/login_password "
                "(the OpenMetadata DB credentials)" % (params.user, params.where))
    if "does not exist" in lower and "database" in lower:
        return ("database '%s' does not exist on %s: check the database option "
                "(OM_DATABASE, openmetadata_db by default)" % (database, params.where))
    if "role" in lower and "does not exist" in lower:
        return "role '%s' does not exist on %s: check login_user" % (params.user, params.where)
    if "could not connect" in lower or "connection refused" in lower or "timeout" in lower \
            or "could not translate host name" in lower:
        return ("cannot reach PostgreSQL at %s (%s): is the server running, are login_host/"
                "login_port right, does a firewall block it?" % (params.where, text.splitlines()[0]))
    return "cannot connect to PostgreSQL at %s: %s" % (params.where, text)


def server_version(conn: Any) -> str:
    with conn.cursor() as cur:
        cur.execute("SELECT version()")
        return str(cur.fetchone()[0])


def flavor(engine: str, version: str) -> str:
    """mariadb, mysql or postgresql: the server we really talk to."""
    if engine == "mysql" and "mariadb" in version.lower():
        return "mariadb"
    return engine


def quote_mysql(name: str) -> str:
    return "`%s`" % name.replace("`", "``")


def quote_postgresql(name: str) -> str:
    return '"%s"' % name.replace('"', '""')


def quote_ident(engine: str, name: str) -> str:
    return quote_mysql(name) if engine == "mysql" else quote_postgresql(name)
