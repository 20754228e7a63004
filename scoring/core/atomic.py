"""Atomic file output: write beside the target, fsync, then os.replace, so a killed run leaves the old file whole.

A reader (Excel, a browser, the next run) only ever sees the previous complete file or the new complete file:
the bytes go to a hidden temporary file in the same folder (same file system, so the rename is atomic), are
flushed to disk, and only then renamed over the target. If the writer raises, the temporary file is removed and
the target is untouched. Every writer of a user-visible file goes through here.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import ClassVar, TextIO

from scoring.core.errors import ExitCode, PerfscoreError


class OutputError(PerfscoreError):
    """An output file that cannot be written where the user asked (a folder, an unwritable place)."""

    exit_code: ClassVar[ExitCode] = ExitCode.ERROR


def _fsync_dir(folder: Path) -> None:
    """Make the rename itself durable; not every platform can open a folder (Windows), which is fine."""
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def _new_mode(target: Path) -> int:
    """Keep an existing file's permissions; a new file gets the usual 0666 less umask (mkstemp would give 0600)."""
    try:
        return target.stat().st_mode & 0o7777
    except OSError:
        umask = os.umask(0)
        os.umask(umask)
        return 0o666 & ~umask


def check_target(target: Path) -> None:
    """Refuse a target that is a folder, or whose folder cannot be made, with a message the user can act on."""
    if target.is_dir():
        raise OutputError(
            f"输出路径 {target} 是一个文件夹，请在路径末尾写上文件名 / output path is a folder, give a file name"
        )
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise OutputError(
            f"无法创建输出文件夹 {target.parent}：{exc.strerror or exc} / cannot create the output folder"
        ) from exc


@contextlib.contextmanager
def atomic_path(target: Path) -> Iterator[Path]:
    """A temporary path beside `target` for a writer that wants a file name; renamed onto `target` on success.

    Example: ``with atomic_path(out) as tmp: workbook.save(tmp)``.
    """
    target = Path(target)
    check_target(target)
    try:
        fd, name = tempfile.mkstemp(prefix=f".{target.name[:100]}.", suffix=".tmp", dir=target.parent)
    except OSError as exc:
        raise OutputError(f"无法写入 {target}：{exc.strerror or exc} / cannot write the output file") from exc
    os.close(fd)
    tmp = Path(name)
    try:
        yield tmp
        with open(tmp, "rb+") as fh:
            os.fsync(fh.fileno())
        os.chmod(tmp, _new_mode(target))
        os.replace(tmp, target)
    except BaseException as exc:
        with contextlib.suppress(OSError):
            tmp.unlink()
        if isinstance(exc, OSError):
            raise OutputError(f"无法写入 {target}：{exc.strerror or exc} / cannot write the output file") from exc
        raise
    _fsync_dir(target.parent)


def save_atomic(target: Path | str, save: Callable[[str], object]) -> None:
    """Call a library's ``save(path)`` on a temporary file, then rename it onto `target`.

    Example: ``save_atomic(out, workbook.save)``.
    """
    with atomic_path(Path(target)) as tmp:
        save(str(tmp))


def write_bytes(target: Path, data: bytes) -> None:
    """Write `data` to `target` atomically."""
    with atomic_path(target) as tmp:
        tmp.write_bytes(data)


def write_text_stream(target: Path, write: Callable[[TextIO], object], encoding: str = "utf-8") -> None:
    """Write text to `target` atomically as `write(file)` produces it: a document too big to hold whole."""
    with atomic_path(target) as tmp, tmp.open("w", encoding=encoding, newline="") as fh:
        write(fh)


def write_text(target: Path, text: str, encoding: str = "utf-8") -> None:
    """Write `text` to `target` atomically (the same call shape as Path.write_text)."""
    write_bytes(target, text.encode(encoding))
