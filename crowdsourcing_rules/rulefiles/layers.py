"""Policy layers: a company's rule files loaded on top of the default rules.

A *layer* is a file or a directory of rule files. Besides ``rules`` (new rules) and ``facts`` (new
input facts), a layer's files may carry three operations on the rules below it:

- ``replace``: full rules that take the place of existing rules of the same id;
- ``disable``: ids of rules to leave out, each with a ``reason``;
- ``salience``: a mapping of rule id to a new salience.

Layers apply in the order given, each on the result of the ones before (the defaults first). Within
one layer the order of files does not matter. Everything a layer gets wrong is reported at once,
located: an operation on an id that does not exist, a rule id that already exists (use
``replace``), a fact declared twice or a built-in fact redeclared. Two things are allowed but
reported as a :class:`~crowdsourcing_rules.errors.PolicyWarning`: a layer rule that sets the same
single-valued output as another rule, to another value, at the same salience, when both conditions
can hold (the winner would be chosen by rule id alone); and a rule that reads a derived fact which
only a disabled or replaced rule derived (it would silently never fire).

>>> from crowdsourcing_rules.rulefiles.loading import default_rules_path
>>> layered = load_layers([default_rules_path()], [])
>>> layered.changes
()
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any, Literal

import attrs

from crowdsourcing_rules.errors import Location, Problem, RuleFileError, did_you_mean, printable
from crowdsourcing_rules.model.conditions import Conjunction, normal_form
from crowdsourcing_rules.model.rules import Rule, RuleSet
from crowdsourcing_rules.model.vocabulary import Vocabulary, default_vocabulary
from crowdsourcing_rules.rulefiles import files as files_, yaml_reader
from crowdsourcing_rules.rulefiles.loading import expand_paths, path_list
from crowdsourcing_rules.rulefiles.parser import Document, ParsedRule, RuleParser

__all__ = ["Change", "LayeredRules", "format_changes", "load_layers"]

ChangeKind = Literal["added", "replaced", "disabled", "salience", "fact"]
Claim = Callable[[str, str, "Location | None"], bool]
Below = Mapping[str, "tuple[Rule, int]"]
Section = Callable[[int, Any, str, Below, Claim], None]
DISABLE_KEYS = ("id", "reason")
# The verdict is resolved by caution ('no' wins), never by salience or rule id: a layer's veto that
# contradicts a default 'yes' is the intended use, not a silent choice.
NOT_TIE_BROKEN = frozenset({"crowdsource"})


@attrs.frozen
class Change:
    """One thing a layer changes: a rule added, replaced, disabled or re-prioritised, or a new fact.

    ``name`` is the rule id (or the fact name); ``layer`` the layer's position (1 for the first
    layer above the defaults); ``location`` where the layer says it; ``previous`` where the rule it
    changes was defined.
    """

    kind: ChangeKind
    name: str
    layer: int
    location: Location | None = None
    previous: Location | None = None
    reason: str | None = None
    old_salience: int | None = None
    new_salience: int | None = None

    def describe(self) -> str:
        """One line for ``crowdsourcing-rules rules --diff``."""
        mark = {"added": "+", "replaced": "~", "disabled": "-", "salience": "^", "fact": "+"}[self.kind]
        what = {
            "added": f"rule {self.name} added (salience {self.new_salience})",
            "replaced": f"rule {self.name} replaced (salience {self.old_salience} -> {self.new_salience}; "
            f"was at {self.previous})",
            "disabled": f"rule {self.name} disabled: {self.reason} (was at {self.previous})",
            "salience": f"rule {self.name} salience {self.old_salience} -> {self.new_salience}",
            "fact": f"fact {self.name} declared",
        }[self.kind]
        if self.kind == "replaced" and self.old_salience == self.new_salience:
            what = f"rule {self.name} replaced (was at {self.previous})"
        return f"{mark} {what}  [{self.location}]" if self.location else f"{mark} {what}"

    def to_dict(self) -> dict[str, object]:
        return {
            "kind": self.kind,
            "name": self.name,
            "layer": self.layer,
            "location": str(self.location) if self.location else None,
            "previous": str(self.previous) if self.previous else None,
            "reason": self.reason,
            "old_salience": self.old_salience,
            "new_salience": self.new_salience,
        }


@attrs.frozen
class LayeredRules:
    """The default rules with the layers applied.

    ``ruleset`` is what an advisor runs. ``origin`` maps each rule id to the layer that last
    defined it (0: the defaults). ``warnings`` are located :class:`Problem` objects, also issued as
    :class:`~crowdsourcing_rules.errors.PolicyWarning` by the advisor.
    """

    ruleset: RuleSet
    changes: tuple[Change, ...]
    origin: Mapping[str, int]
    warnings: tuple[Problem, ...] = ()
    layers: tuple[Path, ...] = ()

    def rules_of_layer(self, layer: int) -> tuple[str, ...]:
        """Ids of the rules a layer added or replaced and that are still in the rule set."""
        return tuple(rule.id for rule in self.ruleset if self.origin.get(rule.id) == layer)


def load_layers(
    defaults: Iterable[str | Path],
    layers: Iterable[str | Path],
    *,
    vocabulary: Vocabulary | None = None,
) -> LayeredRules:
    """Load the default rule files, then apply each layer (a file or a directory) in order.

    Raises :class:`~crowdsourcing_rules.errors.RuleFileError` listing every problem in every file.
    """
    layer_paths = tuple(path_list(layers, "layers"))
    problems: list[Problem] = []
    documents: list[Document] = []
    layer_of: dict[str, int] = {}
    groups: list[list[Path]] = [path_list(defaults, "defaults")] + [[p] for p in layer_paths]
    for number, paths in enumerate(groups):
        files, found = expand_paths(paths)
        problems.extend(found)
        for file in files:
            display = files_.display_path(file)
            if display in layer_of:
                problems.append(
                    Problem(f"file is loaded twice: in layer {layer_of[display]} and {number}", Location(display))
                )
                continue
            layer_of[display] = number
            try:
                _display, data = files_.read_document(file)
            except yaml_reader.YamlProblems as error:
                problems.extend(error.problems)
                continue
            documents.append(Document(display, data, layer=number > 0))
    parser = RuleParser(vocabulary or default_vocabulary(), problems)
    entries = parser.parse_entries(documents)
    builder = _Builder(parser, layer_of)
    builder.apply_defaults([e for e in entries if layer_of[e.document.display] == 0])
    for number in range(1, len(layer_paths) + 1):
        builder.apply_layer(
            number,
            [e for e in entries if layer_of[e.document.display] == number],
            [d for d in documents if layer_of[d.display] == number],
        )
    for name, where in parser.fact_locations.items():
        number = layer_of.get(where.path, 0)
        if number:
            builder.changes.append(Change("fact", name, number, where))
    if parser.problems:
        count = len(parser.problems)
        raise RuleFileError(f"{count} problem{'s' if count > 1 else ''} in rule files", parser.problems.sorted())
    ruleset = RuleSet([rule for rule, _layer in builder.current.values()], parser.vocabulary)
    origin = {rule_id: layer for rule_id, (_rule, layer) in builder.current.items()}
    warnings: tuple[Problem, ...] = ()
    if layer_paths:
        warnings = (*_orphans(ruleset, builder.removed), *_contradictions(ruleset, origin, builder.touched))
    return LayeredRules(ruleset, tuple(builder.changes), origin, warnings, layer_paths)


class _Builder:
    """Applies layers one after the other, collecting problems in the parser's list."""

    def __init__(self, parser: RuleParser, layer_of: Mapping[str, int]) -> None:
        self.parser = parser
        self.layer_of = layer_of
        self.current: dict[str, tuple[Rule, int]] = {}
        self.changes: list[Change] = []
        self.touched: dict[str, int] = {}  # rule id -> last layer that added, replaced or re-prioritised it
        self.removed: list[tuple[Rule, str]] = []  # rules a layer took out (disabled, or the replaced version)

    def problem(self, message: str, where: Location | None, rule_id: str | None = None) -> None:
        self.parser.problems.add(message, where, rule_id)

    def apply_defaults(self, entries: Sequence[ParsedRule]) -> None:
        for entry in entries:
            rule = entry.rule
            if rule.id in self.current:
                first = self.current[rule.id][0].location
                self.problem(f"duplicate rule id {rule.id!r}; first defined at {first}", rule.location, rule.id)
                continue
            self.current[rule.id] = (rule, 0)

    def _missing(self, verb: str, rule_id: str, where: Location | None, number: int) -> None:
        below = "the default rules" if number == 1 else f"the default rules or layers 1 to {number - 1}"
        self.problem(
            f"cannot {verb} {rule_id!r}: no rule of that id in {below}{did_you_mean(rule_id, self.current)}",
            where,
            rule_id,
        )

    def apply_layer(self, number: int, entries: Sequence[ParsedRule], docs: Sequence[Document]) -> None:
        before = dict(self.current)
        claimed: dict[str, tuple[str, Location | None]] = {}  # rule id -> (operation, where) in this layer

        def claim(rule_id: str, operation: str, where: Location | None) -> bool:
            if rule_id in claimed:
                previous, at = claimed[rule_id]
                same = "twice" if previous == operation else f"and also {previous}s it"
                self.problem(f"this layer {operation}s {rule_id!r} {same} (first at {at}); say it once", where, rule_id)
                return False
            claimed[rule_id] = (operation, where)
            return True

        for entry in sorted(entries, key=lambda e: e.section != "replace"):
            rule = entry.rule
            if entry.section == "replace":
                if rule.id not in before:
                    self._missing("replace", rule.id, rule.location, number)
                elif claim(rule.id, "replace", rule.location):
                    old, _layer = before[rule.id]
                    self.removed.append((old, f"replaced by layer {number}"))
                    self.current[rule.id] = (rule, number)
                    self.touched[rule.id] = number
                    self.changes.append(
                        Change(
                            "replaced",
                            rule.id,
                            number,
                            rule.location,
                            old.location,
                            old_salience=old.salience,
                            new_salience=rule.salience,
                        )
                    )
            elif rule.id in before:
                self.problem(
                    f"rule id {rule.id!r} already exists (at {before[rule.id][0].location}); "
                    "to change that rule, put the new one under 'replace:'",
                    rule.location,
                    rule.id,
                )
            elif claim(rule.id, "add", rule.location):
                self.current[rule.id] = (rule, number)
                self.touched[rule.id] = number
                self.changes.append(Change("added", rule.id, number, rule.location, new_salience=rule.salience))
        for doc in docs:
            data = doc.data
            if not isinstance(data, Mapping):
                continue
            sections: tuple[tuple[str, type, str, Section], ...] = (
                ("disable", list, "'disable' must be a list of {id: ..., reason: ...}", self._disable),
                ("salience", Mapping, "'salience' must be a mapping of rule id to an integer", self._salience),
            )
            for key, kind, expected, apply in sections:
                if key not in data:
                    continue
                if not isinstance(data[key], kind):
                    self.problem(expected, yaml_reader.value_location(data, key, doc.display))
                    continue
                apply(number, data[key], doc.display, before, claim)

    def _disable(self, number: int, items: Any, display: str, before: Below, claim: Claim) -> None:
        for index, item in enumerate(items):
            where = yaml_reader.item_location(items, index, display)
            if not isinstance(item, Mapping):
                self.problem(
                    "each 'disable' item is a mapping with 'id' and 'reason' (why the company leaves the rule out)",
                    where,
                )
                continue
            known = self.parser.problems.unknown_keys(item, DISABLE_KEYS, display, within="'disable'")
            rule_id, reason = item.get("id"), item.get("reason")
            label = rule_id if isinstance(rule_id, str) else None
            at = yaml_reader.value_location(item, "id", display) if "id" in item else where
            if not isinstance(rule_id, str):
                self.problem("'disable' item needs an 'id' (text)", at)
                continue
            if not isinstance(reason, str) or not reason.strip():
                self.problem("'disable' item needs a 'reason' (non-empty text)", where, label)
                continue
            if not known or not self._applies("disable", rule_id, at, number, before, claim):
                continue
            old, _layer = before[rule_id]
            del self.current[rule_id]
            self.touched.pop(rule_id, None)
            self.changes.append(Change("disabled", rule_id, number, at, old.location, reason=" ".join(reason.split())))
            self.removed.append((old, f"disabled by layer {number} at {at}"))

    def _applies(
        self, operation: str, rule_id: str, at: Location | None, number: int, before: Below, claim: Claim
    ) -> bool:
        """Whether a layer's operation on a rule can apply: the rule exists below the layer, and
        the layer does nothing else to it (each reported otherwise)."""
        if rule_id not in before:
            verb = "change the salience of" if operation == "re-prioritise" else operation
            self._missing(verb, rule_id, at, number)
            return False
        return claim(rule_id, operation, at)

    def _salience(self, number: int, body: Any, display: str, before: Below, claim: Claim) -> None:
        for rule_id, value in body.items():
            at = yaml_reader.key_location(body, rule_id, display)
            rule_id = str(rule_id)
            where = yaml_reader.value_location(body, rule_id, display)
            if self.parser.problems.integer(value, f"new salience of {rule_id!r}", where, rule_id) is None:
                continue
            if not self._applies("re-prioritise", rule_id, at, number, before, claim):
                continue
            old, layer = before[rule_id]
            self.current[rule_id] = (attrs.evolve(old, salience=value), layer)
            self.touched[rule_id] = number
            self.changes.append(
                Change("salience", rule_id, number, at, old.location, old_salience=old.salience, new_salience=value)
            )


# -- warnings ---------------------------------------------------------------------------------


def _orphans(ruleset: RuleSet, removed: Sequence[tuple[Rule, str]]) -> tuple[Problem, ...]:
    """Rules that read a derived fact which only rules a layer took out derived.

    Loaded flat, such a read is an error (no rule derives the fact); after a layer it would
    silently never hold (or, tested as absent, always hold).
    """
    derived = {str(c.name) for rule in ruleset for c in rule.then if c.kind == "derive"}
    lost: dict[str, list[tuple[Rule, str]]] = {}
    for rule, how in removed:
        for name in dict.fromkeys(str(c.name) for c in rule.then if c.kind == "derive"):
            if name not in derived:
                lost.setdefault(name, []).append((rule, how))
    found = []
    for rule in ruleset:
        for name in dict.fromkeys(t.fact for t in rule.tests if t.fact in lost):
            by = "; ".join(f"rule {old.id!r} derived it ({how})" for old, how in lost[name])
            found.append(
                Problem(
                    f"this rule reads the derived fact {name!r}, which no rule derives any more: {by}",
                    rule.location,
                    rule.id,
                )
            )
    return tuple(found)


# -- contradictions ---------------------------------------------------------------------------


def _contradictions(ruleset: RuleSet, origin: Mapping[str, int], touched: Mapping[str, int]) -> tuple[Problem, ...]:
    """Pairs of rules at equal salience that set one single-valued output to different values, can
    both fire, and at least one of which a layer added, replaced or re-prioritised."""
    derived = {str(c.name) for rule in ruleset for c in rule.then if c.kind == "derive"}
    sets: dict[str, list[tuple[_Alternatives, str]]] = {}
    for rule in ruleset:
        setting = [c for c in rule.then if c.kind == "set" and c.name not in NOT_TIE_BROKEN]
        if not setting:
            continue
        # Alternatives whose tests of an input fact leave some value: those that can hold
        forms = [c for c in normal_form(rule.when, ruleset.vocabulary, derived) if all(t.values for t in c.task)]
        for conclusion in setting:
            sets.setdefault(str(conclusion.name), []).append((_Alternatives(rule, tuple(forms)), conclusion.value))
    found: list[Problem] = []
    seen: set[tuple[str, str, str]] = set()
    for output, setters in sorted(sets.items()):
        for index, (first, first_value) in enumerate(setters):
            for second, second_value in setters[index + 1 :]:
                if first.id not in touched and second.id not in touched:
                    continue
                if first_value == second_value or first.rule.salience != second.rule.salience:
                    continue
                key = (output, first.id, second.id)
                if first.rule is second.rule or key in seen or not _may_both_hold(first, second, ruleset.vocabulary):
                    continue
                seen.add(key)
                mine, mine_value, other, other_value = (
                    (first, first_value, second, second_value)
                    if first.id in touched
                    else (second, second_value, first, first_value)
                )
                winner = min(mine.id, other.id)
                where = "the default rules" if origin.get(other.id, 0) == 0 else f"layer {origin[other.id]}"
                found.append(
                    Problem(
                        f"this rule sets {output} = {mine_value} at salience {mine.rule.salience}, "
                        f"and rule {other.id!r} ({where}, at {other.rule.location}) sets {output} = {other_value} "
                        "at the same salience; "
                        f"both can fire, and {winner!r} would win by rule id alone: give one of them a higher salience",
                        mine.rule.location,
                        mine.id,
                    )
                )
    return tuple(found)


@attrs.frozen
class _Alternatives:
    """A rule and the alternatives of its condition that can hold."""

    rule: Rule
    conjunctions: tuple[Conjunction, ...]

    @property
    def id(self) -> str:
        return self.rule.id


def _may_both_hold(a: _Alternatives, b: _Alternatives, vocabulary: Vocabulary) -> bool:
    """Whether some task can satisfy both conditions (conservative: True unless clearly exclusive)."""
    return any(_compatible(x, y, vocabulary) for x in a.conjunctions for y in b.conjunctions)


def _compatible(x: Conjunction, y: Conjunction, vocabulary: Vocabulary) -> bool:
    values: dict[str, frozenset[str]] = {}
    for test in (*x.task, *y.task):
        values[test.fact] = values[test.fact] & test.values if test.fact in values else test.values
        if not values[test.fact]:
            return False
    items = (*x.items, *y.items)
    for p in items:
        if not p.positive:
            continue
        for n in items:
            if n.positive or (n.space, n.name) != (p.space, p.name):
                continue
            if n.values is None or (p.values is not None and p.values <= n.values):
                return False
        if p.space == "output" and vocabulary.has_output(p.name) and vocabulary.output(p.name).kind == "single":
            for q in items:
                exclusive = p.values and q.values and not p.values & q.values
                if q.positive and q.name == p.name and q.space == "output" and exclusive:
                    return False
    return True


def format_changes(layered: LayeredRules) -> str:
    """The changes of every layer, as ``crowdsourcing-rules rules --diff`` prints them."""
    if not layered.layers:
        return "no policy layer: nothing differs from the default rules"
    lines = []
    for number, path in enumerate(layered.layers, 1):
        changes = [c for c in layered.changes if c.layer == number]
        counts = {kind: sum(c.kind == kind for c in changes) for kind in ("added", "replaced", "disabled", "salience")}
        lines.append(
            f"layer {number}: {path}: {counts['added']} added, {counts['replaced']} replaced, "
            f"{counts['disabled']} disabled, {counts['salience']} salience changed"
        )
        order = {"fact": 0, "added": 1, "replaced": 2, "disabled": 3, "salience": 4}
        for change in sorted(changes, key=lambda c: (order[c.kind], c.name)):
            lines.append(f"  {change.describe()}")
    return printable("\n".join(lines))
