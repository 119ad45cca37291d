# -*- coding: utf-8 -*-
# Copyright: (c) 2026, openmetadata.ops contributors
# Apache License 2.0 (see LICENSE or https://www.apache.org/licenses/LICENSE-2.0)
"""Loads openmetadata.ops.upgrade_summary for every run of these playbooks: ansible-playbook loads the
callback plugins of a callback_plugins folder beside the playbook by itself (a collection's own callback
would need callbacks_enabled). The plugin: plugins/callback/upgrade_summary.py."""
from __future__ import annotations

# pylint: disable-next=unused-import
from ansible_collections.openmetadata.ops.plugins.callback.upgrade_summary import CallbackModule  # noqa: F401
