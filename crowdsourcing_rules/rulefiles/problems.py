"""What the readers of rule files share: a collector of located problems, and the words that
describe what was found where something else was expected.

>>> describe(None), describe(True), describe([1]), describe("a long text " * 5)
('nothing', 'boolean true', 'a list', "text 'a long text a long text a long text a lo'")
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from typing import Any

from crowdsourcing_rules.errors import Location, Problem, did_you_mean, one_of
from crowdsourcing_rules.rulefiles import yaml_reader

__all__ = ["Problems", "describe", "located", "problem_order", "scalar_text"]


class Problems:
    """Problems found while reading, in the order found; nothing stops at the first one."""

    def __init__(self, found: list[Problem] | None = None) -> None:
        self.found: list[Problem] = found if found is not None else []

    def add(
        self,
        message: str,
        where: Location | None,
        rule_id: str | None = None,
        *,
        fact: str | None = None,
        value: object = None,
        suggestion: str | None = None,
    ) -> None:
        """Record a problem; ``fact``, ``value`` and ``suggestion`` when a fact is at fault."""
        self.found.append(Problem(message, where, rule_id, fact=fact, value=value, suggestion=suggestion))

    def unknown_keys(
        self,
        mapping: Mapping[Any, object],
        allowed: Sequence[str],
        display: str,
        *,
        within: str | None = None,
        rule_id: str | None = None,
        skip: Collection[str] = (),
    ) -> bool:
        """Report each key of ``mapping`` that is not ``allowed``, with a suggestion; ``within``
        says what the mapping is ("rule", "source"...; None: the top level of a file), ``skip``
        lists keys reported otherwise. True when every key is allowed."""
        ok = True
        for key in mapping:
            if key in allowed or key in skip:
                continue
            what = f"key {key!r} in {within}" if within else f"top-level key {key!r}"
            self.add(
                f"unknown {what}{did_you_mean(key, allowed)}; expected {one_of(allowed)}",
                yaml_reader.key_location(mapping, key, display),
                rule_id,
            )
            ok = False
        return ok

    def choice(
        self, what: str, value: object, allowed: Sequence[str], where: Location | None, rule_id: str | None = None
    ) -> bool:
        """Whether ``value`` is one of ``allowed``; when not, report ``what 'value'``, with a
        suggestion and the values expected."""
        if isinstance(value, str) and value in allowed:
            return True
        self.add(f"{what} {value!r}{did_you_mean(value, allowed)}; expected {one_of(allowed)}", where, rule_id)
        return False

    def integer(self, value: object, what: str, where: Location | None, rule_id: str | None = None) -> int | None:
        """``value`` when it is an integer (true and false are not); else report that ``what``
        must be one, and return None."""
        if isinstance(value, int) and not isinstance(value, bool):
            return value
        self.add(f"{what} must be an integer, got {describe(value)}", where, rule_id)
        return None

    def __len__(self) -> int:
        return len(self.found)

    def sorted(self) -> list[Problem]:
        """By file, line and column."""
        return sorted(self.found, key=problem_order)


def problem_order(problem: Problem) -> tuple[str, int, int]:
    """Problems sort by where they are."""
    where = problem.location or Location("")
    return (where.path, where.line, where.column)


def located(mapping: object, key: str, display: str, fallback: Location) -> Location:
    """Where the value of ``key`` is written, or ``fallback`` when the mapping has no such key."""
    if isinstance(mapping, Mapping) and key in mapping:
        return yaml_reader.value_location(mapping, key, display)
    return fallback


def scalar_text(value: object) -> str | None:
    """A YAML scalar as the text rules compare: booleans become 'true'/'false'."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return str(value)
    return None


def describe(value: object) -> str:
    """What a value is, for a message saying what was expected instead."""
    if value is None:
        return "nothing"
    if isinstance(value, bool):
        return f"boolean {str(value).lower()}"
    if isinstance(value, Mapping):
        return "a mapping"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, str):
        return f"text {value[:40]!r}"
    return f"{type(value).__name__} {value!r}"[:60]
