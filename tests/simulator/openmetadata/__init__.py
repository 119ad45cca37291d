# -*- coding: utf-8 -*-
# Copyright: (c) 2026, openmetadata.ops contributors
# Apache License 2.0 (see LICENSE or https://www.apache.org/licenses/LICENSE-2.0)
"""OpenMetadata server STAND-IN for the tests (not OpenMetadata: the real distribution cannot be
downloaded here). Written from upstream's public docs and API descriptions, never from its code.

* ``pack.py``      builds ``openmetadata-<version>.tar.gz`` laid out like the upstream release.
* ``server.py``    the process ``bin/openmetadata.sh start`` runs: REST API + admin health check.
* ``migrate.py``   what ``bootstrap/bootstrap_storage.sh migrate-all`` runs: the 1.2.0 native
  migration on the real MariaDB/PostgreSQL database.
* ``conf.py``      reads ``conf/openmetadata.yaml`` (``${VAR:-default}`` substitution, JDBC URL).
* ``faults.py``    failure knobs (``conf/standin-faults.json``, env ``OM_STANDIN_FAULTS``).

See tests/simulator/README.md for the commands, environment and knobs.
"""
