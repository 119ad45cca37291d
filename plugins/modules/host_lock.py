#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, openmetadata.ops contributors
# Apache License 2.0 (see LICENSE or https://www.apache.org/licenses/LICENSE-2.0)
from __future__ import annotations

DOCUMENTATION = r'''
module: host_lock
short_description: One upgrade run at a time on a managed host
version_added: 0.2.0
description:
  - Takes or releases the lock of the managed host, a 0600 JSON file naming the run that holds it. A second
    C(ansible-playbook) started against the same host is refused before it changes anything.
  - A lock left by a run that was killed (no C(always) ran) is recognised as stale from the same controller
    and taken over; see O(break_lock) for a run on another controller.
  - Each step (read the holder, write the new one) runs under C(flock) of the lock's folder, so two runs
    that start together cannot both take it.
author:
  - openmetadata.ops contributors (@openmetadata-ops)
extends_documentation_fragment:
  - openmetadata.ops.run_lock
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
options:
  path:
    description: The lock file. Its folder is created (0700) when missing.
    type: path
    required: true
'''

EXAMPLES = r'''
- name: One upgrade at a time on this host
  openmetadata.ops.host_lock:
    path: /var/lib/openmetadata-ops/upgrade.lock

- name: Release it at the end of the run
  openmetadata.ops.host_lock:
    path: /var/lib/openmetadata-ops/upgrade.lock
    state: absent
'''

RETURN = r'''
holder:
  description: The run that held the lock when the task ran (C(null) when it was free).
  returned: always
  type: dict
  sample: {controller: ctl.example.com, pid: 4242, pid_start: "1234567", user: deploy, started_at: "2026-12-07T16:20:00Z"}
holder_state:
  description: When another run holds the lock, whether it still runs (V(alive)) or cannot be seen (V(unknown)).
  returned: when the lock is held by another run
  type: str
took_over_from:
  description: The run whose stale lock was taken over.
  returned: when a stale lock was taken over
  type: dict
'''

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.openmetadata.ops.plugins.module_utils.run_lock import LOCK_OPTIONS, FileLock, run_lock_module


def main() -> None:
    module = AnsibleModule(argument_spec=dict(LOCK_OPTIONS, path={"type": "path", "required": True}),
                           supports_check_mode=True)
    lock = FileLock(module.params["path"])
    try:
        result = run_lock_module(module, lock, "host_lock")
    except OSError as exc:
        module.fail_json(msg="cannot use the lock file %s: %s" % (lock.path, exc))
    module.exit_json(**result)


if __name__ == "__main__":
    main()
