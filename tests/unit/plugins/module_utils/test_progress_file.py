"""The progress file of backup and reindex (module_utils/progress.py and its users), without servers."""
from __future__ import annotations

import json
import os
import stat
from typing import Any, Optional

from ansible_collections.openmetadata.ops.plugins.module_utils.database.backup import BackupProgress
from ansible_collections.openmetadata.ops.plugins.module_utils.api.om_reindex import Reindexer, progress_values
from ansible_collections.openmetadata.ops.plugins.module_utils.progress import (
    ProgressFile, backup_summary, count, reindex_summary, size)


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def read(path) -> dict:
    return json.loads(path.read_text())


def test_no_path_writes_nothing(tmp_path):
    progress = ProgressFile(None, "backup")
    progress.update(force=True, phase="dumping")
    progress.finish("done")
    assert progress.data["state"] == "done" and not list(tmp_path.iterdir())


def test_writes_are_atomic_private_and_throttled(tmp_path):
    path = tmp_path / "p.json"
    clock = Clock()
    progress = ProgressFile(str(path), "backup", clock=clock, min_interval=1.0)
    progress.update(rows_done=1)  # the first write always happens
    assert read(path)["rows_done"] == 1
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    clock.now += 0.5
    progress.update(rows_done=2)
    assert read(path)["rows_done"] == 1  # too soon
    progress.update(force=True, phase="verifying")
    assert read(path)["rows_done"] == 2 and read(path)["phase"] == "verifying"
    clock.now += 1.0
    progress.update(rows_done=3)
    assert read(path)["rows_done"] == 3 and read(path)["elapsed_s"] == 1.5
    assert sorted(p.name for p in tmp_path.iterdir()) == ["p.json"]  # no temporary file left


def test_finish_counts_once(tmp_path):
    path = tmp_path / "p.json"
    progress = ProgressFile(str(path), "reindex")
    progress.finish("done", status="success")
    progress.finish("failed")  # e.g. the SystemExit of exit_json reaching a cleanup handler
    assert read(path)["state"] == "done" and read(path)["status"] == "success"


def test_a_write_that_fails_never_fails_the_work(tmp_path):
    progress = ProgressFile(str(tmp_path / "gone" / "p.json"), "backup")
    progress.update(force=True, phase="dumping")  # the folder does not exist
    progress.finish("done")


def test_numbers_and_sizes():
    assert count(None) == "?" and count(1234567) == "1,234,567"
    assert size(512) == "512 B" and size(45_200_000) == "45.2 MB" and size(3_400_000_000_000) == "3400.0 GB"


def test_backup_summary_lines():
    running = {"state": "running", "phase": "dumping", "method": "native", "tables_done": 12, "tables_total": 40,
               "rows_done": 120345, "rows_estimated": 310000, "bytes_written": 45_200_000,
               "current_table": "table_entity"}
    assert backup_summary(running) == ("dumping: 12/40 tables, 120,345/310,000 rows (38%), 45.2 MB written, "
                                       "table table_entity")
    done = dict(running, state="done", phase="written", tables_done=40, rows_done=310002, rows_estimated=310002)
    assert backup_summary(done) == "done (written): 40/40 tables, 310,002/310,002 rows (100%), 45.2 MB written"
    client = dict(running, method="client", rows_done=0)
    assert backup_summary(client) == "dumping: 12/40 tables, ~310,000 rows in all, 45.2 MB written, table table_entity"
    assert backup_summary({"state": "running", "phase": "connecting", "rows_done": 0}) == "connecting"


def test_reindex_summary_lines():
    assert reindex_summary({"state": "running", "phase": "connecting"}) == "connecting"
    running = {"state": "running", "phase": "running", "status": "running", "total_records": 12000,
               "success_records": 5100, "failed_records": 100}
    assert reindex_summary(running) == "running, 5,200/12,000 records, 100 failed"
    waiting = dict(running, phase="waiting for the run already going")
    assert reindex_summary(waiting).startswith("waiting for the run already going (running), ")
    assert reindex_summary(dict(running, state="done", status="success", success_records=12000,
                                failed_records=0)) == "done (success), 12,000/12,000 records, 0 failed"
    assert reindex_summary({"state": "failed", "status": "failed"}) == "failed"


def test_backup_progress_counts_rows_and_replaces_estimates(tmp_path):
    path = tmp_path / "p.json"
    written = [0]
    progress = BackupProgress(str(path), "openmetadata_db", "native", size=lambda: written[0])
    progress.file.min_interval = 0  # every update written: the test reads each step
    progress.planned(["a", "b"], {"a": 1000, "b": 10})
    assert read(path)["rows_estimated"] == 1010 and read(path)["tables_total"] == 2
    progress.table_started("a")
    assert read(path)["current_table"] == "a"
    progress.rows(250)
    assert read(path)["rows_done"] == 0  # reported every ROW_STEP rows
    written[0] = 4096
    progress.rows(BackupProgress.ROW_STEP)
    assert read(path)["rows_done"] == BackupProgress.ROW_STEP and read(path)["bytes_written"] == 4096
    progress.table_done("a", 900)  # fewer than the estimate: the exact count replaces it
    assert read(path)["rows_done"] == 900 and read(path)["rows_estimated"] == 910 and read(path)["tables_done"] == 1
    progress.table_started("b")
    progress.table_done("b", 40)  # more than estimated: never above 100 %
    data = read(path)
    assert data["rows_done"] == 940 and data["rows_estimated"] == 940 and data["tables_done"] == 2
    progress.finish("done", phase="written")
    assert read(path)["state"] == "done" and read(path)["current_table"] is None
    assert "openmetadata_db" not in read(path)["summary"]  # the role adds the database name


class Answer:
    def __init__(self, status: int, body: Any) -> None:
        self.status = status
        self.body = body

    def json(self) -> Any:
        return self.body


class FakeApi:
    """The apps API of a 1.2 server whose run goes running (with stats) -> success."""

    def __init__(self) -> None:
        self.records = [
            {"status": "running", "startTime": 2, "timestamp": 2},
            {"status": "running", "startTime": 2, "timestamp": 2,
             "successContext": {"stats": {"jobStats": {"totalRecords": 100, "successRecords": 40,
                                                       "failedRecords": 0}}}},
            {"status": "success", "startTime": 2, "timestamp": 2,
             "successContext": {"stats": {"jobStats": {"totalRecords": 100, "successRecords": 100,
                                                       "failedRecords": 0}}}},
        ]
        self.triggered = False

    def get(self, path: str, ok: Optional[tuple] = None) -> Answer:
        if path.endswith("/runs/latest"):
            if not self.triggered:
                return Answer(200, {"status": "success", "startTime": 1, "timestamp": 1})
            return Answer(200, self.records.pop(0) if len(self.records) > 1 else self.records[0])
        return Answer(200, {"id": "app-1", "name": "SearchIndexingApplication",
                            "appConfiguration": {"entities": ["table"], "recreateIndex": True}})

    def post(self, path: str, body: Any = None) -> Answer:
        self.triggered = True
        return Answer(200, {})


def test_reindexer_reports_every_status_read():
    heard = []
    reindexer = Reindexer(FakeApi(), timeout=60, poll_interval=0.01, sleep=lambda s: None,  # type: ignore[arg-type]
                          on_record=lambda phase, record: heard.append((phase, progress_values(record))))
    result = reindexer.run_apps({"entities": ["table"], "recreateIndex": True}, check_mode=False, restore=False)
    assert result["status"] == "success"
    assert heard[0] == ("triggered", {"status": None, "total_records": None, "success_records": None,
                                      "failed_records": None})
    assert ("running", {"status": "running", "total_records": 100, "success_records": 40,
                        "failed_records": 0}) in heard
    assert progress_values(result["run"])["success_records"] == 100
