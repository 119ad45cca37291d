# -*- coding: utf-8 -*-
# Copyright: (c) 2026, openmetadata.ops contributors
# Apache License 2.0 (see LICENSE or https://www.apache.org/licenses/LICENSE-2.0)
"""Walk the ingestion files the user names and plan their 1.1 -> 1.2 migration (nothing is written here).

Three kinds of files: workflow YAML/JSON (om_ingestion_workflow), Python sources (om_ingestion_python)
and command lines in shell scripts, crontabs and DAG strings (om_ingestion_cli). A file that cannot be
read or parsed becomes a finding and keeps its content.
"""
from __future__ import annotations

import fnmatch
import glob
import os
from typing import Any, Optional

from ansible_collections.openmetadata.ops.plugins.module_utils.config import om_config
from ansible_collections.openmetadata.ops.plugins.module_utils.ingestion import om_ingestion_cli, om_ingestion_python, om_ingestion_workflow
from ansible_collections.openmetadata.ops.plugins.module_utils import releases
from ansible_collections.openmetadata.ops.plugins.module_utils.config.om_config_data import MAX_FILE_BYTES
from ansible_collections.openmetadata.ops.plugins.module_utils.errors import ConfigError

KINDS = ("workflow", "python", "cli")
SKIPPED_DIRS = {".git", "__pycache__", ".venv", "venv", "node_modules", ".tox"}
MAX_FILES = 20000


def check_target(target_version: str) -> None:
    """The one gate (releases.hop_for) on the target alone: a release that exists and that the table has a
    hop to; ConfigError with its message otherwise."""
    try:
        releases.hop_for(None, target_version)
    except releases.HopError as exc:
        raise ConfigError(str(exc)) from None


def _excluded(path: str, exclude: list[str]) -> bool:
    return any(fnmatch.fnmatch(path, pattern) or fnmatch.fnmatch(os.path.basename(path), pattern)
               for pattern in exclude)


def collect(paths: list[str], exclude: list[str]) -> tuple[list[tuple[str, bool]], list[dict[str, Any]]]:
    """[(file, named explicitly)], findings for entries that match nothing."""
    files: dict[str, bool] = {}
    findings = []
    for entry in paths:
        entry = os.path.expanduser(entry)
        if glob.has_magic(entry):
            matches = sorted(glob.glob(entry, recursive=True))
            if not matches:
                findings.append({"path": entry, "line": None, "kind": "path",
                                 "message": "the pattern %s matches no file" % entry})
            for match in matches:
                if os.path.isdir(match):
                    files.update((f, files.get(f, False)) for f in _walk(match))  # a named file stays named
                elif not _is_backup(match):
                    files.setdefault(os.path.abspath(match), True)
        elif os.path.isdir(entry):
            files.update((f, files.get(f, False)) for f in _walk(entry))
        elif os.path.isfile(entry):
            files[os.path.abspath(entry)] = True
        else:
            findings.append({"path": entry, "line": None, "kind": "path",
                             "message": "%s does not exist; check the path (nothing was read there)" % entry})
        if len(files) > MAX_FILES:
            raise ConfigError("the paths name more than %d files; point them at the folders holding the ingestion "
                              "files, or use exclude." % MAX_FILES)
    return [(f, named) for f, named in sorted(files.items()) if not _excluded(f, exclude)], findings


def _walk(folder: str) -> list[str]:
    out = []
    for root, dirs, names in os.walk(folder):
        dirs[:] = sorted(d for d in dirs if d not in SKIPPED_DIRS and not d.startswith("."))
        out.extend(os.path.abspath(os.path.join(root, name)) for name in sorted(names) if not _is_backup(name))
    return out


def _is_backup(name: str) -> bool:
    """Backup copies (backup: true writes <file>.<pid>.<time>~) are never migrated themselves."""
    return name.endswith("~")


def file_kind(path: str) -> str:
    if path.lower().endswith(om_ingestion_workflow.WORKFLOW_SUFFIXES):
        return "workflow"
    if path.lower().endswith(".py"):
        return "python"
    return "cli"


class TypeCache:
    """Workflow type of the files that commands and code refer to, each read once."""

    def __init__(self) -> None:
        self.cache: dict[str, tuple[Optional[str], Optional[str]]] = {}

    def __call__(self, path: str) -> tuple[Optional[str], Optional[str]]:
        if path not in self.cache:
            if not os.path.isfile(path):
                self.cache[path] = (None, "%s does not exist here" % path)
            else:
                self.cache[path] = om_ingestion_workflow.workflow_type_of_file(path, MAX_FILE_BYTES)
        return self.cache[path]


SCRIPT_SUFFIXES = (".sh", ".bash", ".zsh", ".ksh", ".cron", ".crontab")


def _script_like(path: str, text: str) -> bool:
    """Shell scripts and crontabs found in a folder: by suffix, a #! line, or cron in the path or name."""
    lower = path.lower()
    return lower.endswith(SCRIPT_SUFFIXES) or text.startswith("#!") or "cron" in lower


def _read(path: str) -> str:
    size = os.path.getsize(path)
    if size > MAX_FILE_BYTES:
        raise ConfigError("%s is %d bytes; ingestion files are a few kB and this module skips files over %d bytes "
                          "(use exclude, or point paths at the ingestion files)." % (path, size, MAX_FILE_BYTES))
    with open(path, "rb") as handle:
        raw = handle.read()
    if b"\x00" in raw[:8192]:
        raise ConfigError("%s is a binary file" % path)
    return om_config.decode(raw, path)


def plan_file(path: str, *, kinds: list[str], rewrite_imports: bool, rewrite_cli: bool,
              read_type: Optional[TypeCache] = None, named: bool = True) -> Optional[dict[str, Any]]:
    """The plan for one file: {path, kind, old, new, changes, findings, skipped}; None when it is not ours."""
    read_type = read_type or TypeCache()
    kind = file_kind(path)
    if kind == "workflow" and "workflow" not in kinds or kind == "python" and not {"python", "cli"} & set(kinds) \
            or kind == "cli" and "cli" not in kinds:
        return None
    result: dict[str, Any] = {"path": path, "kind": kind, "old": None, "new": None, "changes": [], "findings": [],
                              "skipped": None}
    try:
        text = _read(path)
    except (ConfigError, OSError) as exc:
        if not named and isinstance(exc, ConfigError) and "binary" in str(exc):
            return None
        result["findings"].append({"path": path, "line": None, "kind": kind, "message": str(exc)})
        return result
    result["old"] = result["new"] = text
    try:
        if kind == "workflow":
            planned = om_ingestion_workflow.plan_workflow(text, path)
            if not planned["is_workflow"]:
                result["skipped"] = "not an ingestion workflow (no source.type with a service or source config)"
                return result if named else None
            result["workflow_type"] = planned["workflow_type"]
            result["new"], result["changes"], result["findings"] = (
                planned["text"], planned["changes"], planned["findings"])
        elif kind == "python":
            edits: list[tuple[int, int, str]] = []
            if "python" in kinds:
                planned = om_ingestion_python.plan_python(text, path=path, rewrite=rewrite_imports,
                                                          read_type=read_type)
                edits += planned["edits"]
                result["changes"] += planned["changes"]
                result["findings"] += planned["findings"]
            if "cli" in kinds:
                cli_edits, cli_changes, cli_findings = om_ingestion_cli.plan_python_strings(
                    text, path=path, read_type=read_type, rewrite=rewrite_cli)
                edits += cli_edits
                result["changes"] += cli_changes
                result["findings"] += cli_findings
            new = om_ingestion_cli.apply_edits(text, edits)
            if new != text:
                om_ingestion_python.check_compiles(new, path)
            result["new"] = new
        else:
            if not named and not _script_like(path, text):
                return None  # a README or a config file that mentions the CLI is not run by a shell
            if not om_ingestion_cli.looks_like_commands(text):
                result["skipped"] = "no `metadata ingest` command in it"
                return result if named else None
            cli_edits, result["changes"], result["findings"] = om_ingestion_cli.plan_text(
                text, path=path, read_type=read_type, rewrite=rewrite_cli)
            result["new"] = om_ingestion_cli.apply_edits(text, cli_edits)
    except ConfigError as exc:
        line, column = om_ingestion_workflow.error_position(exc)
        item = {"path": path, "line": line, "kind": kind, "message": str(exc)}
        if column is not None:
            item["column"] = column
        result.update(new=text, changes=[], findings=[item], error=True)
    return result


def plan(paths: list[str], *, kinds: Optional[list[str]] = None, exclude: Optional[list[str]] = None,
         rewrite_imports: bool = False, rewrite_cli: bool = False, target_version: str = "1.2.5") -> dict[str, Any]:
    check_target(target_version)
    kinds = list(kinds or KINDS)
    unknown = sorted(set(kinds) - set(KINDS))
    if unknown:
        raise ConfigError("kinds %s unknown; use %s." % (", ".join(unknown), ", ".join(KINDS)))
    files, findings = collect(paths, list(exclude or []))
    read_type = TypeCache()
    results = []
    for path, named in files:
        planned = plan_file(path, kinds=kinds, rewrite_imports=rewrite_imports, rewrite_cli=rewrite_cli,
                            read_type=read_type, named=named)
        if planned is not None:
            results.append(planned)
    for item in results:
        findings.extend(item["findings"])
    return {"files": results, "findings": findings}
