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
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Iterator, Mapping

from crowdsourcing_rules.advisor import Advisor
from crowdsourcing_rules.batch.pool import AdvisorSpec, decide_in_pool, unpacker
from crowdsourcing_rules.batch.results import Result, TaskFailure, decide_one
from crowdsourcing_rules.model.task import Task, TaskInput

__all__ = ["DEFAULT_CHUNK_SIZE", "decide_many"]

DEFAULT_CHUNK_SIZE = 200


def decide_many(
    tasks: Iterable[TaskInput],
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

    The arguments are checked when it is called: a ``TypeError`` or ``ValueError`` says what was
    expected (one task mapping, a text or None is not an iterable of tasks).
    """
    if tasks is None or isinstance(tasks, (str, bytes, Mapping, Task)) or not isinstance(tasks, Iterable):
        what = (
            "one mapping" if isinstance(tasks, (Mapping, Task)) else "None" if tasks is None else type(tasks).__name__
        )
        hint = ": write [task]" if isinstance(tasks, (Mapping, Task)) else ""
        raise TypeError(f"tasks must be an iterable of task mappings (a list, a generator...), got {what}{hint}")
    if advisor is not None and not isinstance(advisor, Advisor):
        raise TypeError(f"advisor must be an Advisor or None, got {type(advisor).__name__}")
    for name, value in (("workers", workers), ("chunk_size", chunk_size)):
        if not isinstance(value, int) or isinstance(value, bool):
            raise TypeError(f"{name} must be an integer, got {type(value).__name__}")
        if value < 1:
            raise ValueError(f"{name} must be at least 1, got {value}")
    return _decide_many(tasks, advisor, workers, strict, questions, chunk_size)


def _decide_many(
    tasks: Iterable[TaskInput],
    advisor: Advisor | None,
    workers: int,
    strict: bool,
    questions: bool,
    chunk_size: int,
) -> Iterator[Result]:
    own = advisor is None
    advisor = advisor or Advisor.default()
    try:
        if workers == 1:
            results: Iterator[Result] = (
                decide_one(advisor, index, task, questions) for index, task in enumerate(tasks)
            )
        else:
            spec = AdvisorSpec(advisor.ruleset, advisor.engine, advisor.max_firings)  # type: ignore[arg-type]
            unpack = unpacker(advisor)
            sent = decide_in_pool(tasks, spec, workers, questions, chunk_size)
            results = itertools.chain.from_iterable(map(unpack, sent))
        for result in results:
            if strict and isinstance(result, TaskFailure):
                raise result.to_exception()
            yield result
    finally:
        if own:
            advisor.close()
