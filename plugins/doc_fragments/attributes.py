# -*- coding: utf-8 -*-
# Copyright: (c) 2026, openmetadata.ops contributors
# Apache License 2.0 (see LICENSE or https://www.apache.org/licenses/LICENSE-2.0)
"""The ``attributes`` every module of the collection states, per support level (as community.general's
``community.general.attributes``). Use with ``ansible.builtin.action_common_attributes`` (the descriptions):

- ``openmetadata.ops.attributes``: check_mode full, platform posix, idempotent full;
- plus ``openmetadata.ops.attributes.diff`` (diff_mode full) or ``openmetadata.ops.attributes.no_diff`` (none).

A module's own ``attributes:`` adds what is its own: ``details``, or another ``support`` (e.g. idempotent none
for an action); its keys win over the fragment's, key by key."""
from __future__ import annotations


class ModuleDocFragment:  # pylint: disable=too-few-public-methods
    DOCUMENTATION = r'''
options: {}
attributes:
  check_mode:
    support: full
  platform:
    support: full
    platforms: posix
  idempotent:
    description: Whether a second run with the same arguments reports C(changed=false).
    support: full
'''

    DIFF = r'''
options: {}
attributes:
  diff_mode:
    support: full
'''

    NO_DIFF = r'''
options: {}
attributes:
  diff_mode:
    support: none
'''
