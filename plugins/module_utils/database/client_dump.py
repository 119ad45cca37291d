# -*- coding: utf-8 -*-
# Copyright: (c) 2026, openmetadata.ops contributors
# Apache License 2.0 (see LICENSE or https://www.apache.org/licenses/LICENSE-2.0)
"""``method: client``: run mysqldump / mariadb-dump / pg_dump and stream their output.

Credentials go through a 0600 file in a private 0700 folder (``--defaults-extra-file``
for MySQL, ``PGPASSFILE`` for PostgreSQL) that is removed afterwards: never argv, where
any local user could read them in the process list. The TLS options (ssl_mode, ssl_ca,
ssl_cert, ssl_key) go the same way: into that option file, or into the child's PGSSL*
environment.
"""
from __future__ import annotations

import functools
import os
import shutil
import subprocess
import tempfile
from typing import Any, Callable, Optional

from ansible_collections.openmetadata.ops.plugins.module_utils.database.db import DbParams
from ansible_collections.openmetadata.ops.plugins.module_utils.database.db_lock import GUARD_TABLE

MYSQL_CLIENTS = ("mariadb-dump", "mysqldump")
POSTGRESQL_CLIENTS = ("pg_dump",)
READ_BYTES = 1024 * 1024


class ClientDumpError(Exception):
    """The client tool is missing or failed."""


def find_client(engine: str, explicit: Optional[str]) -> str:
    if explicit:
        if os.path.isfile(explicit) and os.access(explicit, os.X_OK):
            return explicit
        raise ClientDumpError("client_path %s is not an executable file" % explicit)
    names = MYSQL_CLIENTS if engine == "mysql" else POSTGRESQL_CLIENTS
    for name in names:
        found = shutil.which(name)
        if found:
            return found
    raise ClientDumpError("method=client needs %s on the managed node's PATH (install the database client "
                          "package, set client_path, or use method=native which needs no client)"
                          % " or ".join(names))


@functools.lru_cache(maxsize=None)
def client_version(binary: str) -> str:
    """The tool's own version line (asked once: build_command and the manifest both need it)."""
    out = subprocess.run([binary, "--version"], capture_output=True, text=True, check=False, timeout=30)
    return (out.stdout or out.stderr).strip()


def _mysql_option_value(value: str) -> str:
    # Option files treat '#' as a comment start and interpret backslash escapes.
    return '"%s"' % value.replace("\\", "\\\\").replace('"', '\\"')


def _pgpass_field(value: str) -> str:
    return value.replace("\\", "\\\\").replace(":", "\\:")


# ssl_mode -> MySQL 8 client's --ssl-mode.
MYSQL_SSL_MODES = {"disable": "DISABLED", "prefer": "PREFERRED", "require": "REQUIRED", "verify-ca": "VERIFY_CA",
                   "verify-full": "VERIFY_IDENTITY"}


def mysql_tls_options(params: DbParams, mariadb_client: bool) -> list[str]:
    """Option-file lines for ``params``' TLS settings (none when ssl_mode is unset: the tool's default).

    The MariaDB client has no CA-only check: ``ssl-verify-server-cert`` checks the CA and the host name, so it
    is set for verify-full only; with verify-ca the module's own connection has checked the CA before the
    dump starts, and the tool encrypts with the CA given."""
    if not params.ssl_mode:
        return []
    if mariadb_client:
        if params.ssl_mode == "disable":
            return ["skip-ssl"]
        lines = ["ssl"]
    else:
        lines = ["ssl-mode=%s" % MYSQL_SSL_MODES[params.ssl_mode]]
        if params.ssl_mode == "disable":
            return lines
    for name, value in (("ssl-ca", params.ssl_ca), ("ssl-cert", params.ssl_cert), ("ssl-key", params.ssl_key)):
        if value:
            lines.append("%s=%s" % (name, _mysql_option_value(value)))
    if mariadb_client and params.ssl_mode == "verify-full":
        lines.append("ssl-verify-server-cert")
    return lines


def postgresql_tls_env(params: DbParams) -> dict[str, str]:
    """libpq's PGSSL* variables for ``params``' TLS settings (none when ssl_mode is unset)."""
    if not params.ssl_mode:
        return {}
    env = {"PGSSLMODE": params.ssl_mode}
    for name, value in (("PGSSLROOTCERT", params.ssl_ca), ("PGSSLCERT", params.ssl_cert),
                        ("PGSSLKEY", params.ssl_key)):
        if value:
            env[name] = value
    return env


def build_command(params: DbParams, binary: str, secrets_dir: str) -> tuple[list[str], dict[str, str]]:
    """The argv (no secret in it) and the extra environment of the dump."""
    env: dict[str, str] = {}
    if params.engine == "mysql":
        option_file = os.path.join(secrets_dir, "client.cnf")
        lines = ["[client]", "user=%s" % _mysql_option_value(params.user),
                 "password=%s" % _mysql_option_value(params.password)]
        if params.unix_socket:
            lines.append("socket=%s" % _mysql_option_value(params.unix_socket))
        else:
            lines += ["host=%s" % _mysql_option_value(params.host), "port=%d" % params.effective_port,
                      "protocol=TCP"]
        lines += mysql_tls_options(params, "mariadb" in client_version(binary).lower())
        _write_private(option_file, "\n".join(lines) + "\n")
        argv = [binary, "--defaults-extra-file=%s" % option_file, "--single-transaction", "--quick",
                "--routines", "--triggers", "--events", "--hex-blob", "--no-tablespaces", "--tz-utc",
                "--default-character-set=utf8mb4"]
        if "mariadb" not in client_version(binary).lower():
            argv.append("--set-gtid-purged=OFF")  # MySQL 8 mysqldump; MariaDB's has no such flag
        argv.append("--ignore-table=%s.%s" % (params.database, GUARD_TABLE))  # the run guard is no data
        argv.append(params.database)
        return argv, env
    passfile = os.path.join(secrets_dir, "pgpass")
    host = params.unix_socket or params.host
    # One entry in a private file: host and port are wildcards because libpq matches a
    # socket connection as "localhost", not by the socket's path.
    _write_private(passfile, "*:*:%s:%s:%s\n" % (
        _pgpass_field(params.database), _pgpass_field(params.user), _pgpass_field(params.password)))
    env["PGPASSFILE"] = passfile
    env.update(postgresql_tls_env(params))
    argv = [binary, "--format=plain", "--no-owner", "--no-privileges", "--schema=%s" % params.schema,
            "--host=%s" % host, "--port=%d" % params.effective_port, "--username=%s" % params.user,
            "--no-password", "--dbname=%s" % params.database,
            # the run guard is no data (a quoted pattern: the names literally)
            '--exclude-table="%s"."%s"' % (params.schema.replace('"', '""'), GUARD_TABLE)]
    return argv, env


def _write_private(path: str, text: str) -> None:
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as handle:
        handle.write(text)


def run_client_dump(params: DbParams, binary: str, write: Callable[[bytes], Any]) -> list[str]:
    """Run the dump, feeding its stdout to ``write``; return the argv that ran."""
    secrets_dir = tempfile.mkdtemp(prefix="openmetadata-ops-")
    os.chmod(secrets_dir, 0o700)
    try:
        argv, extra_env = build_command(params, binary, secrets_dir)
        env = dict(os.environ)
        env.update(extra_env)
        env.pop("PGPASSWORD", None)
        env.pop("MYSQL_PWD", None)
        with tempfile.TemporaryFile() as stderr:
            with subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=stderr, env=env) as proc:
                stdout = proc.stdout
                if stdout is None:
                    raise ClientDumpError("could not read the output of %s" % binary)
                try:
                    for block in iter(lambda: stdout.read(READ_BYTES), b""):
                        write(block)
                except BaseException:
                    proc.kill()
                    raise
                code = proc.wait()
            if code != 0:
                stderr.seek(0)
                detail = stderr.read().decode("utf-8", "replace").strip()[-2000:]
                if params.password:
                    detail = detail.replace(params.password, "********")
                raise ClientDumpError("%s exited with status %d: %s"
                                      % (os.path.basename(binary), code, detail or "no error output"))
        return argv
    finally:
        shutil.rmtree(secrets_dir, ignore_errors=True)
