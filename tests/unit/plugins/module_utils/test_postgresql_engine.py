from __future__ import annotations

from ansible_collections.openmetadata.ops.plugins.module_utils.database import postgresql_engine


def test_row_hasher_sums_row_hashes_and_forwards_data_even_across_writes():
    written = []
    hasher = postgresql_engine.RowHasher(written.append)
    for chunk in (b"1\ta\\tb\n", b"2\t\\N", b"\n3\tc\n"):  # the second row spans two writes
        hasher.write(chunk)
    assert b"".join(written) == b"1\ta\\tb\n2\t\\N\n3\tc\n"
    expected = sum(postgresql_engine.row_hash(line) for line in (b"1\ta\\tb", b"2\t\\N", b"3\tc"))
    assert hasher.result() == {"rows": 3, "checksum": "%d" % expected}


def test_row_hash_is_the_first_60_bits_of_md5():
    assert postgresql_engine.row_hash(b"") == int("d41d8cd98f00b20", 16)


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


def test_index_definitions_lose_their_schema():
    assert postgresql_engine.unqualified_index(
        "CREATE INDEX ix ON public.table_entity USING btree (name)", "public.table_entity", "table_entity") == \
        'CREATE INDEX ix ON "table_entity" USING btree (name)'
    assert postgresql_engine.unqualified_index(
        'CREATE UNIQUE INDEX ix ON ONLY "My Schema"."T" USING btree (a)', '"My Schema"."T"', "T") == \
        'CREATE UNIQUE INDEX ix ON ONLY "T" USING btree (a)'


def test_row_hasher_counts_the_same_however_copy_data_is_cut():
    """One row per write (what PostgreSQL sends), rows split across writes, several rows in
    one write: the same rows, checksum and forwarded bytes."""
    import hashlib  # pylint: disable=import-outside-toplevel
    rows = [b"1\tx\\ny", b"", b"2\t\\N", "3\t\u00e9\U0001f600".encode("utf-8")]
    data = b"".join(row + b"\n" for row in rows)
    expected = sum(int(hashlib.md5(row).hexdigest()[:15], 16) for row in rows)
    for cuts in ([row + b"\n" for row in rows], [data[:3], data[3:11], data[11:]], [data], [bytes([b]) for b in data]):
        forwarded = []
        hasher = postgresql_engine.RowHasher(forwarded.append)
        for chunk in cuts:
            hasher.write(chunk)
        assert hasher.result() == {"rows": len(rows), "checksum": "%d" % expected}
        assert b"".join(forwarded) == data
