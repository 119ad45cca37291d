"""The stand-in server refuses what the real one refuses: its field table is each release's models, and
its scripts fail on a configuration field the release does not know, with Dropwizard's message."""
from __future__ import annotations

import pathlib
import subprocess
import sys
import tarfile
import time

import pytest

import oracle as oraclem
from simulator.openmetadata import config_fields, pack, releases


@pytest.mark.parametrize("release", sorted(oraclem.wheel_releases()))
def test_the_stand_ins_field_table_is_the_releases_models(release: str, oracle_root: pathlib.Path) -> None:
    found = oraclem.Oracle(release, oracle_root)
    for section, model in oraclem.SECTION_MODELS.items():
        fields = found.fields(model)
        if section not in config_fields.SECTION_FIELDS:
            continue
        assert config_fields.known(section, release) == (not fields.get("missing")), (section, release)
        if fields.get("missing"):
            continue
        assert sorted(config_fields.section_fields(section, release)) == fields["fields"], (section, release)
        assert fields["forbids_extra"], section
    for section in ("applicationConfig", "extensionConfiguration"):
        gone = found.fields(oraclem.SECTION_MODELS[section]).get("missing", False)
        assert (section in config_fields.top_level(release)) != gone, (section, release)


def _release_folder(tmp_path: pathlib.Path, version: str, edit: str = "") -> pathlib.Path:
    archive = pack.pack(version, tmp_path / "dist")["archive"]
    with tarfile.open(archive) as tar:
        tar.extractall(tmp_path)  # noqa: S202 - our own archive
    home = tmp_path / ("openmetadata-%s" % version)
    conf = home / "conf" / "openmetadata.yaml"
    text = conf.read_text(encoding="utf-8")
    if edit:
        text = text.replace("elasticsearch:\n", "elasticsearch:\n" + edit, 1)
    conf.write_text(text, encoding="utf-8")
    return home


@pytest.mark.parametrize("version", ["1.2.0", "1.2.5"])
def test_the_stand_in_refuses_a_field_its_release_does_not_know(version: str, tmp_path: pathlib.Path,
                                                                oracle_root: pathlib.Path) -> None:
    home = _release_folder(tmp_path, version, '  clusterAlias: ${ELASTICSEARCH_CLUSTER_ALIAS:-""}\n')
    for script, args in (("bootstrap/bootstrap_storage.sh", ["migrate-all"]), ("bin/openmetadata.sh", ["start"])):
        run = subprocess.run(["bash", str(home / script)] + args, capture_output=True, text=True, timeout=120,
                             check=False, cwd=home)
        output = run.stdout + run.stderr + _log(home)
        for _attempt in range(150):  # start detaches: the refusal reaches the server's log when the process ends
            if "Unrecognized field" in output:
                break
            time.sleep(0.2)
            output = run.stdout + run.stderr + _log(home)
        assert "Unrecognized field at: elasticsearch.clusterAlias" in output, (script, output[-2000:])
        assert "openmetadata.yaml has an error" in output
        if script.startswith("bootstrap"):
            assert run.returncode != 0
    # Without the oracle the stand-in's own table refuses it the same way; 1.3.0 knows the field.
    raw = {"database": {}, "elasticsearch": {"host": "h", "clusterAlias": ""}}
    assert "Unrecognized field at: elasticsearch.clusterAlias" in config_fields.refusal(raw, version, "x.yaml", False)
    assert config_fields.refusal(raw, "1.3.0", "x.yaml", False) is None


def test_the_stand_ins_own_files_load(target: oraclem.Oracle, tmp_path: pathlib.Path) -> None:
    """Every release file the stand-in ships passes its own check (with the oracle cached)."""
    home = _release_folder(tmp_path, target.release)
    run = subprocess.run([sys.executable, "-c", "import sys; sys.path.insert(0, %r); "
                          "from simulator.openmetadata import conf; conf.load(%r, env={})"
                          % (str(oraclem.REPO / "tests"), str(home / "conf" / "openmetadata.yaml"))],
                         capture_output=True, text=True, check=False)
    assert run.returncode == 0, run.stderr[-2000:]


def _log(home: pathlib.Path) -> str:
    logs = home / "logs"
    return "".join(p.read_text(encoding="utf-8", errors="replace") for p in sorted(logs.rglob("*"))
                   if p.is_file()) if logs.is_dir() else ""


def test_the_stand_ins_settings_and_app_are_the_releases(target: oraclem.Oracle) -> None:
    """The settings types, logo fields and run statuses the stand-in's endpoints accept or write."""
    release = releases.release(target.release)
    assert sorted(release.setting_types) == sorted(target.enum(oraclem.SETTING_TYPES))
    logo = "configuration.logoConfiguration:LogoConfiguration"
    if target.fields(logo).get("missing"):
        logo = "configuration.applicationConfiguration:LogoConfiguration"
    assert sorted(release.logo_keys) == target.fields(logo)["fields"]
    statuses = set(target.enum(oraclem.RUN_STATUS))
    written = {"running", "success", "failed"} | ({"activeError"} if release.version != "1.2.0" else set())
    assert written <= statuses, sorted(written - statuses)
