# -*- coding: utf-8 -*-
# Copyright: (c) 2026, openmetadata.ops contributors
# Apache License 2.0 (see LICENSE or https://www.apache.org/licenses/LICENSE-2.0)
"""Options and behaviour the two run locks share (modules host_lock and db_lock)."""
from __future__ import annotations


class ModuleDocFragment:  # pylint: disable=too-few-public-methods
    DOCUMENTATION = r'''
options:
  state:
    description:
      - V(present) takes the lock for this run; V(absent) releases it (only when this run holds it).
    type: str
    choices: [present, absent]
    default: present
  break_lock:
    description:
      - Take over a lock held by a run on another controller, whose state cannot be seen from here. Use it only
        when that run no longer runs (its controller or AWX job was stopped).
      - A lock held by a run of this controller that is gone (its C(ansible-playbook) PID is gone, or the PID
        now belongs to another process, or the controller rebooted) is always taken over, with a warning.
    type: bool
    default: false
  owner:
    description:
      - The run taking the lock. Set by the action plugin (the controller's C(ansible-playbook) process);
        leave it out.
    type: dict
    suboptions:
      controller:
        description: The controller's host name.
        type: str
        required: true
      boot_id:
        description: The controller kernel's boot id (a reboot ends every run).
        type: str
      pid:
        description: The PID of C(ansible-playbook).
        type: int
        required: true
      pid_start:
        description: The PID's start time (clock ticks since boot), so that a reused PID is not taken for the run.
        type: str
      user:
        description: Who started the run (for the messages).
        type: str
      started_at:
        description: When the lock was taken, UTC (for the messages).
        type: str
  replace:
    description:
      - Take the lock only if it is still held by this owner (compare and swap). Set by the action plugin when
        it takes over a stale lock; leave it out.
    type: dict
notes:
  - A run is its C(ansible-playbook) process on the controller, named by host name, boot id, PID and the PID's
    start time; the same run taking the lock again succeeds with C(changed=false).
  - A lock held by another run that still runs, or whose state cannot be seen, fails the task with C(holder) and
    C(holder_state) and changes nothing.
  - Check mode reports whether the lock could be taken and takes nothing.
'''
