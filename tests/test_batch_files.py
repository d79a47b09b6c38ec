"""The batch command's files (issue 18): every row read once whatever it holds, outputs written
whole or not at all, strict JSON and CSV safe to open in a spreadsheet."""

from __future__ import annotations

import csv
import io
import json
import math
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

import crowdsourcing_rules as cr
from crowdsourcing_rules.batch.files import TaskRows, read_rows
from crowdsourcing_rules.batch.results import UnreadableRow
from crowdsourcing_rules.batch.writing import RowWriter, json_text, write_rows
from tests.strategies import tasks

# Lines as a file may hold them: JSON objects, other JSON, broken JSON, bytes that are not UTF-8,
# escapes of lone surrogates, NaN, duplicate keys, deep nesting.
_ODD_LINES = st.sampled_from(
    [
        b'{"id": "a"}',
        b'{"id": "\\ud800"}',
        b'{"id": NaN}',
        b'{"id": "a", "id": "b"}',
        b"[" * 3_000 + b"]" * 3_000,
        b'{"id": "caf\xe9"}',
        b"\xff\xfe",
        b"{not json",
        b"42",
        b'"text"',
        b"\x00",
        b'{"id": "x", "skills_needed": ["a\\u0000b"]}',
    ]
)
_LINES = st.lists(
    st.one_of(_ODD_LINES, st.builds(lambda t: json.dumps(t).encode(), tasks()), st.binary(max_size=30)), max_size=12
)


def _records(lines: list[bytes]) -> int:
    """Rows of a JSON Lines file: its lines that are not blank (as the reader sees blank)."""
    text = b"\n".join(lines).decode("utf-8", "surrogateescape")
    return sum(1 for line in text.split("\n") if line.strip())


@settings(max_examples=60, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(lines=_LINES)
def test_every_json_lines_row_is_read_once(tmp_path: Path, lines: list[bytes]) -> None:
    """Whatever a line holds, it gives one row: a task mapping, or an unreadable row naming its
    line; reading never raises."""
    path = tmp_path / "tasks.jsonl"
    lines = [b'{"id": "first"}', *lines]  # so that the file never starts with a UTF-16 byte order mark
    path.write_bytes(b"\n".join(lines))
    rows = list(read_rows(path, "jsonl"))
    assert len(rows) == _records(lines)
    for row in rows:
        assert isinstance(row, (UnreadableRow, dict, list, str, int, float, bool, type(None)))
        if isinstance(row, UnreadableRow):
            assert (row.location and row.location.startswith(f"{path.name}:")) or str(path) in str(row.location)
    # and each row decides or fails on its own
    assert len(list(cr.decide_many(rows))) == len(rows)


_CELLS = st.text(st.characters(codec="utf-8", exclude_characters="\r"), max_size=12)


@settings(max_examples=60, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    records=st.lists(st.lists(_CELLS, min_size=2, max_size=2), max_size=10),
    broken=st.sets(st.integers(0, 9)),
)
def test_every_csv_record_is_read_once(tmp_path: Path, records: list[list[str]], broken: set[int]) -> None:
    """Cells with quotes, commas and line ends, and records with bytes that are not UTF-8: one
    row per record, the broken ones named by their line."""
    out = io.StringIO(newline="")
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["id", "title"])
    data = out.getvalue().encode()
    for n, record in enumerate(records):
        one = io.StringIO(newline="")
        csv.writer(one, lineterminator="\n").writerow(record)
        line = one.getvalue().encode()
        data += line[:1] + b"\xff" + line[1:] if n in broken else line
    path = tmp_path / "tasks.csv"
    path.write_bytes(data)
    rows = list(read_rows(path, "csv"))
    assert len(rows) == len(records)  # the csv module writes no record as a blank line
    bad = [r for r in rows if isinstance(r, UnreadableRow)]
    assert len(bad) == len([n for n in broken if n < len(records)])
    assert all("not UTF-8" in r.message for r in bad)


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "utf-16", "utf-32", "utf-16-be"])
@pytest.mark.parametrize("fmt", ["csv", "jsonl"])
def test_text_in_any_unicode_encoding_with_its_byte_order_mark(tmp_path: Path, encoding: str, fmt: str) -> None:
    """UTF-16 and UTF-32 files (Excel's "Unicode text") are told by their byte order mark."""
    text = "id,title\nt1,café ☕\n" if fmt == "csv" else '{"id": "t1", "title": "café ☕"}\n'
    path = tmp_path / f"tasks.{fmt}"
    raw = text.encode(encoding)
    if encoding == "utf-16-be":  # with its mark written by hand
        raw = b"\xfe\xff" + raw
    path.write_bytes(raw)
    assert list(read_rows(path, fmt)) == [{"id": "t1", "title": "café ☕"}]  # type: ignore[arg-type]


def test_a_given_encoding(tmp_path: Path) -> None:
    path = tmp_path / "tasks.csv"
    path.write_bytes("id,title\nt1,caf\u00e9 \u20ac\n".encode("cp1252"))
    assert list(read_rows(path, "csv", encoding="cp1252")) == [{"id": "t1", "title": "café €"}]
    (row,) = read_rows(path, "csv")  # read as UTF-8, the row is unreadable: not a traceback
    assert isinstance(row, UnreadableRow) and "b'\\xe9\\x80'" in row.message and "--encoding" in row.message


def test_duplicate_parquet_columns_are_refused_per_row(tmp_path: Path) -> None:
    pa = pytest.importorskip("pyarrow")
    pq = pytest.importorskip("pyarrow.parquet")
    table = pa.Table.from_arrays([pa.array(["a", "b"]), pa.array(["high", "low"]), pa.array(["x", "y"])],
                                 names=["id", "urgency", "urgency"])  # fmt: skip
    pq.write_table(table, tmp_path / "tasks.parquet")
    rows = list(read_rows(tmp_path / "tasks.parquet", "parquet"))
    assert [type(r) for r in rows] == [UnreadableRow, UnreadableRow]
    assert "column 'urgency' appears twice" in rows[0].message  # type: ignore[union-attr]


def test_file_problems_are_one_input_error(tmp_path: Path) -> None:
    (tmp_path / "bad.csv").write_bytes(b"id,\xff\nt1,x\n")
    with pytest.raises(cr.InputError, match=r"bad.csv:1: the header holds bytes that are not UTF-8"):
        TaskRows(tmp_path / "bad.csv", "csv")
    with pytest.raises(cr.InputError, match=r"cannot read: No such file or directory"):
        TaskRows(tmp_path / "missing.csv", "csv")


# -- writing -------------------------------------------------------------------------------------


def test_a_failed_write_leaves_the_file_as_it_was(tmp_path: Path) -> None:
    """Rows go to a temporary file, renamed onto the output only when all are written."""
    out = tmp_path / "out.csv"
    out.write_text("the previous output\n", encoding="utf-8")
    with pytest.raises(RuntimeError, match="stopped"), RowWriter(out, "csv", ["a"]) as writer:
        writer.write({"a": "1"})
        raise RuntimeError("stopped")
    assert out.read_text(encoding="utf-8") == "the previous output\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out.csv"]
    assert write_rows(out, "csv", ["a"], [{"a": "1"}, {"a": "2"}]) == 2
    assert out.read_text(encoding="utf-8") == "a\n1\n2\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out.csv"]


def test_a_symbolic_link_output_replaces_the_file_it_names(tmp_path: Path) -> None:
    (tmp_path / "real.csv").write_text("old\n", encoding="utf-8")
    (tmp_path / "link.csv").symlink_to("real.csv")
    write_rows(tmp_path / "link.csv", "csv", ["a"], [{"a": "new"}])
    assert (tmp_path / "link.csv").is_symlink() and (tmp_path / "real.csv").read_text(encoding="utf-8") == "a\nnew\n"


def test_csv_cells_that_a_spreadsheet_would_run_are_neutralised(tmp_path: Path) -> None:
    values = ["=cmd|' /C calc'!A0", "+1", "-1", "@SUM(A1)", "\t=1", "\r=1", "plain", "a=b", "", None, ["=x", "y"]]
    out = tmp_path / "out.csv"
    write_rows(out, "csv", ["value"], [{"value": v} for v in values])
    with out.open(newline="", encoding="utf-8") as handle:
        cells = [row["value"] for row in csv.DictReader(handle)]
    assert cells == [
        "'=cmd|' /C calc'!A0",
        "'+1",
        "'-1",
        "'@SUM(A1)",
        "'\t=1",
        "'\r=1",
        "plain",
        "a=b",
        "",
        "",
        "'=x;y",
    ]
    write_rows(out, "csv", ["=HYPERLINK()"], [])  # a column name too
    assert out.read_text(encoding="utf-8") == "'=HYPERLINK()\n"


def test_json_lines_output_is_strict_json(tmp_path: Path) -> None:
    out = tmp_path / "out.jsonl"
    rows: list[dict[str, Any]] = [
        {"nan": math.nan, "inf": [math.inf, -math.inf], "bytes": b"\xff", "surrogate": "\ud800", "ok": 1.5}
    ]
    write_rows(out, "jsonl", [], rows)
    text = out.read_text(encoding="utf-8")  # valid UTF-8

    def refuse(name: str) -> Any:
        raise AssertionError(f"bare {name}")

    data = json.loads(text, parse_constant=refuse)
    assert data == {"nan": "nan", "inf": ["inf", "-inf"], "bytes": "b'\\xff'", "surrogate": "\ud800", "ok": 1.5}
    assert json_text({"a": 1}) == '{"a": 1}'


def test_parquet_cells_of_any_value(tmp_path: Path) -> None:
    pq = pytest.importorskip("pyarrow.parquet")
    out = tmp_path / "out.parquet"
    rows = [{"row": 0, "error": "e", "urgency": b"\xff"}, {"row": 1, "error": "\ud800", "urgency": math.nan}]
    write_rows(out, "parquet", ["row", "error", "urgency"], rows)
    assert pq.read_table(out).to_pylist() == [
        {"row": 0, "error": "e", "urgency": "b'\\xff'"},
        {"row": 1, "error": "\\ud800", "urgency": "nan"},
    ]
