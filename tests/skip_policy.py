"""Skips are failures unless tests/allowed_skips.txt allows them (loaded by tests/conftest.py).

A test that skips because something the project provides is missing (a product file, a service that
``make services`` starts, a package of requirements-dev.txt) hides a broken promise. So every skip of a run
is checked against ``tests/allowed_skips.txt``: a rule there allows the skips whose reason starts with its
text, and only while its environment variable is ``1`` (``.ci/run`` sets one only after it failed to provide
what the skip is about). Any other skip makes the run exit 1, listing each under "skips not allowed".
"""
from __future__ import annotations

import functools
import os
import pathlib
from typing import Any, Optional

import pytest

ALLOWED_FILE = pathlib.Path(__file__).resolve().parent / "allowed_skips.txt"

_DISALLOWED: list[tuple[str, str]] = []


@functools.lru_cache(maxsize=None)
def allowed_rules(path: pathlib.Path = ALLOWED_FILE) -> tuple[tuple[str, str], ...]:
    """(variable, reason prefix) for each rule of the file."""
    rules = []
    for number, line in enumerate(path.read_text().splitlines(), 1):
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        parts = line.split(None, 1)
        if len(parts) != 2:
            raise pytest.UsageError("%s line %d: want `VARIABLE reason-prefix`, got %r" % (path, number, line))
        rules.append((parts[0], parts[1].strip()))
    return tuple(rules)


def skip_reason(report: Any) -> Optional[str]:
    """The reason of a skipped test or collector report (None when it did not skip; xfail is no skip)."""
    if not report.skipped or hasattr(report, "wasxfail"):
        return None
    longrepr = report.longrepr
    reason = longrepr[2] if isinstance(longrepr, tuple) and len(longrepr) == 3 else str(longrepr)
    return reason[len("Skipped: "):] if reason.startswith("Skipped: ") else reason


def is_allowed(reason: str, rules: tuple[tuple[str, str], ...]) -> bool:
    return any(os.environ.get(variable) == "1" and reason.startswith(prefix) for variable, prefix in rules)


def _record(report: Any) -> None:
    reason = skip_reason(report)
    if reason is not None and not is_allowed(reason, allowed_rules()):
        _DISALLOWED.append((report.nodeid, reason))


def pytest_runtest_logreport(report: Any) -> None:
    _record(report)


def pytest_collectreport(report: Any) -> None:
    _record(report)


def pytest_sessionfinish(session: Any, exitstatus: int) -> None:
    # With pytest-xdist the controller sees every worker's reports and decides; a worker does not.
    if _DISALLOWED and not hasattr(session.config, "workerinput") and exitstatus == pytest.ExitCode.OK:
        session.exitstatus = pytest.ExitCode.TESTS_FAILED


def pytest_terminal_summary(terminalreporter: Any) -> None:
    if not _DISALLOWED or hasattr(terminalreporter.config, "workerinput"):
        return
    terminalreporter.section("skips not allowed (tests/allowed_skips.txt)", red=True, bold=True)
    for nodeid, reason in _DISALLOWED:
        terminalreporter.line("%s: %s" % (nodeid, reason))
    terminalreporter.line("%d skip(s) not allowed: the run fails. A skip is allowed only by a rule of "
                          "tests/allowed_skips.txt whose variable is 1 (docs/development.md)." % len(_DISALLOWED))
