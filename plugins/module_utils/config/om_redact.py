# -*- coding: utf-8 -*-
# Copyright: (c) 2026, openmetadata.ops contributors
# Apache License 2.0 (see LICENSE or https://www.apache.org/licenses/LICENSE-2.0)
"""Secret values in configuration text (openmetadata.yaml, env files, compose files), masked before
the text is shown. A ``--diff`` ends up in job logs and AWX job events, where the database password
written as a ``${DB_USER_PASSWORD:-...}`` default or in an env file must not appear."""
from __future__ import annotations

import re

from ansible_collections.openmetadata.ops.plugins.module_utils.config.env_syntax import INTERPOLATION, has_default

MASK = "********"
# Keys (YAML keys, env variable names) whose value is a secret.
SECRET_NAME = re.compile(r"pass(?:word|wd)?|secret|token|private_?key|api_?key|credential", re.IGNORECASE)
# ...unless the key names where the secret is, or how it is handled, not the secret itself.
NOT_A_SECRET = re.compile(r"(?:path|file|url|uri|class|enabled|type|mode|manager|provider|configuration|expiry"
                          r"|expiration|length|name)$", re.IGNORECASE)
# `key: value` (YAML, also as a list item) or `NAME=value` (env file, `export NAME=value`, compose `- NAME=value`).
LINE = re.compile(r"^(?P<lead>\s*(?:-\s+)?(?:export\s+)?)(?P<quote>[\"']?)(?P<key>[A-Za-z_][A-Za-z0-9_.-]*)(?P=quote)"
                  r"(?P<sep>\s*:\s+|\s*=\s*)(?P<value>.*?)(?P<trail>\s*)$")


def is_secret_name(name: str) -> bool:
    return bool(SECRET_NAME.search(name)) and not NOT_A_SECRET.search(name)


def _mask_defaults(text: str, every: bool) -> str:
    """${NAME:-default} / ${NAME-default}: only the default is a value; the name says where it comes from."""
    def one(match: "re.Match[str]") -> str:
        if not match.group("default") or not (every or is_secret_name(match.group("name"))):
            return match.group(0)
        return "${%s%s%s}" % (match.group("name"), match.group("op"), MASK)
    return INTERPOLATION.sub(one, text)


def _mask_line(line: str) -> str:
    match = LINE.match(line)
    if not match or not is_secret_name(match.group("key")):
        return _mask_defaults(line, every=False)
    value = match.group("value")
    if value in ("", '""', "''", "|", ">", "|-", ">-") or value.startswith("#") or value == MASK:
        return line
    if has_default(value):
        masked = _mask_defaults(value, every=True)
    else:
        masked = MASK
    return match.group("lead") + match.group("quote") + match.group("key") + match.group("quote") + \
        match.group("sep") + masked + match.group("trail")


def mask(text: str) -> str:
    """``text`` with the values of secret keys (and secret ``${VAR:-default}`` defaults) replaced by ********."""
    return "".join(_mask_line(line[:-1]) + "\n" if line.endswith("\n") else _mask_line(line)
                   for line in text.splitlines(True))
