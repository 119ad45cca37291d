"""`make sandbox-docker`: an OpenMetadata 1.1.7 docker compose deployment on this machine's Docker
engine (server STAND-IN image, real Elasticsearch 7.16.3 and PostgreSQL 15 images built locally),
then upgraded to 1.2.5 by playbooks/upgrade.yml (role server_docker; examples/sandbox-docker/inventory.yml).

    python examples/sandbox-docker/sandbox_docker.py up      create the 1.1.7 deployment (when missing)
    python examples/sandbox-docker/sandbox_docker.py down    remove it (containers, volumes, files)

The deployment lives in examples/sandbox-docker/work/ (compose project "om-sandbox"); host ports
28585 (API), 28586 (admin), 29200 (search), 25432 (database). Nothing uses 3306/5432.
"""
from __future__ import annotations

import json
import os
import pathlib
import re
import shutil
import subprocess
import sys
import time
import urllib.request

HERE = pathlib.Path(__file__).resolve().parent
REPO = HERE.parents[1]
WORK = HERE / "work"
PORTS = {"SERVER": 28585, "ADMIN": 28586, "SEARCH": 29200, "DB": 25432}
sys.path[:0] = [str(REPO / "tests"), str(REPO)]

from fixtures import om_database  # noqa: E402  pylint: disable=wrong-import-position


def compose(*args: str, check: bool = True) -> subprocess.CompletedProcess:
    # plain output: no colour escape codes in a log or a CI job
    return subprocess.run(["docker", "compose", "--ansi", "never", *args], cwd=WORK, check=check, text=True)


def wait_version(version: str, timeout: float = 120) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen("http://127.0.0.1:%d/api/v1/system/version" % PORTS["SERVER"], timeout=5) as r:
                if json.loads(r.read())["version"] == version:
                    return
        except OSError:
            pass
        time.sleep(1)
    raise SystemExit("the sandbox server did not answer version %s" % version)


def up() -> None:
    if (WORK / "docker-compose.yml").exists():
        print("sandbox-docker: %s exists; `make sandbox-docker-reset` starts again from 1.1.7" % WORK)
        return
    subprocess.run([sys.executable, "-m", "tests.docker.images"], cwd=REPO, check=True)
    WORK.mkdir(parents=True)
    # The test fixture keeps upstream's top-level `version:` (the collection must handle it); compose v2 only
    # warns that it is obsolete, on every command: the sandbox's own file goes without it.
    fixture = (REPO / "tests" / "fixtures" / "compose" / "e2e-1.1.7-postgres.yml").read_text()
    (WORK / "docker-compose.yml").write_text(re.sub(r"(?m)^version:.*\n", "", fixture))
    (WORK / ".env").write_text("COMPOSE_PROJECT_NAME=om-sandbox\n" + "".join(
        "OM_TEST_%s_PORT=%d\n" % item for item in PORTS.items()))
    compose("up", "--detach", "--wait", "postgresql", "elasticsearch")
    om_database.build("postgresql", "openmetadata_db", port=PORTS["DB"])
    compose("up", "--detach")
    wait_version("1.1.7")
    print("sandbox-docker: OpenMetadata 1.1.7 runs at http://127.0.0.1:%d (compose project om-sandbox)" % PORTS["SERVER"])


def down() -> None:
    if (WORK / "docker-compose.yml").exists():
        compose("down", "--volumes", "--timeout", "1", check=False)
    shutil.rmtree(WORK, ignore_errors=True)


if __name__ == "__main__":
    os.environ.setdefault("DOCKER_HOST", "unix:///var/lib/openmetadata-ops-docker/docker.sock")
    {"up": up, "down": down}[sys.argv[1] if len(sys.argv) > 1 else "up"]()
