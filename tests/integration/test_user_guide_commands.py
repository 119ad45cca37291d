"""The operator's commands of docs/user-guide.md and the README, run as written, in the order an operator
meets them, against a stand-in OpenMetadata 1.1.7 host on a private MariaDB (the harness of test_upgrade):

* ``ansible-galaxy collection build`` in a copy of the checkout as ``make venv`` leaves it (with its link
  tree) and ``cd ~ && ansible-galaxy collection install openmetadata-ops-*.tar.gz`` into a fresh HOME: the
  playbooks then run by FQCN from the installed collection, with no ANSIBLE_* variable (but the async folder, see Operator) and from a folder
  without an ansible.cfg;
* ``ansible-vault create`` with the guide's vault variables, answered at a terminal (pexpect);
* the guide's inventory: its group_vars keys (read from the guide's own YAML block) with this host's values,
  the secrets as the guide's ``{{ vault_... }}`` references;
* preflight, the dry run, the upgrade, both rollbacks, then the README's backup and restore, each with the
  vault password typed at the ``Vault password:`` prompt.

The only words changed in a command are the example backup path (``/var/backups/...sql.gz``), replaced by
the backup the run really wrote. Every such command of the two documents must be run here: a new one makes
the test fail until it is covered.
"""
from __future__ import annotations

import os
import pathlib
import re
import shutil
import sys
from typing import Any

import pexpect
import pytest
import yaml

from fixtures import om_database
from test_upgrade import SOURCE, TARGET, UpgradeHost, dist  # noqa: F401  pylint: disable=unused-import

REPO = pathlib.Path(__file__).resolve().parents[2]
GUIDE = REPO / "docs" / "user-guide.md"
README = REPO / "README.md"
# the commands an operator types outside this checkout (make targets are the checkout's own, tested apart)
OPERATOR_COMMAND = re.compile(r"^(ansible-playbook -i inventory|(cd ~ && )?ansible-galaxy collection|ansible-vault create)")
EXAMPLE_BACKUP = re.compile(r"/var/backups/openmetadata/\S+\.sql\.gz")
VAULT_PASSWORD = "guide-vault-pass"
VENV_BIN = pathlib.Path(sys.executable).parent


def commands_of(path: pathlib.Path) -> list[str]:
    """The operator commands of a document's bash blocks, continuation lines joined, comments dropped."""
    found = []
    for block in re.findall(r"```bash\n(.*?)```", path.read_text(), re.S):
        for line in block.replace("\\\n", " ").splitlines():
            line = re.sub(r"\s+#.*$", "", line).strip()
            line = re.sub(r"\s+", " ", line)
            if OPERATOR_COMMAND.match(line):
                found.append(line)
    return found


def yaml_block(path: pathlib.Path, first_line: str, containing: str) -> dict[str, Any]:
    """The guide's YAML block that starts with ``first_line`` and holds ``containing``."""
    for block in re.findall(r"```yaml\n(.*?)```", path.read_text(), re.S):
        if block.startswith(first_line) and containing in block:
            return yaml.safe_load(block)
    raise AssertionError("no yaml block starting %r with %r in %s" % (first_line, containing, path))


class Operator:
    """A shell of an operator: a HOME of its own, the venv's tools on PATH, no ANSIBLE_* variable of the caller."""

    def __init__(self, tmp: pathlib.Path) -> None:
        self.home = tmp / "home"
        self.workspace = tmp / "workspace"
        self.home.mkdir()
        self.workspace.mkdir()
        self.env = {k: v for k, v in os.environ.items() if not k.startswith("ANSIBLE_")}
        self.env.update(HOME=str(self.home), PATH="%s:%s" % (VENV_BIN, os.environ.get("PATH", "/usr/bin:/bin")),
                        ANSIBLE_NOCOLOR="1")  # only so the output reads plainly in a failure message
        # Only because HOME is not the user's own here: async_status expands ~ from the password database,
        # async_wrapper from HOME, so the background jobs would not be found ("could not find job").
        self.env["ANSIBLE_ASYNC_DIR"] = str(self.home / ".ansible_async")
        self.ran: list[str] = []      # as run
        self.covered: list[str] = []  # as the documents write them

    def run(self, command: str, cwd: pathlib.Path, answers: dict[str, str] | None = None,
            timeout: int = 900) -> tuple[int, str]:
        """``command`` through bash at a terminal; each prompt of ``answers`` answered when it appears."""
        self.ran.append(command)
        child = pexpect.spawn("bash", ["-c", command], cwd=str(cwd), env=self.env, encoding="utf-8",
                              timeout=timeout, maxread=65536, dimensions=(50, 200))
        prompts = list(answers or {})
        output = []
        while True:
            index = child.expect([re.escape(p) for p in prompts] + [pexpect.EOF])
            output.append(child.before + (child.after if isinstance(child.after, str) else ""))
            if index == len(prompts):
                break
            child.sendline((answers or {})[prompts[index]])
        child.close()
        return child.exitstatus if child.exitstatus is not None else -1, "".join(output)

    def playbook(self, command: str, **substitutions: str) -> str:
        self.covered.append(command)
        for old, new in substitutions.items():
            command = command.replace(old, new)
        rc, output = self.run(command, self.workspace, {"Vault password: ": VAULT_PASSWORD})
        failures = [line for line in output.splitlines() if line.startswith(("fatal: ", "failed: "))]
        assert rc == 0, "%s\nrc=%s\n%s\n...\n%s" % (command, rc, "\n".join(failures)[:6000], output[-3000:])
        return output


def checkout_copy(tmp: pathlib.Path) -> pathlib.Path:
    """The checkout as a fresh clone holds it (no venv, no build folder, no caches)."""
    copy = tmp / "checkout"
    shutil.copytree(REPO, copy, ignore=shutil.ignore_patterns(
        ".git", ".build", ".venv", "__pycache__", "*.tar.gz", "work", "venv"), symlinks=True)
    link = copy / ".build" / "collections" / "ansible_collections" / "openmetadata" / "ops"
    link.parent.mkdir(parents=True)
    link.symlink_to(copy)  # what `make venv` makes: the install must work beside it
    return copy


def write_inventory(operator: Operator, host: UpgradeHost) -> dict[str, Any]:
    """The guide's bare-metal inventory, with this host's values; returns the vault's variables."""
    guide_vars = yaml_block(GUIDE, "# inventory/group_vars/openmetadata/main.yml", "openmetadata_deployment: bare_metal")
    vault_vars = yaml_block(GUIDE, "# inventory/group_vars/openmetadata/vault.yml", "vault_openmetadata_jwt_token")
    ours = host.host_vars()
    secrets = {"openmetadata_jwt_token", "openmetadata_db_password", "openmetadata_db_admin_password"}
    group_vars = {}
    for key, value in guide_vars.items():
        if key in secrets:
            assert value == "{{ vault_%s }}" % key, (key, value)  # the guide keeps it in the vault
            group_vars[key] = value
        elif key in ours:
            group_vars[key] = ours[key]
        else:
            group_vars[key] = value  # as written (the service name, Java home, keep count)
    # What differs on this machine from the guide's example host: ports, state and report folders, timeouts.
    for key in ("openmetadata_server_port", "openmetadata_admin_port", "openmetadata_db_tuning_state_file",
                "openmetadata_db_tuning_option_file", "openmetadata_upgrade_state_file", "openmetadata_report_dir",
                "openmetadata_accept_query_loss", "openmetadata_server_stop_timeout", "openmetadata_server_start_timeout",
                "openmetadata_server_poll_interval", "openmetadata_reindex_poll_interval"):
        group_vars[key] = ours[key]
    group_vars["openmetadata_java_home"] = ""  # the machine's default Java
    group_vars["openmetadata_service_name"] = ""  # no systemd here: bin/openmetadata.sh
    inventory = operator.workspace / "inventory"
    (inventory / "group_vars" / "openmetadata").mkdir(parents=True)
    (inventory / "hosts.yml").write_text(yaml.safe_dump({"openmetadata": {"hosts": {"om1": {
        "ansible_connection": "local", "ansible_python_interpreter": sys.executable}}}}))
    (inventory / "group_vars" / "openmetadata" / "main.yml").write_text(yaml.safe_dump(group_vars, sort_keys=False))
    return {key: ours[key[len("vault_"):]] for key in vault_vars}


@pytest.fixture
def guide_host(private_mariadb, tmp_path, dist):  # noqa: F811  pylint: disable=redefined-outer-name
    server = private_mariadb
    host = UpgradeHost("mysql", server, tmp_path / "host", dist)
    host.tmp.mkdir()
    om_database.build("mariadb", host.db_name, port=server["port"], user="root", password="")
    try:
        host.setup()
        yield host
    finally:
        host.teardown()


def test_the_guide_commands_work_as_written(guide_host, tmp_path):
    guide, readme = commands_of(GUIDE), commands_of(README)
    assert len(guide) >= 8 and len(readme) >= 5, (guide, readme)
    operator = Operator(tmp_path)
    host = guide_host
    before = host.state()

    # Install the collection from a clone, as the guide's section 2 says.
    checkout = checkout_copy(tmp_path)
    galaxy = [c for c in guide + readme if "ansible-galaxy" in c]
    for command in dict.fromkeys(galaxy):  # the README repeats the guide's
        operator.covered.append(command)
        rc, output = operator.run(command, checkout)
        assert rc == 0, "%s\n%s" % (command, output[-3000:])
    assert (operator.home / ".ansible" / "collections" / "ansible_collections" / "openmetadata" / "ops"
            / "MANIFEST.json").exists()

    vault = write_inventory(operator, host)
    editor = tmp_path / "editor.sh"
    editor.write_text("#!/bin/sh\ncat > \"$1\" <<'EOF'\n%sEOF\n" % yaml.safe_dump(vault))
    editor.chmod(0o700)
    operator.env["EDITOR"] = str(editor)
    (create,) = [c for c in guide if c.startswith("ansible-vault create")]
    operator.covered.append(create)
    rc, output = operator.run(create, operator.workspace, {"New Vault password: ": VAULT_PASSWORD,
                                                           "Confirm New Vault password: ": VAULT_PASSWORD})
    assert rc == 0, output
    vault_file = operator.workspace / "inventory" / "group_vars" / "openmetadata" / "vault.yml"
    assert vault_file.read_text().startswith("$ANSIBLE_VAULT;")

    def one(prefix: str, document: list[str]) -> str:
        (found,) = [c for c in document if c.startswith(prefix)]
        return found

    preflight = operator.playbook(one("ansible-playbook -i inventory openmetadata.ops.preflight", guide))
    assert "Upgrade %s -> %s on om1" % (SOURCE, TARGET) in preflight and ": ready" in preflight, preflight[-4000:]
    dry = operator.playbook(one("ansible-playbook -i inventory openmetadata.ops.upgrade --check", guide))
    assert "check mode: nothing changed" in dry, dry[-4000:]
    assert host.state() == before

    upgrade_command = one("ansible-playbook -i inventory openmetadata.ops.upgrade --ask", guide)
    upgrade = operator.playbook(upgrade_command)
    assert re.search(r"om1\s+%s\s+%s\s+\S+\.sql\.gz\s+[\d.]+ s\s+upgraded" % (SOURCE, TARGET), upgrade), upgrade[-4000:]
    # what the upgrade promises, read from the host itself (test_upgrade checks the same on PostgreSQL)
    assert host.version() == TARGET and host.current_release() == "openmetadata-%s" % TARGET
    assert host.setting() == before["setting"], "the DB setting (raised for the migration) was not put back"
    assert host.old_conf() == before["conf"], "the old release's configuration was touched"
    assert host.record()["status"] == "finished"
    assert any(docs > 0 for docs in host.indexes().values()), "nothing was reindexed"
    assert host.get_setting("customLogoConfiguration")["customLogoUrlPath"] == "https://sandbox.example.com/logo.png"
    assert host.get_setting("loginConfiguration")["maxLoginFailAttempts"] == 5
    backup = host.record()["backup"]
    again = operator.playbook(upgrade_command)
    assert re.search(r"om1\s*:\s*ok=\d+\s+changed=0\s", again), again[-3000:]
    assert "already at the target: nothing to do" in again, again[-3000:]

    rollbacks = [c for c in guide if c.startswith("ansible-playbook -i inventory openmetadata.ops.rollback")]
    assert len(rollbacks) == 2, rollbacks
    operator.playbook(rollbacks[0])  # version and backup from the run record
    assert host.version() == SOURCE and host.current_release() == "openmetadata-%s" % SOURCE
    assert host.snapshot() == before["tables"]
    operator.playbook(rollbacks[1], **{EXAMPLE_BACKUP.search(rollbacks[1]).group(0): backup})
    assert host.version() == SOURCE and host.snapshot() == before["tables"]

    backups = pathlib.Path(host.host_vars()["openmetadata_backup_dir"])
    earlier = set(backups.glob("*.sql.gz"))
    operator.playbook(one("ansible-playbook -i inventory openmetadata.ops.backup", readme))
    (written,) = set(backups.glob("*.sql.gz")) - earlier
    restore = one("ansible-playbook -i inventory openmetadata.ops.restore", readme)
    operator.playbook(restore, **{EXAMPLE_BACKUP.search(restore).group(0): str(written)})
    conn = host.connect("openmetadata_db_check")
    try:
        assert sorted(om_database.list_tables("mariadb", conn)) == sorted(before["tables"])
    finally:
        conn.close()

    not_run = set(guide + readme) - set(operator.covered)
    assert not not_run, "commands of the documents this test does not run: %s" % sorted(not_run)
