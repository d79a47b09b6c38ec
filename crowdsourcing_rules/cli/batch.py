"""``crowdsourcing-rules batch``: decide every row of a CSV, JSON Lines or Parquet file."""

from __future__ import annotations

import argparse
import collections
import itertools
import sys
from collections.abc import Iterable, Iterator, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

from crowdsourcing_rules.batch.formats import FORMATS, LIST_SEPARATOR, file_format
from crowdsourcing_rules.cli.common import add_rules_options, rule_paths, standard_streams

if TYPE_CHECKING:
    from crowdsourcing_rules.batch.results import TaskFailure

__all__ = ["configure", "run"]


def configure(parser: argparse.ArgumentParser) -> None:
    parser.description = (
        "Decide every row of INPUT and write one output row per input row, in order. CSV: one column "
        f"per fact, an empty cell is a fact not given, list facts as '{LIST_SEPARATOR}'-separated cells. "
        "Exit code 1 when any row failed, unless --allow-errors."
    )
    parser.add_argument("input", type=Path, help="tasks: .csv, .jsonl (or .ndjson), .parquet; - for standard input")
    parser.add_argument(
        "-o", "--output", type=Path, required=True, help="decided rows, one per input row; - for standard output"
    )
    parser.add_argument("--format", choices=FORMATS, help="format of INPUT (default: from its extension)")
    parser.add_argument(
        "--output-format", choices=FORMATS, help="format of OUTPUT and of --errors (default: by extension)"
    )
    parser.add_argument("--errors", type=Path, metavar="FILE", help="also write the rows in error, with their messages")
    parser.add_argument("--allow-errors", action="store_true", help="exit 0 even when some rows failed")
    parser.add_argument("--workers", type=int, default=1, help="worker processes (default: 1)")
    parser.add_argument(
        "--questions", action="store_true", help="also find the unknown facts that would change a verdict"
    )
    parser.add_argument("--no-progress", action="store_true", help="no progress bar, even on a terminal")
    add_rules_options(parser)


def run(args: argparse.Namespace) -> int:
    """Run ``crowdsourcing-rules batch``; return the exit code. ``-`` reads standard input (with
    ``--format``) or writes standard output (with ``--output-format``)."""
    with standard_streams(args, read={"input": "format"}, write={"output": "output_format"}):
        return _run(args)


def _run(args: argparse.Namespace) -> int:
    from crowdsourcing_rules.advisor import Advisor
    from crowdsourcing_rules.batch.files import RowWriter, file_columns, progress, read_rows, write_rows
    from crowdsourcing_rules.batch.results import OUTPUT_COLUMNS, TaskFailure, result_row
    from crowdsourcing_rules.batch.stream import decide_many

    try:
        in_format = file_format(args.input, args.format)
        out_format = file_format(args.output, args.output_format)
        err_format = file_format(args.errors, args.output_format) if args.errors else None
    except ValueError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    from crowdsourcing_rules.batch.files import parquet_available

    if args.workers < 1:
        print("error: --workers must be at least 1", file=sys.stderr)
        return 2
    if "parquet" in (in_format, out_format, err_format) and not parquet_available():
        print("error: Parquet files need pyarrow: pip install 'crowdsourcing-rules[pandas]'", file=sys.stderr)
        return 1
    if not args.input.is_file():
        print(f"error: {args.input}: no such file", file=sys.stderr)
        return 1
    with Advisor.from_paths(rule_paths(args), policy=args.policy, engine=args.engine) as advisor:
        vocabulary = advisor.ruleset.vocabulary
        lists = [f.name for f in vocabulary.facts if f.kind == "list"]
        consumed: collections.deque[Any] = collections.deque()

        def remember(rows: Iterable[Any]) -> Iterator[Any]:
            for one in rows:
                consumed.append(one)  # popped as its result comes back: bounded by the window
                yield one

        columns = ["row", *OUTPUT_COLUMNS]
        counts: collections.Counter[str] = collections.Counter()
        failed: list[dict[str, Any]] = []
        error_writer: RowWriter | None = None
        input_columns = [c for c in file_columns(args.input, in_format) or () if c not in ("row", "error")] or None
        results = decide_many(
            remember(read_rows(args.input, in_format, lists)),
            advisor=advisor,
            workers=args.workers,
            questions=args.questions,
        )
        # The first result before the bar: the worker processes then start while this process has
        # one thread (tqdm starts a monitor thread), so they can be forked (see start_method).
        first = list(itertools.islice(results, 1))
        shown = progress(itertools.chain(first, results), enabled=not args.no_progress and sys.stderr.isatty())
        try:
            with RowWriter(args.output, out_format, columns) as writer:
                for index, result in enumerate(shown):
                    original = consumed.popleft()
                    row = {"row": index, **result_row(result)}
                    writer.write(row)
                    if isinstance(result, TaskFailure):
                        counts["error"] += 1
                        if args.errors:
                            entry = _error_row(index, result, original)
                            if err_format == "jsonl":
                                error_writer = error_writer or RowWriter(args.errors, "jsonl", ())
                                error_writer.write(entry)
                            elif input_columns is None:
                                failed.append(entry)  # columns known only at the end
                            else:
                                if error_writer is None:
                                    assert err_format is not None
                                    error_writer = RowWriter(args.errors, err_format, ["row", "error", *input_columns])
                                error_writer.write(entry)
                    else:
                        counts[str(result.crowdsource)] += 1
        finally:
            if error_writer is not None:
                error_writer.close()
        if args.errors and error_writer is None:
            keys = dict.fromkeys(k for entry in failed for k in entry)
            fields = ["row", "error", *(k for k in keys if k not in ("row", "error"))]
            write_rows(args.errors, err_format, fields, failed)  # type: ignore[arg-type]
    total = sum(counts.values())
    verdicts = ", ".join(f"{v} {counts[v]}" for v in ("yes", "with_conditions", "no", "None") if counts[v])
    summary = f"{total} rows: {verdicts or 'none decided'}; {counts['error']} in error"
    if counts["error"] and args.errors:
        summary += f" (written to {args.errors})"
    print(summary.replace("None ", "undecided "), file=sys.stderr)
    return 1 if counts["error"] and not args.allow_errors else 0


def _error_row(index: int, failure: TaskFailure, original: Any) -> dict[str, Any]:
    entry: dict[str, Any] = {"row": index, "error": failure.message}
    if isinstance(original, Mapping):
        entry.update({str(k): v for k, v in original.items() if k not in ("row", "error")})
    return entry
