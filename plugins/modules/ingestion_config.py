#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, openmetadata.ops contributors
# Apache License 2.0 (see LICENSE or https://www.apache.org/licenses/LICENSE-2.0)
from __future__ import annotations

DOCUMENTATION = r'''
module: ingestion_config
short_description: Move OpenMetadata ingestion workflow files, custom code and CLI calls from 1.1 to 1.2
version_added: 0.1.0
description:
  - "Workflow files (YAML or JSON, told by content: C(source.type), C(source.serviceConnection.config.type),
    C(source.sourceConfig.config.type)): Domo database/dashboard/pipeline connections get C(sandboxDomain) renamed
    to C(instanceDomain); DatabaseMetadata source configs get C(viewParsingTimeoutLimit) renamed to
    C(queryParsingTimeoutLimit) and C(markAllDeletedTables) removed (reported in RV(findings), since what gets
    marked as deleted changes). The 1.2 models reject unknown keys, so a workflow that keeps them does not load."
  - The files are edited at the exact spans ruamel.yaml reports and never dumped again, so comments, key order,
    quoting and indentation elsewhere stay byte-identical; the result is parsed again before it is written.
  - "Python files (custom workflows, custom connectors, Airflow DAGs), read with the Python C(ast) module: imports
    that moved in 1.2 are reported, and rewritten when O(rewrite_imports=true): C(Workflow) becomes
    C(metadata.workflow.metadata.MetadataWorkflow) or C(metadata.workflow.usage.UsageWorkflow), decided by the
    configuration its C(create) call runs (inline YAML/JSON, a dict, or the workflow file it loads);
    C(ProfilerWorkflow), C(TestSuiteWorkflow), C(DataInsightWorkflow) move to C(metadata.workflow.*); C(Source),
    C(Sink), C(Processor), C(Stage), C(BulkSink) and C(InvalidSourceException) to C(metadata.ingestion.api.steps).
    The rewritten file must compile before it is written."
  - What cannot be changed safely is reported with file and line in RV(findings) (C(SourceStatus) and the other
    status classes, a connector's C(__init__) or C(create) method taking C(metadata_config), records
    yielded without C(Either), C(print_status) method calls, star imports, module aliases, undecidable workflows).
  - "Shell scripts, crontabs and string literals in Python files (BashOperator): C(metadata ingest -c <file>)
    calls whose workflow file is a usage workflow are reported, and rewritten to C(metadata usage -c <file>) when
    O(rewrite_cli=true). Relative file names are taken from a C(cd <dir>) earlier on the same line, else from the
    folder of the file holding the command. A file that cannot be found or read is reported and left alone."
  - A file that cannot be read or parsed is reported as a finding and never written; the module fails for it only
    with O(fail_on_error=true).
author:
  - openmetadata.ops contributors (@openmetadata-ops)
extends_documentation_fragment:
  - openmetadata.ops.attributes
  - openmetadata.ops.attributes.diff
  - ansible.builtin.action_common_attributes
attributes:
  diff_mode:
    details: One diff per changed file; the values of secret keys (passwords, tokens, keys) are masked.
options:
  paths:
    description:
      - Files, folders (read recursively; hidden folders, C(__pycache__) and virtualenvs skipped) or glob patterns
        (C(**) allowed). Files are taken by extension - C(.yaml)/C(.yml)/C(.json) as workflows, C(.py) as Python,
        anything else as shell script or crontab when it mentions C(metadata ... ingest) (inside folders and globs
        only shell scripts and crontabs - C(.sh), C(.bash), C(.cron), a C(#!) first line, or C(cron) in the path).
    type: list
    elements: path
    required: true
  kinds:
    description: Which kinds of files to look at.
    type: list
    elements: str
    choices: [workflow, python, cli]
    default: [workflow, python, cli]
  exclude:
    description: Glob patterns of files to leave out, matched against the full path and the file name.
    type: list
    elements: str
    default: []
  target_version:
    description: The openmetadata-ingestion release the files are for (C(openmetadata_target_version)); 1.2.x only.
    type: str
    default: 1.2.5
  rewrite_imports:
    description: Rewrite the Python imports that can be moved safely. V(false) only reports them.
    type: bool
    default: false
  rewrite_cli:
    description: Rewrite C(metadata ingest -c) into C(metadata usage -c) for usage workflows. V(false) only reports them.
    type: bool
    default: false
  backup:
    description: Keep a timestamped copy of each file before changing it (like M(ansible.builtin.template)).
    type: bool
    default: false
  fail_on_error:
    description: Fail when a file cannot be read or parsed (it is still never written).
    type: bool
    default: false
notes:
  - Workflow files with C(${VAR}) placeholders are fine; keys reached only through a YAML merge key or alias are
    reported instead of edited.
  - A comment that described a removed key (C(markAllDeletedTables)) stays where it was.
  - "Secrets are masked (C(********)) in everything the module reports - the diff, RV(files) (their changes and
    findings), RV(findings) and messages - by place (the value of a key named as a secret - C(password), C(jwtToken),
    C(apiKey) - also in a block scalar or a flow mapping, a C(password=) parameter of a URL, the password of
    C(user:password@host)) and by value (each secret found that way in the workflows read, wherever else it appears;
    values shorter than 4 characters by place only). The files themselves are written byte for byte."
  - The temporary file beside each file written is created with the target's mode before its first byte, whatever
    the umask.
seealso:
  - module: openmetadata.ops.server_config
  - name: docs/ingestion.md
    description: What changes, before and after, and how to run it.
    link: https://github.com/openmetadata-ops/openmetadata.ops/blob/main/docs/ingestion.md
'''

EXAMPLES = r'''
- name: Report what the 1.2 ingestion needs changed (nothing is written)
  openmetadata.ops.ingestion_config:
    paths:
      - /opt/openmetadata-ingestion/workflows
      - /opt/airflow/dags
      - /etc/cron.d/openmetadata
  check_mode: true
  register: om_ingestion

- name: Migrate workflow files, imports and usage CLI calls, keeping backups
  openmetadata.ops.ingestion_config:
    paths:
      - /opt/openmetadata-ingestion/workflows/*.yaml
      - /opt/airflow/dags
      - /opt/openmetadata-ingestion/bin/run_ingestion.sh
    exclude: ["*_test.py"]
    target_version: "{{ openmetadata_target_version }}"
    rewrite_imports: true
    rewrite_cli: true
    backup: true
  register: om_ingestion

- name: Show what needs a human
  ansible.builtin.debug:
    msg: "{{ item.path }}:{{ item.line }} {{ item.message }}"
  loop: "{{ om_ingestion.findings }}"
'''

RETURN = r'''
files:
  description:
    - One entry per file looked at (files in folders that are not ingestion files are left out).
      C(kind) is workflow, python or cli; C(workflow_type) (workflow files) is metadata, usage, lineage,
      profiler, testsuite, datainsight or reindex (search indexing); C(skipped) says why a file named explicitly was not migrated.
  returned: always
  type: list
  elements: dict
  sample: [{path: /opt/om/workflows/mysql.yaml, kind: workflow, workflow_type: metadata, changed: true,
            changes: ["source.sourceConfig.config.viewParsingTimeoutLimit -> queryParsingTimeoutLimit (line 20):
            DatabaseMetadata renamed the option in 1.2"], findings: [], backup_file: /opt/om/workflows/mysql.yaml.1.2026-11-26@02:00:00~}]
findings:
  description:
    - Everything that needs a human, over all files. C(kind) is workflow, python, cli or path; C(line) is 1-based
      (null when the whole file is meant); C(column) is set for parse errors.
  returned: always
  type: list
  elements: dict
  sample: [{path: /opt/airflow/dags/csv_connector.py, line: 18, kind: python,
            message: "CsvTablesSource.__init__ takes metadata_config (an OpenMetadataConnection); 1.2 passes the
            OpenMetadata client instead: __init__(self, config, metadata)..."}]
changes:
  description: How many changes were made (or would be made in check mode) over all files.
  returned: always
  type: int
  sample: 4
files_changed:
  description: The files written (or that would be written).
  returned: always
  type: list
  elements: str
msg:
  description: A one-line summary.
  returned: always
  type: str
  sample: 3 file(s) changed (5 change(s)), 7 finding(s) need a human
'''

from typing import Any

from ansible.module_utils.basic import AnsibleModule, missing_required_lib

from ansible_collections.openmetadata.ops.plugins.module_utils.config import om_config, om_redact
from ansible_collections.openmetadata.ops.plugins.module_utils.ingestion import om_ingestion
from ansible_collections.openmetadata.ops.plugins.module_utils.files import backup_copy, write_file_atomic
from ansible_collections.openmetadata.ops.plugins.module_utils.errors import ConfigError


def _write(module: AnsibleModule, path: str, text: str) -> None:
    """Atomic replace in the same directory; mode, owner (and SELinux context) follow the old file, and the
    temporary file has that mode from its creation (files.write_file_atomic, the collection's one writer)."""
    write_file_atomic(path, text.encode("utf-8"), mode=None, module=module)


def main() -> None:
    module = AnsibleModule(argument_spec=dict(
        paths={"type": "list", "elements": "path", "required": True},
        kinds={"type": "list", "elements": "str", "choices": list(om_ingestion.KINDS),
               "default": list(om_ingestion.KINDS)},
        exclude={"type": "list", "elements": "str", "default": []},
        target_version={"type": "str", "default": "1.2.5"},
        rewrite_imports={"type": "bool", "default": False},
        rewrite_cli={"type": "bool", "default": False},
        backup={"type": "bool", "default": False},
        fail_on_error={"type": "bool", "default": False},
    ), supports_check_mode=True)
    if not om_config.HAS_RUAMEL:
        module.fail_json(msg=missing_required_lib("ruamel.yaml"))
    p = module.params
    try:
        planned = om_ingestion.plan(p["paths"], kinds=p["kinds"], exclude=p["exclude"],
                                    rewrite_imports=p["rewrite_imports"], rewrite_cli=p["rewrite_cli"],
                                    target_version=p["target_version"])
    except ConfigError as exc:
        module.fail_json(msg=str(exc), changed=False)
    # What is reported (diff, changes, findings, messages) is masked by place and by value: the secrets of every
    # workflow read (passwords, bot tokens; om_redact.Redactor), wherever else they appear.
    redactor = om_redact.Redactor(module.no_log_values)
    for item in planned["files"]:
        for text in (item["old"], item["new"]):
            if isinstance(text, str):
                redactor.learn(text)

    broken = [f for f in planned["files"] if f.get("error") or f["old"] is None]
    if broken and p["fail_on_error"]:
        module.fail_json(msg=redactor.text("%d file(s) cannot be read or parsed; nothing was changed: %s" % (
            len(broken), "; ".join(f["findings"][0]["message"] for f in broken))),
            changed=False, findings=redactor.result(planned["findings"]))

    files: list[dict[str, Any]] = []
    diffs: list[dict[str, Any]] = []
    changed_files: list[str] = []
    for item in planned["files"]:
        changed = item["old"] is not None and item["new"] != item["old"]
        entry = {"path": item["path"], "kind": item["kind"], "changed": changed,
                 "changes": redactor.result(item["changes"]), "findings": redactor.result(item["findings"])}
        for key in ("workflow_type", "skipped"):
            if item.get(key):
                entry[key] = item[key]
        if changed:
            changed_files.append(item["path"])
            # Workflows hold passwords and bot tokens: a --diff reaches job logs and AWX events.
            diffs.append({"before": redactor.text(item["old"]), "after": redactor.text(item["new"]),
                          "before_header": item["path"], "after_header": item["path"]})
            if not module.check_mode:
                if p["backup"]:
                    entry["backup_file"] = backup_copy(item["path"], module)
                try:
                    _write(module, item["path"], item["new"])
                except OSError as exc:
                    written = [f["path"] for f in files if f["changed"]]
                    module.fail_json(msg=redactor.text("cannot write %s: %s (written before it: %s)" % (
                        item["path"], exc, ", ".join(written) or "none")), files=files + [entry],
                        changed=bool(written))
        files.append(entry)

    count = sum(len(f["changes"]) for f in files if f["changed"])
    msg = "%d file(s) %s (%d change(s)), %d finding(s) need a human" % (
        len(changed_files), "would change" if module.check_mode else "changed", count, len(planned["findings"]))
    module.exit_json(changed=bool(changed_files), msg=msg, files=files, findings=redactor.result(planned["findings"]),
                     changes=count, files_changed=changed_files, diff=diffs)


if __name__ == "__main__":
    main()
