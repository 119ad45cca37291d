# -*- coding: utf-8 -*-
# Copyright: (c) 2026, openmetadata.ops contributors
# Apache License 2.0 (see LICENSE or https://www.apache.org/licenses/LICENSE-2.0)
"""The ``${VAR:-default}`` syntax: one pattern and what a value becomes once it is substituted.

OpenMetadata's server (Dropwizard, commons-text) substitutes ``${NAME}``, ``${NAME:-default}`` and
``${NAME-default}`` in openmetadata.yaml before YAML parses the text; docker compose does the same in
compose files. Every reader and editor of those files (om_config, om_config_env, om_compose, om_redact)
takes the pattern and the substitution rule from here.
"""
from __future__ import annotations

import re
from typing import Any, Optional

# ${NAME}, ${NAME:-default}, ${NAME-default}: groups name, op (None without a default) and default.
INTERPOLATION = re.compile(r"\$\{(?P<name>[A-Za-z_][A-Za-z0-9_.]*)(?:(?P<op>:-|-)(?P<default>[^}]*))?\}")


def whole(text: Any) -> Optional["re.Match[str]"]:
    """The match when ``text`` (trimmed) is one reference with a default (``${NAME:-x}``), else None."""
    match = INTERPOLATION.fullmatch(str(text or "").strip())
    return match if match is not None and match.group("op") is not None else None


def has_default(text: str) -> bool:
    """``text`` holds a reference with a default (``${NAME:-x}``, ``${NAME-x}``)."""
    return any(match.group("op") is not None for match in INTERPOLATION.finditer(text))


def unquote(value: Any) -> str:
    """'"x"' -> 'x', "'x'" -> 'x'; other values as text, trimmed."""
    text = "" if value is None else str(value).strip()
    if len(text) >= 2 and text[0] == text[-1] and text[0] in "\"'":
        return text[1:-1]
    return text


def resolve(text: Any, env: dict[str, str]) -> Any:
    """Dropwizard-style substitution: a variable set (even to "") wins, else its default; a variable
    without default that is unset stays as written. Non-strings come back unchanged."""
    if not isinstance(text, str):
        return text

    def one(match: "re.Match[str]") -> str:
        name = match.group("name")
        if name in env and env[name] is not None:
            return str(env[name])
        if match.group("op") is not None:
            return match.group("default")
        return match.group(0)
    return INTERPOLATION.sub(one, text)


def yaml_scalar(text: str) -> Any:
    """What YAML makes of a substituted plain value (Dropwizard substitutes before parsing):
    '""' -> '', ' "x"' -> 'x', '3' -> 3, 'true' -> True."""
    stripped = text.strip()
    if len(stripped) >= 2 and stripped[0] == stripped[-1] and stripped[0] in "\"'":
        return stripped[1:-1]
    if re.fullmatch(r"[-+]?\d+", stripped):
        return int(stripped)
    if stripped.lower() in ("true", "false"):
        return stripped.lower() == "true"
    return stripped
