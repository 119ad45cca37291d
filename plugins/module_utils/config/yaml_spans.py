# -*- coding: utf-8 -*-
# Copyright: (c) 2026, openmetadata.ops contributors
# Apache License 2.0 (see LICENSE or https://www.apache.org/licenses/LICENSE-2.0)
"""A span-preserving YAML editor: change a file that is the user's without re-dumping it.

The text is parsed with ruamel.yaml for its node positions (anchors, merge keys, flow style), never
dumped again. :class:`Document` holds the text, its node tree and its loaded data (refusing tabs,
duplicate keys and a top level that is not a mapping); :class:`Editor` collects non-overlapping splices
at the exact spans of the keys and values it touches, so comments, key order, quoting, indentation and
``${VAR:-default}`` strings everywhere else stay byte-identical. :func:`verify_rewritten` parses the
result again before anyone writes it.

Nothing here knows OpenMetadata: om_config (openmetadata.yaml, Helm values) and om_ingestion_workflow
(ingestion workflow files) say what to change.
"""
from __future__ import annotations

import re
from typing import Any, Optional

try:
    from ruamel.yaml import YAML
    from ruamel.yaml.error import YAMLError
    from ruamel.yaml.nodes import MappingNode, ScalarNode, SequenceNode
    HAS_RUAMEL = True
except ImportError:  # pragma: no cover - the module reports it
    HAS_RUAMEL = False
    YAMLError = Exception  # type: ignore[assignment,misc]

from ansible_collections.openmetadata.ops.plugins.module_utils.errors import ConfigError

# What Document.value returns for a key that is not there (None is a value YAML can hold).
MISSING = object()


# --- reading --------------------------------------------------------------------------------------

def _yaml() -> "YAML":
    yaml = YAML(typ="rt")
    yaml.preserve_quotes = True
    yaml.allow_duplicate_keys = False
    return yaml


class Document:
    """One YAML file: its text, node tree (positions) and loaded data."""

    def __init__(self, text: str, path: str = "file"):
        self.text = text
        self.path = path
        _check_tabs(text, path)
        yaml = _yaml()
        try:
            self.node = yaml.compose(text)
            self.data = yaml.load(text)
        except YAMLError as exc:
            raise _yaml_error(exc, path) from exc
        if self.node is None or not isinstance(self.node, MappingNode) or not isinstance(self.data, dict):
            kind = "empty" if self.node is None else type(self.data).__name__
            raise ConfigError("%s must hold a YAML mapping (key: value lines) at the top; it is %s. Set path to the "
                              "right file; nothing was changed." % (path, kind))
        _check_duplicates(self.node, path)
        _check_tags_and_aliases(self.node, path)

    # navigation ----------------------------------------------------------------------------
    def pair(self, keys: tuple, node: Any = None) -> Optional[tuple[Any, Any, Any]]:
        """(mapping node, key node, value node) at ``keys``, following ``<<`` merge keys."""
        mapping = node if node is not None else self.node
        found = None
        for key in keys:
            if not isinstance(mapping, MappingNode):
                return None
            found = find_pair(mapping, key)
            if found is None:
                return None
            mapping = found[2]
        return found

    def value(self, keys: tuple) -> Any:
        data: Any = self.data
        for key in keys:
            if not isinstance(data, dict) or key not in data:
                return MISSING
            data = data[key]
        return data


# Tags a configuration file may carry: YAML's core schema (and the merge key). Anything else (!!python/...,
# application tags) means the file is not what OpenMetadata reads, or hostile.
CORE_TAGS = {"tag:yaml.org,2002:" + name for name in
             ("str", "int", "float", "bool", "null", "map", "seq", "omap", "timestamp", "binary", "merge", "value")}
# Nodes the document would have with every alias expanded: an "alias bomb" expands to billions.
MAX_EXPANDED_NODES = 100000


def _check_tags_and_aliases(root: Any, path: str) -> None:
    sizes: dict[int, int] = {}

    def expanded(node: Any) -> int:
        key = id(node)
        if key in sizes:
            return sizes[key]
        sizes[key] = 1  # a cycle counts once
        tag = getattr(node, "tag", None)
        tag = str(getattr(tag, "value", tag) or "")  # ruamel >= 0.17.22 wraps it in a Tag
        if tag and tag not in CORE_TAGS:
            raise ConfigError("%s line %d: the tag %s is not plain YAML; OpenMetadata's configuration holds only "
                              "plain values. Remove it; nothing was changed."
                              % (path, node.start_mark.line + 1, tag.replace("tag:yaml.org,2002:", "!!")))
        if isinstance(node, MappingNode):
            total = 1 + sum(expanded(k) + expanded(v) for k, v in node.value)
        elif isinstance(node, SequenceNode):
            total = 1 + sum(expanded(item) for item in node.value)
        else:
            total = 1
        if total > MAX_EXPANDED_NODES:
            raise ConfigError("%s: its aliases expand to more than %d values (an alias bomb?); OpenMetadata's "
                              "configuration is far smaller. Fix the file; nothing was changed."
                              % (path, MAX_EXPANDED_NODES))
        sizes[key] = total
        return total

    expanded(root)


def _check_tabs(text: str, path: str) -> None:
    for number, line in enumerate(text.splitlines(), 1):
        lead = line[:len(line) - len(line.lstrip(" \t"))]
        if "\t" in lead and line.strip() and not line.lstrip(" \t").startswith("#"):
            raise ConfigError("%s line %d is indented with a tab; YAML allows spaces only. Replace the tab with "
                              "spaces and run again; nothing was changed." % (path, number))


def _yaml_error(exc: Exception, path: str) -> ConfigError:
    name = type(exc).__name__
    mark = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
    where = " at line %d, column %d" % (mark.line + 1, mark.column + 1) if mark else ""
    if "Duplicate" in name:
        return ConfigError("%s has a duplicate key%s: %s. A key may appear once per mapping (the server would "
                           "silently use one of them); remove the other and run again; nothing was changed."
                           % (path, where, getattr(exc, "problem", "") or exc))
    problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
    return ConfigError("%s is not valid YAML%s: %s. Fix the file and run again; nothing was changed."
                       % (path, where, problem))


def _check_duplicates(node: Any, path: str) -> None:
    stack = [node]
    seen_nodes: set[int] = set()
    while stack:
        current = stack.pop()
        if id(current) in seen_nodes:
            continue
        seen_nodes.add(id(current))
        if isinstance(current, MappingNode):
            keys: dict[str, Any] = {}
            for key, value in current.value:
                if isinstance(key, ScalarNode) and key.tag != "tag:yaml.org,2002:merge" and key.value != "<<":
                    if key.value in keys:
                        raise ConfigError("%s has the key %r twice in one mapping (lines %d and %d); the server "
                                          "would silently use one of them. Remove one and run again; nothing was "
                                          "changed." % (path, key.value, keys[key.value].start_mark.line + 1,
                                                        key.start_mark.line + 1))
                    keys[key.value] = key
                stack.append(value)
        elif isinstance(current, SequenceNode):
            stack.extend(current.value)


def find_pair(mapping: Any, key: str) -> Optional[tuple[Any, Any, Any]]:
    for key_node, value_node in mapping.value:
        if isinstance(key_node, ScalarNode) and key_node.value == key and key_node.value != "<<":
            return mapping, key_node, value_node
    for key_node, value_node in mapping.value:  # merged keys (<<: *base) live in the anchored mapping
        if isinstance(key_node, ScalarNode) and key_node.value == "<<":
            sources = value_node.value if isinstance(value_node, SequenceNode) else [value_node]
            for source in sources:
                if isinstance(source, MappingNode):
                    found = find_pair(source, key)
                    if found is not None:
                        return found
    return None


# --- text splicing --------------------------------------------------------------------------------

class Editor:
    """Non-overlapping (start, end, replacement) splices applied right to left."""

    def __init__(self, doc: Document):
        self.doc = doc
        self.text = doc.text
        self.edits: list[tuple[int, int, str]] = []

    def add(self, start: int, end: int, new: str) -> None:
        if new == "":  # two deletions that share blank lines become one
            for index, (other_start, other_end, other_new) in enumerate(self.edits):
                if other_new == "" and other_start != other_end and start <= other_end and other_start <= end:
                    self.edits[index] = (min(start, other_start), max(end, other_end), "")
                    return
        for other_start, other_end, _other_new in self.edits:
            if start < other_end and other_start < end or (start == end == other_start == other_end):
                raise ConfigError("%s: two changes touch the same text (%d-%d); edit the file by hand."
                                  % (self.doc.path, start, end))
        self.edits.append((start, end, new))

    def result(self) -> str:
        text = self.text
        for start, end, new in sorted(self.edits, key=lambda e: (e[0], e[1]), reverse=True):
            text = text[:start] + new + text[end:]
        return text

    # positions -----------------------------------------------------------------------------
    def line_start(self, index: int) -> int:
        return self.text.rfind("\n", 0, index) + 1

    def line_end(self, index: int) -> int:
        end = self.text.find("\n", index)
        return len(self.text) if end < 0 else end

    def column(self, index: int) -> int:
        return index - self.line_start(index)

    def is_alias(self, key: Any, value: Any) -> bool:
        return value.start_mark.index < key.end_mark.index

    def alias_end(self, key: Any) -> int:
        match = re.compile(r"\s*:\s*\*[^\s,\]\}]+").match(self.text, key.end_mark.index)
        return match.end() if match else key.end_mark.index

    def value_start(self, value: Any) -> int:
        """Start of the value itself, after an anchor (&a) or tag (!t)."""
        index = value.start_mark.index
        while self.text[index:index + 1] in ("&", "!"):
            match = re.compile(r"[&!][^\s]*\s*").match(self.text, index)
            index = match.end() if match else index + 1
        return index

    def content_end(self, key: Any, value: Any) -> int:
        """Index just after the last character that belongs to ``key: value`` (not the trailing comments
        and blank lines ruamel counts into a block)."""
        if self.is_alias(key, value):
            return self.alias_end(key)
        if isinstance(value, ScalarNode) or getattr(value, "flow_style", False):
            if isinstance(value, ScalarNode) and value.style in ("|", ">"):
                return max(value.end_mark.index - 1, key.end_mark.index)
            return max(value.end_mark.index, key.end_mark.index)
        end = key.end_mark.index
        if isinstance(value, MappingNode):
            for child_key, child_value in value.value:
                end = max(end, self.content_end(child_key, child_value))
        elif isinstance(value, SequenceNode):
            for item in value.value:
                if item.start_mark.index > key.end_mark.index:
                    end = max(end, self._node_end(item))
        return end

    def _node_end(self, node: Any) -> int:
        if isinstance(node, ScalarNode) or getattr(node, "flow_style", False):
            return node.end_mark.index
        end = node.start_mark.index
        if isinstance(node, MappingNode):
            for child_key, child_value in node.value:
                end = max(end, self.content_end(child_key, child_value))
        else:
            for item in node.value:
                if item.start_mark.index >= node.start_mark.index:
                    end = max(end, self._node_end(item))
        return end

    def pair_lines(self, key: Any, value: Any) -> tuple[int, int]:
        """[start, end) of the whole lines of a block ``key: value`` (end includes the newline)."""
        start = self.line_start(key.start_mark.index)
        if self.text[start:key.start_mark.index].strip():
            raise ConfigError("%s line %d: the key %r does not start its line (e.g. `- %s:` in a list); this layout "
                              "is not rewritten automatically: edit that key by hand; nothing was changed."
                              % (self.doc.path, key.start_mark.line + 1, key.value, key.value))
        end = self.line_end(self.content_end(key, value))
        return start, min(end + 1, len(self.text))

    # edits ---------------------------------------------------------------------------------
    def remove_pair(self, mapping: Any, key: Any, value: Any) -> None:
        if mapping.flow_style:
            start, end = key.start_mark.index, self.content_end(key, value)
            after = re.compile(r"\s*,\s*").match(self.text, end)
            if after:
                end = after.end()
            else:
                before = re.compile(r",\s*$").search(self.text, 0, start)
                if before and not self.text[before.start():start].strip(", \n\t"):
                    start = before.start()
            self.add(start, end, "")
            return
        start, end = self.pair_lines(key, value)
        if end >= len(self.text):  # last block of the file: take the blank lines before it along
            while start > 0 and self.text[self.line_start(start - 1):start].strip() == "":
                start = self.line_start(start - 1)
                if start == 0:
                    break
        # Keep the spacing tidy: when a blank line precedes the block, also drop blank lines after it.
        if start == 0 or self.text[self.line_start(start - 1):start].strip() == "":
            while end < len(self.text) and self.text[end:self.line_end(end)].strip() == "" \
                    and self.line_end(end) < len(self.text):
                end = self.line_end(end) + 1
        self.add(start, end, "")

    def set_scalar(self, key: Any, value: Any, new_raw: str) -> None:
        if self.is_alias(key, value):
            raise ConfigError("%s line %d: %r is an alias (*name); change the anchored value by hand or run again "
                              "after expanding it; nothing was changed." % (self.doc.path, key.start_mark.line + 1,
                                                                            key.value))
        self.add(self.value_start(value), value.end_mark.index, new_raw)

    def insert_pair(self, parent_key: Any, mapping: Any, name: str, raw: str, after: Optional[str] = None) -> None:
        if mapping.flow_style:
            brace = self.text.find("{", mapping.start_mark.index)
            empty = not mapping.value
            self.add(brace + 1, brace + 1, "%s: %s%s" % (name, flow_safe(raw), "" if empty else ", "))
            return
        if not mapping.value:
            return
        indent = self.column(mapping.value[0][0].start_mark.index)
        line = " " * indent + "%s: %s\n" % (name, raw)
        anchor_pair = find_pair(mapping, after) if after else None
        if anchor_pair is not None and anchor_pair[0] is mapping:
            position = self.pair_lines(anchor_pair[1], anchor_pair[2])[1]
        else:
            position = self.line_end(parent_key.end_mark.index) + 1 if parent_key is not None else 0
        if position > len(self.text):  # the file did not end with a newline
            line = "\n" + line.rstrip("\n")
            position = len(self.text)
        self.add(position, position, line)

    def replace_pair_lines(self, key: Any, value: Any, lines: str) -> None:
        start, end = self.pair_lines(key, value)
        if not lines.endswith("\n") and end == len(self.text) and not self.text.endswith("\n"):
            pass
        elif not lines.endswith("\n"):
            lines += "\n"
        self.add(start, end, lines)


def flow_safe(raw: str) -> str:
    """A ${VAR:-default} plain value is not valid inside {...}: single-quote it. Dropwizard substitutes
    before YAML parses, so a "" default becomes an empty default (quotes inside quotes would stay)."""
    if raw[:1] in "'\"" or not re.search(r"[{}\[\],]", raw):
        return raw
    return "'%s'" % raw.replace(':-""', ":-").replace("'", "''")


# --- helpers of the editors that use it ---------------------------------------------------------

def raw_text(doc: Document, node: Any) -> str:
    return doc.text[node.start_mark.index:node.end_mark.index]


def render_like(old_raw: str, value: str) -> str:
    """``value`` written with the quoting the old scalar used."""
    if old_raw.startswith("'"):
        return "'%s'" % value.replace("'", "''")
    if old_raw.startswith('"'):
        return '"%s"' % value.replace("\\", "\\\\").replace('"', '\\"')
    if re.search(r"(^[\s&*!|>'\"%@`#,\[\]{}-])|(: )|( #)|(\s$)", value):
        return '"%s"' % value.replace("\\", "\\\\").replace('"', '\\"')
    return value


def parent_of(root: Any, child: Any) -> Optional[tuple[Any, Any, Any]]:
    stack = [root]
    while stack:
        node = stack.pop()
        if isinstance(node, MappingNode):
            for key, value in node.value:
                if value is child:
                    return node, key, value
                stack.append(value)
        elif isinstance(node, SequenceNode):
            stack.extend(node.value)
    return None


def same_newlines(original: str, new: str) -> str:
    """Lines we insert use \n; a CRLF file gets CRLF on them too."""
    if "\r\n" in original and original.count("\n") == original.count("\r\n"):
        return re.sub(r"(?<!\r)\n", "\r\n", new)
    return new


def verify_rewritten(text: str, path: str) -> None:
    """Parse the rewritten text again before it is written: an edit of ours that breaks the YAML is a bug."""
    try:
        Document(text, path)
    except ConfigError as exc:  # a bug here must never reach the user's file
        raise ConfigError("the rewritten %s would not be valid (%s); nothing was changed. Please report this with "
                          "the file." % (path, exc)) from exc


def reindent(text: str, delta: int) -> str:
    if delta == 0:
        return text
    lines = text.splitlines(keepends=True)
    out = []
    for line in lines:
        if delta > 0:
            out.append((" " * delta + line) if line.strip() else line)
        else:
            cut = min(-delta, len(line) - len(line.lstrip(" ")))
            out.append(line[cut:])
    return "".join(out)
