"""The engine interface, and the agenda that decides which activated rule fires next.

An engine does the matching: given facts asserted into a session, it reports which rules became
activated (durable-rules does this with its Rete network). The agenda here does the rest, the same
for every engine: fire the activated rule of highest salience (ties by rule id), assert what it
derives, move to the next stratum when nothing is left to fire.
"""

from __future__ import annotations

import functools
import heapq
from collections.abc import Callable, Iterable, Sequence
from contextlib import AbstractContextManager
from typing import Protocol

from crowdsourcing_rules.engine.compiling import CompiledRule, CompiledRules
from crowdsourcing_rules.engine.resolution import Resolved, resolve
from crowdsourcing_rules.errors import FiringLimitError
from crowdsourcing_rules.model.task import Task
from crowdsourcing_rules.model.vocabulary import UNKNOWN

__all__ = ["DEFAULT_MAX_FIRINGS", "Engine", "Resolver", "Session", "infer", "task_facts"]

DEFAULT_MAX_FIRINGS = 10_000


class Session(Protocol):
    """One task's working memory inside an engine."""

    def assert_task(self, facts: dict[str, str]) -> Iterable[int]:
        """Assert the task's single-valued facts; return the indices of newly activated rules."""

    def assert_item(self, space: str, name: str, value: str) -> Iterable[int]:
        """Assert one item (a list element, a derived fact, a resolved output)."""

    def assert_stratum(self, stratum: int) -> Iterable[int]:
        """Open a stratum: rules placed in it may now be activated."""


class Engine(Protocol):
    """Matches compiled rules against facts."""

    name: str

    def session(self) -> AbstractContextManager[Session]:
        """A fresh session, deleted when the context exits."""

    def close(self) -> None:
        """Release what the engine holds (for durable-rules: the compiled ruleset)."""


def task_facts(compiled: CompiledRules, task: Task) -> tuple[dict[str, str], list[tuple[str, str]]]:
    """What to assert for a task: single-valued facts that rules read, and list items."""
    single: dict[str, str] = {}
    facts = task.facts  # one dict, not one per look-up
    for name in compiled.task_facts:
        value = facts.get(name)
        if name in compiled.text_facts:
            single[name] = "known" if value else UNKNOWN
        else:
            single[name] = str(value) if value is not None else UNKNOWN
    items = [
        (name, value)
        for name in sorted(compiled.list_inputs)
        for value in dict.fromkeys(v.casefold() for v in (facts.get(name) or ()))
    ]
    return single, items


class Resolver:
    """Conflict resolution of fired rules, remembered by the sequence of rules that fired.

    Many tasks of a portfolio fire the same rules in the same order, and :func:`resolve` depends
    on nothing else: a bounded cache (least recently used out) saves most of its cost. The
    :class:`Resolved` values it returns are shared: read them, never change them.
    """

    def __init__(self, compiled: CompiledRules, size: int = 4096) -> None:
        rules = compiled.rules
        self._cached = functools.lru_cache(maxsize=size)(lambda key: resolve([rules[i].rule for i in key]))

    def __call__(self, fired: Sequence[CompiledRule]) -> Resolved:
        return self._cached(tuple(r.index for r in fired))


def _resolve_fired(fired: Sequence[CompiledRule]) -> Resolved:
    return resolve([r.rule for r in fired])


def infer(
    compiled: CompiledRules,
    session: Session,
    task: Task,
    *,
    max_firings: int = DEFAULT_MAX_FIRINGS,
    resolver: Callable[[Sequence[CompiledRule]], Resolved] = _resolve_fired,
) -> tuple[list[CompiledRule], Resolved]:
    """Run the rules on a task; return the fired rules in order and the resolved outputs.

    ``resolver`` resolves the conclusions of fired rules (a :class:`Resolver` caches it).
    """
    rules = compiled.rules
    agenda: list[tuple[tuple[int, int, str], int]] = []
    seen: set[int] = set()  # rules activated at least once: each fires at most once per task
    fired: list[CompiledRule] = []
    asserted: set[tuple[str, str, str]] = set()

    def activate(indices: Iterable[int]) -> None:
        for index in indices:
            if index not in seen:
                seen.add(index)
                heapq.heappush(agenda, (rules[index].agenda_key, index))

    def put(space: str, name: str, value: str) -> None:
        if (space, name, value) not in asserted:
            asserted.add((space, name, value))
            activate(session.assert_item(space, name, value))

    single, items = task_facts(compiled, task)
    # List items first: every condition also matches the task fact, so nothing is activated before
    # the task comes, and then every input is there. The other way round, a rule testing that a
    # list does not contain a value was activated before the value arrived, and fired.
    for name, value in items:
        put("input", name, value)
    activate(session.assert_task(single))
    outputs_read = dict(compiled.outputs_read_by_stratum)
    resolved: Resolved | None = None
    resolved_at = -1  # how many rules had fired when ``resolved`` was computed
    for stratum in compiled.strata:
        if stratum > 0:
            if outputs_read.get(stratum):
                if resolved_at != len(fired):
                    resolved, resolved_at = resolver(fired), len(fired)
                assert resolved is not None
                for output in sorted(outputs_read[stratum]):
                    for value in resolved.items(output):
                        put("output", output, value)
            activate(session.assert_stratum(stratum))
        while agenda and agenda[0][0][0] <= stratum:
            _key, index = heapq.heappop(agenda)
            if len(fired) >= max_firings:
                raise FiringLimitError(
                    max_firings, [r.id for r in fired], [rules[i].id for _k, i in sorted(agenda)] + [rules[index].id]
                )
            rule = rules[index]
            fired.append(rule)
            for conclusion in rule.rule.then:
                if conclusion.kind == "derive" and conclusion.name in compiled.derived_read:
                    put("derived", str(conclusion.name), conclusion.value)
    if resolved is None or resolved_at != len(fired):
        resolved = resolver(fired)
    return fired, resolved
