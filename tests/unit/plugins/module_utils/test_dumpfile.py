from __future__ import annotations

import errno
import gzip
import io
import os
import stat

import pytest

from ansible_collections.openmetadata.ops.plugins.module_utils import files
from ansible_collections.openmetadata.ops.plugins.module_utils.database import dumpfile
from ansible_collections.openmetadata.ops.plugins.module_utils.database.dumpfile import (
    AtomicCompressedWriter, DumpFormatError, DumpWriteError, iter_statements,
)


def statements(text: str, dialect: str = "mysql"):
    reader = io.BufferedReader(io.BytesIO(text.encode()))
    out = []
    for stmt in iter_statements(reader, dialect):
        data = stmt.copy_data.read(-1) if stmt.copy_data is not None else None
        if stmt.copy_data is not None:
            rest = b""
            while True:
                chunk = stmt.copy_data.read(7)
                if not chunk:
                    break
                rest += chunk
            data = data + rest
        out.append((stmt.sql, data))
    return out


def test_writer_produces_valid_gzip_with_matching_sha256(tmp_path):
    path = tmp_path / "d.sql.gz"
    with AtomicCompressedWriter(str(path)) as writer:
        for i in range(5000):
            writer.write("INSERT INTO t VALUES (%d, 'x');\n" % i)
        writer.commit()
    data = gzip.decompress(path.read_bytes())
    assert data.count(b"\n") == 5000
    assert writer.sha256 == dumpfile.sha256_file(str(path))
    assert writer.size == path.stat().st_size
    assert writer.raw_size == len(data)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert [p.name for p in tmp_path.iterdir()] == ["d.sql.gz"]


def test_aborted_writer_leaves_nothing(tmp_path):
    path = tmp_path / "d.sql.gz"
    writer = AtomicCompressedWriter(str(path))
    writer.write(b"x" * (3 * dumpfile.CHUNK))
    writer.abort()
    assert list(tmp_path.iterdir()) == []


def test_write_error_is_explained_and_cleans_up(tmp_path, monkeypatch):
    path = tmp_path / "d.sql.gz"
    writer = AtomicCompressedWriter(str(path))

    def full(_data):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(writer._file, "write", full)  # pylint: disable=protected-access
    with pytest.raises(DumpWriteError, match="no space left"):
        for _round in range(20):
            writer.write(b"y" * dumpfile.CHUNK)
        writer.commit()
    writer.abort()
    assert list(tmp_path.iterdir()) == []


def test_statements_one_per_line_and_multiline():
    text = (
        "-- comment\n"
        "SET NAMES utf8mb4;\n"
        "\n"
        "CREATE TABLE `t` (\n  `a` int,\n  `b` text\n) ENGINE=InnoDB;\n"
        "INSERT INTO `t` VALUES (1,'a;\\nb'),(2,'c');\n"
    )
    assert [sql for sql, _data in statements(text)] == [
        "SET NAMES utf8mb4",
        "CREATE TABLE `t` (\n  `a` int,\n  `b` text\n) ENGINE=InnoDB",
        "INSERT INTO `t` VALUES (1,'a;\\nb'),(2,'c')",
    ]


def test_delimiter_switch_for_mysqldump_triggers():
    text = "DELIMITER ;;\nCREATE TRIGGER x BEFORE INSERT ON t FOR EACH ROW BEGIN SET @a=1; END ;;\nDELIMITER ;\nSELECT 1;\n"
    assert [sql for sql, _data in statements(text)] == [
        "CREATE TRIGGER x BEFORE INSERT ON t FOR EACH ROW BEGIN SET @a=1; END", "SELECT 1"]


def test_copy_blocks_stream_their_data_and_psql_meta_commands_are_skipped():
    text = (
        "\\restrict abc\n"
        "COPY public.t (a, b) FROM stdin;\n"
        "1\tx\\ny\n"
        "2\t\\N\n"
        "\\.\n"
        "SELECT pg_catalog.setval('s', 3, true);\n"
        "\\unrestrict abc\n"
    )
    result = statements(text, "postgresql")
    assert result[0] == ("COPY public.t (a, b) FROM stdin", b"1\tx\\ny\n2\t\\N\n")
    assert result[1] == ("SELECT pg_catalog.setval('s', 3, true)", None)
    assert len(result) == 2


def test_unconsumed_copy_data_is_skipped_by_the_iterator():
    text = "COPY t (a) FROM stdin;\n1\n2\n\\.\nSELECT 2;\n"
    reader = io.BufferedReader(io.BytesIO(text.encode()))
    assert [s.sql for s in iter_statements(reader, "postgresql")] == ["COPY t (a) FROM stdin", "SELECT 2"]


@pytest.mark.parametrize("text, message", [
    ("CREATE TABLE t (\n a int\n", "truncated"),
    ("COPY t (a) FROM stdin;\n1\n2\n", "truncated"),
])
def test_truncated_dumps_are_reported(text, message):
    with pytest.raises(DumpFormatError, match=message):
        statements(text, "postgresql")


def test_binary_garbage_is_reported():
    reader = io.BufferedReader(io.BytesIO(b"\xff\xfe\x00garbage;\n"))
    with pytest.raises(DumpFormatError, match="not UTF-8"):
        list(iter_statements(reader, "mysql"))


def test_open_dump_reads_gzip_and_plain(tmp_path):
    plain = tmp_path / "a.sql"
    plain.write_bytes(b"SELECT 1;\n")
    packed = tmp_path / "b.sql.gz"
    packed.write_bytes(gzip.compress(b"SELECT 2;\n"))
    with dumpfile.open_dump(str(plain)) as reader:
        assert reader.read() == b"SELECT 1;\n"
    with dumpfile.open_dump(str(packed)) as reader:
        assert reader.read() == b"SELECT 2;\n"


def test_write_file_atomic_mode(tmp_path):
    path = tmp_path / "m.json"
    files.write_file_atomic(str(path), b"{}")
    assert path.read_bytes() == b"{}"
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600


def test_failure_at_fsync_fails_cleanly_instead_of_hanging(tmp_path, monkeypatch):
    """A full disk often shows only at fsync, after the last block was queued."""
    path = tmp_path / "d.sql.gz"
    writer = AtomicCompressedWriter(str(path))
    writer.write(b"SELECT 1;\n")

    def no_space(_fd):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(dumpfile.os, "fsync", no_space)
    with pytest.raises(DumpWriteError, match="no space left"):
        writer.commit()
    assert list(tmp_path.iterdir()) == []
