# -*- coding: utf-8 -*-
# Copyright: (c) 2026, openmetadata.ops contributors
# Apache License 2.0 (see LICENSE or https://www.apache.org/licenses/LICENSE-2.0)
"""This collection's version and how version texts compare (the tolerant parser, newest, matches, the
one ``minor()``). What OpenMetadata's releases are and which upgrades are supported is the release table
and its gate in ``releases.py``."""
from __future__ import annotations

from typing import Optional

# Kept equal to galaxy.yml's version (a unit test checks it); written into every manifest.
COLLECTION_VERSION = "0.1.0"


def parse(version: str) -> tuple[int, ...]:
    """'1.1.7' -> (1, 1, 7); '1.1.7.0' and 'v1.2.0-release' are tolerated; '014' -> (14,)."""
    text = version.strip().lstrip("vV")
    for sep in ("-", "+", " "):
        text = text.split(sep, 1)[0]
    parts = []
    for piece in text.split("."):
        if not piece.isdigit():
            raise ValueError("not a version: %r" % version)
        parts.append(int(piece))
    return tuple(parts)


def newest(versions: list[str]) -> Optional[str]:
    """The highest version by numeric components (never a string MAX: '1.1.10' > '1.1.9')."""
    valid = []
    for version in versions:
        try:
            valid.append((parse(version), version))
        except ValueError:
            continue
    return max(valid)[1] if valid else None


def matches(actual: str, expected: str) -> bool:
    """True when ``actual`` equals ``expected`` on every component ``expected`` gives:
    matches('1.1.7', '1.1') and matches('1.1.7', '1.1.7') are true."""
    want = parse(expected)
    have = parse(actual)
    return have[: len(want)] == want


def minor(version: str) -> str:
    """'1.2.5' -> '1.2'."""
    parts = parse(version)
    return "%d.%d" % (parts[0], parts[1] if len(parts) > 1 else 0)
