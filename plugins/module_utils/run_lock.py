# -*- coding: utf-8 -*-
# Copyright: (c) 2026, openmetadata.ops contributors
# Apache License 2.0 (see LICENSE or https://www.apache.org/licenses/LICENSE-2.0)
"""One upgrade at a time: a lock that names its owner, kept on the managed host (a file) or in
the database (database/db_lock.py).

The owner is the controller's ``ansible-playbook`` process: controller host name, boot id, PID
and the PID's start time (the action plugin fills them in, plugin_utils/run_owner.py). A lock
whose owner is gone cannot release itself (a killed controller runs no ``always``): the action
plugin decides from the owner whether it is stale and then asks to *replace* exactly that owner.
Every store therefore offers three operations, each atomic:

- take: create the lock for ``owner``; if it is held, say by whom (held by ``owner`` itself is
  success: a run takes its lock again after a recovery);
- replace: take it only if it is still held by ``replace`` (compare and swap);
- release: remove it only if ``owner`` holds it.
"""
from __future__ import annotations

import contextlib
import fcntl
import json
import os
from typing import Any, Iterator, Optional

from ansible_collections.openmetadata.ops.plugins.module_utils.files import write_file_atomic

# What makes two owners the same run; the rest (user, started_at) is for the message.
IDENTITY_KEYS = ("controller", "boot_id", "pid", "pid_start")

# The options both lock modules take besides their store's (DOCUMENTATION: doc fragment run_lock).
OWNER_SPEC = dict(
    controller=dict(type="str", required=True),
    boot_id=dict(type="str"),
    pid=dict(type="int", required=True),
    pid_start=dict(type="str"),
    user=dict(type="str"),
    started_at=dict(type="str"),
)

LOCK_OPTIONS: dict[str, dict[str, Any]] = dict(
    state={"type": "str", "choices": ["present", "absent"], "default": "present"},
    owner={"type": "dict", "options": OWNER_SPEC},
    break_lock={"type": "bool", "default": False},  # the action plugin's (plugin_utils/run_owner.py)
    replace={"type": "dict"},
)


def run_lock_module(module: Any, lock: Any, name: str) -> dict[str, Any]:
    """What host_lock and db_lock do with their ``lock`` (FileLock or DbLock): take or release it for
    the owner the action plugin named; the result to exit with. Errors are the caller's."""
    if not module.params["owner"]:
        module.fail_json(msg="owner is missing: call openmetadata.ops.%s as a task (its action plugin sets it)" % name)
    if module.params["state"] == "present":
        return lock.take(module.params["owner"], module.params["replace"], module.check_mode)
    return lock.release(module.params["owner"], module.check_mode)


def same_owner(one: Optional[dict[str, Any]], other: Optional[dict[str, Any]]) -> bool:
    if not one or not other:
        return False
    return all(str(one.get(key) or "") == str(other.get(key) or "") for key in IDENTITY_KEYS)


def encode(owner: dict[str, Any]) -> str:
    return json.dumps({key: owner.get(key) for key in sorted(owner) if owner.get(key) is not None},
                      sort_keys=True, separators=(",", ":"))


def decode(text: str) -> dict[str, Any]:
    """The owner a lock holds; a lock that is not ours to read still blocks (``unreadable``)."""
    try:
        owner = json.loads(text)
    except ValueError:
        owner = None
    if not isinstance(owner, dict) or "pid" not in owner:
        return {"unreadable": text[:200]}
    return owner


def describe(owner: dict[str, Any]) -> str:
    """'ansible-playbook pid 4242 on ctl.example.com (user deploy), since 2026-12-07T16:20:00Z'."""
    if "unreadable" in owner:
        return "an owner this collection cannot read (%r)" % owner["unreadable"]
    text = "ansible-playbook pid %s on %s" % (owner.get("pid"), owner.get("controller"))
    if owner.get("user"):
        text += " (user %s)" % owner["user"]
    if owner.get("started_at"):
        text += ", since %s" % owner["started_at"]
    return text


class FileLock:
    """The lock of one managed host: a 0600 JSON file. Each operation runs under flock() of the
    folder, so that reading the holder and writing the new one is one step."""

    def __init__(self, path: str) -> None:
        self.path = os.path.abspath(path)
        self.folder = os.path.dirname(self.path)

    @contextlib.contextmanager
    def _exclusive(self) -> Iterator[None]:
        folder = os.open(self.folder, os.O_RDONLY)
        try:
            fcntl.flock(folder, fcntl.LOCK_EX)
            yield
        finally:
            os.close(folder)  # closing the descriptor releases the flock

    def holder(self) -> Optional[dict[str, Any]]:
        try:
            with open(self.path, encoding="utf-8", errors="replace") as handle:
                return decode(handle.read())
        except FileNotFoundError:
            return None

    def make_folder(self) -> bool:
        if os.path.isdir(self.folder):
            return False
        os.makedirs(self.folder, mode=0o700)
        return True

    def take(self, owner: dict[str, Any], replace: Optional[dict[str, Any]] = None,
             check_mode: bool = False) -> dict[str, Any]:
        """{'changed', 'held', 'holder'}: held True means someone else has it (nothing changed)."""
        if not os.path.isdir(self.folder):
            if check_mode:
                return {"changed": True, "held": False, "holder": None}
            self.make_folder()
        with self._exclusive():
            holder = self.holder()
            if same_owner(holder, owner):
                return {"changed": False, "held": False, "holder": holder}
            if holder is not None and not (replace is not None and is_holder(holder, replace)):
                return {"changed": False, "held": True, "holder": holder}
            if not check_mode:
                write_file_atomic(self.path, (encode(owner) + "\n").encode("utf-8"), mode=0o600)
            return {"changed": True, "held": False, "holder": holder, "replaced": holder is not None}

    def release(self, owner: dict[str, Any], check_mode: bool = False) -> dict[str, Any]:
        if not os.path.isdir(self.folder):
            return {"changed": False, "held": False, "holder": None}
        with self._exclusive():
            holder = self.holder()
            if holder is None:
                return {"changed": False, "held": False, "holder": None}
            if not same_owner(holder, owner):
                return {"changed": False, "held": True, "holder": holder}
            if not check_mode:
                os.unlink(self.path)
            return {"changed": True, "held": False, "holder": holder}


def is_holder(holder: dict[str, Any], replace: dict[str, Any]) -> bool:
    """The holder is the one the controller judged stale (an unreadable lock by its text)."""
    if "unreadable" in holder:
        return holder.get("unreadable") == replace.get("unreadable")
    return same_owner(holder, replace)
