"""Rules as values: conditions, conclusions, sources, and the set of rules an advisor runs.

These classes are what a rule file becomes once loaded (see :mod:`crowdsourcing_rules.rulefiles.loading`).
They hold no engine state and can be pickled, compared and hashed.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from typing import Any, Literal

import attrs

from crowdsourcing_rules.errors import Location
from crowdsourcing_rules.model.vocabulary import Vocabulary, default_vocabulary

__all__ = [
    "AllOf",
    "AnyOf",
    "Conclusion",
    "Condition",
    "Not",
    "Rule",
    "RuleSet",
    "Source",
    "Test",
]

TestOp = Literal["is", "is_not", "in", "not_in", "at_least", "at_most", "above", "below", "contains", "known"]
TEST_OPS: tuple[str, ...] = (
    "is",
    "is_not",
    "in",
    "not_in",
    "at_least",
    "at_most",
    "above",
    "below",
    "contains",
    "known",
)
ORDER_OPS = ("at_least", "at_most", "above", "below")
ConclusionKind = Literal["set", "add", "remove", "derive", "risk", "condition", "plan"]
CONCLUSION_KINDS: tuple[str, ...] = ("set", "add", "remove", "derive", "risk", "condition", "plan")
STATUS_LABELS = {"V": "verified", "S": "secondary", "I": "inference", "U": "unverified", "B": "card"}


@attrs.frozen
class Test:
    """A test of one fact: ``urgency at_least medium``.

    ``value`` is a string, a tuple of strings (``in``/``not_in``) or a boolean (``known``).
    """

    __test__ = False  # not a pytest test class, whatever its name

    fact: str
    op: str
    value: str | tuple[str, ...] | bool
    location: Location | None = attrs.field(default=None, eq=False, repr=False)

    def describe(self) -> str:
        value = self.value
        if isinstance(value, tuple):
            shown = "[" + ", ".join(value) + "]"
        elif isinstance(value, bool):
            shown = "true" if value else "false"
        else:
            shown = value
        return f"{self.fact} {self.op} {shown}"


@attrs.frozen
class AllOf:
    """Every condition holds (an empty ``AllOf`` always holds)."""

    items: tuple[Condition, ...]

    def describe(self) -> str:
        return "(" + " and ".join(c.describe() for c in self.items) + ")" if self.items else "always"


@attrs.frozen
class AnyOf:
    """At least one condition holds."""

    items: tuple[Condition, ...]

    def describe(self) -> str:
        return "(" + " or ".join(c.describe() for c in self.items) + ")"


@attrs.frozen
class Not:
    """The condition does not hold."""

    item: Condition

    def describe(self) -> str:
        return f"not {self.item.describe()}"


Condition = Test | AllOf | AnyOf | Not


def iter_tests(condition: Condition | None) -> Iterator[Test]:
    """Every :class:`Test` in a condition, in order."""
    if condition is None:
        return
    if isinstance(condition, Test):
        yield condition
    elif isinstance(condition, Not):
        yield from iter_tests(condition.item)
    else:
        for item in condition.items:
            yield from iter_tests(item)


@attrs.frozen
class Conclusion:
    """One item of a rule's ``then``.

    ``name`` is the output (``set``, ``add``, ``remove``), the derived fact (``derive``) or the risk
    id (``risk``); ``value`` the value, step or condition text; ``note`` the reason given with a
    service type an ``add`` lists (it becomes the recommendation's ``service_notes``).
    """

    kind: str
    name: str | None
    value: str
    severity: str | None = None
    mitigations: tuple[str, ...] = ()
    order: int = 50
    note: str | None = None
    location: Location | None = attrs.field(default=None, eq=False, repr=False)

    def describe(self) -> str:
        if self.kind == "risk":
            return f"risk {self.name} ({self.severity})"
        if self.kind in ("condition", "plan"):
            return f"{self.kind}: {self.value}"
        return f"{self.kind} {self.name} = {self.value}"


def _keys(value: Iterable[str]) -> tuple[str, ...]:
    return tuple(value)


@attrs.frozen
class Source:
    """Where a rule comes from, and how firm the claim it rests on is.

    ``keys`` name entries of a bibliography (the shipped rules cite ``docs/sources.md``).
    """

    citation: str
    status: str
    url: str | None = None
    note: str | None = None
    keys: tuple[str, ...] = attrs.field(converter=_keys, default=())

    def to_dict(self) -> dict[str, Any]:
        """The JSON form: citation and status, and url, note and keys when given."""
        data: dict[str, Any] = {"citation": self.citation, "status": self.status}
        data.update({key: value for key in ("url", "note") if (value := getattr(self, key))})
        if self.keys:
            data["keys"] = list(self.keys)
        return data

    @property
    def status_label(self) -> str:
        return STATUS_LABELS.get(self.status, self.status)

    def __str__(self) -> str:
        return f"{self.citation} [{self.status}]"


@attrs.frozen
class Rule:
    """A rule: when its condition holds for a task, its conclusions are drawn."""

    id: str
    description: str
    then: tuple[Conclusion, ...]
    source: Source
    when: Condition | None = None
    salience: int = 0
    location: Location | None = attrs.field(default=None, eq=False)
    metadata: Mapping[str, object] = attrs.field(factory=dict, eq=False, hash=False, repr=False)

    @property
    def tests(self) -> tuple[Test, ...]:
        return tuple(iter_tests(self.when))


def _sorted_by_id(rules: Iterable[Rule]) -> tuple[Rule, ...]:
    return tuple(sorted(rules, key=lambda rule: rule.id))


@attrs.frozen
class RuleSet:
    """Rules and the vocabulary they were validated against, in a canonical order.

    Rules are kept sorted by id so that nothing downstream depends on the order of files or of
    rules inside them.
    """

    rules: tuple[Rule, ...] = attrs.field(converter=_sorted_by_id)
    vocabulary: Vocabulary = attrs.field(factory=default_vocabulary)

    def __len__(self) -> int:
        return len(self.rules)

    def __iter__(self) -> Iterator[Rule]:
        return iter(self.rules)

    def rule(self, rule_id: str) -> Rule:
        for rule in self.rules:
            if rule.id == rule_id:
                return rule
        raise KeyError(rule_id)
