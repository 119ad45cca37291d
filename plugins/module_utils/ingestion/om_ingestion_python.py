# -*- coding: utf-8 -*-
# Copyright: (c) 2026, openmetadata.ops contributors
# Apache License 2.0 (see LICENSE or https://www.apache.org/licenses/LICENSE-2.0)
"""Move the openmetadata-ingestion imports of custom workflows, connectors and DAG files from 1.1 to 1.2.

The file is read with the ``ast`` module (stdlib). Only import statements and the uses of the name
``Workflow`` are rewritten, each at its exact span; every other byte stays as it was, and the result
must compile before it is returned. What cannot be moved mechanically (the connector ``__init__``
signature, yields not wrapped in ``Either``, ``print_status()``, ``SourceStatus``, star imports,
module aliases) is reported with its line.

The import paths were checked against the openmetadata-ingestion 1.1.7.0 and 1.2.5.3 wheels.
"""
from __future__ import annotations

import ast
import json
import os
from typing import Any, Callable, Optional

from ansible_collections.openmetadata.ops.plugins.module_utils import releases
from ansible_collections.openmetadata.ops.plugins.module_utils.errors import ConfigError

# (1.1 module, name) -> (1.2 module, name): the release table's ingestion_moves of the 1.2 hop.
MOVED: dict[tuple[str, str], tuple[str, str]] = releases.hop_data("1.2")["ingestion_moves"]
WORKFLOW = ("metadata.ingestion.api.workflow", "Workflow")
SOURCE_CLASSES = {("metadata.ingestion.api.source", "Source"), ("metadata.ingestion.api.steps", "Source")}
WORKFLOW_CLASSES = {"metadata": ("metadata.workflow.metadata", "MetadataWorkflow"),
                    "usage": ("metadata.workflow.usage", "UsageWorkflow")}
# Status classes the 1.2 steps keep themselves: code that used them has to change, not only its import.
GONE = {
    ("metadata.ingestion.api.source", "SourceStatus"), ("metadata.ingestion.api.sink", "SinkStatus"),
    ("metadata.ingestion.api.processor", "ProcessorStatus"), ("metadata.ingestion.api.stage", "StageStatus"),
    ("metadata.ingestion.api.bulk_sink", "BulkSinkStatus"),
}
# Modules of 1.1.7 that 1.2.5 no longer has.
OLD_MODULES = {
    "metadata.ingestion.api.workflow", "metadata.ingestion.api.source", "metadata.ingestion.api.sink",
    "metadata.ingestion.api.processor", "metadata.ingestion.api.stage", "metadata.ingestion.api.bulk_sink",
    "metadata.profiler.api.workflow", "metadata.data_quality.api.workflow", "metadata.data_insight.api.workflow",
    "metadata.utils.workflow_output_handler",
}
LOADERS = {"safe_load", "load", "full_load", "loads", "dumps", "load_config_file", "read_text"}

# (workflow type or None, reason) of a workflow file named in the code
TypeReader = Callable[[str], "tuple[Optional[str], Optional[str]]"]


class SourceText:
    """Text with char offsets for ast positions (ast columns count UTF-8 bytes)."""

    def __init__(self, text: str):
        self.text = text
        self.lines = text.split("\n")
        self.starts = [0]
        for line in self.lines[:-1]:
            self.starts.append(self.starts[-1] + len(line) + 1)

    def index(self, lineno: int, col: int) -> int:
        line = self.lines[lineno - 1]
        return self.starts[lineno - 1] + len(line.encode("utf-8")[:col].decode("utf-8", "replace"))

    def span(self, node: Any) -> tuple[int, int]:
        return self.index(node.lineno, node.col_offset), self.index(node.end_lineno, node.end_col_offset)

    def segment(self, node: Any) -> str:
        start, end = self.span(node)
        return self.text[start:end]


class Plan:
    def __init__(self, path: str, source: SourceText):
        self.path = path
        self.source = source
        self.edits: list[tuple[int, int, str]] = []
        self.changes: list[str] = []
        self.findings: list[dict[str, Any]] = []

    def find(self, line: Optional[int], message: str) -> None:
        item = {"path": self.path, "line": line, "kind": "python", "message": message}
        if item not in self.findings:
            self.findings.append(item)


def _parents(tree: ast.AST) -> dict[int, ast.AST]:
    parents = {}
    for node in ast.walk(tree):
        for child in ast.iter_child_nodes(node):
            parents[id(child)] = node
    return parents


def _bound_names(tree: ast.AST) -> dict[str, int]:
    """How many times each name is bound anywhere in the file (imports, assignments, defs, arguments)."""
    counts: dict[str, int] = {}

    def bump(name: str) -> None:
        counts[name] = counts.get(name, 0) + 1

    for node in ast.walk(tree):
        if isinstance(node, ast.Name) and isinstance(node.ctx, (ast.Store, ast.Del)):
            bump(node.id)
        elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            bump(node.name)
        elif isinstance(node, ast.arg):
            bump(node.arg)
        elif isinstance(node, (ast.Import, ast.ImportFrom)):
            for alias in node.names:
                bump((alias.asname or alias.name).split(".")[0])
        elif isinstance(node, (ast.Global, ast.Nonlocal)):
            for name in node.names:
                bump(name)
        elif isinstance(node, ast.ExceptHandler) and node.name:
            bump(node.name)
    return counts


# --- which workflow does Workflow.create(...) run? -------------------------------------------------

class ConfigResolver:
    """Follows the argument of ``Workflow.create`` to a dict, YAML/JSON text or a workflow file."""

    def __init__(self, tree: ast.AST, parents: dict[int, ast.AST], base_dir: str, read_type: TypeReader,
                 source: SourceText):
        self.tree = tree
        self.parents = parents
        self.base_dir = base_dir
        self.read_type = read_type
        self.source = source

    def workflow_type(self, node: ast.AST, depth: int = 0) -> tuple[Optional[str], str]:
        from ansible_collections.openmetadata.ops.plugins.module_utils.ingestion import om_ingestion_workflow as wf
        if depth > 8:
            return None, "the configuration is built through too many steps"
        if isinstance(node, ast.Dict):
            return self._from_data(self._literal(node), "the dict it is given")
        if isinstance(node, (ast.Constant, ast.JoinedStr)):
            text = self._string(node)
            if text is None:
                return None, "the configuration is not a string or dict this module can read"
            if "\n" not in text.strip() and text.strip().endswith(wf.WORKFLOW_SUFFIXES):
                return self._from_file(text.strip())
            return self._from_data(self._parse_text(text), "the YAML/JSON text in the code")
        if isinstance(node, ast.Name):
            value = self._assigned(node)
            if value is None:
                return None, "%s is not assigned once in a way this module can follow" % node.id
            return self.workflow_type(value, depth + 1)
        if isinstance(node, ast.Call):
            name = node.func.attr if isinstance(node.func, ast.Attribute) else getattr(node.func, "id", None)
            if name in ("open", "Path", "PurePath") and node.args:
                text = self._string(node.args[0]) if isinstance(node.args[0], (ast.Constant, ast.JoinedStr)) else None
                if isinstance(node.args[0], ast.Name):
                    value = self._assigned(node.args[0])
                    text = self._string(value) if isinstance(value, (ast.Constant, ast.JoinedStr)) else None
                if text is None:
                    return None, "the workflow file name is computed at run time"
                return self._from_file(text)
            if name in LOADERS:
                if name == "read_text" and isinstance(node.func, ast.Attribute):
                    return self.workflow_type(node.func.value, depth + 1)
                if node.args:
                    return self.workflow_type(node.args[0], depth + 1)
            return None, "the configuration comes from a call this module cannot follow (%s)" % (name or "?")
        return None, "the configuration is computed at run time"

    def _from_file(self, name: str) -> tuple[Optional[str], str]:
        path = name if os.path.isabs(name) else os.path.normpath(os.path.join(self.base_dir, name))
        kind, why = self.read_type(path)
        return (kind, "the workflow file %s" % path) if kind else (None, why or "cannot read %s" % path)

    def _from_data(self, data: Any, what: str) -> tuple[Optional[str], str]:
        from ansible_collections.openmetadata.ops.plugins.module_utils.ingestion import om_ingestion_workflow as wf
        if not isinstance(data, dict) or not isinstance(data.get("source"), dict) \
                or not isinstance(data["source"].get("type"), str) or "\x00" in data["source"]["type"]:
            return None, "%s has no readable source.type" % what
        kind = wf.workflow_type(data)
        return (kind, what) if kind != "unknown" else (None, "%s is not a workflow" % what)

    def _literal(self, node: ast.AST) -> Any:
        if isinstance(node, ast.Dict):
            out = {}
            for key, value in zip(node.keys, node.values):
                if isinstance(key, ast.Constant) and isinstance(key.value, str):
                    out[key.value] = self._literal(value)
            return out
        if isinstance(node, ast.Constant):
            return node.value
        if isinstance(node, ast.JoinedStr):
            return self._string(node)
        if isinstance(node, ast.Name):
            value = self._assigned(node)
            return self._literal(value) if isinstance(value, (ast.Constant, ast.Dict)) else "\x00"
        return "\x00"  # not a literal: never taken for a known value

    def _string(self, node: Any) -> Optional[str]:
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            return node.value
        if isinstance(node, ast.JoinedStr):  # f-string: placeholders cannot be a known source.type
            return "".join(v.value if isinstance(v, ast.Constant) else "\x00" for v in node.values)
        return None

    @staticmethod
    def _parse_text(text: str) -> Any:
        try:
            return json.loads(text)
        except ValueError:
            pass
        try:
            from ruamel.yaml import YAML
            return YAML(typ="safe", pure=True).load(text.replace("\x00", "__runtime_value__"))
        except Exception:  # pylint: disable=broad-except  # any YAML error: not readable
            return None

    def _assigned(self, name: ast.Name) -> Optional[ast.AST]:
        """The value of the single assignment to ``name`` in its function (else in the module)."""
        scope: Any = self.parents.get(id(name))
        while scope is not None and not isinstance(scope, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Module)):
            scope = self.parents.get(id(scope))
        for candidate in (scope, self.tree):
            if candidate is None:
                continue
            values = []
            for node in ast.walk(candidate):
                if isinstance(node, ast.Assign) and any(isinstance(t, ast.Name) and t.id == name.id
                                                        for t in node.targets):
                    values.append(node.value)
                elif isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name) \
                        and node.target.id == name.id and node.value is not None:
                    values.append(node.value)
            if len(values) == 1:
                return values[0]
            if values:
                return None
        return None


# --- the plan ---------------------------------------------------------------------------------------

def _import_line(module: str, names: list[tuple[str, Optional[str]]]) -> str:
    return "from %s import %s" % (module, ", ".join(n if not a or a == n else "%s as %s" % (n, a) for n, a in names))


def _own_lines(plan: Plan, node: ast.AST) -> bool:
    """The statement has its lines to itself (no `;`, no comment inside) so it can be replaced whole."""
    start, end = plan.source.span(node)
    text = plan.source.text
    line_start = text.rfind("\n", 0, start) + 1
    line_end = text.find("\n", end)
    line_end = len(text) if line_end < 0 else line_end
    before, after, inside = text[line_start:start], text[end:line_end], text[start:end]
    return not before.strip() and (not after.strip() or after.strip().startswith("#")) and "#" not in inside \
        and ";" not in inside


def plan_python(text: str, *, path: str = "file.py", rewrite: bool = False,
                read_type: Optional[TypeReader] = None) -> dict[str, Any]:
    """{"edits", "changes", "findings"} for one Python file; raises ConfigError when it does not parse."""
    try:
        tree = ast.parse(text, filename=path)
    except (SyntaxError, ValueError) as exc:
        where = ""
        if isinstance(exc, SyntaxError) and exc.lineno is not None:
            where = " at line %d, column %s" % (exc.lineno, exc.offset)
        raise ConfigError("%s is not valid Python%s: %s. Fix it and run again; nothing was changed." % (
            path, where, getattr(exc, "msg", exc))) from exc
    source = SourceText(text)
    plan = Plan(path, source)
    parents = _parents(tree)
    bound = _bound_names(tree)
    resolver = ConfigResolver(tree, parents, os.path.dirname(os.path.abspath(path)),
                              read_type or (lambda p: (None, "workflow files are not read")), source)
    imported: dict[str, tuple[str, str]] = {}  # local name -> (module, name) of every metadata.* import
    workflow_imports: list[tuple[ast.ImportFrom, ast.alias]] = []
    import_nodes: list[ast.ImportFrom] = []

    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name in OLD_MODULES or any(alias.name.startswith(m + ".") for m in OLD_MODULES):
                    plan.find(node.lineno, "`import %s%s`: this module does not exist in 1.2 and names reached through "
                              "it cannot be followed safely; import the 1.2 classes by name (see docs/ingestion.md)."
                              % (alias.name, " as " + alias.asname if alias.asname else ""))
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            module = node.module
            if module in OLD_MODULES and _guarded(node, parents):
                continue  # a try/except ImportError shim that already works with both releases
            if any(alias.name == "*" for alias in node.names):
                if module in OLD_MODULES or module.startswith("metadata."):
                    plan.find(node.lineno, "`from %s import *`: star imports cannot be followed; import the names you "
                              "use explicitly (1.2 moved many of them)." % module)
                continue
            for alias in node.names:
                if "%s.%s" % (module, alias.name) in OLD_MODULES:
                    plan.find(node.lineno, "`from %s import %s`: the module %s.%s does not exist in 1.2 and names "
                              "reached through it cannot be followed safely; import the 1.2 classes by name."
                              % (module, alias.name, module, alias.name))
            if module not in OLD_MODULES:
                for alias in node.names:
                    imported[alias.asname or alias.name] = (module, alias.name)
                continue
            import_nodes.append(node)
            for alias in node.names:
                key = (module, alias.name)
                imported[alias.asname or alias.name] = key
                if key == WORKFLOW:
                    workflow_imports.append((node, alias))
                elif key in GONE:
                    plan.find(node.lineno, "%s is gone in 1.2 (the workflow keeps each step's status): remove this "
                              "import and its uses (the step's self.status is set by the base class)." % alias.name)
                elif key not in MOVED:
                    plan.find(node.lineno, "%s.%s does not exist in 1.2 and has no direct replacement this module "
                              "knows; find its 1.2 counterpart by hand." % (module, alias.name))

    workflow_choice = _decide_workflows(plan, tree, parents, bound, resolver, workflow_imports)
    _report_code(plan, tree, imported, parents)
    if rewrite:
        _rewrite_imports(plan, import_nodes, workflow_choice)
    else:
        for node in import_nodes:
            moved = [a for a in node.names if (node.module, a.name) in MOVED
                     or ((node.module, a.name) == WORKFLOW and id(a) in workflow_choice)]
            for alias in moved:
                new_module, new_name = MOVED.get((node.module, alias.name)) or workflow_choice[id(alias)][0]
                plan.find(node.lineno, "`from %s import %s` moved in 1.2 to `from %s import %s` (rewrite_imports=true "
                          "rewrites it)." % (node.module, alias.name, new_module, new_name))
    findings = sorted(plan.findings, key=lambda f: f["line"] or 0)
    return {"edits": plan.edits, "changes": plan.changes, "findings": findings}


def _guarded(node: ast.AST, parents: dict[int, ast.AST]) -> bool:
    """The import sits in a try statement that catches ImportError (in its body or one of its handlers)."""
    child, parent = node, parents.get(id(node))
    while parent is not None and not isinstance(parent, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
        if isinstance(parent, ast.Try) and any(_catches_import_error(h) for h in parent.handlers) \
                and (child in parent.body or child in parent.handlers):
            return True
        child, parent = parent, parents.get(id(parent))
    return False


def _catches_import_error(handler: ast.ExceptHandler) -> bool:
    names = handler.type.elts if isinstance(handler.type, ast.Tuple) else [handler.type]
    return any(n is None or isinstance(n, ast.Name) and n.id in ("ImportError", "ModuleNotFoundError", "Exception")
               for n in names)


def _decide_workflows(plan: Plan, tree: ast.AST, parents: dict[int, ast.AST], bound: dict[str, int],
                      resolver: ConfigResolver, imports: list[tuple[ast.ImportFrom, ast.alias]]) -> dict[int, Any]:
    """alias id -> ((module, class), [Name nodes to rename]) for each Workflow import that can be decided."""
    choice: dict[int, Any] = {}
    for node, alias in imports:
        local = alias.asname or alias.name
        uses = [n for n in ast.walk(tree) if isinstance(n, ast.Name) and n.id == local and isinstance(n.ctx, ast.Load)]
        kinds: dict[str, list[str]] = {}
        undecided: list[str] = []
        for use in uses:
            parent = parents.get(id(use))
            call = parents.get(id(parent)) if parent is not None else None
            if isinstance(parent, ast.Attribute) and parent.attr == "create" and isinstance(call, ast.Call) \
                    and call.func is parent and call.args:
                kind, why = resolver.workflow_type(call.args[0])
                if kind is None:
                    undecided.append("line %d: %s" % (use.lineno, why))
                elif kind in ("profiler", "testsuite", "datainsight"):
                    undecided.append("line %d: it runs a %s workflow, which 1.2 runs with its own class" % (
                        use.lineno, kind))
                else:
                    kinds.setdefault("usage" if kind == "usage" else "metadata", []).append(
                        "line %d: %s" % (use.lineno, why))
        if undecided or len(kinds) != 1:
            why = "; ".join(undecided) if undecided else (
                "it runs both metadata and usage workflows" if kinds else "no Workflow.create(<config>) call to read")
            plan.find(node.lineno, "`from metadata.ingestion.api.workflow import Workflow` is gone in 1.2: use "
                      "MetadataWorkflow (metadata.workflow.metadata) for metadata/lineage workflows or UsageWorkflow "
                      "(metadata.workflow.usage) for usage workflows. Which one could not be decided: %s." % why)
            continue
        kind = next(iter(kinds))
        module, cls = WORKFLOW_CLASSES[kind]
        renames = [] if alias.asname else uses
        if not alias.asname and (bound.get("Workflow", 0) > 1 or bound.get(cls, 0) > 0):
            plan.find(node.lineno, "Workflow should become %s.%s, but the name Workflow or %s is also bound elsewhere "
                      "in this file; rename by hand." % (module, cls, cls))
            continue
        choice[id(alias)] = ((module, cls), renames, kinds[kind])
    return choice


def _source_bases(node: ast.ClassDef, imported: dict[str, tuple[str, str]]) -> bool:
    for base in node.bases:
        target = base.value if isinstance(base, ast.Subscript) else base
        if isinstance(target, ast.Name) and imported.get(target.id) in SOURCE_CLASSES:
            return True
        if isinstance(target, ast.Attribute) and target.attr == "Source":
            return True
    return False


def _report_code(plan: Plan, tree: ast.AST, imported: dict[str, tuple[str, str]],
                 parents: dict[int, ast.AST]) -> None:
    # print_status() of other libraries is none of our business: only files that use openmetadata-ingestion.
    uses_metadata = any(module.split(".")[0] == "metadata" for module, _name in imported.values())
    for node in ast.walk(tree):
        if isinstance(node, ast.ClassDef) and _source_bases(node, imported):
            _report_connector(plan, node)
        elif isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "print_status" \
                and not node.args and uses_metadata:
            plan.find(node.lineno, "`%s.print_status()`: 1.2 workflows have no print_status method; call "
                      "`print_status(%s)` from metadata.workflow.workflow_output_handler instead."
                      % (plan.source.segment(node.func.value), plan.source.segment(node.func.value)))
        elif isinstance(node, ast.Name) and imported.get(node.id) in GONE and isinstance(node.ctx, ast.Load):
            plan.find(node.lineno, "%s is used here; it is gone in 1.2 (the base step keeps self.status): remove this "
                      "use." % node.id)


def _report_connector(plan: Plan, cls: ast.ClassDef) -> None:
    for item in cls.body:
        if not isinstance(item, (ast.FunctionDef, ast.AsyncFunctionDef)):
            continue
        names = [a.arg for a in item.args.args]
        if item.name in ("__init__", "create") and "metadata_config" in names:
            how = "__init__(self, config, metadata): keep it as self.metadata and call super().__init__()" \
                if item.name == "__init__" else "create(cls, config_dict, metadata, pipeline_name=None)"
            plan.find(item.lineno, "%s.%s takes metadata_config (an OpenMetadataConnection); 1.2 passes the "
                      "OpenMetadata client instead: %s." % (cls.name, item.name, how))
        for node in _own_walk(item):
            if isinstance(node, ast.Yield) and node.value is not None and not _is_either(node.value):
                plan.find(node.lineno, "%s.%s yields %s directly; 1.2 expects each record wrapped as "
                          "Either(right=...) (errors as Either(left=StackTraceError(...))), Either from "
                          "metadata.ingestion.api.models." % (cls.name, item.name, _short(plan, node.value)))
            elif isinstance(node, ast.YieldFrom):
                plan.find(node.lineno, "%s.%s uses `yield from`: check that every record it passes on is an Either "
                          "(metadata.ingestion.api.models) in 1.2." % (cls.name, item.name))


def _own_walk(function: ast.AST) -> list[ast.AST]:
    """Nodes of a function, not of the functions or classes nested in it."""
    out, stack = [], list(ast.iter_child_nodes(function))
    while stack:
        node = stack.pop()
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef, ast.Lambda)):
            continue
        out.append(node)
        stack.extend(ast.iter_child_nodes(node))
    return sorted(out, key=lambda n: (getattr(n, "lineno", 0), getattr(n, "col_offset", 0)))


def _is_either(node: ast.AST) -> bool:
    if isinstance(node, ast.Call):
        func = node.func
        return (isinstance(func, ast.Name) and func.id == "Either") or \
            (isinstance(func, ast.Attribute) and func.attr == "Either")
    return False


def _short(plan: Plan, node: ast.AST) -> str:
    text = " ".join(plan.source.segment(node).split())
    return "`%s`" % (text if len(text) <= 50 else text[:47] + "...")


def _rewrite_imports(plan: Plan, nodes: list[ast.ImportFrom], choice: dict[int, Any]) -> None:
    for node in nodes:
        workflow_name = "Workflow"  # what uses of Workflow become, once this import's choice is known
        groups: dict[str, list[tuple[str, Optional[str]]]] = {}
        kept: list[tuple[str, Optional[str]]] = []
        renames: list[ast.Name] = []
        notes: list[str] = []
        for alias in node.names:
            key = (node.module, alias.name)
            if key in MOVED:
                new_module, new_name = MOVED[key]
                groups.setdefault(new_module, []).append((new_name, alias.asname))
                notes.append("%s -> %s.%s" % (alias.name, new_module, new_name))
            elif key == WORKFLOW and id(alias) in choice:
                (new_module, new_name), uses, why = choice[id(alias)]
                workflow_name = new_name
                groups.setdefault(new_module, []).append((new_name, alias.asname))
                renames.extend(uses)
                notes.append("Workflow -> %s.%s (%s)" % (new_module, new_name, "; ".join(why)))
            else:
                kept.append((alias.name, alias.asname))
        if not groups:
            continue
        if not _own_lines(plan, node):
            plan.find(node.lineno, "this import shares its line(s) with other code or holds a comment; it was not "
                      "rewritten: move it by hand (%s)." % ", ".join(notes))
            continue
        start, end = plan.source.span(node)
        indent = plan.source.text[plan.source.text.rfind("\n", 0, start) + 1:start]
        lines = [_import_line(module, names) for module, names in groups.items()]
        if kept:
            lines.append(_import_line(node.module or "", kept))
        newline = "\r\n" if plan.source.lines[node.lineno - 1].endswith("\r") else "\n"
        name_edits = []
        for use in renames:
            use_start, use_end = plan.source.span(use)
            if plan.source.text[use_start:use_end] != "Workflow":
                plan.find(use.lineno, "the name Workflow could not be located exactly here; nothing in this import "
                          "was rewritten.")
                name_edits = None
                break
            name_edits.append((use_start, use_end, workflow_name))
        if name_edits is None:
            continue
        plan.edits.append((start, end, (newline + indent).join(lines)))
        plan.edits.extend(name_edits)
        plan.changes.append("line %d: %s" % (node.lineno, "; ".join(notes)))
        if renames:
            plan.changes.append("Workflow renamed to %s at line(s) %s" % (
                workflow_name, ", ".join(sorted({str(u.lineno) for u in renames}, key=int))))


def check_compiles(text: str, path: str) -> None:
    try:
        compile(text, path, "exec", dont_inherit=True)
    except (SyntaxError, ValueError) as exc:
        raise ConfigError("the rewritten %s would not compile (%s); nothing was changed. Please report this with the "
                          "file." % (path, exc)) from exc
