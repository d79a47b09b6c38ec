"""The output files of the batch command: CSV, JSON Lines and Parquet, written row by row.

Writing goes to a temporary file beside the output, renamed onto it when the writer is closed:
the output is never half written, and a run stopped on the way leaves the file it had (or none).
A run killed outright (SIGKILL, a power cut) can leave the temporary file, named
``.NAME.XXXXXXXX.part``, beside the output.
"""

from __future__ import annotations

import csv
import json
import math
import os
import secrets
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

from crowdsourcing_rules.batch.files import SURROGATE
from crowdsourcing_rules.batch.formats import LIST_SEPARATOR, Format
from crowdsourcing_rules.batch.results import LIST_COLUMNS, OUTPUT_COLUMNS

__all__ = ["RowWriter", "json_text", "write_rows"]

# A cell that starts with one of these is a formula to a spreadsheet (=cmd|' /C calc'!A0): CSV
# output writes it after a quote, which spreadsheets show and do not run (OWASP's advice).
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def _csv_cell(value: Any) -> Any:
    if isinstance(value, list):
        value = LIST_SEPARATOR.join(str(v) for v in value)
    elif value is None:
        return ""
    elif not isinstance(value, str):
        value = str(value)
    return "'" + value if value.startswith(_FORMULA_START) else value


def _finite(value: Any) -> Any:
    """JSON data with every NaN and infinity written as text ("nan", "inf"), as CSV writes them."""
    if isinstance(value, float) and not math.isfinite(value):
        return str(value)
    if isinstance(value, Mapping):
        return {k: _finite(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_finite(v) for v in value]
    return value


def json_text(data: Any) -> str:
    """Data as one line of strict JSON: no bare ``NaN`` (non-finite numbers as text), values JSON
    does not know (bytes, dates...) as their text.

    >>> json_text({"a": float("nan"), "b": b"x", "c": [1.5]})
    '{"a": "nan", "b": "b\\'x\\'", "c": [1.5]}'
    """
    try:
        return json.dumps(data, ensure_ascii=False, allow_nan=False, default=str)
    except ValueError:
        return json.dumps(_finite(data), ensure_ascii=False, allow_nan=False, default=str)


def _temporary(target: Path) -> tuple[Path, int]:
    """A new file beside ``target``, hidden, that no other run uses: its path and descriptor."""
    while True:
        candidate = target.with_name(f".{target.name}.{secrets.token_hex(4)}.part")
        try:
            return candidate, os.open(
                candidate, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_CLOEXEC", 0), 0o666
            )
        except FileExistsError:  # pragma: no cover - 32 random bits
            continue


class RowWriter:
    """Writes rows of fixed columns to a CSV, JSON Lines or Parquet file, as they come.

    The rows go to a temporary file beside ``path`` (``.NAME.XXXXXXXX.part``); :meth:`close`
    renames it onto ``path`` (a ``with`` block does it when no exception escaped), :meth:`discard`
    deletes it. ``path`` is thus either what it was before or complete. In CSV, a cell that starts
    with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return is written after a ``'`` (a
    spreadsheet would run it as a formula); JSON Lines is always strict JSON.
    """

    def __init__(self, path: Path, fmt: Format, columns: Sequence[str], *, parquet_batch: int = 10_000) -> None:
        self.path, self.format, self.columns = Path(path), fmt, list(columns)
        self._target = self.path.resolve()  # through a symbolic link: the file it names is replaced
        self._buffer: list[dict[str, Any]] = []
        self._parquet_batch = parquet_batch
        self._parquet: Any = None
        self._temporary, descriptor = _temporary(self._target)
        self._done = False
        try:
            if fmt == "parquet":
                self._handle: Any = os.fdopen(descriptor, "wb")
            else:
                # A lone surrogate (from Python data) is written as the escape \udXXX: valid UTF-8,
                # and in JSON the same string once read back.
                newline = "" if fmt == "csv" else None
                self._handle = open(descriptor, "w", newline=newline, encoding="utf-8", errors="backslashreplace")  # noqa: SIM115
            if fmt == "csv":
                self._csv = csv.DictWriter(self._handle, self.columns, extrasaction="ignore")
                self._csv.writerow({c: _csv_cell(c) for c in self.columns})
        except BaseException:
            self.discard()
            raise

    def write(self, row: Mapping[str, Any]) -> None:
        if self.format == "csv":
            self._csv.writerow({k: _csv_cell(row.get(k)) for k in self.columns})
        elif self.format == "jsonl":
            data = {k: row.get(k) for k in self.columns} if self.columns else dict(row)  # no columns: all
            self._handle.write(json_text(data) + "\n")
        else:
            self._buffer.append({k: row.get(k) for k in self.columns})
            if len(self._buffer) >= self._parquet_batch:
                self._flush()

    def _flush(self) -> None:
        import pyarrow as pa
        import pyarrow.parquet as pq

        if self._parquet is None:
            schema = pa.schema(
                [
                    pa.field(c, pa.list_(pa.string()) if c in LIST_COLUMNS else pa.string())
                    if c in OUTPUT_COLUMNS or c == "row"
                    else pa.field(c, pa.string())
                    for c in self.columns
                ]
            )
            if "row" in self.columns:
                schema = schema.set(self.columns.index("row"), pa.field("row", pa.int64()))
            self._schema = schema
            self._parquet = pq.ParquetWriter(self._handle, schema)
        rows = [{k: _parquet_cell(k, v) for k, v in row.items()} for row in self._buffer]
        self._parquet.write_table(pa.Table.from_pylist(rows, schema=self._schema))
        self._buffer.clear()

    def close(self) -> None:
        """Finish the file and put it in place of ``path``."""
        if self._done:
            return
        try:
            if self.format == "parquet":
                if self._buffer or self._parquet is None:
                    self._flush()
                self._parquet.close()
            self._handle.flush()
            os.fsync(self._handle.fileno())
            self._handle.close()
            os.replace(self._temporary, self._target)
            self._done = True
        except BaseException:
            self.discard()
            raise

    def discard(self) -> None:
        """Drop what was written: ``path`` stays as it was."""
        if self._done:
            return
        self._done = True
        handle = getattr(self, "_handle", None)
        try:
            if handle is not None:
                handle.close()
        except OSError:
            pass
        self._temporary.unlink(missing_ok=True)

    def __enter__(self) -> RowWriter:
        return self

    def __exit__(self, kind: object, *exc: object) -> None:
        if kind is None:
            self.close()
        else:
            self.discard()


def _parquet_cell(column: str, value: Any) -> Any:
    if column in LIST_COLUMNS or column == "row" or value is None:
        return value
    # A text column: JSON for what JSON writes (a number, a list...), the text of anything else
    # (bytes, a date, a NaN) as CSV writes it.
    json_value = isinstance(value, (bool, int, list, tuple, dict)) or (
        isinstance(value, float) and math.isfinite(value)
    )
    text = value if isinstance(value, str) else json_text(value) if json_value else str(value)
    return text.encode("utf-8", "backslashreplace").decode("utf-8") if SURROGATE.search(text) else text


def write_rows(path: Path, fmt: Format, columns: Sequence[str], rows: Iterable[Mapping[str, Any]]) -> int:
    """Write rows to a file (in place of it once all are written); return how many were written."""
    count = 0
    with RowWriter(path, fmt, columns) as writer:
        for row in rows:
            writer.write(row)
            count += 1
    return count
