"""Property tests: for any 1.1-shaped openmetadata.yaml (random comments, quoting, section order,
engine, SSL, optional sections, flow or block style) the migration is idempotent, keeps every
comment and untouched line, and never puts MySQL parameters on a PostgreSQL URL."""
from __future__ import annotations

from collections import Counter

from hypothesis import HealthCheck, given, settings, strategies as st
from ruamel.yaml import YAML

from ansible_collections.openmetadata.ops.plugins.module_utils.config import om_config

COMMENT = st.text(alphabet=st.sampled_from("abcdefgh XYZ-_.:#'\"{}[]"), min_size=0, max_size=20).map(
    lambda s: "# " + s.rstrip())
QUOTE = st.sampled_from(["plain", "single", "double"])


def _q(value: str, style: str) -> str:
    if style == "single":
        return "'%s'" % value
    if style == "double":
        return '"%s"' % value
    return value


@st.composite
def configs(draw):
    engine = draw(st.sampled_from(["mysql", "postgresql"]))
    ssl = draw(st.sampled_from(["true", "false"]))
    driver = "com.mysql.cj.jdbc.Driver" if engine == "mysql" else "org.postgresql.Driver"
    url = ("jdbc:${DB_SCHEME:-%s}://${DB_HOST:-h}:${DB_PORT:-1}/${OM_DATABASE:-db}?allowPublicKeyRetrieval=true"
           "&useSSL=${DB_USE_SSL:-%s}&serverTimezone=UTC" % (engine, ssl))
    sections = {
        "database": ["driverClass: " + _q("${DB_DRIVER_CLASS:-%s}" % driver, draw(QUOTE)),
                     "user: ${DB_USER:-u}", "url: " + _q(url, draw(QUOTE))],
        "server": ["rootPath: '/api/*'", "applicationConnectors:", "  - type: http", "    port: 8585"],
    }
    if draw(st.booleans()):
        sections["migrationConfiguration"] = ['path: "./bootstrap/sql"'] if draw(st.booleans()) else \
            ['flywayPath: "./bootstrap/sql/migrations/flyway"', 'nativePath: "./bootstrap/sql/migrations/native"']
    if draw(st.booleans()):
        sections["elasticsearch"] = ["host: ${ELASTICSEARCH_HOST:-localhost}", 'password: ${ELASTICSEARCH_PASSWORD:-""}']
    if draw(st.booleans()):
        sections["pipelineServiceClientConfiguration"] = ['className: "x.NoopClient"']
    if draw(st.booleans()):
        sections["applicationConfig"] = [
            "logoConfig:", '  customLogoUrlPath: ' + _q("${OM_CUSTOM_LOGO_URL_PATH:-}", draw(QUOTE)),
            "loginConfig:", "  maxLoginFailAttempts: ${OM_MAX_FAILED_LOGIN_ATTEMPTS:-%d}" % draw(st.integers(1, 9))]
    if draw(st.booleans()):
        sections["extensionConfiguration"] = ["resourcePackage: ${OM_RESOURCE_PACKAGES:-[]}"]
    if draw(st.booleans()):
        sections["web"] = ["uriPath: /api"]
    order = draw(st.permutations(sorted(sections)))
    flow = draw(st.sets(st.sampled_from(["elasticsearch", "extensionConfiguration", "web"])))
    lines: list[str] = []
    for name in order:
        for _comment in range(draw(st.integers(0, 2))):
            lines.append(draw(COMMENT))
        if name in flow and all(":" in l and not l.startswith(" ") for l in sections[name]):
            body = ", ".join(l if "${" not in l else "%s: '%s'" % tuple(l.split(": ", 1)) for l in sections[name])
            lines.append("%s: {%s}" % (name, body))
        else:
            lines.append(name + ":")
            for entry in sections[name]:
                lines.append("  " + entry + (("  " + draw(COMMENT)) if draw(st.booleans()) else ""))
        if draw(st.booleans()):
            lines.append("")
    return "\n".join(lines) + "\n", engine


def _section_lines(text: str, names: set) -> set:
    """Indices of the lines of the top-level sections ``names``: the key's line and the indented lines under
    it (a flow-style section is its one line). Comment lines above a section are not part of it."""
    lines, inside = set(), False
    for index, line in enumerate(text.splitlines()):
        if line[:1] not in (" ", ""):
            inside = line.split(":", 1)[0] in names
        elif not line.strip():
            inside = False
        if inside:
            lines.add(index)
    return lines


def _comments(text: str, skip: frozenset = frozenset()) -> Counter:
    """Every comment of ``text`` (a full comment line, or what follows ``  # `` on a line with content),
    counted, without those on the lines ``skip``."""
    found: Counter = Counter()
    for index, line in enumerate(text.splitlines()):
        if index in skip:
            continue
        if line.strip().startswith("#"):
            found[line.strip()] += 1
        elif "  # " in line:
            found["#" + line.split("  #", 1)[1]] += 1
    return found


@settings(max_examples=80, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow])
@given(configs(), st.sampled_from(["1.2.0", "1.2.1", "1.2.5"]))
def test_migration_is_idempotent_and_keeps_comments(case, target):
    text, engine = case
    first = om_config.plan_config(text, target_version=target)
    second = om_config.plan_config(first["text"], target_version=target)
    assert not second["changed"], second["changes"]
    # Only the comments on the lines of what the target removes may go: the whole applicationConfig
    # section from 1.2.1 on, extensionConfiguration always. Every other comment, full-line or inline,
    # survives as many times as it was there (header comments above a removed section included).
    removed = {"extensionConfiguration"} | ({"applicationConfig"} if target != "1.2.0" else set())
    kept = _comments(text, skip=_section_lines(text, removed))
    lost = kept - _comments(first["text"])
    assert not lost, "comments lost outside the removed sections: %r" % sorted(lost.elements())
    out = first["text"]
    data = YAML(typ="safe").load(out)
    url = data["database"]["url"]
    assert "DB_USE_SSL" not in url and "${DB_PARAMS:-" in url
    if engine == "postgresql":
        assert "useSSL" not in url and "allowPublicKeyRetrieval" not in url and "sslmode=" in url
    assert "extensionConfiguration" not in data
    if target != "1.2.0":
        assert "logoConfig" not in (data.get("applicationConfig") or {})
    if "pipelineServiceClientConfiguration" in data:
        assert "enabled" in data["pipelineServiceClientConfiguration"]
    if "migrationConfiguration" in data:
        assert set(data["migrationConfiguration"]) == {"flywayPath", "nativePath"}


@settings(max_examples=50, deadline=None, derandomize=True)
@given(configs())
def test_lines_outside_changed_sections_are_byte_identical(case):
    text, _engine = case
    out = om_config.plan_config(text, target_version="1.2.5")["text"]
    touched = ("url:", "path:", "applicationConfig", "logoConfig", "loginConfig", "customLogoUrlPath",
               "maxLoginFailAttempts", "extensionConfiguration", "resourcePackage", "elasticsearch:",
               "pipelineServiceClientConfiguration:")
    for line in text.splitlines():
        if line.strip() and not any(t in line for t in touched):
            assert line in out.splitlines(), line
