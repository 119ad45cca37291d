# -*- coding: utf-8 -*-
# Copyright: (c) 2026, openmetadata.ops contributors
# Apache License 2.0 (see LICENSE or https://www.apache.org/licenses/LICENSE-2.0)
"""What ``bootstrap/bootstrap_storage.sh`` runs in the stand-in (TablesInitializer's role).

``python -m tests.simulator.openmetadata.bootstrap --home <release dir> <command> [debug|-d] [force|-f]``
Commands: migrate-all (repair, then migrate = the database, then es-migrate = the release's search
indexes, as upstream's script chains them), migrate, info, validate, check-connection, repair.
drop/create/drop-create(-all)/es-*/rotate exist upstream but are refused by the stand-in.
"""
from __future__ import annotations

import argparse
import pathlib
import sys
from typing import List, Optional

from . import conf as confm
from . import db as dbm
from . import faults as faultm
from .migrate import (MigrationFailure, MigrationRunner, native_max, pending_versions, search_migrate,
                      validate_for_server)
from .releases import release as get_release

COMMANDS = ("create", "migrate", "info", "validate", "drop", "drop-create", "es-drop", "es-create",
            "drop-create-all", "migrate-all", "repair", "check-connection", "rotate")
USAGE = "Usage: bootstrap_storage.sh [%s] [debug] [force]" % "|".join(COMMANDS)


def read_version(home: pathlib.Path) -> str:
    return (home / "version.txt").read_text(encoding="utf-8").strip()


def main(argv: Optional[List[str]] = None) -> int:
    parser = argparse.ArgumentParser(add_help=False)
    parser.add_argument("--home", required=True)
    parser.add_argument("rest", nargs="*")
    args = parser.parse_args(argv)
    home = pathlib.Path(args.home).resolve()
    if not args.rest or args.rest[0] not in COMMANDS or len(args.rest) > 3:
        print(USAGE)
        return 1
    command, options = args.rest[0], args.rest[1:]
    unknown = [o for o in options if o not in ("debug", "-d", "force", "-f")]
    if unknown:
        print(USAGE)
        return 1
    debug = any(o in ("debug", "-d") for o in options)
    force = any(o in ("force", "-f") for o in options)

    def step(name: str) -> None:
        # upstream's script prints this before each Java run; migrate-all is three runs: repair, migrate, es-migrate
        print("The -force value is %s and the debug value is %s and command used is %s"
              % (str(force).lower(), str(debug).lower(), name))
        sys.stdout.flush()

    step("repair" if command == "migrate-all" else command)
    try:
        release = get_release(read_version(home))
        conf = confm.load(home / "conf" / "openmetadata.yaml")
        faults = faultm.load(home)
    except (OSError, ValueError, confm.ConfError, faultm.FaultError) as exc:
        print("ERROR: %s" % exc)
        return 1
    if command == "migrate-all":
        print("Flyway repair: nothing to repair")
        step("migrate")
    if command in ("migrate-all", "migrate"):
        code = MigrationRunner(home, release, conf, faults, force=force, debug=debug).run()
        if code != 0 or command == "migrate":
            return code
        step("es-migrate")  # after the database part has committed, as upstream's separate es-migrate run
        return search_migrate(release, conf.search, faults)
    if command == "repair":
        print("Flyway repair: nothing to repair")
        return 0
    try:
        conn = dbm.connect(conf.db)
    except dbm.DbError as exc:
        print("ERROR: %s" % exc)
        return 1
    try:
        if command == "check-connection":
            dbm.query(conn, "SELECT 1")
            print("Connection to the %s database %s works" % (conf.db.engine, conf.db.database))
            return 0
        if command == "validate":
            try:
                validate_for_server(release, conf.db.engine, conn)
            except MigrationFailure as exc:
                print("ERROR: %s" % exc)
                return 1
            print("Validation passed: no pending migrations")
            return 0
        if command == "info":
            previous = native_max(conf.db.engine, conn)
            rows = dbm.query(conn, "SELECT version, installed_on FROM %s" % dbm.change_log(conf.db.engine))
            print("+---------+---------------------+---------+")
            print("| Version | Installed on        | State   |")
            for version, installed in sorted(rows, key=lambda r: tuple(int(p) for p in r[0].split("."))):
                print("| %-7s | %-19s | Success |" % (version, str(installed)[:19]))
            for version in pending_versions(release, previous):
                print("| %-7s | %-19s | Pending |" % (version, ""))
            print("+---------+---------------------+---------+")
            return 0
    finally:
        conn.close()
    print("stand-in: %s is not supported (the stand-in only upgrades an existing database)" % command)
    return 1


if __name__ == "__main__":
    sys.exit(main())
