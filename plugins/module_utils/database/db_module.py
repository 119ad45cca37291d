# -*- coding: utf-8 -*-
# Copyright: (c) 2026, openmetadata.ops contributors
# Apache License 2.0 (see LICENSE or https://www.apache.org/licenses/LICENSE-2.0)
"""The start every database module shares: the connection options (documented by the
``openmetadata.ops.db`` fragment) plus its own, and a clear failure when the driver is missing or
the TLS options cannot work together."""
from __future__ import annotations

from typing import Any

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.openmetadata.ops.plugins.module_utils.database.db import (
    DB_ARGUMENT_SPEC, DbParams, missing_driver, tls_problem,
)


def db_module(own_options: dict[str, dict[str, Any]], **module_kwargs: Any) -> tuple[AnsibleModule, DbParams]:
    argument_spec = dict(DB_ARGUMENT_SPEC)
    argument_spec.update(own_options)
    module = AnsibleModule(argument_spec=argument_spec, **module_kwargs)
    params = DbParams.from_module_params(module.params)
    problem = missing_driver(params.engine) or tls_problem(params)
    if problem:
        module.fail_json(msg=problem)
    return module, params
