"""A small pure-Python matcher with the same semantics as the durable-rules engine.

It re-checks every rule's compiled condition after each assertion: slower than a Rete network on
large rule sets, but obviously correct, which makes it the oracle for differential tests and the
fallback where durable-rules cannot be imported.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from contextlib import contextmanager

from crowdsourcing_rules.engine.compiling import CompiledRule, CompiledRules
from crowdsourcing_rules.model.conditions import Conjunction

__all__ = ["ReferenceEngine"]


class ReferenceEngine:
    """Matches compiled rules by evaluating their conditions directly."""

    name = "reference"

    def __init__(self, compiled: CompiledRules) -> None:
        self._rules = [r for r in compiled.rules if r.conjunctions]

    def close(self) -> None:
        """Nothing to release."""

    @contextmanager
    def session(self) -> Iterator[_ReferenceSession]:
        yield _ReferenceSession(self._rules)


class _ReferenceSession:
    def __init__(self, rules: list[CompiledRule]) -> None:
        self._rules = rules
        self._task: dict[str, str] | None = None
        self._items: dict[tuple[str, str], set[str]] = {}
        self._strata: set[int] = {0}
        self._reported: set[int] = set()

    def _holds(self, conjunction: Conjunction) -> bool:
        assert self._task is not None
        for test in conjunction.task:
            if self._task.get(test.fact) not in test.values:
                return False
        for item in conjunction.items:
            present = self._items.get((item.space, item.name), set())
            found = bool(present) if item.values is None else not present.isdisjoint(item.values)
            if found != item.positive:
                return False
        return True

    def _match(self) -> list[int]:
        if self._task is None:
            return []
        new = []
        for rule in self._rules:
            if rule.index in self._reported or rule.stratum not in self._strata:
                continue
            if any(self._holds(c) for c in rule.conjunctions):
                self._reported.add(rule.index)
                new.append(rule.index)
        return new

    def _add(self, items: Iterable[tuple[str, str, str]]) -> None:
        for space, name, value in items:
            self._items.setdefault((space, name), set()).add(value)

    def assert_task(self, facts: dict[str, str], items: Iterable[tuple[str, str, str]] = ()) -> list[int]:
        self._add(items)
        self._task = dict(facts)
        return self._match()

    def assert_items(self, items: Iterable[tuple[str, str, str]]) -> list[int]:
        self._add(items)
        return self._match()

    def assert_stratum(self, stratum: int, items: Iterable[tuple[str, str, str]] = ()) -> list[int]:
        self._add(items)
        self._strata.add(stratum)
        return self._match()
