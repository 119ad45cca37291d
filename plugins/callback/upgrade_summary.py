# -*- coding: utf-8 -*-
# Copyright: (c) 2026, openmetadata.ops contributors
# Apache License 2.0 (see LICENSE or https://www.apache.org/licenses/LICENSE-2.0)
"""One table at the end of an upgrade run: every host, its versions, backup, seconds per phase and outcome."""
from __future__ import annotations

DOCUMENTATION = r"""
name: upgrade_summary
type: aggregate
short_description: One summary table of playbooks/upgrade.yml at the end of the run, for every host
description:
  - Collects each host's C(openmetadata_upgrade_summary) (set by role upgrade_state's summary tasks) and, after
    the play recap, prints one table of all hosts - version before and after, backup, total seconds, outcome -
    then the seconds per phase and, for a rolled-back host, what the rollback did.
  - A host that failed before it got a summary (preflight refused it, it was unreachable) is in the table too,
    with the task that failed and its message; the table is printed whether the run succeeded or failed.
  - playbooks/upgrade.yml loads it by itself (a C(callback_plugins) folder beside the playbooks), so nothing has
    to be enabled; listing it in C(callbacks_enabled) as well prints the table once.
  - Prints nothing for another playbook (no host began an upgrade run), or with a JSON stdout callback.
author: openmetadata.ops contributors (@openmetadata-ops)
"""

import os
from typing import Any, Dict, List, Optional

from ansible import constants as C
from ansible.plugins.callback import CallbackBase

SUMMARY_FACT = "openmetadata_upgrade_summary"
STARTED_FACT = "openmetadata_upgrade_started_at"
VERSION_FACTS = ("openmetadata_upgrade_installed_version", "openmetadata_upgrade_source_version")
PHASES = ["preflight", "stop", "backup", "tune", "install", "config", "indexes", "migrate", "start",
          "post_upgrade", "rollback"]


def _text(value: Any, width: int = 300) -> str:
    text = " ".join(str(value).split())
    return text if len(text) <= width else text[:width - 3] + "..."


def rolled_back_text(summary: Dict[str, Any]) -> str:
    """What the rollback did, from the summary's rolled_back_text (role upgrade_state) or its steps."""
    if summary.get("rolled_back_text"):
        return str(summary["rolled_back_text"])
    rolled = summary.get("rolled_back") or {}
    if not rolled:
        return "nothing"
    return "after %s failed: %s" % (rolled.get("failed_phase", "?"), "; ".join(rolled.get("steps") or []) or "no step")


def render_table(rows: List[List[str]], header: List[str]) -> List[str]:
    widths = [max(len(str(r[i])) for r in [header] + rows) for i in range(len(header))]
    lines = ["  ".join(str(cell).ljust(widths[i]) for i, cell in enumerate(header)).rstrip()]
    for row in rows:
        lines.append("  ".join(str(cell).ljust(widths[i]) for i, cell in enumerate(row)).rstrip())
    return lines


def summary_lines(summaries: Dict[str, Dict[str, Any]], failures: Dict[str, str],
                  order: List[str], failed_hosts: Optional[set] = None,
                  versions: Optional[Dict[str, str]] = None) -> List[str]:
    """The table: one row per host of ``order`` that has a summary or a failure. ``versions``: the installed
    version of a host that failed before its summary (nothing was changed on it), when it was found."""
    failed_hosts = failed_hosts or set()
    versions = versions or {}
    hosts = [h for h in order if h in summaries or h in failures]
    if not hosts:
        return []
    targets = sorted({str(s.get("target_version", "")) for s in summaries.values() if s.get("target_version")})
    rows = []
    for host in hosts:
        s = summaries.get(host)
        if s is None:
            known = versions.get(host, "?")
            rows.append([host, known, known, "none", "-", "FAILED before the upgrade began: " + _text(failures[host], 160)])
            continue
        outcome = str(s.get("result", "?"))
        if host in failed_hosts and not outcome.lower().startswith(("failed", "rolled back")):
            outcome += "; host FAILED: " + _text(failures.get(host, "see above"), 160)
        backup = str(s.get("backup") or "none")
        rows.append([host, s.get("version_before") or "?", s.get("version_after") or "?",
                     os.path.basename(backup) if backup != "none" else "none",
                     "%s s" % s.get("total_seconds", "?"), outcome])
    lines = ["UPGRADE SUMMARY" + (" (target %s)" % ", ".join(targets) if targets else "")]
    lines += render_table(rows, ["host", "before", "after", "backup", "time", "outcome"])
    ran = [p for p in PHASES if any(p in (summaries.get(h) or {}).get("phase_seconds", {}) for h in hosts)]
    extra = sorted({p for h in hosts for p in (summaries.get(h) or {}).get("phase_seconds", {}) if p not in PHASES})
    ran += extra
    if ran:
        lines.append("")
        lines.append("seconds per phase")
        phase_rows = []
        for host in hosts:
            seconds = (summaries.get(host) or {}).get("phase_seconds", {})
            phase_rows.append([host] + [str(seconds[p]) if p in seconds else "-" for p in ran])
        lines += render_table(phase_rows, ["host"] + ran)
    backups = sorted({os.path.dirname(str(s.get("backup"))) for s in summaries.values()
                      if s.get("backup") and s.get("backup") != "none"})
    if backups:
        lines.append("")
        lines.append("backups in: " + ", ".join(backups))
    rolled = [(h, rolled_back_text(summaries[h])) for h in hosts
              if h in summaries and rolled_back_text(summaries[h]) != "nothing"]
    if rolled:
        lines.append("")
        lines.append("rolled back:")
        lines += ["  %s: %s" % (h, _text(t, 600)) for h, t in rolled]
    return lines


class CallbackModule(CallbackBase):
    """Keeps each host's summary fact and last failure; prints the table in v2_playbook_on_stats."""

    CALLBACK_VERSION = 2.0
    CALLBACK_TYPE = "aggregate"
    CALLBACK_NAME = "openmetadata.ops.upgrade_summary"
    CALLBACK_NEEDS_ENABLED = False
    # Loaded twice (beside the playbooks and through callbacks_enabled): the table is printed once.
    printed_for: Optional[int] = None

    def __init__(self, display=None, options=None):
        super().__init__(display=display, options=options)
        self.summaries: Dict[str, Dict[str, Any]] = {}
        self.failures: Dict[str, str] = {}
        self.order: List[str] = []
        self.upgrading: set = set()  # hosts whose upgrade run began (a host refused by preflight has no summary)
        self.versions: Dict[str, str] = {}

    def _see(self, host: str) -> None:
        if host not in self.order:
            self.order.append(host)

    def _keep(self, result) -> None:
        facts = (result._result or {}).get("ansible_facts") or {}
        host = result._host.get_name()
        if isinstance(facts.get(SUMMARY_FACT), dict):
            self._see(host)
            self.summaries[host] = facts[SUMMARY_FACT]
        if STARTED_FACT in facts:  # role upgrade_state started this host's upgrade run (discover)
            self._see(host)
            self.upgrading.add(host)
        for name in VERSION_FACTS:
            if facts.get(name):
                self.versions[host] = str(facts[name])

    def v2_runner_on_ok(self, result, **kwargs) -> None:  # pylint: disable=unused-argument
        self._keep(result)

    def v2_runner_on_failed(self, result, ignore_errors=False) -> None:
        if ignore_errors:
            return
        host = result._host.get_name()
        self._see(host)
        res = result._result or {}
        msg = res.get("msg") or res.get("reason") or res.get("stderr") or "see the task above"
        self.failures[host] = "%s: %s" % (result._task.get_name().strip(), _text(msg, 300))

    def v2_runner_on_unreachable(self, result) -> None:
        host = result._host.get_name()
        self._see(host)
        self.failures[host] = "unreachable: %s" % _text((result._result or {}).get("msg", ""), 300)

    def v2_playbook_on_stats(self, stats) -> None:
        if not self.summaries and not self.upgrading:
            return
        if "json" in str(C.DEFAULT_STDOUT_CALLBACK):
            return
        if CallbackModule.printed_for == id(stats):
            return
        CallbackModule.printed_for = id(stats)
        failed = {h for h in stats.processed if stats.summarize(h)["failures"] or stats.summarize(h)["unreachable"]}
        # a failure of a host that has a summary and was rescued (rolled back) is not the host's end
        failures = {h: m for h, m in self.failures.items() if h in failed}
        lines = summary_lines(self.summaries, failures, self.order, failed, self.versions)
        if not lines:
            return
        self._display.banner(lines[0])
        for line in lines[1:]:
            self._display.display(line)
        self._display.display("")
