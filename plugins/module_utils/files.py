# -*- coding: utf-8 -*-
# Copyright: (c) 2026, openmetadata.ops contributors
# Apache License 2.0 (see LICENSE or https://www.apache.org/licenses/LICENSE-2.0)
"""Writing a file beside the user's, atomically and never more readable than it should be.

:func:`write_file_atomic` is the one writer of every small file the collection writes (openmetadata.yaml,
env and compose files, workflow files, the backup manifest, db_setting's state, the phase record, progress
files); the dump writer (database/dumpfile) streams into a temporary file of its own and uses
:func:`fsync_dir` the same way. Neither wing owns it: config, database, ingestion and the top level import it.
"""
from __future__ import annotations

import os
import stat
import tempfile
from typing import Any, Optional


def fsync_dir(folder: str) -> None:
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def write_file_atomic(path: str, data: bytes, mode: Optional[int] = 0o600, module: Any = None) -> None:
    """Replace ``path`` with ``data`` atomically: the one writer of every file the collection writes beside the user's.

    The temporary file (``.<name>.XXXX.partial`` in the same folder) is created 0600 by mkstemp and gets ``mode``
    before the first byte goes in, so it is never readable by more users than the result (never the umask's
    0644 with a password inside). ``mode=None`` keeps the target's permission bits (0600 for a new file). An
    existing target's owner and group are kept where the process may set them, and its SELinux context when an
    AnsibleModule is given (what ``module.atomic_move`` did for the modules' own copies).
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
        if target is not None and (target.st_uid, target.st_gid) != (os.geteuid(), os.getegid()):
            try:
                os.fchown(fd, target.st_uid, target.st_gid)
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
