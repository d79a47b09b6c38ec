"""The file formats of the batch command, told by name or by extension.

>>> from pathlib import Path
>>> file_format(Path("tasks.ndjson")), file_format(Path("x.txt"), "csv")
('jsonl', 'csv')
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

__all__ = ["FORMATS", "LIST_SEPARATOR", "Format", "file_format"]

Format = Literal["csv", "jsonl", "parquet"]
FORMATS: tuple[str, ...] = ("csv", "jsonl", "parquet")
_EXTENSIONS = {".csv": "csv", ".jsonl": "jsonl", ".ndjson": "jsonl", ".parquet": "parquet", ".pq": "parquet"}
LIST_SEPARATOR = ";"


def file_format(path: Path, given: str | None = None) -> Format:
    """The format of a file, from ``given`` or the file's extension."""
    if given:
        if given not in FORMATS:
            raise ValueError(f"unknown format {given!r}; expected one of {', '.join(FORMATS)}")
        return given  # type: ignore[return-value]
    try:
        return _EXTENSIONS[path.suffix.lower()]  # type: ignore[return-value]
    except KeyError:
        known = ", ".join(sorted(_EXTENSIONS))
        message = f"cannot tell the format of {path} from its extension (known: {known}); use --format"
        raise ValueError(message) from None
