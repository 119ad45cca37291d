# -*- coding: utf-8 -*-
# Copyright: (c) 2026, openmetadata.ops contributors
# Apache License 2.0 (see LICENSE or https://www.apache.org/licenses/LICENSE-2.0)
"""conf/openmetadata.yaml of a stand-in release: the sections, keys and ``${VAR:-default}``
environment variables of the upstream file for that version, in the project's own words.
1.1.x: ``DB_USE_SSL`` in the URL, ``migrationConfiguration.path``, ``applicationConfig`` logo and
login blocks, ``extensionConfiguration``. 1.2.0: ``DB_PARAMS``, flyway/native paths,
``pipelineServiceClientConfiguration.enabled``, no ``extensionConfiguration``. 1.2.1+: no
``applicationConfig`` logo/login blocks. No release here has ``elasticsearch.clusterAlias``: the
elasticSearchConfiguration models generated from the server's schemas (openmetadata-ingestion 1.1.7.5,
1.2.0.1 to 1.2.5.3) have no such field and forbid unknown ones; it first appears in 1.3.0."""
from __future__ import annotations

from .releases import Release

_HEAD = """\
# OpenMetadata server configuration ({version}) -- STAND-IN release file for the tests of
# openmetadata.ops, shaped like the file upstream ships (Dropwizard, ${{VAR:-default}} values).

clusterName: ${{OPENMETADATA_CLUSTER_NAME:-openmetadata}}

swagger:
  resourcePackage: org.openmetadata.service.resources

server:
  rootPath: '/api/*'
  applicationConnectors:
    - type: http
      port: ${{SERVER_PORT:-8585}}
  adminConnectors:
    - type: http
      port: ${{SERVER_ADMIN_PORT:-8586}}

# Log files are relative to the release folder (bin/openmetadata.sh changes into it).
logging:
  level: ${{LOG_LEVEL:-INFO}}
  loggers:
    io.swagger: DEBUG
  appenders:
    - type: console
      threshold: TRACE
      logFormat: "%level [%d{{ISO8601,UTC}}] [%t] %logger{{5}} - %msg%n"
      timeZone: UTC
    - type: file
      threshold: TRACE
      logFormat: "%level [%d{{ISO8601,UTC}}] [%t] %logger{{5}} - %msg%n"
      currentLogFilename: ./logs/openmetadata.log
      archivedLogFilenamePattern: ./logs/openmetadata-%d{{yyyy-MM-dd}}-%i.log.gz
      archivedFileCount: 7
      timeZone: UTC
      maxFileSize: 50MB

database:
  # JDBC driver: com.mysql.cj.jdbc.Driver (MySQL/MariaDB) or org.postgresql.Driver
  driverClass: ${{DB_DRIVER_CLASS:-com.mysql.cj.jdbc.Driver}}
  user: ${{DB_USER:-openmetadata_user}}
  password: ${{DB_USER_PASSWORD:-openmetadata_password}}
"""

_URL_11 = ("  url: jdbc:${DB_SCHEME:-mysql}://${DB_HOST:-localhost}:${DB_PORT:-3306}/${OM_DATABASE:-openmetadata_db}"
           "?allowPublicKeyRetrieval=true&useSSL=${DB_USE_SSL:-false}&serverTimezone=UTC\n\n"
           "migrationConfiguration:\n  path: \"./bootstrap/sql\"\n")
_URL_12 = ("  url: jdbc:${DB_SCHEME:-mysql}://${DB_HOST:-localhost}:${DB_PORT:-3306}/${OM_DATABASE:-openmetadata_db}"
           "?${DB_PARAMS:-allowPublicKeyRetrieval=true&useSSL=false&serverTimezone=UTC}\n\n"
           "migrationConfiguration:\n  flywayPath: \"./bootstrap/sql/migrations/flyway\"\n"
           "  nativePath: \"./bootstrap/sql/migrations/native\"\n")

_AUTH = """
authorizerConfiguration:
  className: ${AUTHORIZER_CLASS_NAME:-org.openmetadata.service.security.DefaultAuthorizer}
  containerRequestFilter: ${AUTHORIZER_REQUEST_FILTER:-org.openmetadata.service.security.JwtFilter}
  adminPrincipals: ${AUTHORIZER_ADMIN_PRINCIPALS:-[admin]}
  allowedEmailRegistrationDomains: ${AUTHORIZER_ALLOWED_REGISTRATION_DOMAIN:-["all"]}
  principalDomain: ${AUTHORIZER_PRINCIPAL_DOMAIN:-"openmetadata.org"}
  enforcePrincipalDomain: ${AUTHORIZER_ENFORCE_PRINCIPAL_DOMAIN:-false}
  enableSecureSocketConnection : ${AUTHORIZER_ENABLE_SECURE_SOCKET:-false}

authenticationConfiguration:
  provider: ${AUTHENTICATION_PROVIDER:-basic}
  # only read for provider customOidc
  providerName: ${CUSTOM_OIDC_AUTHENTICATION_PROVIDER_NAME:-""}
  publicKeyUrls: ${AUTHENTICATION_PUBLIC_KEYS:-[http://localhost:8585/api/v1/system/config/jwks]}
  authority: ${AUTHENTICATION_AUTHORITY:-https://accounts.google.com}
  clientId: ${AUTHENTICATION_CLIENT_ID:-""}
  callbackUrl: ${AUTHENTICATION_CALLBACK_URL:-""}
  jwtPrincipalClaims: ${AUTHENTICATION_JWT_PRINCIPAL_CLAIMS:-[email,preferred_username,sub]}
  enableSelfSignup: ${AUTHENTICATION_ENABLE_SELF_SIGNUP:-true}

jwtTokenConfiguration:
  rsapublicKeyFilePath: ${RSA_PUBLIC_KEY_FILE_PATH:-"./conf/public_key.der"}
  rsaprivateKeyFilePath: ${RSA_PRIVATE_KEY_FILE_PATH:-"./conf/private_key.der"}
  jwtissuer: ${JWT_ISSUER:-"open-metadata.org"}
  keyId: ${JWT_KEY_ID:-"Gb389a-9f76-gdjs-a92j-0242bk94356"}
"""

_SEARCH = """
elasticsearch:
  searchType: ${{SEARCH_TYPE:-"elasticsearch"}}
  host: ${{ELASTICSEARCH_HOST:-localhost}}
  port: ${{ELASTICSEARCH_PORT:-9200}}
  scheme: ${{ELASTICSEARCH_SCHEME:-http}}
  username: ${{ELASTICSEARCH_USER:-""}}
  password: ${{ELASTICSEARCH_PASSWORD:-""}}
  truststorePath: ${{ELASTICSEARCH_TRUST_STORE_PATH:-""}}
  truststorePassword: ${{ELASTICSEARCH_TRUST_STORE_PASSWORD:-""}}
  connectionTimeoutSecs: ${{ELASTICSEARCH_CONNECTION_TIMEOUT_SECS:-5}}
  socketTimeoutSecs: ${{ELASTICSEARCH_SOCKET_TIMEOUT_SECS:-60}}
  keepAliveTimeoutSecs: ${{ELASTICSEARCH_KEEP_ALIVE_TIMEOUT_SECS:-600}}
  batchSize: ${{ELASTICSEARCH_BATCH_SIZE:-10}}
  searchIndexMappingLanguage: ${{ELASTICSEARCH_INDEX_MAPPING_LANG:-EN}}

eventHandlerConfiguration:
  eventHandlerClassNames:
    - "org.openmetadata.service.events.AuditEventHandler"
    - "org.openmetadata.service.events.ChangeEventHandler"

pipelineServiceClientConfiguration:
{enabled}  className: ${{PIPELINE_SERVICE_CLIENT_CLASS_NAME:-"org.openmetadata.service.clients.pipeline.airflow.AirflowRESTClient"}}
  apiEndpoint: ${{PIPELINE_SERVICE_CLIENT_ENDPOINT:-http://localhost:8080}}
  metadataApiEndpoint: ${{SERVER_HOST_API_URL:-http://localhost:8585/api}}
  ingestionIpInfoEnabled: ${{PIPELINE_SERVICE_IP_INFO_ENABLED:-false}}
  hostIp: ${{PIPELINE_SERVICE_CLIENT_HOST_IP:-""}}
  healthCheckInterval: ${{PIPELINE_SERVICE_CLIENT_HEALTH_CHECK_INTERVAL:-300}}
  verifySSL: ${{PIPELINE_SERVICE_CLIENT_VERIFY_SSL:-"no-ssl"}}
  sslConfig:
    certificatePath: ${{PIPELINE_SERVICE_CLIENT_SSL_CERT_PATH:-""}}
  secretsManagerLoader: ${{PIPELINE_SERVICE_CLIENT_SECRETS_MANAGER_LOADER:-"noop"}}
  parameters:
    username: ${{AIRFLOW_USERNAME:-admin}}
    password: ${{AIRFLOW_PASSWORD:-admin}}
    timeout: ${{AIRFLOW_TIMEOUT:-10}}
    truststorePath: ${{AIRFLOW_TRUST_STORE_PATH:-""}}
    truststorePassword: ${{AIRFLOW_TRUST_STORE_PASSWORD:-""}}

# Encryption of secrets at rest: keep this key the same across upgrades.
fernetConfiguration:
  fernetKey: ${{FERNET_KEY:-jJ/9sz0g0OHxsfxOoSfdFdmk3ysNmPRnH3TUAbz3IHA=}}

secretsManagerConfiguration:
  secretsManager: ${{SECRET_MANAGER:-noop}}
  parameters:
    region: ${{OM_SM_REGION:-""}}
    accessKeyId: ${{OM_SM_ACCESS_KEY_ID:-""}}
    secretAccessKey: ${{OM_SM_ACCESS_KEY:-""}}

health:
  delayedShutdownHandlerEnabled: true
  shutdownWaitPeriod: 1s
  healthChecks:
    - name: OpenMetadataServerHealthCheck
      critical: true
      schedule:
        checkInterval: 2500ms
        downtimeInterval: 10s
        failureAttempts: 2
        successAttempts: 1

email:
  emailingEntity: ${{OM_EMAIL_ENTITY:-"OpenMetadata"}}
  supportUrl: ${{OM_SUPPORT_URL:-"https://slack.open-metadata.org"}}
  enableSmtpServer: ${{AUTHORIZER_ENABLE_SMTP:-false}}
  openMetadataUrl: ${{OPENMETADATA_SERVER_URL:-""}}
  senderMail: ${{OPENMETADATA_SMTP_SENDER_MAIL:-""}}
  serverEndpoint: ${{SMTP_SERVER_ENDPOINT:-""}}
  serverPort: ${{SMTP_SERVER_PORT:-""}}
  username: ${{SMTP_SERVER_USERNAME:-""}}
  password: ${{SMTP_SERVER_PWD:-""}}
  transportationStrategy: ${{SMTP_SERVER_STRATEGY:-"SMTP_TLS"}}
"""

_APP_CONFIG = """
applicationConfig:
  logoConfig:
    customLogoUrlPath: ${OM_CUSTOM_LOGO_URL_PATH:-""}          # logo of the login page
    customMonogramUrlPath: ${OM_CUSTOM_MONOGRAM_URL_PATH:-""}  # logo of the navigation bar
  loginConfig:
    maxLoginFailAttempts: ${OM_MAX_FAILED_LOGIN_ATTEMPTS:-3}
    accessBlockTime: ${OM_LOGIN_ACCESS_BLOCK_TIME:-600}
    jwtTokenExpiryTime: ${OM_JWT_EXPIRY_TIME:-3600}
"""

_TAIL = """
web:
  uriPath: ${WEB_CONF_URI_PATH:-"/api"}
  hsts:
    enabled: ${WEB_CONF_HSTS_ENABLED:-false}
    maxAge: ${WEB_CONF_HSTS_MAX_AGE:-"365 days"}
    includeSubDomains: ${WEB_CONF_HSTS_INCLUDE_SUBDOMAINS:-"true"}
    preload: ${WEB_CONF_HSTS_PRELOAD:-"true"}
  frame-options:
    enabled: ${WEB_CONF_FRAME_OPTION_ENABLED:-false}
    option: ${WEB_CONF_FRAME_OPTION:-"SAMEORIGIN"}
    origin: ${WEB_CONF_FRAME_ORIGIN:-""}

changeEventConfig:
  omUri: ${OM_URI:-"http://localhost:8585"}
"""

_EXTENSIONS = """
extensionConfiguration:
  resourcePackage: ${OM_RESOURCE_PACKAGES:-[]}
  extensions: ${OM_EXTENSIONS:-[]}
"""


def render(release: Release) -> str:
    text = _HEAD.format(version=release.version)
    text += _URL_12 if release.is_12 else _URL_11
    text += _AUTH
    enabled = "  enabled: ${PIPELINE_SERVICE_CLIENT_ENABLED:-true}\n" if release.is_12 else ""
    text += _SEARCH.format(enabled=enabled)
    if release.logo_login_in_yaml:
        text += _APP_CONFIG
    text += _TAIL
    if not release.is_12:
        text += _EXTENSIONS
    return text
