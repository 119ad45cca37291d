#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, openmetadata.ops contributors
# Apache License 2.0 (see LICENSE or https://www.apache.org/licenses/LICENSE-2.0)
from __future__ import annotations

DOCUMENTATION = r'''
module: server_config
short_description: Move OpenMetadata's openmetadata.yaml, env files and Helm values to 1.2.x, keeping the user's edits
version_added: 0.1.0
description:
  - Rewrites an OpenMetadata 1.1.x server configuration for a 1.2.x release. Only the keys the upgrade needs
    change; everything else (comments, key order, quoting, indentation, anchors, flow style and every
    C(${VAR:-default}) string) stays byte-identical, because the file is edited at the exact text spans
    ruamel.yaml reports instead of being dumped again. The result is parsed again before it is written.
  - "openmetadata.yaml (O(kind=server)): the JDBC URL's C(...&useSSL=${DB_USE_SSL:-false}&...) becomes
    C(?${DB_PARAMS:-<params>}) with engine-aware parameters (MySQL C(allowPublicKeyRetrieval), C(useSSL),
    C(serverTimezone); PostgreSQL C(sslmode) only, never MySQL parameters), the value of C(DB_USE_SSL) in force
    carried over; C(migrationConfiguration.path) becomes C(flywayPath)/C(nativePath); C(extensionConfiguration)
    goes; C(pipelineServiceClientConfiguration.enabled) is added (1.2.0); C(elasticsearch.clusterAlias), which 1.2
    does not have (it appears in 1.3) and refuses, is never added, and is removed with a warning from a file
    that holds one; C(applicationConfig.logoConfig) and C(loginConfig) go (1.2.1+) and their values, resolved from the
    environment in force, are returned in RV(removed_settings) for the settings API."
  - O(mode=merge) starts from the 1.2 file as shipped with the new release and carries over what the user
    changed in the 1.1 file (O(edited_path) compared with O(original_path), the 1.1 file as shipped); a key
    both changed differently is a conflict, reported and handled by O(on_conflict).
  - Env files (O(kind=env), or every O(env_file) when O(migrate_env_files=true)) get C(DB_USE_SSL=x) turned into
    C(DB_PARAMS=...) on the same line; an existing C(DB_PARAMS) with the other engine's parameters is cleaned.
  - Helm values (O(kind=helm)) of the openmetadata chart get C(dbUseSSL) turned into C(dbParams) and
    C(basicLogin) removed; the chart's default search host/type follow O(search_engine) (OpenSearch from 1.2.1,
    as upstream's dependencies chart). Values of openmetadata-dependencies get their C(elasticsearch) block
    replaced by an C(opensearch) one.
  - Environment variables that no longer have an effect are reported in RV(no_effect_env_vars), found in
    O(env), O(env_file) and O(scan_files) (env files, systemd units and their C(EnvironmentFile=), compose files
    and their C(env_file:)). They are not removed.
  - Bad input (invalid YAML, tabs, duplicate keys, a non-mapping root, a file over 5 MB, an unsupported version)
    fails with a message saying what to fix, and changes nothing. A file already in the target shape is left
    alone (changed=false).
author:
  - openmetadata.ops contributors (@openmetadata-ops)
extends_documentation_fragment:
  - openmetadata.ops.attributes
  - openmetadata.ops.attributes.diff
  - ansible.builtin.action_common_attributes
attributes:
  diff_mode:
    details: One diff per changed file (the configuration and each env file); secret values (passwords, tokens) are masked in it.
  idempotent:
    details: Running it on its own output changes nothing (also in O(mode=merge) with the written file as shipped file).
options:
  path:
    description:
      - The file to migrate (O(mode=in_place)) or to write the merged result to (O(mode=merge)), e.g.
        C({{ openmetadata_install_dir }}/openmetadata-1.2.5/conf/openmetadata.yaml).
    type: path
    required: true
  kind:
    description:
      - What O(path) is. V(auto) tells by content (C(KEY=value) lines are an env file; C(openmetadata.config) or
        C(elasticsearch) next to C(mysql)/C(airflow) are Helm values; anything else is openmetadata.yaml).
    type: str
    choices: [auto, server, env, helm]
    default: auto
  mode:
    description: V(in_place) rewrites O(path); V(merge) builds it from O(shipped_path) and the user's changes.
    type: str
    choices: [in_place, merge]
    default: in_place
  target_version:
    description: The OpenMetadata release the file is for, e.g. V(1.2.5) (C(openmetadata_target_version)).
    type: str
    required: true
  source_version:
    description: The release the file comes from (C(openmetadata_source_version)); checked against the supported hop.
    type: str
  engine:
    description:
      - Database engine (C(openmetadata_db_engine)). V(auto) reads C(database.driverClass) (resolved with the
        environment), else the URL scheme, else C(dbScheme) in Helm values.
    type: str
    choices: [auto, mysql, postgresql]
    default: auto
  search_engine:
    description:
      - Search engine of the 1.2 deployment. V(keep) leaves C(searchType) alone (Helm values from 1.2.1 on
        follow upstream's move to OpenSearch).
    type: str
    choices: [keep, elasticsearch, opensearch]
    default: keep
  env:
    description:
      - Environment the server runs with (name -> value), the highest priority when resolving C(${VAR:-default})
        (e.g. C(DB_USE_SSL), C(OM_CUSTOM_LOGO_URL_PATH)). Give only what matters.
      - Treated as secret (C(no_log)), since it may hold C(DB_USER_PASSWORD). Each value (of 4 characters or more) is
        masked wherever it appears in the reported text (diff, messages, changes), so a common value (C(true), C(3306))
        also masks that text there; RV(env_keys) names the variables given.
    type: dict
    default: {}
  env_file:
    description:
      - Env files (C(KEY=value) lines, e.g. C(openmetadata.env), C(.env)) the server reads; their values resolve
        C(${VAR:-default}) (O(env) wins) and they are migrated too when O(migrate_env_files=true).
    type: list
    elements: path
    default: []
    aliases: [env_files]
  migrate_env_files:
    description: Also rewrite O(env_file) (C(DB_USE_SSL) -> C(DB_PARAMS)).
    type: bool
    default: true
  scan_files:
    description: More files searched for no-effect variables only (systemd units, compose files, env files); missing ones are skipped.
    type: list
    elements: path
    default: []
  edited_path:
    description: O(mode=merge) the user's 1.1 file (the old release's C(conf/openmetadata.yaml)).
    type: path
  original_path:
    description:
      - O(mode=merge) the 1.1 file as shipped, the one the user started from. Without it every difference between
        the migrated user file and the shipped file is taken as the user's (no conflict detection).
    type: path
  shipped_path:
    description: O(mode=merge) the 1.2 file as shipped with the new release; default O(path) itself.
    type: path
  on_conflict:
    description: O(mode=merge) when a key was changed both by the user and by the release.
    type: str
    choices: [fail, shipped, edited]
    default: fail
  backup:
    description: Keep a timestamped copy of each file before changing it (like M(ansible.builtin.template)).
    type: bool
    default: false
notes:
  - Keys inside a sequence item (a C(- key) line) or reached only through an alias are not rewritten; the module
    fails saying which key to edit by hand.
  - "Secrets are masked (C(********)) in everything the module reports - the diff, RV(changes), C(msg),
    RV(warnings_found), RV(conflicts), RV(no_effect_env_vars) - by place (the value of a key or variable named as a
    secret, also in a block scalar or a quoted compose list item, a C(password=) parameter of a JDBC URL or of
    C(DB_PARAMS), the password of C(user:password@host)) and by value (each secret found that way in the files read,
    and each value of O(env), wherever else it appears). Values shorter than 4 characters are masked by place only.
    The files themselves are written byte for byte. RV(removed_settings) is returned as resolved, since it is written
    to the settings API from the result; a value of an O(env) key named as a secret never appears in it."
  - The temporary file beside each file written is created with the target's mode (0600 for a new file) before
    its first byte, whatever the umask.
seealso:
  - module: openmetadata.ops.system_setting
  - module: openmetadata.ops.compose_config
'''

EXAMPLES = r'''
- name: Rewrite the 1.1 openmetadata.yaml in place for 1.2.5
  openmetadata.ops.server_config:
    path: "{{ openmetadata_install_dir }}/current/conf/openmetadata.yaml"
    target_version: "{{ openmetadata_target_version }}"
    engine: "{{ openmetadata_db_engine }}"
    env_file: [/etc/openmetadata/openmetadata.env]
    scan_files: [/etc/systemd/system/openmetadata.service]
    backup: true
  register: om_config

- name: Carry the user's edits into the 1.2.5 file shipped with the release
  openmetadata.ops.server_config:
    mode: merge
    path: "{{ openmetadata_install_dir }}/openmetadata-1.2.5/conf/openmetadata.yaml"
    edited_path: "{{ openmetadata_install_dir }}/openmetadata-1.1.7/conf/openmetadata.yaml"
    original_path: /srv/pristine/openmetadata-1.1.7.yaml
    target_version: 1.2.5
    env:
      DB_USE_SSL: "true"
  register: om_config

- name: Write the removed logo/login values to the settings API
  openmetadata.ops.system_setting:
    server_url: "{{ openmetadata_server_url }}"
    jwt_token: "{{ openmetadata_jwt_token }}"
    name: "{{ item.key }}"
    value: "{{ item.value }}"
  loop: "{{ om_config.removed_settings | dict2items }}"

- name: Helm values
  openmetadata.ops.server_config:
    path: ./values.yaml
    kind: helm
    target_version: 1.2.5
  check_mode: true
  diff: true
'''

RETURN = r'''
kind:
  description: What the file was taken for (server, env or helm).
  returned: success
  type: str
  sample: server
engine:
  description: The database engine the DB parameters were written for.
  returned: success
  type: str
  sample: mysql
changes:
  description: What changed (or would change), one line each; empty when the file is already in the target shape.
  returned: success
  type: list
  elements: str
  sample: ["database.url: DB_USE_SSL=false (its default) -> ${DB_PARAMS:-allowPublicKeyRetrieval=true&useSSL=false&serverTimezone=UTC}"]
removed_settings:
  description:
    - The values the removed blocks held, resolved with the environment in force, in the shape of the settings
      API (C(config_value) of C(customLogoConfiguration) and C(loginConfiguration)). Empty when nothing was removed.
  returned: success
  type: dict
  sample: {customLogoConfiguration: {customLogoUrlPath: "https://cdn.example.com/logo.png", customMonogramUrlPath: ""},
           loginConfiguration: {maxLoginFailAttempts: 3, accessBlockTime: 600, jwtTokenExpiryTime: 3600}}
no_effect_env_vars:
  description: Variables set somewhere that the target release ignores (name, value, file, line, source, since, replacement, reason).
  returned: success
  type: list
  elements: dict
  sample: [{name: DB_USE_SSL, value: "true", file: /etc/openmetadata/openmetadata.env, line: 12, source: env,
            since: 1.2.0, replacement: DB_PARAMS, reason: the JDBC URL reads DB_PARAMS instead}]
conflicts:
  description: O(mode=merge) keys changed both by the user and by the release (key, original, edited, shipped).
  returned: success
  type: list
  elements: dict
warnings_found:
  description: Values that could not be carried as they were (e.g. a login setting that is not a number).
  returned: success
  type: list
  elements: str
files_changed:
  description: The files written (or that would be written).
  returned: success
  type: list
  elements: str
env_keys:
  description: The names of the O(env) variables the module resolved the files with; their values are secret (C(no_log)) and not shown.
  returned: success
  type: list
  elements: str
  sample: [DB_USE_SSL, OM_CUSTOM_LOGO_URL_PATH]
backup_file:
  description: The backup copy of O(path) when O(backup=true) and it changed.
  returned: changed and backup
  type: str
  sample: /opt/openmetadata/current/conf/openmetadata.yaml.4242.2026-11-25@23:10:02~
backup_files:
  description: Each changed file and its backup copy.
  returned: success
  type: dict
'''

import os
from typing import Any, Optional

from ansible.module_utils.basic import AnsibleModule, missing_required_lib

from ansible_collections.openmetadata.ops.plugins.module_utils.config import om_config, om_config_env, om_redact
from ansible_collections.openmetadata.ops.plugins.module_utils.files import backup_copy, write_file_atomic
from ansible_collections.openmetadata.ops.plugins.module_utils.config.om_config_data import MAX_FILE_BYTES
from ansible_collections.openmetadata.ops.plugins.module_utils.errors import ConfigError


def _read(path: str, what: str, redactor: Optional[om_redact.Redactor] = None) -> str:
    """The file's text; its secrets are learned by ``redactor``, which masks them in everything reported."""
    if not os.path.isfile(path):
        raise ConfigError("%s %s does not exist (or is not a file)." % (what, path))
    size = os.path.getsize(path)
    if size > MAX_FILE_BYTES:
        raise ConfigError("%s is %d bytes; an OpenMetadata configuration is a few kB and this module refuses files "
                          "over %d bytes. Check that %s names the right file; nothing was changed."
                          % (path, size, MAX_FILE_BYTES, what))
    with open(path, "rb") as handle:
        text = om_config.decode(handle.read(), path)
    return redactor.learn(text) if redactor is not None else text


def _write(module: AnsibleModule, path: str, text: str, mode: Optional[int] = None) -> None:
    """Atomic replace in the same directory; mode (unless given), owner (and SELinux context) follow the old
    file, and the temporary file has that mode from its creation (files.write_file_atomic, the one writer)."""
    write_file_atomic(path, text.encode("utf-8"), mode=mode, module=module)


def _take_owner(path: str, edited_path: str) -> None:
    """A narrowed file goes to the edited file's owner and group: the server that read that file reads this
    one (a release unpacked by root, served by the openmetadata user). Not ours to give away: left as it is."""
    edited = os.stat(edited_path)
    current = os.stat(path)
    if (current.st_uid, current.st_gid) != (edited.st_uid, edited.st_gid):
        try:
            os.chown(path, edited.st_uid, edited.st_gid)
        except PermissionError:
            pass


def merged_mode(path: str, edited_path: str) -> Optional[int]:
    """mode=merge: the permission bits the written file may have, never more open than the user's file whose
    values (the DB password among them) it carries: the shipped file's bits and the edited file's (0644 and
    0600 give 0600). None when the file keeps its own (it is no more open than the edited one)."""
    bound = os.stat(edited_path).st_mode & 0o777
    current = os.stat(path).st_mode & 0o777 if os.path.exists(path) else 0o600
    return None if current & ~bound == 0 else current & bound


def plan(p: dict[str, Any], redactor: Optional[om_redact.Redactor] = None) -> dict[str, Any]:
    """Everything the module does, minus writing: new texts per file and the results. Every file read is
    learned by ``redactor`` (also when a later one fails), so that a message quoting it is masked."""
    def read(file_path: str, what: str) -> str:
        return _read(file_path, what, redactor)

    env_texts = {path: read(path, "env_file") for path in p["env_file"]}
    env: dict[str, str] = {}
    for text in env_texts.values():
        env.update(om_config_env.parse_env_text(text))
    env.update({str(k): "" if v is None else str(v) for k, v in p["env"].items()})
    engine = None if p["engine"] == "auto" else p["engine"]
    search = None if p["search_engine"] == "keep" else p["search_engine"]
    path = p["path"]
    texts: dict[str, tuple[str, str]] = {}  # path -> (old, new)
    modes: dict[str, Optional[int]] = {}  # path -> the permission bits it must get (narrower than now)
    if p["mode"] == "merge":
        if not p["edited_path"]:
            raise ConfigError("mode=merge needs edited_path (the user's 1.1 openmetadata.yaml).")
        shipped_path = p["shipped_path"] or path
        shipped = read(shipped_path, "shipped_path")
        edited = read(p["edited_path"], "edited_path")
        original = read(p["original_path"], "original_path") if p["original_path"] else None
        result = om_config.plan_merge(edited, shipped, original, path=path, target_version=p["target_version"],
                                      source_version=p["source_version"], engine=engine, env=env,
                                      search_engine=search, on_conflict=p["on_conflict"])
        old = read(path, "path") if os.path.exists(path) else ""
        kind = "server"
        texts[path] = (old, result["text"])
        modes[path] = merged_mode(path, p["edited_path"])
    else:
        old = read(path, "path")
        kind = p["kind"] if p["kind"] != "auto" else om_config.looks_like(old)
        if kind == "compose":
            raise ConfigError("%s is a docker compose file; migrate it with openmetadata.ops.compose_config (or list "
                              "it in scan_files to find no-effect variables); nothing was changed." % path)
        if kind == "env":
            own = dict(om_config_env.parse_env_text(old), **env)
            detected = engine or om_config_env.engine_from(own.get("DB_DRIVER_CLASS"), own.get("DB_SCHEME"))
            om_config.hop_for(p["target_version"], p["source_version"])
            text, changes = om_config_env.migrate_env_text(old, detected or "mysql", p["target_version"])
            result = {"text": text, "changes": ["%s: %s" % (path, c) for c in changes], "removed_settings": {},
                      "engine": detected or "mysql", "warnings": [], "conflicts": []}
            env_texts.setdefault(path, old)
        elif kind == "helm":
            result = om_config.plan_helm(old, path=path, target_version=p["target_version"],
                                         source_version=p["source_version"], engine=engine, search_engine=search)
        else:
            result = om_config.plan_config(old, path=path, target_version=p["target_version"],
                                           source_version=p["source_version"], engine=engine, env=env,
                                           search_engine=search)
        texts[path] = (old, result["text"])
    changes = list(result["changes"])
    for mode_path, mode in modes.items():
        if mode is not None:
            changes.append("%s: mode %s, no more open than %s whose values it carries (its DB password among them)"
                           % (mode_path, oct(mode)[2:].zfill(4), p["edited_path"]))
    if p["migrate_env_files"]:
        for env_path, env_text in env_texts.items():
            if env_path == path:
                continue
            new_text, env_changes = om_config_env.migrate_env_text(env_text, result["engine"], p["target_version"])
            texts[env_path] = (env_text, new_text)
            changes.extend("%s: %s" % (env_path, c) for c in env_changes)
    scan = list(p["env_file"]) + list(p["scan_files"]) + ([path] if kind == "env" else [])
    no_effect = om_config_env.find_no_effect(dict.fromkeys(scan), p["target_version"], p["env"])
    return {"kind": kind, "texts": texts, "modes": modes, "changes": changes, "result": result, "no_effect": no_effect}


def main() -> None:
    module = AnsibleModule(argument_spec=dict(
        path={"type": "path", "required": True},
        kind={"type": "str", "choices": ["auto", "server", "env", "helm"], "default": "auto"},
        mode={"type": "str", "choices": ["in_place", "merge"], "default": "in_place"},
        target_version={"type": "str", "required": True},
        source_version={"type": "str"},
        engine={"type": "str", "choices": ["auto", "mysql", "postgresql"], "default": "auto"},
        search_engine={"type": "str", "choices": ["keep", "elasticsearch", "opensearch"], "default": "keep"},
        env={"type": "dict", "default": {}, "no_log": True},
        env_file={"type": "list", "elements": "path", "default": [], "aliases": ["env_files"]},
        migrate_env_files={"type": "bool", "default": True},
        scan_files={"type": "list", "elements": "path", "default": []},
        edited_path={"type": "path"},
        original_path={"type": "path"},
        shipped_path={"type": "path"},
        on_conflict={"type": "str", "choices": ["fail", "shipped", "edited"], "default": "fail"},
        backup={"type": "bool", "default": False},
    ), supports_check_mode=True)
    if not om_config.HAS_RUAMEL:
        module.fail_json(msg=missing_required_lib("ruamel.yaml"))
    # What is reported (diff, changes, messages, warnings, conflicts, no-effect values) is masked by place and by
    # value: the secrets of every file read and every value of the no_log env option (om_redact.Redactor).
    redactor = om_redact.Redactor(module.params["env"].values())
    try:
        planned = plan(module.params, redactor)
    except ConfigError as exc:
        module.fail_json(msg=redactor.text(str(exc)), changed=False)
    except OSError as exc:
        module.fail_json(msg=redactor.text("cannot read the input: %s" % exc), changed=False)
    for file_path in module.params["scan_files"]:
        _learn_quietly(redactor, file_path)
    for _old, new in planned["texts"].values():
        redactor.learn(new)

    path = module.params["path"]
    diffs: list[dict[str, Any]] = []
    backups: dict[str, str] = {}
    narrowed = {f: mode for f, mode in planned["modes"].items() if mode is not None}
    changed_files = [f for f, (old, new) in planned["texts"].items() if old != new or f in narrowed]
    for file_path in changed_files:
        old, new = planned["texts"][file_path]
        # A diff is shown in logs and AWX job events: no password in it (the file itself is written as it is).
        diffs.append({"before": redactor.text(old), "after": redactor.text(new), "before_header": file_path,
                      "after_header": file_path})
        if module.check_mode:
            continue
        if module.params["backup"] and os.path.exists(file_path):
            backups[file_path] = backup_copy(file_path, module)
        try:
            _write(module, file_path, new, narrowed.get(file_path))
            if file_path in narrowed:
                _take_owner(file_path, module.params["edited_path"])
        except OSError as exc:
            module.fail_json(msg=redactor.text("cannot write %s: %s" % (file_path, exc)), backup_files=backups)
    result = planned["result"]
    if changed_files:
        msg = "%d change(s) for %s" % (len(planned["changes"]), module.params["target_version"])
    else:
        msg = "%s is already in the %s shape; nothing to change" % (path, module.params["target_version"])
    extra = {"backup_file": backups[path]} if path in backups else {}
    no_effect = [dict(entry, value=om_redact.MASK) if om_redact.is_secret_name(entry["name"]) and entry["value"]
                 else entry for entry in planned["no_effect"]]
    _keep_returned_data(module, result["removed_settings"], [result["engine"], planned["kind"]])
    module.exit_json(
        changed=bool(changed_files), msg=redactor.text(msg), kind=planned["kind"], engine=result["engine"],
        changes=redactor.result(planned["changes"]), removed_settings=result["removed_settings"],
        no_effect_env_vars=redactor.result(no_effect), conflicts=redactor.result(result.get("conflicts", [])),
        warnings_found=redactor.result(result["warnings"]), files_changed=sorted(changed_files),
        backup_files=backups, diff=diffs, env_keys=sorted(str(k) for k in module.params["env"]),
        invocation={"module_args": dict(module.params, env={str(k): om_redact.MASK for k in module.params["env"]})},
        **extra)


def _learn_quietly(redactor: om_redact.Redactor, path: str) -> None:
    """A scan file's secrets too (its values appear in no_effect_env_vars); one that cannot be read is skipped,
    as find_no_effect skips it."""
    try:
        if os.path.getsize(path) <= MAX_FILE_BYTES:
            with open(path, "rb") as handle:
                redactor.learn(handle.read().decode("utf-8", "replace"))
    except OSError:
        pass


def _leaves(value: Any) -> list[str]:
    if isinstance(value, dict):
        return [leaf for item in value.values() for leaf in _leaves(item)]
    if isinstance(value, (list, tuple)):
        return [leaf for item in value for leaf in _leaves(item)]
    return [] if value is None or isinstance(value, bool) else [str(value)]


def _keep_returned_data(module: AnsibleModule, removed_settings: dict[str, Any], names: list[str]) -> None:
    """Ansible replaces every no_log value (all of env's) wherever it occurs in the result, and a whole value
    equal to one, or a number containing one, by VALUE_SPECIFIED_IN_NO_LOG_PARAMETER. The removed logo/login
    settings are this module's product, resolved from env (OM_CUSTOM_LOGO_URL_PATH, OM_MAX_FAILED_LOGIN_ATTEMPTS)
    and written to the settings API from this result, so the env values they hold (and the engine and kind names)
    are not withheld from them; the values of env keys named as secrets always are. Every other field this module
    reports is masked by om_redact with all of env's values, and the invocation shows env's keys only."""
    data = _leaves(removed_settings) + [name for name in names if name]
    secret = {str(v) for k, v in module.params["env"].items() if om_redact.is_secret_name(str(k)) and v is not None}
    keep = {value for value in module.no_log_values if any(value in item for item in data)} - secret
    module.no_log_values.difference_update(keep)


if __name__ == "__main__":
    main()
