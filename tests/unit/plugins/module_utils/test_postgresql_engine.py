from __future__ import annotations

from ansible_collections.openmetadata.ops.plugins.module_utils import postgresql_engine


def test_row_hash_column_is_summed_and_cut_off_even_across_writes():
    written = []
    rows = postgresql_engine._RowsWithHash(written.append)  # pylint: disable=protected-access
    rows.write(b"1\ta\\tb\t10\n")
    rows.write(b"2\t\\N\t")  # a row split over two writes
    rows.write(b"5\n3\tc\t7\n")
    assert b"".join(written) == b"1\ta\\tb\n2\t\\N\n3\tc\n"
    assert rows.rows == 3
    assert rows.checksum == 22


def test_column_sql_covers_generated_identity_and_defaults():
    col = {"name": "id", "type": "character varying(36)", "not_null": True, "default": "(json ->> 'id'::text)",
           "generated": True, "identity": "", "collation": None}
    assert postgresql_engine.column_sql(col) == \
        "\"id\" character varying(36) GENERATED ALWAYS AS ((json ->> 'id'::text)) STORED NOT NULL"
    col = {"name": "n", "type": "integer", "not_null": True, "default": None, "generated": False,
           "identity": "a", "collation": None}
    assert postgresql_engine.column_sql(col) == '"n" integer GENERATED ALWAYS AS IDENTITY NOT NULL'
    col = {"name": "t", "type": "text", "not_null": False, "default": "'x'::text", "generated": False,
           "identity": "", "collation": '"C"'}
    assert postgresql_engine.column_sql(col) == '"t" text COLLATE "C" DEFAULT \'x\'::text'
