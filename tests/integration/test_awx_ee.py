"""The upgrade run inside the AWX execution environment image, as AWX runs a job (docs/awx.md).

`make ee-image` builds localhost/openmetadata-ops-ee:<collection version> on the project's Docker
engine (scripts/ee-base.sh: a bookworm base from Debian packages; scripts/ee-image.sh: ansible-builder
build). This test builds it when missing or stale (cold: the debootstrap and the build, several minutes;
warm: seconds), then runs playbooks/upgrade.yml from a job's private data dir with ansible-runner in
container mode (``docker run`` of the EE, as AWX's receptor worker runs ``ansible-runner worker``
inside it), against the stand-in 1.1.7 site of test_awx on a real PostgreSQL of this machine,
reached from the container over the host network and over SSH with a machine credential's key,
as an EE reaches a managed host. It checks that the playbook ran in the container (the job's events
carry the EE's ansible-playbook and Python), that the summary reached the job events, and that no
secret (the database, admin and JWT secrets, the SSH private key) is in any artifact.

Marker ``awx_ee`` (``-m awx_ee``). Without a Docker engine the test fails, unless
OM_ALLOW_SKIP_DOCKER=1 allows the skip (tests/allowed_skips.txt).
"""
from __future__ import annotations

import fcntl
import json
import os
import pathlib
import re
import shutil
import socket
import stat
import subprocess
import sys
import tempfile
import time
from typing import Any, Iterator

import jinja2.sandbox
import pytest
import yaml

from harness import REPO, free_port
from test_awx import AWX, SECRET_VARIABLES, answers, awx_site, load_json  # noqa: F401  # pylint: disable=unused-import
from test_upgrade import SOURCE, TARGET
from test_upgrade import dist  # noqa: F401  # pylint: disable=unused-import

pytestmark = pytest.mark.awx_ee

OUR_SOCKET = "unix:///var/lib/openmetadata-ops-docker/docker.sock"
VERSION = yaml.safe_load((REPO / "galaxy.yml").read_text())["version"]
EE_IMAGE = "localhost/openmetadata-ops-ee:%s" % VERSION


def _docker_env() -> dict[str, str]:
    return dict(os.environ, DOCKER_HOST=os.environ.get("DOCKER_HOST") or OUR_SOCKET)


@pytest.fixture(scope="session")
def ee_image() -> str:
    """The EE image of the current collection: scripts/ee-image.sh builds it when missing or stale."""
    env = _docker_env()
    try:
        answer = subprocess.run(["docker", "info", "--format", "{{.ServerVersion}}"], env=env, capture_output=True,
                                text=True, check=False, timeout=60)
    except (OSError, subprocess.TimeoutExpired) as exc:
        pytest.skip("no Docker engine: %s (start one with `make docker-engine-up`)" % exc)
    if answer.returncode != 0:
        pytest.skip("no Docker engine answers at %s (start one with `make docker-engine-up`): %s"
                    % (env["DOCKER_HOST"], answer.stderr.strip()[:300]))
    (REPO / ".build").mkdir(exist_ok=True)
    with open(REPO / ".build" / "ee-image.lock", "w", encoding="utf-8") as lock:  # one build at a time (xdist)
        fcntl.flock(lock, fcntl.LOCK_EX)
        build = subprocess.run(["bash", str(REPO / "scripts" / "ee-image.sh")], cwd=str(REPO), capture_output=True,
                               text=True, check=False, timeout=1800,
                               env=dict(env, VENV=str(pathlib.Path(sys.executable).parent.parent)))
    assert build.returncode == 0, "make ee-image failed:\n%s\n%s" % (build.stdout[-4000:], build.stderr[-4000:])
    return EE_IMAGE


class Sshd:
    """A private sshd on 127.0.0.1 (own host key, config and port): the managed host as an EE sees it.

    Root logs in with the key of the job's machine credential only."""

    def __init__(self, folder: pathlib.Path) -> None:
        self.folder = folder
        folder.mkdir(parents=True)
        self.port = free_port()
        self.client_key = folder / "machine_credential"
        for key in (folder / "host_ed25519", self.client_key):
            subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", "openmetadata-ops-test", "-f", str(key)],
                           check=True, capture_output=True)
        shutil.copy(self.client_key.with_suffix(".pub"), folder / "authorized_keys")
        config = folder / "sshd_config"
        config.write_text("\n".join([
            "Port %d" % self.port, "ListenAddress 127.0.0.1", "HostKey %s" % (folder / "host_ed25519"),
            "AuthorizedKeysFile %s" % (folder / "authorized_keys"), "PidFile %s" % (folder / "sshd.pid"),
            "PermitRootLogin prohibit-password", "AllowUsers root", "PasswordAuthentication no",
            "KbdInteractiveAuthentication no", "PubkeyAuthentication yes", "UsePAM no",
            # the test's folders are under /tmp (mode 1777), which StrictModes refuses
            "StrictModes no", "Subsystem sftp internal-sftp", "LogLevel VERBOSE", ""]))
        os.makedirs("/run/sshd", exist_ok=True)  # privilege separation directory
        sshd = "/usr/sbin/sshd"
        if not os.path.exists(sshd):  # Debian's openssh-server (not started as a service: we run our own)
            env = dict(os.environ, DEBIAN_FRONTEND="noninteractive", RUNLEVEL="1")
            subprocess.run(["apt-get", "update", "-qq"], env=env, capture_output=True, check=False, timeout=600)
            subprocess.run(["apt-get", "install", "-y", "-qq", "--no-install-recommends", "openssh-server"],
                           env=env, capture_output=True, check=False, timeout=600)
        if not os.path.exists(sshd):
            pytest.fail("sshd is missing and `apt-get install openssh-server` did not bring it (the EE reaches "
                        "its managed host over SSH)", pytrace=False)
        self.log = folder / "sshd.log"
        self.proc = subprocess.Popen([sshd, "-D", "-e", "-f", str(config)],  # pylint: disable=consider-using-with
                                     stdout=subprocess.DEVNULL, stderr=open(self.log, "wb"))  # noqa: SIM115
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=1).close()
                return
            except OSError:
                if self.proc.poll() is not None:
                    break
                time.sleep(0.1)
        raise AssertionError("sshd did not start: %s" % self.log.read_text(errors="replace")[-2000:])

    def stop(self) -> None:
        self.proc.terminate()
        self.proc.wait(timeout=10)


@pytest.fixture
def managed_host_sshd(tmp_path) -> Iterator[Sshd]:
    server = Sshd(tmp_path / "sshd")
    try:
        yield server
    finally:
        server.stop()


def inject_for_container(credential_type: dict[str, Any], inputs: dict[str, str],
                         private_data_dir: pathlib.Path) -> dict[str, str]:
    """AWX's file and env injectors, with the paths the job sees inside the EE (/runner/env/...)."""
    env = jinja2.sandbox.ImmutableSandboxedEnvironment(undefined=jinja2.StrictUndefined)
    values = {field["id"]: inputs.get(field["id"], "") for field in credential_type["inputs"]["fields"]}
    filenames: dict[str, str] = {}
    for key, template in credential_type["injectors"].get("file", {}).items():
        handle, path = tempfile.mkstemp(dir=str(private_data_dir / "env"))
        with os.fdopen(handle, "w") as out:
            out.write(env.from_string(template).render(**values))
        os.chmod(path, stat.S_IRUSR | stat.S_IWUSR)
        filenames[key.split(".", 1)[1] if "." in key else ""] = "/runner/env/" + os.path.basename(path)
    tower = {"filename": filenames.get("") or filenames}
    return {name: env.from_string(template).render(tower=tower, **values)
            for name, template in credential_type["injectors"].get("env", {}).items()}


class EeJob:  # pylint: disable=too-few-public-methods,too-many-instance-attributes
    """One job as AWX runs it in an execution environment: a private data dir, ansible-runner in
    container mode (docker run of the EE image, the private data dir mounted at /runner)."""

    def __init__(self, host: Any, ident: str, survey_answers: dict[str, str], cmdline: str, image: str,
                 sshd: Sshd) -> None:
        import ansible_runner  # pylint: disable=import-outside-toplevel

        self.host = host
        self.dir = host.tmp / ("ee-job-%s" % ident)
        (self.dir / "env").mkdir(parents=True)
        (self.dir / "inventory").mkdir()
        shutil.copytree(REPO / "playbooks", self.dir / "project" / "playbooks")
        self._inventory(sshd)
        env = {"JOB_ID": ident, "AWX_HOST": "https://awx.example.com", "ANSIBLE_RETRY_FILES_ENABLED": "False",
               # AWX's default (settings.AWX_ISOLATION...: host key checking off unless switched on)
               "ANSIBLE_HOST_KEY_CHECKING": "False", "ANSIBLE_NOCOLOR": "1",
               # One SSH exec per task instead of five (AWX: Settings > Jobs > Extra Environment Variables)
               "ANSIBLE_PIPELINING": "True"}
        env.update(inject_for_container(load_json("credential_type_database.json"),
                                        {"db_password": host.db_password, "db_admin_user": host.server["user"],
                                         "db_admin_password": host.server["password"]}, self.dir))
        env.update(inject_for_container(load_json("credential_type_jwt.json"), {"jwt_token": host.jwt_token()}, self.dir))
        (self.dir / "env" / "envvars").write_text(yaml.safe_dump(env))
        extra = {"awx_job_id": int(ident), "tower_job_id": int(ident), "awx_job_template_name": "OpenMetadata upgrade",
                 "awx_job_launch_type": "manual", "awx_user_name": "admin"}
        extra.update(survey_answers)
        (self.dir / "env" / "extravars").write_text(yaml.safe_dump(extra))
        (self.dir / "env" / "settings").write_text(yaml.safe_dump({"job_timeout": 2400}))
        # The machine credential: runner hands env/ssh_key to an ssh-agent in the container.
        self.ssh_key = sshd.client_key.read_text()
        (self.dir / "env" / "ssh_key").write_text(self.ssh_key)
        (self.dir / "env" / "ssh_key").chmod(0o600)
        self.runner = ansible_runner.run(
            private_data_dir=str(self.dir), playbook="playbooks/upgrade.yml", ident=ident, cmdline=cmdline,
            quiet=True, process_isolation=True, process_isolation_executable="docker", container_image=image,
            # the managed host's sshd and the site's database and HTTP ports are on this machine's loopback
            container_options=["--network=host", "--hostname=awx-ee-job-%s" % ident])
        self.artifacts = self.dir / "artifacts" / ident
        self.events = [json.loads(path.read_text()) for path in sorted(
            (self.artifacts / "job_events").glob("*.json"), key=lambda p: int(p.name.split("-")[0]))]

    def _inventory(self, sshd: Sshd) -> None:
        """AWX hands the job its inventory as an executable script (inventory/hosts), run in the EE."""
        host_vars = {k: v for k, v in self.host.host_vars().items()
                     if k not in SECRET_VARIABLES | {"openmetadata_db_admin_user"}}
        # The managed host: this machine, over SSH; its modules run with the Python of the host.
        host_vars.update(ansible_connection="ssh", ansible_host="127.0.0.1", ansible_port=sshd.port,
                         ansible_user="root", ansible_remote_tmp=str(self.host.tmp / "remote-tmp"))
        group_vars = yaml.safe_load((AWX / "group_vars_openmetadata.yml").read_text())
        data = {"all": {"children": ["openmetadata"]}, "openmetadata": {"hosts": ["om"], "vars": group_vars},
                "_meta": {"hostvars": {"om": host_vars}}}
        script = self.dir / "inventory" / "hosts"
        script.write_text("#!/usr/bin/env python3\nimport json\nprint(json.dumps(%r))\n" % (data,))
        script.chmod(0o755)

    def stdout(self) -> str:
        path = self.artifacts / "stdout"
        return path.read_text(errors="replace") if path.exists() else ""

    def explain(self) -> str:
        return "status=%s rc=%s\n%s" % (self.runner.status, self.runner.rc, self.stdout()[-8000:])

    def summary(self) -> list[str]:
        shown = [event["event_data"]["res"]["msg"] for event in self.events if event.get("event") == "runner_on_ok"
                 and event["event_data"].get("task", "").endswith("Print the summary")]
        assert shown, "no summary in the job events\n" + self.explain()
        return shown[-1]

    def leaked(self, secrets: dict[str, str]) -> list[str]:
        found = []
        for path in sorted(self.artifacts.rglob("*")):
            if path.is_file():
                data = path.read_bytes()
                found += ["%s in %s" % (what, path.relative_to(self.dir)) for what, value in secrets.items()
                          if value.encode() in data]
        return found


def test_upgrade_runs_inside_the_execution_environment(  # pylint: disable=redefined-outer-name
        awx_site, ee_image, managed_host_sshd, monkeypatch):
    """A Run job in the EE image upgrades the 1.1.7 site over SSH; the events show the EE's Ansible
    and Python and carry the summary; no secret is in any artifact."""
    monkeypatch.setenv("DOCKER_HOST", _docker_env()["DOCKER_HOST"])  # the docker CLI that ansible-runner starts
    host = awx_site
    backup_dir = host.tmp / "survey-backups"
    survey = answers(openmetadata_target_version=TARGET, openmetadata_backup_dir=str(backup_dir),
                     openmetadata_accept_query_loss="true", openmetadata_upgrade_dry_run="false")
    # Verbosity 2 (AWX's "2 (More Verbose)"): ansible-playbook starts by saying which it is and its Python.
    job = EeJob(host, "51", survey, cmdline="-vv --diff", image=ee_image, sshd=managed_host_sshd)
    assert job.runner.status == "successful" and job.runner.rc == 0, job.explain()

    # It ran in the container: runner started the EE with docker, on the host network ...
    command = json.loads((job.artifacts / "command").read_text())
    argv = command["command"]
    assert argv[:2] == ["docker", "run"] and ee_image in argv and "--network=host" in argv, argv
    # ... and the job's events show the EE's ansible-playbook (pip-installed in /usr/local/bin) and
    # Debian's /usr/bin/python3, not the test venv's.
    verbose = "\n".join(event.get("stdout", "") for event in job.events if event.get("event") == "verbose")
    assert re.search(r"executable location = /usr/local/bin/ansible-playbook", verbose), verbose[:3000]
    python = re.search(r"python version = (\S+) .*\((\S+)\)", verbose)
    assert python and python.group(2) == "/usr/bin/python3" != sys.executable, verbose[:3000]
    assert "ansible python module location = /usr/local/lib/python3.11/dist-packages/ansible" in verbose, verbose[:3000]
    assert "/usr/share/ansible/collections/ansible_collections/openmetadata/ops" in job.stdout() or \
        "/usr/share/ansible/collections" in verbose, "the roles did not come from the EE's collection"
    # The modules ran on the managed host, reached over SSH with the machine credential's key.
    logins = managed_host_sshd.log.read_text(errors="replace").count("Accepted publickey for root from 127.0.0.1")
    assert logins >= 1, "the job never logged in to the managed host over SSH:\n" + job.explain()

    summary = job.summary()
    assert summary[0] == "om: upgraded", summary
    assert summary[1].startswith("version before: %s, after: %s" % (SOURCE, TARGET)), summary
    assert summary[2].startswith("backup: %s/" % backup_dir), summary
    stats = [event for event in job.events if event.get("event") == "playbook_on_stats"]
    assert stats and not stats[-1]["event_data"]["failures"] and stats[-1]["event_data"]["changed"].get("om")
    assert host.version() == TARGET

    secrets = dict(host.secrets(), **{"SSH private key": job.ssh_key.strip().splitlines()[1]})
    assert job.leaked(secrets) == []
    assert not (job.artifacts / "ssh_key_data").exists(), "runner left the machine credential's key in the artifacts"
