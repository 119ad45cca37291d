"""Real Elasticsearch / OpenSearch nodes for the tests (the integ-test distributions that
``scripts/search-engines.sh`` fetches from Maven Central into .build/search-engines/).

Each node runs on loopback with a free port, a 256 MB heap, its own temporary data and log
folders, security off where the distribution has it, and - when the tests run as root - as the
system user ``omsearch`` (Elasticsearch refuses root). ``stop()`` ends it by its process id.

As root, the distributions live in a world-traversable cache outside the clone (the clone may sit in a
private folder ``omsearch`` cannot enter; see scripts/search-engines.sh) and .build/search-engines/ links
to it: a node runs from the link's target, with its data and log folders under that cache too."""
from __future__ import annotations

import json
import os
import pathlib
import pwd
import shutil
import subprocess
import tempfile
import time
import urllib.request
from typing import Optional

REPO = pathlib.Path(__file__).resolve().parents[2]
ENGINES_DIR = REPO / ".build" / "search-engines"
RUN_USER = "omsearch"
# as scripts/search-engines.sh
CACHE = pathlib.Path(os.environ.get("OM_SEARCH_ENGINES_CACHE", "/var/tmp/openmetadata-ops-search-engines"))
JAVA_HOME = os.environ.get("OM_TEST_JAVA_HOME", "/usr/lib/jvm/java-17-openjdk-amd64")
REAL_VERSIONS = [("elasticsearch", "7.16.3"), ("elasticsearch", "8.10.2"), ("opensearch", "2.11.1")]


def free_port() -> int:
    import socket
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def fetch() -> Optional[str]:
    """Make sure the distributions are unpacked (fetching them if needed). None when ready, else why not."""
    script = REPO / "scripts" / "search-engines.sh"
    if subprocess.run(["bash", str(script), "--check"], check=False).returncode == 0:
        return None
    if os.environ.get("OM_TEST_NO_FETCH"):
        return "real search engines not unpacked and OM_TEST_NO_FETCH is set (run: make search-engines)"
    proc = subprocess.run(["bash", str(script)], capture_output=True, text=True, check=False, timeout=900)
    if proc.returncode != 0:
        return "cannot fetch the real search engines (scripts/search-engines.sh rc=%d): %s" % (
            proc.returncode, (proc.stderr or proc.stdout)[-800:])
    return None


class RealNode:
    def __init__(self, flavor: str, version: str) -> None:
        self.flavor = flavor
        self.version = version
        # the real folder: the user the node runs as may not traverse the clone to the link
        self.home = (ENGINES_DIR / ("%s-%s" % (flavor, version))).resolve()
        self.port = free_port()
        self.url = "http://127.0.0.1:%d" % self.port
        run_dir = None
        if os.geteuid() == 0:
            run_dir = CACHE / "run"
            run_dir.mkdir(parents=True, exist_ok=True)
            run_dir.chmod(0o755)
        self.workdir = pathlib.Path(tempfile.mkdtemp(prefix="om-%s-%s-" % (flavor, version), dir=run_dir))
        self.proc: Optional[subprocess.Popen] = None
        self.log = self.workdir / "stdout.log"

    def start(self, timeout: float = 120.0, wait: bool = True) -> "RealNode":
        data, logs = self.workdir / "data", self.workdir / "logs"
        data.mkdir()
        logs.mkdir()
        settings = ["http.port=%d" % self.port, "transport.port=%d" % free_port(), "network.host=127.0.0.1",
                    "discovery.type=single-node", "path.data=%s" % data, "path.logs=%s" % logs,
                    "cluster.routing.allocation.disk.threshold_enabled=false"]
        if self.flavor == "elasticsearch" and self.version.startswith("8."):
            settings.append("xpack.security.enabled=false")
        env = dict(os.environ)
        opts_var = "OPENSEARCH_JAVA_OPTS" if self.flavor == "opensearch" else "ES_JAVA_OPTS"
        home_var = "OPENSEARCH_JAVA_HOME" if self.flavor == "opensearch" else "ES_JAVA_HOME"
        env[opts_var] = "-Xms256m -Xmx256m"
        env[home_var] = JAVA_HOME
        env.pop("JAVA_HOME", None)
        env["ES_TMPDIR"] = env["OPENSEARCH_TMPDIR"] = str(self.workdir)
        argv = [str(self.home / "bin" / self.flavor)]
        for setting in settings:
            argv += ["-E", setting]
        if os.geteuid() == 0:
            if subprocess.run(["runuser", "-u", RUN_USER, "--", "test", "-x", argv[0]], check=False).returncode:
                raise RuntimeError("%s cannot run %s (a folder on the way it may not enter): run "
                                   "`make search-engines` as root, which unpacks them in %s" % (RUN_USER, argv[0], CACHE))
            user = pwd.getpwnam(RUN_USER)
            for path in (self.workdir, data, logs):
                os.chown(path, user.pw_uid, user.pw_gid)
            argv = ["runuser", "-u", RUN_USER, "--"] + argv
        with open(self.log, "wb") as out:
            self.proc = subprocess.Popen(argv, cwd=str(self.home), env=env, stdout=out, stderr=subprocess.STDOUT,
                                         start_new_session=True)
        return self.wait_ready(timeout) if wait else self

    def wait_ready(self, timeout: float = 120.0) -> "RealNode":
        assert self.proc is not None
        deadline = time.time() + timeout
        while time.time() < deadline:
            if self.proc.poll() is not None:
                break
            try:
                with urllib.request.urlopen(self.url + "/_cluster/health", timeout=2) as answer:
                    json.loads(answer.read())
                    return self
            except OSError:
                time.sleep(0.5)
        tail = self.log.read_text(errors="replace")[-2000:] if self.log.exists() else ""
        self.stop()
        raise RuntimeError("%s %s did not start within %ss: %s" % (self.flavor, self.version, timeout, tail))

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            # runuser forwards SIGTERM to the node; the session id is the node's own group.
            os.killpg(self.proc.pid, 15)
            try:
                self.proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, 9)
                self.proc.wait()
        shutil.rmtree(self.workdir, ignore_errors=True)


_STARTED: dict = {}
_FETCH_PROBLEM: list = []


def real_node(flavor: str, version: str) -> RealNode:
    """One node per (flavor, version) per test process, started on first use and stopped at exit.
    Skips (visibly) only when the distributions cannot be fetched."""
    import atexit

    import pytest
    if not _FETCH_PROBLEM:
        _FETCH_PROBLEM.append(fetch() or "")
    if _FETCH_PROBLEM[0]:
        pytest.skip(_FETCH_PROBLEM[0])
    key = (flavor, version)
    if key not in _STARTED:
        # Start every version at once: the JVMs boot side by side (tests are grouped on one worker).
        launched = []
        for other in [key] + [v for v in REAL_VERSIONS if v != key and v not in _STARTED]:
            node = RealNode(*other).start(wait=False)
            atexit.register(node.stop)
            launched.append((other, node))
        for other, node in launched:
            _STARTED[other] = node.wait_ready()
    return _STARTED[key]
