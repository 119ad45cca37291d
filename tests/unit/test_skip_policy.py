"""tests/skip_policy.py: a skip fails the run unless tests/allowed_skips.txt allows it while its variable is 1."""
from __future__ import annotations

import os
import pathlib
import subprocess
import sys

import skip_policy

TESTS = pathlib.Path(__file__).resolve().parents[1]
SAMPLE = '''
import pytest

def test_runs():
    pass

def test_no_engine():
    pytest.skip("no Docker engine answers at unix:///x.sock: refused")

@pytest.mark.skipif(True, reason="not in this checkout yet: tests/simulator/openmetadata/pack.py")
def test_missing_file():
    pass

@pytest.mark.xfail(reason="known", strict=True)
def test_expected_failure():
    assert False
'''


def _run(tmp_path: pathlib.Path, *args: str, **env: str) -> subprocess.CompletedProcess:
    (tmp_path / "test_sample.py").write_text(SAMPLE)
    environ = {k: v for k, v in os.environ.items() if not k.startswith("OM_ALLOW_SKIP_")}
    environ.update(env, PYTHONPATH=str(TESTS), PYTEST_DISABLE_PLUGIN_AUTOLOAD="1")  # only the plugins named here
    return subprocess.run([sys.executable, "-m", "pytest", "-p", "skip_policy", "-p", "xdist.plugin",
                           "-p", "no:cacheprovider", "-q", "-rs", *args, "test_sample.py"], cwd=str(tmp_path),
                          env=environ, capture_output=True, text=True, check=False, timeout=120)


def test_every_rule_names_a_variable_and_a_reason():
    rules = skip_policy.allowed_rules()
    assert ("OM_ALLOW_SKIP_DOCKER", "no Docker engine") in rules
    assert all(variable.startswith("OM_ALLOW_SKIP_") and reason for variable, reason in rules)


def test_a_skip_the_file_does_not_allow_fails_the_run_and_is_named(tmp_path):
    run = _run(tmp_path, OM_ALLOW_SKIP_DOCKER="1")
    assert run.returncode == 1, run.stdout
    assert "skips not allowed" in run.stdout
    assert "test_sample.py::test_missing_file: not in this checkout yet" in run.stdout
    assert "test_sample.py::test_no_engine" not in run.stdout.split("skips not allowed", 1)[1]
    assert "1 skip(s) not allowed" in run.stdout


def test_an_allowed_reason_fails_too_while_its_variable_is_not_1(tmp_path):
    run = _run(tmp_path, "-k", "not missing_file", OM_ALLOW_SKIP_DOCKER="0")
    assert run.returncode == 1, run.stdout
    assert "test_sample.py::test_no_engine: no Docker engine answers" in run.stdout


def test_allowed_skips_and_xfails_leave_the_run_green(tmp_path):
    run = _run(tmp_path, "-k", "not missing_file", OM_ALLOW_SKIP_DOCKER="1")
    assert run.returncode == 0, run.stdout
    assert "skips not allowed" not in run.stdout and "1 skipped" in run.stdout and "1 xfailed" in run.stdout


def test_under_xdist_the_controller_decides(tmp_path):
    run = _run(tmp_path, "-n", "1")
    assert run.returncode == 1, run.stdout
    assert run.stdout.count("skips not allowed (tests/allowed_skips.txt)") == 1
    assert "2 skip(s) not allowed" in run.stdout
