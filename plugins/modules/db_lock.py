#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, openmetadata.ops contributors
# Apache License 2.0 (see LICENSE or https://www.apache.org/licenses/LICENSE-2.0)
from __future__ import annotations

DOCUMENTATION = r'''
module: db_lock
short_description: One upgrade run at a time on an OpenMetadata database, whichever hosts point at it
version_added: 0.2.0
description:
  - Takes or releases the database's guard, a one-row table C(openmetadata_ops_run_lock) in the OpenMetadata
    database naming the run that holds it. Two runs (two inventories, or two hosts of one database in two
    runs) cannot migrate one database at once; the second is refused before it changes anything.
  - Creating the table is the atomic step (C(CREATE TABLE ... AS SELECT) fails when it exists); taking over a
    stale guard updates only the row of the owner judged stale; releasing drops the table.
  - M(openmetadata.ops.backup) leaves the table out, so a restore never brings back an old guard (after a
    restore, the run takes it again).
  - Needs the CREATE and DROP privileges on the database (the OpenMetadata user has them for its migrations).
author:
  - openmetadata.ops contributors (@openmetadata-ops)
extends_documentation_fragment:
  - openmetadata.ops.run_lock
  - openmetadata.ops.db
  - openmetadata.ops.attributes
  - openmetadata.ops.attributes.no_diff
  - ansible.builtin.action_common_attributes
  - ansible.builtin.action_common_attributes.flow
attributes:
  async:
    support: none
  bypass_host_loop:
    support: none
  action:
    support: full
    details: The controller side names the run and judges whether another run still runs.
'''

EXAMPLES = r'''
- name: One run at a time on the OpenMetadata database
  openmetadata.ops.db_lock:
    engine: mysql
    login_host: db.example.com
    login_user: openmetadata_user
    login_password: "{{ vault_openmetadata_db_password }}"
    database: openmetadata_db

- name: Release it at the end of the run
  openmetadata.ops.db_lock:
    engine: mysql
    login_host: db.example.com
    login_user: openmetadata_user
    login_password: "{{ vault_openmetadata_db_password }}"
    database: openmetadata_db
    state: absent
'''

RETURN = r'''
holder:
  description: The run that held the guard when the task ran (C(null) when it was free).
  returned: always
  type: dict
  sample: {controller: ctl.example.com, pid: 4242, pid_start: "1234567", user: deploy, started_at: "2026-12-07T16:20:00Z"}
holder_state:
  description: When another run holds the guard, whether it still runs (V(alive)) or cannot be seen (V(unknown)).
  returned: when the guard is held by another run
  type: str
took_over_from:
  description: The run whose stale guard was taken over.
  returned: when a stale guard was taken over
  type: dict
'''

from ansible_collections.openmetadata.ops.plugins.module_utils.database.db import DbError
from ansible_collections.openmetadata.ops.plugins.module_utils.database.db_lock import DbLock
from ansible_collections.openmetadata.ops.plugins.module_utils.database.db_module import db_module
from ansible_collections.openmetadata.ops.plugins.module_utils.run_lock import LOCK_OPTIONS, run_lock_module


def main() -> None:
    module, params = db_module(dict(LOCK_OPTIONS), supports_check_mode=True)
    try:
        result = run_lock_module(module, DbLock(params), "db_lock")
    except DbError as exc:
        module.fail_json(msg="cannot use the guard of database %s: %s" % (params.database, exc))
    except Exception as exc:  # pylint: disable=broad-except  # the driver's own errors (privileges, connection)
        module.fail_json(msg="cannot use the guard of database %s on %s: %s" % (params.database, params.where, exc))
    module.exit_json(**result)


if __name__ == "__main__":
    main()
