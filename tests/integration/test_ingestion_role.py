"""Role openmetadata.ops.ingestion through ansible-playbook, on real virtualenvs.

The client is the real openmetadata-ingestion from PyPI: a Python 3.10 venv holding 1.1.7.0 is
upgraded by the role to 1.2.5.x. To keep the tests fast and independent of PyPI's latency, the
packages come from a local wheelhouse (scripts/ingestion-wheelhouse.sh: every wheel of both
versions with all their dependencies, downloaded once into .build/, ~70 MB) passed to the role as
`openmetadata_ingestion_pip_extra_args: --no-index --find-links <wheelhouse>`, the way a user points
it at a mirror. Nothing is installed with --no-deps: pip resolves the full dependency set.

The end-to-end test runs playbooks/upgrade.yml on a stand-in OpenMetadata host (tests/integration/
test_upgrade.py's host) with an ingestion host in the inventory: the server play upgrades the server
and redeploys the pipelines, then the ingestion play upgrades the client against the running server.
"""
from __future__ import annotations

import json
import os
import pathlib
import shutil
import stat
import subprocess
import sys
from typing import Any, Iterator

import pymysql
import pytest
import yaml

import test_upgrade
from harness import REPO, Databases, ansible_playbook, run_playbook
from simulator.openmetadata.install import StandinSite
from test_upgrade import dist  # noqa: F401  # pylint: disable=unused-import  # the stand-in release archives

TARGET = "1.2.5"
OLD = "1.1.7.0"
PYENV = pathlib.Path(os.environ.get("PYENV_ROOT") or pathlib.Path.home() / ".pyenv") / "versions"
ROLE = "openmetadata.ops.ingestion"
FILES = REPO / "tests" / "fixtures" / "om_ingestion"  # INGEST-MOD's 1.1-style files and their goldens


def pyenv_python(version: str) -> pathlib.Path:
    path = PYENV / version / "bin" / "python"
    if not path.exists():
        found = sorted(PYENV.glob("%s*/bin/python" % version.rsplit(".", 1)[0]))
        if not found:
            pytest.fail("no Python %s under %s (see /work/shared/TOOLCHAIN.md: pyenv)" % (version, PYENV), pytrace=False)
        path = found[-1]
    return path


@pytest.fixture(scope="session")
def wheelhouse() -> pathlib.Path:
    pyenv_python("3.10.13")
    proc = subprocess.run(["bash", str(REPO / "scripts" / "ingestion-wheelhouse.sh")], capture_output=True, text=True,
                          check=False, timeout=900)
    assert proc.returncode == 0, "building the wheelhouse failed:\n%s" % proc.stderr[-3000:]
    return pathlib.Path(proc.stdout.strip().splitlines()[-1])


def make_venv(path: pathlib.Path, python: str = "3.10.13", *packages: str, house: pathlib.Path | None = None) -> pathlib.Path:
    subprocess.run([str(pyenv_python(python)), "-m", "venv", str(path)], check=True, capture_output=True)
    if packages:
        subprocess.run([str(path / "bin" / "pip"), "install", "--quiet", "--disable-pip-version-check", "--no-index",
                        "--find-links", str(house), *packages], check=True, capture_output=True)
    return path


def client_version(venv: pathlib.Path) -> str:
    """What the real CLI says: `metadata --version` -> 'metadata 1.2.5.3 from ... (python 3.10)'."""
    proc = subprocess.run([str(venv / "bin" / "metadata"), "--version"], capture_output=True, text=True, check=True)
    return proc.stdout.split()[1]


@pytest.fixture
def old_client(tmp_path, wheelhouse) -> pathlib.Path:
    # 1.1.7.0 breaks with newer collate-sqllineage releases: its users pin 1.2.4.
    return make_venv(tmp_path / "ingestion-venv", "3.10.13", "openmetadata-ingestion==%s" % OLD,
                     "collate-sqllineage==1.2.4", house=wheelhouse)


def role_vars(venv: pathlib.Path, house: pathlib.Path, **extra: Any) -> dict[str, Any]:
    variables = {"openmetadata_target_version": TARGET, "openmetadata_ingestion_venv": str(venv),
                 "openmetadata_ingestion_pip_extra_args": "--no-index --find-links %s" % house}
    variables.update(extra)
    return variables


def run_role(tmp_path: pathlib.Path, variables: dict[str, Any], tasks_from: str = "main", **kwargs: Any):
    include = {"name": ROLE}
    if tasks_from != "main":
        include["tasks_from"] = tasks_from
    return run_playbook([{"name": "Run the role", "ansible.builtin.include_role": include}], tmp_path,
                        play_vars=variables, **kwargs)


explain = test_upgrade.explain  # one failure dump for every upgrade test


def did_not_run(run, task: str, where: str) -> bool:
    """No result of ``task``, and ``task`` still exists in ``where``: a renamed task cannot pass for a skipped one."""
    assert "- name: %s" % task in (REPO / where).read_text(), "no task %r in %s" % (task, where)
    return not [r for r in run.results(task) if not r.get("skipped")]


def failure(run) -> str:
    failed = [r for r in run.results() if r.get("failed")]
    assert failed, "nothing failed:\n" + explain(run)
    return failed[0].get("msg", "")


def ingestion_files(folder: pathlib.Path) -> dict[str, bytes]:
    """A copy of the 1.1-style workflows, custom code and CLI files (the .txt ones are for the module's own tests)."""
    for part in ("workflows", "python", "cli"):
        shutil.copytree(FILES / part, folder / part, ignore=shutil.ignore_patterns("*.txt"))
    return snapshot(folder)


def snapshot(folder: pathlib.Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def test_upgrade_check_mode_mismatch_second_run_and_rollback(tmp_path, wheelhouse, old_client):
    venv, state = old_client, old_client / ".openmetadata-ops"
    files = tmp_path / "ingestion-files"
    originals = ingestion_files(files)
    variables = role_vars(venv, wheelhouse, openmetadata_ingestion_paths=[str(files)], openmetadata_ingestion_rewrite=True)

    dry = run_role(tmp_path, variables, check=True, diff=True)
    assert dry.rc == 0, explain(dry)
    assert dry.result("Upgrade the client to ~=%s.0" % TARGET)["changed"], "check mode must say the client would change"
    assert client_version(venv) == OLD and not state.exists(), "check mode changed something"
    assert dry.result("Migrate workflow YAMLs, custom code and CLI calls to %s" % TARGET)["changed"]
    assert snapshot(files) == originals, "check mode changed an ingestion file"

    # pip's --dry-run installs nothing: the client's own rule must catch the old client after "installing".
    stale = run_role(tmp_path, role_vars(venv, wheelhouse, openmetadata_ingestion_pip_extra_args=(
        "--dry-run --no-index --find-links %s" % wheelhouse)))
    assert stale.rc != 0, explain(stale)
    msg = failure(stale)
    assert "Server version is %s vs. Client version %s. Both should match" % (TARGET, OLD) in msg, msg
    assert client_version(venv) == OLD

    run = run_role(tmp_path, variables)
    assert run.rc == 0, explain(run)
    new = client_version(venv)
    assert new.startswith(TARGET + "."), new
    assert run.result("Refuse a client that the server would refuse")["msg"] == "client %s matches server %s" % (new, TARGET)
    record = json.loads((state / "before.json").read_text())
    assert record["packages"]["openmetadata-ingestion"] == OLD and record["venv"] == str(venv)
    assert "collate-sqllineage==1.2.4" in (state / "before-freeze.txt").read_text().splitlines()
    assert stat.S_IMODE(state.stat().st_mode) == 0o700
    assert {stat.S_IMODE(p.stat().st_mode) for p in state.iterdir()} == {0o600}
    check = subprocess.run([str(venv / "bin" / "pip"), "check"], capture_output=True, text=True, check=False)
    assert check.returncode == 0, check.stdout
    migrated = {name: data for name, data in snapshot(files).items() if name in originals}
    golden = {name: (FILES / "golden" / name).read_bytes() for name in originals}
    assert migrated == golden, "the role's run of ingestion_config differs from the goldens"
    assert len(snapshot(files)) > len(originals), "backup: true keeps a copy of each rewritten file"

    again = run_role(tmp_path, variables, diff=True)
    assert again.rc == 0 and again.changed == 0, "second run changed something:\n" + explain(again)
    assert json.loads((state / "before.json").read_text())["packages"]["openmetadata-ingestion"] == OLD, \
        "a second run must not overwrite the record of the old client"

    back = run_role(tmp_path, variables, tasks_from="rollback")
    assert back.rc == 0, explain(back)
    assert client_version(venv) == OLD
    assert back.result("Check that the old client is back")["msg"].startswith("openmetadata-ingestion %s is back" % OLD)
    back_again = run_role(tmp_path, variables, tasks_from="rollback")
    assert back_again.rc == 0 and back_again.changed == 0, explain(back_again)


def test_python_311_venv_is_refused_with_the_fix(tmp_path, wheelhouse):
    venv = make_venv(tmp_path / "py311", "3.11.7")
    run = run_role(tmp_path, role_vars(venv, wheelhouse))
    assert run.rc != 0, explain(run)
    msg = failure(run)
    assert "is Python 3.11" in msg and "supports Python 3.8 to 3.10 only" in msg, msg
    assert "Create a venv with Python 3.10" in msg and "Nothing was changed" in msg, msg
    assert run.changed == 0 and not (venv / ".openmetadata-ops").exists()
    assert not list((venv / "lib").glob("python3.11/site-packages/metadata"))


def test_upgrade_playbook_refuses_a_python_311_ingestion_host(tmp_path, wheelhouse):
    """The ingestion play of playbooks/upgrade.yml alone (no server in the inventory): the role's
    refusal reaches the user as it is and the rescue does not touch the venv."""
    venv = make_venv(tmp_path / "py311", "3.11.7")
    inventory = tmp_path / "inventory.yml"
    inventory.write_text(yaml.safe_dump({"openmetadata_ingestion": {"hosts": {"ingest": dict(
        role_vars(venv, wheelhouse), ansible_connection="local", ansible_python_interpreter=sys.executable)}}}))
    run = ansible_playbook(["-i", str(inventory), str(REPO / "playbooks" / "upgrade.yml")], tmp_path)
    assert run.rc != 0, explain(run)
    assert "is Python 3.11" in run.result("Fail the ingestion host")["msg"]
    assert did_not_run(run, "Put the client back as it was", "playbooks/upgrade.yml")
    assert not (venv / ".openmetadata-ops").exists()


def test_a_missing_venv_is_created_when_asked(tmp_path, wheelhouse):
    venv = tmp_path / "new-venv"
    variables = role_vars(venv, wheelhouse, openmetadata_ingestion_create_venv=True,
                          openmetadata_ingestion_python=str(pyenv_python("3.10.13")))
    run = run_role(tmp_path, variables)
    assert run.rc == 0, explain(run)
    assert client_version(venv).startswith(TARGET + ".")
    assert not (venv / ".openmetadata-ops").exists(), "there was no client before: nothing to record"
    again = run_role(tmp_path, variables)
    assert again.rc == 0 and again.changed == 0, explain(again)


def test_upgrade_playbook_leaves_the_client_alone_after_a_server_rollback(tmp_path, wheelhouse):
    """What the server play leaves in hostvars after a rollback (openmetadata_upgrade_rollback) stops the
    ingestion play before the role runs. The server play is limited away; its host's vars remain."""
    venv = make_venv(tmp_path / "venv", "3.10.13")
    inventory = tmp_path / "inventory.yml"
    inventory.write_text(yaml.safe_dump({
        "openmetadata": {"hosts": {"om": {"openmetadata_upgrade_rollback": {"failed_phase": "migrate"}}}},
        "openmetadata_ingestion": {"hosts": {"ingest": dict(
            role_vars(venv, wheelhouse), ansible_connection="local", ansible_python_interpreter=sys.executable)}}}))
    run = ansible_playbook(["-i", str(inventory), str(REPO / "playbooks" / "upgrade.yml"), "--limit", "ingest"], tmp_path)
    assert run.rc != 0, explain(run)
    assert "A server upgrade was rolled back" in failure(run)
    assert did_not_run(run, "Read the Python version of the venv", "roles/ingestion/tasks/main.yml"), "the role must not start"


def test_rollback_removes_a_client_the_venv_did_not_hold(tmp_path, wheelhouse):
    venv = make_venv(tmp_path / "empty-venv", "3.10.13")
    variables = role_vars(venv, wheelhouse)
    run = run_role(tmp_path, variables)
    assert run.rc == 0, explain(run)
    assert client_version(venv).startswith(TARGET + ".")
    assert json.loads((venv / ".openmetadata-ops" / "before.json").read_text())["packages"]["openmetadata-ingestion"] is None
    back = run_role(tmp_path, variables, tasks_from="rollback")
    assert back.rc == 0, explain(back)
    assert back.result("Remove the client packages the venv did not hold before")["changed"]
    assert not (venv / "bin" / "metadata").exists()
    again = run_role(tmp_path, variables, tasks_from="rollback")
    assert again.rc == 0 and again.changed == 0, explain(again)


def test_missing_venv_is_refused(tmp_path, wheelhouse):
    run = run_role(tmp_path, role_vars(tmp_path / "nowhere", wheelhouse))
    assert run.rc != 0, explain(run)
    msg = failure(run)
    assert "There is no venv at %s" % (tmp_path / "nowhere") in msg and "openmetadata_ingestion_create_venv" in msg, msg
    assert not (tmp_path / "nowhere").exists()


@pytest.fixture
def old_server(tmp_path) -> Iterator[StandinSite]:
    """A stand-in OpenMetadata 1.1.7 (the server upgrade has not happened) on the shared MariaDB."""
    databases = Databases("mysql")
    name = databases.build(hard_data=False)
    site = StandinSite(tmp_path / "site", "mysql", name)
    site.install("1.1.7")
    site.start("1.1.7")
    try:
        yield site
    finally:
        site.stop_all()
        databases.drop_all()


def test_a_server_on_another_version_leaves_the_client_alone(tmp_path, wheelhouse, old_server):
    venv = make_venv(tmp_path / "fresh-venv", "3.10.13")
    variables = role_vars(venv, wheelhouse, openmetadata_ingestion_server_url=old_server.server_url)
    # --check of the whole upgrade: the server play changed nothing, so its server still reports 1.1.7.
    dry = run_role(tmp_path, variables, check=True)
    assert dry.rc == 0, explain(dry)
    assert "reports 1.1.7" in dry.result("Say what the server reports (check mode)")["msg"]
    assert not list(venv.glob("lib/python3.10/site-packages/metadata"))

    run = run_role(tmp_path, variables)
    assert run.rc != 0, explain(run)
    msg = failure(run)
    assert "reports 1.1.7, not %s" % TARGET in msg and "upgrade the server first" in msg, msg
    assert "Nothing was changed" in msg
    assert run.changed == 0 and not (venv / ".openmetadata-ops").exists()
    assert not list(venv.glob("lib/python3.10/site-packages/metadata"))


# --- end to end: playbooks/upgrade.yml with an ingestion host ---------------------------------------

def test_upgrade_playbook_upgrades_server_pipelines_and_client(tmp_path, wheelhouse, dist, private_mariadb):  # noqa: F811
    """A 1.1.7 host and an ingestion host holding the 1.1.7.0 client: one run of playbooks/upgrade.yml
    serves 1.2.5, redeploys the deployed pipelines and gives the ingestion host a 1.2.5.x client that
    the running server accepts; a second run changes nothing."""
    server = private_mariadb
    host = test_upgrade.UpgradeHost("mysql", server, tmp_path, dist)
    test_upgrade.om_database.build("mariadb", host.db_name, port=server["port"], user="root", password="")
    venv = make_venv(tmp_path / "airflow-worker-venv", "3.10.13", "openmetadata-ingestion==%s" % OLD,
                     "collate-sqllineage==1.2.4", house=wheelhouse)
    ingestion_vars = {"ansible_connection": "local", "ansible_python_interpreter": sys.executable,
                      "openmetadata_target_version": TARGET, "openmetadata_ingestion_venv": str(venv),
                      # preflight (server play) checks this Python on every ingestion host
                      "openmetadata_ingestion_python": str(venv / "bin" / "python"),
                      "openmetadata_ingestion_pip_extra_args": "--no-index --find-links %s" % wheelhouse,
                      "openmetadata_ingestion_server_url": "http://127.0.0.1:%d" % host.app_port}

    def write_inventory() -> None:
        host.inventory.write_text(yaml.safe_dump({
            "openmetadata": {"hosts": {"om": host.host_vars()}},
            "openmetadata_ingestion": {"hosts": {"ingest": ingestion_vars}}}))

    host.write_inventory = write_inventory  # type: ignore[method-assign]
    # What must be redeployed, read from the 1.1.7 database itself (not from what the role reports).
    with pymysql.connect(host="127.0.0.1", port=server["port"], user="root", password="", database=host.db_name) as conn:
        with conn.cursor() as cursor:
            cursor.execute("SELECT json FROM ingestion_pipeline_entity")
            pipelines = [json.loads(row[0]) for row in cursor.fetchall()]
    expected = {p["name"] for p in pipelines if p.get("deployed")}
    try:
        host.setup()
        run = host.upgrade()
        assert run.rc == 0, test_upgrade.explain(run)
        assert host.version() == TARGET
        assert client_version(venv).startswith(TARGET + ".")
        assert run.result("Refuse a client that the server would refuse")["msg"].endswith("matches server %s" % TARGET)

        release = host.install_dir / ("openmetadata-%s" % TARGET)
        configs = {p.stem: json.loads(p.read_text())
                   for p in (release / "standin-airflow" / "dag_generated_configs").glob("*.json")}
        said = run.result("Say how many pipelines were redeployed")["msg"]
        assert expected and set(configs) == expected, "only (and all) the deployed pipelines get their DAG rewritten"
        assert "Redeployed %d of" % len(expected) in said, said
        assert {c["deployedByServer"] for c in configs.values()} == {TARGET}

        again = host.upgrade()
        assert again.rc == 0 and again.changed == 0, "second run changed something:\n" + test_upgrade.explain(again)
    finally:
        host.teardown()
