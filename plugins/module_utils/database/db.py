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


def connect(params: DbParams, database: Optional[str] = "", autocommit: bool = False) -> Any:
    """Open a connection; ``database=None`` connects without choosing a database
    (MySQL) or to the ``postgres`` maintenance database (PostgreSQL)."""
    problem = missing_driver(params.engine)
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
        conn = pymysql.connect(**kwargs)
    except pymysql.err.OperationalError as exc:
        raise DbError(explain_mysql_error(exc, params, database)) from None
    except pymysql.err.MySQLError as exc:
        raise DbError("cannot connect to MySQL/MariaDB at %s: %s" % (params.where, exc)) from None
    with conn.cursor() as cur:
        # Dumps and checksums must not depend on the server's or the client's time zone.
        cur.execute("SET SESSION time_zone = '+00:00'")
    return conn


def explain_mysql_error(exc: Exception, params: DbParams, database: Optional[str]) -> str:
    code = exc.args[0] if exc.args else None
    text = exc.args[1] if len(exc.args) > 1 else str(exc)
    if code == 1045:
        return ("access denied for user '%s' at %s: check login_user/login_password "
                "(the OpenMetadata DB credentials, DB_USER_PASSWORD in openmetadata.yaml's env)"
                % (params.user, params.where))
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


def explain_postgresql_error(exc: Exception, params: DbParams, database: str) -> str:
    text = str(exc).strip()
    lower = text.lower()
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
