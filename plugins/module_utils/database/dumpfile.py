# -*- coding: utf-8 -*-
# Copyright: (c) 2026, openmetadata.ops contributors
# Apache License 2.0 (see LICENSE or https://www.apache.org/licenses/LICENSE-2.0)
"""Writing and reading compressed SQL dump files.

Writing: :class:`AtomicCompressedWriter` compresses and hashes in a background thread
(zlib and hashlib release the GIL) while the caller keeps reading rows, writes into a
hidden temporary file in the destination folder and renames it into place only when
everything succeeded. A failure (disk full, DB error) leaves no partial file behind.

Reading: :func:`iter_statements` turns a dump (ours, mysqldump's or pg_dump's plain
format) back into statements, streaming ``COPY ... FROM stdin`` data blocks so that
memory stays bounded whatever the table size.
"""
from __future__ import annotations

import errno
import gzip
import hashlib
import io
import os
import queue
import re
import tempfile
import threading
import zlib
from typing import Any, Callable, Iterator, Optional, Union

from ansible_collections.openmetadata.ops.plugins.module_utils.files import fsync_dir

CHUNK = 1024 * 1024


class UnsupportedObject(Exception):
    """The schema holds something a native dump cannot write faithfully."""


def single_line(sql: str, what: str) -> str:
    """Our dumps hold one statement per line; refuse rather than alter DDL that has a
    raw newline (possible only in hand-made objects, never in OpenMetadata's)."""
    if "\n" in sql or "\r" in sql:
        raise UnsupportedObject("%s contains a line break, which the native dump format cannot carry "
                                "unchanged: use method=client for this database (%s)" % (what, sql[:120]))
    return sql


class DumpWriteError(Exception):
    """Writing the dump failed; the temporary file has been removed."""


class AtomicCompressedWriter:
    """A write-only binary stream that lands at ``path`` as a gzip file, atomically.

    ``write()`` buffers; full buffers go through a bounded queue to a thread that
    compresses, hashes and writes them, so memory stays at a few megabytes.
    """

    def __init__(self, path: str, level: int = 1, mode: int = 0o600, durable: bool = True) -> None:
        self.path = path
        self.level = level
        self.mode = mode
        self.durable = durable  # False: no fsync (a parallel dump's table segments, spliced into a durable file)
        self.sha256 = ""
        self.size = 0
        self.raw_size = 0
        folder = os.path.dirname(os.path.abspath(path))
        fd, self.tmp_path = tempfile.mkstemp(prefix=".%s." % os.path.basename(path),
                                             suffix=".partial", dir=folder)
        os.fchmod(fd, mode)
        self._file = os.fdopen(fd, "wb")
        self._buffer: list[bytes] = []
        self._buffered = 0
        self._queue: "queue.Queue[Any]" = queue.Queue(maxsize=8)
        self._error: Optional[BaseException] = None
        self._closed = False
        self._thread = threading.Thread(target=self._drain, name="dump-writer", daemon=True)
        self._thread.start()

    # -- producer side -------------------------------------------------------------
    def write(self, data: Union[bytes, str]) -> int:
        if isinstance(data, str):
            data = data.encode("utf-8")
        self._buffer.append(data)
        self._buffered += len(data)
        if self._buffered >= CHUNK:
            self._flush_buffer()
        return len(data)

    def splice(self, path: str, raw_size: int) -> None:
        """Append the gzip file ``path`` (holding ``raw_size`` bytes of SQL) as members of
        this stream, without decompressing it, then remove it: a parallel dump's table
        segments go into the one dump file in table order. gzip readers (``gzip -dc``,
        Python's gzip, :func:`open_dump`) read concatenated members as one text."""
        self._flush_buffer()
        self.raw_size += raw_size
        self._put(("splice", path))

    def _flush_buffer(self) -> None:
        if not self._buffer:
            return
        block = b"".join(self._buffer)
        self._buffer = []
        self._buffered = 0
        self.raw_size += len(block)
        self._put(block)

    def _put(self, block: Any) -> None:
        while True:
            if self._error is not None:
                raise DumpWriteError(describe_write_error(self._error, self.path))
            try:
                self._queue.put(block, timeout=0.5)
                return
            except queue.Full:
                continue

    # -- consumer side ---------------------------------------------------------------
    def _drain(self) -> None:
        digest = hashlib.sha256()
        # gzip framing by hand so that compression and hashing happen on this thread.
        compressor = zlib.compressobj(self.level, zlib.DEFLATED, -zlib.MAX_WBITS)
        crc = 0
        length = 0
        header = b"\x1f\x8b\x08\x00\x00\x00\x00\x00\x00\xff"  # no name, no mtime: reproducible

        def emit(data: bytes) -> None:
            if data:
                digest.update(data)
                self._file.write(data)
                self.size += len(data)

        ended = False
        try:
            emit(header)
            while True:
                block = self._queue.get()
                if block is None:
                    ended = True
                    break
                if isinstance(block, tuple):  # ("splice", path): end this member, copy the file's, start anew
                    emit(compressor.flush())
                    emit((crc & 0xFFFFFFFF).to_bytes(4, "little") + (length & 0xFFFFFFFF).to_bytes(4, "little"))
                    with open(block[1], "rb") as segment:
                        for data in iter(lambda: segment.read(CHUNK), b""):  # pylint: disable=cell-var-from-loop
                            emit(data)
                    os.unlink(block[1])
                    compressor = zlib.compressobj(self.level, zlib.DEFLATED, -zlib.MAX_WBITS)
                    crc = length = 0
                    emit(header)
                    continue
                crc = zlib.crc32(block, crc)
                length += len(block)
                emit(compressor.compress(block))
            emit(compressor.flush())
            emit((crc & 0xFFFFFFFF).to_bytes(4, "little") + (length & 0xFFFFFFFF).to_bytes(4, "little"))
            self._file.flush()
            if self.durable:
                os.fsync(self._file.fileno())
            self.sha256 = digest.hexdigest()
        except BaseException as exc:  # pylint: disable=broad-except
            self._error = exc
            # Keep consuming until the end marker so the producer never blocks on a full
            # queue; after the marker (a failing flush or fsync) there is nothing to wait for.
            while not ended:
                ended = self._queue.get() is None

    # -- finishing -----------------------------------------------------------------
    def commit(self) -> None:
        """Finish the stream and rename it into place (fsync'd)."""
        self._flush_buffer()
        self._finish_thread()
        if self._error is not None:
            self.abort()
            raise DumpWriteError(describe_write_error(self._error, self.path))
        self._file.close()
        os.replace(self.tmp_path, self.path)
        self._closed = True
        if not self.durable:
            return
        try:
            fsync_dir(os.path.dirname(os.path.abspath(self.path)))
        except OSError as exc:
            os.unlink(self.path)
            raise DumpWriteError(describe_write_error(exc, self.path)) from None

    def abort(self) -> None:
        """Drop everything written so far; safe to call more than once."""
        if self._closed:
            return
        self._finish_thread()
        try:
            self._file.close()
        except OSError:
            pass
        try:
            os.unlink(self.tmp_path)
        except FileNotFoundError:
            pass
        self._closed = True

    def _finish_thread(self) -> None:
        if self._thread.is_alive():
            self._queue.put(None)
            self._thread.join()

    def __enter__(self) -> "AtomicCompressedWriter":
        return self

    def __exit__(self, exc_type: Any, exc: Any, tb: Any) -> None:
        if exc_type is not None:
            self.abort()


def describe_write_error(exc: BaseException, path: str) -> str:
    folder = os.path.dirname(os.path.abspath(path))
    if isinstance(exc, OSError) and exc.errno == errno.ENOSPC:
        return ("no space left on the device holding %s while writing the backup; the partial "
                "file was removed. Free space there or choose another dest." % folder)
    if isinstance(exc, OSError) and exc.errno in (errno.EACCES, errno.EPERM, errno.EROFS):
        return "cannot write the backup in %s (%s); the partial file was removed." % (folder, exc.strerror)
    return "writing the backup to %s failed: %s; the partial file was removed." % (path, exc)


def sha256_file(path: str) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(CHUNK), b""):
            digest.update(block)
    return digest.hexdigest()


def open_dump(path: str) -> io.BufferedReader:
    """A binary reader of the dump's SQL text, gzip or not (client dumps may be plain)."""
    with open(path, "rb") as probe:
        magic = probe.read(2)
    if magic == b"\x1f\x8b":
        return io.BufferedReader(gzip.open(path, "rb"), buffer_size=CHUNK)  # type: ignore[arg-type]
    return open(path, "rb", buffering=CHUNK)


# ---------------------------------------------------------------------------------------
# Reading statements back
# ---------------------------------------------------------------------------------------

class Statement:
    """One SQL statement; for ``COPY ... FROM stdin`` also a stream of its data lines."""

    __slots__ = ("sql", "copy_data", "line")

    def __init__(self, sql: str, line: int, copy_data: Optional["CopyData"] = None) -> None:
        self.sql = sql
        self.line = line
        self.copy_data = copy_data

    def preview(self, limit: int = 200) -> str:
        text = " ".join(self.sql.split())
        return text if len(text) <= limit else text[:limit] + "..."


class CopyData(io.RawIOBase):
    """File-like view of a COPY data block, ending before its ``\\.`` line.

    psycopg2's copy_expert reads it with read(size); it must be fully consumed before
    the statement iterator moves on. Whole lines are taken from the reader's buffer in
    blocks (``peek``): only a line that starts with ``\\.``, which may be the end marker, is
    read on its own.
    """

    def __init__(self, source: io.BufferedReader, on_line: Callable[..., None]) -> None:
        super().__init__()
        self._source = source
        self._on_line = on_line  # on_line(n): n more lines of the dump were read
        self._pending = b""
        self._line_start = True
        self.finished = False

    def readable(self) -> bool:
        return True

    def _next_line(self) -> bytes:
        line = self._source.readline()
        self._on_line()
        if not line:
            raise DumpFormatError("the dump ends inside a COPY data block: it is truncated")
        if line in (b"\\.\n", b"\\.\r\n", b"\\."):
            self.finished = True
            return b""
        return line

    def _next_block(self) -> bytes:
        """The next whole lines of data (or the end marker's empty result)."""
        if self._line_start:
            ahead = self._source.peek(CHUNK)
            if not ahead or ahead[:2] == b"\\." or ahead == b"\\":
                return self._next_line()
            end = ahead.find(b"\n\\.")
            if end < 0:
                end = ahead.rfind(b"\n")
            if end < 0:  # a line longer than the buffer: its first part
                self._line_start = False
                return self._source.read(len(ahead))
            block = self._source.read(end + 1)
            self._on_line(block.count(b"\n"))
            return block
        line = self._source.readline()  # the rest of a long line
        if not line:
            raise DumpFormatError("the dump ends inside a COPY data block: it is truncated")
        self._line_start = line.endswith(b"\n")
        self._on_line()
        return line

    def read(self, size: int = -1) -> bytes:
        if size is None or size < 0:
            size = CHUNK
        out = [self._pending]
        total = len(self._pending)
        while total < size and not self.finished:
            block = self._next_block()
            out.append(block)
            total += len(block)
        data = b"".join(out)
        self._pending = data[size:]
        return data[:size]

    def drain(self) -> None:
        while not self.finished:
            self._next_block()
        self._pending = b""


class DumpFormatError(Exception):
    """The dump cannot be parsed (truncated, not SQL, unknown format)."""


DIALECTS = ("mysql", "postgresql")

# A string or quoted identifier that ends on the same line. Unrolled loops ([^q]*(?:esc[^q]*)*q):
# the regex engine runs through a whole literal in C. A doubled quote is an escape in both
# dialects; a backslash escapes in MySQL strings and in PostgreSQL E'...' strings only.
_MYSQL_SQ = r"'[^'\\]*(?:(?:\\.|'')[^'\\]*)*'"
_MYSQL_DQ = r'"[^"\\]*(?:(?:\\.|"")[^"\\]*)*"'
_MYSQL_BQ = r"`[^`]*(?:``[^`]*)*`"
_PG_SQ = r"'[^']*(?:''[^']*)*'"
_PG_ESQ = r"(?<![A-Za-z0-9_$\x80-\U0010ffff])[Ee]'[^'\\]*(?:(?:\\.|'')[^'\\]*)*'"
_PG_DQ = r'"[^"]*(?:""[^"]*)*"'
_IDENT_CHAR = r"A-Za-z0-9_$\x80-\U0010ffff"
# The rest of a literal that a line break interrupted: how each kind continues on the next line.
_CONTINUE = {
    "mysql'": re.compile(r"[^'\\]*(?:(?:\\.|'')[^'\\]*)*'", re.S),
    'mysql"': re.compile(r'[^"\\]*(?:(?:\\.|"")[^"\\]*)*"', re.S),
    "mysql`": re.compile(r"[^`]*(?:``[^`]*)*`", re.S),
    "postgresql'": re.compile(r"[^']*(?:''[^']*)*'", re.S),
    "postgresqlE": re.compile(r"[^'\\]*(?:(?:\\.|'')[^'\\]*)*'", re.S),
    'postgresql"': re.compile(r'[^"]*(?:""[^"]*)*"', re.S),
}
_DOLLAR_TAG = re.compile(r"(?<![%s])\$(?:[A-Za-z_\x80-\U0010ffff][A-Za-z0-9_\x80-\U0010ffff]*)?\$" % _IDENT_CHAR)
_PG_COMMENT_TOKEN = re.compile(r"/\*|\*/")
_SKIPPERS: dict[tuple[str, str], Any] = {}


def _skipper(dialect: str, delimiter: str) -> Any:
    """A regex that runs over ordinary text and complete one-line literals and comments,
    and stops where the Python loop must look: the delimiter, a literal or comment that
    goes on past the line, a dollar quote, or the end of the line."""
    key = (dialect, delimiter)
    if key not in _SKIPPERS:
        if dialect == "mysql":
            special = "'\"`#/-"
            parts = [_MYSQL_SQ, _MYSQL_DQ, _MYSQL_BQ, r"#[^\n]*", r"--(?=[ \t\r\n])[^\n]*", r"/\*.*?\*/",
                     r"/(?!\*)", r"-(?!-[ \t\r\n])"]
        else:
            special = "'\"$/-Ee"
            parts = [_PG_ESQ, _PG_SQ, _PG_DQ, r"--[^\n]*", r"/(?!\*)", r"-(?!-)", r"[Ee](?!')",
                     r"(?<=[%s])[Ee]" % _IDENT_CHAR, r"(?<=[%s])\$" % _IDENT_CHAR,
                     r"\$(?![A-Za-z_\x80-\U0010ffff$])"]
        if delimiter[0] not in special:  # else the alternatives above already take it alone
            special += delimiter[0]
            parts.append(re.escape(delimiter[0]))  # a lone first character of a longer delimiter
        plain = "[^%s]+" % re.escape("".join(sorted(set(special))))
        _SKIPPERS[key] = re.compile("(?:(?!%s)(?:%s))*" % (re.escape(delimiter), "|".join([plain] + parts)), re.S)
    return _SKIPPERS[key]


class _Scanner:
    """Lexical state of a statement across lines: where the delimiter really ends it."""

    def __init__(self, dialect: str) -> None:
        if dialect not in DIALECTS:
            raise ValueError("dialect must be one of %s, not %r" % (DIALECTS, dialect))
        self.dialect = dialect
        self.delimiter = ";"
        self.inside: Optional[str] = None  # a _CONTINUE key, "$tag$", or "/*"
        self.depth = 0  # nesting of PostgreSQL block comments

    def find_end(self, line: str, pos: int) -> int:
        """The index of the delimiter that ends the statement in ``line`` (from ``pos``), or -1."""
        skipper = _skipper(self.dialect, self.delimiter)
        size = len(line)
        while pos < size:
            if self.inside is not None:
                pos = self._continue(line, pos)
                continue
            pos = skipper.match(line, pos).end()
            if pos >= size:
                return -1
            if line.startswith(self.delimiter, pos):
                return pos
            pos = self._open(line, pos)
        return -1

    def _continue(self, line: str, pos: int) -> int:
        inside = self.inside or ""
        if inside == "/*":
            if self.dialect == "mysql":
                end = line.find("*/", pos)
                if end < 0:
                    return len(line)
                self.inside = None
                return end + 2
            for match in _PG_COMMENT_TOKEN.finditer(line, pos):
                self.depth += 1 if match.group() == "/*" else -1
                if self.depth == 0:
                    self.inside = None
                    return match.end()
            return len(line)
        if inside.startswith("$"):
            end = line.find(inside, pos)
            if end < 0:
                return len(line)
            self.inside = None
            return end + len(inside)
        match = _CONTINUE[inside].match(line, pos)
        if match is None:
            return len(line)
        self.inside = None
        return match.end()

    def _open(self, line: str, pos: int) -> int:
        """Enter what starts at ``pos`` (the skipper stopped there) and go past it."""
        char = line[pos]
        if self.dialect == "postgresql":
            if char in "Ee" and line.startswith("'", pos + 1):
                self.inside = "postgresqlE"
                return pos + 2
            if char == "$":
                match = _DOLLAR_TAG.match(line, pos)
                if match is not None:
                    self.inside = match.group()
                    return match.end()
                return pos + 1
        if char in "'\"`":
            self.inside = self.dialect + char
            return pos + 1
        if line.startswith("/*", pos):
            self.inside = "/*"
            self.depth = 1
            return pos + 2
        return pos + 1


def _is_comment_line(stripped: str, dialect: str) -> bool:
    if stripped.startswith("--"):
        return dialect == "postgresql" or len(stripped) == 2 or stripped[2] in " \t\r\n"
    return dialect == "mysql" and stripped.startswith("#")


def iter_statements(reader: io.BufferedReader, dialect: str,
                    single_line_inserts: bool = False) -> Iterator[Statement]:
    """Split a dump into statements, the way the server's own client would.

    Reads the plain SQL that our native writer, mysqldump/mariadb-dump and pg_dump write
    (``dialect`` ``mysql`` or ``postgresql``): a delimiter ends a statement only outside
    string literals, quoted identifiers, comments and (PostgreSQL) dollar-quoted bodies,
    all of which may run over several lines; ``DELIMITER x`` lines switch the delimiter
    (MySQL routines and triggers); comment lines between statements and psql
    meta-commands (``\\restrict``) are skipped; ``COPY ... FROM stdin;`` is followed by its
    data up to ``\\.``, streamed to the caller. Several statements may share a line.

    ``single_line_inserts``: the dump was written by our MySQL writer or mysqldump, which
    put each INSERT on one line of its own with every line break inside a value escaped;
    such a line is then taken whole without lexing it (5-10x faster on many small rows).
    Only for those writers' dumps, checked against their manifest's sha256 first.
    """
    scanner = _Scanner(dialect)
    parts: list[str] = []
    line_no = 0
    start_line = 0

    def count(lines: int = 1) -> None:
        nonlocal line_no
        line_no += lines

    while True:
        raw = reader.readline()
        if not raw:
            break
        line_no += 1
        try:
            line = raw.decode("utf-8")
        except UnicodeDecodeError:
            raise DumpFormatError("line %d of the dump is not UTF-8 text: the file is corrupted "
                                  "or not a SQL dump" % line_no) from None
        if single_line_inserts and not parts and scanner.delimiter == ";" and line.startswith("INSERT INTO ") \
                and line.endswith(";\n"):
            yield Statement(line[:-2].rstrip(), line_no)
            continue
        pos = 0
        while pos < len(line):
            if not parts:
                stripped = line[pos:].strip()
                if not stripped or _is_comment_line(stripped, dialect) or (
                        stripped.startswith("\\") and scanner.delimiter == ";"):
                    break
                if dialect == "mysql" and stripped[:10].upper() == "DELIMITER " and pos == 0:
                    scanner.delimiter = stripped.split(None, 1)[1]
                    break
                pos += len(line[pos:]) - len(line[pos:].lstrip())
                start_line = line_no
            end = scanner.find_end(line, pos)
            if end < 0:
                parts.append(line[pos:])
                break
            parts.append(line[pos:end])
            pos = end + len(scanner.delimiter)
            sql = "".join(parts).rstrip()
            parts = []
            if not sql:
                continue
            if is_copy_from_stdin(sql):
                data = CopyData(reader, count)
                yield Statement(sql, start_line, data)
                data.drain()
                break  # the data starts on the next line
            yield Statement(sql, start_line)
    if parts and "".join(parts).strip():
        raise DumpFormatError("the dump ends in the middle of a statement starting at line %d: "
                              "it is truncated" % start_line)


def is_copy_from_stdin(sql: str) -> bool:
    head = sql.lstrip()[:5].upper()
    return head == "COPY " and sql.rstrip().upper().endswith("FROM STDIN")
