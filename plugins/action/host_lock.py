# -*- coding: utf-8 -*-
# Copyright: (c) 2026, openmetadata.ops contributors
# Apache License 2.0 (see LICENSE or https://www.apache.org/licenses/LICENSE-2.0)
"""The controller's half of module host_lock: names the run that takes the lock and judges a lock
held by another run (plugin_utils/run_owner.py)."""
from __future__ import annotations

from ansible_collections.openmetadata.ops.plugins.plugin_utils.run_owner import RunLockAction


class ActionModule(RunLockAction):
    MODULE = "openmetadata.ops.host_lock"
    WHAT = "this host"
