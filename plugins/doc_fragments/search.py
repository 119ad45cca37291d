# -*- coding: utf-8 -*-
# Copyright: (c) 2026, openmetadata.ops contributors
# Apache License 2.0 (see LICENSE or https://www.apache.org/licenses/LICENSE-2.0)
"""Options of the modules that talk to Elasticsearch/OpenSearch (group openmetadata.ops.search).

The names carry ``search_`` because a module may talk to the OpenMetadata API as well (its ``validate_certs``,
``ca_path``); a module that only talks to the search engine adds the short names as aliases in its own
documentation (only the ``aliases`` key: the rest of the option comes from here)."""
from __future__ import annotations


class ModuleDocFragment:  # pylint: disable=too-few-public-methods
    DOCUMENTATION = r'''
options:
  search_url:
    description: Elasticsearch/OpenSearch URL, e.g. V(http://127.0.0.1:9200).
    type: str
  search_username:
    description: Basic auth user for O(search_url).
    type: str
  search_password:
    description: Basic auth password for O(search_url).
    type: str
  search_api_key:
    description: API key for O(search_url) (C(Authorization ApiKey)), instead of a user and password.
    type: str
  search_validate_certs:
    description: Verify the search engine's TLS certificate.
    type: bool
    default: true
  search_ca_path:
    description: PEM file of the CA that signed the search engine's certificate.
    type: path
'''
