#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, openmetadata.ops contributors
# Apache License 2.0 (see LICENSE or https://www.apache.org/licenses/LICENSE-2.0)
from __future__ import annotations

DOCUMENTATION = r'''
module: backup
short_description: Verified backup of the OpenMetadata database (MySQL/MariaDB or PostgreSQL)
version_added: 0.1.0
description:
  - Dumps the schema and data of the OpenMetadata database in one consistent snapshot
    (a single REPEATABLE READ transaction), streamed with bounded memory, compressed with gzip,
    written to a temporary file and renamed into place. Files are 0600; a missing O(dest) is created 0700.
  - Writes a manifest beside the dump (C(<name>.manifest.json)) with the engine and server
    version, the OpenMetadata version and schema version (from the change-log tables), per-table
    row counts and checksums computed by the server, the sha256 of the dump, timestamps and the
    collection version. M(openmetadata.ops.restore) uses it to prove a restore.
  - The native method needs no client binaries and restores with the standard clients too
    (C(gunzip -c dump.sql.gz | mysql db), or C(psql) for PostgreSQL).
  - Unlike C(metadata backup), the dump contains the schema (tables with generated columns,
    indexes, constraints), so a restored database is usable by the same OpenMetadata version
    without any other step.
author:
  - openmetadata.ops contributors (@openmetadata-ops)
extends_documentation_fragment:
  - openmetadata.ops.attributes
  - openmetadata.ops.attributes.no_diff
  - openmetadata.ops.db
  - ansible.builtin.action_common_attributes
options:
  dest:
    description: Folder for the backups. Created (0700) when missing.
    type: path
    required: true
  method:
    description:
      - V(native) reads the database with PyMySQL/psycopg2 (server-side cursor, COPY).
      - V(client) runs C(mariadb-dump)/C(mysqldump) or C(pg_dump) when installed; credentials go
        through a 0600 option file or C(PGPASSFILE), never the command line. The data is then checked
        against checksums taken before the dump, so a database that changed meanwhile fails the task.
    type: str
    choices: [native, client]
    default: native
  client_path:
    description: Path of the client dump binary for O(method=client); searched on C(PATH) when not set.
    type: path
  force:
    description:
      - Write a new backup even when an intact backup of exactly the same data (same database, same
        schema version, same per-table checksums) already exists in O(dest).
    type: bool
    default: false
  keep:
    description:
      - After a successful backup, keep only the newest O(keep) backups of this database in O(dest)
        and delete older ones. V(0) keeps all.
    type: int
    default: 0
  openmetadata_version:
    description:
      - The OpenMetadata server version running on this database (e.g. V(1.1.7)), recorded in the manifest
        so that a restore can refuse another version. The database only records its schema version.
    type: str
  compress_level:
    description: gzip level, 1 (fastest) to 9 (smallest).
    type: int
    default: 1
  verify:
    description: Read the written dump back and check its size and sha256 before the manifest is written.
    type: bool
    default: true
  jobs:
    description:
      - O(method=native) only. Read the tables in parallel over this many connections, each in its own
        process; the dump file is the same as with one job. V(0) means one job per CPU of the host running
        the module, at most 4.
      - "The jobs read one consistent view of the data. PostgreSQL: they share the main transaction's
        snapshot (C(pg_export_snapshot)). MySQL/MariaDB: the snapshots are started under a short
        C(LOCK TABLES ... READ) of every table, which needs the LOCK TABLES privilege and waits up to 20 s
        for running write transactions; when it cannot be had (OpenMetadata running and writing), the
        backup reads over one connection and says so in C(warnings)."
      - More jobs help when the database server and this host have idle CPU cores; see docs/performance.md.
    type: int
    default: 1
  require_openmetadata:
    description:
      - Refuse a database without OpenMetadata's change-log tables (a wrong O(database) is the usual cause).
    type: bool
    default: true
  progress_file:
    description:
      - While the backup runs, keep this JSON file up to date with how far it is (phase, tables done and
        total, rows dumped and the estimated total, bytes written, current table), written atomically
        (0600) about once a second, and a last time with C(state) V(done) or V(failed).
      - Meant for runs with C(async) (role M(openmetadata.ops.backup) polls the job and prints a status line
        from it). It holds counts and names only, never a connection parameter or password.
      - Not written in check mode. Not set, no file is written.
    type: path
  time_limit:
    description:
      - Seconds after which the backup stops itself, removes its partial file and fails with
        C(time_limit_reached=true). V(0) sets no limit.
      - With C(async), set it a little below the async value. Ansible's async watcher kills the job at its
        own limit, but the backup process can escape that kill and keep running after the play went on;
        this limit is enforced by the backup process itself.
    type: int
    default: 0
attributes:
  check_mode:
    details: Connects and reads the database to say what it would write or reuse; writes nothing.
  idempotent:
    details: A second run on unchanged data reuses the existing backup and reports C(changed=false).
notes:
  - Stop the OpenMetadata server (and ingestion) before the backup used for an upgrade; the snapshot
    is consistent anyway, but changes after it are not in the backup.
  - Every schema object is dumped, not only tables (PostgreSQL extensions, types, domains, functions,
    procedures, views, materialized views, triggers, comments; MySQL views, routines, triggers, events);
    the manifest lists them under C(objects). The few kinds the native dump cannot carry (for example
    PostgreSQL aggregates or row-level security policies; OpenMetadata creates none) are listed in
    C(not_included).
seealso:
  - module: openmetadata.ops.restore
'''

EXAMPLES = r'''
- name: Back up the OpenMetadata database before the upgrade
  openmetadata.ops.backup:
    engine: mysql
    login_host: db.example.com
    login_user: openmetadata_user
    login_password: "{{ vault_openmetadata_db_password }}"
    database: openmetadata_db
    dest: /var/backups/openmetadata
    openmetadata_version: 1.1.7
    keep: 5
  register: om_backup

- name: Same with pg_dump, on PostgreSQL
  openmetadata.ops.backup:
    engine: postgresql
    login_user: openmetadata_user
    login_password: "{{ vault_openmetadata_db_password }}"
    dest: /var/backups/openmetadata
    method: client
'''

RETURN = r'''
path:
  description: The dump file (gzip-compressed SQL).
  returned: success
  type: str
  sample: /var/backups/openmetadata/openmetadata-openmetadata_db-20261125T101500Z.sql.gz
manifest_path:
  description: The manifest beside the dump.
  returned: success
  type: str
  sample: /var/backups/openmetadata/openmetadata-openmetadata_db-20261125T101500Z.manifest.json
manifest:
  description:
    - The manifest (format, engine, server_version, source, openmetadata_version, schema_version,
      tables with rows and checksum, sha256, size, timestamps, collection_version, objects, not_included).
    - V(null) in check mode when a new backup would be written.
  returned: success
  type: dict
  sample:
    engine: mariadb
    schema_version: {flyway: "014", native: "1.1.5"}
    tables: {table_entity: {rows: 1200, checksum: "71728371927312"}}
    sha256: 9f2c...
reused:
  description: True when an existing intact backup of the same data was returned instead of a new one.
  returned: success
  type: bool
size:
  description: Size of the dump file in bytes.
  returned: when a backup was written or reused
  type: int
duration:
  description: Seconds the dump took.
  returned: when a backup was written or reused
  type: float
jobs:
  description: Parallel jobs the tables were read with (1 when O(jobs) > 1 could not be honoured, see C(warnings)).
  returned: when a backup was written
  type: int
rows:
  description: Row count per table.
  returned: when a backup was written or reused
  type: dict
removed:
  description: Files deleted by O(keep) retention.
  returned: when a backup was written
  type: list
  elements: str
time_limit_reached:
  description: True when the backup stopped itself after O(time_limit) seconds (the task then fails).
  returned: failure
  type: bool
'''

from ansible_collections.openmetadata.ops.plugins.module_utils.database.backup import (
    BackupError, BackupTimeLimit, take_backup,
)
from ansible_collections.openmetadata.ops.plugins.module_utils.database.db import DbError
from ansible_collections.openmetadata.ops.plugins.module_utils.database.db_module import db_module


def main() -> None:
    module, params = db_module(dict(
        dest={"type": "path", "required": True},
        method={"type": "str", "choices": ["native", "client"], "default": "native"},
        client_path={"type": "path"},
        force={"type": "bool", "default": False},
        keep={"type": "int", "default": 0},
        openmetadata_version={"type": "str"},
        compress_level={"type": "int", "default": 1},
        verify={"type": "bool", "default": True},
        jobs={"type": "int", "default": 1},
        require_openmetadata={"type": "bool", "default": True},
        progress_file={"type": "path"},
        time_limit={"type": "int", "default": 0},
    ), supports_check_mode=True)
    if not 1 <= module.params["compress_level"] <= 9:
        module.fail_json(msg="compress_level must be between 1 and 9, got %d" % module.params["compress_level"])
    if module.params["jobs"] < 0:
        module.fail_json(msg="jobs must be 0 (one per CPU) or a positive number")
    if module.params["keep"] < 0:
        module.fail_json(msg="keep must be 0 (keep all) or a positive number of backups")
    if module.params["time_limit"] < 0:
        module.fail_json(msg="time_limit must be 0 (no limit) or a positive number of seconds")
    try:
        result = take_backup(
            params, module.params["dest"],
            method=module.params["method"],
            force=module.params["force"],
            keep=module.params["keep"],
            check_mode=module.check_mode,
            openmetadata_version=module.params["openmetadata_version"],
            compress_level=module.params["compress_level"],
            client_path=module.params["client_path"],
            verify=module.params["verify"],
            jobs=module.params["jobs"],
            require_openmetadata=module.params["require_openmetadata"],
            progress_file=None if module.check_mode else module.params["progress_file"],
            time_limit=module.params["time_limit"],
        )
    except BackupTimeLimit as exc:
        module.fail_json(msg=str(exc), time_limit_reached=True)
    except (BackupError, DbError) as exc:
        module.fail_json(msg=str(exc))
    result.setdefault("removed", [])
    module.exit_json(**result)


if __name__ == "__main__":
    main()
