# -*- coding: utf-8 -*-
# Copyright: (c) 2026, openmetadata.ops contributors
# Apache License 2.0 (see LICENSE or https://www.apache.org/licenses/LICENSE-2.0)
"""Migrate OpenMetadata ingestion workflow files (YAML or JSON) from 1.1 to 1.2.

What a workflow is comes from its content, never its file name: ``source.type``,
``source.serviceConnection.config.type`` and ``source.sourceConfig.config.type``.
The 1.2 pydantic models forbid unknown keys, so a 1.1 key left in place makes the whole workflow fail
to load. Edits are splices at the spans ruamel.yaml reports (yaml_spans.Editor); the file is never
dumped again, so comments, order and quoting elsewhere stay byte-identical.
"""
from __future__ import annotations

import re
from typing import Any, Optional

from ansible_collections.openmetadata.ops.plugins.module_utils.config import om_config
from ansible_collections.openmetadata.ops.plugins.module_utils.config.yaml_spans import (
    MISSING, Document, Editor, same_newlines, verify_rewritten,
)
from ansible_collections.openmetadata.ops.plugins.module_utils.errors import ConfigError

try:
    from ruamel.yaml.nodes import MappingNode, ScalarNode
except ImportError:  # pragma: no cover - the module reports a missing ruamel.yaml
    pass

DOMO_TYPES = {"DomoDatabase": "domodatabase", "DomoDashboard": "domodashboard", "DomoPipeline": "domopipeline"}
SOURCE_CONFIG = ("source", "sourceConfig", "config")
CONNECTION_CONFIG = ("source", "serviceConnection", "config")
# Keys of sourceConfig that only DatabaseMetadata pipelines had in 1.1 (databaseServiceMetadataPipeline.json).
DATABASE_METADATA_ONLY = ("viewParsingTimeoutLimit", "markAllDeletedTables")
WORKFLOW_SUFFIXES = (".yaml", ".yml", ".json")


def finding(path: str, line: Optional[int], message: str, kind: str = "workflow") -> dict[str, Any]:
    return {"path": path, "line": line, "kind": kind, "message": message}


def error_position(exc: BaseException) -> tuple[Optional[int], Optional[int]]:
    """(line, column) of a parse error, 1-based, from the ruamel mark or the message."""
    cause = exc.__cause__
    mark = getattr(cause, "problem_mark", None) or getattr(cause, "context_mark", None)
    if mark is not None:
        return mark.line + 1, mark.column + 1
    match = re.search(r"lines? (\d+)(?:, column (\d+))?", str(exc))
    if match:
        return int(match.group(1)), int(match.group(2)) if match.group(2) else None
    return None, None


def _text(value: Any) -> Optional[str]:
    return str(value) if isinstance(value, (str, int)) and not isinstance(value, bool) else None


def looks_like_workflow(data: Any) -> bool:
    """A workflow has a ``source`` mapping with a ``type`` and a service or source config."""
    if not isinstance(data, dict) or not isinstance(data.get("source"), dict):
        return False
    source = data["source"]
    return isinstance(source.get("type"), str) and any(
        key in source for key in ("serviceName", "serviceConnection", "sourceConfig"))


def workflow_type(data: Any) -> str:
    """usage, lineage, metadata, profiler, testsuite, datainsight, reindex (search index) or unknown.

    1.2 runs usage workflows with ``metadata usage`` only; a source type ``<connector>-usage`` (the
    module name ``usage`` under the connector, see metadata.utils.importer) or a sourceConfig of type
    ``DatabaseUsage`` is a usage workflow."""
    if not looks_like_workflow(data):
        return "unknown"
    source_type = data["source"]["type"].strip().lower()
    config = data["source"].get("sourceConfig")
    config = config.get("config") if isinstance(config, dict) else None
    config_type = _text(config.get("type")) if isinstance(config, dict) else None
    if config_type == "DatabaseUsage" or re.search(r"[-_]usage$", source_type):
        return "usage"
    if config_type == "DatabaseLineage" or re.search(r"[-_]lineage$", source_type):
        return "lineage"
    by_config = {"Profiler": "profiler", "TestSuite": "testsuite", "MetadataToElasticSearch": "reindex",
                 "dataInsight": "datainsight"}
    if config_type in by_config:
        return by_config[config_type]
    by_source = {"testsuite": "testsuite", "metadata_elasticsearch": "reindex", "datainsight": "datainsight"}
    return by_source.get(source_type, "metadata")


def _connection_type(doc: Document) -> Optional[str]:
    config_type = _text(doc.value(CONNECTION_CONFIG + ("type",)))
    if config_type:
        return config_type
    source_type = str(doc.value(("source", "type"))).strip().lower()
    for name, short in DOMO_TYPES.items():
        if source_type == short:
            return name
    return None


def _is_database_metadata(doc: Document) -> bool:
    config = doc.value(SOURCE_CONFIG)
    if not isinstance(config, dict):
        return False
    config_type = _text(config.get("type"))
    if config_type is not None:
        return config_type == "DatabaseMetadata"
    # No type: these keys exist only in DatabaseMetadata pipelines, and only metadata workflows use them.
    return workflow_type(doc.data) == "metadata" and any(key in config for key in DATABASE_METADATA_ONLY)


def _rename_key(editor: Editor, key: Any, new_name: str) -> None:
    raw = editor.text[key.start_mark.index:key.end_mark.index]
    if key.value not in raw:
        raise ConfigError("%s line %d: the key %r is written in a form (escapes) this module does not edit; rename it "
                          "to %r by hand." % (editor.doc.path, key.start_mark.line + 1, key.value, new_name))
    editor.add(key.start_mark.index, key.end_mark.index, raw.replace(key.value, new_name, 1))


def _own_pair(doc: Document, keys: tuple) -> Optional[tuple[Any, Any, Any]]:
    """The (mapping, key, value) nodes at keys when the key is written in that mapping (not merged in)."""
    parent = doc.pair(keys[:-1])
    if parent is None or not isinstance(parent[2], MappingNode):
        return None
    for key_node, value_node in parent[2].value:
        if isinstance(key_node, ScalarNode) and key_node.value == keys[-1]:
            return parent[2], key_node, value_node
    if doc.pair(keys) is not None:
        raise ConfigError("%s: %s comes from a merge key (<<: *anchor); edit the anchored mapping by hand."
                          % (doc.path, ".".join(keys)))
    return None


def _rename(doc: Document, editor: Editor, keys: tuple, new_name: str, why: str,
            changes: list[str], findings: list[dict[str, Any]]) -> None:
    found = _own_pair(doc, keys)
    if found is None:
        return
    mapping, key, _value = found
    line = key.start_mark.line + 1
    where = ".".join(keys[:-1])
    if any(isinstance(k, ScalarNode) and k.value == new_name for k, _v in mapping.value):
        # Both keys: the new one wins in 1.2, the old one would make the workflow fail to load.
        editor.remove_pair(mapping, key, found[2])
        changes.append("%s.%s removed (line %d): %s is already set, 1.2 rejects the old key" % (
            where, keys[-1], line, new_name))
        findings.append(finding(doc.path, line, "%s.%s and %s were both set; the old key was dropped and %s kept "
                                "(value %s). Check that this is the value you want." % (
                                    where, keys[-1], new_name, new_name, doc.value(keys[:-1] + (new_name,)))))
        return
    _rename_key(editor, key, new_name)
    changes.append("%s.%s -> %s (line %d): %s" % (where, keys[-1], new_name, line, why))


def plan_workflow(text: str, path: str = "workflow.yaml") -> dict[str, Any]:
    """The 1.2 text of one workflow file: {"text", "workflow_type", "changes", "findings", "is_workflow"}.

    Raises ConfigError for a file that cannot be parsed (the caller turns it into a finding)."""
    doc = Document(text, path)
    result: dict[str, Any] = {"text": text, "changes": [], "findings": [], "is_workflow": looks_like_workflow(doc.data),
                              "workflow_type": workflow_type(doc.data)}
    if not result["is_workflow"]:
        return result
    editor = Editor(doc)
    changes: list[str] = result["changes"]
    findings: list[dict[str, Any]] = result["findings"]

    connection = _connection_type(doc)
    if connection in DOMO_TYPES and isinstance(doc.value(CONNECTION_CONFIG), dict):
        _rename(doc, editor, CONNECTION_CONFIG + ("sandboxDomain",), "instanceDomain",
                "%s connections call the Domo instance domain instanceDomain in 1.2" % connection, changes, findings)

    if _is_database_metadata(doc):
        _rename(doc, editor, SOURCE_CONFIG + ("viewParsingTimeoutLimit",), "queryParsingTimeoutLimit",
                "DatabaseMetadata renamed the option in 1.2", changes, findings)
        found = _own_pair(doc, SOURCE_CONFIG + ("markAllDeletedTables",))
        if found is not None:
            mapping, key, value = found
            line = key.start_mark.line + 1
            old = doc.value(SOURCE_CONFIG + ("markAllDeletedTables",))
            editor.remove_pair(mapping, key, value)
            changes.append("source.sourceConfig.config.markAllDeletedTables removed (line %d): 1.2 has no such option"
                           % line)
            findings.append(finding(path, line, "markAllDeletedTables: %s was removed: 1.2 only marks as deleted the "
                                    "tables that pass this workflow's filter patterns (markDeletedTables), never "
                                    "tables outside them. Check the filters if you relied on the old behaviour."
                                    % _show(old)))
    new_text = same_newlines(text, editor.result())
    if new_text != text:
        verify_rewritten(new_text, path)
    result["text"] = new_text
    return result


def _show(value: Any) -> str:
    if value is MISSING:
        return "(unset)"
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def workflow_type_of_file(path: str, max_bytes: int) -> tuple[Optional[str], Optional[str]]:
    """(workflow type, None) of a workflow file, or (None, why not) when it cannot be told."""
    try:
        with open(path, "rb") as handle:
            raw = handle.read(max_bytes + 1)
    except OSError as exc:
        return None, "cannot read %s: %s" % (path, exc.strerror or exc)
    try:
        doc = Document(om_config.decode(raw, path), path)
    except ConfigError as exc:
        return None, str(exc)
    if not looks_like_workflow(doc.data):
        return None, "%s is not an ingestion workflow (no source.type with a service or source config)" % path
    return workflow_type(doc.data), None
