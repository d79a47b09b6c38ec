"""Reading rule documents into rules: the top level of a rule file, each rule, its source; the
grammars of facts (:mod:`.facts`), conditions (:mod:`.conditions`) and conclusions
(:mod:`.conclusions`) do the rest. Every problem is collected, none stops the reading.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Mapping, Sequence

import attrs

from crowdsourcing_rules.errors import Location, Problem, one_of
from crowdsourcing_rules.model import conditions
from crowdsourcing_rules.model.rules import STATUS_LABELS, Rule, RuleSet, Source
from crowdsourcing_rules.model.vocabulary import FactSpec, Vocabulary
from crowdsourcing_rules.rulefiles import yaml_reader
from crowdsourcing_rules.rulefiles.conclusions import ConclusionReader
from crowdsourcing_rules.rulefiles.conditions import ConditionReader
from crowdsourcing_rules.rulefiles.facts import FactDeclarations
from crowdsourcing_rules.rulefiles.problems import Problems, describe, located, scalar_text

__all__ = [
    "LAYER_KEYS",
    "MAX_DNF",
    "RULE_KEYS",
    "SOURCE_KEY",
    "SOURCE_KEYS",
    "TOP_KEYS",
    "Document",
    "ParsedRule",
    "RuleParser",
]

TOP_KEYS = ("rules", "facts", "metadata")
LAYER_KEYS = ("replace", "disable", "salience")  # only in a policy layer (see crowdsourcing_rules.rulefiles.layers)
RULE_KEYS = ("id", "description", "salience", "when", "then", "source", "metadata")
SOURCE_KEYS = ("citation", "status", "url", "note", "keys")
SOURCE_KEY = re.compile(r"^[a-z0-9][a-z0-9\-]*$")  # a bibliography key: afuah-tucci-2012
RULE_ID = re.compile(r"^[A-Za-z][A-Za-z0-9_.\-]*$")
MAX_DNF = 256  # conjunctions a condition may expand to


@attrs.frozen
class Document:
    """One parsed rule file."""

    display: str
    data: object
    layer: bool = False  # a policy layer's file: may also carry 'replace', 'disable' and 'salience'


@attrs.frozen
class ParsedRule:
    """A rule as read, with the document and section (``rules`` or ``replace``) it comes from."""

    rule: Rule
    document: Document
    section: str


class RuleParser:
    """Turns documents into rules, collecting problems instead of stopping at the first."""

    def __init__(self, vocabulary: Vocabulary, problems: list[Problem]) -> None:
        self.base_vocabulary = vocabulary
        self.vocabulary = vocabulary
        self.problems = Problems(problems)
        self.derived_values: dict[str, set[str]] = defaultdict(set)
        self.facts = FactDeclarations(vocabulary, self.problems)

    @property
    def fact_locations(self) -> Mapping[str, Location]:
        """Where each declared fact is declared."""
        return self.facts.locations

    def parse(self, docs: Sequence[Document]) -> RuleSet:
        parsed: list[Rule] = []
        first_seen: dict[str, Location] = {}
        for entry in self.parse_entries(docs):
            rule = entry.rule
            if rule.id in first_seen:
                self.problems.add(
                    f"duplicate rule id {rule.id!r}; first defined at {first_seen[rule.id]}",
                    rule.location,
                    rule.id,
                )
                continue
            first_seen[rule.id] = rule.location or Location(entry.document.display)
            parsed.append(rule)
        return RuleSet(parsed, self.vocabulary)

    def parse_entries(self, docs: Sequence[Document]) -> list[ParsedRule]:
        """Every valid rule of every document, duplicates included (the caller decides)."""
        tops: list[tuple[Document, Mapping[str, object]]] = []
        for doc in docs:
            data = doc.data
            if data is None:
                self.problems.add("file is empty: expected a mapping with a 'rules' list", Location(doc.display, 1, 1))
                continue
            if not isinstance(data, Mapping):
                self.problems.add(
                    f"expected a mapping with a 'rules' list at the top, got {describe(data)}",
                    yaml_reader.node_location(data, doc.display),
                )
                continue
            allowed = TOP_KEYS + LAYER_KEYS if doc.layer else TOP_KEYS
            misplaced = () if doc.layer else [key for key in data if key in LAYER_KEYS]
            for key in misplaced:
                self.problems.add(
                    f"{key!r} is only allowed in a policy layer, loaded on top of the default rules "
                    "(--policy DIR, or policy=[...] in Python)",
                    yaml_reader.key_location(data, key, doc.display),
                )
            self.problems.unknown_keys(data, allowed, doc.display, skip=misplaced)
            if not any(key in data for key in ("rules", "facts", *(LAYER_KEYS if doc.layer else ()))):
                self.problems.add("missing key 'rules'", yaml_reader.node_location(data, doc.display))
            tops.append((doc, data))
        # Facts first: a rule in any file may use a fact declared in any file.
        new_facts: list[FactSpec] = []
        for doc, data in tops:
            if "facts" in data:
                new_facts.extend(self.facts.parse_facts(data["facts"], data, doc.display))
        self.vocabulary = self.base_vocabulary.extend(new_facts)
        self.conditions = ConditionReader(self.vocabulary, self.derived_values, self.problems)
        self.conclusions = ConclusionReader(self.vocabulary, self.problems, self.conditions.check_value)
        raw_rules: list[tuple[Document, str, Mapping[str, object], Location]] = []
        for doc, data in tops:
            for section in ("rules", "replace") if doc.layer else ("rules",):
                rules = data.get(section, [])
                if not isinstance(rules, list):
                    self.problems.add(
                        f"'{section}' must be a list of rules, got {describe(rules)}",
                        yaml_reader.value_location(data, section, doc.display),
                    )
                    continue
                for index, raw in enumerate(rules):
                    where = yaml_reader.item_location(rules, index, doc.display)
                    if not isinstance(raw, Mapping):
                        self.problems.add(f"a rule must be a mapping, got {describe(raw)}", where)
                        continue
                    raw_rules.append((doc, section, raw, where))
        # Derived facts are those that some rule derives: collect them before reading conditions.
        for doc, _section, raw, _where in raw_rules:
            self.collect_derived(raw, doc.display)
        entries: list[ParsedRule] = []
        for doc, section, raw, where in raw_rules:
            rule = self.parse_rule(raw, doc.display, where)
            if rule is not None:
                entries.append(ParsedRule(rule, doc, section))
        return entries

    def collect_derived(self, raw: Mapping[str, object], display: str) -> None:
        then = raw.get("then")
        if not isinstance(then, list):
            return
        for item in then:
            if isinstance(item, Mapping) and isinstance(item.get("derive"), Mapping):
                for name, value in item["derive"].items():
                    if isinstance(name, str) and scalar_text(value) is not None:
                        self.derived_values[name].add(scalar_text(value))  # type: ignore[arg-type]

    def parse_rule(self, raw: Mapping[str, object], display: str, where: Location) -> Rule | None:
        rule_id = raw.get("id")
        label = rule_id if isinstance(rule_id, str) else None
        before = len(self.problems)
        self.problems.unknown_keys(raw, RULE_KEYS, display, within="rule", rule_id=label)
        if not isinstance(rule_id, str):
            self.problems.add(
                "rule has no 'id' (text)" if rule_id is None else f"rule id must be text, got {describe(rule_id)}",
                where,
            )
        elif not RULE_ID.match(rule_id):
            self.problems.add(
                f"rule id {rule_id!r} must start with a letter and hold only letters, digits, '.', '_', '-'",
                yaml_reader.value_location(raw, "id", display),
                label,
            )
        location = yaml_reader.key_location(raw, "id", display) if "id" in raw else where
        description = raw.get("description")
        if not isinstance(description, str) or not description.strip():
            self.problems.add(
                "rule needs a 'description' (non-empty text)", located(raw, "description", display, where), label
            )
        salience = self.problems.integer(
            raw.get("salience", 0), "'salience'", located(raw, "salience", display, where), label
        )
        condition = None
        if "when" in raw:
            condition = self.conditions.parse_condition(
                raw["when"], display, yaml_reader.value_location(raw, "when", display), label
            )
            if condition is not None and conditions.size(condition, limit=MAX_DNF) > MAX_DNF:
                self.problems.add(
                    f"condition is too complex: it expands to more than {MAX_DNF} alternatives",
                    yaml_reader.value_location(raw, "when", display),
                    label,
                )
        then = self.conclusions.parse_then(
            raw.get("then"), display, located(raw, "then", display, where), label, "then" in raw
        )
        source = self.parse_source(
            raw.get("source"), display, located(raw, "source", display, where), label, "source" in raw
        )
        metadata = raw.get("metadata", {})
        if not isinstance(metadata, Mapping):
            self.problems.add(
                "'metadata' must be a mapping", yaml_reader.value_location(raw, "metadata", display), label
            )
            metadata = {}
        if len(self.problems) > before or source is None or not isinstance(rule_id, str):
            return None
        return Rule(
            id=rule_id,
            description=" ".join(str(description).split()),
            then=tuple(then),
            source=source,
            when=condition,
            salience=salience or 0,
            location=location,
            metadata=yaml_reader.plain(metadata, text_keys=True),
        )

    def parse_source(
        self, raw: object, display: str, where: Location, rule_id: str | None, present: bool
    ) -> Source | None:
        if not present:
            self.problems.add("rule needs a 'source' with 'citation' and 'status'", where, rule_id)
            return None
        if not isinstance(raw, Mapping):
            self.problems.add(
                f"'source' must be a mapping with 'citation' and 'status', got {describe(raw)}", where, rule_id
            )
            return None
        ok = self.problems.unknown_keys(raw, SOURCE_KEYS, display, within="source", rule_id=rule_id)
        citation = raw.get("citation")
        if not isinstance(citation, str) or not citation.strip():
            self.problems.add(
                "source needs a 'citation' (non-empty text)", located(raw, "citation", display, where), rule_id
            )
            ok = False
        status = raw.get("status")
        if not isinstance(status, str) or status not in STATUS_LABELS:  # a list or mapping is unhashable
            self.problems.add(
                f"source status {status!r} is not a status label; expected {one_of(STATUS_LABELS)} "
                "(verified, secondary, inference, unverified, card)",
                located(raw, "status", display, where),
                rule_id,
            )
            ok = False
        for key in ("url", "note"):
            if key in raw and not isinstance(raw[key], str):
                self.problems.add(
                    f"source {key!r} must be text", yaml_reader.value_location(raw, key, display), rule_id
                )
                ok = False
        keys = raw.get("keys", [])
        if not isinstance(keys, list) or not all(isinstance(k, str) and SOURCE_KEY.match(k) for k in keys):
            self.problems.add(
                "source 'keys' must be a list of bibliography keys (lower-case letters, digits and '-', "
                f"e.g. afuah-tucci-2012), got {describe(keys)}",
                yaml_reader.value_location(raw, "keys", display),
                rule_id,
            )
            ok = False
        if not ok:
            return None
        return Source(str(citation).strip(), str(status), raw.get("url"), raw.get("note"), tuple(keys))
