"""The grammar of conditions: ``when:`` with fact tests combined by ``all``, ``any`` and ``not``.

A test names an input fact, an output or a derived fact, and compares it with an operator
(``is``, ``in``, ``at_least``...); a bare value means ``is``, a bare list ``in``.
"""

from __future__ import annotations

from collections.abc import Mapping

from crowdsourcing_rules.errors import Location, closest, did_you_mean, one_of
from crowdsourcing_rules.model.rules import ORDER_OPS, TEST_OPS, AllOf, AnyOf, Condition, Not, Test
from crowdsourcing_rules.model.vocabulary import COMPUTED, Vocabulary
from crowdsourcing_rules.rulefiles import yaml_reader
from crowdsourcing_rules.rulefiles.problems import Problems, describe, scalar_text

__all__ = ["ConditionReader"]


class ConditionReader:
    """Reads conditions against a vocabulary and the values that rules derive for each fact."""

    def __init__(self, vocabulary: Vocabulary, derived_values: Mapping[str, set[str]], problems: Problems) -> None:
        self.vocabulary = vocabulary
        self.derived_values = derived_values
        self.problems = problems

    def parse_condition(self, raw: object, display: str, where: Location, rule_id: str | None) -> Condition | None:
        if not isinstance(raw, Mapping) or not raw:
            self.problems.add(
                f"a condition must be a non-empty mapping (all/any/not or fact tests), got {describe(raw)}",
                where,
                rule_id,
            )
            return None
        items: list[Condition] = []
        for key, value in raw.items():
            at = yaml_reader.value_location(raw, key, display)
            key_at = yaml_reader.key_location(raw, key, display)
            if key in ("all", "any"):
                if not isinstance(value, list) or not value:
                    self.problems.add(
                        f"'{key}' must be a non-empty list of conditions, got {describe(value)}", at, rule_id
                    )
                    continue
                parts = [
                    self.parse_condition(item, display, yaml_reader.item_location(value, i, display), rule_id)
                    for i, item in enumerate(value)
                ]
                good = tuple(p for p in parts if p is not None)
                if len(good) == len(parts):
                    items.append(AllOf(good) if key == "all" else AnyOf(good))
            elif key == "not":
                part = self.parse_condition(value, display, at, rule_id)
                if part is not None:
                    items.append(Not(part))
            else:
                items.extend(self.parse_fact_tests(key, value, display, key_at, at, rule_id))
        if not items:
            return None
        return items[0] if len(items) == 1 else AllOf(tuple(items))

    def fact_kind(self, name: str) -> str | None:
        """input, output or derived; None when the name is unknown."""
        if self.vocabulary.has_fact(name):
            return "input"
        if self.vocabulary.has_output(name):
            return "output"
        if name in self.derived_values:
            return "derived"
        return None

    def parse_fact_tests(
        self, name: object, raw: object, display: str, key_at: Location, at: Location, rule_id: str | None
    ) -> list[Test]:
        if not isinstance(name, str):
            self.problems.add(f"condition key {name!r} must be a fact name", key_at, rule_id)
            return []
        kind = self.fact_kind(name)
        if kind is None and name in {o.name for o in COMPUTED}:
            self.problems.add(f"{name!r} is computed once the rules have run: no rule can read it", key_at, rule_id)
            return []
        if kind is None:
            names = [
                *self.vocabulary.fact_names,
                *(o.name for o in self.vocabulary.outputs),
                *self.derived_values,
                "all",
                "any",
                "not",
            ]
            self.problems.add(
                f"unknown fact {name!r}{did_you_mean(name, names)} (not an input fact, an output, "
                "or a fact that some rule derives)",
                key_at,
                rule_id,
                fact=name,
                suggestion=closest(name, names),
            )
            return []
        if isinstance(raw, Mapping):
            if not raw:
                self.problems.add(f"test of {name!r} is an empty mapping", at, rule_id)
                return []
            tests = []
            for op, value in raw.items():
                op_at = yaml_reader.key_location(raw, op, display)
                if op not in TEST_OPS:
                    self.problems.add(
                        f"unknown test {op!r} on {name!r}{did_you_mean(op, TEST_OPS)}; expected {one_of(TEST_OPS)}",
                        op_at,
                        rule_id,
                    )
                    continue
                test = self.check_test(name, kind, str(op), value, op_at, rule_id)
                if test:
                    tests.append(test)
            return tests
        op = "in" if isinstance(raw, list) else "is"
        test = self.check_test(name, kind, op, raw, at, rule_id)
        return [test] if test else []

    def check_test(self, name: str, kind: str, op: str, raw: object, at: Location, rule_id: str | None) -> Test | None:
        allowed, is_list, ordered_scale = self.domain(name, kind)
        if kind == "input" and self.vocabulary.fact(name).kind in ("text", "id") and op != "known":
            self.problems.add(f"{name!r} is free text: only 'known' can test it", at, rule_id)
            return None
        if kind == "output" and self.vocabulary.output(name).kind == "text_list" and op != "known":
            self.problems.add(f"{name!r} is a list of free text: only 'known' can test it", at, rule_id)
            return None
        if op == "known":
            if not isinstance(raw, bool):
                self.problems.add(f"'known' on {name!r} takes true or false, got {describe(raw)}", at, rule_id)
                return None
            return Test(name, op, raw, at)
        if op in ("in", "not_in"):
            if not isinstance(raw, list) or not raw:
                self.problems.add(
                    f"'{op}' on {name!r} takes a non-empty list of values, got {describe(raw)}", at, rule_id
                )
                return None
            values = [self.check_value(name, item, allowed, at, rule_id) for item in raw]
            if any(v is None for v in values):
                return None
            return Test(name, op, tuple(v for v in values if v is not None), at)
        value = self.check_value(name, raw, allowed, at, rule_id)
        if value is None:
            return None
        if op in ORDER_OPS:
            if not ordered_scale:
                self.problems.add(f"'{op}' needs an ordered scale, and {name!r} has none", at, rule_id)
                return None
            if value not in ordered_scale:
                self.problems.add(
                    f"'{op}' on {name!r}: {value!r} is not on its scale {list(ordered_scale)}", at, rule_id
                )
                return None
        if op == "contains" and not is_list:
            self.problems.add(
                f"'contains' needs a list fact, and {name!r} holds one value; use 'is' or 'in'", at, rule_id
            )
            return None
        if is_list and op in ("is", "in"):
            op = "contains" if op == "is" else op  # a list 'is' x when it contains x
        return Test(name, op, value, at)

    def domain(self, name: str, kind: str) -> tuple[tuple[str, ...] | None, bool, tuple[str, ...]]:
        """Allowed values (None: any text), whether the fact is a list, and its ordered scale."""
        if kind == "input":
            spec = self.vocabulary.fact(name)
            if spec.kind == "list":
                return spec.values or None, True, ()
            if spec.kind in ("text", "id"):
                return None, False, ()
            return spec.values, False, spec.scale
        if kind == "output":
            out = self.vocabulary.output(name)
            if out.kind == "single":
                return out.values, False, ()
            return (out.values or None), True, ()
        return tuple(sorted(self.derived_values[name])), False, ()

    def check_value(
        self, name: str, raw: object, allowed: tuple[str, ...] | None, at: Location, rule_id: str | None
    ) -> str | None:
        text = scalar_text(raw)
        if text is None:
            self.problems.add(f"value for {name!r} must be text, got {describe(raw)}", at, rule_id)
            return None
        if allowed is not None and text not in allowed:
            self.problems.add(
                f"{name!r} has no value {text!r}; expected {one_of(allowed)}{did_you_mean(text, allowed)}",
                at,
                rule_id,
                fact=name,
                value=text,
                suggestion=closest(text, allowed),
            )
            return None
        return text
