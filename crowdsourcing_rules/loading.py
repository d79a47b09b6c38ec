"""Reading rule files: YAML to :class:`~crowdsourcing_rules.rules.RuleSet`, with every problem located.

Loading collects all problems of all files before raising one :class:`RuleFileError`, so a user
fixes everything in one pass. Nothing in a file is evaluated: values are data, tags are refused.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path

import attrs

from crowdsourcing_rules import _yaml
from crowdsourcing_rules._suggest import did_you_mean, one_of
from crowdsourcing_rules.errors import Location, Problem, RuleFileError
from crowdsourcing_rules.rules import (
    CONCLUSION_KINDS,
    ORDER_OPS,
    STATUS_LABELS,
    TEST_OPS,
    AllOf,
    AnyOf,
    Conclusion,
    Condition,
    Not,
    Rule,
    RuleSet,
    Source,
    Test,
)
from crowdsourcing_rules.vocabulary import (
    OUTPUT_NAMES,
    RESERVED_NAMES,
    SEVERITIES,
    UNKNOWN,
    FactSpec,
    Vocabulary,
    default_vocabulary,
)

__all__ = ["RULE_FILE_SUFFIXES", "expand_paths", "load_rules", "parse_rule_documents"]

RULE_FILE_SUFFIXES = (".yaml", ".yml", ".json")
CASE_FILE_SUFFIXES = (".cases.yaml", ".cases.yml")  # decision cases live beside rule files
TOP_KEYS = ("rules", "facts", "metadata")
LAYER_KEYS = ("replace", "disable", "salience")  # only in a policy layer (see crowdsourcing_rules.layers)
RULE_KEYS = ("id", "description", "salience", "when", "then", "source", "metadata")
SOURCE_KEYS = ("citation", "status", "url", "note")
RISK_KEYS = ("id", "severity", "mitigations")
PLAN_KEYS = ("step", "order")
FACT_KEYS = ("type", "values", "ordered", "description")
FACT_TYPES = ("enum", "bool", "text", "list")
RULE_ID = re.compile(r"^[A-Za-z][A-Za-z0-9_.\-]*$")
FACT_NAME = re.compile(r"^[a-z][a-z0-9_]*$")
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


def expand_paths(paths: Iterable[str | Path]) -> tuple[list[Path], list[Problem]]:
    """Files to read: files as given, directories searched recursively, in a stable order."""
    files: list[Path] = []
    problems: list[Problem] = []
    for raw in paths:
        path = Path(raw)
        if path.is_dir():
            found = sorted(
                p
                for p in path.rglob("*")
                if p.is_file()
                and p.suffix in RULE_FILE_SUFFIXES
                and not p.name.endswith(CASE_FILE_SUFFIXES)
                and not any(part.startswith(".") for part in p.relative_to(path).parts)
            )
            if not found:
                problems.append(Problem("directory holds no rule files (*.yaml, *.yml, *.json)", Location(str(path))))
            files.extend(found)
        elif path.is_file():
            files.append(path)
        else:
            problems.append(Problem("no such file or directory", Location(str(path))))
    unique: list[Path] = []
    seen: set[Path] = set()
    for file in files:
        key = file.resolve()
        if key not in seen:
            seen.add(key)
            unique.append(file)
    return unique, problems


def load_rules(paths: Iterable[str | Path], *, vocabulary: Vocabulary | None = None) -> RuleSet:
    """Load and validate rule files and directories.

    Directories are searched recursively for ``*.yaml``, ``*.yml`` and ``*.json`` files
    (``*.cases.yaml`` files hold decision cases and are skipped). Raises :class:`RuleFileError`
    listing every problem in every file.
    """
    files, problems = expand_paths(paths)
    documents: list[Document] = []
    for file in files:
        display = _yaml.display_path(file)
        try:
            documents.append(Document(display, _yaml.parse(_yaml.read_text(file, display), display)))
        except _yaml.YamlProblems as error:
            problems.extend(error.problems)
    return parse_rule_documents(documents, vocabulary=vocabulary, problems=problems)


def parse_rule_documents(
    documents: Sequence[Document] | Sequence[tuple[str, str]],
    *,
    vocabulary: Vocabulary | None = None,
    problems: list[Problem] | None = None,
) -> RuleSet:
    """Validate parsed documents (or ``(name, yaml_text)`` pairs) into a :class:`RuleSet`."""
    problems = list(problems or [])
    docs: list[Document] = []
    for doc in documents:
        if isinstance(doc, Document):
            docs.append(doc)
            continue
        name, text = doc
        try:
            docs.append(Document(name, _yaml.parse(text, name)))
        except _yaml.YamlProblems as error:
            problems.extend(error.problems)
    parser = _Parser(vocabulary or default_vocabulary(), problems)
    ruleset = parser.parse(docs)
    if parser.problems:
        count = len(parser.problems)
        summary = f"{count} problem{'s' if count > 1 else ''} in rule files"
        raise RuleFileError(summary, sorted(parser.problems, key=_problem_order))
    return ruleset


def _problem_order(problem: Problem) -> tuple[str, int, int]:
    where = problem.location or Location("")
    return (where.path, where.line, where.column)


class _Parser:
    """Turns documents into rules, collecting problems instead of stopping at the first."""

    def __init__(self, vocabulary: Vocabulary, problems: list[Problem]) -> None:
        self.base_vocabulary = vocabulary
        self.vocabulary = vocabulary
        self.problems = problems
        self.derived_values: dict[str, set[str]] = defaultdict(set)
        self.fact_locations: dict[str, Location] = {}  # declared facts, across all documents

    def problem(self, message: str, where: Location | None, rule_id: str | None = None) -> None:
        self.problems.append(Problem(message, where, rule_id))

    # -- documents -------------------------------------------------------------------------

    def parse(self, docs: Sequence[Document]) -> RuleSet:
        parsed: list[Rule] = []
        first_seen: dict[str, Location] = {}
        for entry in self.parse_entries(docs):
            rule = entry.rule
            if rule.id in first_seen:
                self.problem(
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
                self.problem("file is empty: expected a mapping with a 'rules' list", Location(doc.display, 1, 1))
                continue
            if not isinstance(data, Mapping):
                self.problem(
                    f"expected a mapping with a 'rules' list at the top, got {_kind(data)}",
                    _yaml.node_location(data, doc.display),
                )
                continue
            allowed = TOP_KEYS + LAYER_KEYS if doc.layer else TOP_KEYS
            for key in data:
                if key in LAYER_KEYS and not doc.layer:
                    self.problem(
                        f"{key!r} is only allowed in a policy layer, loaded on top of the default rules "
                        "(--policy DIR, or policy=[...] in Python)",
                        _yaml.key_location(data, key, doc.display),
                    )
                elif key not in allowed:
                    self.problem(
                        f"unknown top-level key {key!r}{did_you_mean(key, allowed)}; expected {one_of(allowed)}",
                        _yaml.key_location(data, key, doc.display),
                    )
            if not any(key in data for key in ("rules", "facts", *(LAYER_KEYS if doc.layer else ()))):
                self.problem("missing key 'rules'", _yaml.node_location(data, doc.display))
            tops.append((doc, data))
        # Facts first: a rule in any file may use a fact declared in any file.
        new_facts: list[FactSpec] = []
        for doc, data in tops:
            if "facts" in data:
                new_facts.extend(self.parse_facts(data["facts"], data, doc.display))
        self.vocabulary = self.base_vocabulary.extend(new_facts)
        raw_rules: list[tuple[Document, str, Mapping[str, object], Location]] = []
        for doc, data in tops:
            for section in ("rules", "replace") if doc.layer else ("rules",):
                rules = data.get(section, [])
                if not isinstance(rules, list):
                    self.problem(
                        f"'{section}' must be a list of rules, got {_kind(rules)}",
                        _yaml.value_location(data, section, doc.display),
                    )
                    continue
                for index, raw in enumerate(rules):
                    where = _yaml.item_location(rules, index, doc.display)
                    if not isinstance(raw, Mapping):
                        self.problem(f"a rule must be a mapping, got {_kind(raw)}", where)
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

    # -- declared facts --------------------------------------------------------------------

    def parse_facts(self, facts: object, parent: object, display: str) -> list[FactSpec]:
        if not isinstance(facts, Mapping):
            self.problem(
                f"'facts' must be a mapping of fact names, got {_kind(facts)}",
                _yaml.value_location(parent, "facts", display),
            )
            return []
        specs: list[FactSpec] = []
        for name, body in facts.items():
            where = _yaml.key_location(facts, name, display)
            if not isinstance(name, str) or not FACT_NAME.match(name):
                self.problem(f"fact name {name!r} must be lower_snake_case", where)
                continue
            if self.base_vocabulary.has_fact(name):
                self.problem(f"fact {name!r} is built into the vocabulary and cannot be redeclared", where)
                continue
            if name in OUTPUT_NAMES or name in RESERVED_NAMES:
                self.problem(f"{name!r} is reserved and cannot name a fact", where)
                continue
            if name in self.fact_locations:
                self.problem(f"fact {name!r} is declared twice; first declared at {self.fact_locations[name]}", where)
                continue
            self.fact_locations[name] = where
            spec = self.parse_fact(name, body, where, display)
            if spec:
                specs.append(spec)
        return specs

    def parse_fact(self, name: str, body: object, where: Location, display: str) -> FactSpec | None:
        if not isinstance(body, Mapping):
            self.problem(f"fact {name!r} must be a mapping with 'type' (and 'values'), got {_kind(body)}", where)
            return None
        ok = True
        for key in body:
            if key not in FACT_KEYS:
                self.problem(
                    f"unknown key {key!r} in fact {name!r}{did_you_mean(key, FACT_KEYS)}; expected {one_of(FACT_KEYS)}",
                    _yaml.key_location(body, key, display),
                )
                ok = False
        kind = body.get("type")
        if kind not in FACT_TYPES:
            self.problem(
                f"fact {name!r} has type {kind!r}; expected {one_of(FACT_TYPES)}{did_you_mean(kind, FACT_TYPES)}",
                _yaml.value_location(body, "type", display) if "type" in body else where,
            )
            return None
        description = body.get("description", "")
        if not isinstance(description, str):
            self.problem(
                f"fact {name!r}: 'description' must be text", _yaml.value_location(body, "description", display)
            )
            ok = False
        ordered = body.get("ordered", False)
        if not isinstance(ordered, bool):
            self.problem(
                f"fact {name!r}: 'ordered' must be true or false", _yaml.value_location(body, "ordered", display)
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
                self.problem(
                    f"fact {name!r}: 'values' must be a non-empty list of lower_snake_case values",
                    _yaml.value_location(body, "values", display) if "values" in body else where,
                )
                return None
            if len(set(raw_values)) != len(raw_values):
                self.problem(
                    f"fact {name!r}: 'values' lists a value twice", _yaml.value_location(body, "values", display)
                )
                ok = False
            values = (*(v for v in raw_values if v != UNKNOWN), UNKNOWN)
        elif "values" in body:
            self.problem(f"fact {name!r}: only enum facts take 'values'", _yaml.key_location(body, "values", display))
            ok = False
        elif kind == "bool":
            values = ("true", "false", UNKNOWN)
        if ordered and kind != "enum":
            self.problem(f"fact {name!r}: only enum facts can be ordered", _yaml.key_location(body, "ordered", display))
            ok = False
        if not ok:
            return None
        return FactSpec(name, kind, description or "", values, ordered=bool(ordered), builtin=False)

    # -- rules -----------------------------------------------------------------------------

    def collect_derived(self, raw: Mapping[str, object], display: str) -> None:
        then = raw.get("then")
        if not isinstance(then, list):
            return
        for item in then:
            if isinstance(item, Mapping) and isinstance(item.get("derive"), Mapping):
                for name, value in item["derive"].items():
                    if isinstance(name, str) and _scalar_text(value) is not None:
                        self.derived_values[name].add(_scalar_text(value))  # type: ignore[arg-type]

    def parse_rule(self, raw: Mapping[str, object], display: str, where: Location) -> Rule | None:
        rule_id = raw.get("id")
        label = rule_id if isinstance(rule_id, str) else None
        before = len(self.problems)
        for key in raw:
            if key not in RULE_KEYS:
                self.problem(
                    f"unknown key {key!r} in rule{did_you_mean(key, RULE_KEYS)}; expected {one_of(RULE_KEYS)}",
                    _yaml.key_location(raw, key, display),
                    label,
                )
        if not isinstance(rule_id, str):
            self.problem(
                "rule has no 'id' (text)" if rule_id is None else f"rule id must be text, got {_kind(rule_id)}", where
            )
        elif not RULE_ID.match(rule_id):
            self.problem(
                f"rule id {rule_id!r} must start with a letter and hold only letters, digits, '.', '_', '-'",
                _yaml.value_location(raw, "id", display),
                label,
            )
        location = _yaml.key_location(raw, "id", display) if "id" in raw else where
        description = raw.get("description")
        if not isinstance(description, str) or not description.strip():
            self.problem("rule needs a 'description' (non-empty text)", _loc(raw, "description", display, where), label)
        salience = raw.get("salience", 0)
        if isinstance(salience, bool) or not isinstance(salience, int):
            self.problem(
                f"'salience' must be an integer, got {_kind(salience)}", _loc(raw, "salience", display, where), label
            )
            salience = 0
        condition = None
        if "when" in raw:
            condition = self.parse_condition(raw["when"], display, _yaml.value_location(raw, "when", display), label)
            if condition is not None and _dnf_size(condition) > MAX_DNF:
                self.problem(
                    f"condition is too complex: it expands to more than {MAX_DNF} alternatives",
                    _yaml.value_location(raw, "when", display),
                    label,
                )
        then = self.parse_then(raw.get("then"), display, _loc(raw, "then", display, where), label, "then" in raw)
        source = self.parse_source(
            raw.get("source"), display, _loc(raw, "source", display, where), label, "source" in raw
        )
        metadata = raw.get("metadata", {})
        if not isinstance(metadata, Mapping):
            self.problem("'metadata' must be a mapping", _yaml.value_location(raw, "metadata", display), label)
            metadata = {}
        if len(self.problems) > before or source is None or not isinstance(rule_id, str):
            return None
        return Rule(
            id=rule_id,
            description=" ".join(str(description).split()),
            then=tuple(then),
            source=source,
            when=condition,
            salience=salience,
            location=location,
            metadata=_plain(metadata),  # type: ignore[arg-type]
        )

    def parse_source(
        self, raw: object, display: str, where: Location, rule_id: str | None, present: bool
    ) -> Source | None:
        if not present:
            self.problem("rule needs a 'source' with 'citation' and 'status'", where, rule_id)
            return None
        if not isinstance(raw, Mapping):
            self.problem(f"'source' must be a mapping with 'citation' and 'status', got {_kind(raw)}", where, rule_id)
            return None
        ok = True
        for key in raw:
            if key not in SOURCE_KEYS:
                self.problem(
                    f"unknown key {key!r} in source{did_you_mean(key, SOURCE_KEYS)}; expected {one_of(SOURCE_KEYS)}",
                    _yaml.key_location(raw, key, display),
                    rule_id,
                )
                ok = False
        citation = raw.get("citation")
        if not isinstance(citation, str) or not citation.strip():
            self.problem("source needs a 'citation' (non-empty text)", _loc(raw, "citation", display, where), rule_id)
            ok = False
        status = raw.get("status")
        if not isinstance(status, str) or status not in STATUS_LABELS:  # a list or mapping is unhashable
            self.problem(
                f"source status {status!r} is not a status label; expected {one_of(STATUS_LABELS)} "
                "(verified, secondary, inference, unverified, card)",
                _loc(raw, "status", display, where),
                rule_id,
            )
            ok = False
        for key in ("url", "note"):
            if key in raw and not isinstance(raw[key], str):
                self.problem(f"source {key!r} must be text", _yaml.value_location(raw, key, display), rule_id)
                ok = False
        if not ok:
            return None
        return Source(str(citation).strip(), str(status), raw.get("url"), raw.get("note"))

    # -- conditions ------------------------------------------------------------------------

    def parse_condition(self, raw: object, display: str, where: Location, rule_id: str | None) -> Condition | None:
        if not isinstance(raw, Mapping) or not raw:
            self.problem(
                f"a condition must be a non-empty mapping (all/any/not or fact tests), got {_kind(raw)}",
                where,
                rule_id,
            )
            return None
        items: list[Condition] = []
        for key, value in raw.items():
            at = _yaml.value_location(raw, key, display)
            key_at = _yaml.key_location(raw, key, display)
            if key in ("all", "any"):
                if not isinstance(value, list) or not value:
                    self.problem(f"'{key}' must be a non-empty list of conditions, got {_kind(value)}", at, rule_id)
                    continue
                parts = [
                    self.parse_condition(item, display, _yaml.item_location(value, i, display), rule_id)
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
            self.problem(f"condition key {name!r} must be a fact name", key_at, rule_id)
            return []
        kind = self.fact_kind(name)
        if kind is None:
            names = [
                *self.vocabulary.fact_names,
                *(o.name for o in self.vocabulary.outputs),
                *self.derived_values,
                "all",
                "any",
                "not",
            ]
            self.problem(
                f"unknown fact {name!r}{did_you_mean(name, names)} (not an input fact, an output, "
                "or a fact that some rule derives)",
                key_at,
                rule_id,
            )
            return []
        if isinstance(raw, Mapping):
            if not raw:
                self.problem(f"test of {name!r} is an empty mapping", at, rule_id)
                return []
            tests = []
            for op, value in raw.items():
                op_at = _yaml.key_location(raw, op, display)
                if op not in TEST_OPS:
                    self.problem(
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
            self.problem(f"{name!r} is free text: only 'known' can test it", at, rule_id)
            return None
        if kind == "output" and self.vocabulary.output(name).kind == "text_list" and op != "known":
            self.problem(f"{name!r} is a list of free text: only 'known' can test it", at, rule_id)
            return None
        if op == "known":
            if not isinstance(raw, bool):
                self.problem(f"'known' on {name!r} takes true or false, got {_kind(raw)}", at, rule_id)
                return None
            return Test(name, op, raw, at)
        if op in ("in", "not_in"):
            if not isinstance(raw, list) or not raw:
                self.problem(f"'{op}' on {name!r} takes a non-empty list of values, got {_kind(raw)}", at, rule_id)
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
                self.problem(f"'{op}' needs an ordered scale, and {name!r} has none", at, rule_id)
                return None
            if value not in ordered_scale:
                self.problem(f"'{op}' on {name!r}: {value!r} is not on its scale {list(ordered_scale)}", at, rule_id)
                return None
        if op == "contains" and not is_list:
            self.problem(f"'contains' needs a list fact, and {name!r} holds one value; use 'is' or 'in'", at, rule_id)
            return None
        if is_list and op in ("is", "in"):
            op = "contains" if op == "is" else op  # a list 'is' x when it contains x
        return Test(name, op, value, at)

    def domain(self, name: str, kind: str) -> tuple[tuple[str, ...] | None, bool, tuple[str, ...]]:
        """Allowed values (None: any text), whether the fact is a list, and its ordered scale."""
        if kind == "input":
            spec = self.vocabulary.fact(name)
            if spec.kind == "list":
                return None, True, ()
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
        text = _scalar_text(raw)
        if text is None:
            self.problem(f"value for {name!r} must be text, got {_kind(raw)}", at, rule_id)
            return None
        if allowed is not None and text not in allowed:
            self.problem(
                f"{name!r} has no value {text!r}; expected {one_of(allowed)}{did_you_mean(text, allowed)}",
                at,
                rule_id,
            )
            return None
        return text

    # -- conclusions -----------------------------------------------------------------------

    def parse_then(
        self, raw: object, display: str, where: Location, rule_id: str | None, present: bool
    ) -> list[Conclusion]:
        if not present:
            self.problem("rule needs 'then', a non-empty list of conclusions", where, rule_id)
            return []
        if not isinstance(raw, list) or not raw:
            self.problem(f"'then' must be a non-empty list of conclusions, got {_kind(raw)}", where, rule_id)
            return []
        out: list[Conclusion] = []
        for index, item in enumerate(raw):
            at = _yaml.item_location(raw, index, display)
            if not isinstance(item, Mapping) or len(item) != 1:
                self.problem(
                    f"a conclusion is a mapping with one key ({one_of(CONCLUSION_KINDS)}), got {_kind(item)}",
                    at,
                    rule_id,
                )
                continue
            ((kind, body),) = item.items()
            body_at = _yaml.value_location(item, kind, display)
            if kind not in CONCLUSION_KINDS:
                self.problem(
                    f"unknown conclusion {kind!r}{did_you_mean(kind, CONCLUSION_KINDS)}; "
                    f"expected {one_of(CONCLUSION_KINDS)}",
                    _yaml.key_location(item, kind, display),
                    rule_id,
                )
                continue
            out.extend(getattr(self, f"conclude_{kind}")(body, display, body_at, rule_id))
        settled: dict[str, Conclusion] = {}
        for conclusion in out:
            if conclusion.kind != "set" or conclusion.name is None:
                continue
            first = settled.setdefault(conclusion.name, conclusion)
            if first.value != conclusion.value:
                self.problem(
                    f"this rule sets {conclusion.name!r} twice, to {first.value!r} and to {conclusion.value!r}",
                    conclusion.location,
                    rule_id,
                )
        return out

    def _pairs(
        self, kind: str, body: object, display: str, at: Location, rule_id: str | None
    ) -> list[tuple[str, object, Location]]:
        if not isinstance(body, Mapping) or not body:
            self.problem(f"'{kind}' takes a mapping of names to values, got {_kind(body)}", at, rule_id)
            return []
        return [(str(name), value, _yaml.key_location(body, name, display)) for name, value in body.items()]

    def conclude_set(self, body: object, display: str, at: Location, rule_id: str | None) -> list[Conclusion]:
        out = []
        for name, value, where in self._pairs("set", body, display, at, rule_id):
            singles = [o.name for o in self.vocabulary.outputs if o.kind == "single"]
            if name not in singles:
                hint = (
                    " (use 'add' for list outputs)"
                    if self.vocabulary.has_output(str(name))
                    else did_you_mean(name, singles)
                )
                self.problem(f"'set' cannot set {name!r}{hint}; expected {one_of(singles)}", where, rule_id)
                continue
            text = self.check_value(name, value, self.vocabulary.output(name).values, where, rule_id)
            if text is not None:
                out.append(Conclusion("set", name, text, location=where))
        return out

    def _list_change(
        self, kind: str, body: object, display: str, at: Location, rule_id: str | None
    ) -> list[Conclusion]:
        out = []
        lists = [o.name for o in self.vocabulary.outputs if o.kind == "list"]
        for name, value, where in self._pairs(kind, body, display, at, rule_id):
            if name not in lists:
                hint = (
                    " (use 'set' for single outputs)"
                    if self.vocabulary.has_output(str(name))
                    else did_you_mean(name, lists)
                )
                self.problem(f"'{kind}' cannot change {name!r}{hint}; expected {one_of(lists)}", where, rule_id)
                continue
            values = value if isinstance(value, list) else [value]
            if not values:
                self.problem(f"'{kind}' of {name!r} needs at least one value", where, rule_id)
            for item in values:
                text = self.check_value(name, item, self.vocabulary.output(name).values, where, rule_id)
                if text is not None:
                    out.append(Conclusion(kind, name, text, location=where))
        return out

    def conclude_add(self, body: object, display: str, at: Location, rule_id: str | None) -> list[Conclusion]:
        return self._list_change("add", body, display, at, rule_id)

    def conclude_remove(self, body: object, display: str, at: Location, rule_id: str | None) -> list[Conclusion]:
        return self._list_change("remove", body, display, at, rule_id)

    def conclude_derive(self, body: object, display: str, at: Location, rule_id: str | None) -> list[Conclusion]:
        out = []
        for name, value, where in self._pairs("derive", body, display, at, rule_id):
            if not isinstance(name, str) or not FACT_NAME.match(name):
                self.problem(f"derived fact name {name!r} must be lower_snake_case", where, rule_id)
                continue
            if self.vocabulary.has_fact(name) or name in OUTPUT_NAMES:
                what = "an input fact" if self.vocabulary.has_fact(name) else "an output"
                self.problem(f"cannot derive {name!r}: it is {what}; derive a fact of another name", where, rule_id)
                continue
            if name in RESERVED_NAMES:
                self.problem(f"{name!r} is reserved and cannot name a derived fact", where, rule_id)
                continue
            text = _scalar_text(value)
            if text is None:
                self.problem(
                    f"derived value of {name!r} must be text or true/false, got {_kind(value)}", where, rule_id
                )
                continue
            out.append(Conclusion("derive", name, text, location=where))
        return out

    def conclude_risk(self, body: object, display: str, at: Location, rule_id: str | None) -> list[Conclusion]:
        if not isinstance(body, Mapping):
            self.problem(f"'risk' takes a mapping with {one_of(RISK_KEYS)}, got {_kind(body)}", at, rule_id)
            return []
        ok = True
        for key in body:
            if key not in RISK_KEYS:
                self.problem(
                    f"unknown key {key!r} in risk{did_you_mean(key, RISK_KEYS)}; expected {one_of(RISK_KEYS)}",
                    _yaml.key_location(body, key, display),
                    rule_id,
                )
                ok = False
        risk_ids = self.vocabulary.output("risks").values
        risk_id = body.get("id")
        if risk_id not in risk_ids:
            self.problem(
                f"unknown risk id {risk_id!r}{did_you_mean(risk_id, risk_ids)}; expected {one_of(risk_ids)}",
                _loc(body, "id", display, at),
                rule_id,
            )
            ok = False
        severity = body.get("severity")
        if severity not in SEVERITIES:
            self.problem(
                f"risk severity {severity!r} is not {one_of(SEVERITIES)}{did_you_mean(severity, SEVERITIES)}",
                _loc(body, "severity", display, at),
                rule_id,
            )
            ok = False
        mitigations = body.get("mitigations", [])
        if not isinstance(mitigations, list) or not all(isinstance(m, str) and m.strip() for m in mitigations):
            self.problem("risk 'mitigations' must be a list of text", _loc(body, "mitigations", display, at), rule_id)
            ok = False
        if not ok:
            return []
        return [
            Conclusion(
                "risk",
                str(risk_id),
                str(risk_id),
                severity=str(severity),
                mitigations=tuple(" ".join(m.split()) for m in mitigations),
                location=at,
            )
        ]

    def conclude_condition(self, body: object, display: str, at: Location, rule_id: str | None) -> list[Conclusion]:
        if not isinstance(body, str) or not body.strip():
            self.problem(f"'condition' takes text, got {_kind(body)}", at, rule_id)
            return []
        return [Conclusion("condition", None, " ".join(body.split()), location=at)]

    def conclude_plan(self, body: object, display: str, at: Location, rule_id: str | None) -> list[Conclusion]:
        order = 50
        step = body
        if isinstance(body, Mapping):
            for key in body:
                if key not in PLAN_KEYS:
                    self.problem(
                        f"unknown key {key!r} in plan step{did_you_mean(key, PLAN_KEYS)}; expected {one_of(PLAN_KEYS)}",
                        _yaml.key_location(body, key, display),
                        rule_id,
                    )
                    return []
            step = body.get("step")
            order = body.get("order", 50)
            if isinstance(order, bool) or not isinstance(order, int):
                self.problem(
                    f"plan 'order' must be an integer, got {_kind(order)}", _loc(body, "order", display, at), rule_id
                )
                return []
        if not isinstance(step, str) or not step.strip():
            self.problem(f"'plan' takes text or a mapping with 'step' and 'order', got {_kind(step)}", at, rule_id)
            return []
        return [Conclusion("plan", None, " ".join(step.split()), order=order, location=at)]


def _loc(mapping: object, key: str, display: str, fallback: Location) -> Location:
    if isinstance(mapping, Mapping) and key in mapping:
        return _yaml.value_location(mapping, key, display)
    return fallback


def _scalar_text(value: object) -> str | None:
    """A YAML scalar as the text rules compare: booleans become 'true'/'false'."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return str(value)
    return None


def _kind(value: object) -> str:
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


def _plain(value: object) -> object:
    """YAML containers (which carry their locations) to plain dicts and lists."""
    if isinstance(value, Mapping):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    return value


def _dnf_size(condition: Condition, negated: bool = False) -> int:
    """How many conjunctions a condition expands to in disjunctive normal form."""
    if isinstance(condition, Test):
        return 1
    if isinstance(condition, Not):
        return _dnf_size(condition.item, not negated)
    conjunctive = isinstance(condition, AllOf) != negated
    sizes = [_dnf_size(item, negated) for item in condition.items]
    if conjunctive:
        total = 1
        for size in sizes:
            total *= size
            if total > MAX_DNF:
                return total
        return total
    return sum(sizes)
