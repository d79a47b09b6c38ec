"""The files of the batch command: CSV, JSON Lines and Parquet, read and written row by row.

pyarrow (Parquet) and tqdm (the progress bar) are optional extras, imported here when needed.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Iterable, Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any

from crowdsourcing_rules.batch.formats import LIST_SEPARATOR, Format
from crowdsourcing_rules.batch.results import LIST_COLUMNS, OUTPUT_COLUMNS, UnreadableRow, clean_record

__all__ = ["RowWriter", "file_columns", "parquet_available", "progress", "read_rows", "write_rows"]


def read_rows(path: Path, fmt: Format, list_facts: Iterable[str] = ()) -> Iterator[dict[str, Any] | UnreadableRow]:
    """Read a file of tasks row by row, as task mappings.

    CSV: one column per fact, an empty cell is a fact not given, and a list fact (named in
    ``list_facts``) is a ``;``-separated cell (``statistics; French law``), items stripped.
    JSON Lines: one JSON object per line (blank lines skipped). Parquet: one column per fact,
    list facts as list columns; read by record batches.
    """
    lists = frozenset(list_facts)
    if fmt == "csv":
        with path.open(newline="", encoding="utf-8-sig") as handle:
            reader = csv.DictReader(handle)
            for record in reader:
                if None in record:  # more cells than header columns
                    yield UnreadableRow("more cells than the header has columns", f"{path}:{reader.line_num}")
                    continue
                task: dict[str, Any] = {}
                for key, cell in record.items():
                    if cell is None or cell == "":
                        continue
                    if key in lists:
                        task[key] = [item.strip() for item in cell.split(LIST_SEPARATOR) if item.strip()]
                    else:
                        task[key] = cell
                yield task
    elif fmt == "jsonl":
        with path.open(encoding="utf-8") as handle:
            for number, line in enumerate(handle, 1):
                if not line.strip():
                    continue
                try:
                    yield json.loads(line)
                except json.JSONDecodeError as error:
                    yield UnreadableRow(f"not JSON: {error.msg}", f"{path}:{number}:{error.colno}")
    else:
        import pyarrow.parquet as pq

        with pq.ParquetFile(path) as parquet:
            for batch in parquet.iter_batches(batch_size=10_000):
                for record in batch.to_pylist():
                    yield clean_record(record)


def _csv_cell(value: Any) -> Any:
    if isinstance(value, list):
        return LIST_SEPARATOR.join(str(v) for v in value)
    return "" if value is None else value


class RowWriter:
    """Writes rows of fixed columns to a CSV, JSON Lines or Parquet file, as they come."""

    def __init__(self, path: Path, fmt: Format, columns: Sequence[str], *, parquet_batch: int = 10_000) -> None:
        self.path, self.format, self.columns = path, fmt, list(columns)
        self._buffer: list[dict[str, Any]] = []
        self._parquet_batch = parquet_batch
        self._parquet: Any = None
        self._handle: Any = None
        if fmt == "csv":
            self._handle = path.open("w", newline="", encoding="utf-8")
            self._csv = csv.DictWriter(self._handle, self.columns, extrasaction="ignore")
            self._csv.writeheader()
        elif fmt == "jsonl":
            self._handle = path.open("w", encoding="utf-8")

    def write(self, row: Mapping[str, Any]) -> None:
        if self.format == "csv":
            self._csv.writerow({k: _csv_cell(row.get(k)) for k in self.columns})
        elif self.format == "jsonl":
            data = {k: row.get(k) for k in self.columns} if self.columns else dict(row)  # no columns: all
            self._handle.write(json.dumps(data, ensure_ascii=False) + "\n")
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
            self._parquet = pq.ParquetWriter(self.path, schema)
        rows = [{k: _parquet_cell(k, v) for k, v in row.items()} for row in self._buffer]
        self._parquet.write_table(pa.Table.from_pylist(rows, schema=self._schema))
        self._buffer.clear()

    def close(self) -> None:
        if self.format == "parquet":
            if self._buffer or self._parquet is None:
                self._flush()
            self._parquet.close()
        elif self._handle is not None:
            self._handle.close()

    def __enter__(self) -> RowWriter:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _parquet_cell(column: str, value: Any) -> Any:
    if column in LIST_COLUMNS or column == "row" or value is None:
        return value
    return value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)


def write_rows(path: Path, fmt: Format, columns: Sequence[str], rows: Iterable[Mapping[str, Any]]) -> int:
    """Write rows to a file; return how many were written."""
    count = 0
    with RowWriter(path, fmt, columns) as writer:
        for row in rows:
            writer.write(row)
            count += 1
    return count


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


def file_columns(path: Path, fmt: Format) -> list[str] | None:
    """The columns of a CSV or Parquet file (its header, its schema); None for JSON Lines."""
    if fmt == "csv":
        with path.open(newline="", encoding="utf-8-sig") as handle:
            return next(csv.reader(handle), [])
    if fmt == "parquet":
        import pyarrow.parquet as pq

        return list(pq.read_schema(path).names)
    return None
