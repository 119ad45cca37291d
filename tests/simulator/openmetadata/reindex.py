# -*- coding: utf-8 -*-
# Copyright: (c) 2026, openmetadata.ops contributors
# Apache License 2.0 (see LICENSE or https://www.apache.org/licenses/LICENSE-2.0)
"""A reindex run of the stand-in: entities read from the real database, documents written to the
configured Elasticsearch/OpenSearch over plain REST, with only these calls:
``DELETE /<index>`` (recreate; 404 ignored), ``PUT /<index>`` (mappings; "already exists" ignored
when not recreating), ``POST /_bulk`` (NDJSON index actions), ``POST /<index>/_refresh``.
Index names: 1.2 as upstream's indexMapping, 1.1 its 15 ElasticSearchIndexType names; never prefixed
(neither release has ``clusterAlias``: it arrives with 1.3.0)."""
from __future__ import annotations

import base64
import json
import os
import ssl
import time
import urllib.error
import urllib.request
from typing import Any, Callable, Dict, Iterator, List, Optional, Sequence, Tuple

from . import db as dbm
from .conf import DbSettings, SearchSettings

# entity type -> (table, index name, filter on json reportDataType or None)
INDEXES_12: Dict[str, Tuple[str, str, Optional[str]]] = {
    "table": ("table_entity", "table_search_index", None),
    "storedProcedure": ("stored_procedure_entity", "stored_procedure_search_index", None),
    "databaseSchema": ("database_schema_entity", "database_schema_search_index", None),
    "database": ("database_entity", "database_search_index", None),
    "chart": ("chart_entity", "chart_search_index", None),
    "dashboard": ("dashboard_entity", "dashboard_search_index", None),
    "dashboardDataModel": ("dashboard_data_model_entity", "dashboard_data_model_search_index", None),
    "pipeline": ("pipeline_entity", "pipeline_search_index", None),
    "topic": ("topic_entity", "topic_search_index", None),
    "container": ("storage_container_entity", "container_search_index", None),
    "searchIndex": ("search_index_entity", "search_entity_search_index", None),
    "query": ("query_entity", "query_search_index", None),
    "mlmodel": ("ml_model_entity", "mlmodel_search_index", None),
    "testCase": ("test_case", "test_case_search_index", None),
    "testSuite": ("test_suite", "test_suite_search_index", None),
    "dataProduct": ("data_product_entity", "data_product_search_index", None),
    "domain": ("domain_entity", "domain_search_index", None),
    "glossary": ("glossary_entity", "glossary_search_index", None),
    "glossaryTerm": ("glossary_term_entity", "glossary_term_search_index", None),
    "tag": ("tag", "tag_search_index", None),
    "classification": ("classification", "classification_search_index", None),
    "user": ("user_entity", "user_search_index", None),
    "team": ("team_entity", "team_search_index", None),
    "entityReportData": ("report_data_time_series", "entity_report_data_index", "entityReportData"),
    "webAnalyticEntityViewReportData": ("report_data_time_series", "web_analytic_entity_view_report_data_index",
                                        "webAnalyticEntityViewReportData"),
    "webAnalyticUserActivityReportData": ("report_data_time_series",
                                          "web_analytic_user_activity_report_data_index",
                                          "webAnalyticUserActivityReportData"),
    "databaseService": ("dbservice_entity", "database_service_search_index", None),
    "messagingService": ("messaging_service_entity", "messaging_service_search_index", None),
    "pipelineService": ("pipeline_service_entity", "pipeline_service_search_index", None),
    "dashboardService": ("dashboard_service_entity", "dashboard_service_search_index", None),
    "searchService": ("search_service_entity", "search_service_search_index", None),
    "storageService": ("storage_service_entity", "storage_service_search_index", None),
    "metadataService": ("metadata_service_entity", "metadata_service_search_index", None),
    "mlmodelService": ("mlmodel_service_entity", "mlmodel_service_search_index", None),
}
# 1.1: index -> [(table, report type)]; glossaries and terms share one index, as do tests.
INDEXES_11: Dict[str, List[Tuple[str, Optional[str]]]] = {
    "table_search_index": [("table_entity", None)],
    "topic_search_index": [("topic_entity", None)],
    "dashboard_search_index": [("dashboard_entity", None)],
    "pipeline_search_index": [("pipeline_entity", None)],
    "user_search_index": [("user_entity", None)],
    "team_search_index": [("team_entity", None)],
    "glossary_search_index": [("glossary_entity", None), ("glossary_term_entity", None)],
    "mlmodel_search_index": [("ml_model_entity", None)],
    "container_search_index": [("storage_container_entity", None)],
    "query_search_index": [("query_entity", None)],
    "tag_search_index": [("tag", None)],
    "entity_report_data_index": [("report_data_time_series", "EntityReportData")],
    "test_case_search_index": [("test_case", None), ("test_suite", None)],
    "web_analytic_entity_view_report_data_index": [("report_data_time_series", "WebAnalyticEntityViewReportData")],
    "web_analytic_user_activity_report_data_index": [("report_data_time_series",
                                                      "WebAnalyticUserActivityReportData")],
}
# 1.1 entity names the reindex API accepts -> its index
ENTITIES_11 = {"table": "table_search_index", "topic": "topic_search_index", "dashboard": "dashboard_search_index",
               "pipeline": "pipeline_search_index", "user": "user_search_index", "team": "team_search_index",
               "glossaryTerm": "glossary_search_index", "glossary": "glossary_search_index",
               "mlmodel": "mlmodel_search_index", "container": "container_search_index", "query": "query_search_index",
               "tag": "tag_search_index", "entityReportData": "entity_report_data_index",
               "testCase": "test_case_search_index", "testSuite": "test_case_search_index",
               "webAnalyticEntityViewReportData": "web_analytic_entity_view_report_data_index",
               "webAnalyticUserActivityReportData": "web_analytic_user_activity_report_data_index"}
_MAPPING = {"mappings": {"properties": {
    "id": {"type": "keyword"}, "name": {"type": "text", "fields": {"keyword": {"type": "keyword"}}},
    "fullyQualifiedName": {"type": "keyword"}, "description": {"type": "text"},
    "deleted": {"type": "boolean"}, "updatedAt": {"type": "date", "format": "epoch_millis"},
    "entityType": {"type": "keyword"}}}}


class ReindexError(Exception):
    pass


class SearchClient:
    def __init__(self, search: SearchSettings, timeout: float = 30.0) -> None:
        self.base = search.url
        self.timeout = timeout
        self.headers = {"Content-Type": "application/json"}
        if search.username:
            token = base64.b64encode(("%s:%s" % (search.username, search.password)).encode()).decode()
            self.headers["Authorization"] = "Basic " + token
        self.context: Optional[ssl.SSLContext] = None
        if search.scheme == "https":
            self.context = ssl.create_default_context(cafile=search.truststore_path or None)

    def call(self, method: str, path: str, body: Optional[bytes] = None,
             content_type: str = "application/json") -> Tuple[int, Any]:
        headers = dict(self.headers, **{"Content-Type": content_type})
        request = urllib.request.Request(self.base + path, data=body, method=method, headers=headers)
        try:
            with urllib.request.urlopen(request, timeout=self.timeout, context=self.context) as answer:
                status, raw = answer.status, answer.read()
        except urllib.error.HTTPError as exc:
            status, raw = exc.code, exc.read()
        except (urllib.error.URLError, OSError) as exc:
            raise ReindexError("search engine %s unreachable: %s" % (self.base, exc)) from exc
        try:
            return status, json.loads(raw.decode("utf-8") or "null")
        except ValueError:
            return status, raw.decode("utf-8", "replace")


def _rows(conn: Any, engine: str, table: str, report_type: Optional[str]) -> Iterator[Dict[str, Any]]:
    if not dbm.table_exists(engine, conn, table):
        return
    for (raw,) in dbm.query(conn, "SELECT json FROM %s" % table):
        doc = dbm.json_value(raw)
        if report_type is not None and doc.get("reportDataType") != report_type:
            continue
        yield doc


def plan(om12: bool, entities: Sequence[str]) -> List[Tuple[str, List[Tuple[str, Optional[str], str]]]]:
    """[(index name, [(table, report type, entity type)])] for the requested entities."""
    wanted = list(entities) or ["all"]
    out: Dict[str, List[Tuple[str, Optional[str], str]]] = {}
    if om12:
        keys = list(INDEXES_12) if "all" in wanted else wanted
        for key in keys:
            if key not in INDEXES_12:
                raise ReindexError("unknown entity type %r" % key)
            table, index, report = INDEXES_12[key]
            out.setdefault(index, []).append((table, report, key))
        return list(out.items())
    indexes = list(INDEXES_11) if "all" in wanted else []
    for key in wanted:
        if key == "all":
            continue
        if key not in ENTITIES_11:
            raise ReindexError("unknown entity type %r" % key)
        indexes.append(ENTITIES_11[key])
    for index in dict.fromkeys(indexes):
        out[index] = [(table, report, index) for table, report in INDEXES_11[index]]
    return list(out.items())


def run(db: DbSettings, search: SearchSettings, om12: bool, entities: Sequence[str], recreate: bool,
        batch_size: int, on_batch: Optional[Callable[[Dict[str, Any]], None]] = None,
        batch_delay: float = 0.0, pause_file: Optional[str] = None) -> Dict[str, Any]:
    """Returns {"total": n, "success": n, "failed": n, "indexes": {name: docs}}; raises ReindexError.

    Like the upstream job, the total is counted before indexing and ``on_batch`` hears the stats
    ({"total", "success", "failed"}) after every bulk request, so a run record can show them while
    it runs; ``batch_delay`` seconds after each bulk request make a run slow on purpose, and while
    ``pause_file`` exists the run waits after each bulk request (fault knobs for progress tests)."""
    client = SearchClient(search)
    conn = dbm.connect(db)
    stats = {"total": 0, "success": 0, "failed": 0, "indexes": {}}
    steps = plan(om12, entities)
    try:
        planned = sum(1 for _index, sources in steps for table, report, _type in sources
                      for _doc in _rows(conn, db.engine, table, report))

        def sent() -> None:
            if on_batch is not None:
                on_batch({"total": planned, "success": stats["success"], "failed": stats["failed"]})
            if batch_delay > 0:
                time.sleep(batch_delay)
            while pause_file and os.path.exists(pause_file):
                time.sleep(0.1)
        for index, sources in steps:
            if recreate:
                status, body = client.call("DELETE", "/" + index)
                if status not in (200, 404):
                    raise ReindexError("DELETE /%s answered %s: %s" % (index, status, body))
            status, body = client.call("PUT", "/" + index, json.dumps(_MAPPING).encode())
            exists = status == 400 and "already_exists" in json.dumps(body)
            if status != 200 and not exists:
                raise ReindexError("PUT /%s answered %s: %s" % (index, status, body))
            count = 0
            batch: List[str] = []
            for table, report, entity_type in sources:
                for doc in _rows(conn, db.engine, table, report):
                    doc.setdefault("entityType", entity_type)
                    doc_id = str(doc.get("id") or dbm.md5(json.dumps(doc, sort_keys=True)))
                    batch.append(json.dumps({"index": {"_index": index, "_id": doc_id}}))
                    batch.append(json.dumps(doc, ensure_ascii=False))
                    count += 1
                    if len(batch) >= 2 * max(batch_size, 1):
                        _send(client, batch, stats)
                        batch = []
                        sent()
            if batch:
                _send(client, batch, stats)
                sent()
            status, body = client.call("POST", "/%s/_refresh" % index)
            if status != 200:
                raise ReindexError("POST /%s/_refresh answered %s: %s" % (index, status, body))
            stats["indexes"][index] = count
    finally:
        conn.close()
    return stats


def _send(client: SearchClient, lines: List[str], stats: Dict[str, Any]) -> None:
    body = ("\n".join(lines) + "\n").encode("utf-8")
    status, answer = client.call("POST", "/_bulk", body, content_type="application/x-ndjson")
    if status != 200 or not isinstance(answer, dict):
        raise ReindexError("POST /_bulk answered %s: %s" % (status, str(answer)[:300]))
    items = answer.get("items", [])
    failed = sum(1 for item in items if next(iter(item.values()), {}).get("status", 500) >= 300)
    stats["total"] += len(lines) // 2
    stats["failed"] += failed
    stats["success"] += len(lines) // 2 - failed
