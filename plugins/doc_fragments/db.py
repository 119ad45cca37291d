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
  ssl_mode:
    description:
      - TLS to the database, with libpq's C(sslmode) names for both engines (as M(community.postgresql.postgresql_query)'s
        O(ssl_mode)).
      - V(disable) never encrypts; V(prefer) encrypts when the server offers TLS; V(require) always encrypts, and checks
        the certificate chain only when O(ssl_ca) is given (as libpq does with a root certificate); V(verify-ca) also
        checks that O(ssl_ca) (or, without it, the managed node's system CA store for MySQL and C(~/.postgresql/root.crt)
        for PostgreSQL) signed the server's certificate; V(verify-full) also checks that the certificate names O(login_host).
      - Not set keeps each driver's own default, what the collection did before this option existed. PostgreSQL
        (libpq) uses C(prefer), or C(PGSSLMODE) from the environment; PyMySQL 1.2 encrypts when the server offers TLS
        without checking the certificate (PyMySQL 1.1 does not encrypt).
      - Managed databases (RDS, Azure, Cloud SQL) want V(verify-full) with their CA bundle in O(ssl_ca). The collection
        writes C(sslmode=require) (or C(sslmode=prefer)) into OpenMetadata's own C(DB_PARAMS); that is the server's setting,
        this one is the modules'.
      - With C(method=client) of M(openmetadata.ops.backup) the dump tool gets the same settings, in its private option file (MySQL, MariaDB) or in its
        environment (C(PGSSLMODE), C(PGSSLROOTCERT), C(PGSSLCERT), C(PGSSLKEY)), never on its command line. The MariaDB
        client has no CA-only check; with V(verify-ca) it encrypts and the module's own connection, made first, has
        checked the CA.
    type: str
    choices: [disable, prefer, require, verify-ca, verify-full]
  ssl_ca:
    description:
      - PEM file of the CA (or bundle) that signed the database server's certificate, on the managed node.
      - Named after libpq's C(sslrootcert) and MySQL's C(--ssl-ca); the aliases are the names M(community.mysql.mysql_query)
        (C(ca_cert)) and M(community.postgresql.postgresql_query) (C(ca_cert), C(ssl_rootcert)) use.
      - Needs O(ssl_mode).
    type: path
    aliases: [ca_cert, ssl_rootcert]
  ssl_cert:
    description:
      - PEM file of the client certificate, for an account that requires one (MySQL C(REQUIRE X509),
        PostgreSQL C(cert) authentication or C(clientcert=verify-full)). Give O(ssl_key) with it.
      - PostgreSQL's C(cert) method wants the certificate's common name to be O(login_user).
    type: path
    aliases: [client_cert]
  ssl_key:
    description:
      - PEM file of the private key of O(ssl_cert), unencrypted, readable by the module only (libpq refuses a key
        that group or others may read).
    type: path
    aliases: [client_key]
requirements:
  - PyMySQL >= 1.1 (engine=mysql) or psycopg2 >= 2.9 (engine=postgresql) on the managed node
'''
