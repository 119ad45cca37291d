# -*- coding: utf-8 -*-
# Copyright: (c) 2026, openmetadata.ops contributors
# Apache License 2.0 (see LICENSE or https://www.apache.org/licenses/LICENSE-2.0)
"""One run at a time (issue 17 section 2), end to end with playbooks/upgrade.yml on a stand-in
1.1.7 host: two upgrades started together on one host, and a run refused by the database's guard
held by another run. Neither refused run changes anything."""
from __future__ import annotations

import json
import subprocess

import pytest

from harness import ANSIBLE_PLAYBOOK, PlaybookRun
from test_run_lock import this_controller
from test_upgrade import (  # noqa: F401  pylint: disable=unused-import
    SOURCE, TARGET, UPGRADE, dist, explain, om_host, summary, task_results,
)

# Whole upgrades, minutes each: run by make faults with the fault suite (Makefile), not by make test.
pytestmark = pytest.mark.faults

GUARD = "openmetadata_ops_run_lock"


def start_upgrade(host) -> subprocess.Popen:
    return subprocess.Popen(  # pylint: disable=consider-using-with
        [ANSIBLE_PLAYBOOK, "-i", str(host.inventory), str(UPGRADE)], env=host.env(),
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def finished(proc: subprocess.Popen) -> PlaybookRun:
    out, err = proc.communicate(timeout=900)
    return PlaybookRun(subprocess.CompletedProcess(proc.args, proc.returncode, out, err), out)


def refusal(run: PlaybookRun, task: str) -> str:
    return run.result(task)["msg"]


@pytest.mark.parametrize("om_host", ["mysql"], indirect=True)
def test_two_upgrades_started_together_on_one_host_one_upgrades_the_other_changes_nothing(om_host):
    host = om_host
    host.write_inventory()
    runs = [start_upgrade(host), start_upgrade(host)]
    results = [finished(proc) for proc in runs]
    assert sorted(run.rc for run in results) == [0, 2], "\n----\n".join(explain(run) for run in results)
    winner = next(run for run in results if run.rc == 0)
    loser = next(run for run in results if run.rc != 0)
    assert summary(winner)["result"] == "upgraded", explain(winner)
    message = refusal(loser, "Stop when another run is upgrading this host")
    assert "another run is upgrading this host: ansible-playbook pid" in message, message
    assert "still running. Wait for it to end; nothing was changed" in message, message
    # the refused run stopped at the lock: no discovery, no record, no phase of its own
    assert not loser.results("Record that an upgrade is under way"), explain(loser)
    assert loser.changed == 0
    assert host.version() == TARGET and host.record()["status"] == "finished"
    assert not (host.work / "om" / "upgrade.json.lock").exists(), "the winner did not release the host's lock"
    assert GUARD not in host.snapshot(), "the winner did not release the database's guard"


@pytest.mark.parametrize("om_host", ["postgresql"], indirect=True)
def test_an_upgrade_is_refused_while_another_run_holds_the_database(om_host):
    """Another run (another host or inventory on the same database) holds the guard: refused before
    the stop, with who holds it; nothing changed. Once that run is gone, the upgrade takes it over."""
    host = om_host
    before = host.state()
    other = subprocess.Popen(["sleep", "600"])  # pylint: disable=consider-using-with
    try:
        owner = this_controller(other.pid, user="colleague", started_at="2026-12-07T09:00:00Z")
        conn = host.connect(host.db_name)
        try:
            with conn.cursor() as cur:
                cur.execute("CREATE TABLE %s AS SELECT CAST(%%s AS varchar(2000)) AS owner" % GUARD, (json.dumps(owner),))
            conn.commit()
        finally:
            conn.close()
        refused = host.upgrade()
        assert refused.rc != 0, explain(refused)
        message = refusal(refused, "Stop when another run is upgrading this database")
        assert "another run is upgrading this database: ansible-playbook pid %d" % other.pid in message, message
        assert "(user colleague)" in message and "nothing was changed" in message, message
        assert not refused.results("Record that an upgrade is under way"), explain(refused)
        after = host.state()
        after["tables"].pop(GUARD, None)
        assert after == before, "a refused run changed something"
        assert not (host.work / "om" / "upgrade.json.lock").exists(), "the refused run kept the host's lock"
    finally:
        other.kill()
        other.wait()

    upgraded = host.upgrade()
    assert upgraded.rc == 0 and summary(upgraded)["result"] == "upgraded", explain(upgraded)
    took_over = [result for result in task_results(upgraded, "Take the database's upgrade guard") if "holder" in result]
    assert took_over and took_over[0]["took_over_from"]["user"] == "colleague", took_over
    assert GUARD not in host.snapshot()
    assert host.version() == TARGET and SOURCE != TARGET
