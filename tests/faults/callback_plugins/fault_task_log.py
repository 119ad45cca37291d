# -*- coding: utf-8 -*-
# Copyright: (c) 2026, openmetadata.ops contributors
# Apache License 2.0 (see LICENSE or https://www.apache.org/licenses/LICENSE-2.0)
"""Test-only callback of the fault suite: appends each task's name, as it starts, to $OM_FAULTS_TASK_LOG.

The fault tests inject a fault when a run reaches a phase ("Run phase <name>"); the json stdout callback
prints only at the end, and the run record is written at some phases only.
"""
from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

import os

from ansible.plugins.callback import CallbackBase

DOCUMENTATION = """
name: fault_task_log
type: aggregate
short_description: append each task's name as it starts to the file named by OM_FAULTS_TASK_LOG
description: [Test-only (tests/faults).]
"""


class CallbackModule(CallbackBase):
    CALLBACK_VERSION = 2.0
    CALLBACK_TYPE = "aggregate"
    CALLBACK_NAME = "fault_task_log"
    CALLBACK_NEEDS_ENABLED = True

    def v2_playbook_on_task_start(self, task, is_conditional):
        path = os.environ.get("OM_FAULTS_TASK_LOG")
        if path:
            with open(path, "a", encoding="utf-8") as handle:
                handle.write(task.get_name().strip() + "\n")
