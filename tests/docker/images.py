"""Images for the Docker tests, built on this machine (no registry can be reached).

Every image starts from the base image ``scripts/docker-engine.sh up`` imports (this machine's
Python 3.11 + busybox) and is tagged with the name a user's compose file uses, so an unmodified
compose file resolves to it:

* ``docker.elastic.co/elasticsearch/elasticsearch:7.16.3`` and ``:8.10.2``: the REAL Elasticsearch
  test distributions from Maven Central (``scripts/search-engines.sh`` unpacks them) on this
  machine's JDK 17, so an 8.10.2 node meets a 7.16.3 data volume for real.
* ``docker.getcollate.io/openmetadata/postgresql:<v>``: this machine's real PostgreSQL 15
  binaries (initdb on first start, like the upstream image).
* ``docker.getcollate.io/openmetadata/server:<v>``: the OpenMetadata STAND-IN
  (tests/simulator/openmetadata) packed as a release and unpacked in /opt/openmetadata.

An image is rebuilt only when its inputs change (a label holds their hash).
    python -m tests.docker.images [--only NAME...]
"""
from __future__ import annotations

import argparse
import hashlib
import os
import pathlib
import shutil
import subprocess
import sys
import tempfile
import time
from typing import Callable, Optional

REPO = pathlib.Path(__file__).resolve().parents[2]
BASE_IMAGE = os.environ.get("OM_DOCKER_BASE_IMAGE", "local/openmetadata-ops-base:bookworm-py3.11")
JRE_IMAGE = "local/openmetadata-ops-jdk:17"
JAVA_HOME = pathlib.Path(os.environ.get("OM_TEST_JAVA_HOME", "/usr/lib/jvm/java-17-openjdk-amd64"))
SEARCH_ENGINES = REPO / ".build" / "search-engines"
ES_REPOSITORY = "docker.elastic.co/elasticsearch/elasticsearch"
ES_VERSIONS = ("7.16.3", "8.10.2")
PG_REPOSITORY = "docker.getcollate.io/openmetadata/postgresql"
PG_TAGS = ("1.1.7", "1.2.5")
PG_BIN = pathlib.Path("/usr/lib/postgresql/15")
LABEL = "org.openmetadata-ops.inputs"


def docker(*args: str, check: bool = True, capture: bool = True) -> subprocess.CompletedProcess:
    return subprocess.run(["docker", *args], check=check, text=True,
                          stdout=subprocess.PIPE if capture else None, stderr=subprocess.PIPE if capture else None)


def image_label(image: str) -> Optional[str]:
    proc = docker("image", "inspect", "--format", '{{ index .Config.Labels "%s" }}' % LABEL, image, check=False)
    return proc.stdout.strip() if proc.returncode == 0 else None


def _hash(*parts: object) -> str:
    digest = hashlib.sha256()
    for part in parts:
        if isinstance(part, pathlib.Path) and part.is_dir():
            for path in sorted(part.rglob("*")):
                if path.is_file() and "__pycache__" not in path.parts:
                    digest.update(str(path.relative_to(part)).encode())
                    digest.update(path.read_bytes())
        elif isinstance(part, pathlib.Path):
            digest.update(part.read_bytes() if part.is_file() else str(part).encode())
        else:
            digest.update(str(part).encode())
    return digest.hexdigest()[:16]


def build(tags: list[str], inputs: str, dockerfile: str, fill: Callable[[pathlib.Path], None]) -> bool:
    """docker build (legacy builder: no buildx here) unless every tag already has these inputs."""
    if all(image_label(tag) == inputs for tag in tags):
        return False
    started = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="om-image-") as tmp:
        context = pathlib.Path(tmp)
        fill(context)
        (context / "Dockerfile").write_text(dockerfile + "\nLABEL %s=%s\n" % (LABEL, inputs))
        argv = ["build", "-q"] + [arg for tag in tags for arg in ("-t", tag)] + [str(context)]
        proc = docker(*argv, check=False)
        if proc.returncode != 0:
            raise RuntimeError("docker build of %s failed: %s" % (tags[0], proc.stderr[-3000:]))
    print("built %s in %.1f s" % (", ".join(tags), time.monotonic() - started), file=sys.stderr)
    return True


def _copy_libs(binaries: list[pathlib.Path], root: pathlib.Path) -> None:
    """The shared libraries these binaries need that the base image lacks."""
    libs: set[str] = set()
    for binary in binaries:
        proc = subprocess.run(["ldd", str(binary)], capture_output=True, text=True, check=False)
        for line in proc.stdout.splitlines():
            parts = line.split()
            if "=>" in parts and len(parts) > parts.index("=>") + 1 and parts[parts.index("=>") + 1].startswith("/"):
                libs.add(parts[parts.index("=>") + 1])
    for lib in sorted(libs):
        target = root / lib.lstrip("/")
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(os.path.realpath(lib), target)


def build_jdk() -> bool:
    def fill(context: pathlib.Path) -> None:
        root = context / "rootfs"
        root.mkdir()
        tar = subprocess.Popen(["tar", "-C", "/", "-chf", "-", "--exclude=src.zip", "--exclude=*.debuginfo",
                                str(JAVA_HOME).lstrip("/")], stdout=subprocess.PIPE)
        subprocess.run(["tar", "-C", str(root), "-xf", "-"], stdin=tar.stdout, check=True)
        tar.wait()
        # Elasticsearch's start scripts need bash (busybox has only sh).
        (root / "bin").mkdir(exist_ok=True)
        shutil.copy2("/bin/bash", root / "bin" / "bash")
        _copy_libs([JAVA_HOME / "bin" / "java", pathlib.Path("/bin/bash")]
                   + sorted((JAVA_HOME / "lib").rglob("*.so")), root)
    inputs = _hash(BASE_IMAGE, JAVA_HOME / "release", pathlib.Path("/bin/bash"))
    return build([JRE_IMAGE], inputs, "FROM %s\nCOPY rootfs/ /\nENV JAVA_HOME=%s\n" % (BASE_IMAGE, JAVA_HOME), fill)


ES_ENTRYPOINT = r'''#!/usr/bin/python3
"""Like the official image: environment variables named like settings (discovery.type=...) become -E."""
import os, re
argv = ["/usr/share/elasticsearch/bin/elasticsearch"]
for name, value in sorted(os.environ.items()):
    if re.match(r"^[a-z0-9_]+\.[a-z0-9_.]+$", name):
        argv += ["-E", "%s=%s" % (name, value)]
argv += ["-E", "network.host=0.0.0.0", "-E", "cluster.routing.allocation.disk.threshold_enabled=false"]
os.execv(argv[0], argv)
'''


def build_elasticsearch(version: str) -> bool:
    home = SEARCH_ENGINES / ("elasticsearch-%s" % version)
    if not (home / "bin" / "elasticsearch").exists():
        raise FileNotFoundError("Elasticsearch %s is not unpacked in %s: run `bash scripts/search-engines.sh`"
                                % (version, home))

    def fill(context: pathlib.Path) -> None:
        shutil.copytree(home, context / "elasticsearch", symlinks=True,
                        ignore=shutil.ignore_patterns("data", "logs"))
        (context / "entrypoint.py").write_text(ES_ENTRYPOINT)
    dockerfile = "\n".join([
        "FROM %s" % JRE_IMAGE,
        "COPY elasticsearch/ /usr/share/elasticsearch/",
        "COPY entrypoint.py /usr/local/bin/es-entrypoint",
        "RUN echo 'elasticsearch:x:1000:0::/usr/share/elasticsearch:/bin/sh' >> /etc/passwd"
        " && mkdir -p /usr/share/elasticsearch/data /usr/share/elasticsearch/logs"
        " && chmod 0755 /usr/local/bin/es-entrypoint && chown -R 1000:0 /usr/share/elasticsearch",
        "ENV ES_JAVA_HOME=%s ES_TMPDIR=/tmp ES_JAVA_OPTS=\"-Xms256m -Xmx256m\"" % JAVA_HOME,
        "WORKDIR /usr/share/elasticsearch",
        "USER 1000",
        "EXPOSE 9200 9300",
        'ENTRYPOINT ["/usr/local/bin/es-entrypoint"]',
    ])
    inputs = _hash(image_label(JRE_IMAGE), home / "lib", ES_ENTRYPOINT, dockerfile)
    return build(["%s:%s" % (ES_REPOSITORY, version)], inputs, dockerfile, fill)


PG_ENTRYPOINT = r'''#!/usr/bin/python3
"""Like the upstream image: initdb on an empty data directory, create POSTGRES_DB, then run postgres
with the compose file's command as server options (e.g. --work_mem=10MB)."""
import os, subprocess, sys
data = os.environ.get("PGDATA", "/var/lib/postgresql/data")
bin_dir = "/usr/lib/postgresql/15/bin"
if not os.path.exists(os.path.join(data, "PG_VERSION")):
    subprocess.run([bin_dir + "/initdb", "-D", data, "-U", os.environ.get("POSTGRES_USER", "postgres"),
                    "--auth=trust", "-E", "UTF8", "--locale=C"], check=True)
    with open(os.path.join(data, "pg_hba.conf"), "a") as hba:
        hba.write("host all all 0.0.0.0/0 trust\n")
    database = os.environ.get("POSTGRES_DB")
    if database:
        subprocess.run([bin_dir + "/postgres", "--single", "-D", data, "postgres"],
                       input='CREATE DATABASE "%s";\n' % database, text=True, check=True)
os.execv(bin_dir + "/postgres", [bin_dir + "/postgres", "-D", data, "-c", "listen_addresses=*",
                                 "-c", "unix_socket_directories=/tmp"] + sys.argv[1:])
'''


def build_postgresql() -> bool:
    def fill(context: pathlib.Path) -> None:
        root = context / "rootfs"
        # Debian's PostgreSQL reads the system time zone files
        for source in (PG_BIN, pathlib.Path("/usr/share/postgresql/15"), pathlib.Path("/usr/share/zoneinfo")):
            shutil.copytree(source, root / str(source).lstrip("/"), symlinks=False,
                            ignore=shutil.ignore_patterns("man"))
        _copy_libs(sorted((PG_BIN / "bin").iterdir()) + sorted((PG_BIN / "lib").glob("*.so")), root)
        (context / "entrypoint.py").write_text(PG_ENTRYPOINT)
    dockerfile = "\n".join([
        "FROM %s" % BASE_IMAGE,
        "COPY rootfs/ /",
        "COPY entrypoint.py /usr/local/bin/pg-entrypoint",
        "RUN echo 'postgres:x:999:999::/var/lib/postgresql:/bin/sh' >> /etc/passwd"
        " && echo 'postgres:x:999:' >> /etc/group && mkdir -p /var/lib/postgresql/data"
        " && chown -R 999:999 /var/lib/postgresql && chmod 0755 /usr/local/bin/pg-entrypoint",
        "ENV PGDATA=/var/lib/postgresql/data POSTGRES_DB=openmetadata_db PGHOST=/tmp"
        " PATH=/usr/lib/postgresql/15/bin:/usr/local/bin:/usr/bin:/bin",
        "USER 999",
        "EXPOSE 5432",
        'ENTRYPOINT ["/usr/local/bin/pg-entrypoint"]',
    ])
    inputs = _hash(pathlib.Path(__file__), BASE_IMAGE, PG_BIN / "bin" / "postgres", PG_ENTRYPOINT, dockerfile)
    return build(["%s:%s" % (PG_REPOSITORY, tag) for tag in PG_TAGS], inputs, dockerfile, fill)


SERVER_REPOSITORY = "docker.getcollate.io/openmetadata/server"
INGESTION_REPOSITORY = "docker.getcollate.io/openmetadata/ingestion"
SERVER_VERSIONS = ("1.1.7", "1.2.5")
STANDIN = REPO / "tests" / "simulator" / "openmetadata"
SITE_PACKAGES = pathlib.Path(next(p for p in sys.path if p.endswith("site-packages")))
# What the stand-in imports besides the standard library.
STANDIN_LIBS = ("pymysql", "psycopg2", "psycopg2_binary.libs", "yaml", "_yaml")

START_SH = """#!/bin/bash
# STAND-IN image entry point (upstream's image runs ./openmetadata-start.sh): the server in the foreground.
cd /opt/openmetadata && exec env PYTHONPATH="$OM_STANDIN_REPO" "$OM_STANDIN_PYTHON" \\
  -m tests.simulator.openmetadata.server --home /opt/openmetadata conf/openmetadata.yaml
"""


def build_server(version: str) -> bool:
    """The OpenMetadata STAND-IN packed as release <version>, laid out like upstream's image."""
    if not (STANDIN / "pack.py").exists():
        raise FileNotFoundError("the OpenMetadata stand-in (tests/simulator/openmetadata/pack.py) is missing")

    def fill(context: pathlib.Path) -> None:
        out = context / "pack"
        subprocess.run([sys.executable, "-m", "tests.simulator.openmetadata.pack", "--version", version,
                        "--out", str(out)], cwd=str(REPO), check=True, capture_output=True)
        subprocess.run(["tar", "-C", str(context), "-xzf", str(out / ("openmetadata-%s.tar.gz" % version))],
                       check=True)
        (context / ("openmetadata-%s" % version) / "openmetadata-start.sh").write_text(START_SH)
        (context / ("openmetadata-%s" % version) / "openmetadata-start.sh").chmod(0o755)
        shutil.copytree(STANDIN.parent, context / "repo" / "tests" / "simulator",
                        ignore=shutil.ignore_patterns("__pycache__"))
        libs = context / "libs"
        libs.mkdir()
        for name in STANDIN_LIBS:
            for path in SITE_PACKAGES.glob(name + "*"):
                if (libs / path.name).exists():
                    continue
                if path.is_dir() and not path.name.endswith((".dist-info", ".egg-info")):
                    shutil.copytree(path, libs / path.name, ignore=shutil.ignore_patterns("__pycache__"))
                elif path.is_file() and path.suffix == ".so":
                    shutil.copy2(path, libs / path.name)
        # system libraries the compiled modules need (libpthread etc.), beside the JDK's
        _copy_libs(sorted(libs.rglob("*.so")), context / "syslibs")
    dockerfile = "\n".join([
        "FROM %s" % JRE_IMAGE,
        "COPY openmetadata-%s/ /opt/openmetadata/" % version,
        "COPY repo/ /opt/standin-repo/",
        "COPY libs/ /usr/local/lib/python3.11/dist-packages/",
        "COPY syslibs/ /",
        "RUN [ -e /usr/bin/env ] || ln -s /bin/busybox /usr/bin/env",
        "ENV OM_STANDIN_PYTHON=/usr/bin/python3 OM_STANDIN_REPO=/opt/standin-repo OM_STANDIN_BIND=0.0.0.0",
        "WORKDIR /opt/openmetadata",
        "EXPOSE 8585 8586",
        'CMD ["./openmetadata-start.sh"]',
    ])
    inputs = _hash(pathlib.Path(__file__), image_label(JRE_IMAGE), STANDIN, version, dockerfile)
    return build(["%s:%s" % (SERVER_REPOSITORY, version)], inputs, dockerfile, fill)


INGESTION_PY = """# STAND-IN for the ingestion (Airflow) container: answers on 8080 so depends_on and ports work.
import http.server
http.server.ThreadingHTTPServer(("", 8080), http.server.SimpleHTTPRequestHandler).serve_forever()
"""


def build_ingestion(version: str) -> bool:
    def fill(context: pathlib.Path) -> None:
        (context / "ingestion.py").write_text(INGESTION_PY)
    dockerfile = "FROM %s\nCOPY ingestion.py /opt/ingestion.py\nEXPOSE 8080\nCMD [\"python3\", \"/opt/ingestion.py\"]" \
        % BASE_IMAGE
    inputs = _hash(BASE_IMAGE, INGESTION_PY, version, dockerfile)
    return build(["%s:%s" % (INGESTION_REPOSITORY, version)], inputs, dockerfile, fill)


BUILDERS: dict[str, Callable[[], bool]] = {
    "jdk": build_jdk,
    "elasticsearch-7.16.3": lambda: build_elasticsearch("7.16.3"),
    "elasticsearch-8.10.2": lambda: build_elasticsearch("8.10.2"),
    "postgresql": build_postgresql,
    "server-1.1.7": lambda: build_server("1.1.7"),
    "server-1.2.5": lambda: build_server("1.2.5"),
    "ingestion-1.1.7": lambda: build_ingestion("1.1.7"),
    "ingestion-1.2.5": lambda: build_ingestion("1.2.5"),
}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--only", nargs="*", choices=sorted(BUILDERS), help="build only these")
    args = parser.parse_args()
    for name in args.only or list(BUILDERS):
        BUILDERS[name]()
    return 0


if __name__ == "__main__":
    sys.exit(main())
