# -*- coding: utf-8 -*-
# Copyright: (c) 2026, openmetadata.ops contributors
# Apache License 2.0 (see LICENSE or https://www.apache.org/licenses/LICENSE-2.0)
"""The stand-in server process: ``python -m tests.simulator.openmetadata.server --home H [conf]``.

Start-up as upstream: read the conf, connect to the database, refuse with the "pending migrations"
message when the change-log tables are behind this release, then serve the application port
(REST under /api/v1) and the admin port (/healthcheck, /ping). Endpoints and shapes follow the
project's SERVER-API-AND-LAYOUT notes; see tests/simulator/README.md for the list.
"""
from __future__ import annotations

import argparse
import base64
import json
import pathlib
import signal
import sys
import threading
import time
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Dict, List, Optional, Tuple
from urllib.parse import parse_qs, unquote, urlsplit

from . import conf as confm
from . import db as dbm
from . import faults as faultm
from . import pipelines as pipelinesm
from . import reindex as reindexm
from .migrate import MigrationFailure, validate_for_server
from .releases import Release
from .releases import release as get_release

APP_NAME = "SearchIndexingApplication"
# Endpoints without a token (upstream's JwtFilter exclusions that matter here).
PUBLIC = ("/api/v1/system/version", "/api/v1/system/config/jwks", "/api/v1/system/config/auth",
          "/api/v1/system/config/authorizer", "/api/v1/users/login", "/api/v1/users/signup")
_SEED_ENTITIES = ["table", "dashboard", "topic", "pipeline", "searchIndex", "user", "team", "glossaryTerm",
                  "mlmodel", "tag", "classification", "query", "container", "database", "databaseSchema",
                  "testCase", "testSuite", "chart", "dashboardDataModel", "databaseService", "messagingService",
                  "dashboardService", "pipelineService", "mlmodelService", "storageService", "metadataService",
                  "searchService", "entityReportData", "webAnalyticEntityViewReportData",
                  "webAnalyticUserActivityReportData", "domain", "storedProcedure", "dataProduct"]


def now_ms() -> int:
    return int(time.time() * 1000)


def log(text: str, level: str = "INFO") -> None:
    sys.stdout.write("%s [%s] [main] o.o.s.OpenMetadataApplication - %s\n"
                     % (level, time.strftime("%Y-%m-%d %H:%M:%S", time.gmtime()), text))
    sys.stdout.flush()


class HttpError(Exception):
    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


class State:  # pylint: disable=too-many-instance-attributes
    """Everything the handlers share."""

    def __init__(self, home: pathlib.Path, release: Release, conf: confm.ServerConf, faults: Dict[str, Any]) -> None:
        self.home = home
        self.release = release
        self.conf = conf
        self.faults = faults
        self.token = confm.accepted_token(home)
        self.lock = threading.Lock()
        self.jobs_11: Dict[str, Dict[str, Any]] = {}
        self.started = now_ms()

    def connect(self) -> Any:
        return dbm.connect(self.conf.db)

    # ---- 1.2 application records ------------------------------------------------------------
    def app(self, conn: Any) -> Optional[Dict[str, Any]]:
        rows = dbm.query(conn, "SELECT json FROM installed_apps WHERE nameHash = %s", (dbm.fqn_hash(APP_NAME),))
        return dbm.json_value(rows[0][0]) if rows else None

    def save_app(self, conn: Any, app: Dict[str, Any]) -> None:
        dbm.execute(conn, "UPDATE installed_apps SET json = %s WHERE nameHash = %s",
                    (json.dumps(app), dbm.fqn_hash(app["name"])))

    def seed_app(self, conn: Any) -> None:
        if not dbm.table_exists(self.conf.db.engine, conn, "installed_apps") or self.app(conn):
            return
        app_id = str(uuid.uuid4())
        app = {"id": app_id, "name": APP_NAME, "displayName": "Search Indexing",
               "description": "Application to index data into the configured search engine.",
               "fullyQualifiedName": APP_NAME, "version": 0.1, "updatedAt": now_ms(), "updatedBy": "admin",
               "href": "http://localhost:8585/api/v1/apps/%s" % app_id, "deleted": False,
               "className": "org.openmetadata.service.apps.bundles.searchIndex.SearchIndexApp",
               "appType": "internal", "scheduleType": "Scheduled", "permission": "All",
               "runtime": {"enabled": True}, "features": "Sync OpenMetadata and Elastic Search and Recreate Indexes.",
               "appConfiguration": {"entities": _SEED_ENTITIES, "recreateIndex": True, "batchSize": "100",
                                    "searchIndexMappingLanguage": "EN"},
               "appSchedule": {"scheduleType": "Custom", "cronExpression": "0 0 0 1/1 * ? *"}}
        dbm.execute(conn, "INSERT INTO installed_apps (nameHash, json) VALUES (%s, %s)",
                    (dbm.fqn_hash(APP_NAME), json.dumps(app)))
        log("Installed application %s" % APP_NAME)

    def runs(self, conn: Any, app_id: str) -> List[Dict[str, Any]]:
        rows = dbm.query(conn, "SELECT json FROM apps_extension_time_series WHERE appId = %s", (app_id,))
        records = [dbm.json_value(r[0]) for r in rows]
        return sorted(records, key=lambda r: r.get("timestamp", 0), reverse=True)

    def save_run(self, record: Dict[str, Any], new: bool) -> None:
        conn = self.connect()
        try:
            if new:
                dbm.execute(conn, "INSERT INTO apps_extension_time_series (json) VALUES (%s)", (json.dumps(record),))
            else:
                dbm.execute(conn, "UPDATE apps_extension_time_series SET json = %s WHERE appId = %s AND "
                                  "timestamp = %s", (json.dumps(record), record["appId"], record["timestamp"]))
        finally:
            conn.close()


def _ints(value: Any, default: int) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        return default


# The 1.2.0 app's run record (AppRunRecord.status of 1.2.0 has only running/failed/success, per the
# openmetadata-ingestion 1.2.0.1 generated model; 1.2.1 added started/completed/active/activeError/stopped):
# no stats until the end, and failureContext.failure a string, set on success too. The failure string and
# the stats timing are the report, not verified against upstream code.
_NO_FAILURE_120 = '{"sourceError":null,"processorError":null,"sinkError":null,"jobError":null}'


def run_app(state: State, app: Dict[str, Any], run_type: str) -> Dict[str, Any]:
    """Start a SearchIndexingApplication run in a thread; returns its first record."""
    config = app.get("appConfiguration") or {}
    shape_120 = state.release.version == "1.2.0"
    stamp = now_ms()
    record = {"appId": app["id"], "status": "running", "runType": run_type, "startTime": stamp,
              "timestamp": stamp, "scheduleInfo": app.get("appSchedule")}
    state.save_run(record, new=True)

    def work() -> None:
        try:
            if state.faults.get("reindex_fail"):
                raise reindexm.ReindexError("stand-in fault: reindex_fail")

            def running(so_far: Dict[str, Any]) -> None:
                # The 1.2.1+ app writes its stats into the run record while it runs.
                if shape_120:
                    return
                step = {"totalRecords": so_far["total"], "successRecords": so_far["success"],
                        "failedRecords": so_far["failed"]}
                record["successContext"] = {"stats": {"jobStats": step, "entityStats": step}}
                state.save_run(record, new=False)
            stats = reindexm.run(state.conf.db, state.conf.search, True, config.get("entities") or ["all"],
                                 bool(config.get("recreateIndex", False)), _ints(config.get("batchSize"), 100),
                                 running, float(state.faults.get("reindex_batch_delay_seconds") or 0),
                                 state.faults.get("reindex_pause_file"))
            step = {"totalRecords": stats["total"], "successRecords": stats["success"],
                    "failedRecords": stats["failed"]}
            record["status"] = "success" if not stats["failed"] else ("failed" if shape_120 else "activeError")
            record["successContext"] = {"stats": {"jobStats": step, "entityStats": step},
                                        "indexes": stats["indexes"]}
            if shape_120:
                record["failureContext"] = {"failure": _NO_FAILURE_120 if not stats["failed"] else
                                            "%d of %d records failed to index" % (stats["failed"], stats["total"])}
        except (reindexm.ReindexError, dbm.DbError, *dbm.db_errors()) as exc:
            record["status"] = "failed"
            record["failureContext"] = {"failure": str(exc) if shape_120 else {"message": str(exc)}}
            log("Reindex failed: %s" % exc, "ERROR")
        record["endTime"] = now_ms()
        record["executionTime"] = record["endTime"] - record["startTime"]
        state.save_run(record, new=False)

    threading.Thread(target=work, name="reindex", daemon=True).start()
    return dict(record)


def run_job_11(state: State, body: Dict[str, Any]) -> Dict[str, Any]:
    job_id = str(uuid.uuid4())
    job = {"id": job_id, "name": body.get("name"), "startedBy": "admin",
           "publisherType": body.get("publisherType", "elasticSearch"), "runMode": body.get("runMode", "batch"),
           "timestamp": now_ms(), "startTime": now_ms(), "status": "RUNNING",
           "entities": body.get("entities") or ["all"], "recreateIndex": bool(body.get("recreateIndex", False)),
           "batchSize": _ints(body.get("batchSize"), 100),
           "searchIndexMappingLanguage": body.get("searchIndexMappingLanguage", "EN")}
    with state.lock:
        state.jobs_11[job_id] = job

    def work() -> None:
        try:
            if state.faults.get("reindex_fail"):
                raise reindexm.ReindexError("stand-in fault: reindex_fail")

            def running(so_far: Dict[str, Any]) -> None:
                step = {"totalRecords": so_far["total"], "processedRecords": so_far["success"] + so_far["failed"],
                        "successRecords": so_far["success"], "failedRecords": so_far["failed"]}
                job["stats"] = {"jobStats": step, "sourceStats": step, "sinkStats": step}
            stats = reindexm.run(state.conf.db, state.conf.search, False, job["entities"], job["recreateIndex"],
                                 job["batchSize"], running, float(state.faults.get("reindex_batch_delay_seconds") or 0),
                                 state.faults.get("reindex_pause_file"))
            step = {"totalRecords": stats["total"], "processedRecords": stats["total"],
                    "successRecords": stats["success"], "failedRecords": stats["failed"]}
            job["stats"] = {"jobStats": step, "sourceStats": step, "sinkStats": step}
            job["status"] = "COMPLETED" if not stats["failed"] else "ACTIVE_WITH_ERROR"
        except (reindexm.ReindexError, dbm.DbError, *dbm.db_errors()) as exc:
            job["status"] = "FAILED"
            job["failure"] = {"jobError": {"context": "reindex", "lastFailedAt": now_ms(),
                                           "lastFailedReason": str(exc)}}
        job["endTime"] = now_ms()

    threading.Thread(target=work, name="reindex-1.1", daemon=True).start()
    return dict(job)


def _check_app_configuration(config: Dict[str, Any]) -> None:
    """SearchIndexingApp of 1.2.x (generated model, unknown fields forbidden): Jackson refuses an unknown
    field and a value it cannot read as the field's type (it reads "100" as 100 and "true" as true)."""
    unknown = set(config) - {"entities", "recreateIndex", "batchSize", "searchIndexMappingLanguage"}
    if unknown:
        raise HttpError(400, "Unrecognized field \"%s\" in SearchIndexingAppConfig" % sorted(unknown)[0])
    batch = config.get("batchSize", 100)
    if isinstance(batch, bool) or not (isinstance(batch, int) or (isinstance(batch, str) and batch.strip().isdigit())):
        raise HttpError(400, "Cannot deserialize value of type `java.lang.Integer` from String %s: not a valid "
                             "`java.lang.Integer` value (batchSize)" % json.dumps(batch))
    if str(config.get("recreateIndex", False)).lower() not in ("true", "false"):
        raise HttpError(400, "Cannot deserialize value of type `java.lang.Boolean` (recreateIndex)")
    if config.get("searchIndexMappingLanguage", "EN") not in ("EN", "JP", "ZH"):
        raise HttpError(400, "Cannot deserialize value of type `SearchIndexMappingLanguage` from String %s"
                        % json.dumps(config.get("searchIndexMappingLanguage")))
    if not isinstance(config.get("entities", []), list):
        raise HttpError(400, "Cannot deserialize value of type `java.util.Set<java.lang.String>` (entities)")


def json_patch(doc: Dict[str, Any], ops: Any) -> Dict[str, Any]:
    """RFC 6902 add/replace/remove (what the apps PATCH needs)."""
    if not isinstance(ops, list):
        raise HttpError(400, "JSON patch must be an array of operations")
    for op in ops:
        if not isinstance(op, dict) or op.get("op") not in ("add", "replace", "remove") or "path" not in op:
            raise HttpError(400, "unsupported JSON patch operation %r" % (op,))
        parts = [p.replace("~1", "/").replace("~0", "~") for p in str(op["path"]).split("/")[1:]]
        if not parts:
            raise HttpError(400, "JSON patch path must not be empty")
        target: Any = doc
        for part in parts[:-1]:
            target = target[int(part)] if isinstance(target, list) else target.setdefault(part, {})
        last = parts[-1]
        if op["op"] == "remove":
            if isinstance(target, list):
                target.pop(int(last))
            else:
                target.pop(last, None)
        elif isinstance(target, list):
            if last == "-":
                target.append(op.get("value"))
            elif op["op"] == "add":
                target.insert(int(last), op.get("value"))
            else:
                target[int(last)] = op.get("value")
        else:
            target[last] = op.get("value")
    return doc


class Handler(BaseHTTPRequestHandler):
    server_version = "OpenMetadata-stand-in"
    protocol_version = "HTTP/1.1"
    state: State
    admin = False

    def log_message(self, format: str, *args: Any) -> None:  # pylint: disable=redefined-builtin
        sys.stderr.write("%s - %s\n" % (self.address_string(), format % args))

    # ---- plumbing ----------------------------------------------------------------------------
    def _send(self, status: int, body: Any, content_type: str = "application/json") -> None:
        raw = body.encode("utf-8") if isinstance(body, str) else json.dumps(body).encode("utf-8")
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(raw)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(raw)

    def _body(self) -> Any:
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length) if length else b""
        if not raw:
            return None
        try:
            return json.loads(raw.decode("utf-8"))
        except ValueError as exc:
            raise HttpError(400, "Unable to process JSON: %s" % exc) from exc

    def _handle(self) -> None:
        try:
            url = urlsplit(self.path)
            path = url.path.rstrip("/") or "/"
            params = {k: v[-1] for k, v in parse_qs(url.query).items()}
            if self.admin:
                status, body = self._admin(path)
            else:
                status, body = self._api(path, params)
            if isinstance(body, tuple):  # (text, content type)
                self._send(status, body[0], body[1])
            else:
                self._send(status, body)
        except HttpError as exc:
            self._send(exc.status, {"code": exc.status, "message": exc.message})
        except dbm.DbError as exc:
            self._send(500, {"code": 500, "message": str(exc)})
        except dbm.db_errors() as exc:
            self._send(500, {"code": 500, "message": "database error: %s" % exc})

    do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = do_HEAD = _handle

    # ---- admin port --------------------------------------------------------------------------
    def _admin(self, path: str) -> Tuple[int, Any]:
        if path == "/ping":
            return 200, ("pong\n", "text/plain")
        if path != "/healthcheck":
            raise HttpError(404, "HTTP 404 Not Found")
        started = time.monotonic()
        try:
            conn = self.state.connect()
            try:
                dbm.query(conn, "SELECT 1")
            finally:
                conn.close()
            check = {"healthy": True, "message": "OpenMetadata application is healthy"}
        except dbm.DbError as exc:
            check = {"healthy": False, "message": str(exc)}
        stamp = time.strftime("%Y-%m-%dT%H:%M:%S.000Z", time.gmtime())
        check.update(duration=int((time.monotonic() - started) * 1000), timestamp=stamp)
        body = {"OpenMetadataServerHealthCheck": check,
                "deadlocks": {"healthy": True, "duration": 0, "timestamp": stamp}}
        return (200 if check["healthy"] else 500), body

    # ---- application port --------------------------------------------------------------------
    def _authorize(self, path: str) -> None:
        if path in PUBLIC:
            return
        header = self.headers.get("Authorization", "")
        if not header:
            raise HttpError(401, "Not Authorized! Token not present")
        scheme, _sep, token = header.partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            raise HttpError(401, "Not Authorized! Token not present")
        if token.strip() != self.state.token:
            raise HttpError(401, "Not Authorized! Invalid token")

    def _api(self, path: str, params: Dict[str, str]) -> Tuple[int, Any]:
        if not path.startswith("/api/v1/"):
            raise HttpError(404, "HTTP 404 Not Found")
        self._authorize(path)
        rel = path[len("/api/v1"):]
        method = self.command
        release = self.state.release
        if rel == "/system/version" and method == "GET":
            return 200, {"version": release.version, "revision": release.revision, "timestamp": self.state.started}
        if rel.startswith("/system/settings"):
            return self._settings(rel, method)
        if rel.startswith("/apps"):
            if not release.is_12:
                raise HttpError(404, "HTTP 404 Not Found")
            if self.state.faults.get("apps_api_500"):
                raise HttpError(500, "stand-in fault: apps_api_500")
            return self._apps(rel, method, params)
        if rel.startswith("/search/reindex") and not release.is_12:
            return self._reindex_11(rel, method)
        if rel == pipelinesm.PREFIX or rel.startswith(pipelinesm.PREFIX + "/"):
            handler = pipelinesm.Pipelines(self.state.connect, self.state.conf.db.engine, self.state.home,
                                           release.version, release.is_12, self.state.faults)
            try:
                return handler.handle(rel, method, params, self._body)
            except pipelinesm.PipelineError as exc:
                raise HttpError(exc.status, exc.message) from exc
        if rel.startswith("/tables"):
            return self._entities("table_entity", rel[len("/tables"):], params)
        if rel.startswith("/queries"):
            return self._entities("query_entity", rel[len("/queries"):], params)
        raise HttpError(404, "HTTP 404 Not Found")

    # settings
    def _settings(self, rel: str, method: str) -> Tuple[int, Any]:
        conn = self.state.connect()
        try:
            if rel == "/system/settings" and method == "GET":
                rows = dbm.query(conn, "SELECT configType, json FROM openmetadata_settings")
                data = [{"config_type": t, "config_value": dbm.json_value(v)} for t, v in rows]
                return 200, {"data": data, "paging": {"total": len(data)}}
            if rel == "/system/settings" and method == "PUT":
                body = self._body()
                name, value = self._valid_setting(body)
                existing = dbm.query(conn, "SELECT 1 FROM openmetadata_settings WHERE configType = %s", (name,))
                if existing:
                    dbm.execute(conn, "UPDATE openmetadata_settings SET json = %s WHERE configType = %s",
                                (json.dumps(value), name))
                else:
                    dbm.execute(conn, "INSERT INTO openmetadata_settings (configType, json) VALUES (%s, %s)",
                                (name, json.dumps(value)))
                return (200 if existing else 201), {"config_type": name, "config_value": value}
            name = unquote(rel[len("/system/settings/"):]) if rel.startswith("/system/settings/") else ""
            if name and method == "GET":
                if name not in self.state.release.setting_types:
                    raise HttpError(400, "Invalid setting type %s" % name)
                rows = dbm.query(conn, "SELECT json FROM openmetadata_settings WHERE configType = %s", (name,))
                if not rows:
                    raise HttpError(404, "Setting %s not found" % name)
                return 200, {"config_type": name, "config_value": dbm.json_value(rows[0][0])}
        finally:
            conn.close()
        raise HttpError(405, "HTTP 405 Method Not Allowed")

    def _valid_setting(self, body: Any) -> Tuple[str, Any]:
        release = self.state.release
        if not isinstance(body, dict) or "config_type" not in body:
            raise HttpError(400, "[config_type must not be null]")
        name, value = body["config_type"], body.get("config_value")
        if name not in release.setting_types:
            raise HttpError(400, "Cannot deserialize value of type `SettingsType` from String \"%s\": not one of "
                                 "the values accepted for Enum class" % name)
        allowed: Optional[Tuple[str, ...]] = None
        if name == "customLogoConfiguration":
            allowed = release.logo_keys
        elif name == "loginConfiguration":
            allowed = ("maxLoginFailAttempts", "accessBlockTime", "jwtTokenExpiryTime")
            for key, item in (value or {}).items():
                if key in allowed and not isinstance(item, int):
                    raise HttpError(400, "%s must be an integer" % key)
        if allowed is not None:
            if not isinstance(value, dict):
                raise HttpError(400, "config_value of %s must be an object" % name)
            unknown = sorted(set(value) - set(allowed))
            if unknown:
                raise HttpError(400, "Unrecognized field \"%s\" (known: %s)" % (unknown[0], ", ".join(allowed)))
        return name, value

    # apps (1.2)
    def _apps(self, rel: str, method: str, params: Dict[str, str]) -> Tuple[int, Any]:
        state = self.state
        conn = state.connect()
        try:
            app = state.app(conn)
            if app is None:
                raise HttpError(404, "App instance for %s not found" % APP_NAME)
            name_path = "/apps/name/%s" % APP_NAME
            if rel == "/apps" and method == "GET":
                return 200, {"data": [app], "paging": {"total": 1}}
            if rel == "/apps" and method == "PUT":
                body = self._body() or {}
                if body.get("name") != APP_NAME:
                    raise HttpError(404, "App %s not found" % body.get("name"))
                if isinstance(body.get("appConfiguration"), dict):
                    _check_app_configuration(body["appConfiguration"])
                for key in ("appConfiguration", "appSchedule", "description", "displayName"):
                    if key in body:
                        app[key] = body[key]
                return 200, self._store_app(conn, app)
            if rel in (name_path, "/apps/%s" % app["id"]) and method == "GET":
                return 200, app
            if rel == "/apps/%s" % app["id"] and method == "PATCH":
                patched = json_patch(app, self._body())
                config = patched.get("appConfiguration")
                if not isinstance(config, dict):
                    raise HttpError(400, "appConfiguration must be an object")
                _check_app_configuration(config)
                return 200, self._store_app(conn, patched)
            if rel == "/apps/trigger/%s" % APP_NAME and method == "POST":
                run_app(state, app, "OnDemand")
                return 200, ("Application Triggered", "application/json")
            if rel == "/apps/deploy/%s" % APP_NAME and method == "POST":
                return 200, ("Application Deployed", "application/json")
            if rel == name_path + "/status" and method == "GET":
                records = state.runs(conn, app["id"])
                offset, limit = _ints(params.get("offset"), 0), _ints(params.get("limit"), 10)
                return 200, {"data": records[offset:offset + limit] if limit else [],
                             "paging": {"offset": offset, "total": len(records)}}
            if rel in (name_path + "/runs/latest", name_path + "/logs") and method == "GET":
                records = state.runs(conn, app["id"])
                if not records and state.release.version == "1.2.0" and rel.endswith("/runs/latest"):
                    return 204, ""  # 1.2.0: no content before the first run (the report)
                if not records:
                    raise HttpError(404, "No Available Application Run Records.")
                return 200, records[0]
            raise HttpError(404, "HTTP 404 Not Found")
        finally:
            conn.close()

    def _store_app(self, conn: Any, app: Dict[str, Any]) -> Dict[str, Any]:
        app["updatedAt"] = now_ms()
        app["version"] = round(float(app.get("version", 0.1)) + 0.1, 1)
        self.state.save_app(conn, app)
        return app

    # 1.1 reindex
    def _reindex_11(self, rel: str, method: str) -> Tuple[int, Any]:
        if rel == "/search/reindex" and method == "POST":
            body = self._body() or {}
            if not isinstance(body, dict):
                raise HttpError(400, "body must be a CreateEventPublisherJob object")
            return 201, run_job_11(self.state, body)
        job_id = rel[len("/search/reindex/"):] if rel.startswith("/search/reindex/") else ""
        if job_id == "latest" and method == "GET":
            with self.state.lock:
                jobs = sorted(self.state.jobs_11.values(), key=lambda j: j["timestamp"])
            if not jobs:
                raise HttpError(404, "No reindex job found")
            return 200, dict(jobs[-1])
        if job_id and method == "GET":
            with self.state.lock:
                job = self.state.jobs_11.get(job_id)
            if job is None:
                raise HttpError(404, "Reindex job %s not found" % job_id)
            return 200, dict(job)
        raise HttpError(404, "HTTP 404 Not Found")

    # entity reads
    def _entities(self, table: str, rest: str, params: Dict[str, str]) -> Tuple[int, Any]:
        if self.command != "GET":
            raise HttpError(405, "HTTP 405 Method Not Allowed")
        conn = self.state.connect()
        try:
            docs = [dbm.json_value(r[0]) for r in dbm.query(conn, "SELECT json FROM %s" % table)]
        finally:
            conn.close()
        if params.get("include", "non-deleted") == "non-deleted":
            docs = [d for d in docs if not d.get("deleted")]
        docs.sort(key=lambda d: d.get("fullyQualifiedName") or d.get("name") or "")
        if rest.startswith("/name/"):
            fqn = unquote(rest[len("/name/"):])
            for doc in docs:
                if doc.get("fullyQualifiedName") == fqn:
                    return 200, doc
            raise HttpError(404, "%s instance for %s not found" % (table.split("_")[0], fqn))
        if rest.startswith("/") and len(rest) > 1:
            for doc in docs:
                if doc.get("id") == rest[1:]:
                    return 200, doc
            raise HttpError(404, "%s instance for %s not found" % (table.split("_")[0], rest[1:]))
        limit = max(0, min(_ints(params.get("limit"), 10), 1000000))
        start = 0
        if params.get("after"):
            try:
                start = int(base64.b64decode(params["after"]).decode())
            except ValueError as exc:
                raise HttpError(400, "bad after cursor") from exc
        page = docs[start:start + limit]
        paging: Dict[str, Any] = {"total": len(docs)}
        if start + limit < len(docs):
            paging["after"] = base64.b64encode(str(start + limit).encode()).decode()
        return 200, {"data": page, "paging": paging}


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True


def serve(home: pathlib.Path, conf_path: pathlib.Path) -> int:
    try:
        release = get_release((home / "version.txt").read_text(encoding="utf-8").strip())
        faults = faultm.load(home)
        conf = confm.load(conf_path)
    except (OSError, ValueError, confm.ConfError, faultm.FaultError) as exc:
        log("Failed to start: %s" % exc, "ERROR")
        return 1
    log("Starting OpenMetadata stand-in %s (conf %s)" % (release.version, conf_path))
    if faults.get("refuse_start"):
        reason = faults["refuse_start"] if isinstance(faults["refuse_start"], str) else "refuse_start"
        log("stand-in fault: refusing to start: %s" % reason, "ERROR")
        return 1
    delay = float(faults.get("start_delay_seconds") or 0)
    if delay:
        log("stand-in fault: slow start, waiting %.1fs" % delay)
        time.sleep(delay)
    state = State(home, release, conf, faults)
    try:
        conn = state.connect()
    except dbm.DbError as exc:
        log(str(exc), "ERROR")
        return 1
    try:
        log("Validating Flyway and native migrations")
        validate_for_server(release, conf.db.engine, conn)
        if release.is_12:
            state.seed_app(conn)
    except MigrationFailure as exc:
        log("java.lang.IllegalStateException: %s" % exc, "ERROR")
        return 1
    finally:
        conn.close()
    servers = []
    try:
        for port, admin in ((conf.app_port, False), (conf.admin_port, True)):
            handler = type("BoundHandler", (Handler,), {"state": state, "admin": admin})
            servers.append(_Server((conf.bind_host, port), handler))
    except OSError as exc:
        log("Failed to bind a port (%s): %s" % ([conf.app_port, conf.admin_port], exc), "ERROR")
        for server in servers:
            server.server_close()
        return 1
    threads = [threading.Thread(target=s.serve_forever, daemon=True) for s in servers]
    for thread in threads:
        thread.start()
    log("Started application connector on %s:%d and admin connector on %s:%d"
        % (conf.bind_host, conf.app_port, conf.bind_host, conf.admin_port))
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    stop.wait()
    for server in servers:
        server.shutdown()
        server.server_close()
    log("Stopped")
    return 0


def main(argv: Optional[List[str]] = None) -> int:
    parser = argparse.ArgumentParser(description="OpenMetadata server stand-in")
    parser.add_argument("--home", required=True)
    parser.add_argument("conf", nargs="?")
    args = parser.parse_args(argv)
    home = pathlib.Path(args.home).resolve()
    conf_path = pathlib.Path(args.conf) if args.conf else home / "conf" / "openmetadata.yaml"
    return serve(home, conf_path)


if __name__ == "__main__":
    sys.exit(main())
