"""Property tests: whatever we dump splits back into the same statements.

Statements are built from the pieces that make splitting hard (string literals holding the
delimiter, quotes, backslashes and line breaks, quoted identifiers, comments, dollar-quoted
bodies, MySQL routine bodies in DELIMITER blocks, COPY data), rendered the way our writers
render them, and read back with ``iter_statements``.
"""
from __future__ import annotations

import io

from hypothesis import assume, given, settings, strategies as st

from ansible_collections.openmetadata.ops.plugins.module_utils.database import mysql_engine, postgresql_engine
from ansible_collections.openmetadata.ops.plugins.module_utils.database.db import quote_mysql, quote_postgresql
from ansible_collections.openmetadata.ops.plugins.module_utils.database.dumpfile import UnsupportedObject, iter_statements

HARD = list("ab ;'\"`\\$-/*#\n\r\tE.") + ["é", "\U0001f600", "$$", "$body$", "--", "/*", "*/", ";;", "//", "\\."]
TEXT = st.lists(st.sampled_from(HARD), max_size=12).map("".join)
WORD = st.from_regex(r"[a-z_][a-z0-9_]{0,6}", fullmatch=True)
PUNCT = st.sampled_from(["(", ")", ",", "=", "+", "<", ">", "1", "2.5", "-1", "a$b", "x::text"])


def _no(text: str, *bad: str) -> bool:
    return not any(piece in text for piece in bad)


def mysql_token() -> st.SearchStrategy[str]:
    return st.one_of(
        WORD, PUNCT,
        st.builds(quote_mysql, TEXT),
        st.builds(mysql_engine.sql_literal, TEXT),  # the escaping of the server's QUOTE() + our line-break REPLACE
        TEXT.map(lambda t: "'%s'" % t.replace("\\", "\\\\").replace("'", "''")),  # raw line breaks kept
        TEXT.map(lambda t: '"%s"' % t.replace("\\", "\\\\").replace('"', '\\"')),
        TEXT.filter(lambda t: _no(t, "\n", "\r")).map(lambda t: "-- %s\n" % t),
        TEXT.filter(lambda t: _no(t, "\n", "\r")).map(lambda t: "# %s\n" % t),
        TEXT.filter(lambda t: _no(t, "*/")).map(lambda t: "/* %s */" % t),
        TEXT.filter(lambda t: _no(t, "*/")).map(lambda t: "/*!50003 %s */" % t),
    )


def _dollar(parts: tuple[str, str]) -> str:
    tag, body = parts
    quote = "$%s$" % tag
    assume((body + quote).find(quote) == len(body))
    return quote + body + quote


def pg_token() -> st.SearchStrategy[str]:
    return st.one_of(
        WORD, PUNCT, st.just("$1"),
        st.builds(quote_postgresql, TEXT),
        TEXT.map(lambda t: "'%s'" % t.replace("'", "''")),  # postgresql_engine._literal
        TEXT.map(lambda t: "E'%s'" % t.replace("\\", "\\\\").replace("'", "\\'")),
        st.tuples(st.sampled_from(["", "body", "function", "_"]), TEXT).map(_dollar),
        TEXT.filter(lambda t: _no(t, "\n", "\r")).map(lambda t: "-- %s\n" % t),
        TEXT.filter(lambda t: _no(t, "*/", "/*")).map(lambda t: "/* %s */" % t),
        TEXT.filter(lambda t: _no(t, "*/", "/*")).map(lambda t: "/* outer /* %s */ nested */" % t),
    )


def statement(token: st.SearchStrategy[str]) -> st.SearchStrategy[str]:
    """A keyword, then any tokens, then a word (a statement of ours never ends in a line
    comment or a bare delimiter)."""
    return st.tuples(st.sampled_from(["SELECT", "INSERT INTO t VALUES", "CREATE VIEW v AS SELECT", "SET @a ="]),
                     st.lists(token, max_size=8), WORD,
                     st.sampled_from([" ", "\n", "  \n  "])).map(
        lambda parts: parts[3].join([parts[0]] + parts[1] + [parts[2]]))


def split(text: str, dialect: str) -> list[tuple[str, object]]:
    reader = io.BufferedReader(io.BytesIO(text.encode("utf-8")))
    out = []
    for stmt in iter_statements(reader, dialect):
        out.append((stmt.sql, stmt.copy_data.read(1 << 20) if stmt.copy_data is not None else None))
    return out


@settings(max_examples=400, deadline=None)
@given(st.lists(statement(mysql_token()), min_size=1, max_size=6), st.sampled_from([";\n", ";", "; ", ";\n\n-- x\n"]))
def test_mysql_statements_split_back_unchanged(statements, separator):
    assert split("".join(s + separator for s in statements), "mysql") == [(s, None) for s in statements]


@settings(max_examples=400, deadline=None)
@given(st.lists(statement(pg_token()), min_size=1, max_size=6), st.sampled_from([";\n", ";", "; ", ";\n\n-- x\n"]))
def test_postgresql_statements_split_back_unchanged(statements, separator):
    assert split("".join(s + separator for s in statements), "postgresql") == [(s, None) for s in statements]


@settings(max_examples=300, deadline=None)
@given(st.lists(st.tuples(st.sampled_from(["procedure", "function", "trigger", "event", "view"]),
                          statement(mysql_token()), st.sampled_from([None, "", "STRICT_TRANS_TABLES"])),
                min_size=1, max_size=4))
def test_mysql_objects_in_delimiter_blocks_split_back_unchanged(objects):
    """object_dump_text (routines, triggers, events in DELIMITER blocks) reads back as the
    statements a driver runs (object_statements)."""
    text, expected = "", []
    for kind, sql, mode in objects:
        obj = {"kind": kind, "name": "x", "sql": "CREATE " + sql, "sql_mode": mode,
               "time_zone": "+01:00" if kind == "event" else None}
        try:
            text += mysql_engine.object_dump_text(obj)
        except UnsupportedObject:
            assume(False)
        expected.extend(mysql_engine.object_statements(obj))
    text += "SELECT 'after';\n"
    assert split(text, "mysql") == [(s, None) for s in expected + ["SELECT 'after'"]]


VALUE = st.one_of(st.none(), st.integers(), st.booleans(), TEXT, st.binary(max_size=8))


@settings(max_examples=300, deadline=None)
@given(st.lists(st.one_of(
    st.lists(st.lists(VALUE, min_size=1, max_size=4), min_size=1, max_size=4).map(
        lambda rows: "INSERT INTO `t` VALUES " + ",".join(
            "(" + ",".join(mysql_engine.sql_literal(v) for v in row) + ")" for row in rows)),
    # any other statement; an INSERT of those writers is always one line (the shortcut's premise)
    statement(mysql_token()).filter(lambda sql: not sql.startswith("INSERT"))), min_size=1, max_size=6))
def test_mysql_dump_lines_split_back_the_same_with_the_single_line_insert_shortcut(statements):
    """dump_table's INSERT lines (values escaped as QUOTE() and our REPLACE do, which is
    sql_literal's escaping), among any other statements,
    read back the same with and without the shortcut the restore takes for our dumps."""
    text = "".join(s + ";\n" for s in statements)
    reader = io.BufferedReader(io.BytesIO(text.encode("utf-8")))
    fast = [stmt.sql for stmt in iter_statements(reader, "mysql", single_line_inserts=True)]
    assert fast == [sql for sql, _data in split(text, "mysql")] == statements


COPY_FIELD = TEXT.map(lambda t: t.replace("\\", "\\\\").replace("\n", "\\n").replace("\r", "\\r").replace("\t", "\\t"))


@settings(max_examples=300, deadline=None)
@given(st.lists(st.lists(st.one_of(COPY_FIELD, st.just("\\N")), min_size=1, max_size=3), max_size=5),
       statement(pg_token()))
def test_copy_data_comes_back_byte_for_byte(rows, after):
    """A COPY block (text format, as COPY TO STDOUT and pg_dump write it) streams back
    unchanged, and the statement after it is found."""
    data = "".join("\t".join(row) + "\n" for row in rows)
    text = "COPY t (a, b) FROM stdin;\n" + data + "\\.\n" + after + ";\n"
    assert split(text, "postgresql") == [("COPY t (a, b) FROM stdin", data.encode("utf-8")), (after, None)]


def test_extension_statement_keeps_a_foreign_schema():
    assert postgresql_engine.create_extension_sql(
        {"name": "pgcrypto", "schema": "public", "in_dumped_schema": True}) == 'CREATE EXTENSION IF NOT EXISTS "pgcrypto"'
    assert postgresql_engine.create_extension_sql(
        {"name": "pgcrypto", "schema": "ext", "in_dumped_schema": False}) == \
        'CREATE EXTENSION IF NOT EXISTS "pgcrypto" WITH SCHEMA "ext"'
    assert postgresql_engine.extension_statements({"name": "pgcrypto", "schema": "ext", "in_dumped_schema": False}) == [
        'CREATE SCHEMA IF NOT EXISTS "ext"', 'CREATE EXTENSION IF NOT EXISTS "pgcrypto" WITH SCHEMA "ext"']
    assert postgresql_engine.extension_statements({"name": "pgcrypto", "schema": "public", "in_dumped_schema": True}) \
        == ['CREATE EXTENSION IF NOT EXISTS "pgcrypto"']
