#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, openmetadata.ops contributors
# Apache License 2.0 (see LICENSE or https://www.apache.org/licenses/LICENSE-2.0)
from __future__ import annotations

DOCUMENTATION = r'''
module: restore
short_description: Restore an openmetadata.ops backup and prove it against its manifest
version_added: 0.1.0
description:
  - Restores a backup made by M(openmetadata.ops.backup) (native or client dump) into O(database),
    creating it when missing, then checks every table's row count and checksum against the manifest.
  - The dump file is checked (size and sha256) before anything is touched; a corrupted or truncated
    backup fails with the target untouched.
  - Any failed statement fails the task (upstream's C(metadata restore) exits 0 on failures; this does
    not). A failure never leaves a half-restored target. On PostgreSQL the restore is one transaction.
    On MySQL/MariaDB a non-empty target (O(wipe=true)) is loaded into a scratch database, verified,
    then swapped in with one atomic C(RENAME TABLE); a new target is dropped again on failure.
  - Refuses a non-empty target unless O(wipe=true), and a backup of another OpenMetadata version than
    O(expected_version) unless O(allow_version_mismatch=true).
  - Before anything changes, checks that the user may create the backup's other objects (the manifest's
    C(objects)) and otherwise fails naming the object and the privilege it needs - PostgreSQL extensions
    the target lacks (superuser, or a trusted extension and CREATE on the database), MySQL views, routines,
    triggers and events (their CREATE privileges, and SUPER/SET USER/SET_USER_ID for another DEFINER).
author:
  - openmetadata.ops contributors (@openmetadata-ops)
extends_documentation_fragment:
  - openmetadata.ops.attributes
  - openmetadata.ops.attributes.no_diff
  - openmetadata.ops.db
  - ansible.builtin.action_common_attributes
options:
  backup:
    description: The backup to restore; the C(.sql.gz) dump or its C(.manifest.json).
    type: path
    required: true
  wipe:
    description:
      - Replace the tables (and sequences, views, routines, types, triggers, events) of a non-empty
        target. The database itself, its schema, their grants and PostgreSQL extensions are kept. The old tables are only dropped once the new ones are
        loaded and verified.
    type: bool
    default: false
  expected_version:
    description:
      - OpenMetadata version the restored database is for, e.g. V(1.1.7) or V(1.1). A backup whose
        recorded version does not match is refused (a server only runs on its own schema version).
    type: str
  allow_version_mismatch:
    description: Restore even when the backup's version does not match O(expected_version).
    type: bool
    default: false
  owner:
    description:
      - PostgreSQL only. Role that owns the created database and every restored table, sequence, view,
        routine and type, usually the OpenMetadata DB user when restoring as a superuser.
    type: str
  jobs:
    description:
      - MySQL/MariaDB backups made by the native method - run the dump's INSERTs and the verification of the
        restored tables over this many connections at once. V(0) means one per CPU of the host running the
        module, at most 4. The restored data is the same; only the order in which rows were stored may differ.
      - PostgreSQL restores in one transaction over one connection, whatever O(jobs) says (it is not needed
        there to undo a failed restore).
    type: int
    default: 1
attributes:
  check_mode:
    details: Checks the backup file and the target and says what would happen; changes nothing.
  idempotent:
    details: When the target already holds exactly the backup's data (same checksums) nothing is done.
seealso:
  - module: openmetadata.ops.backup
'''

EXAMPLES = r'''
- name: Restore the pre-upgrade backup into a fresh database and verify it
  openmetadata.ops.restore:
    engine: mysql
    login_user: root
    login_password: "{{ vault_db_root_password }}"
    database: openmetadata_db_restored
    backup: "{{ om_backup.path }}"
    expected_version: 1.1.7

- name: Roll back in place (PostgreSQL), tables owned by the OpenMetadata user
  openmetadata.ops.restore:
    engine: postgresql
    login_user: postgres
    database: openmetadata_db
    backup: /var/backups/openmetadata/openmetadata-openmetadata_db-20261125T101500Z.manifest.json
    wipe: true
    owner: openmetadata_user
'''

RETURN = r'''
database:
  description: The database restored into.
  returned: always
  type: str
schema:
  description: The PostgreSQL schema restored into; null for MySQL.
  returned: always
  type: str
rows:
  description: Row count per table, as verified (or as the backup holds, in check mode).
  returned: always
  type: dict
openmetadata_version:
  description: OpenMetadata version recorded in the backup's manifest.
  returned: always
  type: str
schema_version:
  description: Schema version recorded in the manifest (C(flyway) and C(native)).
  returned: always
  type: dict
duration:
  description: Seconds the restore and its verification took; null when nothing ran.
  returned: always
  type: float
executed_queries:
  description: Statements run on the target besides the dump itself (create database, wipe, owner changes).
  returned: always
  type: list
  elements: str
'''

from ansible_collections.openmetadata.ops.plugins.module_utils.database.db import DbError
from ansible_collections.openmetadata.ops.plugins.module_utils.database.db_module import db_module
from ansible_collections.openmetadata.ops.plugins.module_utils.database.restore import RestoreError, restore_backup


def main() -> None:
    module, params = db_module(dict(
        backup={"type": "path", "required": True},
        wipe={"type": "bool", "default": False},
        expected_version={"type": "str"},
        allow_version_mismatch={"type": "bool", "default": False},
        owner={"type": "str"},
        jobs={"type": "int", "default": 1},
    ), supports_check_mode=True)
    try:
        result = restore_backup(
            params, module.params["backup"],
            wipe=module.params["wipe"],
            expected_version=module.params["expected_version"],
            allow_version_mismatch=module.params["allow_version_mismatch"],
            owner=module.params["owner"],
            check_mode=module.check_mode,
            jobs=module.params["jobs"],
        )
    except (RestoreError, DbError) as exc:
        module.fail_json(msg=str(exc))
    module.exit_json(**result)


if __name__ == "__main__":
    main()
