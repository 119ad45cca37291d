from __future__ import annotations

import pytest

from ansible_collections.openmetadata.ops.plugins.module_utils.config.om_redact import MASK, is_secret_name, mask

SECRET = "Awx-S3cret-0123"


@pytest.mark.parametrize("line", [
    "  password: ${DB_USER_PASSWORD:-%s}" % SECRET,         # openmetadata.yaml, the shipped placeholder edited
    "  password: %s" % SECRET,                              # written in clear
    "  password: '%s' # set by hand" % SECRET,
    "  somethingElse: ${OM_ELASTIC_PASSWORD:-%s}" % SECRET,  # a secret variable under another key
    "DB_USER_PASSWORD=%s" % SECRET,                          # env file
    "export AIRFLOW_PASSWORD='%s'" % SECRET,
    "      - DB_USER_PASSWORD=%s" % SECRET,                  # compose environment, list form
    "      DB_USER_PASSWORD: ${DB_USER_PASSWORD:-%s}" % SECRET,
    "  jwtToken: %s" % SECRET,
    "  clientSecret: %s" % SECRET,
])
def test_secret_values_are_masked(line):
    masked = mask(line + "\n")
    assert SECRET not in masked and MASK in masked and masked.endswith("\n")


@pytest.mark.parametrize("line", [
    "  user: ${DB_USER:-openmetadata_user}",
    "  url: jdbc:postgresql://db:5432/om?${DB_PARAMS:-sslmode=require}",
    "  rsaprivateKeyFilePath: ${RSA_PRIVATE_KEY_FILE_PATH:-./conf/private_key.der}",
    "  secretsManager: noop",
    '  password: ""',
    "  password: ${DB_USER_PASSWORD:-}",
    "  passwordEncryptionMode: none",
    "SERVER_PORT=8585",
])
def test_everything_else_is_left_alone(line):
    assert mask(line) == line


def test_the_variable_name_stays_visible_and_layout_is_kept():
    text = "database:\n  user: om\n  password: ${DB_USER_PASSWORD:-%s}\n\n  port: 3306" % SECRET
    assert mask(text) == "database:\n  user: om\n  password: ${DB_USER_PASSWORD:-%s}\n\n  port: 3306" % MASK


def test_secret_names():
    assert is_secret_name("DB_USER_PASSWORD") and is_secret_name("apiKey") and is_secret_name("private_key")
    assert not is_secret_name("RSA_PRIVATE_KEY_FILE_PATH") and not is_secret_name("DB_USER")
