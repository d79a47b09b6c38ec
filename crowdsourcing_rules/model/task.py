"""A task: the facts about a piece of work, validated against the vocabulary."""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Callable, Iterator, Mapping
from typing import Any

import attrs

from crowdsourcing_rules.errors import Location, Problem, TaskError, closest, did_you_mean, one_of, shown
from crowdsourcing_rules.model.vocabulary import UNKNOWN, FactSpec, Vocabulary, default_vocabulary

__all__ = ["Task", "TaskInput", "as_mapping", "parse_task"]

FactValue = str | tuple[str, ...] | None
#: What a task may be given as: a mapping of facts, a :class:`Task`, a dataclass, an attrs
#: instance or a pydantic model (anything with ``model_dump()``); see :func:`as_mapping`.
TaskInput = Mapping[str, object] | object
MAX_TEXT = 100_000  # characters in one text fact or list item


@attrs.frozen
class Task:
    """A validated task: its id and every fact of the vocabulary (unknown ones included).

    Build one with :func:`parse_task` (or :meth:`Task.from_dict`), which fills defaults and reports
    every problem at once.

    >>> task = Task.from_dict({"id": "t1", "urgency": "high"})
    >>> task.urgency, task.budget
    ('high', 'unknown')
    >>> Task.from_dict(task.to_dict()) == task
    True
    """

    id: str
    items: tuple[tuple[str, FactValue], ...] = attrs.field(repr=False)
    # The vocabulary the facts were validated against (company facts included).
    vocabulary: Vocabulary = attrs.field(factory=default_vocabulary, eq=False, repr=False)

    @property
    def facts(self) -> Mapping[str, FactValue]:
        """All facts by name, ``id`` included."""
        return dict(self.items)

    def __getattr__(self, name: str) -> FactValue:
        # Only called for names that are not attributes: look the fact up.
        items: tuple[tuple[str, FactValue], ...] = object.__getattribute__(self, "items")
        for key, value in items:
            if key == name:
                return value
        raise AttributeError(f"task has no fact {name!r}")

    def get(self, name: str, default: FactValue = None) -> FactValue:
        return dict(self.items).get(name, default)

    def __iter__(self) -> Iterator[tuple[str, FactValue]]:
        return iter(self.items)

    def replace(self, **changes: object) -> Task:
        """A copy with some facts changed, validated again."""
        data = self.to_dict()
        data.update(changes)
        return parse_task(data, self.vocabulary)

    def with_facts(self, changes: Mapping[str, str]) -> Task:
        """A copy with these single-valued facts set to values of their domain, not validated again
        (for what-if searches, which try every value of a fact).

        >>> Task.from_dict({"id": "t1"}).with_facts({"urgency": "high"}).urgency
        'high'
        """
        return Task(self.id, tuple((k, changes.get(k, v)) for k, v in self.items), self.vocabulary)

    def to_dict(self) -> dict[str, Any]:
        """The task as JSON-ready data: yes/no facts as booleans, lists as lists."""
        yes_no = {spec.name for spec in self.vocabulary.facts if spec.kind == "bool"}
        out: dict[str, Any] = {}
        for name, value in self.items:
            if isinstance(value, tuple):
                out[name] = list(value)
            elif name in yes_no and value in ("true", "false"):
                out[name] = value == "true"
            else:
                out[name] = value
        return out

    @classmethod
    def from_dict(cls, data: Mapping[str, object], vocabulary: Vocabulary | None = None) -> Task:
        """Validate a mapping of facts; see :func:`parse_task`."""
        return parse_task(data, vocabulary)


def as_mapping(data: object) -> object:
    """The facts of a task given as a dataclass, an attrs instance or a pydantic model (anything
    with ``model_dump()``), as a mapping; a mapping or anything else is returned as it is.

    Fields that are None count as not given (they are ``unknown``), so a model whose optional
    fields default to None gives only the facts set on it.

    >>> @dataclasses.dataclass
    ... class Job:
    ...     id: str
    ...     urgency: str | None = None
    >>> as_mapping(Job("t1", "high"))
    {'id': 't1', 'urgency': 'high'}
    """
    if isinstance(data, Mapping | Task):
        return data
    if dataclasses.is_dataclass(data) and not isinstance(data, type):
        return dataclasses.asdict(data)
    if attrs.has(type(data)):
        return attrs.asdict(data)  # type: ignore[arg-type]
    model_dump = getattr(data, "model_dump", None)
    if callable(model_dump):
        # mode="json": enumerations and other types become the plain values a task holds
        dumped = model_dump(mode="json")
        if isinstance(dumped, Mapping):
            return dumped
    return data


def parse_task(
    data: TaskInput,
    vocabulary: Vocabulary | None = None,
    *,
    locate: Callable[[str | None], Location | None] | None = None,
) -> Task:
    """Validate a mapping of facts and return a :class:`Task`.

    ``data`` is a mapping, a :class:`Task`, or a dataclass, attrs instance or pydantic model
    converted by :func:`as_mapping`. Every problem is collected and raised together in one
    :class:`TaskError`: unknown fields (with a suggestion), wrong types, values outside their set;
    each problem names its ``fact``, the ``value`` given and the ``suggestion``. Facts not given
    default to ``unknown``.
    ``locate`` maps a field name (``None`` for the whole task) to its place in a file.

    >>> parse_task({"id": "t1", "urgncy": "high"})
    Traceback (most recent call last):
    ...
    crowdsourcing_rules.errors.TaskError: task 't1' is invalid: 1 problem
      unknown fact 'urgncy'; did you mean 'urgency'?
    """
    vocabulary = vocabulary or default_vocabulary()
    data = as_mapping(data)
    if isinstance(data, Task):
        # Its items as they are: to_dict() would turn a text fact "false" into a boolean.
        data = dict(data.items)
    locate = locate or (lambda _name: None)
    if not isinstance(data, Mapping):
        raise TaskError(
            "a task must be a mapping of facts",
            [Problem(f"expected a mapping of facts, got {type(data).__name__}", locate(None))],
        )
    # Read a copy: the caller's mapping may change while it is read (another thread), and the
    # copy of a dict is taken at once.
    data = dict(data)
    problems: list[Problem] = []
    names = vocabulary.fact_names
    for key in data:
        if not isinstance(key, str) or not vocabulary.has_fact(key):
            message = f"unknown fact {shown(key)}{did_you_mean(key, names)}"
            suggestion = closest(key, names)
            problems.append(Problem(message, locate(str(key)), fact=str(key), value=data[key], suggestion=suggestion))
    items: list[tuple[str, FactValue]] = []
    for spec in vocabulary.facts:
        if spec.name not in data or data[spec.name] is None:
            if spec.required:
                problems.append(Problem(f"missing required fact {spec.name!r}", locate(None), fact=spec.name))
            items.append((spec.name, spec.default))  # type: ignore[arg-type]
            continue
        raw = data[spec.name]
        value, problem = _coerce(spec, raw)
        if problem:
            message, suggestion = problem
            problems.append(Problem(message, locate(spec.name), fact=spec.name, value=raw, suggestion=suggestion))
        items.append((spec.name, value))
    task_id = dict(items).get("id")
    label = f"task {shown(task_id)}" if isinstance(task_id, str) else "task"
    if problems:
        count = f"{len(problems)} problem" + ("s" if len(problems) > 1 else "")
        raise TaskError(f"{label} is invalid: {count}", problems)
    return Task(id=str(task_id), items=tuple(items), vocabulary=vocabulary)


def _coerce(spec: FactSpec, raw: object) -> tuple[FactValue, tuple[str, str | None] | None]:
    """Return the normalised value of one fact, or a message saying what was expected and the
    closest allowed value."""
    name = spec.name
    if spec.kind == "id" and isinstance(raw, float) and raw.is_integer():
        raw = int(raw)  # a whole number, as JSON (and its schemas) see 12345.0: the integer 12345
    if spec.kind == "id" and isinstance(raw, int) and not isinstance(raw, bool):
        # An integer id (a spreadsheet's or a database's) is its decimal text: ``id: 12345`` is
        # the id "12345", as a quoted ``id: "12345"`` is. Quote an id to keep its exact form
        # (``id: "007"``: YAML reads 007 as the integer 7).
        try:
            raw = str(raw)
        except ValueError:  # more digits than Python writes out
            return None, (f"fact {name!r} is an integer too long to be an id", None)
    if spec.kind in ("id", "text"):
        if isinstance(raw, str):
            if spec.kind == "id" and not raw.strip():
                return None, (f"fact {name!r} must not be empty", None)
            if len(raw) > MAX_TEXT:
                return None, (f"fact {name!r} is {len(raw)} characters long; the limit is {MAX_TEXT}", None)
            return raw, None
        return None, (f"fact {name!r} must be text, got {_describe(raw)}", None)
    if spec.kind == "list":
        if isinstance(raw, str) or not isinstance(raw, (list, tuple)):
            return (), (f"fact {name!r} must be a list of text, got {_describe(raw)}", None)
        items = tuple(raw)  # checked and kept as one copy, whatever happens to the list meanwhile
        bad = [item for item in items if not isinstance(item, str)]
        if bad:
            return (), (f"fact {name!r} must be a list of text; item {_describe(bad[0])} is not text", None)
        if any(len(item) > MAX_TEXT for item in items):
            return (), (f"fact {name!r} has an item longer than {MAX_TEXT} characters", None)
        outside = [item for item in items if spec.values and item not in spec.values]
        if outside:
            message = (
                f"fact {name!r} has item {_describe(outside[0])}; expected items of {one_of(spec.values)}"
                f"{did_you_mean(outside[0], spec.values)}"
            )
            return (), (message, closest(outside[0], spec.values))
        return items, None
    # enum and bool: strings from a closed set; booleans accepted for yes/no facts
    value = raw
    if spec.kind == "bool" and isinstance(raw, bool):
        value = "true" if raw else "false"
    if isinstance(value, str) and value in spec.values:
        return value, None
    if isinstance(value, float) and math.isnan(value):
        return UNKNOWN, (f"fact {name!r} is NaN; expected {one_of(spec.values)}", None)
    hint, match = (
        (did_you_mean(value, spec.values), closest(value, spec.values)) if isinstance(value, str) else ("", None)
    )
    return UNKNOWN, (f"fact {name!r} has value {_describe(raw)}; expected {one_of(spec.values)}{hint}", match)


def _describe(value: object) -> str:
    return f"{shown(value)} ({type(value).__name__})"
