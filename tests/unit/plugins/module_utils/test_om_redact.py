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


# --- issue 17 §3: by place in every form the files use, and by value everywhere else -------------------------

from ansible_collections.openmetadata.ops.plugins.module_utils.config.om_redact import (  # noqa: E402
    Redactor, secrets_in)


@pytest.mark.parametrize("text", [
    '    environment:\n      - "DB_USER_PASSWORD=%s"\n      - "DB_HOST=mysql"\n' % SECRET,    # compose list, quoted
    "    environment:\n      - 'DB_USER_PASSWORD=%s'\n" % SECRET,
    "    environment:\n      DB_USER_PASSWORD: \"%s\"\n" % SECRET,                         # compose mapping
    "database:\n  password: |\n    %s\n    second-line-too\n  user: om\n" % SECRET,      # block scalar
    "database:\n  password: >-\n\n    %s\n" % SECRET,
    "- name: x\n  - password: |\n      %s\n" % SECRET,
    "DB_PARAMS=\"useSSL=true&password=%s&serverTimezone=UTC\"\n" % SECRET,                  # DB_PARAMS (env)
    "DB_PARAMS=password=%s\n" % SECRET,
    "  url: jdbc:mysql://db:3306/om?${DB_PARAMS:-useSSL=false&password=%s}\n" % SECRET,   # DB_PARAMS default
    "  url: jdbc:mysql://db/om?user=om&password=%s\n" % SECRET,                            # JDBC URL
    "  url: jdbc:postgresql://db/om?user=om&pwd=%s;ssl=true\n" % SECRET,
    "  hostPort: postgresql://om:%s@db:5432/om\n" % SECRET,                                 # user:pass@host
    "  auth: {user: om, password: %s}\n" % SECRET,                                          # flow mapping
    '  {"username": "om", "password": "%s"}\n' % SECRET,                                    # JSON on one line
    "metadata ingest --password=%s -c workflow.yaml\n" % SECRET,
])
def test_secrets_in_every_form_are_masked_and_learned(text):
    masked = mask(text)
    assert SECRET not in masked and MASK in masked
    assert SECRET in secrets_in(text)


def test_a_block_scalar_ends_at_its_keys_indentation():
    text = "database:\n  password: |\n    %s\n  user: openmetadata_user\nport: 8585\n" % SECRET
    assert mask(text) == "database:\n  password: |\n    %s\n  user: openmetadata_user\nport: 8585\n" % MASK
    assert secrets_in(text) == {SECRET}


def test_layout_and_variable_names_stay_for_parameters():
    line = "  url: jdbc:mysql://db/om?${DB_PARAMS:-useSSL=false&password=%s&serverTimezone=UTC}" % SECRET
    assert mask(line) == "  url: jdbc:mysql://db/om?${DB_PARAMS:-useSSL=false&password=%s&serverTimezone=UTC}" % MASK


@pytest.mark.parametrize("line", [
    "  url: jdbc:mysql://${DB_HOST:-localhost}:${DB_PORT:-3306}/${OM_DATABASE:-openmetadata_db}?${DB_PARAMS:-a=b}",
    "  url: jdbc:mysql://db/om?password=${DB_USER_PASSWORD}",
    "  hostPort: http://${DB_USER}:${DB_PASS}@db:5432",
    "DB_PARAMS=allowPublicKeyRetrieval=true&useSSL=true&serverTimezone=UTC",
    "  auth: {user: om, password: null}",
    "  tokenExpiry=3600 secretsManager=noop",
])
def test_no_false_secrets(line):
    assert mask(line) == line and not secrets_in(line) - {""}


def test_by_value_the_files_secrets_are_masked_anywhere():
    redactor = Redactor()
    redactor.learn('    environment:\n      - "DB_USER_PASSWORD=%s"\n' % SECRET)
    redactor.learn("DB_PARAMS=useSSL=true&password=Pw-from-params\n")
    change = "DB_PARAMS=useSSL=true&password=Pw-from-params -> (engine mysql) echo %s" % SECRET
    assert redactor.text(change) == "DB_PARAMS=useSSL=true&password=%s -> (engine mysql) echo %s" % (MASK, MASK)
    assert redactor.text("a line that quotes Pw-from-params and %s." % SECRET) == \
        "a line that quotes %s and %s." % (MASK, MASK)


def test_no_log_values_are_masked_under_any_key():
    redactor = Redactor(["Not-Secret-Looking-9", {"nested": "Also-Hidden"}])
    result = redactor.result({"changes": ["carry: Not-Secret-Looking-9"], "msg": "Also-Hidden here", "n": 3,
                              "flag": True, "nested": [{"value": "Not-Secret-Looking-9"}]})
    assert result == {"changes": ["carry: %s" % MASK], "msg": "%s here" % MASK, "n": 3, "flag": True,
                      "nested": [{"value": MASK}]}


@pytest.mark.parametrize("short", ["5", "on", "db", "true", "null", "", None])
def test_short_and_literal_values_are_not_masked_by_value(short):
    """A value under 4 characters (or a YAML literal) would mask every occurrence of common text."""
    redactor = Redactor([short])
    assert redactor.values == set()
    assert redactor.text("port 5 on db: true, null") == "port 5 on db: true, null"


def test_the_longest_secret_is_masked_whole():
    redactor = Redactor(["abcd", "abcdefgh"])
    assert redactor.text("x abcdefgh y abcd") == "x %s y %s" % (MASK, MASK)


@pytest.mark.parametrize("line", [
    "    jwtTokenExpiryTime: ${OM_JWT_EXPIRY_TIME:-3600}",
    "  loginConfig: {maxLoginFailAttempts: 5, accessBlockTime: 300, jwtTokenExpiryTime: 7200}",
    "      authType: {password: \"${PG_PASSWORD}\"}",
    "        secretRef: mysql-secrets",
])
def test_times_references_and_where_secrets_live_are_not_secrets(line):
    assert mask(line) == line and secrets_in(line) == set()


def test_a_flow_mapping_default_is_masked_and_its_variable_kept():
    line = "      authType: {password: \"${PG_PASSWORD:-%s}\", user: om}" % SECRET
    assert mask(line) == "      authType: {password: \"${PG_PASSWORD:-%s}\", user: om}" % MASK
    assert secrets_in(line) == {SECRET}


def test_a_value_is_masked_as_a_whole_word_only():
    redactor = Redactor(["admin", "-Pw+"])
    text = "adminPrincipals: ${X:-[admin, ops]} password=admin& user:admin@h openmetadata_admin a-Pw+b"
    assert redactor.text(text) == ("adminPrincipals: ${X:-[%s, ops]} password=%s& user:%s@h openmetadata_admin a%sb"
                                   % (MASK, MASK, MASK, MASK))
