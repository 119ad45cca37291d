# -*- coding: utf-8 -*-
# Copyright: (c) 2026, openmetadata.ops contributors
# Apache License 2.0 (see LICENSE or https://www.apache.org/licenses/LICENSE-2.0)
"""Writing a file beside the user's, atomically and never more readable than it should be.

:func:`write_file_atomic` is the one writer of every small file the collection writes (openmetadata.yaml,
env and compose files, workflow files and the modules' backup copies of them (:func:`backup_copy`), the backup
manifest, db_setting's state, the phase record, progress files); the dump writer (database/dumpfile) streams
into a temporary file of its own and uses :func:`fsync_dir` the same way. Neither wing owns it: config, database,
ingestion and the top level import it.
"""
from __future__ import annotations

import os
import stat
import tempfile
import time
from typing import Any, Optional


def fsync_dir(folder: str) -> None:
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def write_file_atomic(path: str, data: bytes, mode: Optional[int] = 0o600, module: Any = None,
                      owner: Optional[tuple[int, int]] = None) -> None:
    """Replace ``path`` with ``data`` atomically: the one writer of every file the collection writes beside the user's.

    The temporary file (``.<name>.XXXX.partial`` in the same folder) is created 0600 by mkstemp and gets ``mode``
    before the first byte goes in, so it is never readable by more users than the result (never the umask's
    0644 with a password inside). ``mode=None`` keeps the target's permission bits (0600 for a new file). An
    existing target's owner and group (else ``owner``, a (uid, gid)) are kept where the process may set them, and
    its SELinux context when an AnsibleModule is given (what ``module.atomic_move`` did for the modules' own copies).
    """
    folder = os.path.dirname(os.path.abspath(path))
    try:
        target: Optional[os.stat_result] = os.stat(path)
    except FileNotFoundError:
        target = None
    if mode is None:
        mode = stat.S_IMODE(target.st_mode) if target is not None else 0o600
    context = None
    if module is not None and target is not None and module.selinux_enabled():
        context = module.selinux_context(path)
    fd, tmp = tempfile.mkstemp(prefix=".%s." % os.path.basename(path), suffix=".partial", dir=folder)
    try:
        os.fchmod(fd, mode)
        ids = (target.st_uid, target.st_gid) if target is not None else owner
        if ids is not None and ids != (os.geteuid(), os.getegid()):
            try:
                os.fchown(fd, ids[0], ids[1])
                os.fchmod(fd, mode)  # chown may clear set-id bits
            except PermissionError:
                pass  # not ours to give away: the file stays the writer's, as atomic_move leaves it
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
        fsync_dir(folder)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise
    if context is not None:
        module.set_context_if_different(path, context, False)


def backup_copy(path: str, module: Any = None) -> str:
    """A dated copy of ``path`` beside it (``<path>.<pid>.<YYYY-MM-DD@HH:MM:SS>~``, the name of
    ``AnsibleModule.backup_local``), written by :func:`write_file_atomic` with the file's mode from the copy's
    creation; owner, group, times (and SELinux context when an AnsibleModule is given) are the file's.
    ``backup_local`` copies with ``shutil.copy2``, which creates the copy with the umask's mode and narrows it only
    after the content (an env file's password) is in. Returns the copy's path."""
    source = os.stat(path)
    dest = "%s.%s.%s" % (path, os.getpid(), time.strftime("%Y-%m-%d@%H:%M:%S~", time.localtime()))
    with open(path, "rb") as handle:
        data = handle.read()
    write_file_atomic(dest, data, mode=stat.S_IMODE(source.st_mode), owner=(source.st_uid, source.st_gid))
    os.utime(dest, ns=(source.st_atime_ns, source.st_mtime_ns))
    if module is not None and module.selinux_enabled():
        module.set_context_if_different(dest, module.selinux_context(path), False)
    return dest
