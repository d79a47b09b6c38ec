"""Compiled rules as durable-rules rule definitions: pure Python, nothing here imports durable-rules.

Each conjunction of a compiled rule becomes a durable-rules rule ``r<index>_<n>``: a join of
patterns, one on the task fact, one per item test, and, from stratum 1 on, one on a stratum
marker (:func:`rule_definitions`). Values never reach the C engine: :class:`Tokens` replaces each
value a pattern tests by a short token (the C engine reads strings as C strings: a NUL character
or a lone surrogate crashed it). ``engine.durable`` gives these definitions to durable-rules,
through :mod:`.durable_shards`.
"""

from __future__ import annotations

from typing import Any

from crowdsourcing_rules.engine.compiling import CompiledRule, CompiledRules
from crowdsourcing_rules.model.conditions import Conjunction, ItemTest

__all__ = ["NO_MATCH", "Tokens", "rule_definitions", "rule_definitions_of"]

NO_MATCH = "~"  # the token of a value that no pattern tests


class Tokens:
    """Short, safe stand-ins for the values patterns test: durable-rules never sees a user's text."""

    def __init__(self, compiled: CompiledRules) -> None:
        values = sorted({v for r in compiled.rules for c in r.conjunctions for i in c.items for v in (i.values or ())})
        self._tokens = {value: f"v{n}" for n, value in enumerate(values)}

    def __call__(self, value: str) -> str:
        return self._tokens.get(value, NO_MATCH)

    def item(self, item: ItemTest) -> ItemTest:
        if item.values is None:
            return item
        return ItemTest(item.space, item.name, frozenset(self(v) for v in item.values), item.positive)


def _value_pattern(values: frozenset[str] | None) -> list[dict[str, Any]]:
    if values is None:
        return []
    ordered = sorted(values)
    if len(ordered) == 1:
        return [{"value": ordered[0]}]
    return [{"$or": [{"value": v} for v in ordered]}]


def _and(parts: list[dict[str, Any]]) -> dict[str, Any]:
    return parts[0] if len(parts) == 1 else {"$and": parts}


def _task_pattern(conjunction: Conjunction) -> dict[str, Any]:
    parts: list[dict[str, Any]] = [{"kind": "task"}]
    for test in conjunction.task:
        values = sorted(test.values)
        parts.append({test.fact: values[0]} if len(values) == 1 else {"$or": [{test.fact: v} for v in values]})
    return _and(parts)


def _item_pattern(item: ItemTest, excluded: frozenset[str] = frozenset()) -> dict[str, Any]:
    parts = [{"kind": "item"}, {"space": item.space}, {"name": item.name}, *_value_pattern(item.values)]
    parts += [{"$neq": {"value": v}} for v in sorted(excluded)]
    return _and(parts)


# durable-rules binds each fact to at most one pattern of a rule: two positive patterns need two
# distinct facts, and a negated pattern does not see the fact a positive pattern of the same rule
# bound. Our conditions mean "an item exists", so tests on the same item name are rewritten until no
# two of them can need the same fact (the reference engine is the oracle of this equivalence).
Alternative = tuple[tuple[ItemTest, frozenset[str]], ...]


def _implied(values: frozenset[str] | None, others: list[frozenset[str] | None]) -> bool:
    """A positive test of ``values`` holds whenever one of ``others`` (a subset) holds."""
    return any(o is not None and (values is None or o <= values) for o in others)


Values = frozenset[str] | None  # None: any value


def _positives(found: list[Values], settled: frozenset[frozenset[Values]]) -> list[list[Values]]:
    """Alternatives of positive value sets on one name, no two of which can need the same item."""
    kept: list[Values] = []
    for n, values in enumerate(found):
        if values in kept or _implied(values, [o for m, o in enumerate(found) if m != n and o != values]):
            continue
        kept.append(values)
    for n, first in enumerate(kept):
        for second in kept[n + 1 :]:
            pair = frozenset({first, second})
            if first is None or second is None or pair in settled or not (first & second):
                continue
            # Either one item is in both sets, or two distinct items are, one in each.
            rest = [v for v in kept if v not in (first, second)]
            return _positives([*rest, first & second], settled) + _positives(kept, settled | {pair})
    return [kept]


def _item_alternatives(items: tuple[ItemTest, ...]) -> list[Alternative]:
    """The item tests of a conjunction as alternatives whose patterns never need the same fact."""
    groups: dict[tuple[str, str], list[ItemTest]] = {}
    for item in items:
        groups.setdefault((item.space, item.name), []).append(item)
    alternatives: list[Alternative] = [()]
    for (space, name), group in groups.items():
        negatives = [i for i in group if not i.positive]
        positives = [i.values for i in group if i.positive]
        if not positives:
            choices: list[Alternative] = [tuple((i, frozenset()) for i in negatives)]
        elif any(i.values is None for i in negatives):
            return []  # an item exists and no item exists: never holds
        else:
            excluded = frozenset().union(*(i.values for i in negatives if i.values is not None))
            choices = []
            for option in _positives(positives, frozenset()):
                tests: list[tuple[ItemTest, frozenset[str]]] = []
                for values in option:
                    if values is None:
                        tests.append((ItemTest(space, name, None), excluded))
                    elif values - excluded:
                        tests.append((ItemTest(space, name, values - excluded), frozenset()))
                    else:
                        break  # only excluded values would do: this option never holds
                else:
                    choices.append(tuple(tests) + tuple((i, frozenset()) for i in negatives))
        alternatives = [a + c for a in alternatives for c in choices]
    return alternatives


def _patterns(rule: CompiledRule, conjunction: Conjunction, items: Alternative, prefix: str) -> list[dict[str, Any]]:
    patterns: list[dict[str, Any]] = [{f"{prefix}t": _task_pattern(conjunction)}]
    if rule.stratum > 0:
        patterns.append({f"{prefix}s": _and([{"kind": "stratum"}, {"n": rule.stratum}])})
    for position, (item, excluded) in enumerate(items):
        name = f"{prefix}i{position}" + ("" if item.positive else "$not")
        patterns.append({name: _item_pattern(item, excluded)})
    return patterns


def rule_definitions(rule: CompiledRule, tokens: Tokens | None = None) -> list[dict[str, Any]]:
    """A compiled rule as durable-rules rules, one per alternative (none if it can never hold).

    Not one rule with ``any``: a rule whose ``any`` alternatives negate an item kept another rule's
    positive test of that item from ever activating (seen here, found by the differential test).
    With ``tokens``, the values of item tests are replaced by their tokens.
    """
    groups = [
        (c, tuple((tokens.item(i), frozenset(tokens(v) for v in x)) for i, x in items) if tokens else items)
        for c in rule.conjunctions
        for items in _item_alternatives(c.items)
    ]
    return [{"all": _patterns(rule, c, items, "")} for c, items in groups]


def rule_definitions_of(compiled: CompiledRules, tokens: Tokens) -> dict[str, dict[str, Any]]:
    """durable-rules rule r<index>_<n>: alternative n of rule <index> (a rule that never holds has none)."""
    return {
        f"r{rule.index}_{n}": alternative
        for rule in compiled.rules
        for n, alternative in enumerate(rule_definitions(rule, tokens))
    }
