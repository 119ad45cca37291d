from __future__ import annotations

import datetime
import decimal

import pytest

from ansible_collections.openmetadata.ops.plugins.module_utils import mysql_engine
from ansible_collections.openmetadata.ops.plugins.module_utils.dumpfile import UnsupportedObject


@pytest.mark.parametrize("value, literal", [
    (None, "NULL"),
    (5, "5"),
    ("plain", "'plain'"),
    ("it's", "'it\\'s'"),
    ("a\nb\r\tc", "'a\\nb\\r\tc'"),
    ("back\\slash", "'back\\\\slash'"),
    ("😀 中文", "'😀 中文'"),
    (b"\x00\xff", "0x00ff"),
    (b"", "''"),
    (decimal.Decimal("12.50"), "12.50"),
    (datetime.datetime(2024, 1, 2, 3, 4, 5, 123000), "'2024-01-02 03:04:05.123000'"),
])
def test_sql_literal(value, literal):
    assert mysql_engine.sql_literal(value) == literal


def test_literals_never_contain_a_raw_newline():
    assert "\n" not in mysql_engine.sql_literal("x\n" * 100)


def test_one_line_keeps_quoted_text():
    ddl = "CREATE TABLE `ab` (\n  `c` int COMMENT 'x\ny'\n)"
    assert mysql_engine.one_line(ddl) == "CREATE TABLE `ab` (   `c` int COMMENT 'x\\ny' )"


def test_one_line_refuses_an_identifier_with_a_line_break():
    with pytest.raises(UnsupportedObject, match="method=client"):
        mysql_engine.one_line("CREATE TABLE `a\nb` (c int)")


def test_checksum_sql_covers_every_column_and_marks_null():
    sql = mysql_engine.table_checksum_sql("t", [("json", "longtext"), ("f", "float")])
    assert "IFNULL(MD5(`json`), 'N')" in sql and "IFNULL(MD5(CAST(`f` AS DOUBLE)), 'N')" in sql
    assert sql.endswith("FROM `t`")


@pytest.mark.parametrize("text", ["", "a'b", "\\", "\\'", "x\0y\x1az", "line\r\nnext", "'; DROP TABLE t; --", "😀\\n"])
def test_escape_string_agrees_with_pymysql(text):
    import pymysql.converters  # pylint: disable=import-outside-toplevel
    ours = mysql_engine.escape_string(text)
    theirs = pymysql.converters.escape_string(text)
    # pymysql also escapes double quotes, which need no escaping inside '...'.
    assert ours == theirs.replace('\\"', '"')
