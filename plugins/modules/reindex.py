#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, openmetadata.ops contributors
# Apache License 2.0 (see LICENSE or https://www.apache.org/licenses/LICENSE-2.0)
from __future__ import annotations

DOCUMENTATION = r'''
module: reindex
short_description: Rebuild OpenMetadata's search indexes through its REST API and wait for the result
version_added: 0.1.0
description:
  - After an upgrade to 1.2 the search indexes are empty until they are rebuilt ("search is empty after the
    upgrade"). This module rebuilds them and waits until the run ends.
  - "OpenMetadata 1.2+: the C(SearchIndexingApplication) of the apps API. Its C(appConfiguration) is changed
    (C(recreateIndex), C(entities), C(batchSize)) with a JSON Patch, C(runs/latest) is checked so that no
    second run starts while one is going, the app is triggered, and its latest run is polled until
    success, failure or O(wait_timeout)."
  - "OpenMetadata 1.1 (for a rollback): C(POST /api/v1/search/reindex) and C(GET /api/v1/search/reindex/{id})."
  - Optionally checks in Elasticsearch/OpenSearch that OpenMetadata's indexes now hold documents.
author:
  - openmetadata.ops contributors (@openmetadata-ops)
extends_documentation_fragment:
  - openmetadata.ops.api
  - openmetadata.ops.search
  - openmetadata.ops.attributes
  - openmetadata.ops.attributes.diff
  - ansible.builtin.action_common_attributes
options:
  api:
    description: V(auto) picks V(apps) for 1.2+ and V(search_reindex) for 1.1 from C(/api/v1/system/version).
    type: str
    choices: [auto, apps, search_reindex]
    default: auto
  recreate_indexes:
    description: Drop and recreate the indexes (C(recreateIndex)); needed after the 1.1 -> 1.2 upgrade.
    type: bool
    default: true
  entities:
    description:
      - Entity types to reindex. Not set (or V(all)) on 1.2 keeps the app's own list, which on 1.2 names every
        entity type - the 1.2.0 SearchIndexingApplication does not expand V(all) itself. On 1.1 not set means
        V(all).
    type: list
    elements: str
  batch_size:
    description: Documents per bulk request (C(batchSize)); the app's value is kept when not set.
    type: int
  restore_configuration:
    description: Put the app's previous C(appConfiguration) back after the run (1.2).
    type: bool
    default: false
  wait_timeout:
    description: Seconds to wait in all for a running run to end and for our run to finish.
    type: float
    default: 1800
    aliases: [timeout]
  poll_interval:
    description: Seconds between two status reads.
    type: float
    default: 5
  verify_documents:
    description:
      - After a successful run, read OpenMetadata's indexes in the search engine at O(search_url) and fail when
        they hold no document although the run indexed records.
    type: bool
    default: false
  cluster_alias:
    description:
      - OpenMetadata's C(clusterAlias), the prefix of the index names checked by O(verify_documents), for releases
        that have one (1.3 and later).
      - OpenMetadata 1.1 and 1.2 have no C(clusterAlias) (their server refuses the field) and never prefix their
        index names; a non-empty value against such a server fails before anything is changed or triggered.
    type: str
    default: ""
  progress_file:
    description:
      - While the module waits, keep this JSON file up to date with the run's status and its record counts
        as the server reports them (total, success, failed), written atomically (0600) at every status read,
        and a last time with C(state) V(done) or V(failed).
      - Meant for runs with C(async) (C(tasks_from=reindex) of role M(openmetadata.ops.search) polls the job
        and prints a status line from it). It never holds the token or a password.
      - Not written in check mode. Not set, no file is written.
    type: path
attributes:
  check_mode:
    details: Reads the app and its latest run and says what would be changed and run; triggers nothing.
  diff_mode:
    details: The app's appConfiguration before and after.
  idempotent:
    support: none
    details: A reindex is an action; every run that is not in check mode starts one and reports C(changed=true).
notes:
  - Fails clearly on 401 (token), 404 (a server without the apps API, i.e. older than 1.2, with api=apps),
    a failed run, and a timeout (the run may go on in the server).
  - Tested against the project's OpenMetadata stand-in (apps API and 1.1 reindex API) that writes to the
    Elasticsearch/OpenSearch stand-in.
seealso:
  - module: openmetadata.ops.search_index
'''

EXAMPLES = r'''
- name: Rebuild every index after the upgrade and check that they hold documents
  openmetadata.ops.reindex:
    server_url: http://127.0.0.1:8585
    jwt_token: "{{ openmetadata_jwt_token }}"
    verify_documents: true
    search_url: http://127.0.0.1:9200
  register: reindex

- name: Rollback to 1.1 - the old reindex API
  openmetadata.ops.reindex:
    jwt_token: "{{ openmetadata_jwt_token }}"
    api: search_reindex
    wait_timeout: 3600
'''

RETURN = r'''
api:
  description: The API used, V(apps) (1.2+) or V(search_reindex) (1.1).
  returned: success
  type: str
server_version:
  description: What C(/api/v1/system/version) said (null when it did not answer).
  returned: always
  type: str
configuration_before:
  description: The app's appConfiguration before the task (1.2).
  returned: success, apps API
  type: dict
configuration:
  description: The configuration the run used.
  returned: success
  type: dict
  sample: {"entities": ["all"], "recreateIndex": true, "batchSize": 100, "searchIndexMappingLanguage": "EN"}
configuration_changed:
  description: Whether the app's configuration was changed.
  returned: success
  type: bool
run:
  description: The run record at the end (AppRunRecord in 1.2, EventPublisherResult in 1.1); null in check mode.
  returned: always
  type: dict
status:
  description: The run's final status (V(success), V(completed), V(COMPLETED), V(failed)...).
  returned: when a run ended
  type: str
stats:
  description: The run's statistics (1.2 C(jobStats)/C(entityStats); 1.1 C(jobStats) and per-step stats).
  returned: when a run ended
  type: dict
  sample: {"jobStats": {"totalRecords": 1250, "successRecords": 1250, "failedRecords": 0}}
duration_s:
  description: Seconds from trigger to the end of the run.
  returned: when a run ended
  type: float
documents:
  description: With O(verify_documents), documents per OpenMetadata index in the search engine.
  returned: when verified
  type: dict
'''

import time
from typing import Callable, Optional

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.openmetadata.ops.plugins.module_utils import releases
from ansible_collections.openmetadata.ops.plugins.module_utils.api.argspec import api_argument_spec, search_argument_spec
from ansible_collections.openmetadata.ops.plugins.module_utils.api.om_api import ApiClient, ApiError
from ansible_collections.openmetadata.ops.plugins.module_utils.api.om_reindex import (
    Reindexer, ReindexFailed, progress_values, wanted_configuration)
from ansible_collections.openmetadata.ops.plugins.module_utils.progress import ProgressFile, reindex_summary
from ansible_collections.openmetadata.ops.plugins.module_utils.api.search import (
    client_from_params, index_prefix, list_indexes, om_minor, wanted_names)


def index_release(api: str, server_version: Optional[str]) -> str:
    """Whose index names the run writes: the server's own release when the release table knows it, else
    the newest line of the table that reindexes through ``api`` (apps: 1.2, search_reindex: 1.1)."""
    if server_version:
        try:
            om_minor(server_version)
            return server_version
        except ValueError:
            pass
    return [line for line in releases.known_lines() if releases.line(line)["reindex_api"] == api][-1]


def verify(params: dict, release: str, result: dict) -> str:
    """Documents per OpenMetadata index; '' when fine, else why not."""
    client = client_from_params({"url": params["search_url"], "username": params["search_username"],
                                 "password": params["search_password"], "api_key": params["search_api_key"],
                                 "validate_certs": params["search_validate_certs"],
                                 "ca_path": params["search_ca_path"], "timeout": params["request_timeout"]})
    # Prefixed only for releases that have a clusterAlias (never 1.1 or 1.2: the release table's
    # cluster_alias_since).
    names = wanted_names(release, params["cluster_alias"])
    documents: dict = {}
    for attempt in range(3):  # a refresh interval may pass before the last bulk is visible
        existing = list_indexes(client)
        documents = {name: existing[name]["docs_count"] for name in names if name in existing}
        if sum(count or 0 for count in documents.values()):
            break
        time.sleep(1.0 + attempt)
    result["documents"] = documents
    job = (result.get("stats") or {}).get("jobStats") or {}
    indexed = job.get("successRecords")
    if not documents:
        return "None of OpenMetadata's indexes (%s...) exists in %s after the run." % (
            ", ".join(names[:3]), params["search_url"])
    if not sum(count or 0 for count in documents.values()) and indexed != 0:
        alias = (" and cluster alias %r" % params["cluster_alias"]) if params["cluster_alias"] else ""
        return ("The run ended with status %s but OpenMetadata's indexes in %s hold no documents (stats: %s). Is the "
                "server configured for this search engine (elasticsearch section of openmetadata.yaml)%s?"
                % (result.get("status"), params["search_url"], job, alias))
    return ""


def main() -> None:
    module = AnsibleModule(argument_spec=dict(
        **api_argument_spec(),
        **search_argument_spec(),
        api={"type": "str", "choices": ["auto", "apps", "search_reindex"], "default": "auto"},
        recreate_indexes={"type": "bool", "default": True},
        entities={"type": "list", "elements": "str"},
        batch_size={"type": "int"},
        restore_configuration={"type": "bool", "default": False},
        wait_timeout={"type": "float", "default": 1800, "aliases": ["timeout"]},
        poll_interval={"type": "float", "default": 5},
        verify_documents={"type": "bool", "default": False},
        cluster_alias={"type": "str", "default": ""},
        progress_file={"type": "path"},
    ), supports_check_mode=True, required_if=[("verify_documents", True, ("search_url",))])
    p = module.params
    if p["wait_timeout"] <= 0 or p["poll_interval"] <= 0:
        module.fail_json(msg="wait_timeout and poll_interval must be positive numbers of seconds")
    result: dict = {"changed": False, "server_version": None, "run": None}
    progress = ProgressFile(None if module.check_mode else p["progress_file"], "reindex", summary=reindex_summary)
    progress.update(force=True, phase="connecting", **progress_values(None))

    def on_record(phase: str, record: Optional[dict]) -> None:
        progress.update(force=True, phase=phase, **progress_values(record))
    try:
        run(module, result, progress, on_record)
    except BaseException:
        progress.finish("failed", **progress_values(result.get("run")))
        raise


def run(module: AnsibleModule, result: dict, progress: ProgressFile,
        on_record: Callable[[str, Optional[dict]], None]) -> None:
    p = module.params
    try:
        client = ApiClient(p["server_url"], token=p["jwt_token"], validate_certs=p["validate_certs"],
                           ca_path=p["ca_path"], timeout=p["request_timeout"], service="OpenMetadata server")
        reindexer = Reindexer(client, p["wait_timeout"], p["poll_interval"], on_record=on_record)
        result["server_version"] = reindexer.server_version()
        api = reindexer.choose_api(p["api"], result["server_version"])
        release = index_release(api, result["server_version"])
        try:
            index_prefix(release, p["cluster_alias"])
        except ValueError as exc:  # before the app is read, changed or triggered
            module.fail_json(msg=str(exc), **result)
        if api == "apps":
            current = reindexer.get_app().get("appConfiguration") or {}
            wanted = wanted_configuration(current, p["recreate_indexes"], p["entities"], p["batch_size"])
            result.update(reindexer.run_apps(wanted, module.check_mode, p["restore_configuration"]))
        else:
            wanted = wanted_configuration({}, p["recreate_indexes"], p["entities"] or ["all"], p["batch_size"])
            result.update(reindexer.run_11(wanted, module.check_mode))
        result["changed"] = bool(result.get("triggered") or module.check_mode)
        if module._diff and api == "apps":  # pylint: disable=protected-access
            result["diff"] = {"before": result.get("configuration_before"), "after": result.get("configuration")}
        if p["verify_documents"] and not module.check_mode:
            progress.update(force=True, phase="checking the documents in the search engine")
            problem = verify(p, release, result)
            if problem:
                module.fail_json(msg=problem, **result)
    except ReindexFailed as exc:
        result.update(exc.result)
        result["changed"] = bool(exc.result.get("triggered") or exc.result.get("configuration_changed"))
        module.fail_json(msg=exc.msg, **result)
    except ApiError as exc:
        module.fail_json(msg=str(exc), http_status=exc.status, **result)
    progress.finish("done", phase="finished", **progress_values(result.get("run")))
    module.exit_json(**result)


if __name__ == "__main__":
    main()
