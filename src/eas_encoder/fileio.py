"""The one writer for every file the tool produces (audio, CAP XML, plots, later station state).

A regular destination is written under a temporary name in the same directory, flushed to disk
(``fsync``) and renamed over the destination, so a reader sees either the old file whole or the
new file whole: a full disk, a read-only file system or an interrupted run never leaves a
truncated file where a good one was, and no temporary file is left behind after an error.

The rules, each chosen for a failure seen in practice:

- ``"-"`` means standard output (written, flushed, never closed).
- A device or a FIFO (``/dev/null``, a named pipe to a player) is written in place: renaming over
  it would replace the device node itself.
- A symbolic link at the destination is replaced by the new file, not followed: following it
  would let whoever planted the link choose which file the tool overwrites.
- A replaced regular file keeps its permission bits (a 0600 file stays 0600).
- Every failure is an :class:`~eas_encoder.errors.EasError` (the caller picks the subclass)
  naming the destination, in one line (``output '/mnt/full/a.wav': cannot be written (No space
  left on device)``).
"""

from __future__ import annotations

import contextlib
import errno
import os
import stat
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import BinaryIO

from .errors import EasError

__all__ = ["STDIO", "open_output", "write_output", "describe_os_error"]

STDIO = "-"
"""The destination name that means standard output."""

def describe_os_error(exc: OSError) -> str:
    """The operating system's reason for ``exc`` (``"No space left on device"``), one line."""
    text = exc.strerror or str(exc) or type(exc).__name__
    return text.splitlines()[0][:120]


def _fail(error: type[EasError], field: str, dest: str, reason: str) -> EasError:
    return error(f"cannot be written ({reason})", field=field, value=dest)


@contextlib.contextmanager
def open_output(dest: str | os.PathLike, *, field: str = "output",
                error: type[EasError] = EasError) -> Iterator[BinaryIO]:
    """Open ``dest`` for writing as one atomic replacement; yield a binary file object.

    Whatever the body writes becomes the destination only when the body completes; if the body
    raises (any exception, including ``KeyboardInterrupt``) the temporary file is removed and
    the old destination is untouched. Use it for output produced piece by piece (a long
    transmission, a plot); :func:`write_output` for bytes already in memory.

    Args:
        dest: a path, or ``"-"`` for standard output.
        field: the field named in errors (``"output"``, ``"plot"``).
        error: the :class:`EasError` subclass to raise (the caller's layer, e.g. ``AudioError``).

    Raises:
        EasError (as ``error``): the destination is a directory, its directory is missing or
            does not accept new files, or a write, ``fsync`` or rename fails (full disk,
            read-only file system, permissions); the message names ``dest``.
    """
    name = os.fspath(dest)
    if not isinstance(name, str):
        name = os.fsdecode(name)
    if name == STDIO:
        out = sys.stdout.buffer
        yield out
        try:
            out.flush()
        except BrokenPipeError:
            raise
        except OSError as exc:
            raise _fail(error, field, "<stdout>", describe_os_error(exc)) from None
        return
    path = Path(name)
    try:
        st = os.lstat(path)
    except FileNotFoundError:
        st = None
    except OSError as exc:
        raise _fail(error, field, name, describe_os_error(exc)) from None
    if st is not None and stat.S_ISDIR(st.st_mode):
        raise _fail(error, field, name, "is a directory")
    if st is not None and not stat.S_ISREG(st.st_mode) and not stat.S_ISLNK(st.st_mode):
        with _in_place(path, name, field, error) as fh:
            yield fh
        return
    with _replacing(path, name, st, field, error) as fh:
        yield fh


@contextlib.contextmanager
def _in_place(path: Path, name: str, field: str, error: type[EasError]) -> Iterator[BinaryIO]:
    # A device, FIFO or socket: write into it (a rename would replace the node itself).
    try:
        fh = open(path, "wb")  # noqa: SIM115 - closed below, errors translated
    except OSError as exc:
        raise _fail(error, field, name, describe_os_error(exc)) from None
    try:
        yield fh
        fh.flush()
    except OSError as exc:
        with contextlib.suppress(OSError):
            fh.close()
        raise _fail(error, field, name, describe_os_error(exc)) from None
    except BaseException:
        with contextlib.suppress(OSError):
            fh.close()
        raise
    try:
        fh.close()
    except OSError as exc:
        raise _fail(error, field, name, describe_os_error(exc)) from None


@contextlib.contextmanager
def _replacing(path: Path, name: str, old: os.stat_result | None, field: str,
               error: type[EasError]) -> Iterator[BinaryIO]:
    directory = path.parent
    fd, tmp = _create_temporary(path, name, field, error)
    # A replaced regular file keeps its permission bits; a symlink's own bits mean nothing.
    if old is not None and stat.S_ISREG(old.st_mode):
        with contextlib.suppress(OSError):
            os.fchmod(fd, stat.S_IMODE(old.st_mode))
    fh = os.fdopen(fd, "wb")
    try:
        try:
            yield fh
            fh.flush()
            os.fsync(fh.fileno())
        finally:
            fh.close()
        os.replace(tmp, path)
    except OSError as exc:
        _remove(tmp)
        raise _fail(error, field, name, describe_os_error(exc)) from None
    except BaseException:
        _remove(tmp)
        raise
    _sync_directory(directory)


def _create_temporary(path: Path, name: str, field: str, error: type[EasError]
                      ) -> tuple[int, Path]:
    # O_EXCL with mode 0666 so the umask applies as for any new file (mkstemp would force 0600),
    # and O_NOFOLLOW so a link planted at the temporary name is not followed either.
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0) \
        | getattr(os, "O_CLOEXEC", 0)
    for _ in range(16):
        tmp = path.with_name(f".{path.name}.{os.urandom(4).hex()}.part")
        try:
            return os.open(tmp, flags, 0o666), tmp
        except FileExistsError:
            continue
        except OSError as exc:
            raise _fail(error, field, name, _creation_reason(path, exc)) from None
    raise _fail(error, field, name, "no free temporary name beside it")


def _creation_reason(path: Path, exc: OSError) -> str:
    directory = path.parent
    if exc.errno in (errno.ENOENT, errno.ENOTDIR):
        if not directory.is_dir():
            return f"directory {str(directory)!r} does not exist"
        # e.g. /proc: the directory exists but its file system creates no new files.
        return f"directory {str(directory)!r} does not accept new files"
    if exc.errno == errno.EACCES:
        return f"permission denied in directory {str(directory)!r}"
    return describe_os_error(exc)


def _remove(tmp: Path) -> None:
    with contextlib.suppress(OSError):
        tmp.unlink()


def _sync_directory(directory: Path) -> None:
    # Make the rename itself durable; some file systems refuse to open or sync a directory.
    try:
        fd = os.open(directory, os.O_RDONLY | getattr(os, "O_DIRECTORY", 0))
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def write_output(dest: str | os.PathLike, data: bytes, *, field: str = "output",
                 error: type[EasError] = EasError) -> None:
    """Write ``data`` to ``dest`` (``"-"`` = standard output) through :func:`open_output`.

    Raises:
        EasError (as ``error``): as :func:`open_output`.
    """
    with open_output(dest, field=field, error=error) as fh:
        fh.write(data)
