"""The input files of the batch command: CSV, JSON Lines and Parquet, read row by row.

Reading never stops at a bad row: a row that cannot be read (bytes that are not text in the
file's encoding, a line that is not JSON, a duplicate column or key, a cell or line over the
limits, a Parquet row group that cannot be decoded) becomes an :class:`UnreadableRow` with its
line (or its row in a Parquet file), and every other row is still read. A problem with the whole
file (not a regular file, not Parquet at all, a header that cannot be read) raises one
:class:`~crowdsourcing_rules.InputError` before any row is decided.

Writing is in :mod:`~crowdsourcing_rules.batch.writing`.

pyarrow (Parquet) and tqdm (the progress bar) are optional extras, imported here when needed.
"""

from __future__ import annotations

import codecs
import csv
import io
import json
import re
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import IO, Any

from crowdsourcing_rules.batch.formats import LIST_SEPARATOR, Format
from crowdsourcing_rules.batch.results import UnreadableRow, clean_record
from crowdsourcing_rules.errors import InputError, shown
from crowdsourcing_rules.rulefiles.files import display_path, open_regular
from crowdsourcing_rules.rulefiles.yaml_reader import MAX_DEPTH

__all__ = ["MAX_LINE_CHARS", "SURROGATE", "TaskRows", "file_columns", "parquet_available", "progress", "read_rows"]

#: The longest line of a CSV or JSON Lines file, in characters: as long as a whole task file may
#: be (``yaml_reader.MAX_FILE_BYTES``). A longer line is a row in error, read no further.
MAX_LINE_CHARS = 5_000_000
_SKIP_CHUNK = 1 << 20

# Bytes that are not text in the file's encoding are decoded as lone surrogates, one per byte
# (U+DC00 + the byte): no decoder makes them from valid text, so a row holding one is a row with
# bad bytes, reported as such, and every other row is still read.
_BAD_BYTES = "crowdsourcing_rules.bad_bytes"


def _mark_bad_bytes(error: UnicodeError) -> tuple[str, int]:
    if not isinstance(error, UnicodeDecodeError):  # pragma: no cover - registered for decoding only
        raise error
    return "".join(chr(0xDC00 + byte) for byte in error.object[error.start : error.end]), error.end


codecs.register_error(_BAD_BYTES, _mark_bad_bytes)
#: A lone surrogate: not Unicode text (UTF-8 cannot encode it).
SURROGATE = re.compile("[\ud800-\udfff]")
# Byte order marks, longest first (UTF-32 LE's starts with UTF-16 LE's): a file that starts with
# one is in that encoding, which reads the mark and leaves it out.
_BOMS = {
    codecs.BOM_UTF32_LE: "utf-32",
    codecs.BOM_UTF32_BE: "utf-32",
    codecs.BOM_UTF8: "utf-8-sig",
    codecs.BOM_UTF16_LE: "utf-16",
    codecs.BOM_UTF16_BE: "utf-16",
}


class _LineTooLong(Exception):
    """Raised by :class:`_Lines` for a line over :data:`MAX_LINE_CHARS` (skipped, read no further)."""


class _Lines:
    """The lines of a text file, each at most :data:`MAX_LINE_CHARS` long, counted.

    A class rather than a generator: after it raises :class:`_LineTooLong`, reading goes on with
    the next line (the CSV reader starts a new row there).
    """

    def __init__(self, handle: IO[str], ends: tuple[str, ...]) -> None:
        self.handle, self.ends = handle, ends  # what ends a line: the reader's newline mode
        self.number = 0  # lines read so far

    def __iter__(self) -> _Lines:
        return self

    def __next__(self) -> str:
        line = self.handle.readline(MAX_LINE_CHARS + 1)
        if not line:
            raise StopIteration
        self.number += 1
        if len(line) > MAX_LINE_CHARS:
            while line and not line.endswith(self.ends):  # skip the rest of the line
                line = self.handle.readline(_SKIP_CHUNK)
            raise _LineTooLong(f"line is longer than {MAX_LINE_CHARS} characters")
        return line


def _encoding(binary: io.BufferedReader, given: str | None) -> str:
    """The encoding to read: the one given (UTF-8 skipping a byte order mark), else the one a byte
    order mark names, else UTF-8."""
    if given:
        name = codecs.lookup(given).name
        return "utf-8-sig" if name == "utf-8" else name
    start = binary.peek(4)[:4]
    return next((name for bom, name in _BOMS.items() if start.startswith(bom)), "utf-8-sig")


def _bad_bytes(text: str, encoding: str) -> str | None:
    """Why text decoded with the bad-bytes handler is not readable, or None when it is."""
    found = SURROGATE.findall(text)
    if not found:
        return None
    raw = bytes(ord(c) - 0xDC00 for c in found[:8] if 0xDC00 <= ord(c) <= 0xDCFF)
    return f"bytes that are not {_encoding_name(encoding)} text: {shown(raw)}; give the file's encoding with --encoding"


def _encoding_name(encoding: str) -> str:
    return {"utf-8-sig": "UTF-8", "utf-16": "UTF-16", "utf-32": "UTF-32"}.get(encoding, encoding)


def _duplicates(names: Iterable[object]) -> list[object]:
    seen: set[object] = set()
    twice = []
    for name in names:
        if name in seen and name not in twice:
            twice.append(name)
        seen.add(name)
    return twice


class _DuplicateKey(Exception):
    pass


class _NotJson(Exception):
    pass


def _object(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    """A JSON object, refused when a key appears twice (json.loads would keep the last value)."""
    data = dict(pairs)
    if len(data) != len(pairs):
        raise _DuplicateKey(_duplicates(key for key, _value in pairs)[0])
    return data


def _constant(name: str) -> Any:
    raise _NotJson(f"{name} is not JSON")


def _odd_value(value: Any) -> str | None:
    """Why a value read from JSON cannot be a task's data (too deep, a lone surrogate), or None."""
    stack = [(value, 1)]
    while stack:
        item, depth = stack.pop()
        if depth > MAX_DEPTH:
            return f"nesting deeper than {MAX_DEPTH} levels"
        found = SURROGATE.search(item) if isinstance(item, str) else None
        if found:
            return f"text holds a lone surrogate ({shown(found.group())}), which UTF-8 cannot carry"
        if isinstance(item, dict):
            stack.extend((key, depth + 1) for key in item)
            stack.extend((v, depth + 1) for v in item.values())
        elif isinstance(item, list):
            stack.extend((v, depth + 1) for v in item)
    return None


class TaskRows:
    """The rows of a CSV, JSON Lines or Parquet file of tasks, as task mappings or
    :class:`UnreadableRow`\\ s; one item per row of the file.

    Opening checks the whole file (a regular file, its encoding, its header or schema) and raises
    :class:`~crowdsourcing_rules.InputError` for what makes every row unreadable. ``columns`` is the
    header of a CSV file or the schema of a Parquet file (None for JSON Lines).
    """

    def __init__(self, path: Path, fmt: Format, *, encoding: str | None = None) -> None:
        self.path, self.format = Path(path), fmt
        self.display = display_path(self.path)
        self.columns: list[str] | None = None
        self._duplicates: list[object] = []
        try:
            self._binary = open_regular(self.path)
        except OSError as error:
            raise InputError(f"{self.display}: cannot read: {error.strerror}") from None
        try:
            self._open(encoding)
        except BaseException:
            self._binary.close()
            raise

    def _open(self, encoding: str | None) -> None:
        if self.format == "parquet":
            self._open_parquet()
            return
        self.encoding = _encoding(self._binary, encoding)  # type: ignore[arg-type]
        newline = "" if self.format == "csv" else "\n"  # JSON Lines: a line ends at \n only
        self._text = io.TextIOWrapper(self._binary, encoding=self.encoding, errors=_BAD_BYTES, newline=newline)
        self._lines = _Lines(self._text, ("\n", "\r") if self.format == "csv" else ("\n",))
        if self.format == "csv":
            self._reader = csv.reader(self._lines)
            try:
                header = next(self._reader, [])
            except (csv.Error, _LineTooLong) as error:
                raise InputError(f"{self.display}:1: cannot read the header: {error}") from None
            problem = _bad_bytes("".join(header), self.encoding)
            if problem:
                raise InputError(f"{self.display}:1: the header holds {problem}")
            if any("\0" in name for name in header):
                raise InputError(
                    f"{self.display}:1: the header holds NUL characters: is the file UTF-16 or UTF-32 "
                    "without a byte order mark? give its encoding with --encoding"
                )
            self.columns = header
            self._duplicates = _duplicates(header)

    def _open_parquet(self) -> None:
        import pyarrow as pa
        import pyarrow.parquet as pq

        try:
            self._parquet = pq.ParquetFile(self._binary)
        except (pa.ArrowException, OSError, ValueError) as error:
            raise InputError(f"{self.display}: not a readable Parquet file: {_first_line(error)}") from None
        self.columns = list(self._parquet.schema_arrow.names)
        self._duplicates = _duplicates(self.columns)

    def rows(self, list_facts: Iterable[str] = ()) -> Iterator[dict[str, Any] | UnreadableRow]:
        """The rows; in CSV, a cell of a list fact (named in ``list_facts``) is split at ``;``."""
        if self.format == "csv":
            return self._csv_rows(frozenset(list_facts))
        if self.format == "jsonl":
            return self._jsonl_rows()
        return self._parquet_rows()

    def _twice(self) -> str:
        return f"column {shown(self._duplicates[0])} appears twice in the header"

    def _csv_rows(self, lists: frozenset[str]) -> Iterator[dict[str, Any] | UnreadableRow]:
        header = self.columns or []
        while True:
            where = f"{self.display}:{self._lines.number + 1}"
            try:
                cells = next(self._reader)
            except StopIteration:
                return
            except (csv.Error, _LineTooLong) as error:
                yield UnreadableRow(f"not CSV: {error}", where)
                continue
            if not cells:
                continue  # a blank line
            problem = _bad_bytes("".join(cells), self.encoding)
            if problem:
                yield UnreadableRow(problem, where)
            elif self._duplicates:
                yield UnreadableRow(self._twice(), where)
            elif len(cells) > len(header):
                yield UnreadableRow("more cells than the header has columns", where)
            else:
                task: dict[str, Any] = {}
                for key, cell in zip(header, cells, strict=False):
                    if cell == "":
                        continue
                    if key in lists:
                        task[key] = [item.strip() for item in cell.split(LIST_SEPARATOR) if item.strip()]
                    else:
                        task[key] = cell
                yield task

    def _jsonl_rows(self) -> Iterator[dict[str, Any] | UnreadableRow]:
        while True:
            try:
                line = next(self._lines)
            except StopIteration:
                return
            except _LineTooLong as error:
                yield UnreadableRow(str(error), f"{self.display}:{self._lines.number}")
                continue
            if not line.strip():
                continue
            yield self._json_row(line, self._lines.number)

    def _json_row(self, line: str, number: int) -> Any:
        where = f"{self.display}:{number}"
        problem = _bad_bytes(line, self.encoding)
        if problem:
            return UnreadableRow(problem, where)
        try:
            value = json.loads(line, object_pairs_hook=_object, parse_constant=_constant)
        except json.JSONDecodeError as error:
            return UnreadableRow(f"not JSON: {error.msg}", f"{where}:{error.colno}")
        except _DuplicateKey as error:
            return UnreadableRow(f"key {shown(error.args[0])} appears twice", where)
        except _NotJson as error:
            return UnreadableRow(str(error), where)
        except RecursionError:
            return UnreadableRow(f"nesting deeper than {MAX_DEPTH} levels", where)
        except ValueError as error:  # a number with more digits than Python converts
            return UnreadableRow(f"not readable JSON: {error}", where)
        problem = _odd_value(value)
        return UnreadableRow(problem, where) if problem else value

    def _parquet_rows(self) -> Iterator[dict[str, Any] | UnreadableRow]:
        import pyarrow as pa

        metadata = self._parquet.metadata
        first = 0
        for group in range(self._parquet.num_row_groups):
            expected = metadata.row_group(group).num_rows
            done, problem = 0, self._twice() if self._duplicates else None
            if problem is None:
                try:
                    for batch in self._parquet.iter_batches(batch_size=10_000, row_groups=[group]):
                        for record in batch.to_pylist():
                            yield clean_record(record)
                            done += 1
                except (pa.ArrowException, OSError, ValueError) as error:
                    problem = f"cannot read this row group: {_first_line(error)}"
            problem = problem or "the row group holds fewer rows than its metadata says"
            for row in range(first + done, first + expected):
                yield UnreadableRow(problem, f"{self.display}: row {row} (row group {group})")
            first += expected

    def close(self) -> None:
        if self.format == "parquet" and hasattr(self, "_parquet"):
            self._parquet.close()
        self._binary.close()

    def __enter__(self) -> TaskRows:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _first_line(error: BaseException) -> str:
    return (str(error).strip().splitlines() or [type(error).__name__])[0]


def read_rows(
    path: Path, fmt: Format, list_facts: Iterable[str] = (), *, encoding: str | None = None
) -> Iterator[dict[str, Any] | UnreadableRow]:
    """Read a file of tasks row by row, as task mappings (:class:`TaskRows`).

    CSV: one column per fact, an empty cell is a fact not given, and a list fact (named in
    ``list_facts``) is a ``;``-separated cell (``statistics; French law``), items stripped.
    JSON Lines: one JSON object per line (blank lines skipped). Parquet: one column per fact,
    list facts as list columns; read by record batches. ``encoding`` is the encoding of a CSV or
    JSON Lines file (default: UTF-8, or UTF-16 or UTF-32 when the file starts with their byte order
    mark). A row that cannot be read is an :class:`UnreadableRow` naming its line.
    """
    with TaskRows(path, fmt, encoding=encoding) as rows:
        yield from rows.rows(list_facts)


def file_columns(path: Path, fmt: Format, *, encoding: str | None = None) -> list[str] | None:
    """The columns of a CSV or Parquet file (its header, its schema); None for JSON Lines."""
    with TaskRows(path, fmt, encoding=encoding) as rows:
        return rows.columns


def progress(iterable: Iterable[Any], *, enabled: bool, desc: str = "tasks") -> Iterable[Any]:
    """Wrap ``iterable`` in a tqdm bar when ``enabled`` and tqdm is installed (the ``progress`` extra)."""
    if not enabled:
        return iterable
    try:
        from tqdm.auto import tqdm
    except ImportError:
        return iterable
    return tqdm(iterable, desc=desc, unit=" tasks")  # type: ignore[no-any-return]


def parquet_available() -> bool:
    """Whether pyarrow, which reads and writes Parquet, is installed (the ``pandas`` extra)."""
    try:
        import pyarrow.parquet  # noqa: F401
    except ImportError:
        return False
    return True
