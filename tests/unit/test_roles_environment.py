"""No role hands a secret to a command through the task keyword ``environment:``: Ansible renders it into the
remote ``/bin/sh -c '... python ...'`` command line, visible in ``ps`` and ``-vvv`` while the task runs (issue 17)."""
from __future__ import annotations

import pathlib
import re

import yaml

ROOT = pathlib.Path(__file__).resolve().parents[2]
# What an environment: keyword may hold: variables of no secret (the Docker host, JAVA_HOME, PATH).
ALLOWED = {"openmetadata_docker_env"}
SECRET_NAME = re.compile(r"password|secret|token|_key\b|server_env|script_env", re.IGNORECASE)


def _tasks(node):
    if isinstance(node, list):
        for item in node:
            yield from _tasks(item)
    elif isinstance(node, dict):
        yield node
        for key in ("block", "rescue", "always"):
            if key in node:
                yield from _tasks(node[key])


def environments():
    for path in sorted(ROOT.glob("roles/*/tasks/*.yml")) + sorted(ROOT.glob("roles/*/handlers/*.yml")):
        for task in _tasks(yaml.safe_load(path.read_text()) or []):
            if "environment" in task:
                yield path.relative_to(ROOT), task.get("name", "?"), task["environment"]


def test_the_scan_finds_environment_keywords():
    assert list(environments())  # the Docker roles have some: a scan that finds none is broken


def test_no_secret_in_environment_keywords():
    bad = []
    for path, name, value in environments():
        text = yaml.safe_dump(value)
        names = set(re.findall(r"\b(openmetadata_[a-z0-9_]+)", text))
        if SECRET_NAME.search(text) or names - ALLOWED:
            bad.append("%s: %s: %s" % (path, name, text.strip()))
    assert not bad, bad
