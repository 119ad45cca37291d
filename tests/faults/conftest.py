"""Fixtures of the fault-injection suite (marker ``faults``): see faultlib.py and docs/reliability.md."""
from __future__ import annotations

import contextlib
import pathlib

import pytest

from faultlib import HERE, FaultHost, private_server
from faultlib import dist  # noqa: F401  pylint: disable=unused-import


def pytest_collection_modifyitems(items) -> None:
    for item in items:
        if pathlib.Path(str(item.fspath)).resolve().is_relative_to(HERE):
            item.add_marker(pytest.mark.faults)


@pytest.fixture(scope="module")
def fault_host_factory(tmp_path_factory, dist):  # noqa: F811  pylint: disable=redefined-outer-name
    """fault_host_factory(engine): one host per engine and module, on a private server, built once."""
    stack = contextlib.ExitStack()
    hosts: dict[str, FaultHost] = {}

    def make(engine: str) -> FaultHost:
        if engine not in hosts:
            server = stack.enter_context(private_server(engine))
            host = FaultHost(engine, server, tmp_path_factory.mktemp("faults-%s" % engine), dist)
            stack.callback(host.teardown)
            host.build()
            hosts[engine] = host
        return hosts[engine]

    with stack:
        yield make


@pytest.fixture(scope="module")
def mysql_host(fault_host_factory):  # pylint: disable=redefined-outer-name
    return fault_host_factory("mysql")


@pytest.fixture(scope="module")
def postgresql_host(fault_host_factory):  # pylint: disable=redefined-outer-name
    return fault_host_factory("postgresql")
