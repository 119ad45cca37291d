"""om_schema.read_change_log: every change-log version, numerically sorted, None for a missing table."""
from __future__ import annotations

from typing import Any, Optional

from ansible_collections.openmetadata.ops.plugins.module_utils.database.om_schema import read_change_log


class FakeConn:
    """Answers the existence checks and SELECT version queries of om_schema from a dict of tables."""

    def __init__(self, tables: dict[str, list[Optional[str]]]) -> None:
        self.tables = tables
        self.last: Any = None

    def cursor(self) -> "FakeConn":
        return self

    def __enter__(self) -> "FakeConn":
        return self

    def __exit__(self, *exc: Any) -> None:
        return None

    def execute(self, sql: str, args: Any = None) -> None:
        if "information_schema" in sql or "pg_class" in sql:
            name = args[-1]
            self.last = [(1,)] if name in self.tables else []
        else:
            name = next(t for t in self.tables if t in sql)
            self.last = [(v,) for v in self.tables[name]]

    def fetchone(self) -> Any:
        return self.last[0] if self.last else None

    def fetchall(self) -> list:
        return list(self.last)


def test_versions_sorted_by_number_not_by_string():
    conn = FakeConn({"DATABASE_CHANGE_LOG": ["014", "001", "002"],
                     "SERVER_CHANGE_LOG": ["1.1.10", "1.2.0", "1.1.9", None, "1.1.9"]})
    assert read_change_log(conn, "mysql") == {"flyway": ["001", "002", "014"],
                                              "native": ["1.1.9", "1.1.10", "1.2.0"]}


def test_missing_table_is_none_and_empty_table_is_empty():
    conn = FakeConn({"DATABASE_CHANGE_LOG": []})
    assert read_change_log(conn, "postgresql") == {"flyway": [], "native": None}
