#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, openmetadata.ops contributors
# Apache License 2.0 (see LICENSE or https://www.apache.org/licenses/LICENSE-2.0)
from __future__ import annotations

DOCUMENTATION = r'''
module: db_setting
short_description: Raise, persist and exactly revert a database server setting (sort_buffer_size, work_mem)
version_added: 0.1.0
description:
  - OpenMetadata 1.2 migrations need C(sort_buffer_size) (MySQL/MariaDB) or C(work_mem) (PostgreSQL) of
    20 MB or more, else they fail with "Out of sort memory". This module raises such a setting so that the
    server's own migration connections see it, makes it survive a restart, and with O(state=reverted) puts
    back exactly what was there before the first O(state=present).
  - Values with units compare as sizes; V(20MB), V(20M), V(20480kB) and V(20971520) (a bare number is
    bytes) are equal.
  - What was there before is recorded in O(state_file) (0600) on the managed node, once, so a revert works
    in a later run, after a crash, or from a rescue block.
  - "MySQL/MariaDB: C(SET GLOBAL) for the running server plus persistence: an option-file drop-in
    (O(persist=option_file), the default on MariaDB and MySQL 5.7; created by the module and removed on
    revert, or an existing file's line edited and the file restored byte for byte on revert) or
    C(SET PERSIST) (O(persist=set_persist), the default on MySQL 8; C(RESET PERSIST) on revert)."
  - "PostgreSQL: C(ALTER SYSTEM SET) + C(pg_reload_conf()) (O(scope=system), C(ALTER SYSTEM RESET) on revert
    when it was not set), or C(ALTER DATABASE/ROLE ... SET) (O(scope=database)/O(scope=role)). A plain
    C(SET work_mem) would only change the module's own session. After applying, a new connection as
    O(verify_user) must see the value, or the task fails; the value seen is returned."
  - Managed databases (Amazon RDS/Aurora, Cloud SQL, Azure; detected, or declared with O(managed=true))
    cannot be changed from SQL; the task fails with the parameter group setting to apply, or only warns
    with O(on_managed=warn).
author:
  - openmetadata.ops contributors (@openmetadata-ops)
extends_documentation_fragment:
  - openmetadata.ops.attributes
  - openmetadata.ops.attributes.diff
  - openmetadata.ops.db
  - ansible.builtin.action_common_attributes
options:
  name:
    description: The server setting, e.g. V(sort_buffer_size) or V(work_mem).
    type: str
    required: true
  value:
    description: The value wanted, with or without a unit. Required with O(state=present).
    type: str
  state:
    description: V(present) raises (or sets) the value; V(reverted) puts back what was recorded before.
    type: str
    choices: [present, reverted]
    default: present
  mode:
    description:
      - V(at_least) never lowers a value that is already larger (nothing is changed then); V(exact) sets
        exactly O(value).
    type: str
    choices: [at_least, exact]
    default: at_least
  persist:
    description:
      - MySQL/MariaDB. How the value survives a restart. V(auto) is V(set_persist) on MySQL 8 and
        V(option_file) on MariaDB and MySQL 5.7; V(none) only changes the running server.
    type: str
    choices: [auto, option_file, set_persist, none]
    default: auto
  option_file:
    description:
      - MySQL/MariaDB with O(persist=option_file). The drop-in file the server reads (C(!includedir)),
        on the database host (run the task there). Created when missing and removed on revert; an
        existing file has its line edited and is restored byte for byte on revert.
    type: path
    default: /etc/mysql/mariadb.conf.d/99-openmetadata-ops.cnf
  scope:
    description:
      - PostgreSQL. V(system) (C(ALTER SYSTEM), needs superuser), V(database) (C(ALTER DATABASE) of
        O(database)) or V(role) (C(ALTER ROLE) of O(role)).
    type: str
    choices: [system, database, role]
    default: system
  role:
    description: PostgreSQL with O(scope=role). The role to change; O(login_user) when not set.
    type: str
  verify_user:
    description: PostgreSQL. The user whose new connection must see the value (the OpenMetadata DB user).
    type: str
  verify_password:
    description: Password of O(verify_user).
    type: str
  managed:
    description: The database is managed (RDS, Aurora, Cloud SQL...) and cannot be changed from SQL.
    type: bool
    default: false
  on_managed:
    description: On a managed database, V(fail) with the setting to apply in the parameter group, or V(warn).
    type: str
    choices: [fail, warn]
    default: fail
  state_file:
    description: Where the original values are recorded (JSON, 0600).
    type: path
    default: /var/lib/openmetadata-ops/db_setting.json
attributes:
  check_mode:
    details: Reads the current values and says what would change; changes nothing, writes no state file.
  diff_mode:
    details: Before and after of the running and the persisted value.
  idempotent:
    details: A value that already satisfies O(value) is left alone; a revert with nothing recorded does nothing.
notes:
  - "Tested on live servers: MariaDB 10.11 (SET GLOBAL, option file) and PostgreSQL 15 (all scopes).
    MySQL 8 C(SET PERSIST) is covered by unit tests only: no MySQL 8 server can be installed on the
    test machines."
seealso:
  - module: openmetadata.ops.backup
'''

EXAMPLES = r'''
- name: MariaDB - raise sort_buffer_size for the migrations (option-file drop-in)
  openmetadata.ops.db_setting:
    engine: mysql
    login_user: root
    login_password: "{{ vault_db_root_password }}"
    name: sort_buffer_size
    value: 20MB

- name: MySQL 8 - the same with SET PERSIST
  openmetadata.ops.db_setting:
    engine: mysql
    login_user: root
    login_password: "{{ vault_db_root_password }}"
    name: sort_buffer_size
    value: 20MB
    persist: set_persist

- name: PostgreSQL - ALTER SYSTEM, checked from a new connection of the OpenMetadata user
  openmetadata.ops.db_setting:
    engine: postgresql
    login_user: postgres
    name: work_mem
    value: 20MB
    verify_user: openmetadata_user
    verify_password: "{{ vault_openmetadata_db_password }}"

- name: PostgreSQL - for every connection to the OpenMetadata database (owner or superuser)
  openmetadata.ops.db_setting:
    engine: postgresql
    login_user: postgres
    database: openmetadata_db
    name: work_mem
    value: 20MB
    scope: database

- name: MariaDB - an existing drop-in file of your own; its line is edited and restored on revert
  openmetadata.ops.db_setting:
    engine: mysql
    login_user: root
    name: sort_buffer_size
    value: 20MB
    persist: option_file
    option_file: /etc/mysql/conf.d/tuning.cnf

- name: Amazon RDS - nothing can be set from SQL; warn with the parameter group value instead of failing
  openmetadata.ops.db_setting:
    engine: mysql
    login_host: om.abc123.eu-west-1.rds.amazonaws.com
    login_user: admin
    login_password: "{{ vault_rds_password }}"
    name: sort_buffer_size
    value: 20MB
    managed: true
    on_managed: warn

- name: PostgreSQL without superuser - only for the OpenMetadata role
  openmetadata.ops.db_setting:
    engine: postgresql
    login_user: openmetadata_user
    login_password: "{{ vault_openmetadata_db_password }}"
    name: work_mem
    value: 20MB
    scope: role

- name: After the upgrade (or in a rescue/always block) - put back what was there
  openmetadata.ops.db_setting:
    engine: postgresql
    login_user: postgres
    name: work_mem
    state: reverted
'''

RETURN = r'''
name:
  description: The setting.
  returned: always
  type: str
before:
  description:
    - C(runtime) is the running value (MySQL) or what a new connection of O(verify_user) sees (PostgreSQL);
      C(persisted) is the value in the option file / SET PERSIST, or in C(ALTER SYSTEM/DATABASE/ROLE) for the
      scope (null when not set there).
  returned: success
  type: dict
after:
  description: The same after the task (what it would be, in check mode).
  returned: success
  type: dict
effective_value:
  description: The value in bytes that a new connection sees after the task (null if not a size).
  returned: success, not in check mode
  type: int
  sample: 20971520
executed_queries:
  description: Every statement that changed something, in order (none in check mode).
  returned: always
  type: list
  elements: str
  sample: ["SET GLOBAL sort_buffer_size = 20971520"]
'''

from ansible_collections.openmetadata.ops.plugins.module_utils.database.db import DbError
from ansible_collections.openmetadata.ops.plugins.module_utils.database.db_module import db_module
from ansible_collections.openmetadata.ops.plugins.module_utils.database.db_setting import Request, run
from ansible_collections.openmetadata.ops.plugins.module_utils.database.settings import SettingError


def main() -> None:
    module, params = db_module(dict(
        name={"type": "str", "required": True},
        value={"type": "str"},
        state={"type": "str", "choices": ["present", "reverted"], "default": "present"},
        mode={"type": "str", "choices": ["at_least", "exact"], "default": "at_least"},
        persist={"type": "str", "choices": ["auto", "option_file", "set_persist", "none"], "default": "auto"},
        option_file={"type": "path", "default": "/etc/mysql/mariadb.conf.d/99-openmetadata-ops.cnf"},
        scope={"type": "str", "choices": ["system", "database", "role"], "default": "system"},
        role={"type": "str"},
        verify_user={"type": "str"},
        verify_password={"type": "str", "no_log": True},
        managed={"type": "bool", "default": False},
        on_managed={"type": "str", "choices": ["fail", "warn"], "default": "fail"},
        state_file={"type": "path", "default": "/var/lib/openmetadata-ops/db_setting.json"},
    ), supports_check_mode=True, required_if=[("state", "present", ("value",))])
    p = module.params
    request = Request(name=p["name"], value=p["value"], state=p["state"], at_least=p["mode"] == "at_least",
                      persist=p["persist"], option_file=p["option_file"], scope=p["scope"], role=p["role"],
                      verify_user=p["verify_user"], verify_password=p["verify_password"], managed=p["managed"],
                      on_managed=p["on_managed"], state_file=p["state_file"])
    try:
        result = run(params, request, module.check_mode)
    except (SettingError, DbError) as exc:
        module.fail_json(msg=str(exc), name=p["name"])
    for warning in result.pop("warnings"):
        module.warn(warning)
    if not module._diff:  # pylint: disable=protected-access
        result.pop("diff", None)
    module.exit_json(**result)


if __name__ == "__main__":
    main()
