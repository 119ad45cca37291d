# -*- coding: utf-8 -*-
# Copyright: (c) 2026, openmetadata.ops contributors
# Apache License 2.0 (see LICENSE or https://www.apache.org/licenses/LICENSE-2.0)
"""The backup manifest: ``<name>.manifest.json`` beside ``<name>.sql.gz``, what the dump holds.

Written last by backup (so a dump without a manifest is never used), 0600, through files.write_file_atomic;
read and checked by backup (reuse of an identical backup, retention) and by restore (the dump is intact
before anything is touched, row counts and checksums after). Its ``checksum_method`` names how
``tables[*].checksum`` was computed; a reader refuses a method it does not know.
"""
from __future__ import annotations

import glob
import json
import os
from typing import Any, Optional

from ansible_collections.openmetadata.ops.plugins.module_utils.database import mysql_engine
from ansible_collections.openmetadata.ops.plugins.module_utils.database.dumpfile import sha256_file
from ansible_collections.openmetadata.ops.plugins.module_utils.files import write_file_atomic

MANIFEST_FORMAT = "openmetadata.ops/backup"
# 2: the manifest lists the schema's other objects (``objects``) and the dump may hold
# multi-line statements (function bodies), which readers before 2 split wrongly.
MANIFEST_FORMAT_VERSION = 2
DUMP_SUFFIX = ".sql.gz"
MANIFEST_SUFFIX = ".manifest.json"
# How tables[*].checksum is computed: the sum of the first 60 bits of an MD5 per row over the
# stored columns; PostgreSQL: of the row's COPY line (postgresql_engine.row_hash); MySQL: of
# the row's literal (mysql_engine.row_hash_sql; backups before it hashed each column, and a
# restore still verifies those). A restore refuses to compare checksums made another way.
CHECKSUM_METHOD = "row-md5-60bit-sum-stored-columns"
CHECKSUM_METHODS = {"postgresql": (CHECKSUM_METHOD,), "mysql": mysql_engine.CHECKSUM_METHODS}


def checksum_method_for(engine: str) -> str:
    """The method new backups of ``engine`` use (the first of CHECKSUM_METHODS)."""
    return CHECKSUM_METHODS[engine][0]


class ManifestError(Exception):
    """The manifest is missing, damaged, not ours or too new; the message says which."""


def manifest_path_for(dump_path: str) -> str:
    return dump_path[: -len(DUMP_SUFFIX)] + MANIFEST_SUFFIX if dump_path.endswith(DUMP_SUFFIX) \
        else dump_path + MANIFEST_SUFFIX


def load_manifest(path: str) -> dict[str, Any]:
    try:
        with open(path, "r", encoding="utf-8") as handle:
            manifest = json.load(handle)
    except FileNotFoundError:
        raise ManifestError("backup manifest %s does not exist" % path) from None
    except (OSError, ValueError) as exc:
        raise ManifestError("backup manifest %s cannot be read (%s): it is damaged; use another backup"
                            % (path, exc)) from None
    if not isinstance(manifest, dict) or manifest.get("format") != MANIFEST_FORMAT:
        raise ManifestError("%s is not an openmetadata.ops backup manifest" % path)
    if manifest.get("format_version", 0) > MANIFEST_FORMAT_VERSION:
        raise ManifestError("backup manifest %s has format version %s; this collection reads up to %d: "
                            "upgrade the openmetadata.ops collection" % (
                                path, manifest.get("format_version"), MANIFEST_FORMAT_VERSION))
    return manifest


def manifests_in(dest: str) -> list[tuple[str, dict[str, Any]]]:
    found = []
    for path in sorted(glob.glob(os.path.join(glob.escape(dest), "*" + MANIFEST_SUFFIX))):
        try:
            found.append((path, load_manifest(path)))
        except ManifestError:
            continue
    return found


def dump_path_of(manifest_path: str, manifest: dict[str, Any]) -> str:
    return os.path.join(os.path.dirname(manifest_path), manifest["file"])


def verify_file(manifest_path: str, manifest: dict[str, Any]) -> Optional[str]:
    """None when the dump file is present and intact, else what is wrong."""
    path = dump_path_of(manifest_path, manifest)
    if not os.path.isfile(path):
        return "dump file %s is missing" % path
    if os.path.getsize(path) != manifest.get("size"):
        return "dump file %s has %d bytes, the manifest says %s: it is truncated or was changed" % (
            path, os.path.getsize(path), manifest.get("size"))
    actual = sha256_file(path)
    if actual != manifest.get("sha256"):
        return "dump file %s is corrupted: sha256 %s, the manifest says %s" % (path, actual, manifest.get("sha256"))
    return None


def write_manifest(path: str, manifest: dict[str, Any]) -> None:
    """Write ``manifest`` to ``path`` (0600, atomically: the manifest appears whole or not at all)."""
    write_file_atomic(path, (json.dumps(manifest, indent=2, sort_keys=True) + "\n").encode())
