"""Deciding many tasks: streaming, in input order, in one process or several.

>>> import crowdsourcing_rules as cr
>>> tasks = [{"id": "a", "skill_level": "licensed"}, {"id": "b", "urgency": "soon"}]
>>> for result in cr.decide_many(tasks):
...     print(result.task_id, "failed" if isinstance(result, cr.TaskFailure) else result.crowdsource)
a with_conditions
b failed

A result is either a :class:`~crowdsourcing_rules.Recommendation` or a :class:`TaskFailure` that
names the task's position in the input, its id and every problem found. Nothing is held back:
memory stays flat whatever the number of tasks, and every task gives exactly one result.

This module also reads and writes the files of ``crowdsourcing-rules batch`` (CSV, JSON Lines,
Parquet), row by row; pandas and pyarrow are optional and imported only where needed.
"""

from __future__ import annotations

import argparse
import collections
import csv
import functools
import gc
import itertools
import json
import marshal
import math
import multiprocessing
import pickle
import sys
import threading
import time
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from concurrent.futures import Future, ProcessPoolExecutor
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal, NamedTuple

import attrs

from crowdsourcing_rules.advisor import Advisor, EngineName
from crowdsourcing_rules.engine import DEFAULT_MAX_FIRINGS
from crowdsourcing_rules.errors import CrowdsourcingRulesError, EngineError, InputError, Problem, TaskError
from crowdsourcing_rules.recommendation import Firing, Override, Recommendation, Risk
from crowdsourcing_rules.rules import RuleSet
from crowdsourcing_rules.vocabulary import OUTPUTS

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd

__all__ = [
    "OUTPUT_COLUMNS",
    "Result",
    "TaskFailure",
    "decide_frame",
    "decide_many",
    "read_rows",
    "result_row",
    "write_rows",
]

#: Columns of a decided row, in order (``decide_frame``, and the files of the ``batch`` command).
OUTPUT_COLUMNS: tuple[str, ...] = (
    "task_id",
    *(output.name for output in OUTPUTS),
    "questions",
    "fired",
    "error",
)
LIST_COLUMNS = frozenset({output.name for output in OUTPUTS if output.kind != "single"} | {"questions", "fired"})
DEFAULT_CHUNK_SIZE = 200


def _problems(problems: Iterable[Problem]) -> tuple[Problem, ...]:
    return tuple(problems)


@attrs.frozen
class TaskFailure:
    """A task of a batch that could not be decided.

    ``index`` is its position in the input (0-based), ``task_id`` its id when it had a usable one,
    ``problems`` every problem found (for an invalid task, one per bad fact), ``kind`` the name of
    the error class (``TaskError``, ``EngineError``, ``FiringLimitError``...).
    """

    index: int
    task_id: str | None
    kind: str
    summary: str
    problems: tuple[Problem, ...] = attrs.field(converter=_problems, default=())

    @property
    def message(self) -> str:
        """The summary and every problem, one per line."""
        return "\n".join([self.summary, *(f"  {p}" for p in self.problems)])

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form."""
        return {
            "index": self.index,
            "task_id": self.task_id,
            "kind": self.kind,
            "summary": self.summary,
            "problems": [str(p) for p in self.problems],
        }

    def to_exception(self) -> CrowdsourcingRulesError:
        """The library error this failure stands for (what ``strict=True`` raises)."""
        if self.kind == "TaskError":
            error: CrowdsourcingRulesError = TaskError(self.summary, self.problems)
        else:
            error = EngineError(self.message)
        error.add_note(self._where())
        return error

    def _where(self) -> str:
        return f"in the batch: task at index {self.index}" + (f" (id {self.task_id!r})" if self.task_id else "")

    @classmethod
    def from_error(cls, index: int, task: object, error: CrowdsourcingRulesError) -> TaskFailure:
        if isinstance(error, InputError):
            summary, problems = error.summary, error.problems
        else:
            summary, problems = str(error), ()
        return cls(index, _task_id(task), type(error).__name__, summary, problems)


Result = Recommendation | TaskFailure


@attrs.frozen
class UnreadableRow:
    """A row of an input file that could not be read as a task: it still gets its one result."""

    message: str
    location: str | None = None


def _unreadable(index: int, row: UnreadableRow) -> TaskFailure:
    problem = Problem(f"{row.location}: {row.message}" if row.location else row.message)
    return TaskFailure(index, None, "TaskError", "the row cannot be read as a task", (problem,))


def _task_id(task: object) -> str | None:
    if isinstance(task, Mapping):
        value = task.get("id")
        return value if isinstance(value, str) and value.strip() else None
    value = getattr(task, "id", None)
    return value if isinstance(value, str) else None


def _decide_one(advisor: Advisor, index: int, task: object, questions: bool) -> Result:
    if isinstance(task, UnreadableRow):
        return _unreadable(index, task)
    try:
        return advisor.decide(task, questions=questions)  # type: ignore[arg-type]
    except CrowdsourcingRulesError as error:
        return TaskFailure.from_error(index, task, error)


def decide_many(
    tasks: Iterable[Mapping[str, object]],
    *,
    advisor: Advisor | None = None,
    workers: int = 1,
    strict: bool = False,
    questions: bool = False,
    chunk_size: int = DEFAULT_CHUNK_SIZE,
) -> Iterator[Result]:
    """Decide every task of ``tasks``; yield one result per task, in input order.

    ``tasks`` is any iterable of task mappings (or :class:`~crowdsourcing_rules.Task`); it is read
    lazily, so a generator over a file of millions of rows works in flat memory. Each result is a
    :class:`~crowdsourcing_rules.Recommendation`, or a :class:`TaskFailure` for a task that is
    invalid or whose evaluation failed. With ``strict=True`` the first failure is raised instead
    (a :class:`~crowdsourcing_rules.TaskError` or :class:`~crowdsourcing_rules.EngineError` with a
    note naming the task's index and id).

    ``advisor`` defaults to one for the shipped rules. ``questions`` (off by default here, unlike
    :meth:`Advisor.decide`) searches the unknown facts that would change each verdict: several more
    evaluations per task. ``workers > 1`` decides in that many processes, each building its own
    advisor once from the advisor's rule set; at most ``2 * workers`` chunks of ``chunk_size``
    tasks are in flight at a time, so memory stays bounded there too.

    >>> [r.crowdsource for r in decide_many([{"id": "t1"}, {"id": "t2", "skill_level": "licensed"}])]
    ['yes', 'with_conditions']
    """
    if workers < 1:
        raise ValueError(f"workers must be at least 1, got {workers}")
    if chunk_size < 1:
        raise ValueError(f"chunk_size must be at least 1, got {chunk_size}")
    own = advisor is None
    advisor = advisor or Advisor.default()
    try:
        if workers == 1:
            results: Iterator[Result] = (
                _decide_one(advisor, index, task, questions) for index, task in enumerate(tasks)
            )
        else:
            spec = _AdvisorSpec(advisor.ruleset, advisor.engine, advisor.max_firings)  # type: ignore[arg-type]
            unpack = _unpacker(advisor)
            sent = _decide_in_pool(tasks, spec, workers, questions, chunk_size)
            results = itertools.chain.from_iterable(map(unpack, sent))
        for result in results:
            if strict and isinstance(result, TaskFailure):
                raise result.to_exception()
            yield result
    finally:
        if own:
            advisor.close()


# -- several processes -----------------------------------------------------------------------


@attrs.frozen
class _AdvisorSpec:
    """What a worker process needs to build the same advisor: advisors are not picklable, rule sets are."""

    ruleset: RuleSet
    engine: EngineName
    max_firings: int = DEFAULT_MAX_FIRINGS


_worker_advisor: Advisor | None = None


def _init_worker(spec: _AdvisorSpec) -> None:
    global _worker_advisor
    # Everything the worker holds for good (what it inherited from a fork, then its advisor) is
    # moved out of the garbage collector's reach: full collections then walk only the objects of
    # the decisions in flight. It halved the time the workers spent collecting (docs/performance.md).
    gc.freeze()
    _worker_advisor = Advisor(spec.ruleset, engine=spec.engine, max_firings=spec.max_firings)
    gc.freeze()


class _Sent(NamedTuple):
    """What a worker sends back for a chunk: its results packed (None for a failure), and the failures."""

    blob: bytes
    failures: dict[int, TaskFailure]
    pickled: bool = False  # marshal, unless a value marshal cannot carry made it a pickle


def _decide_chunk(start: int, chunk: Sequence[object], questions: bool) -> _Sent:
    assert _worker_advisor is not None, "worker not initialised"
    packed: list[Any] = []
    failures: dict[int, TaskFailure] = {}
    for n, task in enumerate(chunk):
        result = _decide_one(_worker_advisor, start + n, task, questions)
        if isinstance(result, TaskFailure):
            failures[n] = result
            packed.append(None)
        else:
            packed.append(_pack(result))
    try:
        return _Sent(marshal.dumps(packed), failures)
    except ValueError:  # a str subclass somewhere (rules built in Python): marshal refuses those
        return _Sent(pickle.dumps(packed, pickle.HIGHEST_PROTOCOL), failures, pickled=True)


# Results travel back from the workers as tuples of strings in one marshal blob per chunk, the
# failures (rare) pickled beside it. Every step counts: the parent unpacks the results of all the
# workers, and with two workers on two cores any CPU it spends is taken from them. Pickling
# Recommendation objects cost more than deciding; tuples of strings, pickled, about 60 µs a
# result to dump and load; marshal, about 25 (docs/performance.md). A trace entry travels as its
# rule id alone, and the few that lost conclusions travel with them; the parent takes the rest
# from its own advisor, which has the same rules, and builds each distinct risk and overridden
# trace entry once (they are frozen, so results can share them).
_UNPACK_CACHE_SIZE = 4096


def _pack(r: Recommendation) -> tuple[Any, ...]:
    return (
        r.task_id,
        r.crowdsource,
        r.conditions,
        r.crowd_types,
        r.granularity,
        r.service_types,
        r.manage_crowd_directly,
        r.crowd_model,
        r.preselection,
        r.howe_function,
        r.objectives,
        tuple((k.id, k.severity, k.mitigations, k.rules) for k in r.risks),
        r.plan,
        r.questions,
        tuple(f.rule_id for f in r.trace),
        tuple(
            (n, tuple((o.output, o.value, o.by, o.reason) for o in f.overridden))
            for n, f in enumerate(r.trace)
            if f.overridden
        ),
        r.engine,
    )


def _unpacker(advisor: Advisor) -> Callable[[_Sent], list[Result]]:
    """A function from what a worker sent for a chunk to its results, in order."""
    plain = {f.rule_id: f for f in advisor._run.firings.values()}  # the advisor's trace entries

    @functools.lru_cache(maxsize=_UNPACK_CACHE_SIZE)
    def risk(packed: tuple[Any, ...]) -> Risk:
        return Risk(*packed)

    @functools.lru_cache(maxsize=_UNPACK_CACHE_SIZE)
    def firing(rule_id: str, lost: tuple[Any, ...]) -> Firing:
        return attrs.evolve(plain[rule_id], overridden=tuple(Override(*o) for o in lost))

    def recommendation(packed: tuple[Any, ...]) -> Recommendation:
        (task_id, crowdsource, conditions, crowd_types, granularity, service_types, manage, model,
         preselection, howe, objectives, packed_risks, plan, questions, fired, lost, engine) = packed  # fmt: skip
        trace = [plain[rule_id] for rule_id in fired]
        for n, conclusions in lost:
            trace[n] = firing(fired[n], conclusions)
        return Recommendation(
            task_id=task_id,
            crowdsource=crowdsource,
            conditions=conditions,
            crowd_types=crowd_types,
            granularity=granularity,
            service_types=service_types,
            manage_crowd_directly=manage,
            crowd_model=model,
            preselection=preselection,
            howe_function=howe,
            objectives=objectives,
            risks=tuple(map(risk, packed_risks)),
            plan=plan,
            questions=questions,
            trace=trace,
            engine=engine,
        )

    def unpack(sent: _Sent) -> list[Result]:
        chunk = pickle.loads(sent.blob) if sent.pickled else marshal.loads(sent.blob)
        return [sent.failures[n] if packed is None else recommendation(packed) for n, packed in enumerate(chunk)]

    return unpack


def _threads() -> int:
    """Threads of this process, as the OS counts them (C libraries start threads of their own)."""
    try:
        with open("/proc/self/status", encoding="ascii") as status:
            for line in status:
                if line.startswith("Threads:"):
                    return int(line.split()[1])
    except OSError:  # pragma: no cover - not Linux
        pass
    return max(threading.active_count(), 2)


_THREAD_EXIT_POLLS = 25  # 2 ms apart


def _start_method() -> str:
    """``fork`` when this process has one thread (on Linux), else ``spawn``.

    A forked worker starts at once: it has the package imported already (a spawned one imports it
    again, about a second). But durable-rules keeps global state in its C extension behind a lock,
    and a fork copies whatever lock another thread holds at that moment: with any other thread
    alive, the workers are spawned.
    """
    if not sys.platform.startswith("linux"):
        return "spawn"
    # A thread that was just joined (the previous batch's pool, say) can still be counted by the OS
    # for a moment: give such threads a few milliseconds to go, unless Python knows of live ones.
    for _ in range(_THREAD_EXIT_POLLS):
        if _threads() == 1:
            return "fork"
        if threading.active_count() > 1:
            break
        time.sleep(0.002)
    return "spawn"


def _decide_in_pool(
    tasks: Iterable[object], spec: _AdvisorSpec, workers: int, questions: bool, chunk_size: int
) -> Iterator[_Sent]:
    """What the workers send back for each chunk of ``tasks``, in order (see :func:`_unpacker`)."""
    context = multiprocessing.get_context(_start_method())
    window = 2 * workers
    iterator = iter(tasks)
    pending: collections.deque[Future[_Sent]] = collections.deque()
    start = 0
    with ProcessPoolExecutor(workers, mp_context=context, initializer=_init_worker, initargs=(spec,)) as pool:
        try:
            while True:
                while len(pending) < window:
                    chunk = list(itertools.islice(iterator, chunk_size))
                    if not chunk:
                        break
                    pending.append(pool.submit(_decide_chunk, start, chunk, questions))
                    start += len(chunk)
                if not pending:
                    return
                yield pending.popleft().result()
        finally:
            for future in pending:
                future.cancel()


# -- rows: the flat form of a result ---------------------------------------------------------


def result_row(result: Result) -> dict[str, Any]:
    """A result as one flat row of :data:`OUTPUT_COLUMNS` (lists stay lists; risks by id).

    >>> row = result_row(decide_many([{"id": "t1"}]).__next__())
    >>> row["task_id"], row["crowdsource"], row["error"]
    ('t1', 'yes', None)
    """
    if isinstance(result, TaskFailure):
        row: dict[str, Any] = dict.fromkeys(OUTPUT_COLUMNS)
        row.update({name: [] for name in LIST_COLUMNS})
        row["task_id"] = result.task_id
        row["error"] = result.message
        return row
    return {
        "task_id": result.task_id,
        "crowdsource": result.crowdsource,
        "conditions": list(result.conditions),
        "crowd_types": list(result.crowd_types),
        "granularity": result.granularity,
        "service_types": list(result.service_types),
        "manage_crowd_directly": result.manage_crowd_directly,
        "crowd_model": result.crowd_model,
        "preselection": result.preselection,
        "howe_function": result.howe_function,
        "objectives": list(result.objectives),
        "risks": list(result.risk_ids),
        "plan": list(result.plan),
        "questions": list(result.questions),
        "fired": list(result.fired),
        "error": None,
    }


def _is_missing(value: object) -> bool:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return True
    return type(value).__name__ in ("NAType", "NaTType")


def _clean_record(record: Mapping[str, Any]) -> dict[str, Any]:
    """A table row as a task mapping: missing cells dropped, array cells as lists."""
    task: dict[str, Any] = {}
    for key, value in record.items():
        if hasattr(value, "tolist") and not isinstance(value, str):  # numpy arrays from list columns
            value = value.tolist()
        if _is_missing(value):
            continue
        task[str(key)] = value
    return task


def decide_frame(
    df: pd.DataFrame,
    *,
    advisor: Advisor | None = None,
    workers: int = 1,
    questions: bool = False,
    chunk_size: int = DEFAULT_CHUNK_SIZE,
) -> pd.DataFrame:
    """Decide every row of a pandas DataFrame of tasks (one column per fact).

    Returns a frame with the same index and the columns of :data:`OUTPUT_COLUMNS` except
    ``task_id``: single outputs as strings, list outputs as Python lists, ``error`` holding the
    failure's message (``None`` for decided rows). Missing cells (``None``, ``NaN``, ``pd.NA``)
    count as facts not given.

    >>> import pytest; pd = pytest.importorskip("pandas")
    >>> df = pd.DataFrame({"id": ["a", "b"], "skill_level": ["licensed", "wizard"]}, index=[10, 20])
    >>> out = decide_frame(df)
    >>> out.loc[10, "crowdsource"], out.loc[20, "error"].splitlines()[0]
    ('with_conditions', "task 'b' is invalid: 1 problem")
    """
    import pandas as pd

    records = (_clean_record(r) for r in df.to_dict("records"))
    rows = [
        result_row(r)
        for r in decide_many(records, advisor=advisor, workers=workers, questions=questions, chunk_size=chunk_size)
    ]
    columns = [c for c in OUTPUT_COLUMNS if c != "task_id"]
    # object columns built directly: pandas would turn None into NaN in inferred string columns
    return pd.DataFrame({c: pd.Series([row[c] for row in rows], index=df.index, dtype=object) for c in columns})


# -- files of the batch command --------------------------------------------------------------

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
                    yield _clean_record(record)


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


# -- the batch command -----------------------------------------------------------------------


def add_batch_command(commands: Any, add_rules_options: Callable[[argparse.ArgumentParser], None]) -> None:
    """Add ``batch`` to the command line's subcommands."""
    batch = commands.add_parser(
        "batch",
        help="decide every task of a CSV, JSON Lines or Parquet file",
        description=(
            "Decide every row of INPUT and write one output row per input row, in order. CSV: one column "
            f"per fact, an empty cell is a fact not given, list facts as '{LIST_SEPARATOR}'-separated cells. "
            "Exit code 1 when any row failed, unless --allow-errors."
        ),
    )
    batch.add_argument("input", type=Path, help="tasks: .csv, .jsonl (or .ndjson), .parquet")
    batch.add_argument("-o", "--output", type=Path, required=True, help="decided rows, one per input row")
    batch.add_argument("--format", choices=FORMATS, help="format of INPUT (default: from its extension)")
    batch.add_argument(
        "--output-format", choices=FORMATS, help="format of OUTPUT and of --errors (default: by extension)"
    )
    batch.add_argument("--errors", type=Path, metavar="FILE", help="also write the rows in error, with their messages")
    batch.add_argument("--allow-errors", action="store_true", help="exit 0 even when some rows failed")
    batch.add_argument("--workers", type=int, default=1, help="worker processes (default: 1)")
    batch.add_argument(
        "--questions", action="store_true", help="also find the unknown facts that would change a verdict"
    )
    batch.add_argument("--no-progress", action="store_true", help="no progress bar, even on a terminal")
    add_rules_options(batch)


def run_batch_command(args: argparse.Namespace, rule_paths: Sequence[Path]) -> int:
    """Run ``crowdsourcing-rules batch``; return the exit code."""

    try:
        in_format = file_format(args.input, args.format)
        out_format = file_format(args.output, args.output_format)
        err_format = file_format(args.errors, args.output_format) if args.errors else None
    except ValueError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    if args.workers < 1:
        print("error: --workers must be at least 1", file=sys.stderr)
        return 2
    if "parquet" in (in_format, out_format, err_format):
        try:
            import pyarrow.parquet  # noqa: F401
        except ImportError:
            print("error: Parquet files need pyarrow: pip install 'crowdsourcing-rules[pandas]'", file=sys.stderr)
            return 1
    if not args.input.is_file():
        print(f"error: {args.input}: no such file", file=sys.stderr)
        return 1
    with Advisor.from_paths(rule_paths, policy=getattr(args, "policy", ()), engine=args.engine) as advisor:
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
        input_columns = _input_columns(args.input, in_format)
        results = decide_many(
            remember(read_rows(args.input, in_format, lists)),
            advisor=advisor,
            workers=args.workers,
            questions=args.questions,
        )
        # The first result before the bar: the worker processes then start while this process has
        # one thread (tqdm starts a monitor thread), so they can be forked (see _start_method).
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


def _input_columns(path: Path, fmt: Format) -> list[str] | None:
    if fmt == "csv":
        with path.open(newline="", encoding="utf-8-sig") as handle:
            return [c for c in next(csv.reader(handle), []) if c not in ("row", "error")]
    if fmt == "parquet":
        import pyarrow.parquet as pq

        return [c for c in pq.read_schema(path).names if c not in ("row", "error")]
    return None


def _error_row(index: int, failure: TaskFailure, original: Any) -> dict[str, Any]:
    entry: dict[str, Any] = {"row": index, "error": failure.message}
    if isinstance(original, Mapping):
        entry.update({str(k): v for k, v in original.items() if k not in ("row", "error")})
    return entry
