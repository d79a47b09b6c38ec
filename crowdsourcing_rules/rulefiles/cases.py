"""Decision cases as data: ``*.cases.yaml`` files beside a company's rule files.

Each case gives the facts of a task and the outputs it expects (only those it cares about). This
module reads and validates them, every problem located; :mod:`crowdsourcing_rules.analysis.testing`
runs them (``crowdsourcing-rules test``).

.. code-block:: yaml

    cases:
      - id: customer-data-stays-in
        description: Work on customer personal data is never crowdsourced.
        given: {task_type: data_labeling, touches_customer_data: true}
        expect:
          crowdsource: 'no'
          risks: [privacy_personal_data]
          fired: [acme.veto.customer-personal-data]
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any

import attrs

from crowdsourcing_rules.errors import CaseFileError, Location, Problem, TaskError, did_you_mean, one_of
from crowdsourcing_rules.model.recommendation import Recommendation
from crowdsourcing_rules.model.task import Task, parse_task
from crowdsourcing_rules.model.vocabulary import SEVERITIES, Vocabulary
from crowdsourcing_rules.rulefiles import yaml_reader
from crowdsourcing_rules.rulefiles.files import read_document
from crowdsourcing_rules.rulefiles.loading import CASE_FILE_SUFFIXES, is_case_file_name

__all__ = ["RULE_EXPECTATIONS", "Case", "Expectation", "find_case_files", "load_cases", "show"]

TOP_KEYS = ("cases", "metadata")
CASE_KEYS = ("id", "description", "given", "expect", "metadata")
LIST_OPS = ("is", "first", "contains", "excludes", "empty")
TEXT_OPS = ("contains", "excludes", "empty")
RISK_OPS = ("contains", "excludes", "empty")
RULE_EXPECTATIONS = ("fired", "not_fired")


@attrs.frozen
class Expectation:
    """One expected partial output: ``output op value`` (``crowd_types first skilled_freelancers``).

    ``value`` is a string, a tuple (of strings, or of ``(risk id, severity or None)`` pairs for
    risks), a boolean (``empty``) or None (a single output that no rule concludes).
    """

    output: str
    op: str
    value: Any
    location: Location | None = attrs.field(default=None, eq=False)

    def describe(self) -> str:
        return f"{self.output} {self.op} {show(self.value)}"

    def difference(self, rec: Recommendation) -> str | None:
        """What differs from the expectation in ``rec``, or None when it holds."""
        name, op, want = self.output, self.op, self.value
        if name in RULE_EXPECTATIONS:
            fired = set(rec.fired)
            if op == "fired":
                missing = [r for r in want if r not in fired]
                return f"fired: expected {', '.join(missing)} to fire; they did not" if missing else None
            extra = [r for r in want if r in fired]
            return f"not_fired: expected {', '.join(extra)} not to fire; they did" if extra else None
        if name == "risks":
            return self._risk_difference(rec)
        got = getattr(rec, name)
        if op == "is" and not isinstance(got, tuple):
            return None if got == want else f"{name}: expected {show(want)}, got {show(got)}"
        if op == "one_of":
            return None if got in want else f"{name}: expected one of {show(want)}, got {show(got)}"
        if op == "is":
            return None if tuple(got) == want else f"{name}: expected exactly {show(want)}, got {show(got)}"
        if op == "first":
            first = got[0] if got else None
            return None if first == want else f"{name}: expected {want} first, got {show(got)}"
        if op == "empty":
            return (
                None if (not got) == want else f"{name}: expected {'empty' if want else 'not empty'}, got {show(got)}"
            )
        text = self.output in ("conditions", "plan")
        found = [w for w in want if _has(got, w, text)]
        if op == "contains":
            missing = [w for w in want if w not in found]
            if not missing:
                return None
            what = "an item containing " if text else ""
            return f"{name}: expected {what}{show(tuple(missing))}, got {show(got)}"
        if not found:
            return None
        what = "no item containing " if text else "no "
        return f"{name}: expected {what}{show(tuple(found))}, got {show(got)}"

    def _risk_difference(self, rec: Recommendation) -> str | None:
        raised = {r.id: r.severity for r in rec.risks}
        got = ", ".join(f"{r.id} ({r.severity})" for r in rec.risks) or "none"
        if self.op == "empty":
            return (
                None if (not raised) == self.value else f"risks: expected {'none' if self.value else 'some'}, got {got}"
            )
        wrong = []
        for risk_id, severity in self.value:
            present = risk_id in raised and (severity is None or raised[risk_id] == severity)
            if present != (self.op == "contains"):
                wrong.append(f"{risk_id} ({severity})" if severity else risk_id)
        if not wrong:
            return None
        verb = "to be raised" if self.op == "contains" else "not to be raised"
        return f"risks: expected {', '.join(wrong)} {verb}, got {got}"


@attrs.frozen
class Case:
    """A decision case: a task's facts and the outputs expected for it."""

    id: str
    description: str
    given: Mapping[str, Any] = attrs.field(eq=False)
    task: Task
    expectations: tuple[Expectation, ...]
    location: Location | None = attrs.field(default=None, eq=False)

    @property
    def asks_questions(self) -> bool:
        return any(e.output == "questions" for e in self.expectations)


def find_case_files(path: str | Path) -> tuple[Path, ...]:
    """The decision cases files of a policy: ``*.cases.yaml`` under a directory (hidden ones
    skipped), or for a rule file ``x.yaml`` the file ``x.cases.yaml`` beside it."""
    path = Path(path)
    if path.is_dir():
        return tuple(
            sorted(
                p
                for p in path.rglob("*")
                if p.is_file()
                and is_case_file_name(p.name)
                and not any(part.startswith(".") for part in p.relative_to(path).parts)
            )
        )
    if is_case_file_name(path.name):
        return (path,)
    # x.yaml's cases are in x.cases.yaml beside it, the extension written in any case
    stem = path.stem
    if not path.parent.is_dir():
        return ()
    return tuple(
        sorted(
            p
            for p in path.parent.iterdir()
            if p.name.startswith(stem) and p.name[len(stem) :].lower() in CASE_FILE_SUFFIXES and p.is_file()
        )
    )


def load_cases(paths: Iterable[str | Path], vocabulary: Vocabulary, rule_ids: Iterable[str] = ()) -> tuple[Case, ...]:
    """Read and validate decision cases files against a vocabulary (and the rule ids that
    ``fired``/``not_fired`` may name). Raises :class:`CaseFileError` listing every problem."""
    reader = _CaseReader(vocabulary, frozenset(rule_ids))
    for path in paths:
        path = Path(path)
        try:
            display, data = read_document(path)
        except yaml_reader.YamlProblems as error:
            reader.problems.extend(error.problems)
            continue
        reader.read(data, display)
    if reader.problems:
        count = len(reader.problems)
        raise CaseFileError(f"{count} problem{'s' if count > 1 else ''} in decision cases", reader.problems)
    return tuple(reader.cases)


class _CaseReader:
    def __init__(self, vocabulary: Vocabulary, rule_ids: frozenset[str]) -> None:
        self.vocabulary = vocabulary
        self.rule_ids = rule_ids
        self.problems: list[Problem] = []
        self.cases: list[Case] = []
        self.seen: dict[str, Location] = {}

    def problem(self, message: str, where: Location | None) -> None:
        self.problems.append(Problem(message, where))

    def read(self, data: object, display: str) -> None:
        if not isinstance(data, Mapping) or "cases" not in data:
            self.problem("expected a mapping with a 'cases' list", yaml_reader.node_location(data, display))
            return
        for key in data:
            if key not in TOP_KEYS:
                self.problem(
                    f"unknown top-level key {key!r}{did_you_mean(key, TOP_KEYS)}; expected {one_of(TOP_KEYS)}",
                    yaml_reader.key_location(data, key, display),
                )
        cases = data["cases"]
        if not isinstance(cases, list) or not cases:
            self.problem(
                "'cases' must be a non-empty list of cases", yaml_reader.value_location(data, "cases", display)
            )
            return
        for index, raw in enumerate(cases):
            self.read_case(raw, display, yaml_reader.item_location(cases, index, display))

    def read_case(self, raw: object, display: str, where: Location) -> None:
        if not isinstance(raw, Mapping):
            self.problem("a case must be a mapping with 'id', 'given' and 'expect'", where)
            return
        before = len(self.problems)
        for key in raw:
            if key not in CASE_KEYS:
                self.problem(
                    f"unknown key {key!r} in case{did_you_mean(key, CASE_KEYS)}; expected {one_of(CASE_KEYS)}",
                    yaml_reader.key_location(raw, key, display),
                )
        case_id = raw.get("id")
        location = yaml_reader.key_location(raw, "id", display) if "id" in raw else where
        if not isinstance(case_id, str) or not case_id.strip():
            self.problem("case needs an 'id' (text)", location)
            return
        if case_id in self.seen:
            self.problem(f"duplicate case id {case_id!r}; first defined at {self.seen[case_id]}", location)
        self.seen[case_id] = location
        description = raw.get("description", "")
        if not isinstance(description, str):
            self.problem("'description' must be text", yaml_reader.value_location(raw, "description", display))
        given = raw.get("given", {})
        given_at = yaml_reader.value_location(raw, "given", display) if "given" in raw else location
        task = None
        if not isinstance(given, Mapping):
            self.problem("'given' must be a mapping of facts", given_at)
        else:
            facts = {"id": case_id, **yaml_reader.plain(given, text_keys=True)}

            def locate(name: str | None, given: Mapping[str, Any] = given) -> Location:
                if name is not None and name in given:
                    return yaml_reader.key_location(given, name, display)
                return given_at

            try:
                task = parse_task(facts, self.vocabulary, locate=locate)
            except TaskError as error:
                self.problems.extend(attrs.evolve(p, message=f"case {case_id!r}: {p.message}") for p in error.problems)
        if "expect" not in raw:
            self.problem(f"case {case_id!r} needs 'expect', a mapping of expected outputs", location)
            return
        expect = raw["expect"]
        expectations = self.read_expect(expect, display, yaml_reader.value_location(raw, "expect", display), case_id)
        if len(self.problems) > before or task is None:
            return
        self.cases.append(Case(case_id, " ".join(str(description).split()), facts, task, tuple(expectations), location))

    def read_expect(self, raw: object, display: str, where: Location, case_id: str) -> list[Expectation]:
        if not isinstance(raw, Mapping) or not raw:
            self.problem(f"case {case_id!r}: 'expect' must be a non-empty mapping of outputs", where)
            return []
        names = [o.name for o in self.vocabulary.outputs] + ["questions", *RULE_EXPECTATIONS]
        out: list[Expectation] = []
        for name, value in raw.items():
            at = yaml_reader.key_location(raw, name, display)
            if name not in names:
                self.problem(
                    f"case {case_id!r}: unknown output {name!r}{did_you_mean(name, names)}; expected {one_of(names)}",
                    at,
                )
                continue
            value = yaml_reader.plain(value, text_keys=True)
            if name in RULE_EXPECTATIONS:
                out.extend(self.read_rules(name, value, at, case_id))
            elif name == "risks":
                out.extend(self.read_risks(value, at, case_id))
            elif name == "questions":
                out.extend(self.read_list(name, value, self.vocabulary.fact_names, at, case_id))
            else:
                spec = self.vocabulary.output(name)
                if spec.kind == "single":
                    out.extend(self.read_single(name, value, spec.values, at, case_id))
                elif spec.kind == "list":
                    out.extend(self.read_list(name, value, spec.values, at, case_id))
                else:
                    out.extend(self.read_text_list(name, value, at, case_id))
        return out

    def read_single(
        self, name: str, value: object, allowed: Sequence[str], at: Location, case_id: str
    ) -> list[Expectation]:
        if value is None:
            return [Expectation(name, "is", None, at)]
        values = value if isinstance(value, list) else [value]
        texts = [_text(v) for v in values]
        bad = [v for v, t in zip(values, texts, strict=True) if t is None or t not in allowed]
        if bad or not values:
            self.problem(
                f"case {case_id!r}: {name!r} has no value {bad[0] if bad else '[]'!r}; expected {one_of(allowed)}"
                f"{did_you_mean(bad[0], allowed) if bad else ''} (or a list of them, or null for none)",
                at,
            )
            return []
        if isinstance(value, list):
            return [Expectation(name, "one_of", tuple(texts), at)]
        return [Expectation(name, "is", texts[0], at)]

    def _list_tests(
        self, name: str, value: object, at: Location, case_id: str, ops: Sequence[str], takes: str
    ) -> Iterator[tuple[str, Any]]:
        """The tests of a list output, as (op, items): shared by lists, text lists and risks.

        ``value`` is a mapping of op to a value or a list of them; ``empty`` is checked here and
        comes with its boolean. ``takes`` says what a shorthand value is, for the message.
        """
        if not isinstance(value, Mapping) or not value:
            self.problem(f"case {case_id!r}: {name!r} takes {takes} or a mapping with {one_of(ops)}", at)
            return
        for op, raw in value.items():
            if op not in ops:
                self.problem(
                    f"case {case_id!r}: unknown test {op!r} on {name!r}{did_you_mean(op, ops)}; expected {one_of(ops)}",
                    at,
                )
            elif op == "empty" and not isinstance(raw, bool):
                self.problem(f"case {case_id!r}: 'empty' on {name!r} takes true or false", at)
            else:
                yield op, raw if op == "empty" or isinstance(raw, list) else [raw]

    def read_list(
        self, name: str, value: object, allowed: Sequence[str], at: Location, case_id: str
    ) -> list[Expectation]:
        if isinstance(value, list):
            value = {"is": value}
        out = []
        for op, items in self._list_tests(name, value, at, case_id, LIST_OPS, "a list (exactly those, in order)"):
            if op == "empty":
                out.append(Expectation(name, op, items, at))
                continue
            texts = [_text(v) for v in items]
            bad = [v for v, t in zip(items, texts, strict=True) if t is None or t not in allowed]
            if bad or (op != "is" and not items):
                self.problem(
                    f"case {case_id!r}: {name!r} has no value {bad[0] if bad else '[]'!r}; expected "
                    f"{one_of(allowed)}{did_you_mean(bad[0], allowed) if bad else ''}",
                    at,
                )
            elif op != "first":
                out.append(Expectation(name, op, tuple(texts), at))
            elif len(texts) != 1:
                self.problem(f"case {case_id!r}: 'first' on {name!r} takes one value", at)
            else:
                out.append(Expectation(name, op, texts[0], at))
        return out

    def read_text_list(self, name: str, value: object, at: Location, case_id: str) -> list[Expectation]:
        if isinstance(value, (str, list)):
            value = {"contains": value}
        out = []
        for op, items in self._list_tests(name, value, at, case_id, TEXT_OPS, "text that some item must contain"):
            if op == "empty":
                out.append(Expectation(name, op, items, at))
            elif not items or not all(isinstance(i, str) and i.strip() for i in items):
                self.problem(f"case {case_id!r}: '{op}' on {name!r} takes text or a list of text", at)
            else:
                out.append(Expectation(name, op, tuple(" ".join(i.split()) for i in items), at))
        return out

    def read_risks(self, value: object, at: Location, case_id: str) -> list[Expectation]:
        if isinstance(value, list):
            value = {"contains": value}
        risk_ids = self.vocabulary.output("risks").values
        out = []
        for op, items in self._list_tests("risks", value, at, case_id, RISK_OPS, "a list of risks that must be raised"):
            if op == "empty":
                out.append(Expectation("risks", op, items, at))
                continue
            pairs: list[tuple[str, str | None]] = []
            for item in items:
                risk_id, severity = (
                    (item.get("id"), item.get("severity")) if isinstance(item, Mapping) else (item, None)
                )
                extra = set(item) - {"id", "severity"} if isinstance(item, Mapping) else set()
                if risk_id not in risk_ids or extra:
                    self.problem(
                        f"case {case_id!r}: unknown risk {risk_id!r}{did_you_mean(risk_id, risk_ids)}; a risk is "
                        f"an id or {{id: ..., severity: ...}} with id {one_of(risk_ids)}",
                        at,
                    )
                    continue
                if severity is not None and severity not in SEVERITIES:
                    self.problem(f"case {case_id!r}: risk severity {severity!r} is not {one_of(SEVERITIES)}", at)
                    continue
                pairs.append((str(risk_id), severity))
            if pairs and len(pairs) == len(items):
                out.append(Expectation("risks", op, tuple(pairs), at))
        return out

    def read_rules(self, name: str, value: object, at: Location, case_id: str) -> list[Expectation]:
        items = value if isinstance(value, list) else [value]
        if not items or not all(isinstance(i, str) for i in items):
            self.problem(f"case {case_id!r}: {name!r} takes a rule id or a list of rule ids", at)
            return []
        unknown = [i for i in items if i not in self.rule_ids]
        for rule_id in unknown:
            self.problem(
                f"case {case_id!r}: {name!r} names {rule_id!r}, which is not a rule of the loaded rule set"
                f"{did_you_mean(rule_id, self.rule_ids)}",
                at,
            )
        return [] if unknown else [Expectation(name, name, tuple(items), at)]


def _has(got: Sequence[str], wanted: str, text: bool) -> bool:
    if not text:
        return wanted in got
    needle = wanted.casefold()
    return any(needle in item.casefold() for item in got)


def _text(value: object) -> str | None:
    if isinstance(value, bool):
        return "true" if value else "false"
    return value if isinstance(value, str) else None


def show(value: object) -> str:
    if value is None:
        return "none"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (tuple, list)):
        return "[" + ", ".join(show(v) for v in value) + "]"
    return str(value)
