"""MySQL 8, which cannot run here: the statements we produce for it and the MySQL-8-shaped text
we must parse, written in the form MySQL 8.0 prints them (SHOW CREATE TABLE renders upstream's
``json ->> '$.id'`` as ``json_unquote(json_extract(`json`,_utf8mb4'$.id'))``; mysqldump 8 writes
``/*!50503 ... */`` and ``/*!80016 ... */`` version comments and GTID lines). Only MariaDB met a
live server (see docs/backup-restore.md).
"""
from __future__ import annotations

import io

from ansible_collections.openmetadata.ops.plugins.module_utils.database import client_dump, mysql_engine
from ansible_collections.openmetadata.ops.plugins.module_utils import preflight
from ansible_collections.openmetadata.ops.plugins.module_utils.database.db import DbParams
from ansible_collections.openmetadata.ops.plugins.module_utils.database.dumpfile import iter_statements

# Our own table in the shape of upstream's 1.1.x MySQL DDL, as MySQL 8.0 prints it back.
MYSQL8_SHOW_CREATE = (
    "CREATE TABLE `glossary_term_entity` (\n"
    "  `id` varchar(36) GENERATED ALWAYS AS (json_unquote(json_extract(`json`,_utf8mb4'$.id'))) STORED NOT NULL,\n"
    "  `json` json NOT NULL,\n"
    "  `updatedAt` bigint unsigned GENERATED ALWAYS AS (json_unquote(json_extract(`json`,_utf8mb4'$.updatedAt'))) "
    "VIRTUAL NOT NULL,\n"
    "  `deleted` tinyint(1) GENERATED ALWAYS AS (json_extract(`json`,_utf8mb4'$.deleted')) VIRTUAL,\n"
    "  `fqnHash` varchar(256) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,\n"
    "  PRIMARY KEY (`id`),\n"
    "  UNIQUE KEY `fqnHash` (`fqnHash`)\n"
    ") ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_0900_ai_ci"
)

# Upstream writes its MySQL DDL with the ->> operator (bootstrap v001 onwards); ours, same shape.
UPSTREAM_SHAPED_DDL = (
    "CREATE TABLE IF NOT EXISTS bot_like_entity (\n"
    "    id VARCHAR(36) GENERATED ALWAYS AS (json ->> '$.id') STORED NOT NULL,\n"
    "    name VARCHAR(256) GENERATED ALWAYS AS (json ->> '$.name') NOT NULL,\n"
    "    deleted BOOLEAN GENERATED ALWAYS AS (json -> '$.deleted'),\n"
    "    json JSON NOT NULL, -- the document; a comment with ; and ' in it\n"
    "    PRIMARY KEY (id),\n"
    "    UNIQUE (name)\n"
    ")"
)


def split(text: str, **kwargs) -> list[str]:
    reader = io.BufferedReader(io.BytesIO(text.encode("utf-8")))
    return [stmt.sql for stmt in iter_statements(reader, "mysql", **kwargs)]


def test_mysql8_show_create_table_survives_one_line_and_the_reader():
    line = mysql_engine.one_line(MYSQL8_SHOW_CREATE)
    assert "\n" not in line
    assert "_utf8mb4'$.id'" in line and "COLLATE=utf8mb4_0900_ai_ci" in line
    assert split(line + ";\n") == [line]


def test_upstream_shaped_ddl_with_arrow_operators_is_one_statement():
    assert split(UPSTREAM_SHAPED_DDL + ";\nSELECT 1;\n") == [UPSTREAM_SHAPED_DDL, "SELECT 1"]


def test_a_mysqldump8_file_splits_into_its_statements():
    """The parts of a mysqldump 8.0 file that MariaDB's does not write: /*!50503 and
    /*!80016 comments, GTID lines (a dump made without --set-gtid-purged=OFF), a routine
    and a trigger in DELIMITER ;; blocks, 0900 collations."""
    text = (
        "-- MySQL dump 10.13  Distrib 8.0.36, for Linux (x86_64)\n"
        "/*!40101 SET @OLD_CHARACTER_SET_CLIENT=@@CHARACTER_SET_CLIENT */;\n"
        "/*!50503 SET NAMES utf8mb4 */;\n"
        "SET @MYSQLDUMP_TEMP_LOG_BIN = @@SESSION.SQL_LOG_BIN;\n"
        "SET @@SESSION.SQL_LOG_BIN= 0;\n"
        "SET @@GLOBAL.GTID_PURGED=/*!80000 '+'*/ '3e11fa47-71ca-11e1-9e33-c80aa9429562:1-5';\n"
        "/*!40101 SET @saved_cs_client     = @@character_set_client */;\n"
        "/*!50503 SET character_set_client = utf8mb4 */;\n"
        + MYSQL8_SHOW_CREATE + ";\n"
        "INSERT INTO `glossary_term_entity` (`json`, `fqnHash`) VALUES "
        "('{\\\"id\\\": \\\"a;b\\\", \\\"n\\\": \\\"it\\'s\\\"}','h1'),('{}','h2');\n"
        "/*!50003 SET sql_mode              = 'ONLY_FULL_GROUP_BY,STRICT_TRANS_TABLES,NO_ZERO_IN_DATE' */ ;\n"
        "DELIMITER ;;\n"
        "/*!50003 CREATE*/ /*!50017 DEFINER=`om`@`%`*/ /*!50003 TRIGGER `t_bi` BEFORE INSERT ON "
        "`glossary_term_entity` FOR EACH ROW BEGIN\n"
        "  SET NEW.fqnHash = LOWER(NEW.fqnHash);\n"
        "END */;;\n"
        "CREATE DEFINER=`om`@`%` PROCEDURE `touch`(IN x INT)\n"
        "BEGIN\n"
        "  UPDATE glossary_term_entity SET json = JSON_SET(json, '$.touched', x);\n"
        "END ;;\n"
        "DELIMITER ;\n"
        "SET @@SESSION.SQL_LOG_BIN = @MYSQLDUMP_TEMP_LOG_BIN;\n"
    )
    for shortcut in (False, True):
        statements = split(text, single_line_inserts=shortcut)
        assert len(statements) == 13
        assert statements[4] == "SET @@GLOBAL.GTID_PURGED=/*!80000 '+'*/ '3e11fa47-71ca-11e1-9e33-c80aa9429562:1-5'"
        assert statements[7] == MYSQL8_SHOW_CREATE
        assert statements[8].endswith("('{}','h2')")
        assert statements[10].endswith("SET NEW.fqnHash = LOWER(NEW.fqnHash);\nEND */")
        assert statements[11].startswith("CREATE DEFINER=`om`@`%` PROCEDURE `touch`(IN x INT)\nBEGIN\n")
        assert statements[12] == "SET @@SESSION.SQL_LOG_BIN = @MYSQLDUMP_TEMP_LOG_BIN"


def test_mysql8_mysqldump_gets_set_gtid_purged_off(tmp_path, monkeypatch):
    """GTID_PURGED lines would fail a restore into a server with its own GTIDs: the client
    dump turns them off on MySQL 8's mysqldump (MariaDB's has no such option)."""
    params = DbParams(engine="mysql", database="openmetadata_db")
    for version, expected in (("mysqldump  Ver 8.0.36 for Linux on x86_64 (MySQL Community Server - GPL)", True),
                              ("mariadb-dump from 11.4.2-MariaDB, client 10.19", False)):
        monkeypatch.setattr(client_dump, "client_version", lambda _binary, v=version: v)
        folder = tmp_path / str(expected)
        folder.mkdir()
        argv, _env = client_dump.build_command(params, "/usr/bin/mysqldump", str(folder))
        assert ("--set-gtid-purged=OFF" in argv) is expected
        assert "--routines" in argv and "--triggers" in argv and "--events" in argv


class Recorder:
    def __init__(self) -> None:
        self.executed: list[str] = []

    def cursor(self):
        return self

    def __enter__(self):
        return self

    def __exit__(self, *args):
        return False

    def execute(self, sql, args=None):
        self.executed.append(sql)


def test_a_mysql8_database_is_created_with_its_0900_collation():
    conn = Recorder()
    sql = mysql_engine.create_database(conn, "om", {"charset": "utf8mb4", "collation": "utf8mb4_0900_ai_ci"})
    assert sql == "CREATE DATABASE `om` CHARACTER SET utf8mb4 COLLATE utf8mb4_0900_ai_ci"
    assert conn.executed == [sql]


ROUTINE = {"kind": "procedure", "name": "touch", "definer": "om@%", "sql_mode": "ONLY_FULL_GROUP_BY,STRICT_TRANS_TABLES",
           "sql": "CREATE DEFINER=`om`@`%` PROCEDURE `touch`(IN x INT)\nBEGIN\n  SELECT ';;' INTO @a;\n  SET @b = x;\nEND"}
EVENT = {"kind": "event", "name": "purge", "definer": "om@%", "sql_mode": "", "time_zone": "SYSTEM",
         "sql": "CREATE DEFINER=`om`@`%` EVENT `purge` ON SCHEDULE EVERY 1 DAY DO DELETE FROM t WHERE a < 0"}


def test_objects_are_written_with_their_sql_mode_and_a_delimiter_their_body_lacks():
    text = mysql_engine.object_dump_text(ROUTINE)
    assert text.startswith("SET SESSION sql_mode = 'ONLY_FULL_GROUP_BY,STRICT_TRANS_TABLES';\nDELIMITER $$\n")
    assert split(text) == mysql_engine.object_statements(ROUTINE)
    assert mysql_engine.object_statements(EVENT) == [
        "SET SESSION sql_mode = ''", "SET SESSION time_zone = 'SYSTEM'", EVENT["sql"],
        "SET SESSION time_zone = '+00:00'", "SET SESSION sql_mode = 'NO_AUTO_VALUE_ON_ZERO'"]


def test_privileges_mysql8_names_let_another_definer_through():
    objects = {"procedures": [{"name": "touch", "definer": "om@%"}], "events": [{"name": "purge", "definer": "om@%"}]}
    base = {"CREATE ROUTINE", "EVENT"}
    assert mysql_engine.privilege_problems("admin@%", base | {"SET_USER_ID"}, objects, "om") == []
    assert mysql_engine.privilege_problems("admin@%", base | {"SET_ANY_DEFINER"}, objects, "om") == []
    assert mysql_engine.privilege_problems("om@%", base, objects, "om") == []  # its own objects
    problems = mysql_engine.privilege_problems("admin@%", {"CREATE ROUTINE"}, objects, "om")
    assert problems == [
        "procedure touch has DEFINER om@%: creating it as admin@% needs SUPER or SET USER (MariaDB), "
        "SET_USER_ID or SET_ANY_DEFINER (MySQL 8)",
        "event purge needs the EVENT privilege on om, which admin@% lacks",
        "event purge has DEFINER om@%: creating it as admin@% needs SUPER or SET USER (MariaDB), "
        "SET_USER_ID or SET_ANY_DEFINER (MySQL 8)",
    ]


def test_preflight_refuses_a_mysql_rollback_it_could_not_restore_and_warns_on_postgresql():
    judge = preflight.Judge()
    preflight._check_db(judge, {"db": {"reachable": True, "engine": "mysql",  # pylint: disable=protected-access
                                       "restore_problems": ["trigger t has DEFINER om@%: ..."]}})
    assert [p["code"] for p in judge.problems] == ["db_restore_privileges"]
    assert "trigger t has DEFINER" in judge.problems[0]["msg"]
    judge = preflight.Judge()
    preflight._check_db(judge, {"db": {"reachable": True, "engine": "postgresql",  # pylint: disable=protected-access
                                       "restore_problems": ["into a new database: extension pgcrypto ..."]}})
    assert judge.problems == [] and "extension pgcrypto" in judge.warnings[0]
