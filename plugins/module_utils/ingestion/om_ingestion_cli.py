# -*- coding: utf-8 -*-
# Copyright: (c) 2026, openmetadata.ops contributors
# Apache License 2.0 (see LICENSE or https://www.apache.org/licenses/LICENSE-2.0)
"""Find ``metadata ingest -c <file>`` calls that run a usage workflow (shell scripts, crontabs, DAG strings).

1.1 ran usage workflows with ``metadata ingest``; 1.2 runs them only with ``metadata usage`` (its
``ingest`` builds a MetadataWorkflow, which has no processor/stage/bulk sink). Whether a call runs a
usage workflow is decided by reading the workflow file it names, never by its name. Lines are split
into words the way a POSIX shell does (quotes, backslashes, operators), with the position of every
word kept, so a rewrite touches the one word ``ingest`` and nothing else.
"""
from __future__ import annotations

import os
import re
from typing import Any, Callable, Optional

OPERATORS = ("&&", "||", ";;", ">>", "<<", "|&", "&>", ">&", "<&", ";", "&", "|", "(", ")", "<", ">")
REDIRECTS = ("<", ">", ">>", "<<", "&>", ">&", "<&")

# (workflow type or None, reason when None) for a workflow file path
TypeReader = Callable[[str], "tuple[Optional[str], Optional[str]]"]


class Word:
    """One shell word: its value after quote removal and its [start, end) in the line."""

    def __init__(self, value: str, start: int, end: int, operator: bool = False, plain: bool = True):
        self.value = value
        self.start = start
        self.end = end
        self.operator = operator
        self.plain = plain  # written without quotes or escapes (its text is its value)


def split_words(line: str) -> list[Word]:
    """POSIX-shell-like words of one line; a ``#`` that starts a word ends the line."""
    words: list[Word] = []
    index, length = 0, len(line)
    while index < length:
        char = line[index]
        if char in " \t\r\n":
            index += 1
            continue
        if char == "#":
            break
        operator = next((op for op in OPERATORS if line.startswith(op, index)), None)
        if operator:
            words.append(Word(operator, index, index + len(operator), operator=True))
            index += len(operator)
            continue
        start, value, plain = index, [], True
        while index < length and line[index] not in " \t\r\n" and not any(
                line.startswith(op, index) for op in OPERATORS):
            char = line[index]
            if char == "'":
                end = line.find("'", index + 1)
                end = length if end < 0 else end
                value.append(line[index + 1:end])
                index, plain = end + 1, False
            elif char == '"':
                index += 1
                plain = False
                while index < length and line[index] != '"':
                    if line[index] == "\\" and index + 1 < length and line[index + 1] in '"\\$`':
                        index += 1
                    value.append(line[index])
                    index += 1
                index += 1
            elif char == "\\" and index + 1 < length:
                value.append(line[index + 1])
                index, plain = index + 2, False
            else:
                value.append(char)
                index += 1
        words.append(Word("".join(value), start, min(index, length), plain=plain))
    return words


def _commands(words: list[Word]) -> list[list[Word]]:
    commands, current = [], []
    for word in words:
        if word.operator and word.value not in REDIRECTS:
            if current:
                commands.append(current)
            current = []
        else:
            current.append(word)
    if current:
        commands.append(current)
    return commands


def _config_arg(args: list[Word]) -> Optional[Word]:
    for position, word in enumerate(args):
        if word.value in ("-c", "--config") and position + 1 < len(args):
            return args[position + 1]
        if word.value.startswith("--config="):
            value = word.value[len("--config="):]
            return Word(value, word.end - len(value), word.end, plain=word.plain)
    return None


def find_calls(line: str) -> list[dict[str, Any]]:
    """Each ``metadata ingest`` call in one line: {"ingest": Word, "config": Word|None, "cd": str|None}."""
    found = []
    cd_dir: Optional[str] = None
    for command in _commands(split_words(line)):
        values = [w.value for w in command]
        if "cd" in values[:-1] and "metadata" not in {os.path.basename(v) for v in values}:
            cd_dir = values[values.index("cd") + 1]  # also after a cron schedule
            continue
        for position, word in enumerate(command[:-1]):
            # `metadata`, `/opt/venv/bin/metadata`, `python -m metadata`, after sudo/env/a cron schedule alike;
            # `echo metadata ingest` only prints it.
            if os.path.basename(word.value) != "metadata" or "echo" in values[:position] \
                    or "printf" in values[:position]:
                continue
            if command[position + 1].value == "ingest":
                found.append({"ingest": command[position + 1], "config": _config_arg(command[position + 2:]),
                              "cd": cd_dir})
            break
    return found


def _resolve(config: str, cd_dir: Optional[str], base_dir: str) -> Optional[str]:
    if "$" in config or "`" in config:
        return None
    config = os.path.expanduser(config) if config.startswith("~/") and os.environ.get("HOME") else config
    if os.path.isabs(config):
        return config
    if cd_dir and "$" not in cd_dir:
        base = cd_dir if os.path.isabs(cd_dir) else os.path.join(base_dir, cd_dir)
        return os.path.normpath(os.path.join(base, config))
    return os.path.normpath(os.path.join(base_dir, config))


def plan_line(line: str, *, path: str, line_number: int, base_dir: str, read_type: TypeReader,
              rewrite: bool, offset: int = 0) -> tuple[list[tuple[int, int, str]], list[str], list[dict[str, Any]]]:
    """Edits (start, end, new) relative to ``offset``, change texts and findings for one command line."""
    edits: list[tuple[int, int, str]] = []
    changes: list[str] = []
    findings: list[dict[str, Any]] = []

    def note(message: str) -> None:
        findings.append({"path": path, "line": line_number, "kind": "cli", "message": message})

    for call in find_calls(line):
        config = call["config"]
        if config is None:
            note("`metadata ingest` without -c/--config: cannot tell which workflow it runs; if it is a usage "
                 "workflow, 1.2 needs `metadata usage -c <file>`.")
            continue
        target = _resolve(config.value, call["cd"], base_dir)
        if target is None:
            note("`metadata ingest -c %s`: the file name depends on the environment; if it names a usage workflow "
                 "1.2 needs `metadata usage -c`. Check it by hand." % config.value)
            continue
        kind, why = read_type(target)
        if kind is None:
            note("`metadata ingest -c %s`: %s. Left as it is; if it is a usage workflow, 1.2 needs "
                 "`metadata usage -c`." % (config.value, why))
            continue
        if kind != "usage":
            continue
        message = ("`metadata ingest -c %s` runs a usage workflow (%s): 1.2 runs usage workflows only with "
                   "`metadata usage -c`" % (config.value, target))
        if rewrite and call["ingest"].plain:
            edits.append((offset + call["ingest"].start, offset + call["ingest"].end, "usage"))
            changes.append("line %d: metadata ingest -> metadata usage (%s is a usage workflow)" % (line_number, target))
        elif rewrite:
            note(message + "; the word `ingest` is quoted or escaped here, so it was not rewritten.")
        else:
            note(message + " (rewrite_cli=true rewrites it).")
    return edits, changes, findings


def plan_text(text: str, *, path: str, read_type: TypeReader, rewrite: bool,
              base_dir: Optional[str] = None) -> tuple[list[tuple[int, int, str]], list[str], list[dict[str, Any]]]:
    """Edits, changes and findings for a shell script or crontab (one command line at a time)."""
    base = base_dir or os.path.dirname(os.path.abspath(path))
    edits: list[tuple[int, int, str]] = []
    changes: list[str] = []
    findings: list[dict[str, Any]] = []
    offset = 0
    # A backslash-newline continues the command: blank it out with as many spaces, so offsets stay the file's.
    flat = text.replace("\\\r\n", "   ").replace("\\\n", "  ")
    number = 1
    for line in flat.split("\n"):
        if "metadata" in line and "ingest" in line and not line.lstrip().startswith("#"):
            line_edits, line_changes, line_findings = plan_line(
                line, path=path, line_number=number, base_dir=base, read_type=read_type, rewrite=rewrite,
                offset=offset)
            edits += line_edits
            changes += line_changes
            findings += line_findings
        number += 1 + text.count("\n", offset, offset + len(line))
        offset += len(line) + 1
    return edits, changes, findings


def apply_edits(text: str, edits: list[tuple[int, int, str]]) -> str:
    for start, end, new in sorted(edits, reverse=True):
        text = text[:start] + new + text[end:]
    return text


def looks_like_commands(text: str) -> bool:
    """A shell script or crontab worth reading: text that mentions the metadata CLI's ingest command."""
    return "\x00" not in text and re.search(r"\bmetadata\b[^\n]*\bingest\b", text) is not None


def plan_python_strings(text: str, *, path: str, read_type: TypeReader, rewrite: bool,
                        base_dir: Optional[str] = None) -> tuple[list[tuple[int, int, str]], list[str], list[dict[str, Any]]]:
    """CLI calls inside the string literals of a Python file (Airflow BashOperator bash_command=...)."""
    import ast

    from ansible_collections.openmetadata.ops.plugins.module_utils.ingestion.om_ingestion_python import SourceText
    try:
        tree = ast.parse(text, filename=path)
    except (SyntaxError, ValueError):
        return [], [], []  # the Python side reports the syntax error
    source = SourceText(text)
    base = base_dir or os.path.dirname(os.path.abspath(path))
    edits: list[tuple[int, int, str]] = []
    changes: list[str] = []
    findings: list[dict[str, Any]] = []
    for node in ast.walk(tree):
        if not (isinstance(node, ast.Constant) and isinstance(node.value, str) and looks_like_commands(node.value)):
            continue
        start, _end = source.span(node)
        segment = source.segment(node)
        body = segment.lstrip("rRuU")
        quote = body[:3] if body[:3] in ('"""', "'''") else body[:1]
        simple = body[len(quote):len(body) - len(quote)] == node.value and quote in ('"', "'", '"""', "'''")
        offset = start + (len(segment) - len(body)) + len(quote)
        for number, line in enumerate(node.value.split("\n")):
            line_edits, line_changes, line_findings = plan_line(
                line, path=path, line_number=node.lineno + number, base_dir=base, read_type=read_type,
                rewrite=rewrite and simple, offset=offset)
            if rewrite and not simple and any("rewrite_cli=true" in f["message"] for f in line_findings):
                for item in line_findings:
                    item["message"] = item["message"].replace(
                        " (rewrite_cli=true rewrites it).", "; the string has escapes or is built, rewrite it by hand.")
            edits += line_edits
            changes += line_changes
            findings += line_findings
            offset += len(line) + 1
    return edits, changes, findings
