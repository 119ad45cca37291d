# -*- coding: utf-8 -*-
# Copyright: (c) 2026, openmetadata.ops contributors
# Apache License 2.0 (see LICENSE or https://www.apache.org/licenses/LICENSE-2.0)
"""The saved queries (``query_entity``) that OpenMetadata's 1.2.0 migration will delete.

The 1.2.0 data migration gives every query its database service. It finds the service only
through ``entity_relationship``: table -> query, databaseSchema -> table, database ->
databaseSchema, databaseService -> database, each step a LEFT JOIN on ``toId`` and the two
entity types (the ``relation`` and ``deleted`` columns are not looked at). Each joined row whose
service is NULL deletes its query, so one broken path among several tables is enough, and a
query linked to no table at all goes too. This module applies the same rule, read-only, on
MySQL/MariaDB and PostgreSQL, and can write the doomed queries (their JSON documents and their
relationship rows) to one JSON file so the user can keep them.
"""
from __future__ import annotations

import hashlib
import json
import os
from typing import Any, Dict, Iterator, List

from ansible_collections.openmetadata.ops.plugins.module_utils.database.db import quote_ident
from ansible_collections.openmetadata.ops.plugins.module_utils.files import write_file_atomic

SAMPLE_TEXT_CHARS = 200
EXPORT_FORMAT = "openmetadata.ops/lost-queries/v1"
_ID_BATCH = 500

# The table names are filled in (schema-qualified on PostgreSQL). A row comes out for every
# (query, table->service path) combination; a NULL service on any of them dooms the query.
_LOST_IDS_SQL = """
SELECT DISTINCT q.id
FROM {query_entity} q
LEFT JOIN {er} tq ON tq.toId = q.id AND tq.fromEntity = 'table' AND tq.toEntity = 'query'
LEFT JOIN {er} st ON st.toId = tq.fromId AND st.fromEntity = 'databaseSchema' AND st.toEntity = 'table'
LEFT JOIN {er} ds ON ds.toId = st.fromId AND ds.fromEntity = 'database' AND ds.toEntity = 'databaseSchema'
LEFT JOIN {er} sd ON sd.toId = ds.fromId AND sd.fromEntity = 'databaseService' AND sd.toEntity = 'database'
WHERE sd.fromId IS NULL
"""


def _table(engine: str, schema: str, name: str) -> str:
    if engine == "postgresql":
        return "%s.%s" % (quote_ident(engine, schema), quote_ident(engine, name))
    return quote_ident(engine, name)


def _doc(raw: Any) -> Dict[str, Any]:
    """A JSON column as a dict (psycopg2 decodes JSONB itself, PyMySQL returns text)."""
    if isinstance(raw, dict):
        return raw
    if isinstance(raw, (bytes, bytearray)):
        raw = raw.decode("utf-8")
    try:
        value = json.loads(raw) if raw is not None else {}
    except ValueError:
        return {"_unparsable_json": str(raw)[:SAMPLE_TEXT_CHARS]}
    return value if isinstance(value, dict) else {"_json": value}


def lost_query_ids(conn: Any, engine: str, schema: str = "public") -> List[str]:
    """Ids of the queries the 1.2.0 migration deletes, sorted."""
    sql = _LOST_IDS_SQL.format(query_entity=_table(engine, schema, "query_entity"),
                               er=_table(engine, schema, "entity_relationship"))
    with conn.cursor() as cur:
        cur.execute(sql)
        return sorted(str(row[0]) for row in cur.fetchall())


def total_queries(conn: Any, engine: str, schema: str = "public") -> int:
    with conn.cursor() as cur:
        cur.execute("SELECT COUNT(*) FROM %s" % _table(engine, schema, "query_entity"))
        return int(cur.fetchone()[0])


def _documents(conn: Any, engine: str, schema: str, ids: List[str]) -> Iterator[Dict[str, Any]]:
    """The JSON documents of ``ids``, in id order, a batch at a time (bounded memory per batch)."""
    table = _table(engine, schema, "query_entity")
    for start in range(0, len(ids), _ID_BATCH):
        chunk = ids[start:start + _ID_BATCH]
        marks = ", ".join(["%s"] * len(chunk))
        with conn.cursor() as cur:
            cur.execute("SELECT id, json FROM %s WHERE id IN (%s) ORDER BY id" % (table, marks), tuple(chunk))
            rows = cur.fetchall()
        for query_id, raw in rows:
            doc = _doc(raw)
            doc.setdefault("id", str(query_id))
            yield doc


def _relationships(conn: Any, engine: str, schema: str, query_id: str) -> List[Dict[str, Any]]:
    """Every entity_relationship row naming the query (the migration deletes these too)."""
    table = _table(engine, schema, "entity_relationship")
    with conn.cursor() as cur:
        cur.execute("SELECT fromId, toId, fromEntity, toEntity, relation FROM %s WHERE fromId = %%s OR toId = %%s "
                    "ORDER BY fromId, toId, relation" % table, (query_id, query_id))
        return [{"fromId": str(a), "toId": str(b), "fromEntity": c, "toEntity": d, "relation": int(e)}
                for a, b, c, d, e in cur.fetchall()]


def sample_of(doc: Dict[str, Any]) -> Dict[str, Any]:
    """What the report shows of one query: id, name, checksum, the first 200 characters of its SQL,
    and the tables it names in queryUsedIn."""
    text = doc.get("query")
    text = text if isinstance(text, str) else ("" if text is None else str(text))
    used_in = doc.get("queryUsedIn") if isinstance(doc.get("queryUsedIn"), list) else []
    return {
        "id": doc.get("id"),
        "name": doc.get("name"),
        "checksum": doc.get("checksum"),
        "query": text[:SAMPLE_TEXT_CHARS],
        "truncated": len(text) > SAMPLE_TEXT_CHARS,
        "used_in": [ref.get("fullyQualifiedName") or ref.get("name") or ref.get("id")
                    for ref in used_in if isinstance(ref, dict)],
    }


def find_lost_queries(conn: Any, engine: str, schema: str = "public", sample_size: int = 10) -> Dict[str, Any]:
    """{count, total, ids, samples}: how many queries of how many go, and up to ``sample_size`` of them."""
    ids = lost_query_ids(conn, engine, schema)
    samples = [sample_of(doc) for doc in _documents(conn, engine, schema, ids[:max(sample_size, 0)])]
    return {"count": len(ids), "total": total_queries(conn, engine, schema), "ids": ids, "samples": samples}


def export_document(conn: Any, engine: str, schema: str = "public", database: str = "",
                    source: str = "") -> Dict[str, Any]:
    """The export: every query the migration will delete, whole, with its relationship rows.
    Deterministic for the same data (no timestamp inside), so a rewrite of the same content is
    recognised as no change."""
    ids = lost_query_ids(conn, engine, schema)
    queries = []
    for doc in _documents(conn, engine, schema, ids):
        queries.append({"id": doc.get("id"), "name": doc.get("name"), "checksum": doc.get("checksum"),
                        "entity": doc, "relationships": _relationships(conn, engine, schema, str(doc.get("id")))})
    return {
        "format": EXPORT_FORMAT,
        "what": ("Saved queries (query_entity) that the OpenMetadata 1.2.0 migration deletes because no "
                 "database service can be found for them through entity_relationship (table -> query, "
                 "schema -> table, database -> schema, service -> database)."),
        "engine": engine,
        "database": database,
        "source_version": source,
        "count": len(queries),
        "queries": queries,
    }


def export_to_file(path: str, document: Dict[str, Any], check_mode: bool = False) -> Dict[str, Any]:
    """Write the export atomically (0600: query texts may hold sensitive SQL). Unchanged content is
    not rewritten. Returns {path, changed, count, sha256}."""
    data = (json.dumps(document, indent=2, sort_keys=True, ensure_ascii=False, default=str) + "\n").encode("utf-8")
    digest = hashlib.sha256(data).hexdigest()
    try:
        with open(path, "rb") as handle:
            same = hashlib.sha256(handle.read()).hexdigest() == digest
    except FileNotFoundError:
        same = False
    if not same and not check_mode:
        folder = os.path.dirname(os.path.abspath(path))
        os.makedirs(folder, mode=0o700, exist_ok=True)
        write_file_atomic(path, data, mode=0o600)
    return {"path": path, "changed": not same, "count": document.get("count", 0), "sha256": digest}
