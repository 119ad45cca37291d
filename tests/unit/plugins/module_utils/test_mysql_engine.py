from __future__ import annotations

import datetime
import decimal
import hashlib

import pytest

from ansible_collections.openmetadata.ops.plugins.module_utils.database import mysql_engine
from ansible_collections.openmetadata.ops.plugins.module_utils.database.dumpfile import UnsupportedObject


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
    """The checksum of backups before the row literal (still verified on restore)."""
    sql = mysql_engine.table_checksum_sql("t", [("json", "longtext"), ("f", "float")], mysql_engine.COLUMN_CHECKSUM)
    assert "IFNULL(MD5(`json`), 'N')" in sql and "IFNULL(MD5(CAST(`f` AS DOUBLE)), 'N')" in sql
    assert sql.endswith("FROM `t`")


def test_literal_checksum_hashes_the_literal_the_dump_holds():
    stored = [("json", "longtext"), ("f", "float"), ("b", "varbinary")]
    literal = mysql_engine.row_literal_sql(stored)
    assert "QUOTE(`json`)" in literal and "QUOTE(CAST(`f` AS DOUBLE))" in literal and "HEX(`b`)" in literal
    # line breaks escaped with CHAR(): no backslash escape the session's sql_mode could change
    assert "CHAR(10 USING utf8mb4)" in literal and "\\" not in literal
    sql = mysql_engine.table_checksum_sql("t", stored)
    assert "MD5(%s)" % literal in sql
    expected = int(hashlib.md5("('é',NULL)".encode("utf-8")).hexdigest()[:15], 16)
    assert mysql_engine.literal_hash("('é',NULL)") == expected
    with pytest.raises(ValueError, match="unknown checksum method"):
        mysql_engine.row_hash_sql(stored, "crc32")


@pytest.mark.parametrize("text", ["", "a'b", "\\", "\\'", "x\0y\x1az", "line\r\nnext", "'; DROP TABLE t; --", "😀\\n"])
def test_escape_string_agrees_with_pymysql(text):
    import pymysql.converters  # pylint: disable=import-outside-toplevel
    ours = mysql_engine.escape_string(text)
    theirs = pymysql.converters.escape_string(text)
    # pymysql also escapes double quotes, which need no escaping inside '...'.
    assert ours == theirs.replace('\\"', '"')
