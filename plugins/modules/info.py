#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, openmetadata.ops contributors
# Apache License 2.0 (see LICENSE or https://www.apache.org/licenses/LICENSE-2.0)
from __future__ import annotations

DOCUMENTATION = r'''
module: info
short_description: Facts about an OpenMetadata installation, and whether an upgrade to 1.2.x may start
version_added: 0.1.0
description:
  - Reads, never changes, the server version (C(GET /api/v1/system/version), no token) and health (admin
    C(/healthcheck)); the schema version from the database change-log tables; the database engine, server
    version, size and the C(sort_buffer_size) / C(work_mem) a new session of O(login_user) gets; the search
    engine distribution and version; the Java the server would run; the deployment kind (bare metal install
    folder and systemd unit, or Docker compose project and images); the free space at the backup folder;
    and the saved queries the OpenMetadata 1.2.0 migration will delete (count and samples).
  - Every part is optional. A part that cannot be read is returned with null values and an C(error) saying
    why; the task only fails for it when the part is listed in O(required).
  - With O(target_version) the facts are judged against that upgrade (C(verdict)), listing the problems that must stop it,
    each naming what is wrong and how to fix it, warnings, what will change in order and what will be lost.
    The module still succeeds unless O(fail_on_problems=true); role C(openmetadata.ops.preflight) writes the
    report first and then fails.
  - "The query rule is the 1.2.0 migration's own: a query is deleted when any of its table -> query,
    databaseSchema -> table, database -> databaseSchema, databaseService -> database paths in
    C(entity_relationship) is broken, or when it has no table at all."
author:
  - openmetadata.ops contributors (@openmetadata-ops)
extends_documentation_fragment:
  - openmetadata.ops.attributes
  - openmetadata.ops.attributes.no_diff
  - openmetadata.ops.db
  - ansible.builtin.action_common_attributes
  - ansible.builtin.action_common_attributes.facts
options:
  gather:
    description: The parts to read.
    type: list
    elements: str
    choices: [server, db, search, java, deployment, disk]
    default: [server, db, search, java, deployment, disk]
  required:
    description: Parts that must be readable; the task fails (naming the part and why) when one is not.
    type: list
    elements: str
    choices: [server, db, search, java, deployment, disk]
    default: []
  server_url:
    description: The OpenMetadata server (application port).
    type: str
    default: http://127.0.0.1:8585
  admin_url:
    description: The admin port serving C(/healthcheck); empty to skip the health check.
    type: str
    default: http://127.0.0.1:8586
  db_admin_user:
    description:
      - The administrative database user (the one that raises the sort setting and restores a backup in a
        rollback). When set, it logs in once (read only) and its privileges for O(db_tuning_scope) are read,
        so a wrong password or a missing privilege is found before anything stops (C(db_admin) in the result).
    type: str
  db_admin_password:
    description: Password of O(db_admin_user). Never logged.
    type: str
    default: ''
  db_tuning_scope:
    description:
      - Where the tune phase will raise the sort setting (PostgreSQL C(system) needs a superuser or C(ALTER SYSTEM)
        on the parameter, C(database) the database's owner; MySQL always needs C(SUPER)/C(SYSTEM_VARIABLES_ADMIN)),
        checked for O(db_admin_user) only when the setting is below O(db_tuning_value). V(none) skips the check.
    type: str
    choices: [none, system, database, role]
    default: none
  db_tuning_value:
    description: The sort setting the tune phase wants, like V(20MB).
    type: str
    default: 20MB
  validate_certs:
    description: Verify the OpenMetadata server's TLS certificate (and the search engine's, unless O(search_validate_certs) is set).
    type: bool
    default: true
  ca_path:
    description:
      - PEM file of the CA that signed the OpenMetadata server's certificate (and the search engine's, unless
        O(search_ca_path) is set).
    type: path
  request_timeout:
    description: Seconds to wait for each HTTP answer.
    type: int
    default: 10
    aliases: [timeout]
  search_url:
    description: Elasticsearch / OpenSearch URL; the search part is skipped (with a reason) when empty.
    type: str
  search_username:
    description: Basic-auth user of the search engine.
    type: str
  search_password:
    description: Basic-auth password of the search engine.
    type: str
  search_api_key:
    description: Elasticsearch API key (C(id:key) or its base64 form).
    type: str
  search_validate_certs:
    description: Verify the search engine's TLS certificate; O(validate_certs) when not set.
    type: bool
  search_ca_path:
    description: PEM file of the CA that signed the search engine's certificate, when another CA signed it than the
      server's; O(ca_path) when not set.
    type: path
  java_home:
    description:
      - The JDK the new server will run on. Without it C($JAVA_HOME) of the remote user, else C(java) on the PATH.
    type: path
  deployment:
    description: V(bare_metal), V(docker), or V(auto) (a C(current) link in O(install_dir) means bare metal, else a
      readable O(compose_file) means docker).
    type: str
    default: auto
  install_dir:
    description: Bare metal. Holds C(openmetadata-<version>/) releases and the C(current) link.
    type: path
    default: /opt/openmetadata
  service_name:
    description: Bare metal. The systemd unit of the server.
    type: str
    default: openmetadata
  compose_file:
    description: Docker. The compose file of the OpenMetadata stack.
    type: path
  compose_project:
    description: Docker. The compose project name (the file's C(name) when not set).
    type: str
  backup_dir:
    description: Where the backup will be written; its free space (or its nearest existing parent's) is read.
    type: path
    default: /var/backups/openmetadata
  sample_size:
    description: How many of the queries the migration deletes are returned as samples.
    type: int
    default: 10
  target_version:
    description:
      - The release to upgrade to (e.g. V(1.2.5)). When set, C(verdict) judges the facts against it and C(release)
        returns what the collection's release table says about the upgrade.
      - Only releases that exist and that the table has a hop to are accepted (1.2.0 to 1.2.5, from 1.1.0 to 1.1.7
        or from an older 1.2 release); anything else is a problem of the verdict naming what is supported.
    type: str
  source_version:
    description: The installed release, when known better than the server and the install folder tell.
    type: str
  accept_query_loss:
    description: The queries the 1.2.0 migration deletes may go (no problem is raised for them).
    type: bool
    default: false
  query_export_path:
    description: Where the lost queries are (or will be) exported; only used in messages and the report.
    type: str
  interrupted_phase:
    description:
      - The phase in which an earlier upgrade run was interrupted (its run record), when this run recovers from it.
        A server process that runs but does not answer is then that run's (a new release killed mid-start), which
        the recovery stops, so it gets a warning instead of the C(server_unreachable) refusal.
    type: str
  search_replace_planned:
    description:
      - The search engine is replaced as part of the upgrade, so an engine too old for the target is no problem.
        Not set means V(true) for Docker (the compose file moves to the engine 1.2 ships with) and V(false) for
        bare metal.
    type: bool
  backup_safety_factor:
    description: The free space needed at O(backup_dir) is the database size times this factor.
    type: float
    default: 1.5
  ingestion_hosts:
    description:
      - The Python version of each ingestion host, as C({host, version, error}), or the registered results of a
        command looped over the hosts (C(item), C(stdout), C(rc), C(unreachable), C(msg)); checked against the
        target's range (C(release.ingestion_python)).
    type: list
    elements: dict
    default: []
  host_label:
    description: The host name written into the report (the node's name when not set).
    type: str
  fail_on_problems:
    description: Fail the task when C(verdict) holds problems (message lists them all).
    type: bool
    default: false
attributes:
  check_mode:
    details: The module only reads; it does the same in check mode.
  facts:
    support: none
notes:
  - "Tested against MariaDB 10.11 and PostgreSQL 15, the collection's OpenMetadata and Elasticsearch stand-ins,
    and the host's JDK 17. The Docker part only runs C(docker compose config); it is tolerant of a missing CLI."
seealso:
  - module: openmetadata.ops.query_export
  - module: openmetadata.ops.search_index
'''

EXAMPLES = r'''
- name: What is installed
  openmetadata.ops.info:
    engine: mysql
    login_user: openmetadata_user
    login_password: "{{ vault_openmetadata_db_password }}"
    search_url: http://127.0.0.1:9200
  register: om

- name: Judge an upgrade to 1.2.5 and fail with every problem found
  openmetadata.ops.info:
    engine: postgresql
    login_user: openmetadata_user
    login_password: "{{ vault_openmetadata_db_password }}"
    deployment: bare_metal
    java_home: /usr/lib/jvm/java-17-openjdk-amd64
    target_version: 1.2.5
    fail_on_problems: true
'''

RETURN = r'''
server:
  description: C(url), C(version), C(revision), C(healthy) (null when not checked), C(health), C(error), C(health_error).
  returned: when gathered
  type: dict
  sample: {"url": "http://127.0.0.1:8585", "version": "1.1.7", "healthy": true, "error": null}
db:
  description:
    - C(engine), C(flavor) (mysql, mariadb, postgresql), C(server_version), C(host), C(database), C(reachable),
      C(schema_version) ({flyway, native}), C(change_log) ({flyway, native}, every version in
      C(DATABASE_CHANGE_LOG) / C(SERVER_CHANGE_LOG), oldest first, null for a missing table; two readings around a
      migration tell whether it completed a version), C(sort_setting) ({name, value, bytes} of a new session),
      C(size_bytes), C(error).
  returned: when gathered
  type: dict
query_loss:
  description:
    - The saved queries the 1.2.0 migration deletes. C(count), C(total) (all queries), C(samples) (C(id), C(name),
      C(checksum), C(query) = first 200 characters, C(truncated), C(used_in)), C(error).
  returned: when db is gathered
  type: dict
  sample: {"count": 6, "total": 36, "samples": [{"name": "bb7b7d7a", "checksum": "bb7b7d7a", "query": "SELECT ..."}]}
search:
  description: C(url), C(distribution) (elasticsearch, opensearch), C(version), C(cluster_name), C(error).
  returned: when gathered
  type: dict
java:
  description: C(java_home), C(source) (java_home, JAVA_HOME, PATH), C(executable), C(version), C(major), C(error).
  returned: when gathered
  type: dict
deployment:
  description:
    - C(kind) (bare_metal, docker or null), C(declared), C(error), C(bare_metal) ({install_dir, current,
      current_version, releases, service, script, running}, where C(running) says whether a server process runs, null
      when that cannot be told), C(docker) ({compose_file, project, images, server_image_version, error}).
  returned: when gathered
  type: dict
disk:
  description:
    - C(path), C(checked) (the existing folder measured), C(free_bytes), C(writable) (this user may create files
      there; false on a read-only mount), C(unsafe) (why the folder is not safe for a backup, such as a symlink,
      world-writable, not a folder; null when it is), C(error).
  returned: when gathered
  type: dict
db_admin:
  description:
    - With O(db_admin_user). C(user), C(reachable) (it logged in), C(error), C(problems) (privileges it lacks for
      the tune phase).
  returned: when O(db_admin_user) is set and db is gathered
  type: dict
verdict:
  description:
    - With O(target_version). C(ok), C(problems) (list of {code, msg}), C(warnings), C(source), C(source_from),
      C(target), C(installed), C(deployment), C(backup_space_needed), C(search_minimum), C(release) (as the
      top-level C(release)), C(plan) (what will change, in order), C(losses) (what will be lost), C(at_target)
      (the target is installed already, so there is no plan and nothing to do).
  returned: when target_version is set
  type: dict
release:
  description:
    - With O(target_version). The release table's facts of the upgrade from the source (O(source_version), else the
      installed version) to the target, as the one gate (C(releases.hop_for)) returns them; null when the target is
      refused. Roles read their numbers from here (or from C(openmetadata_preflight.release)), never copy them.
    - C(source), C(target), C(source_line), C(target_line), C(from_line) (the line the target is reached from),
      C(kind) (minor, patch, none, or null when the source is unknown), C(java_min_major), C(ingestion_python)
      ([lowest, highest]), C(search_min) ({elasticsearch, opensearch}), C(index_names), C(cluster_alias) (whether
      the target prefixes index names), C(native_migrations) (the native migration folders the hop runs, null when
      the source is unknown), C(target_native), C(images), C(config_changes) ({since, kind, path}), C(supported)
      (the supported upgrades, in words).
  returned: when target_version is set
  type: dict
  sample: {"source": "1.2.0", "target": "1.2.5", "kind": "patch", "java_min_major": 17,
           "ingestion_python": ["3.8", "3.10"], "search_min": {"elasticsearch": "8.10.2", "opensearch": "2.7.0"},
           "native_migrations": ["1.2.1", "1.2.4"], "cluster_alias": false}
report:
  description: Everything above plus C(host) and C(generated_at), ready to be written as JSON.
  returned: always
  type: dict
report_markdown:
  description: The same report for people (Markdown).
  returned: always
  type: str
'''

import dataclasses
import datetime
import platform
import shutil

from ansible_collections.openmetadata.ops.plugins.module_utils.api import om_info
from ansible_collections.openmetadata.ops.plugins.module_utils.database.db_module import db_module
from ansible_collections.openmetadata.ops.plugins.module_utils.database.settings import to_bytes
from ansible_collections.openmetadata.ops.plugins.module_utils.preflight import PARTS, evaluate, render_markdown

UNREADABLE = {"server": ("server", "error"), "db": ("db", "error"), "search": ("search", "error"),
              "java": ("java", "error"), "disk": ("disk", "error"), "deployment": ("deployment", "error")}


def gather(module, params) -> dict:
    p = module.params
    parts = set(p["gather"])

    def run(argv):
        return module.run_command(argv, check_rc=False, environ_update={"LC_ALL": "C"})

    def which(name):
        return module.get_bin_path(name) or shutil.which(name)

    facts = {}
    if "server" in parts:
        facts["server"] = om_info.server_facts(p["server_url"], p["admin_url"] or None, p["validate_certs"],
                                               p["ca_path"], p["request_timeout"])
    if "db" in parts:
        facts.update(om_info.database_facts(params, p["sample_size"]))
        if p["db_admin_user"]:
            setting = facts["db"].get("sort_setting") or {}
            current = setting.get("global_bytes", setting.get("bytes"))
            facts["db_admin"] = om_info.admin_facts(
                dataclasses.replace(params, user=p["db_admin_user"], password=p["db_admin_password"] or ""),
                p["db_tuning_scope"], current, to_bytes(p["db_tuning_value"]) or 0)
    if "search" in parts:
        facts["search"] = om_info.search_facts({
            "url": p["search_url"], "username": p["search_username"], "password": p["search_password"],
            "api_key": p["search_api_key"],
            "validate_certs": p["validate_certs"] if p["search_validate_certs"] is None else p["search_validate_certs"],
            "ca_path": p["search_ca_path"] or p["ca_path"],
            "timeout": p["request_timeout"]})
    if "java" in parts:
        facts["java"] = om_info.java_facts(run, p["java_home"])
    if "deployment" in parts:
        bare = om_info.bare_metal_facts(run, p["install_dir"], p["service_name"], which) \
            if p["deployment"] in ("auto", "bare_metal") else None
        docker = om_info.docker_facts(run, p["compose_file"], p["compose_project"], which) \
            if p["deployment"] in ("auto", "docker") else None
        deployment = om_info.detect_deployment(p["deployment"], bare, docker)
        deployment.update({"bare_metal": bare, "docker": docker})
        facts["deployment"] = deployment
    if "disk" in parts:
        facts["disk"] = om_info.free_space(p["backup_dir"])
    return facts


def main() -> None:
    parts = list(PARTS)
    module, params = db_module(dict(
        gather={"type": "list", "elements": "str", "choices": parts, "default": parts},
        required={"type": "list", "elements": "str", "choices": parts, "default": []},
        server_url={"type": "str", "default": "http://127.0.0.1:8585"},
        admin_url={"type": "str", "default": "http://127.0.0.1:8586"},
        db_admin_user={"type": "str"},
        db_admin_password={"type": "str", "default": "", "no_log": True},
        db_tuning_scope={"type": "str", "default": "none", "choices": ["none", "system", "database", "role"]},
        db_tuning_value={"type": "str", "default": "20MB"},
        validate_certs={"type": "bool", "default": True},
        ca_path={"type": "path"},
        request_timeout={"type": "int", "default": 10, "aliases": ["timeout"]},
        search_url={"type": "str"},
        search_username={"type": "str"},
        search_password={"type": "str", "no_log": True},
        search_api_key={"type": "str", "no_log": True},
        search_validate_certs={"type": "bool"},
        search_ca_path={"type": "path"},
        java_home={"type": "path"},
        deployment={"type": "str", "default": "auto"},
        install_dir={"type": "path", "default": "/opt/openmetadata"},
        service_name={"type": "str", "default": "openmetadata"},
        compose_file={"type": "path"},
        compose_project={"type": "str"},
        backup_dir={"type": "path", "default": "/var/backups/openmetadata"},
        sample_size={"type": "int", "default": 10},
        target_version={"type": "str"},
        source_version={"type": "str"},
        accept_query_loss={"type": "bool", "default": False},
        interrupted_phase={"type": "str"},
        query_export_path={"type": "str"},
        search_replace_planned={"type": "bool"},
        backup_safety_factor={"type": "float", "default": 1.5},
        ingestion_hosts={"type": "list", "elements": "dict", "default": []},
        host_label={"type": "str"},
        fail_on_problems={"type": "bool", "default": False},
    ), supports_check_mode=True)
    p = module.params
    facts = gather(module, params)
    result = dict(facts)
    missing = []
    for part in p["required"]:
        key, field = UNREADABLE[part]
        value = facts.get(key)
        if value is None:
            missing.append("%s: not gathered (add it to gather)" % part)
        elif part == "db" and not value.get("reachable"):
            missing.append("db: %s" % value.get(field))
        elif part == "deployment" and not value.get("kind"):
            missing.append("deployment: %s" % value.get(field))
        elif part != "db" and value.get(field) and not (part == "server" and value.get("version")):
            missing.append("%s: %s" % (part, value.get(field)))
    verdict = None
    if p["target_version"]:
        verdict = evaluate(facts, {
            "target_version": p["target_version"], "source_version": p["source_version"],
            "deployment": p["deployment"], "java_home": p["java_home"], "accept_query_loss": p["accept_query_loss"],
            "query_export_path": p["query_export_path"], "search_replace_planned": p["search_replace_planned"],
            "backup_safety_factor": p["backup_safety_factor"], "ingestion_hosts": p["ingestion_hosts"],
            "interrupted_phase": p["interrupted_phase"], "required": p["required"]})
        result["verdict"] = verdict
        result["release"] = verdict.get("release")
    report = {"host": p["host_label"] or platform.node(),
              "generated_at": datetime.datetime.now(datetime.timezone.utc).replace(microsecond=0).isoformat(),
              "facts": facts, "verdict": verdict, "query_export": p["query_export_path"]}
    result["report"] = report
    result["report_markdown"] = render_markdown(report)
    if missing:
        module.fail_json(msg="required parts could not be read: " + "; ".join(missing), **result)
    if verdict and p["fail_on_problems"] and verdict["problems"]:
        module.fail_json(msg="the upgrade to %s must not start: %s" % (
            p["target_version"], " | ".join(problem["msg"] for problem in verdict["problems"])), **result)
    module.exit_json(changed=False, **result)


if __name__ == "__main__":
    main()
