"""files.write_file_atomic, the one writer of files beside the user's: the temporary file has the final mode
(0600, or the target's) from its creation, whatever the umask, and no module keeps a writer of its own (issue 17)."""
from __future__ import annotations

import importlib
import os
import pathlib
import re
import stat

import pytest

from ansible_collections.openmetadata.ops.plugins.module_utils import files

PLUGINS = pathlib.Path(__file__).resolve().parents[4] / "plugins"


class Spy:
    """Records the temporary file's mode when it is opened for writing (before the first byte) and when it is
    moved into place."""

    def __init__(self, monkeypatch) -> None:
        self.at_open: list[int] = []
        self.at_replace: list[tuple[str, int]] = []
        real_fdopen, real_replace = os.fdopen, os.replace

        def fdopen(fd, *args, **kwargs):
            self.at_open.append(stat.S_IMODE(os.fstat(fd).st_mode))
            return real_fdopen(fd, *args, **kwargs)

        def replace(src, dst, *args, **kwargs):
            self.at_replace.append((os.fspath(src), stat.S_IMODE(os.stat(src).st_mode)))
            return real_replace(src, dst, *args, **kwargs)

        monkeypatch.setattr(files.os, "fdopen", fdopen)
        monkeypatch.setattr(files.os, "replace", replace)


@pytest.fixture(params=[0o022, 0o000], ids=["umask022", "umask000"])
def loose_umask(request):
    old = os.umask(request.param)  # what makes an open(path, "w") 0644 or 0666, readable by every user
    try:
        yield
    finally:
        os.umask(old)


def test_new_file_is_0600_from_the_start(tmp_path, monkeypatch, loose_umask):
    spy = Spy(monkeypatch)
    target = tmp_path / "openmetadata.env"
    files.write_file_atomic(str(target), b"DB_USER_PASSWORD=s3cret\n")
    assert spy.at_open == [0o600]
    assert [mode for _path, mode in spy.at_replace] == [0o600]
    assert spy.at_replace[0][0] != str(target) and os.path.dirname(spy.at_replace[0][0]) == str(tmp_path)
    assert stat.S_IMODE(target.stat().st_mode) == 0o600
    assert target.read_bytes() == b"DB_USER_PASSWORD=s3cret\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["openmetadata.env"]  # no temp file left


@pytest.mark.parametrize("existing", [0o600, 0o640, 0o644])
def test_mode_none_keeps_the_targets_mode_from_the_start(tmp_path, monkeypatch, loose_umask, existing):
    target = tmp_path / "openmetadata.yaml"
    target.write_text("old\n")
    target.chmod(existing)
    spy = Spy(monkeypatch)
    files.write_file_atomic(str(target), b"new\n", mode=None)
    assert spy.at_open == [existing] and [mode for _path, mode in spy.at_replace] == [existing]
    assert stat.S_IMODE(target.stat().st_mode) == existing and target.read_text() == "new\n"


def test_mode_none_for_a_new_file_is_0600(tmp_path, monkeypatch, loose_umask):
    spy = Spy(monkeypatch)
    files.write_file_atomic(str(tmp_path / "new.env"), b"x\n", mode=None)
    assert spy.at_open == [0o600]


def test_a_failed_write_leaves_the_target_and_no_temp_file(tmp_path, monkeypatch):
    target = tmp_path / "openmetadata.env"
    target.write_text("old\n")

    def refuse(src, dst):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(files.os, "replace", refuse)
    with pytest.raises(OSError):
        files.write_file_atomic(str(target), b"new\n", mode=None)
    assert target.read_text() == "old\n" and sorted(p.name for p in tmp_path.iterdir()) == ["openmetadata.env"]


class FakeModule:
    def selinux_enabled(self) -> bool:
        return False


@pytest.mark.parametrize("name", ["server_config", "compose_config", "ingestion_config"])
def test_the_modules_write_through_the_shared_writer(tmp_path, monkeypatch, loose_umask, name):
    module = importlib.import_module("ansible_collections.openmetadata.ops.plugins.modules.%s" % name)
    target = tmp_path / "openmetadata.env"
    target.write_text("DB_USER_PASSWORD=old\n")
    target.chmod(0o600)
    spy = Spy(monkeypatch)
    module._write(FakeModule(), str(target), "DB_USER_PASSWORD=new\n")  # pylint: disable=protected-access
    assert spy.at_open == [0o600] and [mode for _path, mode in spy.at_replace] == [0o600]
    assert target.read_text() == "DB_USER_PASSWORD=new\n" and stat.S_IMODE(target.stat().st_mode) == 0o600


def test_no_other_writer_of_temporary_files():
    """Every `<file>.<pid>.tmp`-style writer goes through files.write_file_atomic (or the dump writer), and so does
    every backup copy (AnsibleModule.backup_local's shutil.copy2 creates it with the umask's mode)."""
    own = []
    for path in sorted(PLUGINS.rglob("*.py")):
        text = path.read_text()
        if path.name in ("files.py", "dumpfile.py"):
            continue
        for pattern in (r"\.tmp[\"']", r"\batomic_move\(", r"\bos\.replace\(", r"\bos\.rename\(", r"NamedTemporaryFile",
                        r"\bbackup_local\(", r"\bpreserved_copy\(", r"\bshutil\.copy"):
            if re.search(pattern, text):
                own.append("%s: %s" % (path.relative_to(PLUGINS), pattern))
    assert not own, own


def test_a_backup_copy_has_the_files_mode_from_the_start(tmp_path, monkeypatch, loose_umask):
    """files.backup_copy, the modules' backup: true (AnsibleModule.backup_local copies with shutil.copy2, which
    creates the copy with the umask's mode and narrows it only once the password is in)."""
    target = tmp_path / "openmetadata.env"
    target.write_bytes(b"DB_USER_PASSWORD=s3cret\n")
    target.chmod(0o600)
    os.utime(target, ns=(1_600_000_000_000_000_000, 1_600_000_000_000_000_000))
    spy = Spy(monkeypatch)
    copy = files.backup_copy(str(target), FakeModule())
    assert spy.at_open == [0o600] and [mode for _path, mode in spy.at_replace] == [0o600]
    assert re.fullmatch(re.escape(str(target)) + r"\.\d+\.\d{4}-\d\d-\d\d@\d\d:\d\d:\d\d~", copy)
    assert pathlib.Path(copy).read_bytes() == target.read_bytes()
    assert stat.S_IMODE(os.stat(copy).st_mode) == 0o600
    assert os.stat(copy).st_mtime_ns == 1_600_000_000_000_000_000
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(["openmetadata.env", os.path.basename(copy)])
