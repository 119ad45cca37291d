"""No secret of a full upgrade shows where others can read it (issue 17, section 3).

One full upgrade of the stand-in OpenMetadata 1.1.7 host of test_upgrade (MariaDB), with a secret of
its own for each kind: the OpenMetadata user's DB password (also the server environment's
DB_USER_PASSWORD), the DB admin's password, the bot JWT (the stand-in accepts only it) and the search
password. The run is verbose (-vvv) while a thread reads every process's /proc/<pid>/cmdline every
few milliseconds. None of the values may appear:

- in any process's command line (ps shows them to every user of the machine); the environment of a
  child process is not part of the promise, its command line is;
- in the run's output, stdout and stderr (values given to a task's `environment:` show there at
  -vvv, rendered into the module's command line);
- in any file written under the host's folder (install folder, backups, run record, reports, logs),
  but for the files meant to hold them, which must be 0600;
- through ansible-runner (AWX's engine): in any job event or other artifact of the job.
"""
from __future__ import annotations

import base64
import gzip
import io
import json
import os
import pathlib
import shutil
import stat
import subprocess
import sys
import tarfile
import threading
import time
import uuid
from typing import Any, Iterator, Optional

import pytest
import yaml

from fixtures import om_database
from harness import ANSIBLE_PLAYBOOK, COLLECTIONS, REPO
from test_upgrade import SOURCE, TARGET, UpgradeHost, explain, summary
from test_upgrade import dist  # noqa: F401  # pylint: disable=unused-import  # the packed releases (a fixture)

# Whole upgrades, minutes each: run by make faults with the fault suite (Makefile), not by make test.
pytestmark = pytest.mark.faults

SEARCH_USER = "om_search_reader"
# Files the run may leave holding a secret, by path relative to the test's folder (glob): each must be 0600.
HOLDERS = {
    "sandbox/om/db-admin-password": "the sandbox's hand-over of the admin password to its database helper",
    "sandbox/om/opt/openmetadata-*/conf/openmetadata.yaml": "the server's configuration (DB_USER_PASSWORD's default)",
    "sandbox/om/opt/openmetadata-*/conf/standin-jwt-token": "the stand-in's accepted token (the server's JWT keys)",
    "sandbox/om/opt/openmetadata-server-env.sh": "openmetadata_server_env, sourced by the server's scripts",
}
# Leaks found and reported but not yet fixed (their code is another change's): the test xfails while each one
# is found, and fails once it is gone, so that the entry is removed. Anything else fails the test.
KNOWN: dict[str, str] = {}
# The test's own inputs, not written by the run: the inventory, and the archives that carry the token file.
INPUTS = ("inventory.yml", "sandbox/dist/*.tar.gz", "runner/inventory/*", "runner/env/*")


class SecretHost(UpgradeHost):
    """The MariaDB host of test_upgrade whose every secret is a unique value of this test."""

    def __init__(self, server: dict[str, Any], tmp_path: pathlib.Path, dist_dir: pathlib.Path) -> None:
        tag = uuid.uuid4().hex
        self.secrets = {
            "DB password": "OmDbPw%sX" % tag[:20],
            "DB admin password": "OmAdminPw%sY" % tag[4:24],
            "bot JWT": jwt(tag),
            "search password": "OmSearchPw%sZ" % tag[8:28],
        }
        # The host's folder and the admin's connection are the test's: root@127.0.0.1 gets a password.
        super().__init__("mysql", dict(server, password=self.secrets["DB admin password"]), tmp_path, dist_dir)
        self.db_user = "om_secret_%s" % tag[:6]
        self.dist_dir = self.work / "dist"
        self.release_archive = self.dist_dir / ("openmetadata-%s.tar.gz" % TARGET)

    def jwt_token(self) -> str:  # type: ignore[override]  # an instance's token, not the stand-in's default
        return self.secrets["bot JWT"]

    def host_vars(self) -> dict[str, Any]:
        variables = super().host_vars()
        variables.update(
            openmetadata_db_user=self.db_user, openmetadata_db_password=self.secrets["DB password"],
            # The server's scripts get the password from the role's 0600 env file, never a command line.
            openmetadata_server_env={"DB_USER_PASSWORD": self.secrets["DB password"]},
            openmetadata_search_username=SEARCH_USER, openmetadata_search_password=self.secrets["search password"])
        return variables

    def markers(self) -> dict[str, bytes]:
        """Every form a secret could take in a byte stream: the value, the search credentials as a Basic
        header carries them, and the JWT's signature on its own (a token cut short still leaks it)."""
        found = {what: value.encode() for what, value in self.secrets.items()}
        found["search Basic credentials"] = base64.b64encode(
            ("%s:%s" % (SEARCH_USER, self.secrets["search password"])).encode())
        found["bot JWT signature"] = self.secrets["bot JWT"].rsplit(".", 1)[1].encode()
        return found


def jwt(tag: str) -> str:
    """A JWT-shaped token unique to this test (header alg none, the ingestion bot's claims)."""
    def part(data: dict[str, Any]) -> str:
        return base64.urlsafe_b64encode(json.dumps(data, separators=(",", ":")).encode()).decode().rstrip("=")
    return "%s.%s.%s" % (part({"alg": "none", "typ": "JWT"}),
                         part({"sub": "ingestion-bot", "iss": "open-metadata.org", "isBot": True, "jti": tag}),
                         base64.urlsafe_b64encode(("secret-exposure-%s" % tag).encode()).decode().rstrip("="))


def with_token(source: pathlib.Path, target: pathlib.Path, version: str, token: str) -> None:
    """A copy of the release archive ``source`` whose conf/standin-jwt-token (0600) holds ``token``."""
    data = (token + "\n").encode()
    target.parent.mkdir(parents=True, exist_ok=True)
    with tarfile.open(source, "r:gz") as src, tarfile.open(target, "w:gz") as dst:
        for member in src.getmembers():
            dst.addfile(member, src.extractfile(member) if member.isfile() else None)
        info = tarfile.TarInfo("openmetadata-%s/conf/standin-jwt-token" % version)
        info.size = len(data)
        info.mode = 0o600
        dst.addfile(info, io.BytesIO(data))


@pytest.fixture
def secret_host(tmp_path, private_mariadb, dist) -> Iterator[SecretHost]:  # pylint: disable=redefined-outer-name
    """test_upgrade's om_host (mysql), built the same way (examples/sandbox/setup.yml), with its own secrets."""
    server = private_mariadb
    host = SecretHost(server, tmp_path, dist)
    om_database.build("mariadb", host.db_name, port=server["port"], user="root", password="")
    admin = om_database.connect("mariadb", None, port=server["port"], user="root", password="")
    try:
        with admin.cursor() as cur:
            cur.execute("CREATE USER %s@'127.0.0.1' IDENTIFIED BY %%s" % host.db_user, (host.secrets["DB password"],))
            cur.execute("GRANT ALL ON %s.* TO %s@'127.0.0.1'" % (host.db_name, host.db_user))
            cur.execute("ALTER USER root@'127.0.0.1' IDENTIFIED BY %s", (host.secrets["DB admin password"],))
    finally:
        admin.close()
    # setup.yml packs the releases into the host's dist folder unless they are there: these carry the token.
    for version in (SOURCE, TARGET):
        name = "openmetadata-%s.tar.gz" % version
        with_token(dist / name, host.dist_dir / name, version, host.jwt_token())
    try:
        host.setup()
        yield host
    finally:
        host.teardown()


# --- watching -------------------------------------------------------------------------------------

class CommandLines(threading.Thread):
    """Reads /proc/<pid>/cmdline of every process every ``interval`` seconds until stopped; keeps each
    distinct command line once."""

    def __init__(self, interval: float = 0.003) -> None:
        super().__init__(daemon=True)
        self.interval = interval
        self.seen: set[bytes] = set()
        self.rounds = 0
        self._halt = threading.Event()

    def run(self) -> None:
        while not self._halt.is_set():
            for pid in os.listdir("/proc"):
                if pid.isdigit():
                    try:
                        with open("/proc/%s/cmdline" % pid, "rb") as handle:
                            self.seen.add(handle.read())
                    except OSError:  # gone meanwhile, or not ours to read
                        pass
            self.rounds += 1
            time.sleep(self.interval)

    def __enter__(self) -> "CommandLines":
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._halt.set()
        self.join(timeout=10)

    def leaks(self, markers: dict[str, bytes]) -> list[str]:
        return ["%s in the command line %r" % (what, line.replace(b"\0", b" ")[:300])
                for line in sorted(self.seen) for what, value in markers.items() if value in line]


def text_leaks(where: str, text: str, markers: dict[str, bytes]) -> list[str]:
    data = text.encode(errors="replace")
    found = []
    for what, value in markers.items():
        at = data.find(value)
        if at >= 0:
            found.append("%s in %s: ...%r..." % (what, where, data[max(0, at - 200):at + len(value) + 40]))
    return found


def _matches(relative: pathlib.Path, patterns: Any) -> Optional[str]:
    return next((pattern for pattern in patterns if relative.match(pattern)), None)


def file_leaks(root: pathlib.Path, markers: dict[str, bytes]) -> tuple[list[str], dict[str, int]]:
    """Secrets in the files under ``root`` (gzip files read uncompressed too), other than the holders
    and the test's inputs; and the mode of every holder found holding one."""
    found, holders = [], {}
    for path in sorted(root.rglob("*")):
        if not path.is_file() or path.is_symlink():
            continue
        relative = path.relative_to(root)
        if _matches(relative, INPUTS):
            continue
        try:
            data = path.read_bytes()
        except OSError as exc:
            found.append("%s unreadable: %s" % (relative, exc))
            continue
        if data[:2] == b"\x1f\x8b":
            try:
                data += gzip.decompress(data)
            except (OSError, EOFError):
                pass
        hits = [what for what, value in markers.items() if value in data]
        if not hits:
            continue
        if _matches(relative, HOLDERS):
            holders[str(relative)] = stat.S_IMODE(path.stat().st_mode)
        else:
            found.append("%s in %s" % (", ".join(hits), relative))
    return found, holders


def assert_nothing_leaked(host: SecretHost, lines: CommandLines, outputs: dict[str, str]) -> None:
    markers = host.markers()
    # The sampler saw the short-lived processes of the run: the modules Ansible runs, the server's scripts.
    assert lines.rounds > 100, "the command lines were read %d times only" % lines.rounds
    assert any(b"AnsiballZ_" in line for line in lines.seen), "no module's process was seen"
    assert any(b"bootstrap_storage.sh" in line or b"openmetadata.sh" in line for line in lines.seen), \
        "no process of the server's scripts was seen"
    problems = lines.leaks(markers)
    for where, text in outputs.items():
        problems += text_leaks(where, text, markers)
    in_files, holders = file_leaks(host.tmp, markers)
    problems += in_files
    problems += ["%s holds a secret with mode %04o, not 0600 (%s)" % (path, mode, HOLDERS[_matches(pathlib.Path(path), HOLDERS)])
                 for path, mode in holders.items() if mode != 0o600]
    known = [reason for start, reason in KNOWN.items() if any(problem.startswith(start) for problem in problems)]
    problems = [problem for problem in problems if not problem.startswith(tuple(KNOWN))]
    assert not problems, "secrets shown:\n" + "\n".join(problems)
    # The server's environment file was written and holds the DB password (0600, checked above).
    assert "sandbox/om/opt/openmetadata-server-env.sh" in holders, sorted(holders)
    gone = sorted(set(KNOWN.values()) - set(known))
    assert not gone, "fixed, remove from KNOWN: %s" % gone
    if known:
        pytest.xfail("known, reported: " + "; ".join(known))


# --- the promises ---------------------------------------------------------------------------------

def test_no_secret_in_command_lines_verbose_output_or_files(secret_host):
    """ansible-playbook -vvv: an upgrade that succeeds shows no secret in any process's command line,
    its output or any file the run wrote but those meant to hold one (0600)."""
    host = secret_host
    with CommandLines() as lines:
        run = host.upgrade("-vvv")
    assert run.rc == 0, explain(run)
    assert summary(run)["result"] == "upgraded"
    assert host.version() == TARGET
    assert "EXEC /bin/sh -c" in run.output + run.stderr, "the run was not verbose:\n" + run.output[:2000]
    assert_nothing_leaked(host, lines, {"the -vvv stdout": run.output, "the -vvv stderr": run.stderr})


def test_no_secret_in_the_job_events_of_ansible_runner(secret_host):
    """The same upgrade through ansible-runner (AWX's engine) at -vvv: no secret in any job event, the
    job's stdout or any other artifact, nor in a command line or a file the run wrote."""
    try:
        import ansible_runner as runner  # pylint: disable=import-outside-toplevel
    except ImportError:
        pytest.fail("ansible-runner is missing: it is in requirements-dev.txt (make venv)", pytrace=False)
    host = secret_host
    private = host.tmp / "runner"
    (private / "env").mkdir(parents=True)
    (private / "inventory").mkdir()
    shutil.copytree(REPO / "playbooks", private / "project" / "playbooks")
    host.write_inventory()
    shutil.copy(host.inventory, private / "inventory" / "hosts.yml")
    env = {"ANSIBLE_COLLECTIONS_PATH": str(COLLECTIONS), "ANSIBLE_RETRY_FILES_ENABLED": "False",
           "ANSIBLE_LOCAL_TEMP": str(private / "tmp"), "ANSIBLE_HOME": str(private / "home"),
           "PATH": "%s:%s" % (pathlib.Path(ANSIBLE_PLAYBOOK).parent, os.environ.get("PATH", ""))}
    (private / "env" / "envvars").write_text(yaml.safe_dump(env))
    with CommandLines() as lines:
        job = runner.run(private_data_dir=str(private), playbook="playbooks/upgrade.yml", ident="1", cmdline="-vvv",
                         quiet=True, suppress_env_files=True)
    artifacts = private / "artifacts" / "1"
    stdout = (artifacts / "stdout").read_text(errors="replace") if (artifacts / "stdout").exists() else ""
    assert job.status == "successful" and job.rc == 0, "status=%s rc=%s\n%s" % (job.status, job.rc, stdout[-6000:])
    assert host.version() == TARGET
    events = sorted((artifacts / "job_events").glob("*.json"))
    assert len(events) > 100, "only %d job events" % len(events)
    assert any(json.loads(path.read_text()).get("event") == "verbose" for path in events), "no -vvv output in the events"
    outputs = {"job event %s" % path.name: path.read_text(errors="replace") for path in events}
    outputs.update({"artifact %s" % path.relative_to(artifacts): path.read_text(errors="replace")
                    for path in artifacts.rglob("*") if path.is_file() and path.parent.name != "job_events"})
    assert_nothing_leaked(host, lines, outputs)


def test_a_leak_would_be_found(tmp_path):
    """The checks find what they look for: a value on a short-lived command line, in output, in a file."""
    secret = "OmCanary%s" % uuid.uuid4().hex
    markers = {"canary": secret.encode(), "canary Basic credentials": base64.b64encode(("u:" + secret).encode())}
    (tmp_path / "reports").mkdir()
    (tmp_path / "reports" / "canary.txt").write_text("token: %s\n" % secret)
    (tmp_path / "reports" / "canary.gz").write_bytes(gzip.compress(b"x" + markers["canary Basic credentials"]))
    with CommandLines() as lines:
        subprocess.run([sys.executable, "-c", "import time; time.sleep(0.05)", secret], check=True)
    assert lines.leaks(markers), "the sampler missed a password on a command line"
    assert text_leaks("output", "Authorization: Basic %s" % markers["canary Basic credentials"].decode(), markers)
    assert file_leaks(tmp_path, markers)[0] == ["canary Basic credentials in reports/canary.gz", "canary in reports/canary.txt"]
