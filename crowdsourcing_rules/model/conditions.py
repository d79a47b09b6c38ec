"""Conditions in normal form: what every engine, the analysis and the explanations reason about.

A rule's condition (tests combined with ``all``, ``any`` and ``not``) becomes a disjunction of
:class:`Conjunction` objects, each made of two kinds of tests:

- a :class:`TaskTest` on one single-valued input fact: the set of values for which it holds (every
  operator, ``at_least``, ``not``... reduces to a set, computed once here);
- an :class:`ItemTest` on facts that come as items: list inputs (one item per element), derived
  facts and resolved outputs: an item of that name (and one of those values) exists, or does not.

>>> from crowdsourcing_rules.model.rules import AllOf, Not, Test
>>> from crowdsourcing_rules.model.vocabulary import default_vocabulary
>>> condition = AllOf((Test("urgency", "at_least", "medium"), Not(Test("budget", "is", "none"))))
>>> [conj] = normal_form(condition, default_vocabulary(), set())
>>> [(test.fact, sorted(test.values)) for test in conj.task]
[('budget', ['high', 'low', 'medium', 'unknown']), ('urgency', ['high', 'medium'])]
"""

from __future__ import annotations

from collections.abc import Iterable

import attrs

from crowdsourcing_rules.model.rules import AllOf, Condition, Not, Test
from crowdsourcing_rules.model.vocabulary import UNKNOWN, Vocabulary

__all__ = [
    "TEXT_DOMAIN",
    "Atom",
    "Conjunction",
    "ItemTest",
    "TaskTest",
    "alternatives",
    "atom",
    "conjunction",
    "domain",
    "merge",
    "negate",
    "normal_form",
    "size",
]

#: The values a free-text fact has for the rules: given or not.
TEXT_DOMAIN = ("known", UNKNOWN)


@attrs.frozen
class TaskTest:
    """A single-valued input fact has one of ``values``."""

    fact: str
    values: frozenset[str]


@attrs.frozen
class ItemTest:
    """An item ``(space, name, value)`` exists (``positive``) or not; ``values`` None: any value."""

    space: str  # "input", "derived" or "output"
    name: str
    values: frozenset[str] | None
    positive: bool = True

    def negated(self) -> ItemTest:
        return attrs.evolve(self, positive=not self.positive)


@attrs.frozen
class Conjunction:
    """Every test holds: task tests by fact (values intersected) and item tests."""

    task: tuple[TaskTest, ...]
    items: tuple[ItemTest, ...]


Atom = TaskTest | ItemTest


def alternatives(condition: Condition | None) -> list[list[tuple[Test, bool]]]:
    """The condition in disjunctive normal form: each alternative lists its tests, each with
    whether it is negated. No condition is one alternative with no test."""
    if condition is None:
        return [[]]
    if isinstance(condition, Test):
        return [[(condition, False)]]
    return _walk(condition, False)


def _walk(node: Condition, negated: bool) -> list[list[tuple[Test, bool]]]:
    if isinstance(node, Test):
        return [[(node, negated)]]
    if isinstance(node, Not):
        return _walk(node.item, not negated)
    parts = [_walk(item, negated) for item in node.items]
    if isinstance(node, AllOf) == negated:  # a disjunction
        return [conj for part in parts for conj in part]
    result: list[list[tuple[Test, bool]]] = [[]]
    for part in parts:
        result = [left + right for left in result for right in part]
    return result


def size(condition: Condition, negated: bool = False, *, limit: int = 1 << 30) -> int:
    """How many alternatives :func:`alternatives` would give, without building them (counting
    stops past ``limit``)."""
    if isinstance(condition, Test):
        return 1
    if isinstance(condition, Not):
        return size(condition.item, not negated, limit=limit)
    sizes = [size(item, negated, limit=limit) for item in condition.items]
    if isinstance(condition, AllOf) != negated:
        total = 1
        for one in sizes:
            total *= one
            if total > limit:
                return total
        return total
    return sum(sizes)


def conjunction(tests: Iterable[tuple[Test, bool]], vocabulary: Vocabulary, derived: set[str]) -> Conjunction:
    """One alternative of :func:`alternatives` as a :class:`Conjunction`."""
    atoms = [
        negate(atom(test, vocabulary, derived), vocabulary) if negated else atom(test, vocabulary, derived)
        for test, negated in tests
    ]
    return merge([a for a in atoms if isinstance(a, TaskTest)], [a for a in atoms if isinstance(a, ItemTest)])


def normal_form(condition: Condition | None, vocabulary: Vocabulary, derived: set[str]) -> list[Conjunction]:
    """The condition as conjunctions, one per alternative (some may never hold).

    ``derived`` names the facts that some rule derives."""
    return [conjunction(tests, vocabulary, derived) for tests in alternatives(condition)]


def merge(task: Iterable[TaskTest], items: Iterable[ItemTest]) -> Conjunction:
    """A conjunction of these tests: task tests of one fact intersected, item tests deduplicated."""
    by_fact: dict[str, frozenset[str]] = {}
    for test in task:
        by_fact[test.fact] = by_fact[test.fact] & test.values if test.fact in by_fact else test.values
    unique_items = tuple(dict.fromkeys(items))
    return Conjunction(tuple(TaskTest(f, v) for f, v in sorted(by_fact.items())), unique_items)


def domain(fact: str, vocabulary: Vocabulary) -> tuple[str, ...]:
    """The values a single-valued input fact can have for the rules (``unknown`` included)."""
    spec = vocabulary.fact(fact)
    return TEXT_DOMAIN if spec.kind in ("text", "id") else spec.values


def negate(test: Atom, vocabulary: Vocabulary) -> Atom:
    """The test that holds exactly when ``test`` does not."""
    if isinstance(test, ItemTest):
        return test.negated()
    return TaskTest(test.fact, frozenset(domain(test.fact, vocabulary)) - test.values)


def atom(test: Test, vocabulary: Vocabulary, derived: set[str]) -> Atom:
    """A test of a rule file as a :class:`TaskTest` or an :class:`ItemTest`."""
    name, op, value = test.fact, test.op, test.value
    if vocabulary.has_fact(name) and vocabulary.fact(name).kind != "list":
        spec = vocabulary.fact(name)
        values = domain(name, vocabulary)
        if op == "known":
            known = frozenset(v for v in values if v != UNKNOWN)
            return TaskTest(name, known if value else frozenset({UNKNOWN}))
        if op in ("is", "in"):
            return TaskTest(name, frozenset(value if isinstance(value, tuple) else (str(value),)))
        if op in ("is_not", "not_in"):
            return TaskTest(name, frozenset(values) - frozenset(value if isinstance(value, tuple) else (str(value),)))
        scale = spec.scale
        position = scale.index(str(value))
        chosen = {
            "at_least": scale[position:],
            "at_most": scale[: position + 1],
            "above": scale[position + 1 :],
            "below": scale[:position],
        }[op]
        return TaskTest(name, frozenset(chosen))
    space = "input" if vocabulary.has_fact(name) else ("output" if vocabulary.has_output(name) else "derived")
    if op == "known":
        return ItemTest(space, name, None, bool(value))
    tested = value if isinstance(value, tuple) else (str(value),)
    if space == "input":  # free-text list items compare without case
        tested = tuple(v.casefold() for v in tested)
    positive = op not in ("is_not", "not_in")
    return ItemTest(space, name, frozenset(tested), positive)
