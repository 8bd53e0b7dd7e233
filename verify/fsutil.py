"""Writing outputs so that an error never leaves a half-written file under the final name.

Every output goes to a temporary file in the same folder and is moved into place with
``os.replace`` (atomic on POSIX and Windows), docs/reliability.md#promises, promise 11 ("fail closed").
"""

from __future__ import annotations

import hashlib
import os
import tempfile
from collections.abc import Callable
from pathlib import Path


def atomic_write(path: str | Path, writer: Callable[[Path], None]) -> Path:
    """Call ``writer(tmp_path)`` and move the result to ``path`` only if it succeeded."""
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    # the temporary file keeps the target's suffix, so writers that choose a format by suffix work
    fd, tmp_name = tempfile.mkstemp(prefix=f".{target.stem}.part-", suffix=target.suffix, dir=target.parent)
    os.close(fd)
    tmp = Path(tmp_name)
    try:
        writer(tmp)
        os.chmod(tmp, 0o666 & ~_umask())  # mkstemp makes 0600; outputs get the usual permissions
        os.replace(tmp, target)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return target


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def atomic_write_bytes(path: str | Path, data: bytes) -> Path:
    return atomic_write(path, lambda tmp: tmp.write_bytes(data))


def atomic_write_text(path: str | Path, text: str) -> Path:
    return atomic_write_bytes(path, text.encode("utf-8"))


def file_sha256(path: str | Path) -> str:
    """The SHA-256 of a file's bytes (hex), read 1 MiB at a time."""
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()
