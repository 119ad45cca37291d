# -*- coding: utf-8 -*-
# Copyright: (c) 2026, openmetadata.ops contributors
# Apache License 2.0 (see LICENSE or https://www.apache.org/licenses/LICENSE-2.0)
"""The argument specs of the shared option groups, one per doc fragment (plugins/doc_fragments/api.py and
search.py) and action group (meta/runtime.yml ``api`` and ``search``): one name per concept in every module
(docs/development.md, "One option vocabulary")."""
from __future__ import annotations

from typing import Any


def api_argument_spec(timeout_alias: bool = False) -> dict[str, Any]:
    """The OpenMetadata REST API options (doc fragment openmetadata.ops.api). ``timeout_alias`` accepts the old
    name ``timeout`` for ``request_timeout`` (a module whose ``timeout`` meant something else, reindex's overall
    wait, keeps it for that)."""
    spec: dict[str, Any] = {
        "server_url": {"type": "str", "default": "http://127.0.0.1:8585"},
        "jwt_token": {"type": "str", "no_log": True},
        "validate_certs": {"type": "bool", "default": True},
        "ca_path": {"type": "path"},
        "request_timeout": {"type": "float", "default": 30},
    }
    if timeout_alias:
        spec["request_timeout"]["aliases"] = ["timeout"]
    return spec


def search_argument_spec(required: bool = False, short_aliases: bool = False) -> dict[str, Any]:
    """The Elasticsearch/OpenSearch options (doc fragment openmetadata.ops.search). ``short_aliases`` adds the
    unprefixed names (``url``, ``username``, ...) as aliases, for a module that only talks to the search engine."""
    spec: dict[str, Any] = {
        "search_url": {"type": "str", "required": required},
        "search_username": {"type": "str"},
        "search_password": {"type": "str", "no_log": True},
        "search_api_key": {"type": "str", "no_log": True},
        "search_validate_certs": {"type": "bool", "default": True},
        "search_ca_path": {"type": "path"},
    }
    if short_aliases:
        for name, option in spec.items():
            option["aliases"] = [name[len("search_"):]]
    return spec
