# -*- coding: utf-8 -*-
# Copyright: (c) 2026, openmetadata.ops contributors
# Apache License 2.0 (see LICENSE or https://www.apache.org/licenses/LICENSE-2.0)
"""Filter ``openmetadata.ops.release``: the release table's facts of an upgrade, through the one gate
(``module_utils/releases.py`` ``hop_for``), for roles that run before or without the preflight."""
from __future__ import annotations

from typing import Any, Dict, Optional

from ansible.errors import AnsibleFilterError

from ansible_collections.openmetadata.ops.plugins.module_utils import releases


def release(target: Any, source: Optional[str] = None, what: str = "openmetadata_target_version",
            source_what: str = "openmetadata_source_version", client: bool = False) -> Dict[str, Any]:
    """``releases.hop_for(source, target)``; a version or path the table does not support fails the task
    with the gate's message."""
    try:
        return releases.hop_for(source or None, target, source_what=source_what, target_what=what,
                                allow_build=client)
    except releases.HopError as exc:
        raise AnsibleFilterError(str(exc)) from None


class FilterModule:
    """The collection's filters."""

    def filters(self) -> Dict[str, Any]:
        return {"release": release}
