"""``check``: each kind of finding caught in a rule file written to hold exactly that defect.

The fixtures in ``tests/fixtures/analysis/`` each say in a comment what their defect is. All but
the gap fixtures share one background rule (``base.default``) that concludes a verdict, a
granularity and a crowd type for every task, so that no gap hides the finding under test.
"""

from __future__ import annotations

import itertools
import json
from pathlib import Path
from typing import Any

import pytest
from hypothesis import assume, given, settings, strategies as st

import crowdsourcing_rules as cr
from crowdsourcing_rules.analysis.checker import check
from crowdsourcing_rules.analysis.findings import CODES
from crowdsourcing_rules.analysis.table import build_table
from crowdsourcing_rules.cli import main
from crowdsourcing_rules.rulefiles.loading import parse_rule_documents
from tests.strategies import conditions, rule_dicts

FIXTURES = Path(__file__).parent / "fixtures" / "analysis"


def run(name: str, **options: int) -> cr.CheckReport:
    return check([FIXTURES / f"{name}.yaml"], **options)


def problems(report: cr.CheckReport) -> list[cr.Finding]:
    """Every finding but the note on how the gap search was done."""
    return [f for f in report.findings if f.code != "CR600"]


# (fixture, code, line, column, rule ids): the location is the place to fix.
DEFECTS = [
    # the misspelt fact name 'urgncy'
    ("load_error", "CR001", 13, 12, ("typo.urgent",)),
    # the id of the first rule of the cycle (smallest id)
    ("cycle", "CR101", 12, 5, ("cycle.a", "cycle.b")),
    # the id of the rule that reads the verdict it concludes, as the loader reports it
    ("stratified_cycle", "CR102", 11, 5, ("loop.verdict",)),
    # the 'above' test: nothing is above high
    ("contradiction_input", "CR201", 14, 17, ("never.above-high",)),
    # the 'known: false' test, which contradicts 'expert_work: true' before it
    ("contradiction_items", "CR202", 23, 25, ("items.contradiction",)),
    # the value 'contest' that no rule sets
    ("unreachable_value", "CR203", 13, 25, ("contest.rules",)),
    # the 'above' test of the first alternative
    ("dead_alternative", "CR204", 15, 21, ("alt.urgent",)),
    # the id of the rule that no input combination fires
    ("never_fired", "CR205", 18, 5, ("review.missing",)),
    # the name of the derived fact in its 'derive'
    ("unread_derived", "CR301", 15, 18, ("unread.expert",)),
    # the id of the second of the two equal rules
    ("duplicate", "CR401", 17, 5, ("dup.second", "dup.first")),
    # the id of the rule that adds nothing
    ("shadowed", "CR402", 19, 5, ("shadow.narrow", "shadow.wide")),
    # the 'set' of the rule that loses the conflict (the larger id)
    ("conflict", "CR501", 16, 15, ("conflict.rich", "conflict.urgent")),
    # the id of the first rule that concludes a verdict
    ("gap_verdict", "CR601", 3, 5, ("verdict.slow", "verdict.urgent")),
    # the id of the only rule that concludes a granularity
    ("gap_granularity", "CR602", 11, 5, ("urgent.granularity",)),
    # the id of the only rule that adds a crowd type
    ("gap_crowd", "CR603", 10, 5, ("urgent.crowd",)),
]


@pytest.mark.parametrize(("name", "code", "line", "column", "rule_ids"), DEFECTS, ids=[d[1] for d in DEFECTS])
def test_each_defect_is_found_alone_and_located(name: str, code: str, line: int, column: int, rule_ids: tuple) -> None:
    report = run(name)
    found = problems(report)
    assert [(f.code, f.location.line, f.location.column, f.rule_ids) for f in found] == [(code, line, column, rule_ids)]
    assert Path(found[0].location.path).name == f"{name}.yaml"
    assert str(found[0]).startswith(f"{found[0].location}: {code} {CODES[code][0]}: ")
    assert report.failed(strict=True)
    assert report.failed() == (CODES[code][0] == "error")


def test_every_code_has_a_fixture_or_a_test() -> None:
    covered = {d[1] for d in DEFECTS} | {"CR502", "CR600"}  # CR502 and CR600: tests below
    assert covered == set(CODES)


def test_clean_rules_have_only_the_search_note() -> None:
    report = run("clean")
    assert report.codes() == ("CR600",)
    assert report.search is not None and report.search.method == "exhaustive"
    # in_house_capability (none / other), skill_level (professional and up / other),
    # platform_experience (true / other), skills_needed (with / without 'french law')
    assert report.search.combinations == 16
    assert not report.failed(strict=True)


def test_a_cycle_is_spelt_out_and_said_not_to_loop() -> None:
    (finding,) = problems(run("cycle"))
    assert "cycle.a -> cycle.b -> cycle.a" in finding.message
    assert "cannot loop at run time" in finding.message
    assert finding.details["cycle"] == ["cycle.a", "cycle.b", "cycle.a"]


def test_a_cycle_through_an_output_is_a_load_error_and_skips_the_search() -> None:
    report = run("stratified_cycle")
    (finding,) = problems(report)
    assert "loop.verdict -> loop.verdict" in finding.message
    assert report.search is not None and report.search.method == "skipped"
    # decide and validate refuse the same rules
    assert main(["validate", "--rules", str(FIXTURES / "stratified_cycle.yaml")]) == 1


def test_a_conflict_comes_with_a_task_on_which_both_rules_fire() -> None:
    (finding,) = problems(run("conflict"))
    example = finding.details["example"]
    assert example == {"budget": "high", "urgency": "high"}
    rec = cr.Advisor.from_paths([FIXTURES / "conflict.yaml"], engine="reference").decide(
        {"id": "t", **example}, questions=False
    )
    assert {"conflict.rich", "conflict.urgent"} <= {f.rule_id for f in rec.trace}
    assert rec.preselection == "context_specific"  # the smaller id wins, as the message says


def test_a_rule_that_sets_an_output_twice_is_refused_when_loaded(tmp_path: Path) -> None:
    # One rule setting one output to two values is a load error, which check reports as CR001
    # (a rule file problem) at the second 'set', rather than as a conflict.
    text = (FIXTURES / "clean.yaml").read_text()
    text = text.replace(
        "      - set: {preselection: qualification_based}\n",
        "      - set: {preselection: both}\n      - set: {preselection: none}\n",
    )
    (tmp_path / "twice.yaml").write_text(text)
    (finding,) = problems(check(tmp_path / "twice.yaml"))
    assert (finding.code, finding.rule_ids, finding.location.line) == ("CR001", ("clean.freelancers",), 27)
    assert "sets 'preselection' twice, to 'both' and to 'none'" in finding.message  # the second set


def test_a_tie_that_a_higher_salience_always_settles_is_no_conflict() -> None:
    """settle.both (salience 20) sets the preselection whenever the two rules of salience 10 fire."""
    assert run("settled_conflict").codes() == ("CR600",)
    sampled = run("settled_conflict", max_combinations=1, samples=3)
    (finding,) = problems(sampled)
    assert finding.code == "CR502" and "settled preselection each time" in finding.message


def test_a_cycle_that_nothing_starts_never_fires(tmp_path: Path) -> None:
    """Without 'urgency: high' as a way in, cycle.a and cycle.b wait for each other for ever."""
    text = (FIXTURES / "cycle.yaml").read_text().replace("        - urgency: high\n", "")
    (tmp_path / "closed.yaml").write_text(text)
    report = check(tmp_path / "closed.yaml")
    assert [(f.code, f.rule_ids) for f in problems(report)] == [
        ("CR101", ("cycle.a", "cycle.b")),
        ("CR203", ("cycle.a",)),
        ("CR203", ("cycle.b",)),
    ]
    assert "only rules that can never fire conclude it (cycle.b)" in problems(report)[1].message


def test_exhaustive_search_rules_out_a_conflict_that_sampling_can_only_suspect() -> None:
    """pick.context needs 'flagged' absent, but flag.urgent derives it whenever urgency is high."""
    exhaustive = run("possible_conflict")
    assert [f.code for f in problems(exhaustive)] == ["CR205"]
    assert problems(exhaustive)[0].rule_ids == ("pick.context",)
    sampled = run("possible_conflict", max_combinations=1, samples=1)
    assert sampled.search is not None and sampled.search.method == "sampled"
    (finding,) = problems(sampled)
    assert (finding.code, finding.location.line, finding.location.column) == ("CR502", 25, 15)
    assert finding.rule_ids == ("pick.context", "pick.qualification")
    assert not sampled.failed(strict=True)  # a note, not a warning


def test_gap_examples_are_tasks_without_the_output() -> None:
    """gap_verdict.yaml decides urgency high (yes) and low (no) only: medium and unknown are gaps."""
    report = run("gap_verdict")
    (finding,) = problems(report)
    assert finding.details["combinations"] == 1  # {medium, unknown} is one class of values
    assert finding.details["examples"] == [{}]
    advisor = cr.Advisor.from_paths([FIXTURES / "gap_verdict.yaml"], engine="reference")
    for task in ({}, {"urgency": "medium"}):
        assert advisor.decide({"id": "t", **task}, questions=False).crowdsource is None
    for task in ({"urgency": "high"}, {"urgency": "low"}):
        assert advisor.decide({"id": "t", **task}, questions=False).crowdsource is not None


def test_the_search_says_whether_it_enumerated_or_sampled() -> None:
    exhaustive = run("clean")
    sampled = run("clean", max_combinations=4, samples=5)
    assert exhaustive.search.describe().startswith("gap search: exhaustive, all 16 combinations")
    assert sampled.search.describe().startswith("gap search: sampled 5 of 16 combinations")
    assert sampled.findings[-1].code == "CR600" and "sampled" in sampled.findings[-1].message
    off = run("clean", samples=0)
    assert off.search.method == "skipped"


def test_sampling_is_reproducible() -> None:
    first = run("gap_granularity", max_combinations=0, samples=1, seed=3)
    second = run("gap_granularity", max_combinations=0, samples=1, seed=3)
    assert first == second


def test_normal_form_with_locations_matches_the_compiler() -> None:
    """The analysis keeps every alternative and its tests; otherwise it must be the compiler's."""
    for path in [*sorted(FIXTURES.glob("*.yaml")), cr.default_rules_path()]:
        if path.name == "load_error.yaml":
            continue
        ruleset = cr.load_rules([path])
        table = build_table(ruleset)
        if table.compiled is None:  # a cycle: the compiler refuses it (CR102)
            continue
        compiled = {r.id: r for r in table.compiled.rules}
        for rule in ruleset:
            ours = [c for c in table.alternatives[rule.id] if all(t.values for t in c.task)]
            assert ours == list(compiled[rule.id].conjunctions), rule.id
            assert len(table.provenance[rule.id]) == len(table.alternatives[rule.id]), rule.id


def test_findings_do_not_depend_on_the_order_of_files(tmp_path: Path) -> None:
    a, b = tmp_path / "a.yaml", tmp_path / "b.yaml"
    text = (FIXTURES / "conflict.yaml").read_text()
    head, _sep, tail = text.partition("  - id: conflict.rich")
    a.write_text(head)
    b.write_text("rules:\n  - id: conflict.rich" + tail)
    assert check([a, b]) == check([b, a])
    assert "CR501" in check([b, a]).codes()


def test_policy_layers_are_checked_on_top_of_the_rules(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """A company's layer that gives every task a granularity closes the gap of gap_granularity.yaml."""
    layer = tmp_path / "policy"
    layer.mkdir()
    (layer / "policy.yaml").write_text(
        "rules:\n"
        "  - id: acme.granularity\n"
        "    description: By default, Acme buys whole projects.\n"
        "    salience: -100\n"
        "    then: [{set: {granularity: whole_project}}]\n"
        "    source: {citation: Acme policy, status: V}\n"
    )
    rules = FIXTURES / "gap_granularity.yaml"
    assert "CR602" in check(rules).codes()
    assert check(rules, policy=[layer]).codes() == ("CR600",)
    assert main(["check", "--strict", "--rules", str(rules), "--policy", str(layer)]) == 0
    assert main(["graph", "--rules", str(rules), "--policy", str(layer)]) == 0
    assert "acme.granularity" in capsys.readouterr().out


# -- the command line ------------------------------------------------------------------------


def test_cli_exit_codes(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["check", "--rules", str(FIXTURES / "clean.yaml")]) == 0
    assert main(["check", "--rules", str(FIXTURES / "shadowed.yaml")]) == 0  # a warning
    assert main(["check", "--strict", "--rules", str(FIXTURES / "shadowed.yaml")]) == 1
    assert main(["check", "--strict", "--ignore", "CR402", "--rules", str(FIXTURES / "shadowed.yaml")]) == 0
    assert main(["check", "--rules", str(FIXTURES / "contradiction_input.yaml")]) == 1  # an error
    assert main(["check", "--rules", str(FIXTURES / "load_error.yaml")]) == 1
    assert main(["check", "--ignore", "CR999", "--rules", str(FIXTURES / "clean.yaml")]) == 2
    out = capsys.readouterr().out
    assert "shadowed.yaml:19:5: CR402 warning: rule is shadowed by 'shadow.wide'" in out


def test_cli_json(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["check", "--format", "json", "--rules", str(FIXTURES / "duplicate.yaml")]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["summary"] == {"errors": 0, "warnings": 1, "notes": 1}
    assert data["gap_search"]["method"] == "exhaustive"
    first = data["findings"][0]
    assert first["code"] == "CR401" and first["severity"] == "warning"
    assert first["location"]["line"] == 17 and first["location"]["column"] == 5
    assert first["rules"] == ["dup.second", "dup.first"]


# -- the shipped rules -----------------------------------------------------------------------


@pytest.fixture(scope="module")
def default_report() -> cr.CheckReport:
    return check([cr.default_rules_path()])


def test_default_rules_have_no_errors(default_report: cr.CheckReport) -> None:
    assert not default_report.errors, "\n".join(map(str, default_report.errors))


def test_default_rules_pass_check_strict(default_report: cr.CheckReport) -> None:
    """What ``crowdsourcing-rules check --strict`` decides (CI runs it through this test)."""
    assert not default_report.failed(strict=True), default_report.to_text()


# -- properties on random rule sets ----------------------------------------------------------


def _brute_force(ruleset: cr.RuleSet, inputs: cr.RuleSet | None = None) -> tuple[set[str], list[cr.Recommendation]]:
    """Every task over the full values of the facts the rules (or ``inputs``) read, with no classes
    of values: an oracle."""
    vocabulary = ruleset.vocabulary
    inputs = inputs or ruleset
    read = sorted({t.fact for r in inputs for t in r.tests if vocabulary.has_fact(t.fact)})
    options: list[list[object]] = []
    for fact in read:
        spec = vocabulary.fact(fact)
        if spec.kind == "list":
            tested = sorted({str(t.value) for r in inputs for t in r.tests if t.fact == fact})
            other = next((v for v in spec.values if v not in tested), None) if spec.values else "something else"
            options.append([[], *([v] for v in tested), tested, *([[other]] if other else [])])
        else:
            options.append(list(spec.values))
    advisor = cr.Advisor(ruleset, engine="reference")
    fired: set[str] = set()
    recs = []
    for values in itertools.product(*options):
        rec = advisor.decide({"id": "t", **dict(zip(read, values, strict=True))}, questions=False)
        fired |= {f.rule_id for f in rec.trace}
        recs.append(rec)
    return fired, recs


@settings(max_examples=40, deadline=None)
@given(rule_dicts(max_rules=6))
def test_exhaustive_findings_agree_with_brute_force(rules: list[dict[str, Any]]) -> None:
    """On random rule sets, with the exhaustive search: a rule is reported as never firing exactly
    when no task fires it; a gap is reported exactly when some task lacks the output; every tie the
    resolution records on some task is reported as a conflict, and a conflict's example is such a
    task."""
    try:
        ruleset = parse_rule_documents([("random.json", json.dumps({"rules": rules}))])
        cr.Advisor(ruleset, engine="reference")
    except cr.RuleFileError:
        assume(False)
    report = check(ruleset)
    assume(report.search is not None and report.search.method == "exhaustive")
    fired, recs = _brute_force(ruleset)
    never = {f.rule_ids[0] for f in report.findings if f.code in ("CR201", "CR202", "CR203", "CR205")}
    assert never == {r.id for r in ruleset} - fired
    assert ("CR601" in report.codes()) == any(rec.crowdsource is None for rec in recs)
    live = [rec for rec in recs if rec.crowdsource not in (None, "no")]
    assert ("CR602" in report.codes()) == any(rec.granularity is None for rec in live)
    assert ("CR603" in report.codes()) == any(not rec.crowd_types for rec in live)
    ties = {
        (*sorted((firing.rule_id, o.by)), o.output)
        for rec in recs
        for firing in rec.trace
        for o in firing.overridden
        if o.reason.startswith("conflict at equal salience")
        # a 'no' verdict makes these outputs not applicable, whatever the tie said
        and not (
            rec.crowdsource == "no"
            and o.output in ("granularity", "crowd_model", "manage_crowd_directly", "preselection")
        )
    }
    # every tie the resolution records is reported (a report may name more pairs: with a, b, c at
    # equal salience, a and b setting one value and c another, b and c conflict too)
    reported = {(f.rule_ids[0], f.rule_ids[-1], f.details["output"]) for f in report.findings if f.code == "CR501"}
    assert ties <= reported
    advisor = cr.Advisor(ruleset, engine="reference")
    for finding in report.findings:
        if finding.code == "CR501":
            rec = advisor.decide({"id": "t", **finding.details["example"]}, questions=False)
            overrides = [o for f in rec.trace for o in f.overridden if o.output == finding.details["output"]]
            assert any(o.reason.startswith("conflict at equal salience") for o in overrides)


def _outputs(rec: cr.Recommendation) -> dict[str, object]:
    """What a recommendation concludes, lists as sets (their order may follow rule ids), and risks
    without the rules that raised them (provenance, like the trace)."""
    data = rec.to_dict()
    for risk in data["risks"]:
        risk.pop("rules")
    return {
        key: sorted(map(json.dumps, value)) if isinstance(value, list) else value
        for key, value in data.items()
        if key not in ("trace", "engine", "task_id", "questions")
    }


@st.composite
def rule_dicts_with_a_narrower_copy(draw: st.DrawFn) -> list[dict[str, Any]]:
    """Random rules, plus a copy of one of them with a stricter condition, some of its
    conclusions and a salience no higher: a rule that is shadowed unless something else interferes."""
    rules = draw(rule_dicts(max_rules=5))
    original = draw(st.sampled_from(rules))
    extra = draw(conditions)
    copy = {
        **original,
        "id": "zz-copy",
        "salience": original.get("salience", 0) - draw(st.integers(0, 1)),
        "then": original["then"][: draw(st.integers(1, len(original["then"])))],
        "when": {"all": [original["when"], extra]} if "when" in original else extra,
    }
    return [*rules, copy]


@settings(max_examples=40, deadline=None)
@given(rule_dicts_with_a_narrower_copy())
def test_deleting_a_duplicate_or_shadowed_rule_changes_no_recommendation(rules: list[dict[str, Any]]) -> None:
    try:
        ruleset = parse_rule_documents([("random.json", json.dumps({"rules": rules}))])
        cr.Advisor(ruleset, engine="reference")
    except cr.RuleFileError:
        assume(False)
    report = check(ruleset, samples=0)
    redundant = [f.rule_ids[0] for f in report.findings if f.code in ("CR401", "CR402")]
    assume(redundant)
    _fired, before = _brute_force(ruleset)
    for rule_id in redundant:
        without = cr.RuleSet([r for r in ruleset if r.id != rule_id], ruleset.vocabulary)
        _fired, after = _brute_force(without, ruleset)
        assert [_outputs(r) for r in before] == [_outputs(r) for r in after], rule_id
