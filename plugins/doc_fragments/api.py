# -*- coding: utf-8 -*-
# Copyright: (c) 2026, openmetadata.ops contributors
# Apache License 2.0 (see LICENSE or https://www.apache.org/licenses/LICENSE-2.0)
"""Options of the modules that talk to the OpenMetadata server's REST API (group openmetadata.ops.api)."""
from __future__ import annotations


class ModuleDocFragment:  # pylint: disable=too-few-public-methods
    DOCUMENTATION = r'''
options:
  server_url:
    description: OpenMetadata's URL (API port), without C(/api).
    type: str
    default: http://127.0.0.1:8585
  jwt_token:
    description:
      - A bot's JWT (e.g. the ingestion-bot's or the admin bot's token), sent as C(Authorization Bearer).
      - Optional for every module; a server with authentication (every default install) answers 401 without it,
        and the module says so.
    type: str
  validate_certs:
    description: Verify the server's TLS certificate.
    type: bool
    default: true
  ca_path:
    description: PEM file of the CA that signed the server's certificate.
    type: path
  request_timeout:
    description: Seconds to wait for each HTTP answer.
    type: float
    default: 30
'''
