"""Small file helpers shared by the stores and the outputs: atomic writes, locks, JSON files.

Every failure names the file: an ``OSError`` (no space left, permission denied, …) becomes a
:class:`~benchmark.errors.DataError` saying which path could not be written or read, and
JSON that cannot be parsed (truncated, or nested beyond the parser's recursion limit) a
``DataError`` naming the file.
"""

from __future__ import annotations

import fcntl
import gc
import hashlib
import json
import os
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from benchmark.errors import DataError


def sha256_hex(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def describe_os_error(exc: OSError) -> str:
    """``[Errno 28] No space left on device`` without the path (the caller names it)."""
    if exc.errno is not None and exc.strerror:
        return f"[Errno {exc.errno}] {exc.strerror}"
    return str(exc) or type(exc).__name__


def default_mode(path: str | Path) -> None:
    """Give a mkstemp file (0600) the permissions an ordinary new file would get."""
    umask = os.umask(0)
    os.umask(umask)
    os.chmod(path, 0o666 & ~umask)


def fsync_dir(path: Path) -> None:
    """Flush a folder's entries (a rename in it) to disk; ignored where unsupported."""
    try:
        fd = os.open(path, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def atomic_write_bytes(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` via a temporary file in the same folder and a rename.

    An ``OSError`` (e.g. no space left) leaves ``path`` as it was, removes the temporary
    file and raises :class:`DataError` naming ``path``.
    """
    path = Path(path)
    tmp: str | None = None
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        default_mode(tmp)
        os.replace(tmp, path)
    except OSError as exc:
        if tmp is not None:
            Path(tmp).unlink(missing_ok=True)
        raise DataError(f"cannot write {path}: {describe_os_error(exc)}") from None
    except BaseException:
        if tmp is not None:
            Path(tmp).unlink(missing_ok=True)
        raise


def loads_json(content: bytes | str, what: str) -> Any:
    """Parse JSON; invalid or too deeply nested JSON raises :class:`DataError` naming ``what``.

    The cyclic garbage collector pauses while the document is built: a large snapshot is
    hundreds of thousands of fresh dicts and lists, none of them garbage, which it would
    otherwise scan again and again (a third of the decoding time).
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        return json.loads(content)
    except (ValueError, RecursionError) as exc:
        reason = "nested too deeply" if isinstance(exc, RecursionError) else str(exc)
        raise DataError(f"{what} is not valid JSON ({reason})") from None
    finally:
        if enabled:
            gc.enable()


def read_json_file(path: Path, what: str | None = None) -> Any:
    """The parsed JSON in ``path``; unreadable or invalid files raise :class:`DataError`."""
    label = what or str(path)
    try:
        content = Path(path).read_bytes()
    except OSError as exc:
        raise DataError(f"{label} cannot be read: {describe_os_error(exc)}") from None
    return loads_json(content, label)


@contextmanager
def file_lock(path: Path, *, shared: bool = False, timeout: float | None = None,
              busy: str = "another process holds {path}; try again later",
              create: bool = True) -> Iterator[bool]:
    """An ``fcntl`` lock on ``path`` (exclusive, or ``shared`` among readers).

    Waits at most ``timeout`` seconds (``None`` = as long as needed, ``0`` = not at all),
    then raises :class:`DataError` with ``busy`` (``{path}`` is filled in). With
    ``create=False`` a missing lock file means nobody ever locked: yields ``False``
    without creating anything (a read-only caller that must not change the disk).
    """
    path = Path(path)
    if not create and not path.exists():
        yield False
        return
    try:
        if create:
            path.parent.mkdir(parents=True, exist_ok=True)
        fh = open(path, "a+" if create else "r")  # noqa: SIM115 - closed below
    except OSError as exc:
        raise DataError(f"cannot open the lock file {path}: {describe_os_error(exc)}") from None
    with fh:
        deadline = None if timeout is None else time.monotonic() + timeout
        mode = fcntl.LOCK_SH if shared else fcntl.LOCK_EX
        while True:
            try:
                fcntl.flock(fh.fileno(), mode | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if deadline is not None and time.monotonic() >= deadline:
                    raise DataError(busy.format(path=path)) from None
                time.sleep(0.05)
        try:
            yield True
        finally:
            fcntl.flock(fh.fileno(), fcntl.LOCK_UN)
