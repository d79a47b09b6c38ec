"""The grammar of declared facts: a company's own input facts, under ``facts:`` in a rule file.

.. code-block:: yaml

    facts:
      cost_center:
        type: enum
        values: [marketing, legal]
        description: who pays
"""

from __future__ import annotations

import re
from collections.abc import Mapping

from crowdsourcing_rules.errors import Location, did_you_mean, one_of
from crowdsourcing_rules.model.vocabulary import OUTPUT_NAMES, RESERVED_NAMES, UNKNOWN, FactSpec, Vocabulary
from crowdsourcing_rules.rulefiles import yaml_reader
from crowdsourcing_rules.rulefiles.problems import Problems, describe

__all__ = ["FACT_KEYS", "FACT_NAME", "FACT_TYPES", "FactDeclarations"]

FACT_KEYS = ("type", "values", "ordered", "description")
FACT_TYPES = ("enum", "bool", "text", "list")
FACT_NAME = re.compile(r"^[a-z][a-z0-9_]*$")


class FactDeclarations:
    """Reads the ``facts`` of every document; a fact may be declared once across them all."""

    def __init__(self, base: Vocabulary, problems: Problems) -> None:
        self.base = base
        self.problems = problems
        self.locations: dict[str, Location] = {}  # declared facts, across all documents

    def parse_facts(self, facts: object, parent: object, display: str) -> list[FactSpec]:
        if not isinstance(facts, Mapping):
            self.problems.add(
                f"'facts' must be a mapping of fact names, got {describe(facts)}",
                yaml_reader.value_location(parent, "facts", display),
            )
            return []
        specs: list[FactSpec] = []
        for name, body in facts.items():
            where = yaml_reader.key_location(facts, name, display)
            if not isinstance(name, str) or not FACT_NAME.match(name):
                self.problems.add(f"fact name {name!r} must be lower_snake_case", where)
                continue
            if self.base.has_fact(name):
                self.problems.add(f"fact {name!r} is built into the vocabulary and cannot be redeclared", where)
                continue
            if name in OUTPUT_NAMES or name in RESERVED_NAMES:
                self.problems.add(f"{name!r} is reserved and cannot name a fact", where)
                continue
            if name in self.locations:
                self.problems.add(f"fact {name!r} is declared twice; first declared at {self.locations[name]}", where)
                continue
            self.locations[name] = where
            spec = self.parse_fact(name, body, where, display)
            if spec:
                specs.append(spec)
        return specs

    def parse_fact(self, name: str, body: object, where: Location, display: str) -> FactSpec | None:
        if not isinstance(body, Mapping):
            self.problems.add(
                f"fact {name!r} must be a mapping with 'type' (and 'values'), got {describe(body)}", where
            )
            return None
        ok = self.problems.unknown_keys(body, FACT_KEYS, display, within=f"fact {name!r}")
        kind = body.get("type")
        if kind not in FACT_TYPES:
            self.problems.add(
                f"fact {name!r} has type {kind!r}; expected {one_of(FACT_TYPES)}{did_you_mean(kind, FACT_TYPES)}",
                yaml_reader.value_location(body, "type", display) if "type" in body else where,
            )
            return None
        description = body.get("description", "")
        if not isinstance(description, str):
            self.problems.add(
                f"fact {name!r}: 'description' must be text", yaml_reader.value_location(body, "description", display)
            )
            ok = False
        ordered = body.get("ordered", False)
        if not isinstance(ordered, bool):
            self.problems.add(
                f"fact {name!r}: 'ordered' must be true or false", yaml_reader.value_location(body, "ordered", display)
            )
            ok = False
        values: tuple[str, ...] = ()
        if kind == "enum":
            raw_values = body.get("values")
            if (
                not isinstance(raw_values, list)
                or not raw_values
                or not all(isinstance(v, str) and FACT_NAME.match(v) for v in raw_values)
            ):
                self.problems.add(
                    f"fact {name!r}: 'values' must be a non-empty list of lower_snake_case values",
                    yaml_reader.value_location(body, "values", display) if "values" in body else where,
                )
                return None
            if len(set(raw_values)) != len(raw_values):
                self.problems.add(
                    f"fact {name!r}: 'values' lists a value twice", yaml_reader.value_location(body, "values", display)
                )
                ok = False
            values = (*(v for v in raw_values if v != UNKNOWN), UNKNOWN)
        elif "values" in body:
            self.problems.add(
                f"fact {name!r}: only enum facts take 'values'", yaml_reader.key_location(body, "values", display)
            )
            ok = False
        elif kind == "bool":
            values = ("true", "false", UNKNOWN)
        if ordered and kind != "enum":
            self.problems.add(
                f"fact {name!r}: only enum facts can be ordered", yaml_reader.key_location(body, "ordered", display)
            )
            ok = False
        if not ok:
            return None
        return FactSpec(name, kind, description or "", values, ordered=bool(ordered), builtin=False)
