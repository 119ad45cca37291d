# -*- coding: utf-8 -*-
# Copyright: (c) 2026, openmetadata.ops contributors
# Apache License 2.0 (see LICENSE or https://www.apache.org/licenses/LICENSE-2.0)
"""A stand-in bare-metal install in a temp folder, for tests and the sandbox.

    site = StandinSite(tmp_path, engine="mysql", database="om_x", search_url="http://127.0.0.1:9200")
    site.pack("1.1.7", "1.2.5")        # archives + sha256 in site.archives
    site.install("1.1.7")              # unpack to <base>/opt/openmetadata-1.1.7, link current
    site.start()                       # bin/openmetadata.sh start with site.env(); waits for /healthcheck
    ...
    site.stop_all()                    # SIGKILL by the PIDs in the releases' logs/catalog.pid, waits

``site.env()`` holds the conf's ${VAR} values (DB_*, SERVER_PORT, SERVER_ADMIN_PORT, ELASTICSEARCH_*): pass it as
the role's ``openmetadata_server_env``. With ``sort_memory_ok`` (default) the database gets the 20MB the
migration needs without touching the shared server: PostgreSQL ``ALTER DATABASE ... SET work_mem``, MySQL
``sessionVariables=sort_buffer_size=...`` in DB_PARAMS (1.2 conf); ``sort_memory_ok=False`` sets 2MB / 4MB instead.
"""
from __future__ import annotations

import json
import os
import pathlib
import signal
import socket
import subprocess
import tarfile
import time
import urllib.request
from typing import Dict, Optional
from urllib.parse import urlsplit

from . import pack as packm
from .conf import DEFAULT_JWT_TOKEN


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class StandinSite:  # pylint: disable=too-many-instance-attributes
    def __init__(self, base: pathlib.Path, engine: str, database: str, *, host: str = "127.0.0.1",
                 port: Optional[int] = None, user: Optional[str] = None, password: str = "",
                 search_url: str = "", sort_memory_ok: bool = True) -> None:
        self.base = pathlib.Path(base)
        self.engine = engine
        self.database = database
        self.host = host
        self.port = port or (3306 if engine == "mysql" else 5432)
        self.user = user or ("root" if engine == "mysql" else "postgres")
        self.password = password
        self.search_url = search_url
        self.sort_memory_ok = sort_memory_ok
        self.app_port = free_port()
        self.admin_port = free_port()
        self.releases = self.base / "releases"
        self.install_dir = self.base / "opt"
        self.archives: Dict[str, Dict[str, str]] = {}
        self.token = DEFAULT_JWT_TOKEN
        if engine == "postgresql":
            self._pg_work_mem("20MB" if sort_memory_ok else "4MB")

    @property
    def server_url(self) -> str:
        return "http://127.0.0.1:%d" % self.app_port

    @property
    def admin_url(self) -> str:
        return "http://127.0.0.1:%d" % self.admin_port

    def _pg_work_mem(self, value: str) -> None:
        import psycopg2  # pylint: disable=import-outside-toplevel
        conn = psycopg2.connect(host=self.host, port=self.port, user=self.user, password=self.password,
                                dbname=self.database)
        conn.autocommit = True
        with conn.cursor() as cur:
            cur.execute('ALTER DATABASE "%s" SET work_mem = %%s' % self.database, (value,))
        conn.close()

    def env(self) -> Dict[str, str]:
        env = {"DB_HOST": self.host, "DB_PORT": str(self.port), "DB_USER": self.user,
               "DB_USER_PASSWORD": self.password, "OM_DATABASE": self.database,
               "SERVER_PORT": str(self.app_port), "SERVER_ADMIN_PORT": str(self.admin_port)}
        params = "allowPublicKeyRetrieval=true&useSSL=false&serverTimezone=UTC"
        if self.engine == "postgresql":
            env.update(DB_DRIVER_CLASS="org.postgresql.Driver", DB_SCHEME="postgresql")
            params = ""
        else:
            # A session value decides what the migration's connections see, whatever the shared server's global is.
            params += "&sessionVariables=sort_buffer_size=%d" % (20971520 if self.sort_memory_ok else 2097152)
        env["DB_PARAMS"] = params
        if self.search_url:
            url = urlsplit(self.search_url)
            env.update(ELASTICSEARCH_HOST=url.hostname or "127.0.0.1", ELASTICSEARCH_PORT=str(url.port or 9200),
                       ELASTICSEARCH_SCHEME=url.scheme or "http")
        return env

    def pack(self, *versions: str) -> Dict[str, Dict[str, str]]:
        for version in versions:
            self.archives[version] = packm.pack(version, self.releases)
        return self.archives

    def release_dir(self, version: str) -> pathlib.Path:
        return self.install_dir / ("openmetadata-%s" % version)

    def install(self, version: str, link: bool = True) -> pathlib.Path:
        if version not in self.archives:
            self.pack(version)
        self.install_dir.mkdir(parents=True, exist_ok=True)
        with tarfile.open(self.archives[version]["archive"]) as tar:
            tar.extractall(self.install_dir)  # our own archive
        if link:
            current = self.install_dir / "current"
            if current.is_symlink() or current.exists():
                current.unlink()
            current.symlink_to(self.release_dir(version))
        return self.release_dir(version)

    def write_faults(self, version: str, faults: Dict[str, object]) -> None:
        (self.release_dir(version) / "conf" / "standin-faults.json").write_text(json.dumps(faults))

    def run_script(self, version: str, *args: str, timeout: float = 300) -> subprocess.CompletedProcess:
        home = self.release_dir(version)
        script = home / ("bin/openmetadata.sh" if args[0] in ("start", "stop", "status", "clean")
                         else "bootstrap/bootstrap_storage.sh")
        env = dict(os.environ)
        env.update(self.env())
        return subprocess.run([str(script), *args], cwd=str(home), env=env, capture_output=True, text=True,
                              timeout=timeout, check=False)

    def start(self, version: Optional[str] = None, wait: float = 30.0) -> None:
        version = version or os.path.basename(os.readlink(self.install_dir / "current")).split("-", 1)[1]
        self.run_script(version, "start")
        if wait:
            self.wait_healthy(wait, version)

    def wait_healthy(self, timeout: float, version: str = "") -> None:
        deadline = time.time() + timeout
        while time.time() < deadline:
            try:
                with urllib.request.urlopen(self.admin_url + "/healthcheck", timeout=5) as answer:
                    if answer.status == 200:
                        return
            except OSError:
                pass
            time.sleep(0.2)
        log = ""
        if version:
            path = self.release_dir(version) / "logs" / "catalog.log"
            log = path.read_text() if path.exists() else ""
        raise RuntimeError("stand-in did not become healthy in %ss:\n%s" % (timeout, log[-2000:]))

    def get(self, path: str, token: bool = True) -> object:
        request = urllib.request.Request(self.server_url + path)
        if token:
            request.add_header("Authorization", "Bearer " + self.token)
        with urllib.request.urlopen(request, timeout=10) as answer:
            return json.loads(answer.read().decode())

    def running_pids(self) -> Dict[str, int]:
        found = {}
        for pid_file in self.install_dir.glob("openmetadata-*/logs/catalog.pid"):
            try:
                pid = int(pid_file.read_text().strip())
                os.kill(pid, 0)
            except (ValueError, OSError):
                continue
            status = pathlib.Path("/proc/%d/status" % pid)
            if status.exists() and "State:\tZ" not in status.read_text():
                found[pid_file.parent.parent.name] = pid
        return found

    def stop_all(self, timeout: float = 20.0) -> None:
        for pid in self.running_pids().values():
            try:
                os.kill(pid, signal.SIGKILL)
            except OSError:
                continue
        deadline = time.time() + timeout
        while self.running_pids() and time.time() < deadline:
            time.sleep(0.1)
