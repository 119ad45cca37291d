#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, openmetadata.ops contributors
# Apache License 2.0 (see LICENSE or https://www.apache.org/licenses/LICENSE-2.0)
from __future__ import annotations

DOCUMENTATION = r'''
module: compose_config
short_description: Move an OpenMetadata docker compose file and its env files to 1.2.x, keeping the user's edits
version_added: 0.1.0
description:
  - Rewrites the compose file of an OpenMetadata docker deployment for a 1.2.x target, round trip
    with ruamel.yaml. Comments, key order, quoting, indentation and every service, volume, network and
    setting the user added are kept; only what the upgrade needs changes.
  - The OpenMetadata server image (also used by the migration service, e.g. C(execute-migrate-all)) and
    the ingestion image get the target tag. Services are recognised by image, not by name.
  - The search service moves to Elasticsearch 8.10.2 with C(xpack.security.enabled=false) (default) or to
    OpenSearch 2.x (O(search_engine=opensearch); then C(ES_JAVA_OPTS) becomes C(OPENSEARCH_JAVA_OPTS),
    C(xpack.*) settings go, the data mount moves to C(/usr/share/opensearch/data) and the server's
    C(SEARCH_TYPE) follows). The search data volume is returned, resolved to its engine name, so that it
    can be removed, since Elasticsearch 8 refuses a 7.x data directory ("cannot upgrade a node from version [7.16.3]").
  - C(DB_USE_SSL) (read by 1.1) becomes C(DB_PARAMS) (read by 1.2) with the same effect, in C(environment:)
    and in env files (the project's C(.env) and every C(env_file:)), edited line by line.
  - Environment variables that 1.2 ignores are reported in RV(no_effect_env_vars), not removed.
  - Run with C(check_mode) to learn the services, project name and search volume without changing anything.
author:
  - openmetadata.ops contributors (@openmetadata-ops)
extends_documentation_fragment:
  - openmetadata.ops.attributes
  - openmetadata.ops.attributes.diff
  - ansible.builtin.action_common_attributes
attributes:
  check_mode:
    details: Reads the files and says what would change (RV(changes), diff); writes nothing.
  diff_mode:
    details: One diff per changed file (compose file and env files); secret values (passwords, tokens) are masked in it.
  idempotent:
    details: A file already on the target is left byte for byte as it is.
options:
  path:
    description: The compose file (e.g. C(/opt/openmetadata/docker-compose.yml)).
    type: path
    required: true
  target_version:
    description: The OpenMetadata 1.2.x version the images move to, e.g. V(1.2.5).
    type: str
    required: true
  search_engine:
    description: The search engine of the 1.2 deployment.
    type: str
    choices: [elasticsearch, opensearch]
    default: elasticsearch
  search_version:
    description: The search image tag; V(8.10.2) for Elasticsearch and V(2.7.0) for OpenSearch when not set.
    type: str
  update_db_image:
    description:
      - Also move the OpenMetadata database image (C(openmetadata/db), C(openmetadata/postgresql)) to the
        target tag, as upstream's 1.2 compose file does. Off by default, so the database container keeps
        running what holds the data.
    type: bool
    default: false
  env_files:
    description:
      - Env files to migrate besides the ones found automatically (the project directory's C(.env) and every
        service's C(env_file:)). Relative paths are taken from the compose file's directory.
    type: list
    elements: path
    default: []
  project_name:
    description: The compose project name when it is not the one compose derives (C(name:), C(.env), directory).
    type: str
  backup:
    description: Copy each file before changing it (the copies are returned in RV(backup_files)).
    type: bool
    default: true
notes:
  - Only the parts that change are rewritten; a flow list such as C([ "CMD", "x" ]) in a changed file
    may come back as C(["CMD", "x"]) (same YAML).
  - "Secrets are masked (C(********)) in everything the module reports - the diff, RV(changes), RV(no_effect_env_vars)
    and messages - by place (the value of a variable or key named as a secret, in the mapping and the list form of
    C(environment:) quoted or not, in env files, block scalars, C(password=) parameters of a JDBC URL or C(DB_PARAMS),
    the password of C(user:password@host)) and by value (each secret found that way in the files read, wherever else
    it appears; values shorter than 4 characters by place only). The files themselves are written byte for byte."
  - The temporary file beside each file written is created with the target's mode before its first byte, whatever
    the umask.
seealso:
  - module: openmetadata.ops.server_config
'''

EXAMPLES = r'''
- name: Move the compose deployment to 1.2.5 with Elasticsearch 8.10.2
  openmetadata.ops.compose_config:
    path: /opt/openmetadata/docker-compose.yml
    target_version: 1.2.5
  register: compose

- name: Remove the old search data volume (Elasticsearch 8 refuses a 7.x data directory)
  ansible.builtin.command:
    argv: [docker, volume, rm, "{{ compose.search.data_volume.name }}"]
  when: compose.search.data_volume is not none
  changed_when: true

- name: See what would change, with OpenSearch instead
  openmetadata.ops.compose_config:
    path: /opt/openmetadata/docker-compose.yml
    target_version: 1.2.5
    search_engine: opensearch
  check_mode: true
  diff: true
'''

RETURN = r'''
changes:
  description: What changed (or would change), one line each.
  returned: success
  type: list
  elements: str
  sample: ["service openmetadata-server: image docker.getcollate.io/openmetadata/server:1.1.7 -> docker.getcollate.io/openmetadata/server:1.2.5"]
files_changed:
  description: The files written (or that would be written).
  returned: success
  type: list
  elements: str
backup_files:
  description: Each changed file and its backup copy.
  returned: success
  type: dict
  sample: {/opt/openmetadata/docker-compose.yml: /opt/openmetadata/docker-compose.yml.1234.2026-11-25@22:40:01~}
project:
  description: The compose project name (volumes and containers are named after it).
  returned: success
  type: str
  sample: openmetadata
project_dir:
  description: The directory of the compose file (the compose project directory).
  returned: success
  type: str
services:
  description: The services by part, recognised by image.
  returned: success
  type: dict
  sample: {server: [openmetadata-server], migrate: [execute-migrate-all], ingestion: [ingestion], db: [mysql], search: [elasticsearch]}
search:
  description:
    - The search service after the migration; C(data_volume) is the named volume holding its data
      (C(key) in the compose file, C(name) in the engine, C(external)), or C(data_path) for a bind mount.
  returned: success
  type: dict
  sample: {service: elasticsearch, engine: elasticsearch, image: "docker.elastic.co/elasticsearch/elasticsearch:8.10.2",
           data_volume: {key: es-data, name: openmetadata_es-data, external: false}, data_path: null, engine_changed: false}
source_versions:
  description: The server image versions found before the change.
  returned: success
  type: list
  elements: str
env_files:
  description: The env files looked at (those that exist).
  returned: success
  type: list
  elements: str
no_effect_env_vars:
  description: Variables set for the server that the target no longer reads (name, value, where, file, replacement, reason).
  returned: success
  type: list
  elements: dict
  sample: [{name: OM_MAX_FAILED_LOGIN_ATTEMPTS, value: "5", where: env file, file: /opt/openmetadata/.env}]
'''

import os
from typing import Any

from ansible.module_utils.basic import AnsibleModule, missing_required_lib

from ansible_collections.openmetadata.ops.plugins.module_utils.config import om_redact
from ansible_collections.openmetadata.ops.plugins.module_utils.files import backup_copy, write_file_atomic
from ansible_collections.openmetadata.ops.plugins.module_utils.config.om_compose import (
    HAS_RUAMEL, ComposeError, env_file_paths, plan)


def _read(path: str, redactor: om_redact.Redactor) -> str:
    """The file's text; its secrets are learned by ``redactor``, which masks them in everything reported."""
    with open(path, encoding="utf-8") as handle:
        return redactor.learn(handle.read())


def _write(module: AnsibleModule, path: str, text: str) -> None:
    """Atomic replace in the same directory; mode, owner (and SELinux context) follow the old file, and the
    temporary file has that mode from its creation (files.write_file_atomic, the collection's one writer)."""
    write_file_atomic(path, text.encode("utf-8"), mode=None, module=module)


def main() -> None:
    module = AnsibleModule(argument_spec=dict(
        path={"type": "path", "required": True},
        target_version={"type": "str", "required": True},
        search_engine={"type": "str", "choices": ["elasticsearch", "opensearch"], "default": "elasticsearch"},
        search_version={"type": "str"},
        update_db_image={"type": "bool", "default": False},
        env_files={"type": "list", "elements": "path", "default": []},
        project_name={"type": "str"},
        backup={"type": "bool", "default": True},
    ), supports_check_mode=True)
    if not HAS_RUAMEL:
        module.fail_json(msg=missing_required_lib("ruamel.yaml"))
    p = module.params
    path = p["path"]
    # What is reported (diff, changes, messages, no-effect values) is masked by place and by value: the secrets of
    # every file read (om_redact.Redactor), the compose file's `- "DB_USER_PASSWORD=x"` items included.
    redactor = om_redact.Redactor(module.no_log_values)
    if not os.path.isfile(path):
        module.fail_json(msg="compose file %s does not exist; set path to the docker-compose.yml of the "
                             "OpenMetadata deployment." % path)
    directory = os.path.dirname(os.path.abspath(path))
    try:
        text = _read(path, redactor)
        env_paths = env_file_paths(text, path)
        for extra in p["env_files"]:
            extra = os.path.normpath(os.path.join(directory, extra))
            if not os.path.isfile(extra):
                module.fail_json(msg="env file %s (env_files) does not exist." % extra)
            if extra not in env_paths:
                env_paths.append(extra)
        env_texts = {env: _read(env, redactor) for env in env_paths if os.path.isfile(env)}
        result = plan(text, path=path, target_version=p["target_version"],
                      search_engine=p["search_engine"], search_version=p["search_version"],
                      update_db_image=p["update_db_image"], env_texts=env_texts,
                      project=p["project_name"])
    except ComposeError as exc:
        module.fail_json(msg=redactor.text(str(exc)))
    except (OSError, UnicodeDecodeError) as exc:
        module.fail_json(msg=redactor.text("cannot read %s: %s" % (path, exc)))

    new_texts = dict(result["env_texts"])
    if result["text"] != text:
        new_texts[path] = result["text"]
    for new_text in new_texts.values():
        redactor.learn(new_text)
    diffs: list[dict[str, Any]] = []
    backups: dict[str, str] = {}
    for file_path, new_text in new_texts.items():
        old_text = text if file_path == path else env_texts[file_path]
        # A diff is shown in logs and AWX job events: no password in it (the file itself is written as it is).
        diffs.append({"before": redactor.text(old_text), "after": redactor.text(new_text),
                      "before_header": file_path, "after_header": file_path})
        if module.check_mode:
            continue
        if p["backup"]:
            backups[file_path] = backup_copy(file_path, module)
        try:
            _write(module, file_path, new_text)
        except OSError as exc:
            module.fail_json(msg=redactor.text("cannot write %s: %s" % (file_path, exc)), backup_files=backups)
    module.exit_json(
        changed=bool(new_texts),
        changes=redactor.result(result["changes"]),
        files_changed=sorted(new_texts),
        backup_files=backups,
        project=result["project"],
        project_dir=directory,
        services=result["roles"],
        search=result["search"],
        source_versions=result["source_versions"],
        env_files=sorted(env_texts),
        no_effect_env_vars=redactor.result([
            dict(entry, value=om_redact.MASK) if om_redact.is_secret_name(entry["name"]) and entry.get("value")
            else entry for entry in result["no_effect_env_vars"]]),
        diff=diffs,
    )


if __name__ == "__main__":
    main()
