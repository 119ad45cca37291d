"""COPY data read in blocks, and table segments spliced into one dump (parallel jobs)."""
from __future__ import annotations

import gzip
import io
import os

from hypothesis import given, settings, strategies as st

from ansible_collections.openmetadata.ops.plugins.module_utils.database.dumpfile import (
    AtomicCompressedWriter, iter_statements, open_dump,
)

# COPY text lines: a NULL (\N) or escaped backslash may start a line; "\." only ends the block.
CELL = st.sampled_from(["a", "\\N", "\\\\", "\\.x", "x\\.", "é", "", "b" * 70, "\\t"])
LINE = st.lists(CELL, min_size=1, max_size=4).map("\t".join).filter(lambda line: not line.startswith("\\."))


@settings(max_examples=150, deadline=None)
@given(rows=st.lists(LINE, max_size=40), buffer_size=st.sampled_from([8, 17, 64, 4096]),
       size=st.sampled_from([5, 64, 1 << 20]), crlf=st.booleans())
def test_copy_block_reads_exactly_the_data_and_counts_lines(rows, buffer_size, size, crlf):
    end = "\\.\r\n" if crlf else "\\.\n"
    text = "COPY t (a) FROM stdin;\n" + "".join(row + "\n" for row in rows) + end + "SELECT 1;\nSELECT 2;\n"
    reader = io.BufferedReader(io.BytesIO(text.encode()), buffer_size=buffer_size)
    statements = []
    for stmt in iter_statements(reader, "postgresql"):
        data = b""
        if stmt.copy_data is not None:
            while True:
                chunk = stmt.copy_data.read(size)
                if not chunk:
                    break
                data += chunk
        statements.append((stmt.sql, stmt.line, data))
    assert statements[0] == ("COPY t (a) FROM stdin", 1, "".join(row + "\n" for row in rows).encode())
    assert statements[1:] == [("SELECT 1", len(rows) + 3, b""), ("SELECT 2", len(rows) + 4, b"")]


def test_spliced_segments_read_back_as_one_text(tmp_path):
    segments = []
    for index, text in enumerate(["CREATE TABLE a (x int);\n", "", "INSERT INTO a VALUES (1);\n" * 1000]):
        segment = AtomicCompressedWriter(str(tmp_path / ("%d.gz" % index)), durable=False)
        segment.write(text)
        segment.commit()
        segments.append((str(tmp_path / ("%d.gz" % index)), segment.raw_size))
    writer = AtomicCompressedWriter(str(tmp_path / "dump.sql.gz"))
    writer.write("SET NAMES utf8mb4;\n")
    for path, raw_size in segments:
        writer.splice(path, raw_size)
    writer.write("SELECT 1;\n")
    writer.commit()
    expected = "SET NAMES utf8mb4;\nCREATE TABLE a (x int);\n" + "INSERT INTO a VALUES (1);\n" * 1000 + "SELECT 1;\n"
    assert gzip.decompress((tmp_path / "dump.sql.gz").read_bytes()).decode() == expected
    with open_dump(str(tmp_path / "dump.sql.gz")) as reader:
        assert reader.read().decode() == expected
    assert writer.raw_size == len(expected.encode())
    assert not any(os.path.exists(path) for path, _size in segments)  # spliced segments are removed
