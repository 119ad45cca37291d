# -*- coding: utf-8 -*-
# Copyright: (c) 2026, openmetadata.ops contributors
# Apache License 2.0 (see LICENSE or https://www.apache.org/licenses/LICENSE-2.0)
"""Secret values in configuration text (openmetadata.yaml, env files, compose files, workflows), masked before
the text is shown. A ``--diff``, a ``changes`` line or a message ends up in job logs and AWX job events, where
the database password written as a ``${DB_USER_PASSWORD:-...}`` default, in an env file, a compose
``environment:`` list, a block scalar, a ``password=`` parameter of a JDBC URL or ``DB_PARAMS`` must not appear.

Two passes, one helper (:class:`Redactor`): by place (the value of a key whose name says secret, a secret URL
parameter, the password of ``user:password@host``) and by value (every secret found that way in the files
being edited, plus the values of the module's ``no_log`` options, wherever else they appear). Only the reported
text is masked; the files are edited byte for byte as they are.
"""
from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from typing import Any, Optional, Tuple

from ansible_collections.openmetadata.ops.plugins.module_utils.config.env_syntax import INTERPOLATION

MASK = "********"
# Values shorter than this are not masked by value (they still are by place): a one- to three-character
# value (`5`, `on`, `db`) would mask every occurrence of that text in paths, numbers and words of the whole
# report, and a secret that short is no secret to guard.
MIN_VALUE_LENGTH = 4
# Values under a secret key that are not a secret (YAML nulls and booleans, the mask itself).
NOT_A_VALUE = frozenset(("null", "none", "true", "false", "yes", "no", "on", "off", "~", MASK))

# Keys (YAML keys, env variable names, URL parameters) whose value is a secret.
SECRET_NAME = re.compile(r"pass(?:word|wd)?|pwd|secret|token|private_?key|api_?key|credential", re.IGNORECASE)
# ...unless the key names where the secret is, or how it is handled, not the secret itself.
NOT_A_SECRET = re.compile(r"(?:path|file|url|uri|class|enabled|type|mode|manager|provider|configuration|expiry"
                          r"|expiration|time|timeout|ttl|seconds|length|name|ref)$", re.IGNORECASE)
# `key: value` (YAML, also as a list item) or `NAME=value` (env file, `export NAME=value`, compose `- NAME=value`).
LINE = re.compile(r"^(?P<lead>\s*(?:-\s+)?(?:export\s+)?)(?P<quote>[\"']?)(?P<key>[A-Za-z_][A-Za-z0-9_.-]*)(?P=quote)"
                  r"(?P<sep>\s*:\s+|\s*=\s*)(?P<value>.*?)(?P<trail>\s*)$")
# A compose `environment:` list item quoted as a whole: `- "NAME=value"`, `- 'NAME=value'`.
QUOTED_ITEM = re.compile(r"^\s*-\s+(?P<quote>[\"'])(?P<key>[A-Za-z_][A-Za-z0-9_.-]*)=(?P<value>.*)(?P=quote)\s*(?:#.*)?$")
# A block scalar indicator (`|`, `>-`, `|2+`), possibly followed by a comment: the secret is on the lines below.
BLOCK = re.compile(r"^[|>](?:[1-9]?[+-]?|[+-]?[1-9]?)(?:\s+#.*)?$")
# `name=value` anywhere: a URL query or DB_PARAMS parameter (`?user=u&password=p`), a `--password=p` argument.
PARAM = re.compile(r"(?<![A-Za-z0-9_.])(?P<key>[A-Za-z_][A-Za-z0-9_.-]*)=(?P<value>[^&;\s\"'}#,]+)")
# The password of `scheme://user:password@host`.
USERINFO = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*://[^:/@\s?#]*:(?P<value>[^@/\s?#&]+)@")
# `key: value` inside a flow mapping or a JSON object on one line: `{user: u, password: p}`.
FLOW = re.compile(r"[{,]\s*(?P<quote>[\"']?)(?P<key>[A-Za-z_][A-Za-z0-9_.-]*)(?P=quote)\s*:\s*"
                  r"(?P<value>\"[^\"]*\"|'[^']*'|[^,}\s][^,}]*?)\s*(?=[,}])")

Span = Tuple[int, int]  # (start, end) offsets of a secret in a text


def is_secret_name(name: str) -> bool:
    return bool(SECRET_NAME.search(name)) and not NOT_A_SECRET.search(name)


def _clean(raw: str) -> str:
    """The secret a masked span holds: without quotes, a trailing JSON comma or a YAML comment."""
    value = raw.strip()
    if value.endswith(","):
        value = value[:-1].rstrip()
    if value[:1] in "\"'":
        end = value.find(value[0], 1)
        return value[1:end] if end > 0 else value[1:]
    return re.sub(r"\s+#.*$", "", value)


def _defaults(line: str, start: int, every: bool) -> list[Span]:
    """${NAME:-default} / ${NAME-default}: only the default is a value; the name says where it comes from."""
    return [match.span("default") for match in INTERPOLATION.finditer(line, start)
            if match.group("default") and (every or is_secret_name(match.group("name")))]


def _inline(line: str) -> list[Span]:
    """Secrets inside a line whatever its key: secret ${VAR:-default}s, URL/DB_PARAMS parameters, URL passwords,
    flow mappings."""
    spans = _defaults(line, 0, every=False)
    match = PARAM.search(line)
    while match:
        value = match.group("value")
        if is_secret_name(match.group("key")):
            if not value.startswith("$") and value != MASK:
                spans.append(match.span("value"))
            match = PARAM.search(line, match.end())
        else:  # `DB_PARAMS=password=x`: the value may begin with the secret parameter
            match = PARAM.search(line, match.start("value"))
    for match in USERINFO.finditer(line):
        if not match.group("value").startswith("$"):
            spans.append(match.span("value"))
    for match in FLOW.finditer(line):
        if not is_secret_name(match.group("key")) or _clean(match.group("value")).lower() in NOT_A_VALUE | {""}:
            continue
        if INTERPOLATION.search(match.group("value")):
            spans.extend(span for span in _defaults(line, match.start("value"), every=True) if span[1] <= match.end())
        else:
            spans.append(match.span("value"))
    return spans


def _line_spans(line: str) -> tuple[list[Span], bool]:
    """The secret spans of one line, and whether the lines below (a block scalar) hold a secret."""
    item = QUOTED_ITEM.match(line)
    if item and is_secret_name(item.group("key")):
        return ([item.span("value")] if item.group("value") else []), False
    match = LINE.match(line)
    if not match or not is_secret_name(match.group("key")):
        return _inline(line), False
    value = match.group("value")
    if BLOCK.match(value):
        return [], True
    if value in ("", '""', "''") or value.startswith("#") or value == MASK:
        return [], False
    if INTERPOLATION.search(value):
        return _defaults(line, match.start("value"), every=True), False
    return [match.span("value")], False


def _spans(text: str) -> list[Span]:
    """Where the secrets are in ``text``: (start, end) offsets, in order."""
    spans: list[Span] = []
    offset = 0
    block_indent = -1  # >= 0 while inside a secret block scalar: the indentation of its key's line
    for line in text.splitlines(True):
        body = line.rstrip("\r\n")
        indent = len(body) - len(body.lstrip())
        if block_indent >= 0:
            if not body.strip():
                offset += len(line)
                continue
            if indent > block_indent:
                spans.append((offset + indent, offset + len(body.rstrip())))
                offset += len(line)
                continue
            block_indent = -1
        found, opens_block = _line_spans(body)
        spans.extend((offset + start, offset + end) for start, end in found)
        if opens_block:
            lead = LINE.match(body)  # `- password: |`: the key, and so its block, starts after the dash
            block_indent = len(lead.group("lead")) if lead and "-" in lead.group("lead") else indent
        offset += len(line)
    return sorted(spans)


def secrets_in(text: str) -> set[str]:
    """The secret values written in ``text`` (by place), without quotes."""
    return {_clean(text[start:end]) for start, end in _spans(text)} - {""}


def _by_place(text: str) -> str:
    out, last = [], 0
    for start, end in _spans(text):
        if end <= last:
            continue  # inside a span already masked
        start = max(start, last)
        out.append(text[last:start] + MASK)
        last = end
    return "".join(out) + text[last:]


def maskable(value: Any) -> bool:
    """A value worth masking wherever it appears (see MIN_VALUE_LENGTH)."""
    text = str(value).strip() if value is not None else ""
    return len(text) >= MIN_VALUE_LENGTH and text.lower() not in NOT_A_VALUE and text.strip("*") != ""


class Redactor:
    """Masks secrets in what a module reports. Learns the secrets of every file it reads (:meth:`learn`) and
    takes the values of the module's ``no_log`` options (:meth:`add`); :meth:`text` masks a string by place
    and then by value, :meth:`result` every string in a result structure."""

    def __init__(self, values: Iterable[Any] = ()) -> None:
        self.values: set[str] = set()
        self._pattern: Optional["re.Pattern[str]"] = None
        self.add(values)

    def add(self, values: Iterable[Any]) -> None:
        for value in values:
            if isinstance(value, Mapping):
                self.add(value.values())
            elif isinstance(value, (list, tuple, set)):
                self.add(value)
            elif value is not None and not isinstance(value, bool) and maskable(value):
                self.values.add(str(value).strip())
        self._pattern = None

    def learn(self, text: str) -> str:
        """Remember the secrets of a file's text; returns the text."""
        self.add(secrets_in(text))
        return text

    def text(self, text: str) -> str:
        masked = _by_place(text)
        if not self.values:
            return masked
        if self._pattern is None:
            # Longest first, so a secret that contains another is masked whole. A secret that starts (ends) with a
            # letter, digit or _ is masked where no such character comes before (after) it: the password `admin`
            # is masked in `-admin}`, `=admin&`, `:admin@`, not inside `adminPrincipals` or `openmetadata_admin`.
            self._pattern = re.compile("|".join(
                (r"(?<!\w)" if re.match(r"\w", v) else "") + re.escape(v) + (r"(?!\w)" if re.search(r"\w$", v) else "")
                for v in sorted(self.values, key=len, reverse=True)))
        return self._pattern.sub(MASK, masked)

    def result(self, value: Any) -> Any:
        """``value`` (a string, or lists and dicts of them) with every string masked; other scalars as they are."""
        if isinstance(value, str):
            return self.text(value)
        if isinstance(value, Mapping):
            return {key: self.result(item) for key, item in value.items()}
        if isinstance(value, (list, tuple)):
            return [self.result(item) for item in value]
        return value


def mask(text: str, values: Iterable[Any] = ()) -> str:
    """``text`` with the values of secret keys (secret ``${VAR:-default}`` defaults, URL passwords and parameters)
    replaced by ********, and every one of ``values`` (see MIN_VALUE_LENGTH) wherever it appears."""
    return Redactor(values).text(text)
