# -*- coding: utf-8 -*-
# Copyright: (c) 2026, openmetadata.ops contributors
# Apache License 2.0 (see LICENSE or https://www.apache.org/licenses/LICENSE-2.0)
"""Elasticsearch/OpenSearch STAND-IN for the tests (see server.py for what it answers).

From pytest::

    from simulator.search_engine import SearchEngineProcess   # or tests.simulator.search_engine
    with SearchEngineProcess("elasticsearch", "8.10.2", data_dir=tmp_path / "es") as engine:
        engine.url   # http://127.0.0.1:<free port>

It runs as its own process (``python -m tests.simulator.search_engine``), like a real node.
"""
from __future__ import annotations

import os
import pathlib
import socket
import subprocess
import sys
import time
from typing import Any, List, Optional

REPO = pathlib.Path(__file__).resolve().parents[3]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class SearchEngineProcess:
    """Start the stand-in on a free port and wait until it answers; stop() ends it (by its PID)."""

    def __init__(self, flavor: str = "elasticsearch", version: str = "8.10.2", port: Optional[int] = None,
                 data_dir: Optional[Any] = None, username: Optional[str] = None, password: Optional[str] = None,
                 api_key: Optional[str] = None, tls_cert: Optional[Any] = None, tls_key: Optional[Any] = None,
                 destructive_requires_name: Optional[bool] = None, python: str = sys.executable) -> None:
        self.flavor = flavor
        self.version = version
        self.port = port or free_port()
        self.scheme = "https" if tls_cert else "http"
        self.url = "%s://127.0.0.1:%d" % (self.scheme, self.port)
        self.username = username
        self.password = password
        self.api_key = api_key
        self.args: List[str] = [python, "-m", "tests.simulator.search_engine", "--flavor", flavor,
                                "--version", version, "--port", str(self.port)]
        if data_dir is not None:
            self.args += ["--data-dir", str(data_dir)]
        if username:
            self.args += ["--username", username]
        if tls_cert:
            self.args += ["--tls-cert", str(tls_cert), "--tls-key", str(tls_key)]
        if destructive_requires_name is not None:
            self.args += ["--destructive-requires-name", "true" if destructive_requires_name else "false"]
        self.env = dict(os.environ)
        self.env.pop("SEARCH_STANDIN_PASSWORD", None)
        self.env.pop("SEARCH_STANDIN_API_KEY", None)
        if password is not None:
            self.env["SEARCH_STANDIN_PASSWORD"] = password
        if api_key:
            self.env["SEARCH_STANDIN_API_KEY"] = api_key
        self.proc: Optional[subprocess.Popen] = None
        self.output = ""

    def start(self, timeout: float = 15.0) -> "SearchEngineProcess":
        self.proc = subprocess.Popen(self.args, cwd=str(REPO), env=self.env, stdout=subprocess.PIPE,
                                     stderr=subprocess.STDOUT, text=True)
        assert self.proc.stdout is not None
        deadline = time.time() + timeout
        while time.time() < deadline:
            line = self.proc.stdout.readline()
            if not line:
                break
            self.output += line
            if "stand-in ready" in line:
                return self
        self.stop()
        raise RuntimeError("search-engine stand-in did not start (rc=%s): %s" % (
            self.proc.returncode if self.proc else None, self.output))

    def stop(self) -> None:
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        if self.proc and self.proc.stdout:
            self.proc.stdout.close()

    def __enter__(self) -> "SearchEngineProcess":
        return self.start()

    def __exit__(self, *exc: Any) -> None:
        self.stop()
