from __future__ import annotations

import pytest

from ansible_collections.openmetadata.ops.plugins.module_utils.database import db_setting
from ansible_collections.openmetadata.ops.plugins.module_utils.database import settings as s
from ansible_collections.openmetadata.ops.plugins.module_utils.database.db import DbParams


@pytest.mark.parametrize("text", ["20MB", "20M", "20971520", "20480kB", "20480K", "20 MB", "20mb"])
def test_units_compare_as_sizes(text):
    assert s.to_bytes(text) == 20971520
    assert s.same_or_larger(text, "20MB", at_least=False)


def test_at_least_never_lowers_and_exact_does():
    assert s.same_or_larger("64MB", "20MB", at_least=True)
    assert not s.same_or_larger("64MB", "20MB", at_least=False)
    assert not s.same_or_larger("4MB", "20MB", at_least=True)
    assert s.same_or_larger("ON", "on", at_least=True)
    assert s.to_bytes("lots") is None


ORIGINAL = "# site tuning\n[client]\nport = 3306\n[mysqld]\nsort-buffer-size = 2M  \nmax_connections = 500\n"


def test_option_file_line_is_edited_in_place():
    edited = s.option_file_with(ORIGINAL, "sort_buffer_size", "20971520")
    assert edited == ORIGINAL.replace("sort-buffer-size = 2M  ", "sort_buffer_size = 20971520")
    assert s.option_file_value(edited, "sort_buffer_size") == "20971520"
    assert s.option_file_value(ORIGINAL, "sort_buffer_size") == "2M"


def test_option_file_gets_a_section_or_a_line():
    assert s.option_file_with(None, "sort_buffer_size", "1").endswith("[mysqld]\nsort_buffer_size = 1\n")
    assert s.option_file_with("[client]\nport=1", "x", "2") == "[client]\nport=1\n[mysqld]\nx = 2\n"
    assert s.option_file_with("[mysqld]\nmax=1\n", "x", "2") == "[mysqld]\nx = 2\nmax=1\n"
    assert s.option_file_value("[client]\nsort_buffer_size=9\n", "sort_buffer_size") is None


def test_postgresql_statements():
    assert s.pg_set_statement("work_mem", "system", "", "20480kB") == "ALTER SYSTEM SET work_mem = '20480kB'"
    assert s.pg_set_statement("work_mem", "role", "om", None) == 'ALTER ROLE "om" RESET work_mem'
    assert s.pg_set_statement("work_mem", "database", "o'm", "1MB") == \
        "ALTER DATABASE \"o'm\" SET work_mem = '1MB'"
    with pytest.raises(s.SettingError):
        s.check_name("work_mem; DROP TABLE x")


class FakeMysql8:
    """Stands in for a MySQL 8 server, which cannot be installed on the test machines:
    answers the reads db_setting makes and records every statement."""

    def __init__(self, log, state):
        self.log = log
        self.state = state

    def cursor(self):
        return self

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False

    def close(self):
        pass

    def execute(self, sql, args=None):
        self.log.append(sql)
        if sql.startswith("SET PERSIST"):
            self.state["global"] = self.state["persisted"] = sql.rsplit("= ", 1)[1]
        elif sql.startswith("RESET PERSIST"):
            self.state["persisted"] = None
        elif sql.startswith("SET GLOBAL"):
            self.state["global"] = sql.rsplit("= ", 1)[1]
        self._sql = sql

    def fetchone(self):
        if "version()" in self._sql:
            return ("8.0.36",)
        if "@@GLOBAL" in self._sql:
            return (self.state["global"],)
        if "persisted_variables" in self._sql:
            return (self.state["persisted"],) if self.state["persisted"] else None
        return None

    def fetchall(self):
        return [("basedir", "/usr/")]


def test_mysql8_uses_set_persist_and_resets_it_on_revert(tmp_path, monkeypatch):
    log, server = [], {"global": "262144", "persisted": None}
    monkeypatch.setattr(db_setting, "connect", lambda *a, **k: FakeMysql8(log, server))
    params = DbParams(engine="mysql", user="root")
    state_file = str(tmp_path / "state.json")
    request = db_setting.Request(name="sort_buffer_size", value="20MB", state_file=state_file)
    out = db_setting.run(params, request, check_mode=False)
    assert out["executed_queries"] == ["SET PERSIST sort_buffer_size = 20971520"]
    assert server == {"global": "20971520", "persisted": "20971520"}

    again = db_setting.run(params, request, check_mode=False)
    assert again["changed"] is False

    revert = db_setting.Request(name="sort_buffer_size", value=None, state="reverted", state_file=state_file)
    out = db_setting.run(params, revert, check_mode=False)
    assert out["executed_queries"] == ["RESET PERSIST sort_buffer_size", "SET GLOBAL sort_buffer_size = 262144"]
    assert server == {"global": "262144", "persisted": None}
    assert db_setting.run(params, revert, check_mode=False)["changed"] is False
