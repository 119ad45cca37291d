#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, openmetadata.ops contributors
# Apache License 2.0 (see LICENSE or https://www.apache.org/licenses/LICENSE-2.0)
from __future__ import annotations

DOCUMENTATION = r'''
module: search_index
short_description: Check the Elasticsearch/OpenSearch version and list or delete OpenMetadata's search indexes
version_added: 0.1.0
description:
  - OpenMetadata 1.2 needs Elasticsearch 8.10.2 or OpenSearch 2.7 or newer, and its 1.1 indexes cannot be
    migrated - they are deleted before the migration and rebuilt by reindexing afterwards
    (M(openmetadata.ops.reindex)).
  - Talks plain HTTP(S) to Elasticsearch 7.x/8.x and OpenSearch 1.x/2.x (C(GET /) for distribution and version,
    C(_cat/indices), C(DELETE /<exact name>)).
  - O(state=absent) deletes OpenMetadata's own indexes only, each by its exact name (Elasticsearch 8 refuses
    wildcard deletes). Other indexes in a shared cluster are never touched.
  - O(state=present) checks the engine version against O(min_version) and fails, naming what to install, when it
    is too old. It creates nothing; the OpenMetadata server creates its indexes.
  - O(state=read) only reports.
author:
  - openmetadata.ops contributors (@openmetadata-ops)
extends_documentation_fragment:
  - openmetadata.ops.search
  - openmetadata.ops.attributes
  - openmetadata.ops.attributes.diff
  - ansible.builtin.action_common_attributes
options:
  request_timeout:
    description: Seconds to wait for each HTTP answer.
    type: float
    default: 30
    aliases: [timeout]
  cluster_alias:
    description:
      - OpenMetadata's C(clusterAlias) (C(ELASTICSEARCH_CLUSTER_ALIAS)), which prefixes index names as
        C(<cluster_alias>_<name>) in the releases that have it - 1.3 and later, which this collection does not
        target yet.
      - OpenMetadata 1.1 and 1.2 have no C(clusterAlias) (a 1.2 server refuses the field in openmetadata.yaml) and
        their index names are never prefixed. A non-empty value with O(om_version) V(1.1), V(1.2) or V(all) fails
        before the engine is contacted, and nothing is deleted.
    type: str
    default: ""
  state:
    description: V(read) only reports, V(present) checks the version, V(absent) deletes OpenMetadata's indexes.
    type: str
    choices: [read, present, absent]
    default: read
  om_version:
    description:
      - "Whose index names: V(1.1), V(1.2) (or a release such as V(1.2.5)), or V(all) for every list; empty means V(all)."
      - The names and the rules are the collection's release table (C(module_utils/releases.py)); a release that does
        not exist (V(1.2.99)) is refused.
    type: str
    default: all
  names:
    description: Replace the built-in list with these names (without the cluster alias).
    type: list
    elements: str
  extra_names:
    description: Names to add to the list (without the cluster alias), e.g. indexes of a newer release.
    type: list
    elements: str
    default: []
  exclude_names:
    description: Names to leave alone (without the cluster alias).
    type: list
    elements: str
    default: []
  min_version:
    description:
      - V(true) checks the release table's minimum for O(om_version) (Elasticsearch 8.10.2 / OpenSearch 2.7.0 for 1.2
        and, as the newest release line, for V(all); Elasticsearch 7.16.0 / OpenSearch 1.3.0 for 1.1); a version string
        checks that version; V(false) no check.
      - With O(state=read) the result is only reported (RV(version_ok)).
    type: raw
    default: false
  search_url:
    description: Base URL of the cluster, e.g. V(http://127.0.0.1:9200) (OpenMetadata's C(ELASTICSEARCH_SCHEME),
      C(ELASTICSEARCH_HOST) and C(ELASTICSEARCH_PORT)).
    required: true
    aliases: [url]
  search_username:
    aliases: [username]
  search_password:
    aliases: [password]
  search_api_key:
    aliases: [api_key]
  search_validate_certs:
    aliases: [validate_certs]
  search_ca_path:
    aliases: [ca_path]
attributes:
  check_mode:
    details: Lists what would be deleted with its document counts and deletes nothing.
  diff_mode:
    details: The OpenMetadata indexes before and after.
  idempotent:
    details: Indexes already gone are not deleted again.
notes:
  - Names are exact; wildcards, commas and V(_all) are refused.
  - "Tested against a protocol-faithful stand-in of Elasticsearch 7.16.3 / 8.10.2 and OpenSearch 2.x and, where
    the integ-test distributions from Maven Central can be fetched, against real nodes of those versions."
seealso:
  - module: openmetadata.ops.reindex
'''

EXAMPLES = r'''
- name: Fail early when the engine is too old for OpenMetadata 1.2
  openmetadata.ops.search_index:
    search_url: http://127.0.0.1:9200
    state: present
    om_version: "1.2"
    min_version: true

- name: Delete OpenMetadata's indexes before the migration (shared cluster; other indexes stay)
  openmetadata.ops.search_index:
    search_url: https://search.example.com:9200
    search_username: elastic
    search_password: "{{ vault_search_password }}"
    search_ca_path: /etc/pki/search-ca.pem
    state: absent
  register: dropped

- name: Only some indexes, plus one of our own naming
  openmetadata.ops.search_index:
    search_url: http://127.0.0.1:9200
    om_version: "1.1"
    exclude_names: [entity_report_data_index]
    extra_names: [my_custom_search_index]
    state: absent
'''

RETURN = r'''
engine:
  description: What C(GET /) says.
  returned: when the engine answered
  type: dict
  sample: {"distribution": "elasticsearch", "version": "8.10.2", "cluster_name": "docker-cluster", "node_name": "n1"}
version_ok:
  description: Whether the engine is at least RV(min_version_required) (true when nothing was required).
  returned: when the engine answered
  type: bool
min_version_required:
  description: The minimum checked, or null.
  returned: when the engine answered
  type: str
  sample: 8.10.2
wanted:
  description: The exact index names looked for.
  returned: when the engine answered
  type: list
  elements: str
indexes:
  description: OpenMetadata indexes present after the task, with their document counts.
  returned: when the engine answered
  type: dict
  sample: {"table_search_index": 1250, "user_search_index": 12}
missing:
  description: Wanted names that do not exist in the cluster.
  returned: when the engine answered
  type: list
  elements: str
other_index_count:
  description: How many other indexes the cluster holds (never touched).
  returned: when the engine answered
  type: int
deleted:
  description: Indexes deleted (would be, in check mode), with the documents they held.
  returned: when the engine answered
  type: list
  elements: dict
  sample: [{"name": "table_search_index", "docs_count": 1250}]
deleted_documents:
  description: Sum of the document counts of RV(deleted).
  returned: when the engine answered
  type: int
status:
  description: HTTP status of the call that failed, if any.
  returned: failure
  type: int
'''

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.openmetadata.ops.plugins.module_utils.api.argspec import search_argument_spec
from ansible_collections.openmetadata.ops.plugins.module_utils.api.om_api import ApiError
from ansible_collections.openmetadata.ops.plugins.module_utils.api.search import run_search_index


def main() -> None:
    module = AnsibleModule(argument_spec=dict(
        **search_argument_spec(required=True, short_aliases=True),
        request_timeout={"type": "float", "default": 30, "aliases": ["timeout"]},
        cluster_alias={"type": "str", "default": ""},
        state={"type": "str", "choices": ["read", "present", "absent"], "default": "read"},
        om_version={"type": "str", "default": "all"},
        names={"type": "list", "elements": "str"},
        extra_names={"type": "list", "elements": "str", "default": []},
        exclude_names={"type": "list", "elements": "str", "default": []},
        min_version={"type": "raw", "default": False},
    ), supports_check_mode=True, mutually_exclusive=[("search_username", "search_api_key")])
    try:
        p = module.params
        result = run_search_index(dict(p, url=p["search_url"], username=p["search_username"],
                                       password=p["search_password"], api_key=p["search_api_key"],
                                       validate_certs=p["search_validate_certs"], ca_path=p["search_ca_path"],
                                       timeout=p["request_timeout"]), module.check_mode)
    except ApiError as exc:
        module.fail_json(msg=str(exc), status=exc.status, changed=False)
    except ValueError as exc:
        module.fail_json(msg=str(exc), changed=False)
    if not module._diff:  # pylint: disable=protected-access
        result.pop("diff", None)
    if result.pop("failed", False):
        module.fail_json(**result)
    module.exit_json(**result)


if __name__ == "__main__":
    main()
