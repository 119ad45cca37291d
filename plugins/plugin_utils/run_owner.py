# -*- coding: utf-8 -*-
# Copyright: (c) 2026, openmetadata.ops contributors
# Apache License 2.0 (see LICENSE or https://www.apache.org/licenses/LICENSE-2.0)
"""The owner of a run lock, and whether an owner still runs: the controller's half of
host_lock and db_lock (the managed node's half is module_utils/run_lock.py).

A run is its ``ansible-playbook`` process. Action plugins run in workers forked from it, so
the parent of the worker is that process. It is named by the controller's host name, the
kernel's boot id, its PID and the PID's start time (field 22 of /proc/PID/stat), so that a
PID reused after a crash or a reboot is not taken for the old run.

Whether an owner still runs can be known only on its own controller: an owner on another
controller (another AWX job container has another host name) is ``unknown``, and only the user
can say that it is gone (``break_lock``).
"""
from __future__ import annotations

import datetime
import getpass
import os
import socket
from typing import Any, Optional

from ansible.module_utils.parsing.convert_bool import boolean
from ansible.plugins.action import ActionBase

from ansible_collections.openmetadata.ops.plugins.module_utils.run_lock import describe

ALIVE, GONE, UNKNOWN = "alive", "gone", "unknown"


def _read(path: str) -> Optional[str]:
    try:
        with open(path, encoding="utf-8", errors="replace") as handle:
            return handle.read().strip()
    except OSError:
        return None


def boot_id() -> Optional[str]:
    return _read("/proc/sys/kernel/random/boot_id")


def start_time(pid: int) -> Optional[str]:
    """The PID's start time in clock ticks since boot, None when there is no such process (or no /proc)."""
    stat = _read("/proc/%d/stat" % pid)
    if not stat:
        return None
    # the command name (field 2) may hold spaces and parentheses: count from the last ')'
    return stat.rsplit(")", 1)[-1].split()[19]


def current_owner() -> dict[str, Any]:
    pid = os.getppid()
    try:
        user = getpass.getuser()
    except (KeyError, OSError):
        user = str(os.getuid())
    return {
        "controller": socket.gethostname(),
        "boot_id": boot_id(),
        "pid": pid,
        "pid_start": start_time(pid),
        "user": user,
        "started_at": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"),
    }


def state_of(holder: dict[str, Any], me: dict[str, Any]) -> str:
    """ALIVE, GONE or UNKNOWN: whether the run that holds a lock still runs, seen from ``me``."""
    if "unreadable" in holder or holder.get("controller") != me.get("controller"):
        return UNKNOWN
    if holder.get("boot_id") and me.get("boot_id") and holder["boot_id"] != me["boot_id"]:
        return GONE  # the controller rebooted since: no process of that run survived
    try:
        pid = int(holder.get("pid"))
    except (TypeError, ValueError):
        return UNKNOWN
    if me.get("boot_id"):  # a /proc to read
        started = start_time(pid)
        if started is None:
            return GONE
        return ALIVE if not holder.get("pid_start") or started == str(holder["pid_start"]) else GONE
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return GONE
    except PermissionError:
        return ALIVE  # some other user's live process
    return ALIVE


class RunLockAction(ActionBase):
    """Take or release a run lock: the module (``MODULE``) does the atomic step on the managed node,
    this side names the owner and judges a lock held by another run.

    Taken by a run that is gone (same controller; its PID gone or reused, or the controller rebooted)
    or, with ``break_lock``, by any other run: the lock is taken over with a warning. Else the task
    fails with ``holder`` (who), ``holder_state`` (alive or unknown) and a message saying what to do."""

    MODULE = ""
    WHAT = ""  # 'this host' / 'this database', for the messages

    def run(self, tmp: Any = None, task_vars: Optional[dict[str, Any]] = None) -> dict[str, Any]:
        result = super().run(tmp, task_vars)
        del tmp
        args = dict(self._task.args)
        try:
            break_lock = boolean(args.pop("break_lock", False), strict=True)
        except TypeError as exc:
            return dict(result, failed=True, msg="break_lock: %s" % exc)
        me = current_owner()
        args["owner"] = me
        outcome = self._execute_module(self.MODULE, module_args=args, task_vars=task_vars)
        if outcome.get("failed") or args.get("state", "present") != "present" or not outcome.get("held"):
            return dict(result, **outcome)
        holder = outcome.get("holder") or {"unreadable": ""}
        verdict = state_of(holder, me)
        if verdict == ALIVE or (verdict == UNKNOWN and not break_lock):
            return dict(result, **dict(outcome, failed=True, holder_state=verdict, msg=self._refusal(holder, verdict)))
        args["replace"] = holder
        outcome = self._execute_module(self.MODULE, module_args=args, task_vars=task_vars)
        if outcome.get("held"):  # another run took it over first
            fresh = outcome.get("holder") or {}
            return dict(result, **dict(outcome, failed=True, holder_state=state_of(fresh, me),
                                       msg=self._refusal(fresh, state_of(fresh, me))))
        warning = "took over the lock of %s from %s, %s" % (self.WHAT, describe(holder), (
            "which no longer runs" if verdict == GONE else "as break_lock asked"))
        outcome.setdefault("warnings", []).append(warning)
        return dict(result, **dict(outcome, took_over_from=holder))

    def _refusal(self, holder: dict[str, Any], verdict: str) -> str:
        if verdict == ALIVE:
            return ("another run is upgrading %s: %s, still running. Wait for it to end; nothing was changed."
                    % (self.WHAT, describe(holder)))
        return ("another run holds the lock of %s: %s. Whether it still runs cannot be seen from this controller. "
                "If it no longer runs (its controller or job was stopped), run again with break_lock; nothing was "
                "changed." % (self.WHAT, describe(holder)))
