# -*- coding: utf-8 -*-
# Copyright: (c) 2026, openmetadata.ops contributors
# Apache License 2.0 (see LICENSE or https://www.apache.org/licenses/LICENSE-2.0)
"""Connection options shared by every module that talks to the OpenMetadata database."""
from __future__ import annotations


class ModuleDocFragment:  # pylint: disable=too-few-public-methods
    DOCUMENTATION = r'''
options:
  engine:
    description:
      - The database engine OpenMetadata uses (C(DB_SCHEME) in openmetadata.yaml).
      - V(mysql) covers MySQL 8 and MariaDB.
    type: str
    required: true
    choices: [mysql, postgresql]
  login_host:
    description: Host of the database server (C(DB_HOST)).
    type: str
    default: 127.0.0.1
  login_port:
    description: Port of the database server (C(DB_PORT)); 3306 for MySQL, 5432 for PostgreSQL when not set.
    type: int
  login_user:
    description: User to connect as (C(DB_USER)).
    type: str
    required: true
  login_password:
    description:
      - Password of O(login_user) (C(DB_USER_PASSWORD)). Never logged, never put on a command line.
    type: str
    default: ''
  login_unix_socket:
    description: Connect through this Unix socket instead of TCP.
    type: str
  database:
    description: The OpenMetadata database (C(OM_DATABASE)).
    type: str
    default: openmetadata_db
  schema:
    description: PostgreSQL schema holding OpenMetadata's tables. Ignored for MySQL.
    type: str
    default: public
  connect_timeout:
    description: Seconds to wait for the connection.
    type: int
    default: 10
requirements:
  - PyMySQL >= 1.1 (engine=mysql) or psycopg2 >= 2.9 (engine=postgresql) on the managed node
'''
