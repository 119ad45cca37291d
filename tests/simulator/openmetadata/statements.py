# -*- coding: utf-8 -*-
# Copyright: (c) 2026, openmetadata.ops contributors
# Apache License 2.0 (see LICENSE or https://www.apache.org/licenses/LICENSE-2.0)
"""The native migration statements of the stand-in, per version and engine, written from the
statement-by-statement description in the project's MIGRATION-1.2.0 notes (not upstream's files).

Numbering follows the notes (MySQL #1..#71, then the two postData statements). MySQL 8-only syntax
is translated for MariaDB the way tests/fixtures/om_database.py does it:
``json ->> '$.p'`` -> ``json_unquote(json_extract(json,'$.p'))``; JSON booleans through CASE;
no PRIMARY KEY on a generated column (a UNIQUE KEY named ``id`` instead, so the tag step's
``ADD PRIMARY KEY(id)`` becomes ``ADD UNIQUE KEY id (id)`` and fails on re-run with 1061 instead
of 1068); a JSON string compared through json_unquote; ``WITH ... DELETE`` as a derived table.
"""
from __future__ import annotations

import dataclasses
import hashlib
from typing import List, Sequence, Tuple

from .releases import Release

MYSQL, PG = "mysql", "postgresql"


@dataclasses.dataclass(frozen=True)
class Statement:
    comment: str
    sql: str
    sorts: bool = False  # a big sort: the stand-in's sort-memory rule applies here

    @property
    def text(self) -> str:
        # Upstream's parser keeps the leading comment with the statement (and hashes both).
        return "-- %s\n%s" % (self.comment, self.sql) if self.comment else self.sql

    @property
    def checksum(self) -> str:
        return hashlib.md5(self.text.encode("utf-8")).hexdigest()


# ---- column rendering (same conventions as the fixture) -------------------------------------

def _gen(engine: str, name: str, path: str, kind: str = "str", size: int = 256, stored: bool = False,
         not_null: bool = True) -> str:
    if engine == MYSQL:
        extract = "json_extract(`json`,'$.%s')" % path
        text = "json_unquote(%s)" % extract
        if kind == "bool":
            expr, sql_type = "CASE %s WHEN 'true' THEN 1 WHEN 'false' THEN 0 END" % extract, "BOOLEAN"
        elif kind == "bigint":
            expr, sql_type = text, "BIGINT UNSIGNED"
        else:
            expr, sql_type = text, "VARCHAR(%d)" % size
        check = " CHECK (`%s` IS NOT NULL)" % name if not_null else ""
        return "`%s` %s GENERATED ALWAYS AS (%s) %s%s" % (name, sql_type, expr,
                                                          "STORED" if stored else "VIRTUAL", check)
    text = "json ->> '%s'" % path
    expr, sql_type = {"bool": ("(%s)::boolean" % text, "BOOLEAN"),
                      "bigint": ("(%s)::bigint" % text, "BIGINT")}.get(kind, (text, "VARCHAR(%d)" % size))
    return "%s %s GENERATED ALWAYS AS (%s) STORED%s" % (name, sql_type, expr, " NOT NULL" if not_null else "")


def _plain(engine: str, name: str, size: int) -> str:
    if engine == MYSQL:
        return "`%s` VARCHAR(%d) CHARACTER SET ascii COLLATE ascii_bin NOT NULL" % (name, size)
    return "%s VARCHAR(%d) NOT NULL" % (name, size)


def _json(engine: str) -> str:
    return "`json` JSON NOT NULL" if engine == MYSQL else "json JSONB NOT NULL"


def _create(engine: str, table: str, columns: Sequence[str], primary: bool = True,
            unique: Sequence[str] = (), index_name: str = "") -> str:
    lines = list(columns)
    if primary:
        lines.append("UNIQUE KEY `id` (`id`)" if engine == MYSQL else "PRIMARY KEY (id)")
    for col in unique:
        lines.append("UNIQUE (`%s`)" % col if engine == MYSQL else "UNIQUE (%s)" % col)
    if index_name and engine == MYSQL:
        lines.append("INDEX `%s` (`name`)" % index_name if index_name != "-" else "INDEX (`name`)")
    return "CREATE TABLE IF NOT EXISTS %s (\n  %s\n)" % (table, ",\n  ".join(lines))


def _entity_table(engine: str, table: str, key: str, key_size: int, *, service: bool = False,
                  deleted: bool = True, entity_type: bool = False, index_name: str = "-") -> str:
    cols = [_gen(engine, "id", "id", size=36, stored=True), _gen(engine, "name", "name")]
    if service:
        cols.append(_gen(engine, "serviceType", "serviceType"))
    if entity_type:
        cols.append(_gen(engine, "entityType", "entityType"))
    cols += [_plain(engine, key, key_size), _json(engine), _gen(engine, "updatedAt", "updatedAt", "bigint"),
             _gen(engine, "updatedBy", "updatedBy")]
    if deleted:
        cols.append(_gen(engine, "deleted", "deleted", "bool", not_null=False))
    return _create(engine, table, cols, unique=(key,), index_name=index_name)


# The ~40 tables that get a name index (MySQL index names as upstream spells them).
NAME_INDEXES: Tuple[Tuple[str, str], ...] = (
    ("bot_entity", "bot_entity_name_index"), ("chart_entity", "chart_entity_name_index"),
    ("classification", "classification_entity_name_index"),
    ("storage_container_entity", "storage_container_entity_name_index"),
    ("dashboard_data_model_entity", "dashboard_data_model_entity_name_index"),
    ("dashboard_entity", "dashboard_entity_name_index"),
    ("dashboard_service_entity", "dashboard_service_entity_name_index"),
    ("data_insight_chart", "data_insight_name_index"), ("database_entity", "database_entity_name_index"),
    ("database_schema_entity", "database_schema_entity_name_index"),
    ("dbservice_entity", "dbservice_entity_name_index"),
    ("event_subscription_entity", "event_subscription_entity_name_index"),
    ("glossary_entity", "glossary_entity_name_index"), ("glossary_term_entity", "glossary_term_entity_name_index"),
    ("ingestion_pipeline_entity", "ingestion_pipeline_entity_name_index"), ("kpi_entity", "kpi_entity_name_index"),
    ("messaging_service_entity", "messaing_service_entity_name_index"),
    ("metadata_service_entity", "metadata_service_entity_name_index"), ("metric_entity", "metric_entity_name_index"),
    ("ml_model_entity", "ml_model_entity_name_index"),
    ("mlmodel_service_entity", "mlmodel_service_entity_name_index"),
    ("pipeline_entity", "pipeline_entity_name_index"),
    ("pipeline_service_entity", "pipeline_service_entity_name_index"),
    ("policy_entity", "policy_entity_name_index"), ("query_entity", "query_entity_name_index"),
    ("report_entity", "report_entity_name_index"), ("role_entity", "role_entity_name_index"),
    ("storage_service_entity", "storage_service_entity_name_index"), ("table_entity", "table_entity_name_index"),
    ("tag", "tag_entity_name_index"), ("team_entity", "team_entity_name_index"),
    ("test_case", "test_case_name_index"), ("test_connection_definition", "test_connection_definition_name_index"),
    ("test_definition", "test_definition_name_index"), ("test_suite", "test_suite_name_index"),
    ("topic_entity", "topic_entity_name_index"), ("type_entity", "type_entity_name_index"),
    ("user_entity", "user_entity_name_index"), ("web_analytic_event", "web_analytic_event_name_index"),
    ("automations_workflow", "automations_workflow_name_index"),
)
_PG_EXTRA_NAME_INDEXES = ("domain_entity", "data_product_entity", "search_service_entity",
                          "search_index_entity", "stored_procedure_entity")
_PIPELINE_TYPES_IN_SECONDS = "('Airflow', 'GluePipeline', 'Airbyte', 'Dagster', 'DomoPipeline')"
_REPORT_RENAMES = (("EntityReportData", "entityReportData"),
                   ("WebAnalyticEntityViewReportData", "webAnalyticEntityViewReportData"),
                   ("WebAnalyticUserActivityReportData", "webAnalyticUserActivityReportData"))
_DOMO = (("dbservice_entity", "DomoDatabase"), ("dashboard_service_entity", "DomoDashboard"),
         ("pipeline_service_entity", "DomoPipeline"))


def _ju(col: str, path: str) -> str:
    return "json_unquote(json_extract(%s, '$.%s'))" % (col, path)


def _mysql_120() -> List[Statement]:  # pylint: disable=too-many-locals
    e = MYSQL
    out = [
        Statement("Remove the deleted column from query_entity", "ALTER TABLE query_entity DROP COLUMN deleted"),
        Statement("Remove the deleted column from event_subscription_entity",
                  "ALTER TABLE event_subscription_entity DROP COLUMN deleted"),
        Statement("Domains", _entity_table(e, "domain_entity", "fqnHash", 256, deleted=False)),
        Statement("Data products", _entity_table(e, "data_product_entity", "fqnHash", 256, deleted=False)),
        Statement("Search services", _entity_table(e, "search_service_entity", "nameHash", 256, service=True)),
        Statement("Search indexes", _entity_table(e, "search_index_entity", "fqnHash", 256)),
        Statement("Airflow retries default to 0",
                  "UPDATE ingestion_pipeline_entity SET json = JSON_REPLACE(json, '$.airflowConfig.retries', 0) "
                  "WHERE JSON_EXTRACT(json, '$.airflowConfig.retries') IS NOT NULL"),
        Statement("Stored procedures", _entity_table(e, "stored_procedure_entity", "fqnHash", 768)),
        Statement("Relationship lookups by entity type",
                  "ALTER TABLE entity_relationship ADD INDEX from_entity_type_index(fromId, fromEntity), "
                  "ADD INDEX to_entity_type_index(toId, toEntity)"),
        Statement("tag: unique fqnHash and a key on id",
                  "ALTER TABLE tag DROP CONSTRAINT fqnHash, ADD CONSTRAINT UNIQUE(fqnHash), ADD UNIQUE KEY id (id)"),
        Statement("rename viewParsingTimeoutLimit for queryParsingTimeoutLimit",
                  "UPDATE ingestion_pipeline_entity SET json = JSON_INSERT("
                  "JSON_REMOVE(json, '$.sourceConfig.config.viewParsingTimeoutLimit'), "
                  "'$.sourceConfig.config.queryParsingTimeoutLimit', "
                  "JSON_EXTRACT(json, '$.sourceConfig.config.viewParsingTimeoutLimit')) "
                  "WHERE %s = 'metadata'" % _ju("json", "pipelineType")),
    ]
    for table, service_type in _DOMO:
        out.append(Statement(
            "Rename sandboxDomain for instanceDomain (%s)" % service_type,
            "UPDATE %s SET json = JSON_INSERT(JSON_REMOVE(json, '$.connection.config.sandboxDomain'), "
            "'$.connection.config.instanceDomain', JSON_EXTRACT(json, '$.connection.config.sandboxDomain')) "
            "WHERE serviceType = '%s'" % (table, service_type)))
    out.append(Statement("Query entities are keyed by FQN",
                         "ALTER TABLE query_entity CHANGE COLUMN nameHash fqnHash VARCHAR(256) "
                         "CHARACTER SET ascii COLLATE ascii_bin"))
    for table, index in NAME_INDEXES:
        out.append(Statement("", "ALTER TABLE %s ADD INDEX %s(name)" % (table, index)))
    out += [
        Statement("Personas", _create(e, "persona_entity", [
            _gen(e, "id", "id", size=36, stored=True), _gen(e, "name", "name"), _plain(e, "nameHash", 256),
            _json(e), _gen(e, "updatedAt", "updatedAt", "bigint"), _gen(e, "updatedBy", "updatedBy")],
            unique=("nameHash",), index_name="persona_name_index")),
        Statement("Knowledge pages", _create(e, "doc_store", [
            _gen(e, "id", "id", size=36, stored=True), _gen(e, "name", "name"),
            _gen(e, "entityType", "entityType"), _plain(e, "fqnHash", 256), _json(e),
            _gen(e, "updatedAt", "updatedAt", "bigint"), _gen(e, "updatedBy", "updatedBy")],
            unique=("fqnHash",), index_name="doc_store_name_index")),
        Statement("Remove markAllDeletedTables",
                  "UPDATE ingestion_pipeline_entity SET json = JSON_REMOVE(json, "
                  "'$.sourceConfig.config.markAllDeletedTables') WHERE %s = 'metadata'"
                  % _ju("json", "pipelineType")),
    ]
    for old, new in _REPORT_RENAMES:
        out.append(Statement("Report data type %s" % new,
                             "UPDATE report_data_time_series SET json = JSON_SET(json, '$.reportDataType', '%s'), "
                             "entityFQNHash = MD5('%s') WHERE %s = '%s'" % (new, new, _ju("json", "reportDataType"), old)))
    app_cols = [_gen(e, "id", "id", size=36, stored=True), _plain(e, "nameHash", 256), _gen(e, "name", "name"),
                _json(e), _gen(e, "updatedAt", "updatedAt", "bigint"), _gen(e, "updatedBy", "updatedBy"),
                _gen(e, "deleted", "deleted", "bool", not_null=False)]
    out += [
        Statement("Installed applications", _create(e, "installed_apps", app_cols, unique=("nameHash",))),
        Statement("Application marketplace", _create(e, "apps_marketplace", app_cols, unique=("nameHash",))),
        Statement("Application runs", _create(e, "apps_extension_time_series", [
            _gen(e, "appId", "appId", size=36, stored=True), _json(e),
            _gen(e, "timestamp", "timestamp", "bigint")], primary=False)),
        Statement("", "ALTER TABLE glossary_term_entity MODIFY fqnHash VARCHAR(756) CHARACTER SET ascii "
                      "COLLATE ascii_bin"),
        Statement("Remove duplicate time series rows",
                  "ALTER TABLE entity_extension_time_series ADD COLUMN temp SERIAL"),
        Statement("", "DELETE FROM entity_extension_time_series WHERE temp IN (SELECT temp FROM ("
                      "SELECT temp, ROW_NUMBER() OVER (PARTITION BY entityFQNHash, extension, timestamp "
                      "ORDER BY entityFQNHash) RN FROM entity_extension_time_series) d WHERE RN > 1)", sorts=True),
        Statement("", "ALTER TABLE entity_extension_time_series DROP COLUMN temp"),
        Statement("", "ALTER TABLE entity_extension_time_series MODIFY COLUMN entityFQNHash VARCHAR(768) "
                      "CHARACTER SET ascii COLLATE ascii_bin, MODIFY COLUMN jsonSchema VARCHAR(256) CHARACTER SET "
                      "ascii COLLATE ascii_bin, MODIFY COLUMN extension VARCHAR(256) CHARACTER SET ascii COLLATE "
                      "ascii_bin"),
        Statement("", "ALTER TABLE entity_extension_time_series DROP INDEX entity_extension_time_series_constraint, "
                      "ADD CONSTRAINT entity_extension_time_series_constraint UNIQUE (entityFQNHash, extension, "
                      "timestamp)"),
        Statement("Pipeline status timestamps in milliseconds",
                  "UPDATE entity_extension_time_series ts JOIN pipeline_entity p ON ts.entityFQNHash = p.fqnHash "
                  "SET ts.json = JSON_SET(ts.json, '$.timestamp', JSON_EXTRACT(ts.json, '$.timestamp') * 1000) "
                  "WHERE ts.extension = 'pipeline.pipelineStatus' AND %s IN %s"
                  % (_ju("p.json", "serviceType"), _PIPELINE_TYPES_IN_SECONDS)),
    ]
    return out


def _pg_120(fixed: bool) -> List[Statement]:
    e = PG
    only_when_present = " AND json #> '{sourceConfig,config,viewParsingTimeoutLimit}' IS NOT NULL" if fixed else ""
    out = [
        Statement("Remove the deleted column from query_entity", "ALTER TABLE query_entity DROP COLUMN deleted"),
        Statement("Remove the deleted column from event_subscription_entity",
                  "ALTER TABLE event_subscription_entity DROP COLUMN deleted"),
        Statement("Domains", _entity_table(e, "domain_entity", "fqnHash", 256, deleted=False)),
        Statement("Data products", _entity_table(e, "data_product_entity", "fqnHash", 256, deleted=False)),
        Statement("Search services", _entity_table(e, "search_service_entity", "nameHash", 256, service=True)),
        Statement("Search indexes", _entity_table(e, "search_index_entity", "fqnHash", 256)),
        Statement("Airflow retries default to 0",
                  "UPDATE ingestion_pipeline_entity SET json = jsonb_set(json::jsonb, '{airflowConfig,retries}', "
                  "'0', true)::json"),
        Statement("Stored procedures", _entity_table(e, "stored_procedure_entity", "fqnHash", 768)),
        Statement("", "CREATE INDEX IF NOT EXISTS from_entity_type_index ON entity_relationship (fromId, fromEntity)"),
        Statement("", "CREATE INDEX IF NOT EXISTS to_entity_type_index ON entity_relationship (toId, toEntity)"),
        Statement("tag: unique fqnHash and a primary key",
                  "ALTER TABLE tag DROP CONSTRAINT IF EXISTS tag_fqnhash_key"),
        Statement("", "ALTER TABLE tag ADD CONSTRAINT unique_fqnHash UNIQUE (fqnHash)"),
        Statement("", "ALTER TABLE tag ADD CONSTRAINT tag_pk PRIMARY KEY (id)"),
        Statement("rename viewParsingTimeoutLimit for queryParsingTimeoutLimit",
                  "UPDATE ingestion_pipeline_entity SET json = jsonb_set("
                  "json::jsonb #- '{sourceConfig,config,viewParsingTimeoutLimit}', "
                  "'{sourceConfig,config,queryParsingTimeoutLimit}', "
                  "(json #> '{sourceConfig,config,viewParsingTimeoutLimit}')::jsonb, true)::json "
                  "WHERE json #>> '{pipelineType}' = 'metadata'" + only_when_present),
    ]
    for table, service_type in _DOMO:
        guard = " AND json #> '{connection,config,sandboxDomain}' IS NOT NULL" if fixed else ""
        out.append(Statement(
            "Rename sandboxDomain for instanceDomain (%s)" % service_type,
            "UPDATE %s SET json = jsonb_set(json::jsonb #- '{connection,config,sandboxDomain}', "
            "'{connection,config,instanceDomain}', (json #> '{connection,config,sandboxDomain}')::jsonb, true) "
            "WHERE serviceType = '%s'%s" % (table, service_type, guard)))
    out.append(Statement("Query entities are keyed by FQN",
                         "ALTER TABLE query_entity RENAME COLUMN nameHash TO fqnHash"))
    for table in [t for t, _i in NAME_INDEXES] + list(_PG_EXTRA_NAME_INDEXES):
        out.append(Statement("", "CREATE INDEX IF NOT EXISTS idx_name_%s ON %s (name)" % (table, table)))
    out += [
        Statement("Personas", _create(e, "persona_entity", [
            _gen(e, "id", "id", size=36, stored=True), _gen(e, "name", "name"), _plain(e, "nameHash", 256),
            _json(e), _gen(e, "updatedAt", "updatedAt", "bigint"), _gen(e, "updatedBy", "updatedBy")],
            unique=("nameHash",))),
        Statement("", "CREATE INDEX IF NOT EXISTS persona_name_index ON persona_entity (name)"),
        Statement("Knowledge pages", _create(e, "doc_store", [
            _gen(e, "id", "id", size=36, stored=True), _gen(e, "name", "name"),
            _gen(e, "entityType", "entityType"), _plain(e, "fqnHash", 256), _json(e),
            _gen(e, "updatedAt", "updatedAt", "bigint"), _gen(e, "updatedBy", "updatedBy")],
            unique=("fqnHash",))),
        Statement("", "CREATE INDEX IF NOT EXISTS page_name_index ON doc_store (name)"),
        Statement("Remove markAllDeletedTables",
                  "UPDATE ingestion_pipeline_entity SET json = (json::jsonb #- "
                  "'{sourceConfig,config,markAllDeletedTables}')::json WHERE json #>> '{pipelineType}' = 'metadata'"),
    ]
    for old, new in _REPORT_RENAMES:
        out.append(Statement("Report data type %s" % new,
                             "UPDATE report_data_time_series SET json = jsonb_set(json, '{reportDataType}', "
                             "'\"%s\"'), entityFQNHash = MD5('%s') WHERE json #>> '{reportDataType}' = '%s'"
                             % (new, new, old)))
    app_cols = [_gen(e, "id", "id", size=36, stored=True), _plain(e, "nameHash", 256), _gen(e, "name", "name"),
                _json(e), _gen(e, "updatedAt", "updatedAt", "bigint"), _gen(e, "updatedBy", "updatedBy"),
                _gen(e, "deleted", "deleted", "bool", not_null=False)]
    out += [
        Statement("Installed applications", _create(e, "installed_apps", app_cols, unique=("nameHash",))),
        Statement("Application marketplace", _create(e, "apps_marketplace", app_cols, unique=("nameHash",))),
        Statement("Application runs", _create(e, "apps_extension_time_series", [
            _gen(e, "appId", "appId", size=36, stored=True), _json(e),
            _gen(e, "timestamp", "timestamp", "bigint")], primary=False)),
        Statement("Remove duplicate time series rows",
                  "ALTER TABLE entity_extension_time_series ADD COLUMN temp SERIAL"),
        Statement("", "DELETE FROM entity_extension_time_series WHERE temp IN (SELECT temp FROM ("
                      "SELECT temp, ROW_NUMBER() OVER (PARTITION BY entityFQNHash, extension, timestamp "
                      "ORDER BY entityFQNHash) AS rn FROM entity_extension_time_series) d WHERE d.rn > 1)",
                  sorts=True),
        Statement("", "ALTER TABLE entity_extension_time_series DROP COLUMN temp"),
        Statement("", "ALTER TABLE entity_extension_time_series ALTER COLUMN entityFQNHash TYPE VARCHAR(768), "
                      "ALTER COLUMN jsonSchema TYPE VARCHAR(256), ALTER COLUMN extension TYPE VARCHAR(256)"),
        Statement("", "ALTER TABLE entity_extension_time_series DROP CONSTRAINT IF EXISTS "
                      "entity_extension_time_series_constraint"),
        Statement("", "ALTER TABLE entity_extension_time_series ADD CONSTRAINT "
                      "entity_extension_time_series_constraint UNIQUE (entityFQNHash, extension, timestamp)"),
        Statement("Pipeline status timestamps in milliseconds",
                  "UPDATE entity_extension_time_series ts SET json = jsonb_set(ts.json, '{timestamp}', "
                  "to_jsonb(cast(ts.json #> '{timestamp}' as int8) * 1000)) FROM pipeline_entity p "
                  "WHERE ts.entityFQNHash = p.fqnHash AND ts.extension = 'pipeline.pipelineStatus' "
                  "AND p.json #>> '{serviceType}' IN %s" % _PIPELINE_TYPES_IN_SECONDS),
    ]
    return out


def _post_120() -> List[Statement]:
    return [
        Statement("", "INSERT INTO report_data_time_series (entityFQNHash, extension, jsonSchema, json) "
                      "SELECT entityFQNHash, extension, jsonSchema, json FROM entity_extension_time_series "
                      "WHERE extension = 'reportData.reportDataResult'"),
        Statement("", "DELETE FROM entity_extension_time_series WHERE extension = 'reportData.reportDataResult'"),
    ]


def _v121(engine: str) -> List[Statement]:
    # Upstream's 1.2.1 file also rewrites dbt test-result timestamps in data_quality_data_time_series,
    # a table the 1.1.x fixture does not have; only the search-service step is kept.
    if engine == MYSQL:
        return [Statement("update elasticsearch connection",
                          "UPDATE search_service_entity SET json = JSON_INSERT(JSON_REMOVE(json, "
                          "'$.connection.config.caCert'), '$.connection.config.sslConfig', JSON_OBJECT('certificates', "
                          "JSON_OBJECT('caCertPath', JSON_EXTRACT(json, '$.connection.config.caCert')))) "
                          "WHERE serviceType = 'ElasticSearch' AND JSON_EXTRACT(json, '$.connection.config.caCert') "
                          "IS NOT NULL")]
    return [Statement("update elasticsearch connection",
                      "UPDATE search_service_entity SET json = jsonb_set(json #- '{connection,config,caCert}', "
                      "'{connection,config,sslConfig}', jsonb_build_object('certificates', jsonb_build_object("
                      "'caCertPath', json #> '{connection,config,caCert}'))) WHERE serviceType = 'ElasticSearch' "
                      "AND json #> '{connection,config,caCert}' IS NOT NULL")]


def _v124(engine: str) -> List[Statement]:
    if engine == MYSQL:
        return [Statement("", "UPDATE field_relationship fr INNER JOIN user_entity ue ON fr.fromFQN = ue.name "
                              "SET fr.fromFQNHash = MD5(%s), fr.fromFQN = %s WHERE fr.fromType = 'user'"
                              % (_ju("ue.json", "fullyQualifiedName"), _ju("ue.json", "fullyQualifiedName")))]
    return [Statement("", "UPDATE field_relationship fr SET fromFQNHash = MD5(ue.json ->> 'fullyQualifiedName'), "
                          "fromFQN = ue.json ->> 'fullyQualifiedName' FROM user_entity ue "
                          "WHERE fr.fromFQN = ue.name AND fr.fromType = 'user'")]


def for_version(version: str, engine: str, release: Release) -> Tuple[List[Statement], List[Statement]]:
    """(schemaChanges, postDataMigrationSQLScript) of native/<version> in ``release``.

    The 1.1.x folders carry no statements here: every database the stand-in meets has run them.
    """
    if version == "1.2.0":
        schema = _mysql_120() if engine == MYSQL else _pg_120(release.fixed_postgres_120)
        return schema, _post_120()
    if version == "1.2.1":
        return _v121(engine), []
    if version == "1.2.4":
        return _v124(engine), []
    return [], []
