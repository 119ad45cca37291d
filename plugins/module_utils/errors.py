# -*- coding: utf-8 -*-
# Copyright: (c) 2026, openmetadata.ops contributors
# Apache License 2.0 (see LICENSE or https://www.apache.org/licenses/LICENSE-2.0)
"""The error of bad configuration input, shared by the wings that read the user's files.

The config wing (openmetadata.yaml, Helm values, env and compose files, the span-preserving YAML editor) and
the ingestion wing (workflow files, the ingestion Python and CLI) both refuse a file with :class:`ConfigError`;
it lives here, below both, so neither wing imports the other for it. A wing's own errors stay with it
(``DbError`` in database/db, ``BackupError`` in database/backup, ``ComposeError`` in config/om_compose).
"""
from __future__ import annotations


class ConfigError(Exception):
    """Bad input: the message says what is wrong and how to fix it; nothing was changed."""
