"""Configuration files the span editor refuses before anything is written: tags that are not plain YAML and
alias bombs (module_utils/config/yaml_spans.py)."""
from __future__ import annotations

import pytest

from ansible_collections.openmetadata.ops.plugins.module_utils.config.yaml_spans import Document
from ansible_collections.openmetadata.ops.plugins.module_utils.errors import ConfigError

BOMB = "a: &a [x, x, x, x, x, x, x, x, x]\n" + "".join(
    "%s: &%s [%s]\n" % (chr(98 + i), chr(98 + i), ", ".join(["*%s" % chr(97 + i)] * 9)) for i in range(8))


@pytest.mark.parametrize("text, words", [
    ("server: 1\nx: !!python/object/apply:os.system [\"touch /tmp/never\"]\n", "!!python/object/apply:os.system"),
    ("server: 1\nx: !Ref other\n", "!Ref"),
    ("server: 1\n" + BOMB, "alias bomb"),
])
def test_hostile_files_are_refused(text, words):
    with pytest.raises(ConfigError, match="nothing was changed") as caught:
        Document(text, "openmetadata.yaml")
    assert words in str(caught.value)


def test_plain_yaml_with_anchors_merges_and_core_tags_reads():
    doc = Document("base: &b {host: h}\ndatabase:\n  <<: *b\n  port: !!str 5432\nwhen: 2020-01-01\n")
    assert str(doc.value(("database", "port"))) == "5432" and doc.value(("database", "host")) == "h"
    # a few hundred alias uses, as real files with shared blocks have, stay well under the limit
    Document("base: &b {a: 1, b: 2}\n" + "".join("k%d: *b\n" % i for i in range(300)))
