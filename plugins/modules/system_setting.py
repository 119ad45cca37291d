#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, openmetadata.ops contributors
# Apache License 2.0 (see LICENSE or https://www.apache.org/licenses/LICENSE-2.0)
from __future__ import annotations

DOCUMENTATION = r'''
module: system_setting
short_description: Read or write an OpenMetadata system setting (custom logo, login configuration) through the REST API
version_added: 0.1.0
description:
  - OpenMetadata 1.2.1 removed C(applicationConfig.logoConfig) and C(applicationConfig.loginConfig) from
    C(openmetadata.yaml); their values live in the system settings C(customLogoConfiguration) and
    C(loginConfiguration) instead. This module reads such a setting and writes it when it differs, through
    C(GET /api/v1/system/settings/{name}) and C(PUT /api/v1/system/settings).
  - With O(merge=true) (the default) only the fields given in O(value) are set; the other fields keep what the
    server has. Values written as text (C("3"), as read from YAML or an environment variable) are sent with the
    type the setting's schema has (integers for C(loginConfiguration)).
  - The settings endpoints need an admin bot's token (O(jwt_token)).
author:
  - openmetadata.ops contributors (@openmetadata-ops)
extends_documentation_fragment:
  - openmetadata.ops.api
  - openmetadata.ops.attributes
  - openmetadata.ops.attributes.diff
  - ansible.builtin.action_common_attributes
options:
  name:
    description:
      - The setting (C(config_type)), e.g. V(customLogoConfiguration) or V(loginConfiguration). The fields of
        these two are checked and typed; other settings are written as given.
    type: str
    required: true
  value:
    description:
      - The fields to set (C(config_value)). Fields that are null are ignored, and so are empty strings
        when O(skip_empty=true). Required with O(state=present).
    type: dict
  om_version:
    description:
      - The OpenMetadata release the server runs (e.g. V(1.2.5)). When given, a setting or field that release does
        not have yet is refused before anything is sent (C(loginConfiguration) and
        C(customLogoConfiguration.customFaviconUrlPath) exist from 1.2.1 on).
    type: str
  merge:
    description: Keep the server's fields that O(value) does not name (V(false) replaces the whole value).
    type: bool
    default: true
  skip_empty:
    description: Ignore fields whose value is an empty string (an unset C(${VAR:-""}) in the old YAML).
    type: bool
    default: true
  state:
    description: V(present) writes the setting when it differs; V(read) only reads it.
    type: str
    choices: [present, read]
    default: present
  request_timeout:
    aliases: [timeout]
attributes:
  check_mode:
    details: Reads the setting and says whether it would be written; writes nothing.
  diff_mode:
    details: The setting's value before and after.
  idempotent:
    details: The setting is only written when its value differs from what the server returns.
notes:
  - Tested against the project's OpenMetadata stand-in (tests/simulator), which serves the settings API with
    the shapes of 1.1.7 and 1.2.x.
seealso:
  - module: openmetadata.ops.server_config
'''

EXAMPLES = r'''
- name: Carry the old login configuration into the 1.2 settings
  openmetadata.ops.system_setting:
    server_url: https://openmetadata.example.com
    jwt_token: "{{ vault_openmetadata_admin_bot_jwt }}"
    name: loginConfiguration
    value:
      maxLoginFailAttempts: 5
      accessBlockTime: 900

- name: Custom logo from the values server_config removed from openmetadata.yaml
  openmetadata.ops.system_setting:
    jwt_token: "{{ vault_openmetadata_admin_bot_jwt }}"
    name: customLogoConfiguration
    value: "{{ om_config.removed_settings.customLogoConfiguration }}"

- name: Read a setting
  openmetadata.ops.system_setting:
    jwt_token: "{{ vault_openmetadata_admin_bot_jwt }}"
    name: customLogoConfiguration
    state: read
  register: logo
'''

RETURN = r'''
name:
  description: The setting.
  returned: always
  type: str
exists:
  description: Whether the server had the setting before the task.
  returned: success
  type: bool
before:
  description: The setting's value before the task (null when the server had none).
  returned: success
  type: dict
value:
  description: The value after the task (what it would be, in check mode).
  returned: success
  type: dict
  sample: {maxLoginFailAttempts: 3, accessBlockTime: 600, jwtTokenExpiryTime: 3600}
status:
  description: HTTP status of a failed call, when there was one.
  returned: failure
  type: int
'''

from typing import Any, Optional

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.openmetadata.ops.plugins.module_utils.api.argspec import api_argument_spec
from ansible_collections.openmetadata.ops.plugins.module_utils.api.om_api import ApiClient, ApiError
from ansible_collections.openmetadata.ops.plugins.module_utils.api.system_settings import SettingError, apply_setting


def main() -> None:
    module = AnsibleModule(argument_spec=dict(
        **api_argument_spec(timeout_alias=True),
        name={"type": "str", "required": True},
        value={"type": "dict"},
        om_version={"type": "str"},
        merge={"type": "bool", "default": True},
        skip_empty={"type": "bool", "default": True},
        state={"type": "str", "choices": ["present", "read"], "default": "present"},
    ), supports_check_mode=True, required_if=[("state", "present", ("value",))])
    p = module.params
    try:
        client = ApiClient(p["server_url"], token=p["jwt_token"], validate_certs=p["validate_certs"],
                           ca_path=p["ca_path"], timeout=p["request_timeout"])

        def get_json(path: str) -> Optional[dict[str, Any]]:
            # An unknown setting answers 404 (or 400 on servers whose enum lacks the name).
            answer = client.get(path, ok=(404,))
            return None if answer.status == 404 else answer.json()

        def put_json(path: str, body: dict[str, Any]) -> Any:
            return client.put(path, body=body)

        result = apply_setting(get_json, put_json, p["name"], p["value"], p["state"], p["merge"],
                               p["skip_empty"], module.check_mode, p["om_version"])
    except SettingError as exc:
        module.fail_json(msg=str(exc), name=p["name"])
    except ApiError as exc:
        extra = {"status": exc.status} if exc.status else {}
        if exc.status == 400:
            exc.msg += (" (a server older than 1.2.1 has no loginConfiguration setting: it still reads "
                        "applicationConfig.loginConfig from openmetadata.yaml)" if p["name"] == "loginConfiguration" else "")
        module.fail_json(msg=exc.msg, name=p["name"], **extra)
    module.exit_json(**result)


if __name__ == "__main__":
    main()
