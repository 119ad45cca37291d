# -*- coding: utf-8 -*-
# Copyright: (c) 2026, openmetadata.ops contributors
# Apache License 2.0 (see LICENSE or https://www.apache.org/licenses/LICENSE-2.0)
"""Rebuild OpenMetadata's search indexes through its REST API and wait for the result.

- 1.2+: the SearchIndexingApplication of the apps API. Its ``appConfiguration`` is set (JSON Patch)
  so that it recreates the indexes, ``runs/latest`` is checked so that no second run starts while
  one is going (1.2.1 would start two), the app is triggered, and ``runs/latest`` is polled until the
  new run ends.
- 1.1: ``POST /api/v1/search/reindex`` (an EventPublisherJob) and ``GET /api/v1/search/reindex/{id}``
  until it ends (used when rolling back to 1.1).
"""
from __future__ import annotations

import time
from typing import Any, Callable, Dict, List, Optional, Tuple
from urllib.parse import quote

from ansible_collections.openmetadata.ops.plugins.module_utils.api.om_api import ApiClient, ApiError
from ansible_collections.openmetadata.ops.plugins.module_utils import releases

APP_NAME = "SearchIndexingApplication"
APPS = "/api/v1/apps"
REINDEX_11 = "/api/v1/search/reindex"

# AppRunRecord.status (1.2) and EventPublisherResult.status (1.1, upper case): our reading of them.
DONE = {"success", "completed"}
FAILED = {"failed", "activeerror", "active_with_error", "stopped"}
RUNNING = {"started", "running", "active"}


class ReindexFailed(Exception):
    """The run failed or did not end in time; ``result`` holds what is known."""

    def __init__(self, msg: str, result: Dict[str, Any]) -> None:
        super().__init__(msg)
        self.msg = msg
        self.result = result


def classify(status: Optional[str]) -> str:
    """'done' | 'failed' | 'running' | 'unknown' for a run status of either API."""
    text = (status or "").lower()
    if text in DONE:
        return "done"
    if text in FAILED:
        return "failed"
    if text in RUNNING:
        return "running"
    return "unknown"


def wanted_configuration(current: Dict[str, Any], recreate: bool, entities: Optional[List[str]],
                         batch_size: Optional[int]) -> Dict[str, Any]:
    """The appConfiguration to run with. ``entities`` None keeps the app's list. ``["all"]`` also keeps the
    app's list when it names entity types: the 1.2.0 SearchIndexingApplication does not expand "all" (it
    would look for an entity type called "all"); its seed configuration lists every type."""
    wanted = dict(current)
    wanted["recreateIndex"] = recreate
    current_entities = current.get("entities")
    if entities and list(entities) != ["all"]:
        wanted["entities"] = list(entities)
    elif isinstance(current_entities, list) and current_entities:
        wanted["entities"] = list(current_entities)
    else:
        wanted["entities"] = ["all"]
    if batch_size is not None:
        wanted["batchSize"] = batch_size
    return wanted


def config_patch(current: Dict[str, Any], wanted: Dict[str, Any]) -> List[Dict[str, Any]]:
    """RFC 6902 operations on the App that turn appConfiguration ``current`` into ``wanted``.
    A string batchSize ("100", as the 1.2.0 seed data has it) equal to the number is left alone."""
    ops = []
    for key in sorted(wanted):
        value = wanted[key]
        if key in current:
            have = current[key]
            if key == "batchSize" and str(have) == str(value):
                continue
            if key == "entities" and sorted(have or []) == sorted(value):
                continue
            if have == value:
                continue
            ops.append({"op": "replace", "path": "/appConfiguration/%s" % key, "value": value})
        else:
            ops.append({"op": "add", "path": "/appConfiguration/%s" % key, "value": value})
    return ops


def failure_message(record: Dict[str, Any]) -> str:
    """The reason a run failed, from a 1.2 AppRunRecord or a 1.1 EventPublisherResult. The 1.2.0 app writes
    ``failureContext.failure`` as a plain string; later ones an object with a message."""
    context = record.get("failureContext") or record.get("failure") or {}
    texts = []
    if isinstance(context, dict) and isinstance(context.get("failure"), str) and context["failure"].strip():
        texts.append(context["failure"].strip())

    def walk(value: Any) -> None:
        if isinstance(value, dict):
            for key in ("message", "lastFailedReason", "reason", "error"):
                if isinstance(value.get(key), str):
                    texts.append(value[key])
            for key, sub in value.items():
                if isinstance(sub, (dict, list)):
                    walk(sub)
        elif isinstance(value, list):
            for sub in value:
                walk(sub)
    walk(context)
    return "; ".join(dict.fromkeys(texts)) or "no failure details in the run record"


def run_stats(record: Dict[str, Any]) -> Dict[str, Any]:
    """Stats of a run: 1.2 ``successContext.stats`` (jobStats/entityStats), 1.1 ``stats``."""
    success = record.get("successContext") or {}
    stats = success.get("stats") if isinstance(success, dict) else None
    if stats is None:
        stats = record.get("stats") or (record.get("failureContext") or {}).get("stats") or {}
    return stats if isinstance(stats, dict) else {}


def progress_values(record: Optional[Dict[str, Any]]) -> Dict[str, Any]:
    """What a status line says about a run record: its status and job stats so far (the 1.2 app
    updates ``successContext.stats`` while it runs; 1.1 updates ``stats``)."""
    if not record:
        return {"status": None, "total_records": None, "success_records": None, "failed_records": None}
    job = run_stats(record).get("jobStats") or {}
    if not isinstance(job, dict):
        job = {}

    def number(key: str) -> Optional[int]:
        try:
            return int(job[key]) if job.get(key) is not None else None
        except (TypeError, ValueError):
            return None
    return {"status": record.get("status"), "total_records": number("totalRecords"),
            "success_records": number("successRecords"), "failed_records": number("failedRecords")}


class Reindexer:
    def __init__(self, client: ApiClient, timeout: float, poll_interval: float,
                 sleep: Callable[[float], None] = time.sleep, clock: Callable[[], float] = time.monotonic,
                 on_record: Optional[Callable[[str, Optional[Dict[str, Any]]], None]] = None) -> None:
        self.client = client
        self.timeout = timeout
        self.poll_interval = poll_interval
        self.sleep = sleep
        self.clock = clock
        self.deadline = clock() + timeout
        # Hears (phase, run record) at every status read: the module's progress file.
        self.on_record = on_record or (lambda phase, record: None)

    # -- which API -------------------------------------------------------------------------------
    def server_version(self) -> Optional[str]:
        try:
            body = self.client.get("/api/v1/system/version").json()
        except ApiError:
            return None
        return str(body.get("version")) if isinstance(body, dict) and body.get("version") else None

    def choose_api(self, api: str, version: Optional[str]) -> str:
        if api != "auto":
            return api
        if version:
            try:
                return releases.reindex_api(version)  # the release table's reindex_api
            except ValueError:
                pass
        return "apps"

    # -- 1.2 apps API ------------------------------------------------------------------------------
    def get_app(self) -> Dict[str, Any]:
        try:
            return self.client.get("%s/name/%s" % (APPS, APP_NAME)).json()
        except ApiError as exc:
            if exc.status == 404:
                raise ApiError("%s: the server has no apps API or no %s installed. The apps API arrived with "
                               "OpenMetadata 1.2; for a 1.1 server use api=search_reindex (or api=auto)."
                               % (exc.msg, APP_NAME), status=404, body=exc.body, url=exc.url)
            raise

    def latest_run(self) -> Optional[Dict[str, Any]]:
        answer = self.client.get("%s/name/%s/runs/latest" % (APPS, APP_NAME), ok=(404,))
        if answer.status == 404:
            return None  # no run yet
        body = answer.json()
        return body if isinstance(body, dict) and body else None

    def wait_while_running(self, fetch: Callable[[], Optional[Dict[str, Any]]], what: str) -> Optional[Dict[str, Any]]:
        record = fetch()
        while record is not None and classify(record.get("status")) == "running":
            self.on_record("waiting for the run already going", record)
            if self.clock() >= self.deadline:
                raise ReindexFailed("%s is still running after %s s (timeout): not starting another run. Wait for it "
                                    "or raise timeout." % (what, self.timeout), {"run": record})
            self.sleep(self.poll_interval)
            record = fetch()
        return record

    def set_configuration(self, app: Dict[str, Any], wanted: Dict[str, Any], check_mode: bool) -> Tuple[bool, Dict[str, Any]]:
        current = app.get("appConfiguration") or {}
        ops = config_patch(current, wanted)
        if not ops:
            return False, app
        if check_mode:
            return True, app
        answer = self.client.patch("%s/%s" % (APPS, quote(str(app["id"]), safe="")), ops, ok=(405, 415))
        if answer.status in (405, 415):
            # Servers that do not take JSON Patch here: create-or-update with the whole configuration.
            body = {"name": app.get("name", APP_NAME), "appConfiguration": dict(current, **wanted),
                    "appSchedule": app.get("appSchedule")}
            return True, self.client.put(APPS, body).json()
        return True, answer.json()

    def run_apps(self, wanted: Dict[str, Any], check_mode: bool, restore: bool) -> Dict[str, Any]:
        app = self.get_app()
        before = dict(app.get("appConfiguration") or {})
        result: Dict[str, Any] = {"api": "apps", "configuration_before": before}
        previous = self.wait_while_running(self.latest_run, "A %s run" % APP_NAME)
        changed_config, app = self.set_configuration(app, wanted, check_mode)
        result["configuration_changed"] = changed_config
        result["configuration"] = dict(before, **wanted) if check_mode else (app.get("appConfiguration") or {})
        if check_mode:
            result["run"] = None
            return result
        started = self.clock()
        self.client.post("/api/v1/apps/trigger/%s" % APP_NAME)
        result["triggered"] = True
        mark = _run_mark(previous)
        record: Optional[Dict[str, Any]] = None
        try:
            self.on_record("triggered", None)
            while True:
                record = self.latest_run()
                if record is not None and _run_mark(record) != mark:
                    state = classify(record.get("status"))
                    if state in ("done", "failed"):
                        break
                    self.on_record("running", record)
                if self.clock() >= self.deadline:
                    result["run"] = record
                    raise ReindexFailed("The %s run did not finish within %s s (timeout); last status: %s. It may "
                                        "still be running on the server: see Settings > Applications > Search "
                                        "Indexing, or raise timeout." % (
                                            APP_NAME, self.timeout, (record or {}).get("status", "not started")),
                                        result)
                self.sleep(self.poll_interval)
        finally:
            if restore and changed_config:
                self.set_configuration(app, before, False)
                result["configuration_restored"] = True
        result["run"] = record
        result["status"] = record.get("status")
        result["stats"] = run_stats(record)
        result["duration_s"] = round(self.clock() - started, 3)
        if classify(record.get("status")) == "failed":
            raise ReindexFailed("The %s run ended with status %s: %s" % (
                APP_NAME, record.get("status"), failure_message(record)), result)
        return result

    # -- 1.1 search/reindex --------------------------------------------------------------------------
    def run_11(self, wanted: Dict[str, Any], check_mode: bool) -> Dict[str, Any]:
        result: Dict[str, Any] = {"api": "search_reindex", "configuration_changed": False,
                                  "configuration": wanted}

        def latest() -> Optional[Dict[str, Any]]:
            answer = self.client.get("%s/latest" % REINDEX_11, ok=(404,))
            return None if answer.status == 404 else answer.json()
        self.wait_while_running(latest, "A reindex job")
        if check_mode:
            result["run"] = None
            return result
        body = {"publisherType": "elasticSearch", "runMode": "batch", "entities": wanted["entities"],
                "recreateIndex": wanted["recreateIndex"], "batchSize": wanted.get("batchSize") or 100,
                "searchIndexMappingLanguage": "EN"}
        started = self.clock()
        try:
            job = self.client.post(REINDEX_11, body).json()
            result["triggered"] = True
        except ApiError as exc:
            if exc.status == 404:
                raise ApiError("%s: this server has no /api/v1/search/reindex (OpenMetadata 1.2+ reindexes through "
                               "the apps API: use api=apps or api=auto)" % exc.msg, status=404, url=exc.url)
            raise
        job_id = job.get("id")
        record = job
        while classify(record.get("status")) not in ("done", "failed"):
            self.on_record("running", record)
            if self.clock() >= self.deadline:
                result["run"] = record
                raise ReindexFailed("The reindex job %s did not finish within %s s (timeout); last status: %s"
                                    % (job_id, self.timeout, record.get("status")), result)
            self.sleep(self.poll_interval)
            record = self.client.get("%s/%s" % (REINDEX_11, quote(str(job_id), safe=""))).json()
        result["run"] = record
        result["status"] = record.get("status")
        result["stats"] = run_stats(record)
        result["duration_s"] = round(self.clock() - started, 3)
        if classify(record.get("status")) == "failed":
            reason = failure_message(record)
            raise ReindexFailed("The reindex job ended with status %s: %s" % (record.get("status"), reason), result)
        return result


def _run_mark(record: Optional[Dict[str, Any]]) -> Any:
    """What tells one run record from another: its start time (or timestamp)."""
    if not record:
        return None
    return (record.get("startTime"), record.get("timestamp"))
