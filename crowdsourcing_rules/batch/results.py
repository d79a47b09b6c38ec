"""The results of deciding many tasks: a recommendation or a failure per task, and their flat
row form (the columns of ``decide_frame`` and of the batch command's files).

>>> from crowdsourcing_rules.advisor import Advisor
>>> with Advisor.default() as advisor:
...     failure = decide_one(advisor, 3, {"id": "t1", "urgency": "soon"}, questions=False)
>>> failure.index, failure.task_id, failure.kind
(3, 't1', 'TaskError')
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from typing import Any

import attrs

from crowdsourcing_rules.advisor import Advisor
from crowdsourcing_rules.errors import CrowdsourcingRulesError, EngineError, InputError, Problem, TaskError, shown
from crowdsourcing_rules.model.recommendation import Recommendation
from crowdsourcing_rules.model.vocabulary import COMPUTED, OUTPUTS

__all__ = [
    "LIST_COLUMNS",
    "OUTPUT_COLUMNS",
    "Result",
    "TaskFailure",
    "UnreadableRow",
    "clean_record",
    "decide_one",
    "result_row",
]

#: Columns of a decided row, in order (``decide_frame``, and the files of the ``batch`` command):
#: the outputs the rules conclude, then those computed after them, the fired rules, the error.
OUTPUT_COLUMNS: tuple[str, ...] = (
    "task_id",
    *(output.name for output in (*OUTPUTS, *COMPUTED)),
    "fired",
    "error",
)
#: Columns that hold a list in a row: list outputs, risks by id, text lists, questions, service
#: notes ("service_type: why"), platform examples by name, fired rules.
LIST_COLUMNS = frozenset(
    {output.name for output in (*OUTPUTS, *COMPUTED) if output.kind not in ("single", "flag")} | {"fired"}
)


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
        return {**attrs.asdict(self, recurse=False), "problems": [str(p) for p in self.problems]}

    def to_exception(self) -> CrowdsourcingRulesError:
        """The library error this failure stands for (what ``strict=True`` raises)."""
        if self.kind == "TaskError":
            error: CrowdsourcingRulesError = TaskError(self.summary, self.problems)
        else:
            error = EngineError(self.message)
        error.add_note(self._where())
        return error

    def _where(self) -> str:
        return f"in the batch: task at index {self.index}" + (f" (id {shown(self.task_id)})" if self.task_id else "")

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
        if isinstance(value, int) and not isinstance(value, bool):
            try:
                return str(value)  # an integer id is its decimal text, as parse_task reads it
            except ValueError:  # too many digits to write out
                return None
        return value if isinstance(value, str) and value.strip() else None
    value = getattr(task, "id", None)
    return value if isinstance(value, str) else None


def decide_one(advisor: Advisor, index: int, task: object, questions: bool) -> Result:
    if isinstance(task, UnreadableRow):
        return _unreadable(index, task)
    try:
        return advisor.decide(task, questions=questions)
    except CrowdsourcingRulesError as error:
        return TaskFailure.from_error(index, task, error)


def result_row(result: Result) -> dict[str, Any]:
    """A result as one flat row of :data:`OUTPUT_COLUMNS` (lists stay lists; risks and platform
    examples by name; service notes as ``service_type: why`` lines).

    >>> import crowdsourcing_rules as cr
    >>> row = result_row(next(cr.decide_many([{"id": "t1"}])))
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
        "provisional": result.provisional,
        "service_notes": [f"{service}: {note}" for service, note in result.service_notes.items()],
        "platform_examples": [example.name for example in result.platform_examples],
        "fired": list(result.fired),
        "error": None,
    }


def _is_missing(value: object) -> bool:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return True
    return type(value).__name__ in ("NAType", "NaTType")


def clean_record(record: Mapping[str, Any]) -> dict[str, Any]:
    """A table row as a task mapping: missing cells dropped, array cells as lists."""
    task: dict[str, Any] = {}
    for key, value in record.items():
        if hasattr(value, "tolist") and not isinstance(value, str):  # numpy arrays from list columns
            value = value.tolist()
        if _is_missing(value):
            continue
        task[str(key)] = value
    return task
