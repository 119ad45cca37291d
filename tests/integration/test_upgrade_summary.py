"""The end of an upgrade run as a user reads it: one summary table after the recap for every host, printed
whether the run succeeded or failed (also when every host failed and Ansible stops the playbook), whose
"rolled back" says what the rollback really did; and the output at the default verbosity without the
bookkeeping (run record, argument validation), the FAILED - RETRYING lines of a wait, or the warning about
an openmetadata_ingestion group the inventory does not have."""
from __future__ import annotations

import os
import pathlib
import re
import subprocess
from typing import Optional

import pytest
import yaml

from fixtures import om_database
from harness import ANSIBLE_PLAYBOOK, COLLECTIONS
from test_upgrade import SANDBOX, SOURCE, TARGET, UPGRADE, UpgradeHost, faulty_release
from test_upgrade import dist  # noqa: F401  pylint: disable=unused-import


def run(inventory: dict, tmp: pathlib.Path, playbook: pathlib.Path,
        stdout_callback: Optional[str] = "openmetadata.ops.upgrade", *args: str) -> subprocess.CompletedProcess:
    """ansible-playbook as a user runs it, with this stdout callback (None: Ansible's default)."""
    path = tmp / "inventory.yml"
    path.write_text(yaml.safe_dump(inventory))
    env = dict(os.environ)
    env.pop("ANSIBLE_STDOUT_CALLBACK", None)
    env.update({"ANSIBLE_COLLECTIONS_PATH": str(COLLECTIONS), "ANSIBLE_NOCOLOR": "1", "ANSIBLE_RETRY_FILES_ENABLED": "0",
                "ANSIBLE_LOCAL_TEMP": str(tmp / ".ansible-tmp"), "ANSIBLE_HOME": str(tmp / ".ansible-home")})
    if stdout_callback:
        env["ANSIBLE_STDOUT_CALLBACK"] = stdout_callback
    return subprocess.run([ANSIBLE_PLAYBOOK, "-i", str(path), str(playbook)] + list(args), capture_output=True,
                          text=True, env=env, check=False, timeout=900)


def table(output: str) -> dict[str, list[str]]:
    """The rows of the summary table by host (the columns: before, after, backup, time, outcome)."""
    assert output.count("UPGRADE SUMMARY") == 1, "not one summary table:\n" + output[-5000:]
    lines = output[output.index("UPGRADE SUMMARY"):].splitlines()[1:]
    header = lines[0].split()
    assert header[:2] == ["host", "before"], lines[:3]
    rows = {}
    for line in lines[1:]:
        if not line.strip():
            break
        cells = re.split(r"\s{2,}", line.strip())
        rows[cells[0]] = cells[1:]
    return rows


def rolled_back_lines(output: str) -> dict[str, str]:
    tail = output[output.index("UPGRADE SUMMARY"):]
    if "\nrolled back:\n" not in tail:
        return {}
    found = {}
    for line in tail.split("\nrolled back:\n", 1)[1].splitlines():
        if not line.startswith("  "):
            break
        host, text = line.strip().split(": ", 1)
        found[host] = text
    return found


class Pair:
    """Two hosts, each its own deployment (own database on one private MariaDB, own search stand-in)."""

    def __init__(self, server: dict, tmp: pathlib.Path, dist_dir: pathlib.Path) -> None:
        self.tmp = tmp
        self.good = UpgradeHost("mysql", server, tmp / "good", dist_dir)
        self.bad = UpgradeHost("mysql", server, tmp / "bad", dist_dir)
        self.bad.db_name = "openmetadata_db2"
        # om_user has rights on openmetadata_db only: the second database is the admin's
        self.bad.extra_vars = {"openmetadata_db_user": "root", "openmetadata_db_password": ""}

    def inventory(self) -> dict:
        hosts = {}
        for name, host in (("good-host", self.good), ("bad-host", self.bad)):
            host.tmp.mkdir(parents=True, exist_ok=True)
            hosts[name] = host.host_vars()
            hosts[name]["sandbox_work"] = str(self.tmp / "shared")  # setup.yml packs the releases there once
        return {"openmetadata": {"hosts": hosts}}


@pytest.fixture
def pair(private_mariadb, tmp_path, dist):  # noqa: F811
    hosts = Pair(private_mariadb, tmp_path, dist)
    for host in (hosts.good, hosts.bad):
        om_database.build("mariadb", host.db_name, port=private_mariadb["port"], user="root", password="")
    try:
        setup = run(hosts.inventory(), tmp_path, SANDBOX / "setup.yml", None, "--forks", "1")
        assert setup.returncode == 0, setup.stdout[-4000:]
        assert hosts.good.version() == SOURCE and hosts.bad.version() == SOURCE
        yield hosts
    finally:
        run(hosts.inventory(), tmp_path, SANDBOX / "reset.yml", None)


def test_two_hosts_one_fails_one_table_names_both_with_their_true_outcomes(pair):
    """good-host upgrades, bad-host's 1.2.5 refuses to start and is rolled back (database restored): the run
    fails, and after the recap one table names both hosts with what happened to each; the output has no
    bookkeeping line, no FAILED - RETRYING and no warning about the ingestion group."""
    pair.bad.release_archive = faulty_release(pair.bad.dist, pair.tmp / "faulty", {"refuse_start": "injected: refusing to start"})
    proc = run(pair.inventory(), pair.tmp, UPGRADE)
    out = proc.stdout
    (pair.tmp / "upgrade-output.txt").write_text(out + proc.stderr)
    assert proc.returncode != 0, out[-4000:]
    assert pair.good.version() == TARGET and pair.bad.version() == SOURCE
    rows = table(out)
    assert set(rows) == {"good-host", "bad-host"}, rows
    assert rows["good-host"][:2] == [SOURCE, TARGET] and rows["good-host"][-1] == "upgraded", rows
    assert rows["bad-host"][:2] == [SOURCE, SOURCE] and rows["bad-host"][-1] == "rolled back", rows
    assert rows["bad-host"][2].endswith(".sql.gz") and rows["good-host"][2].endswith(".sql.gz"), rows
    rolled = rolled_back_lines(out)
    assert set(rolled) == {"bad-host"}, rolled
    assert rolled["bad-host"].startswith("after start failed: "), rolled
    assert "restored openmetadata-" in rolled["bad-host"] and "%s serving" % SOURCE in rolled["bad-host"], rolled
    # the table comes after the recap: the last thing the run prints
    assert out.index("PLAY RECAP") < out.index("UPGRADE SUMMARY")
    for noise in ("Could not match supplied host pattern", "FAILED - RETRYING", "Validating arguments",
                  "Write the run record", "Print the summary"):
        assert noise not in out + proc.stderr, noise
    # a failure is shown in full
    assert "fatal: [bad-host]" in out and "injected: refusing to start" in out


def test_a_failure_before_any_backup_does_not_claim_a_restore(private_mariadb, tmp_path, dist):  # noqa: F811
    """The backup module fails (a compression level it refuses; preflight does not look at it): the only host
    fails in the backup phase, the rollback has nothing to restore, and the summary - printed with Ansible's
    default callback although every host failed - says that no restore happened, never "serving again with
    the backup's data"."""
    host = UpgradeHost("mysql", private_mariadb, tmp_path, dist)
    om_database.build("mariadb", host.db_name, port=private_mariadb["port"], user="root", password="")
    inventory = {"openmetadata": {"hosts": {"om": host.host_vars()}}}
    try:
        setup = run(inventory, tmp_path, SANDBOX / "setup.yml", None)
        assert setup.returncode == 0, setup.stdout[-4000:]
        before = host.snapshot()
        host.extra_vars = {"openmetadata_backup_compress_level": 0}
        inventory = {"openmetadata": {"hosts": {"om": host.host_vars()}}}
        proc = run(inventory, tmp_path, UPGRADE, None)
        out = proc.stdout
        (tmp_path / "upgrade-output.txt").write_text(out + proc.stderr)
        assert proc.returncode != 0, out[-4000:]
        assert host.version() == SOURCE and host.snapshot() == before
        rows = table(out)
        assert rows["om"][2] == "none" and rows["om"][-1] == "rolled back", rows
        rolled = rolled_back_lines(out)["om"]
        assert rolled.startswith("after backup failed: "), rolled
        assert "restored " not in rolled and "database not restored" in rolled and "no backup" in rolled, rolled
        assert "backup's data" not in out
        assert "rolled back: " + rolled in out  # the per-host summary of the default callback says the same
    finally:
        run({"openmetadata": {"hosts": {"om": host.host_vars()}}}, tmp_path, SANDBOX / "reset.yml", None)
