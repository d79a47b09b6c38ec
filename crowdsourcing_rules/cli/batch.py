"""``crowdsourcing-rules batch``: decide every row of a CSV, JSON Lines or Parquet file."""

from __future__ import annotations

import argparse
import codecs
import collections
import contextlib
import itertools
import os
import signal
import sys
import threading
from collections.abc import Iterable, Iterator, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

from crowdsourcing_rules.batch.formats import FORMATS, LIST_SEPARATOR, file_format
from crowdsourcing_rules.cli.common import add_rules_options, advisor, standard_streams

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
    parser.add_argument(
        "--encoding",
        metavar="NAME",
        help="encoding of a CSV or JSON Lines INPUT (default: UTF-8, or UTF-16 or UTF-32 by its byte order mark)",
    )
    add_rules_options(parser)


class _Stopped(BaseException):
    """The batch stops for a signal: raised between two rows, so the partial outputs are
    discarded on the way out."""

    def __init__(self, number: int) -> None:
        super().__init__(number)
        self.number = number


class _Run:
    """What a run shares with its signal handlers: the rows written, and the signal received.

    Ctrl-C (SIGINT) and SIGTERM only set :attr:`received`; the batch reads it between rows and
    stops there. An exception raised wherever the signal lands would stop a decision in the middle
    of durable-rules' C engine, which then aborts the process (``free(): invalid size``), or be
    swallowed where Python ignores exceptions (an at-fork hook while the workers start). A second
    signal does what it does by default (Ctrl-C twice kills the process at once).
    """

    rows = 0
    received: int | None = None

    def stop_if_asked(self) -> None:
        if self.received is not None:
            raise _Stopped(self.received)

    def _handle(self, number: int, _frame: object) -> None:
        self.received = number
        signal.signal(number, signal.SIG_DFL)

    @contextlib.contextmanager
    def signals(self) -> Iterator[None]:
        """The handlers, while the batch runs (in the main thread, where they can be set, and
        for the signals whose handling is Python's default: an ignored signal stays ignored)."""
        if threading.current_thread() is not threading.main_thread():
            yield
            return
        previous = {number: signal.getsignal(number) for number in (signal.SIGINT, signal.SIGTERM)}
        for number, handler in previous.items():
            if handler in (signal.default_int_handler, signal.SIG_DFL):
                signal.signal(number, self._handle)
        try:
            yield
        finally:
            for number, handler in previous.items():
                signal.signal(number, handler)


def run(args: argparse.Namespace) -> int:
    """Run ``crowdsourcing-rules batch``; return the exit code. ``-`` reads standard input (with
    ``--format``) or writes standard output (with ``--output-format``).

    Outputs are written to temporary files renamed into place at the end: interrupted (Ctrl-C,
    SIGTERM) or failed, the run leaves the output and errors files as they were, and says so in
    one line (exit 130 for Ctrl-C, 143 for SIGTERM).
    """
    from crowdsourcing_rules.errors import printable

    state = _Run()
    output = "standard output" if str(args.output) == "-" else args.output
    with standard_streams(args, read={"input": "format"}, write={"output": "output_format"}), state.signals():
        try:
            return _run(args, state)
        except _Stopped as stop:  # the partial outputs were discarded
            interrupted = stop.number == signal.SIGINT
            what = "interrupted" if interrupted else f"stopped by {signal.Signals(stop.number).name}"
            message = f"error: {what} after {state.rows} rows: {output} not written (left as it was)"
            print(printable(message), file=sys.stderr)
            return 128 + stop.number
        except OSError as error:
            where = f"{error.filename}: " if error.filename else ""
            print(printable(f"error: {where}{error.strerror or error}"), file=sys.stderr)
            return 1


def _usage_problem(args: argparse.Namespace, in_format: str) -> str | None:
    """What is wrong with the options, as a usage error (exit 2), or None."""
    if args.workers < 1:
        return "--workers must be at least 1"
    if args.encoding:
        if in_format == "parquet":
            return "--encoding is for CSV and JSON Lines input; Parquet says its own"
        try:
            codecs.lookup(args.encoding)
        except LookupError:
            return f"--encoding: unknown encoding {args.encoding!r}"
    named = [("INPUT", args.input), ("--output", args.output)] + ([("--errors", args.errors)] if args.errors else [])
    for n, (flag, path) in enumerate(named):
        for other_flag, other in named[n + 1 :]:
            if _same_file(path, other):
                return f"{other_flag} {other} is the same file as {flag} {path}: refusing to write over it"
    return None


def _same_file(one: Path, other: Path) -> bool:
    """Whether two paths name one file: the same path once resolved, or the same inode (a link)."""
    if one.resolve() == other.resolve():
        return True
    try:
        return os.path.samefile(one, other)
    except OSError:  # one of them does not exist (yet)
        return False


def _output_problem(flag: str, path: Path) -> str | None:
    """Why an output cannot be written there, found before any row is decided, or None."""
    target = path.resolve()
    if target.is_dir():
        return f"{flag} {path}: is a directory"
    if target.exists() and not target.is_file():
        return f"{flag} {path}: not a regular file (a device, a FIFO or a socket)"
    if not target.parent.is_dir():
        return f"{flag} {path}: the directory {path.parent} does not exist"
    return None


def _run(args: argparse.Namespace, state: _Run) -> int:
    from crowdsourcing_rules.batch.files import TaskRows, parquet_available, progress as progress_bar
    from crowdsourcing_rules.batch.results import OUTPUT_COLUMNS, TaskFailure, result_row
    from crowdsourcing_rules.batch.stream import decide_many
    from crowdsourcing_rules.batch.writing import RowWriter, write_rows
    from crowdsourcing_rules.errors import printable

    try:
        in_format = file_format(args.input, args.format)
        out_format = file_format(args.output, args.output_format)
        err_format = file_format(args.errors, args.output_format) if args.errors else None
    except ValueError as error:
        print(printable(f"error: {error}"), file=sys.stderr)
        return 2
    usage = _usage_problem(args, in_format)
    if usage:
        print(printable(f"error: {usage}"), file=sys.stderr)
        return 2
    if "parquet" in (in_format, out_format, err_format) and not parquet_available():
        print("error: Parquet files need pyarrow: pip install 'crowdsourcing-rules[pandas]'", file=sys.stderr)
        return 1
    for flag, path in [("--output", args.output)] + ([("--errors", args.errors)] if args.errors else []):
        problem = _output_problem(flag, path)
        if problem:
            print(printable(f"error: {problem}"), file=sys.stderr)
            return 1
    writers: list[RowWriter] = []
    with TaskRows(args.input, in_format, encoding=args.encoding) as source, advisor(args) as built:
        state.stop_if_asked()  # a signal while the rules were read
        vocabulary = built.ruleset.vocabulary
        lists = [f.name for f in vocabulary.facts if f.kind == "list"]
        consumed: collections.deque[Any] = collections.deque()

        def remember(rows: Iterable[Any]) -> Iterator[Any]:
            for one in rows:
                consumed.append(one)  # popped as its result comes back: bounded by the window
                yield one

        counts: collections.Counter[str] = collections.Counter()
        failed: list[dict[str, Any]] = []
        error_writer: RowWriter | None = None
        input_columns = [c for c in source.columns or () if c not in ("row", "error")] or None
        writer = RowWriter(args.output, out_format, ["row", *OUTPUT_COLUMNS])
        writers.append(writer)
        results = decide_many(
            remember(source.rows(lists)), advisor=built, workers=args.workers, questions=args.questions
        )
        try:
            # The first result before the bar: the worker processes then start while this process has
            # one thread (tqdm starts a monitor thread), so they can be forked (see start_method).
            first = list(itertools.islice(results, 1))
            shown = progress_bar(itertools.chain(first, results), enabled=not args.no_progress and sys.stderr.isatty())
            for index, result in enumerate(shown):
                state.stop_if_asked()
                original = consumed.popleft()
                writer.write({"row": index, **result_row(result)})
                state.rows = index + 1
                if not isinstance(result, TaskFailure):
                    counts[str(result.crowdsource)] += 1
                    continue
                counts["error"] += 1
                if not args.errors:
                    continue
                entry = _error_row(index, result, original)
                if err_format == "jsonl":
                    error_writer = error_writer or RowWriter(args.errors, "jsonl", ())
                elif input_columns is None:
                    failed.append(entry)  # columns known only at the end
                    continue
                else:
                    assert err_format is not None
                    error_writer = error_writer or RowWriter(args.errors, err_format, ["row", "error", *input_columns])
                if error_writer not in writers:
                    writers.append(error_writer)
                error_writer.write(entry)
            state.stop_if_asked()
            # Every row decided: the errors file first, then the output, each renamed into place.
            if args.errors and error_writer is None:
                keys = dict.fromkeys(k for entry in failed for k in entry)
                fields = ["row", "error", *(k for k in keys if k not in ("row", "error"))]
                write_rows(args.errors, err_format, fields, failed)  # type: ignore[arg-type]
            elif error_writer is not None:
                error_writer.close()
            writer.close()
        except BaseException:
            for one in writers:
                one.discard()
            results.close()  # type: ignore[attr-defined]  # a generator: stops the worker processes
            raise
    total = sum(counts.values())
    verdicts = ", ".join(f"{v} {counts[v]}" for v in ("yes", "with_conditions", "no", "None") if counts[v])
    summary = f"{total} rows: {verdicts or 'none decided'}; {counts['error']} in error"
    if counts["error"] and args.errors:
        summary += f" (written to {args.errors})"
    print(printable(summary.replace("None ", "undecided ")), file=sys.stderr)
    return 1 if counts["error"] and not args.allow_errors else 0


def _error_row(index: int, failure: TaskFailure, original: Any) -> dict[str, Any]:
    entry: dict[str, Any] = {"row": index, "error": failure.message}
    if isinstance(original, Mapping):
        entry.update({str(k): v for k, v in original.items() if k not in ("row", "error")})
    return entry
