# -*- coding: utf-8 -*-
# Copyright: (c) 2026, openmetadata.ops contributors
# Apache License 2.0 (see LICENSE or https://www.apache.org/licenses/LICENSE-2.0)
"""python -m tests.simulator.search_engine --flavor elasticsearch --version 8.10.2 --port 9200 [...]

Runs the Elasticsearch/OpenSearch STAND-IN in the foreground until SIGTERM/SIGINT. Prints one line
``search-engine stand-in ready: <flavor> <version> on <url>`` when it accepts connections.
Secrets can come from the environment instead of the command line: SEARCH_STANDIN_PASSWORD and
SEARCH_STANDIN_API_KEY."""
from __future__ import annotations

import argparse
import os
import signal
import sys
import threading

from .server import StartupRefused, make_server


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tests.simulator.search_engine",
                                     description="Elasticsearch/OpenSearch stand-in for tests")
    parser.add_argument("--flavor", choices=["elasticsearch", "opensearch"], default="elasticsearch")
    parser.add_argument("--version", default="8.10.2")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=9200)
    parser.add_argument("--data-dir", help="keep indexes here (one JSON file per index) instead of in memory")
    parser.add_argument("--username")
    parser.add_argument("--password", help="or SEARCH_STANDIN_PASSWORD")
    parser.add_argument("--api-key", help="accepted API key as id:key (or SEARCH_STANDIN_API_KEY)")
    parser.add_argument("--tls-cert")
    parser.add_argument("--tls-key")
    parser.add_argument("--destructive-requires-name", choices=["true", "false"],
                        help="override the version's default (true on Elasticsearch 8)")
    args = parser.parse_args(argv)
    password = args.password if args.password is not None else os.environ.get("SEARCH_STANDIN_PASSWORD")
    api_key = args.api_key or os.environ.get("SEARCH_STANDIN_API_KEY") or None
    drn = None if args.destructive_requires_name is None else args.destructive_requires_name == "true"
    try:
        server, _cluster = make_server(args.flavor, args.version, args.port, host=args.host, data_dir=args.data_dir,
                                       username=args.username, password=password, api_key=api_key,
                                       tls_cert=args.tls_cert, tls_key=args.tls_key, destructive_requires_name=drn)
    except StartupRefused as exc:
        print("search-engine stand-in refused to start: %s" % exc, file=sys.stderr, flush=True)
        return 78
    except OSError as exc:
        print("search-engine stand-in cannot listen on %s:%d: %s" % (args.host, args.port, exc), file=sys.stderr,
              flush=True)
        return 1

    def stop(_signum: int, _frame: object) -> None:
        threading.Thread(target=server.shutdown, daemon=True).start()

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    scheme = "https" if args.tls_cert else "http"
    port = server.server_address[1]
    print("search-engine stand-in ready: %s %s on %s://%s:%d" % (args.flavor, args.version, scheme, args.host, port),
          flush=True)
    try:
        server.serve_forever(poll_interval=0.2)
    finally:
        server.server_close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
