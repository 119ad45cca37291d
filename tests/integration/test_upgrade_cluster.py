"""Two OpenMetadata servers on one database and one search engine (a load-balanced deployment), upgraded
by playbooks/upgrade.yml as one deployment: both stop, the first (the leader) backs up, tunes, deletes the
indexes and migrates once, both start on 1.2.5, the leader reindexes once; and a failure on the second
server rolls both back, the database restored once and row-identical."""
from __future__ import annotations

import pathlib
from typing import Any

import pytest
import yaml

from fixtures import om_database
from harness import ansible_playbook
from test_upgrade import SANDBOX, SOURCE, TARGET, UPGRADE, UpgradeHost, explain, faulty_release, task_results
from test_upgrade import dist  # noqa: F401  pylint: disable=unused-import


class Cluster:
    """om1 and om2: their own install folder and ports, one database, one search engine."""

    def __init__(self, server: dict[str, Any], tmp_path: pathlib.Path, dist_dir: pathlib.Path) -> None:
        self.tmp = tmp_path
        self.first = UpgradeHost("mysql", server, tmp_path / "om1", dist_dir)
        self.second = UpgradeHost("mysql", server, tmp_path / "om2", dist_dir)
        self.second.search_port = self.first.search_port
        self.inventory = tmp_path / "inventory.yml"

    @property
    def hosts(self) -> dict[str, UpgradeHost]:
        return {"om1": self.first, "om2": self.second}

    def playbook(self, playbook: pathlib.Path, *args: str):
        hosts = {}
        for name, host in self.hosts.items():
            host.tmp.mkdir(parents=True, exist_ok=True)
            variables = host.host_vars()
            # one search engine (the second host finds the first one's running) and one folder of release archives
            variables["sandbox_search_pid_file"] = self.first.host_vars()["sandbox_search_pid_file"]
            variables["sandbox_work"] = str(self.tmp / "shared")
            hosts[name] = variables
        self.inventory.write_text(yaml.safe_dump({"openmetadata": {"hosts": hosts}}))
        return ansible_playbook(["-i", str(self.inventory), str(playbook)] + list(args), self.tmp)

    def backups(self) -> list[pathlib.Path]:
        return sorted(p for host in self.hosts.values() for p in (host.work / "om" / "backups").glob("*.sql.gz"))


@pytest.fixture
def cluster(private_mariadb, tmp_path, dist):  # noqa: F811
    group = Cluster(private_mariadb, tmp_path, dist)
    om_database.build("mariadb", group.first.db_name, port=private_mariadb["port"], user="root", password="")
    try:  # reset.yml stops what a half-done set-up started, too
        run = group.playbook(SANDBOX / "setup.yml", "--forks", "1")  # one at a time: the second finds the search engine up
        assert run.rc == 0, failures(run)
        assert group.first.version() == SOURCE and group.second.version() == SOURCE
        yield group
    finally:
        group.playbook(SANDBOX / "reset.yml")


def failures(run) -> str:
    """The failed tasks of a run, per host (explain() keeps only the end of the output)."""
    return "\n".join("%s on %s: %s" % (task["task"]["name"], name, str(result.get("msg"))[:600])
                     for play in run.data.get("plays", []) for task in play.get("tasks", [])
                     for name, result in task["hosts"].items() if result.get("failed")) or explain(run)


def _summaries(run) -> dict:
    """Each host's summary, by host."""
    found = [r["ansible_facts"]["openmetadata_upgrade_summary"] for r in task_results(run, "Build the summary")]
    return {fact["host"]: fact for fact in found}


def _hosts_that_ran(run, prefix: str) -> set:
    return {name for play in run.data.get("plays", []) for task in play.get("tasks", [])
            if task["task"]["name"].split(" : ")[-1].startswith(prefix)
            for name, result in task["hosts"].items() if not result.get("skipped")}


def test_a_deployment_of_two_servers_upgrades_together_and_migrates_once(cluster):
    before = cluster.first.snapshot()
    run = cluster.playbook(UPGRADE)
    assert run.rc == 0, failures(run)
    for host in cluster.hosts.values():
        assert host.version() == TARGET and host.current_release() == "openmetadata-%s" % TARGET
    # once: one backup, one migration, one tuning, one reindex - on the leader; every server stopped and started
    assert len(cluster.backups()) == 1 and cluster.backups()[0].is_relative_to(cluster.first.work)
    assert _hosts_that_ran(run, "Run migrate-all") == {"om1"}
    assert _hosts_that_ran(run, "Back up the OpenMetadata database") == {"om1"}
    assert _hosts_that_ran(run, "Raise the DB setting for the migrations to") == {"om1"}
    assert _hosts_that_ran(run, "Reindex in the background") == {"om1"}
    assert _hosts_that_ran(run, "Stop the server") >= {"om1", "om2"}
    facts = _summaries(run)
    assert {name: fact["result"] for name, fact in facts.items()} == {"om1": "upgraded", "om2": "upgraded"}
    assert before != cluster.first.snapshot()  # the shared database was migrated (once: no duplicate-index error)
    assert any(docs > 0 for docs in cluster.first.indexes().values())

    again = cluster.playbook(UPGRADE)
    assert again.rc == 0 and again.changed == 0, failures(again)


def test_a_failure_on_the_second_server_rolls_both_back(cluster):
    before = cluster.first.state()
    second_conf = cluster.second.old_conf()
    cluster.second.release_archive = faulty_release(cluster.second.dist, cluster.tmp / "faulty",
                                                    {"refuse_start": "injected: refusing to start"})
    run = cluster.playbook(UPGRADE)
    assert run.rc != 0, explain(run)
    facts = _summaries(run)
    assert {name: fact["result"] for name, fact in facts.items()} == {"om1": "rolled back", "om2": "rolled back"}, facts
    assert facts["om2"]["rolled_back"]["failed_phase"] == "start"
    # the database was restored once, by the leader, from its backup
    assert _hosts_that_ran(run, "Restore the backup into the database") == {"om1"}
    for host in cluster.hosts.values():
        assert host.version() == SOURCE and host.current_release() == "openmetadata-%s" % SOURCE
    after = cluster.first.state()
    changed = sorted(t for t in set(before["tables"]) | set(after["tables"])
                     if before["tables"].get(t) != after["tables"].get(t))
    assert not changed, "tables differ from before the upgrade: %s" % changed
    assert after["setting"] == before["setting"] and after["conf"] == before["conf"]
    assert cluster.second.old_conf() == second_conf  # the second server's own 1.1.7 configuration, untouched
