# -*- coding: utf-8 -*-
# Copyright: (c) 2026, openmetadata.ops contributors
# Apache License 2.0 (see LICENSE or https://www.apache.org/licenses/LICENSE-2.0)
"""Raise a server setting for the migrations, make it survive a restart, and put back
exactly what was there (``state: reverted``)."""
from __future__ import annotations

import dataclasses
import os
import time
from typing import Any, Optional

from ansible_collections.openmetadata.ops.plugins.module_utils.database import settings as s
from ansible_collections.openmetadata.ops.plugins.module_utils.database.db import DbParams, connect, flavor, server_version
from ansible_collections.openmetadata.ops.plugins.module_utils.versions import parse

DEFAULT_OPTION_FILE = "/etc/mysql/mariadb.conf.d/99-openmetadata-ops.cnf"
DEFAULT_STATE_FILE = "/var/lib/openmetadata-ops/db_setting.json"


@dataclasses.dataclass
class Request:
    name: str
    value: Optional[str]
    state: str = "present"
    at_least: bool = True
    persist: str = "auto"
    option_file: str = DEFAULT_OPTION_FILE
    scope: str = "system"
    role: Optional[str] = None
    verify_user: Optional[str] = None
    verify_password: Optional[str] = dataclasses.field(default=None, repr=False)
    managed: bool = False
    on_managed: str = "fail"
    state_file: str = DEFAULT_STATE_FILE


class Outcome(dict):
    """The module result, built up as the steps run."""

    def __init__(self, name: str) -> None:
        super().__init__(changed=False, name=name, executed_queries=[], warnings=[])

    def ran(self, sql: str) -> None:
        self["executed_queries"].append(sql)


def run(params: DbParams, req: Request, check_mode: bool) -> Outcome:
    s.check_name(req.name)
    if req.state == "present" and not req.value:
        raise s.SettingError("value is required with state=present (e.g. value: 20MB)")
    if params.engine == "mysql":
        return MysqlSetting(params, req, check_mode).run()
    return PostgresqlSetting(params, req, check_mode).run()


class _Setting:

    def __init__(self, params: DbParams, req: Request, check_mode: bool) -> None:
        self.params = params
        self.req = req
        self.check_mode = check_mode
        self.out = Outcome(req.name)
        self.store = s.StateFile(req.state_file)

    def run(self) -> Outcome:
        conn = connect(self.params, autocommit=True)
        try:
            managed = "declared managed" if self.req.managed else self.detect_managed(conn)
            if managed:
                return self.managed_database(managed)
            if self.req.state == "present":
                self.present(conn)
            else:
                self.revert(conn)
            return self.out
        finally:
            conn.close()

    def managed_database(self, what: str) -> Outcome:
        value = s.to_bytes(self.req.value or "")
        shown = "%d (%s)" % (value, self.req.value) if value is not None else self.req.value
        message = ("%s cannot be changed from SQL on a managed database (%s): set %s = %s in the DB parameter "
                   "group (RDS/Aurora) or database flags (Cloud SQL), apply it, and run again; revert it there after "
                   "the upgrade" % (self.req.name, what, self.req.name, shown))
        if self.req.on_managed == "fail":
            raise s.SettingError(message)
        self.out["warnings"].append(message)
        self.out["msg"] = message
        return self.out

    def wanted_text(self) -> str:
        value = s.to_bytes(self.req.value or "")
        return str(value) if value is not None else str(self.req.value)

    def satisfied(self, current: Any) -> bool:
        if current is None:
            return False
        return s.same_or_larger(current, self.req.value, self.req.at_least)

    def diff(self, before: dict[str, Any], after: dict[str, Any]) -> None:
        self.out["before"], self.out["after"] = before, after
        self.out["diff"] = {
            "before": "".join("%s: %s\n" % item for item in sorted(before.items())),
            "after": "".join("%s: %s\n" % item for item in sorted(after.items())),
        }

    def first_change(self, conn: Any, sql: str, original: dict[str, Any]) -> None:
        """Record the original (only before the very first change, so a second apply
        never overwrites it), then change; if that change is refused, forget the record
        again so that nothing at all has changed."""
        key = self.key()
        recorded_now = self.store.get(key) is None
        if recorded_now:
            self.store.put(key, original)
        try:
            self.execute(conn, sql)
        except s.SettingError:
            if recorded_now:
                self.store.drop(key)
            raise

    # engine-specific
    def key(self) -> str:
        raise NotImplementedError

    def execute(self, conn: Any, sql: str) -> None:
        raise NotImplementedError

    def detect_managed(self, conn: Any) -> Optional[str]:
        raise NotImplementedError

    def present(self, conn: Any) -> None:
        raise NotImplementedError

    def revert(self, conn: Any) -> None:
        raise NotImplementedError


class MysqlSetting(_Setting):

    def detect_managed(self, conn: Any) -> Optional[str]:
        return s.mysql_managed(conn)

    def persist_mode(self, conn: Any) -> str:
        if self.req.persist != "auto":
            return self.req.persist
        version = server_version(conn)
        if flavor("mysql", version) == "mysql" and parse(version.split("-", maxsplit=1)[0])[:1] >= (8,):
            return "set_persist"
        return "option_file"

    def key(self) -> str:
        return s.state_key(self.params, self.req.name, "global")

    def persisted(self, conn: Any, mode: str) -> Optional[str]:
        if mode == "option_file":
            return s.option_file_value(s.read_text(self.req.option_file), self.req.name)
        if mode == "set_persist":
            return s.mysql_persisted(conn, self.req.name)
        return None

    def execute(self, conn: Any, sql: str) -> None:
        try:
            with conn.cursor() as cur:
                cur.execute(sql)
        except Exception as exc:  # pylint: disable=broad-except
            message = s.mysql_privilege_message(exc, self.req.name)
            raise s.SettingError(message or "%s failed: %s" % (sql, exc)) from None
        self.out.ran(sql)

    def present(self, conn: Any) -> None:
        mode = self.persist_mode(conn)
        runtime = s.mysql_read_global(conn, self.req.name)
        persisted = self.persisted(conn, mode)
        before = {"runtime": runtime, "persisted": persisted}
        runtime_ok = self.satisfied(runtime)
        persist_ok = mode == "none" or self.satisfied(persisted)
        if runtime_ok and (persist_ok or self.req.at_least):
            # at_least: the running value is already enough; whoever set it owns it.
            self.diff(before, before)
            self.out["effective_value"] = s.to_bytes(runtime)
            self.out["msg"] = "%s is %s: nothing to do" % (self.req.name, runtime)
            return
        wanted = self.wanted_text()
        after = {"runtime": wanted if not runtime_ok else runtime, "persisted": wanted if mode != "none" else None}
        self.diff(before, after)
        self.out["changed"] = True
        if self.check_mode:
            self.out["msg"] = "would set %s to %s (%s)" % (self.req.name, wanted, mode)
            return
        original_text = s.read_text(self.req.option_file) if mode == "option_file" else None
        statement = "SET %s %s = %s" % ("PERSIST" if mode == "set_persist" else "GLOBAL", self.req.name,
                                        _literal(wanted))
        self.first_change(conn, statement, {
            "runtime": runtime, "persist": mode, "persisted": persisted,
            "option_file": self.req.option_file if mode == "option_file" else None,
            "option_file_text": original_text, "option_file_mode": _mode(self.req.option_file)})
        if mode == "option_file":
            text = s.read_text(self.req.option_file)
            s.write_text(self.req.option_file, s.option_file_with(text, self.req.name, wanted))
        fresh = connect(self.params, autocommit=True)  # a new session sees the global value
        try:
            effective = s.mysql_read_global(fresh, self.req.name)
        finally:
            fresh.close()
        self.out["effective_value"] = s.to_bytes(effective)
        self.out["msg"] = "%s set to %s (%s)" % (self.req.name, effective, mode)

    def revert(self, conn: Any) -> None:
        record = self.store.get(self.key())
        if record is None:
            self.out["msg"] = "nothing recorded for %s in %s: nothing to revert" % (self.req.name, self.req.state_file)
            return
        mode = record["persist"]
        runtime = s.mysql_read_global(conn, self.req.name)
        before = {"runtime": runtime, "persisted": self.persisted(conn, mode)}
        self.diff(before, {"runtime": record["runtime"], "persisted": record["persisted"]})
        self.out["changed"] = True
        if self.check_mode:
            self.out["msg"] = "would put %s back to %s" % (self.req.name, record["runtime"])
            return
        if mode == "set_persist":
            if record["persisted"] is None:
                self.execute(conn, "RESET PERSIST %s" % self.req.name)
            else:
                self.execute(conn, "SET PERSIST %s = %s" % (self.req.name, _literal(record["persisted"])))
        self.execute(conn, "SET GLOBAL %s = %s" % (self.req.name, _literal(record["runtime"])))
        if mode == "option_file":
            path = record["option_file"]
            if record["option_file_text"] is None:
                if os.path.exists(path):
                    os.unlink(path)
            else:
                s.write_text(path, record["option_file_text"], mode=record.get("option_file_mode") or 0o644)
        self.store.drop(self.key())
        self.out["effective_value"] = s.to_bytes(s.mysql_read_global(conn, self.req.name))
        self.out["msg"] = "%s put back to %s" % (self.req.name, record["runtime"])


def _literal(value: str) -> str:
    return value if str(value).isdigit() else "'%s'" % str(value).replace("'", "''")


def _mode(path: str) -> Optional[int]:
    try:
        return os.stat(path).st_mode & 0o7777
    except FileNotFoundError:
        return None


class PostgresqlSetting(_Setting):

    def detect_managed(self, conn: Any) -> Optional[str]:
        return s.pg_managed(conn)

    def target(self) -> str:
        if self.req.scope == "database":
            return self.params.database
        if self.req.scope == "role":
            return self.req.role or self.params.user
        return ""

    def key(self) -> str:
        return s.state_key(self.params, self.req.name, "%s:%s" % (self.req.scope, self.target()))

    def scoped(self, conn: Any) -> Optional[str]:
        if self.req.scope == "system":
            return s.pg_system_value(conn, self.req.name)
        return s.pg_scoped_value(conn, self.req.name, self.req.scope, self.target())

    def effective(self) -> str:
        """What a new connection as the OpenMetadata user sees."""
        verify = DbParams(**{**dataclasses.asdict(self.params),
                             "user": self.req.verify_user or self.params.user,
                             "password": self.req.verify_password if self.req.verify_user
                             else self.params.password})
        conn = connect(verify, autocommit=True)
        try:
            return s.pg_show(conn, self.req.name)
        finally:
            conn.close()

    def pg_value(self) -> str:
        """The value as PostgreSQL reads it: sizes in kB (a bare number means bytes here)."""
        value = s.to_bytes(self.req.value or "")
        if value is None:
            return str(self.req.value)
        return "%dkB" % (value // 1024) if value % 1024 == 0 else "%dB" % value

    def execute(self, conn: Any, sql: str) -> None:
        try:
            with conn.cursor() as cur:
                cur.execute(sql)
                if self.req.scope == "system":
                    cur.execute("SELECT pg_reload_conf()")
        except Exception as exc:  # pylint: disable=broad-except
            message = s.pg_privilege_message(exc, self.req.name, self.req.scope)
            raise s.SettingError(message or "%s failed: %s" % (sql, str(exc).strip())) from None
        self.out.ran(sql)

    def wait_effective(self) -> str:
        """A reload reaches new backends after the postmaster handles SIGHUP: poll briefly."""
        seen = self.effective()
        for _attempt in range(50):
            if self.satisfied(seen):
                break
            time.sleep(0.1)
            seen = self.effective()
        return seen

    def present(self, conn: Any) -> None:
        s.pg_setting(conn, self.req.name)  # fails clearly on an unknown name
        scoped = self.scoped(conn)
        seen = self.effective()
        # "runtime" is what a new connection sees; "persisted" what the scope holds.
        before = {"runtime": seen, "persisted": scoped}
        if self.satisfied(seen) and (
                self.req.at_least or s.same_or_larger(scoped or "", self.req.value, False)):
            self.diff(before, before)
            self.out["effective_value"] = s.to_bytes(seen)
            self.out["msg"] = "%s is %s for new connections: nothing to do" % (self.req.name, seen)
            return
        wanted = self.pg_value()
        self.diff(before, {"runtime": wanted, "persisted": wanted})
        self.out["changed"] = True
        if self.check_mode:
            self.out["msg"] = "would set %s = %s (scope %s)" % (self.req.name, wanted, self.req.scope)
            return
        self.first_change(conn, s.pg_set_statement(self.req.name, self.req.scope, self.target(), wanted),
                          {"scope": self.req.scope, "target": self.target(), "value": scoped})
        seen = self.wait_effective()
        if not self.satisfied(seen):
            raise s.SettingError(
                "%s was set (scope %s) but a new connection as %s still sees %s: a more specific setting "
                "(ALTER ROLE/DATABASE ... SET, or the connection string) overrides it; use scope=role for that user"
                % (self.req.name, self.req.scope, self.req.verify_user or self.params.user, seen))
        self.out["effective_value"] = s.to_bytes(seen)
        self.out["msg"] = "%s = %s for new connections (scope %s)" % (self.req.name, seen, self.req.scope)

    def revert(self, conn: Any) -> None:
        record = self.store.get(self.key())
        if record is None:
            self.out["msg"] = "nothing recorded for %s in %s: nothing to revert" % (self.req.name, self.req.state_file)
            return
        scoped = self.scoped(conn)
        self.diff({"runtime": self.effective(), "persisted": scoped}, {"runtime": None, "persisted": record["value"]})
        self.out["changed"] = True
        if self.check_mode:
            self.out["msg"] = "would put %s back (%s)" % (self.req.name, record["value"] or "not set")
            return
        self.execute(conn, s.pg_set_statement(self.req.name, self.req.scope, self.target(), record["value"]))
        self.store.drop(self.key())
        seen = self.effective()
        self.out["effective_value"] = s.to_bytes(seen)
        self.out["msg"] = "%s put back (%s); new connections see %s" % (
            self.req.name, record["value"] or "not set", seen)
