#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, openmetadata.ops contributors
# Apache License 2.0 (see LICENSE or https://www.apache.org/licenses/LICENSE-2.0)
from __future__ import annotations

DOCUMENTATION = r'''
module: query_export
short_description: Export the saved queries the OpenMetadata 1.2.0 migration will delete
version_added: 0.1.0
description:
  - The 1.2.0 migration deletes every saved query (C(query_entity)) whose database service cannot be found through
    C(entity_relationship) (table -> query, schema -> table, database -> schema, service -> database; one broken
    path is enough). This module finds them with the same rule and writes them to one JSON document at O(dest),
    each query's whole JSON document and its relationship rows, so nothing is lost for good.
  - The file is written atomically with mode 0600 (query texts can hold sensitive SQL). It holds no timestamp,
    so a second run on the same data finds it identical and reports C(changed=false).
  - Nothing in the database is changed.
author:
  - openmetadata.ops contributors (@openmetadata-ops)
extends_documentation_fragment:
  - openmetadata.ops.attributes
  - openmetadata.ops.attributes.no_diff
  - openmetadata.ops.db
  - ansible.builtin.action_common_attributes
options:
  dest:
    description: The JSON file to write; its folder is created (0700) when missing.
    type: path
    required: true
  source_version:
    description: The installed OpenMetadata release, recorded in the file.
    type: str
    default: ''
attributes:
  check_mode:
    details: Counts the queries and says whether the file would change; writes nothing.
seealso:
  - module: openmetadata.ops.info
'''

EXAMPLES = r'''
- name: Keep the queries the migration will delete
  openmetadata.ops.query_export:
    engine: mysql
    login_user: openmetadata_user
    login_password: "{{ vault_openmetadata_db_password }}"
    dest: /var/lib/openmetadata-ops/reports/lost-queries.json
'''

RETURN = r'''
path:
  description: The file.
  returned: always
  type: str
count:
  description: How many queries it holds.
  returned: always
  type: int
  sample: 6
sha256:
  description: SHA-256 of the file's content.
  returned: always
  type: str
'''

from ansible_collections.openmetadata.ops.plugins.module_utils.database.db import DbError, connect
from ansible_collections.openmetadata.ops.plugins.module_utils.database.db_module import db_module
from ansible_collections.openmetadata.ops.plugins.module_utils.database.query_loss import export_document, export_to_file


def main() -> None:
    module, params = db_module(dict(
        dest={"type": "path", "required": True},
        source_version={"type": "str", "default": ""},
    ), supports_check_mode=True)
    try:
        conn = connect(params, autocommit=True)
    except DbError as exc:
        module.fail_json(msg=str(exc))
    try:
        document = export_document(conn, params.engine, params.schema, params.database, module.params["source_version"])
    except Exception as exc:  # pylint: disable=broad-except  # a driver error on a table that is not there
        module.fail_json(msg="cannot read query_entity/entity_relationship in %s (is this an OpenMetadata 1.1 "
                             "database?): %s" % (params.database, exc))
    finally:
        conn.close()
    try:
        outcome = export_to_file(module.params["dest"], document, module.check_mode)
    except OSError as exc:
        module.fail_json(msg="cannot write %s: %s; choose another openmetadata_report_dir" % (module.params["dest"], exc))
    module.exit_json(**outcome)


if __name__ == "__main__":
    main()
