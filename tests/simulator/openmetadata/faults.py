# -*- coding: utf-8 -*-
# Copyright: (c) 2026, openmetadata.ops contributors
# Apache License 2.0 (see LICENSE or https://www.apache.org/licenses/LICENSE-2.0)
"""Failure knobs of the stand-in (documented in tests/simulator/README.md).

Read from ``<release>/conf/standin-faults.json`` and then env ``OM_STANDIN_FAULTS`` (JSON text),
the environment winning key by key. Keys:

* ``migration_crash_at``: N (1-based statement of a version's schemaChanges + postData, in file
  order): migrate-all stops before running it. ``migration_crash_version`` (default "1.2.0") picks
  the version; ``migration_crash_mode`` "error" (default: fails like a SQL error, exit 1) or
  "kill" (the process kills itself with SIGKILL: nothing logged, like a killed JVM).
* ``migration_search_unreachable``: true: es-migrate (the last step of migrate-all, after the database
  part) finds the search engine refusing connections: it logs an ERROR per index and exits 0, as
  upstream does (a search engine gone between the upgrade's index deletion and its migration).
* ``migration_pause_file``: a path; before statement ``migration_pause_at`` (default 1) of
  ``migration_crash_version`` the migration writes ``<path>.reached`` (its PID) and waits while the
  file exists (a test stops the database under a running migration, then lets it go on).
* ``refuse_start``: true or a message: the server logs it and exits 1 at start.
* ``start_delay_seconds``: seconds the server waits before it listens (slow start).
* ``apps_api_500``: true: every /api/v1/apps call answers 500.
* ``reindex_fail``: true: reindex runs end in status failed (1.2 apps and 1.1 search/reindex).
* ``pipeline_deploy_fail``: true, or a list of pipeline names / ids: their deploys fail as an
  unreachable Airflow would (pipelines.py).
* ``reindex_batch_delay_seconds``: seconds a reindex run waits after each bulk request (a slow run,
  whose record shows growing stats while it runs).
* ``reindex_pause_file``: a path; while that file exists, a reindex run waits after each bulk request
  (a test holds a run half-way, then lets it finish).
"""
from __future__ import annotations

import json
import os
import pathlib
from typing import Any, Dict, Mapping, Optional

KNOWN = {"migration_crash_at", "migration_crash_version", "migration_crash_mode", "migration_search_unreachable",
         "refuse_start", "start_delay_seconds", "apps_api_500", "reindex_fail", "reindex_batch_delay_seconds",
         "pipeline_deploy_fail", "reindex_pause_file", "migration_pause_file", "migration_pause_at"}


class FaultError(Exception):
    pass


def load(home: pathlib.Path, env: Optional[Mapping[str, str]] = None) -> Dict[str, Any]:
    env = os.environ if env is None else env
    faults: Dict[str, Any] = {}
    path = home / "conf" / "standin-faults.json"
    sources = []
    if path.is_file():
        sources.append((str(path), path.read_text(encoding="utf-8")))
    if env.get("OM_STANDIN_FAULTS", "").strip():
        sources.append(("OM_STANDIN_FAULTS", env["OM_STANDIN_FAULTS"]))
    for where, text in sources:
        try:
            data = json.loads(text)
        except ValueError as exc:
            raise FaultError("%s is not JSON: %s" % (where, exc)) from exc
        if not isinstance(data, dict):
            raise FaultError("%s must hold a JSON object" % where)
        unknown = set(data) - KNOWN
        if unknown:
            raise FaultError("%s: unknown fault knobs %s; known: %s" % (where, sorted(unknown), sorted(KNOWN)))
        faults.update(data)
    return faults
