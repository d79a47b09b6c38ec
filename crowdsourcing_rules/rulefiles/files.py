"""Reading the files people write (rule, policy, case and task files, batch inputs): regular
files only, bounded in size as they are read, UTF-8; and one YAML document read from a file.

A FIFO, a device such as ``/dev/zero``, a socket or a directory is refused with a message saying
what it is, before anything is read (a FIFO would block, ``/dev/zero`` never ends).
"""

from __future__ import annotations

import errno
import os
import stat
from pathlib import Path
from typing import BinaryIO

from crowdsourcing_rules.errors import Location, Problem
from crowdsourcing_rules.rulefiles.yaml_reader import MAX_FILE_BYTES, YamlProblems, parse

__all__ = ["display_path", "open_regular", "read_document", "read_text"]


_FILE_KINDS = (
    (stat.S_ISDIR, "a directory"),
    (stat.S_ISFIFO, "a FIFO (named pipe)"),
    (stat.S_ISCHR, "a character device"),
    (stat.S_ISBLK, "a block device"),
    (stat.S_ISSOCK, "a socket"),
)


def open_regular(path: Path) -> BinaryIO:
    """Open a regular file for reading, in binary; anything else (a directory, a FIFO, a device
    such as ``/dev/zero``, a socket) raises ``OSError`` saying what it is.

    The file is opened without blocking (opening a FIFO for reading would wait for a writer) and
    checked once open, so what is read is what was checked.
    """
    descriptor = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_CLOEXEC", 0))
    try:
        mode = os.fstat(descriptor).st_mode
        if not stat.S_ISREG(mode):
            kind = next((name for test, name in _FILE_KINDS if test(mode)), "not a regular file")
            raise OSError(errno.EINVAL, f"{kind}, not a regular file", str(path))
        if hasattr(os, "set_blocking"):
            os.set_blocking(descriptor, True)
        return os.fdopen(descriptor, "rb")
    except BaseException:
        os.close(descriptor)
        raise


def read_text(path: Path, display: str) -> str:
    """Read a regular file as UTF-8 text, within the size limit (counted as it is read: the size a
    file reports is not trusted)."""
    try:
        with open_regular(path) as handle:
            data = handle.read(MAX_FILE_BYTES + 1)
            if len(data) > MAX_FILE_BYTES:
                size = os.fstat(handle.fileno()).st_size
                told = f"{size} bytes" if size > MAX_FILE_BYTES else f"more than {MAX_FILE_BYTES} bytes"
                raise YamlProblems([Problem(f"file is {told}; the limit is {MAX_FILE_BYTES} bytes", Location(display))])
    except OSError as error:
        raise YamlProblems([Problem(f"cannot read file: {error.strerror}", Location(display))]) from None
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as error:
        raise YamlProblems([Problem(f"file is not UTF-8 text (byte {error.start})", Location(display))]) from None
    return text.replace("\r\n", "\n").replace("\r", "\n")  # line ends as a text file reads them


def display_path(path: Path) -> str:
    """A path as shown in messages: relative to the working directory when below it."""
    try:
        return str(path.resolve().relative_to(Path.cwd().resolve()))
    except ValueError:
        return str(path)


def read_document(path: Path) -> tuple[str, object]:
    """A YAML (or JSON) file's document, with the path as messages show it; raises
    :class:`~crowdsourcing_rules.rulefiles.yaml_reader.YamlProblems`."""
    display = display_path(path)
    return display, parse(read_text(path, display), display)
