# -*- coding: utf-8 -*-
# Copyright: (c) 2026, openmetadata.ops contributors
# Apache License 2.0 (see LICENSE or https://www.apache.org/licenses/LICENSE-2.0)
"""Ingestion pipelines of the stand-in server: ``/api/v1/services/ingestionPipelines``.

Shapes from the project's SERVER-API-AND-LAYOUT notes (section 5) and upstream's public API
description of IngestionPipelineResource:

* ``GET /services/ingestionPipelines?limit=&after=&before=&fields=&service=&pipelineType=&include=``:
  the standard entity list (default limit 10, 0..1000000), ``{"data": [...], "paging": {"total", "after"?,
  "before"?}}``; ``fields=pipelineStatuses`` adds the latest run status; ``deployed`` and ``enabled`` are
  part of every pipeline.
* ``GET /services/ingestionPipelines/{id}`` and ``/name/{fqn}``.
* ``POST /services/ingestionPipelines/deploy/{id}`` (no body): deploys the DAG on the pipeline
  service (Airflow) and answers a PipelineServiceClientResponse ``{"code", "reason", "platform", "version"}``;
  on success the pipeline is stored with ``deployed: true``.
* ``POST /services/ingestionPipelines/bulk/deploy`` (1.2.x), body a JSON array of ids: one
  PipelineServiceClientResponse per id, in order; a failing id becomes ``{"code": 500, "reason":
  "Error deploying [<id>] due to [<why>]", "platform": "Airflow"}`` and does not fail the call.

The pipeline service is a stand-in as well: a deploy writes ``<release>/standin-airflow/
dag_generated_configs/<pipeline name>.json`` (the folder OpenMetadata's managed APIs write the
DAG configs to, under AIRFLOW_HOME), recording which server version deployed it. The knob
``pipeline_deploy_fail`` (true, or a list of pipeline names or ids) makes deploys fail as an
unreachable Airflow would.
"""
from __future__ import annotations

import base64
import json
import pathlib
import time
from typing import Any, Callable, Dict, List, Optional, Tuple
from urllib.parse import unquote

from . import db as dbm

PREFIX = "/services/ingestionPipelines"
PLATFORM = "Airflow"
MAX_LIMIT = 1000000
KNOWN_FIELDS = {"owner", "owners", "followers", "pipelineStatuses"}
STATUS_EXTENSION = "ingestionPipeline.pipelineStatus"


class PipelineError(Exception):
    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


def _cursor(index: int) -> str:
    return base64.b64encode(str(index).encode()).decode()


def _uncursor(text: str) -> int:
    try:
        return int(base64.b64decode(text.encode()).decode())
    except ValueError as exc:
        raise PipelineError(400, "Invalid cursor %s" % text) from exc


class Pipelines:
    """The handlers; ``connect`` opens a database connection, ``home`` is the release folder."""

    def __init__(self, connect: Callable[[], Any], engine: str, home: pathlib.Path, version: str, is_12: bool,
                 faults: Dict[str, Any]) -> None:
        self.connect = connect
        self.engine = engine
        self.home = home
        self.version = version
        self.is_12 = is_12
        self.faults = faults

    # ---- storage ---------------------------------------------------------------------------------
    def _all(self, conn: Any) -> List[Dict[str, Any]]:
        docs = [dbm.json_value(r[0]) for r in dbm.query(conn, "SELECT json FROM ingestion_pipeline_entity")]
        return sorted(docs, key=lambda d: d.get("fullyQualifiedName") or d.get("name") or "")

    def _save(self, conn: Any, doc: Dict[str, Any]) -> None:
        dbm.execute(conn, "UPDATE ingestion_pipeline_entity SET json = %s WHERE id = %s", (json.dumps(doc), doc["id"]))

    def _latest_status(self, conn: Any, doc: Dict[str, Any]) -> Optional[Dict[str, Any]]:
        rows = dbm.query(conn, "SELECT json FROM entity_extension_time_series WHERE entityFQNHash = %s AND extension = %s",
                         (dbm.fqn_hash(doc.get("fullyQualifiedName", "")), STATUS_EXTENSION))
        statuses = [dbm.json_value(r[0]) for r in rows]
        return max(statuses, key=lambda s: s.get("timestamp", 0)) if statuses else None

    # ---- routing ---------------------------------------------------------------------------------
    def handle(self, rel: str, method: str, params: Dict[str, str], body: Callable[[], Any]) -> Tuple[int, Any]:
        rest = rel[len(PREFIX):]
        if rest == "" and method == "GET":
            return self.list(params)
        if rest == "/bulk/deploy" and method == "POST":
            if not self.is_12:
                raise PipelineError(404, "HTTP 404 Not Found")
            return 200, self.bulk_deploy(body())
        if rest.startswith("/deploy/") and method == "POST":
            answer = self.deploy(rest[len("/deploy/"):])
            if answer["code"] != 200:  # the pipeline service client's exception, as the server maps it
                raise PipelineError(500, answer["reason"])
            return 200, answer
        if rest.startswith("/name/") and method == "GET":
            return 200, self.get(name=unquote(rest[len("/name/"):]), fields=params.get("fields", ""))
        if rest.startswith("/") and rest.count("/") == 1 and method == "GET":
            return 200, self.get(pipeline_id=rest[1:], fields=params.get("fields", ""))
        raise PipelineError(404, "HTTP 404 Not Found")

    # ---- reads -----------------------------------------------------------------------------------
    def _fields(self, text: str) -> List[str]:
        fields = [f.strip() for f in (text or "").split(",") if f.strip()]
        unknown = [f for f in fields if f not in KNOWN_FIELDS]
        if unknown:
            raise PipelineError(400, "Invalid field name %s" % unknown[0])
        return fields

    def _shape(self, conn: Any, doc: Dict[str, Any], fields: List[str]) -> Dict[str, Any]:
        doc = dict(doc)
        doc.setdefault("deployed", False)
        doc.setdefault("enabled", True)
        doc["href"] = "http://localhost:8585/api/v1/services/ingestionPipelines/%s" % doc["id"]
        if "pipelineStatuses" in fields:
            status = self._latest_status(conn, doc)
            if status is not None:
                doc["pipelineStatuses"] = status
        return doc

    def list(self, params: Dict[str, str]) -> Tuple[int, Any]:
        try:
            limit = int(params.get("limit", "10"))
        except ValueError as exc:
            raise PipelineError(400, "query param limit must be a number") from exc
        if limit < 0 or limit > MAX_LIMIT:
            raise PipelineError(400, "query param limit must be %s %d"
                                % ("greater than or equal to" if limit < 0 else "less than or equal to",
                                   0 if limit < 0 else MAX_LIMIT))
        fields = self._fields(params.get("fields", ""))
        include = params.get("include", "non-deleted")
        conn = self.connect()
        try:
            docs = self._all(conn)
            if include == "non-deleted":
                docs = [d for d in docs if not d.get("deleted")]
            elif include == "deleted":
                docs = [d for d in docs if d.get("deleted")]
            if params.get("service"):
                docs = [d for d in docs if (d.get("service") or {}).get("fullyQualifiedName",
                                                                        (d.get("service") or {}).get("name"))
                        == params["service"]]
            if params.get("pipelineType"):
                docs = [d for d in docs if d.get("pipelineType") == params["pipelineType"]]
            if params.get("before"):
                end = _uncursor(params["before"])
                start = max(0, end - limit)
            else:
                start = _uncursor(params["after"]) if params.get("after") else 0
                end = start + limit
            page = [self._shape(conn, d, fields) for d in docs[start:end]]
        finally:
            conn.close()
        paging: Dict[str, Any] = {"total": len(docs)}
        if end < len(docs):
            paging["after"] = _cursor(end)
        if start > 0:
            paging["before"] = _cursor(start)
        return 200, {"data": page, "paging": paging}

    def _find(self, conn: Any, pipeline_id: str = "", name: str = "") -> Dict[str, Any]:
        for doc in self._all(conn):
            if doc.get("deleted"):
                continue
            if (pipeline_id and doc.get("id") == pipeline_id) or (name and doc.get("fullyQualifiedName") == name):
                return doc
        raise PipelineError(404, "ingestionPipeline instance for %s not found" % (pipeline_id or name))

    def get(self, pipeline_id: str = "", name: str = "", fields: str = "") -> Dict[str, Any]:
        wanted = self._fields(fields)
        conn = self.connect()
        try:
            return self._shape(conn, self._find(conn, pipeline_id, name), wanted)
        finally:
            conn.close()

    # ---- deploys ---------------------------------------------------------------------------------
    def _deploy_fault(self, doc: Dict[str, Any]) -> bool:
        knob = self.faults.get("pipeline_deploy_fail")
        if isinstance(knob, list):
            return doc.get("name") in knob or doc.get("id") in knob or doc.get("fullyQualifiedName") in knob
        return bool(knob)

    def deploy(self, pipeline_id: str) -> Dict[str, Any]:
        """One deploy: a PipelineServiceClientResponse (code 200, or 500 with the reason)."""
        conn = self.connect()
        try:
            doc = self._find(conn, pipeline_id=pipeline_id)  # 404 for an unknown id
            if self._deploy_fault(doc):
                return {"code": 500, "platform": PLATFORM,
                        "reason": "Failed to deploy Ingestion Pipeline due to airflow API returned 503 and response "
                                  "{\"error\": \"stand-in fault: pipeline_deploy_fail\"}"}
            self._write_dag_config(doc)
            if not doc.get("deployed"):
                doc["deployed"] = True
                doc["version"] = round(float(doc.get("version", 0.1)) + 0.1, 1)
                doc["updatedAt"] = int(time.time() * 1000)
                self._save(conn, doc)
            message = {"message": "Workflow [%s] has been created" % doc["name"]}
            return {"code": 200, "reason": json.dumps(message), "platform": PLATFORM, "version": None}
        finally:
            conn.close()

    def bulk_deploy(self, ids: Any) -> List[Dict[str, Any]]:
        if not isinstance(ids, list) or not all(isinstance(i, str) for i in ids):
            raise PipelineError(400, "Unable to process JSON: the body must be an array of ingestion pipeline ids")
        answers = []
        for pipeline_id in ids:
            try:
                answer = self.deploy(pipeline_id)
            except PipelineError as exc:
                answer = {"code": 500, "reason": exc.message, "platform": PLATFORM}
            if answer["code"] != 200:  # upstream wraps every failure of one id this way
                answer["reason"] = "Error deploying [%s] due to [%s]" % (pipeline_id, answer["reason"])
            answers.append(answer)
        return answers

    def _write_dag_config(self, doc: Dict[str, Any]) -> None:
        folder = self.home / "standin-airflow" / "dag_generated_configs"
        folder.mkdir(parents=True, exist_ok=True)
        config = {"dag_id": doc["name"], "pipelineType": doc.get("pipelineType"),
                  "fullyQualifiedName": doc.get("fullyQualifiedName"), "deployedByServer": self.version,
                  "deployedAt": int(time.time() * 1000), "sourceConfig": doc.get("sourceConfig"),
                  "airflowConfig": doc.get("airflowConfig")}
        (folder / ("%s.json" % doc["name"])).write_text(json.dumps(config, indent=2), encoding="utf-8")
