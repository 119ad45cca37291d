"""The README's "use it from the checkout" commands, run as written from the checkout's root with no
ANSIBLE_* variable set (as in a fresh shell): the checkout's ansible.cfg must lead them to this
collection through the link tree that `make venv` makes (tests/conftest.py makes it too).

ansible-doc exits 0 when it finds nothing (it only warns "not found"), so the tests read what it prints.
"""
from __future__ import annotations

import os
import pathlib
import re
import shlex
import subprocess

import pytest

REPO = pathlib.Path(__file__).resolve().parents[2]
README = (REPO / "README.md").read_text()


def _readme_commands(prefix: str) -> list[str]:
    """The lines of the README's bash blocks that start with ``prefix``, without their comment."""
    commands = []
    for block in re.findall(r"```bash\n(.*?)```", README, re.S):
        for line in block.splitlines():
            if line.startswith(prefix):
                commands.append(line.split("  #")[0].strip())
    return commands


def _run(command: str, *extra: str) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if not k.startswith("ANSIBLE_")}
    env["PWD"] = str(REPO)
    return subprocess.run(shlex.split(command) + list(extra), cwd=REPO, env=env, capture_output=True,
                          text=True, timeout=300, check=False)


def test_the_readme_has_the_commands() -> None:
    assert ".venv/bin/ansible-doc openmetadata.ops.backup" in _readme_commands(".venv/bin/ansible-doc")
    assert ".venv/bin/ansible-doc -t role openmetadata.ops.backup" in _readme_commands(".venv/bin/ansible-doc")
    assert _readme_commands(".venv/bin/ansible-playbook -i examples/sandbox/inventory.yml examples/sandbox/setup.yml")


@pytest.mark.parametrize("command", _readme_commands(".venv/bin/ansible-doc"))
def test_ansible_doc_from_the_checkout_prints_the_doc(command: str) -> None:
    proc = _run(command)
    assert proc.returncode == 0, proc.stderr
    assert "not found" not in proc.stderr and "Error loading plugin" not in proc.stderr, proc.stderr
    name = command.split()[-1]
    if "-t role" in command:
        assert re.search(r"ROLE: .*%s" % re.escape(name), proc.stdout), proc.stdout[:2000]
        assert "ENTRY POINT:" in proc.stdout and "openmetadata_backup_dir" in proc.stdout
    else:
        assert re.search(r"MODULE .*%s" % re.escape(name), proc.stdout), proc.stdout[:2000]
        assert "OPTIONS" in proc.stdout and "login_password" in proc.stdout
    assert "CryptographyDeprecationWarning" not in proc.stderr, proc.stderr


def test_the_sandbox_setup_alone_finds_the_collection() -> None:
    """setup.yml uses openmetadata.ops.reindex: --syntax-check resolves it (and fails when it cannot)."""
    commands = _readme_commands(".venv/bin/ansible-playbook -i examples/sandbox/inventory.yml examples/sandbox/setup.yml")
    assert commands
    for command in commands:
        proc = _run(command, "--syntax-check")
        assert proc.returncode == 0, proc.stdout[-2000:] + proc.stderr[-2000:]
