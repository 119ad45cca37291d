# -*- coding: utf-8 -*-
# Copyright: (c) 2026, openmetadata.ops contributors
# Apache License 2.0 (see LICENSE or https://www.apache.org/licenses/LICENSE-2.0)
"""Screen output for the openmetadata.ops playbooks: phases, changes, status lines and failures; the rest at -v."""
from __future__ import annotations

DOCUMENTATION = r"""
name: upgrade
type: stdout
short_description: Phases, changes, status lines and failures of the openmetadata.ops playbooks; all detail at -v
description:
  - At the default verbosity it prints, for each host, the phase the upgrade enters, every task that changed
    something (one line each), the status lines the roles print (preflight's findings, the backup's and the
    reindex's progress, what was deleted, migrated, redeployed), warnings, and every failure in full. It leaves
    out the run-record bookkeeping (role upgrade_state), the argument-validation tasks, skipped and unchanged
    tasks, includes and the C(FAILED - RETRYING) lines of a wait (one "waiting" line instead).
  - The summary table of the run comes after the recap (callback openmetadata.ops.upgrade_summary).
  - With C(-v) or more it is the default callback, line for line.
  - "Select it with C(ANSIBLE_STDOUT_CALLBACK=openmetadata.ops.upgrade) or C(stdout_callback = openmetadata.ops.upgrade)
    in ansible.cfg (docs/ansible.cfg)."
author: openmetadata.ops contributors (@openmetadata-ops)
extends_documentation_fragment:
  - default_callback
  - result_format_callback
requirements:
  - set as stdout in configuration
"""

from ansible import constants as C
from ansible.playbook.task_include import TaskInclude
from ansible.plugins.callback.default import CallbackModule as DefaultCallback

QUIET_ROLES = ("upgrade_state",)
QUIET_ACTIONS = {"set_fact", "include_tasks", "include_role", "import_tasks", "import_role", "assert", "meta",
                 "include_vars", "validate_argument_spec", "async_status"}
SHOW_ACTIONS = {"debug"}
HIDDEN_DEBUG = {"Print the summary"}  # replaced by the table of upgrade_summary


def _short(action: str) -> str:
    return action.rsplit(".", 1)[-1]


class CallbackModule(DefaultCallback):
    """The default callback at -v and above; a filter of it at the default verbosity."""

    CALLBACK_VERSION = 2.0
    CALLBACK_TYPE = "stdout"
    CALLBACK_NAME = "openmetadata.ops.upgrade"

    def __init__(self):
        super().__init__()
        self._phases_seen = set()
        self._waiting = set()

    # -- helpers --------------------------------------------------------------------------------------------
    def _quiet_mode(self) -> bool:
        return self._display.verbosity < 1

    @staticmethod
    def _role(task) -> str:
        role = getattr(task, "_role", None)
        return role.get_name() if role is not None else ""

    def _is_bookkeeping(self, task) -> bool:
        role = self._role(task)
        name = task.get_name()
        return (role.endswith(QUIET_ROLES) or "Validating arguments against arg spec" in name)

    def _label(self, task) -> str:
        role = self._role(task)
        name = task.get_name().strip()
        if role and not name.startswith(role):
            return "%s : %s" % (role.rsplit(".", 1)[-1], name)
        return name

    def _line(self, text: str, color=None) -> None:
        self._display.display(text, color=color)

    def _phase_marker(self, result) -> None:
        facts = result._result.get("ansible_facts") or {}
        phase = facts.get("openmetadata_upgrade_current_phase")
        if phase and facts.get("openmetadata_upgrade_phase_started"):
            key = (phase, result._host.get_name())
            if key not in self._phases_seen:
                self._phases_seen.add(key)
                self._line("[%s] phase %s" % (result._host.get_name(), phase), color=C.COLOR_HIGHLIGHT)

    def _show_debug(self, result) -> None:
        host = result._host.get_name()
        res = result._result
        if "msg" in res:
            msg = res["msg"]
        else:
            keys = [k for k in res if not k.startswith("_") and k not in ("changed", "failed")]
            msg = res[keys[0]] if keys else ""
        lines = msg if isinstance(msg, list) else str(msg).splitlines()
        for i, line in enumerate(lines):
            text = str(line)
            if i == 0 and not text.startswith(host):
                text = "%s: %s" % (host, text)
            elif i > 0:
                text = "    " + text
            self._line(text, color=C.COLOR_OK)

    # -- events ---------------------------------------------------------------------------------------------
    def v2_playbook_on_task_start(self, task, is_conditional):
        if self._quiet_mode():
            self._last_task_name = task.get_name().strip()
            return
        super().v2_playbook_on_task_start(task, is_conditional)

    def v2_playbook_on_handler_task_start(self, task):
        if self._quiet_mode():
            return
        super().v2_playbook_on_handler_task_start(task)

    def v2_playbook_on_include(self, included_file):
        if self._quiet_mode():
            return
        super().v2_playbook_on_include(included_file)

    def v2_runner_on_ok(self, result):
        if not self._quiet_mode():
            super().v2_runner_on_ok(result)
            return
        task = result._task
        self._handle_warnings_and_exception(result)
        self._phase_marker(result)
        self._waiting.discard((result._host.get_name(), task._uuid))
        if isinstance(task, TaskInclude):
            return
        action = _short(task.action)
        if action in SHOW_ACTIONS and task.get_name().strip() not in HIDDEN_DEBUG:
            if not result._result.get("skipped") and "results" not in result._result:  # a loop: shown per item
                self._show_debug(result)
            return
        if self._is_bookkeeping(task) or action in QUIET_ACTIONS:
            return
        if result._result.get("changed", False) and "results" not in result._result:
            self._line("changed: [%s] %s" % (result._host.get_name(), self._label(task)), color=C.COLOR_CHANGED)

    def v2_runner_item_on_ok(self, result):
        if not self._quiet_mode():
            super().v2_runner_item_on_ok(result)
            return
        task = result._task
        if _short(task.action) in SHOW_ACTIONS and task.get_name().strip() not in HIDDEN_DEBUG:
            self._show_debug(result)
        elif result._result.get("changed", False) and not self._is_bookkeeping(task):
            self._line("changed: [%s] %s (%s)" % (result._host.get_name(), self._label(task),
                                                  self._get_item_label(result._result)), color=C.COLOR_CHANGED)

    def v2_runner_item_on_skipped(self, result):
        if not self._quiet_mode():
            super().v2_runner_item_on_skipped(result)

    def v2_runner_on_skipped(self, result):
        if not self._quiet_mode():
            super().v2_runner_on_skipped(result)

    def v2_runner_on_failed(self, result, ignore_errors=False):
        if self._quiet_mode() and ignore_errors:
            self._handle_warnings_and_exception(result)
            first = (str(result._result.get("msg", "")).splitlines() or [""])[0]
            self._line("failed (ignored): [%s] %s: %s" % (result._host.get_name(), self._label(result._task), first),
                       color=C.COLOR_SKIP)
            return
        if self._quiet_mode() and self._last_task_banner != result._task._uuid:
            self._last_task_name = self._label(result._task)
        super().v2_runner_on_failed(result, ignore_errors)

    def v2_runner_retry(self, result):
        if not self._quiet_mode():
            super().v2_runner_retry(result)
            return
        key = (result._host.get_name(), result._task._uuid)
        if key not in self._waiting:
            self._waiting.add(key)
            self._line("waiting: [%s] %s (up to %s tries)" % (result._host.get_name(), self._label(result._task),
                                                              result._result.get("retries", "?")), color=C.COLOR_DEBUG)

    def v2_runner_on_async_poll(self, result):
        if not self._quiet_mode():
            super().v2_runner_on_async_poll(result)

    def v2_runner_on_async_ok(self, result):
        if not self._quiet_mode():
            super().v2_runner_on_async_ok(result)

    def v2_playbook_on_no_hosts_matched(self):
        if not self._quiet_mode():
            super().v2_playbook_on_no_hosts_matched()
