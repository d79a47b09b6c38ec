"""Decision cases as data, and the runner behind ``crowdsourcing-rules test``.

A company writes, beside its rule files, a ``*.cases.yaml`` file of decision cases: each gives the
facts of a task and the outputs it expects (only those it cares about). The runner decides every
case with the default rules and the company's layer, reports each difference with the trace, and
measures rule coverage: which rules fired in no case (like ``opa test --coverage``).

.. code-block:: yaml

    cases:
      - id: customer-data-stays-in
        description: Work on customer personal data is never crowdsourced.
        given: {task_type: data_labeling, touches_customer_data: true}
        expect:
          crowdsource: 'no'
          risks: [privacy_personal_data]
          fired: [acme.veto.customer-personal-data]

The same runner works from pytest::

    from crowdsourcing_rules.cases import run_policy_cases

    REPORT = run_policy_cases("my_policy/")

    @pytest.mark.parametrize("result", REPORT.results, ids=lambda r: r.case.id)
    def test_decision_case(result):
        result.check()  # raises AssertionError with the case, the differences and the trace
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any, Literal

import attrs

from crowdsourcing_rules import _yaml
from crowdsourcing_rules._suggest import did_you_mean, one_of
from crowdsourcing_rules.advisor import Advisor, EngineName, default_rules_path
from crowdsourcing_rules.errors import CaseFileError, CrowdsourcingRulesError, Location, Problem, TaskError
from crowdsourcing_rules.loading import CASE_FILE_SUFFIXES
from crowdsourcing_rules.recommendation import Recommendation
from crowdsourcing_rules.task import Task, parse_task
from crowdsourcing_rules.vocabulary import SEVERITIES, Vocabulary

__all__ = [
    "Case",
    "CaseReport",
    "CaseResult",
    "Coverage",
    "Expectation",
    "find_case_files",
    "load_cases",
    "run_cases",
    "run_policy_cases",
]

TOP_KEYS = ("cases", "metadata")
CASE_KEYS = ("id", "description", "given", "expect", "metadata")
LIST_OPS = ("is", "first", "contains", "excludes", "empty")
TEXT_OPS = ("contains", "excludes", "empty")
RISK_OPS = ("contains", "excludes", "empty")
RULE_EXPECTATIONS = ("fired", "not_fired")
CoverageScope = Literal["policy", "all"]


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
        return f"{self.output} {self.op} {_show(self.value)}"

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
            return None if got == want else f"{name}: expected {_show(want)}, got {_show(got)}"
        if op == "one_of":
            return None if got in want else f"{name}: expected one of {_show(want)}, got {_show(got)}"
        if op == "is":
            return None if tuple(got) == want else f"{name}: expected exactly {_show(want)}, got {_show(got)}"
        if op == "first":
            first = got[0] if got else None
            return None if first == want else f"{name}: expected {want} first, got {_show(got)}"
        if op == "empty":
            return (
                None if (not got) == want else f"{name}: expected {'empty' if want else 'not empty'}, got {_show(got)}"
            )
        text = self.output in ("conditions", "plan")
        found = [w for w in want if _has(got, w, text)]
        if op == "contains":
            missing = [w for w in want if w not in found]
            if not missing:
                return None
            what = "an item containing " if text else ""
            return f"{name}: expected {what}{_show(tuple(missing))}, got {_show(got)}"
        if not found:
            return None
        what = "no item containing " if text else "no "
        return f"{name}: expected {what}{_show(tuple(found))}, got {_show(got)}"

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


@attrs.frozen
class CaseResult:
    """The outcome of one case: the recommendation and each difference from what it expects."""

    case: Case
    recommendation: Recommendation | None
    differences: tuple[str, ...] = ()
    error: str | None = None

    @property
    def passed(self) -> bool:
        return not self.differences and self.error is None

    def explain(self) -> str:
        """The case, the differences and the trace, for a person to read."""
        case = self.case
        status = "PASS" if self.passed else "FAIL"
        lines = [f"{status} {case.id}  ({case.location})" if case.location else f"{status} {case.id}"]
        if case.description:
            lines.append(f"  {case.description}")
        given = ", ".join(f"{k}={_show(v)}" for k, v in case.given.items() if k != "id")
        lines.append(f"  given: {given or 'no facts'}")
        if self.error:
            lines.append(f"  error: {self.error}")
        for difference in self.differences:
            lines.append(f"  - {difference}")
        rec = self.recommendation
        if rec is not None and not self.passed:
            lines.append(
                f"  got: crowdsource={rec.crowdsource}, crowd_types={_show(rec.crowd_types)}, "
                f"risks={_show(rec.risk_ids)}"
            )
            lines.append("  trace (rules fired, in order):")
            for firing in rec.trace:
                lines.append(f"    {firing.rule_id}  salience {firing.salience}  {firing.location or ''}".rstrip())
                for override in firing.overridden:
                    lines.append(
                        f"      overridden: {override.output} = {override.value} by {override.by} ({override.reason})"
                    )
            if not rec.trace:
                lines.append("    (no rule fired)")
        return "\n".join(lines)

    def check(self) -> None:
        """Raise ``AssertionError`` with :meth:`explain` when the case fails (for pytest)."""
        if not self.passed:
            raise AssertionError(self.explain())


@attrs.frozen
class Coverage:
    """Which rules fired in some case. ``scope`` names the rules counted (see :func:`run_cases`)."""

    rules: tuple[str, ...]
    fired_by: Mapping[str, tuple[str, ...]]  # rule id -> ids of the cases it fired in
    scope: str = "all"

    @property
    def uncovered(self) -> tuple[str, ...]:
        """Rules in scope that fired in no case."""
        return tuple(r for r in self.rules if not self.fired_by.get(r))

    @property
    def percent(self) -> float:
        """Share of the rules in scope that fired in some case; 100 when there are none."""
        if not self.rules:
            return 100.0
        return 100.0 * (len(self.rules) - len(self.uncovered)) / len(self.rules)


@attrs.frozen
class CaseReport:
    """Every case's result, and the rule coverage."""

    results: tuple[CaseResult, ...]
    coverage: Coverage
    locations: Mapping[str, Location | None] = attrs.field(factory=dict, eq=False)

    @property
    def passed(self) -> bool:
        return all(r.passed for r in self.results)

    @property
    def failures(self) -> tuple[CaseResult, ...]:
        return tuple(r for r in self.results if not r.passed)

    def to_text(self, *, verbose: bool = False) -> str:
        """Failures with their trace, a summary line and the coverage report."""
        lines = [r.explain() for r in self.results if verbose or not r.passed]
        failed = len(self.failures)
        lines.append(f"{len(self.results)} cases: {len(self.results) - failed} passed, {failed} failed")
        cov = self.coverage
        what = "rules added or replaced by the policy" if cov.scope == "policy" else "rules"
        covered = len(cov.rules) - len(cov.uncovered)
        lines.append(f"coverage: {covered} of {len(cov.rules)} {what} fired in some case ({cov.percent:.1f}%)")
        for rule_id in cov.uncovered:
            where = self.locations.get(rule_id)
            lines.append(f"  fired in no case: {rule_id}" + (f"  {where}" if where else ""))
        return "\n".join(lines)

    def to_dict(self) -> dict[str, Any]:
        return {
            "passed": self.passed,
            "cases": [
                {
                    "id": r.case.id,
                    "location": str(r.case.location) if r.case.location else None,
                    "passed": r.passed,
                    "differences": list(r.differences),
                    "error": r.error,
                    "fired": list(r.recommendation.fired) if r.recommendation else [],
                }
                for r in self.results
            ],
            "coverage": {
                "scope": self.coverage.scope,
                "percent": round(self.coverage.percent, 2),
                "rules": list(self.coverage.rules),
                "uncovered": list(self.coverage.uncovered),
            },
        }


# -- reading cases ------------------------------------------------------------------------------


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
                and p.name.endswith(CASE_FILE_SUFFIXES)
                and not any(part.startswith(".") for part in p.relative_to(path).parts)
            )
        )
    if path.name.endswith(CASE_FILE_SUFFIXES):
        return (path,)
    beside = [path.with_name(path.stem + suffix) for suffix in CASE_FILE_SUFFIXES]
    return tuple(p for p in beside if p.is_file())


def load_cases(paths: Iterable[str | Path], vocabulary: Vocabulary, rule_ids: Iterable[str] = ()) -> tuple[Case, ...]:
    """Read and validate decision cases files against a vocabulary (and the rule ids that
    ``fired``/``not_fired`` may name). Raises :class:`CaseFileError` listing every problem."""
    reader = _CaseReader(vocabulary, frozenset(rule_ids))
    for path in paths:
        path = Path(path)
        display = _yaml.display_path(path)
        try:
            data = _yaml.parse(_yaml.read_text(path, display), display)
        except _yaml.YamlProblems as error:
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
            self.problem("expected a mapping with a 'cases' list", _yaml.node_location(data, display))
            return
        for key in data:
            if key not in TOP_KEYS:
                self.problem(
                    f"unknown top-level key {key!r}{did_you_mean(key, TOP_KEYS)}; expected {one_of(TOP_KEYS)}",
                    _yaml.key_location(data, key, display),
                )
        cases = data["cases"]
        if not isinstance(cases, list) or not cases:
            self.problem("'cases' must be a non-empty list of cases", _yaml.value_location(data, "cases", display))
            return
        for index, raw in enumerate(cases):
            self.read_case(raw, display, _yaml.item_location(cases, index, display))

    def read_case(self, raw: object, display: str, where: Location) -> None:
        if not isinstance(raw, Mapping):
            self.problem("a case must be a mapping with 'id', 'given' and 'expect'", where)
            return
        before = len(self.problems)
        for key in raw:
            if key not in CASE_KEYS:
                self.problem(
                    f"unknown key {key!r} in case{did_you_mean(key, CASE_KEYS)}; expected {one_of(CASE_KEYS)}",
                    _yaml.key_location(raw, key, display),
                )
        case_id = raw.get("id")
        location = _yaml.key_location(raw, "id", display) if "id" in raw else where
        if not isinstance(case_id, str) or not case_id.strip():
            self.problem("case needs an 'id' (text)", location)
            return
        if case_id in self.seen:
            self.problem(f"duplicate case id {case_id!r}; first defined at {self.seen[case_id]}", location)
        self.seen[case_id] = location
        description = raw.get("description", "")
        if not isinstance(description, str):
            self.problem("'description' must be text", _yaml.value_location(raw, "description", display))
        given = raw.get("given", {})
        given_at = _yaml.value_location(raw, "given", display) if "given" in raw else location
        task = None
        if not isinstance(given, Mapping):
            self.problem("'given' must be a mapping of facts", given_at)
        else:
            facts = {"id": case_id, **_plain(given)}

            def locate(name: str | None, given: Mapping[str, Any] = given) -> Location:
                if name is not None and name in given:
                    return _yaml.key_location(given, name, display)
                return given_at

            try:
                task = parse_task(facts, self.vocabulary, locate=locate)
            except TaskError as error:
                self.problems.extend(attrs.evolve(p, message=f"case {case_id!r}: {p.message}") for p in error.problems)
        if "expect" not in raw:
            self.problem(f"case {case_id!r} needs 'expect', a mapping of expected outputs", location)
            return
        expect = raw["expect"]
        expectations = self.read_expect(expect, display, _yaml.value_location(raw, "expect", display), case_id)
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
            at = _yaml.key_location(raw, name, display)
            if name not in names:
                self.problem(
                    f"case {case_id!r}: unknown output {name!r}{did_you_mean(name, names)}; expected {one_of(names)}",
                    at,
                )
                continue
            value = _plain(value)
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


# -- running ------------------------------------------------------------------------------------


def run_cases(
    advisor: Advisor, cases: Iterable[Case], *, coverage_of: Iterable[str] | None = None, scope: str = "all"
) -> CaseReport:
    """Decide every case with ``advisor``; coverage counts the rules ``coverage_of`` (default: all)."""
    results = []
    fired_by: dict[str, list[str]] = {}
    for case in cases:
        try:
            rec = advisor.decide(case.task, questions=case.asks_questions)
        except CrowdsourcingRulesError as error:
            results.append(CaseResult(case, None, (), f"{type(error).__name__}: {error}"))
            continue
        for rule_id in rec.fired:
            fired_by.setdefault(rule_id, []).append(case.id)
        differences = tuple(d for e in case.expectations if (d := e.difference(rec)) is not None)
        results.append(CaseResult(case, rec, differences))
    in_scope = tuple(coverage_of) if coverage_of is not None else tuple(r.id for r in advisor.ruleset)
    coverage = Coverage(in_scope, {r: tuple(fired_by.get(r, ())) for r in in_scope}, scope)
    locations = {rule.id: rule.location for rule in advisor.ruleset}
    return CaseReport(tuple(results), coverage, locations)


def run_policy_cases(
    policy: str | Path,
    *,
    defaults: Iterable[str | Path] | None = None,
    cases: Iterable[str | Path] | None = None,
    coverage: CoverageScope = "policy",
    engine: EngineName = "auto",
) -> CaseReport:
    """Load the default rules (or ``defaults``) with ``policy`` as a layer on top, and run the
    policy's decision cases (``cases``, or :func:`find_case_files` of the policy).

    ``coverage="policy"`` counts the rules the policy adds or replaces; ``"all"`` every rule loaded.
    Raises :class:`~crowdsourcing_rules.RuleFileError` or :class:`CaseFileError` for invalid files.
    """
    defaults = list(defaults) if defaults is not None else [default_rules_path()]
    case_files = tuple(Path(p) for p in cases) if cases is not None else find_case_files(policy)
    if not case_files:
        raise CaseFileError(
            "no decision cases",
            [Problem("no decision cases file (*.cases.yaml) here or beside it", Location(str(policy)))],
        )
    with Advisor.from_paths(defaults, policy=[policy], engine=engine) as advisor:
        rule_ids = [r.id for r in advisor.ruleset]
        loaded = load_cases(case_files, advisor.ruleset.vocabulary, rule_ids)
        assert advisor.layered is not None
        scope = advisor.layered.rules_of_layer(1) if coverage == "policy" else None
        return run_cases(advisor, loaded, coverage_of=scope, scope=coverage)


# -- helpers ------------------------------------------------------------------------------------


def _has(got: Sequence[str], wanted: str, text: bool) -> bool:
    if not text:
        return wanted in got
    needle = wanted.casefold()
    return any(needle in item.casefold() for item in got)


def _text(value: object) -> str | None:
    if isinstance(value, bool):
        return "true" if value else "false"
    return value if isinstance(value, str) else None


def _show(value: object) -> str:
    if value is None:
        return "none"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (tuple, list)):
        return "[" + ", ".join(_show(v) for v in value) + "]"
    return str(value)


def _plain(value: object) -> Any:
    if isinstance(value, Mapping):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    return value
