# -*- coding: utf-8 -*-
# Copyright: (c) 2026, openmetadata.ops contributors
# Apache License 2.0 (see LICENSE or https://www.apache.org/licenses/LICENSE-2.0)
"""How far a long module run is, in a small JSON file the roles read while it runs.

A module started with ``async`` cannot talk to the controller until it ends; the roles poll
the job and read this file in between (``slurp``) to print a status line. The file holds
counts and names only, never a connection parameter or a secret. Each write goes to a
temporary file in the same folder and is renamed into place, so a reader never sees half
a document; writes are throttled because a dump reports every few hundred rows.
"""
from __future__ import annotations

import datetime
import json
import time
from typing import Any, Callable, Dict, Optional

from ansible_collections.openmetadata.ops.plugins.module_utils.files import write_file_atomic

MIN_INTERVAL = 1.0  # seconds between two writes, except for the first and the last


class ProgressFile:
    """Writes ``{"task": ..., "state": "running"|"done"|"failed", ...}`` to ``path``.

    ``path`` None makes every call a no-op, so callers need no ``if``. A write that fails
    (full disk, folder removed) is dropped: progress must never fail the real work.
    """

    def __init__(self, path: Optional[str], task: str, clock: Callable[[], float] = time.monotonic,
                 min_interval: float = MIN_INTERVAL,
                 summary: Optional[Callable[[Dict[str, Any]], str]] = None) -> None:
        self.path = path
        self.summary = summary  # data -> the one-line status the roles print
        self.clock = clock
        self.min_interval = min_interval
        self.data: Dict[str, Any] = {"task": task, "state": "running",
                                     "started_at": _now(), "updated_at": _now(), "elapsed_s": 0.0}
        self._started = clock()
        self._last_write: Optional[float] = None

    def update(self, force: bool = False, **values: Any) -> None:
        """Merge ``values`` and write when the last write is older than the interval."""
        self.data.update(values)
        if self.path is None:
            return
        now = self.clock()
        if not force and self._last_write is not None and now - self._last_write < self.min_interval:
            return
        self._last_write = now
        self.data["updated_at"] = _now()
        self.data["elapsed_s"] = round(now - self._started, 1)
        if self.summary is not None:
            self.data["summary"] = self.summary(self.data)
        self._write()

    def finish(self, state: str, **values: Any) -> None:
        """The last write: ``done`` or ``failed``. Only the first call counts (a module's
        exit_json raises SystemExit, which a caller's cleanup must not turn into a failure)."""
        if self.data.get("state") != "running":
            return
        values["state"] = state
        self.update(force=True, **values)

    def _write(self) -> None:
        if self.path is None:
            return
        try:
            write_file_atomic(self.path, json.dumps(self.data, sort_keys=True).encode("utf-8"))
        except (OSError, TypeError, ValueError):
            pass  # progress is a courtesy: it never fails the backup or the reindex


def _now() -> str:
    return datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def count(value: Optional[int]) -> str:
    """1234567 -> '1,234,567' ('?' when unknown)."""
    return "?" if value is None else "{:,}".format(int(value))


def size(value: Optional[int]) -> str:
    """Bytes in a short human form: 512 B, 45.2 MB, 1.3 GB."""
    number = float(value or 0)
    for unit in ("B", "kB", "MB", "GB"):
        if number < 1000 or unit == "GB":
            return ("%d %s" % (number, unit)) if unit == "B" else ("%.1f %s" % (number, unit))
        number /= 1000
    return "%.1f TB" % number  # pragma: no cover - the loop always returns


def backup_summary(data: Dict[str, Any]) -> str:
    """'dumping: 12/40 tables, 120,345/310,000 rows (39%), 45.2 MB written, table table_entity'."""
    parts = []
    if data.get("tables_total") is not None:
        parts.append("%s/%s tables" % (count(data.get("tables_done")), count(data.get("tables_total"))))
    done, total = data.get("rows_done"), data.get("rows_estimated")
    if data.get("method") == "client" and data.get("state") == "running":
        if total:
            parts.append("~%s rows in all" % count(total))
    elif total:
        parts.append("%s/%s rows (%d%%)" % (count(done), count(total), min(100, 100 * (done or 0) // total)))
    elif done:
        parts.append("%s rows" % count(done))
    if data.get("bytes_written"):
        parts.append("%s written" % size(data.get("bytes_written")))
    if data.get("current_table") and data.get("state") == "running":
        parts.append("table %s" % data["current_table"])
    elif data.get("current_table") and data.get("state") == "failed":
        parts.append("at table %s" % data["current_table"])  # where a stopped or failed backup was
    head = data.get("phase") or data.get("state") or "running"
    if data.get("state") in ("done", "failed"):
        head = "%s (%s)" % (data["state"], head)
    return "%s: %s" % (head, ", ".join(parts)) if parts else head


def reindex_summary(data: Dict[str, Any]) -> str:
    """'running, 5,200/12,000 records, 0 failed'."""
    status = data.get("status") or data.get("phase") or "starting"
    if data.get("state") in ("done", "failed"):
        status = data["state"] if str(status).lower() == data["state"] else "%s (%s)" % (data["state"], status)
    elif data.get("phase") and data.get("phase") not in ("running",) and data.get("status"):
        status = "%s (%s)" % (data["phase"], data["status"])
    success, failed, total = data.get("success_records"), data.get("failed_records"), data.get("total_records")
    if success is None and total is None:
        return status
    handled = (success or 0) + (failed or 0)
    return "%s, %s/%s records, %s failed" % (status, count(handled), count(total), count(failed or 0))
