"""Decision cases as data, the runner, its coverage report, and ``crowdsourcing-rules test``."""

from __future__ import annotations

import json
import textwrap
import warnings
from pathlib import Path

import pytest

from crowdsourcing_rules import Advisor, default_rules_path
from crowdsourcing_rules.analysis.testing import run_cases, run_policy_cases
from crowdsourcing_rules.cli import main
from crowdsourcing_rules.errors import CaseFileError, PolicyWarning
from crowdsourcing_rules.rulefiles.cases import find_case_files, load_cases
from crowdsourcing_rules.rulefiles.layers import load_layers

HERE = Path(__file__).parent
# A frozen copy of the starter rules: the runner's own tests below use it, so that they test the
# runner whatever the shipped knowledge base holds.
DEFAULTS = HERE / "fixtures" / "defaults"
# The example is a layer on the shipped default rules, what users get: it runs on those.
EXAMPLE = HERE.parent / "examples" / "company_policy"

# -- the example, as a company would run it from pytest ---------------------------------------------

EXAMPLE_REPORT = run_policy_cases(EXAMPLE, defaults=[default_rules_path()])


@pytest.mark.parametrize("result", EXAMPLE_REPORT.results, ids=lambda r: r.case.id)
def test_example_policy_case(result) -> None:  # type: ignore[no-untyped-def]
    result.check()


def test_example_policy_covers_every_rule_it_adds_or_replaces() -> None:
    assert len(EXAMPLE_REPORT.results) >= 10
    assert EXAMPLE_REPORT.coverage.uncovered == ()
    assert "q1.licensed-profession" in EXAMPLE_REPORT.coverage.rules  # replaced, so the policy's own


def test_example_policy_changes_the_shipped_defaults_without_warnings() -> None:
    # A shipped example must not leave a contradiction for the loader to warn about, and it must
    # change real rules of the knowledge base: replace, disable and re-prioritise.
    layered = load_layers([default_rules_path()], [EXAMPLE])
    assert layered.warnings == ()
    changed = {(change.kind, change.name) for change in layered.changes}
    assert {
        ("replaced", "q1.licensed-profession"),
        ("disabled", "plan.step1.register-on-platforms"),
        ("disabled", "plan.step2.register-as-provider"),
        ("salience", "q4.citizen-science.platform"),
        ("salience", "q2.skilled.freelancers"),
    } <= changed
    with warnings.catch_warnings():
        warnings.simplefilter("error", PolicyWarning)
        Advisor.default(policy=[EXAMPLE]).close()


def test_cli_test_passes_on_the_example(capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["test", str(EXAMPLE), "--min-coverage", "100"])
    captured = capsys.readouterr()
    assert code == 0, captured.out
    assert "14 cases: 14 passed, 0 failed" in captured.out
    assert "coverage: 7 of 7 rules added or replaced by the policy fired in some case (100.0%)" in captured.out
    assert "warning" not in captured.err


# -- failures, coverage and exit codes ----------------------------------------------------------------

POLICY = """\
facts:
  budget_code: {type: enum, values: [capex, opex]}
rules:
  - id: acme.capex
    description: Capex needs a purchase order.
    when: {budget_code: capex}
    then:
      - condition: a signed purchase order
    source: {citation: Acme finance manual, status: V}
  - id: acme.never-fires
    description: Nothing in the cases is a funding task.
    when: {task_type: funding}
    then:
      - plan: Talk to the treasurer
    source: {citation: Acme finance manual, status: V}
"""


def make_policy(tmp_path: Path, cases: str) -> Path:
    folder = tmp_path / "policy"
    folder.mkdir(exist_ok=True)
    (folder / "policy.yaml").write_text(POLICY, encoding="utf-8")
    (folder / "policy.cases.yaml").write_text(textwrap.dedent(cases), encoding="utf-8")
    return folder


def test_failure_shows_the_case_the_difference_and_the_trace(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    policy = make_policy(
        tmp_path,
        """\
        cases:
          - id: capex-is-free
            description: A wrong expectation, to see the report.
            given: {budget_code: capex}
            expect:
              crowdsource: 'yes'
        """,
    )
    code = main(["test", str(policy), "--rules", str(DEFAULTS)])
    out = capsys.readouterr().out
    assert code == 1
    assert f"FAIL capex-is-free  ({policy / 'policy.cases.yaml'}:2:5)" in out
    assert "given: budget_code=capex" in out
    assert "- crowdsource: expected yes, got with_conditions" in out
    assert "trace (rules fired, in order):" in out
    assert "    acme.capex  salience 0  " in out
    assert "overridden: crowdsource = yes by policy (conditions apply" in out
    assert "1 cases: 0 passed, 1 failed" in out


def test_coverage_lists_rules_that_fired_in_no_case(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    policy = make_policy(
        tmp_path,
        """\
        cases:
          - id: capex
            given: {budget_code: capex}
            expect: {crowdsource: with_conditions}
        """,
    )
    assert main(["test", str(policy), "--rules", str(DEFAULTS)]) == 0
    out = capsys.readouterr().out
    assert "coverage: 1 of 2 rules added or replaced by the policy fired in some case (50.0%)" in out
    assert f"  fired in no case: acme.never-fires  {policy / 'policy.yaml'}:10:5" in out
    # Below the threshold: a failure, like opa test --coverage --threshold.
    assert main(["test", str(policy), "--rules", str(DEFAULTS), "--min-coverage", "60"]) == 1
    assert "coverage 50.0% is below the minimum of 60%" in capsys.readouterr().out
    assert main(["test", str(policy), "--rules", str(DEFAULTS), "--min-coverage", "50"]) == 0
    capsys.readouterr()
    # Coverage of every rule loaded, defaults included.
    assert main(["test", str(policy), "--rules", str(DEFAULTS), "--coverage", "all", "--format", "json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["coverage"]["scope"] == "all"
    assert "start.micro-tasks" in data["coverage"]["uncovered"]
    assert "acme.capex" not in data["coverage"]["uncovered"]


def test_no_cases_is_an_error(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    folder = tmp_path / "policy"
    folder.mkdir()
    (folder / "policy.yaml").write_text(POLICY, encoding="utf-8")
    assert main(["test", str(folder), "--rules", str(DEFAULTS)]) == 1
    assert "no decision cases file (*.cases.yaml)" in capsys.readouterr().err


def test_find_case_files(tmp_path: Path) -> None:
    policy = make_policy(tmp_path, "cases: []\n")
    (policy / ".hidden").mkdir()
    (policy / ".hidden" / "x.cases.yaml").write_text("cases: []\n")
    assert find_case_files(policy) == (policy / "policy.cases.yaml",)
    assert find_case_files(policy / "policy.yaml") == (policy / "policy.cases.yaml",)


# -- expectations ---------------------------------------------------------------------------------------

TASK = {
    "skill_level": "professional",
    "in_house_capability": "none",
    "volume": "one_off",
    "legal_sensitivity": "high",
    "budget_code": "capex",
}


@pytest.fixture(scope="module")
def advisor(tmp_path_factory: pytest.TempPathFactory) -> Advisor:
    folder = make_policy(tmp_path_factory.mktemp("p"), "cases: []\n")
    return Advisor.from_paths([DEFAULTS], policy=[folder])


def outcome(advisor: Advisor, tmp_path: Path, expect: str) -> tuple[str, ...]:
    """The differences of one case on TASK with this expectation (empty: it holds)."""
    given = json.dumps(TASK)
    path = tmp_path / "x.cases.yaml"
    path.write_text(f"cases:\n  - id: c\n    given: {given}\n    expect: {expect}\n", encoding="utf-8")
    cases = load_cases([path], advisor.ruleset.vocabulary, [r.id for r in advisor.ruleset])
    return run_cases(advisor, cases).results[0].differences


# On TASK, the fixture rules conclude: crowdsource with_conditions (the capex condition),
# crowd_types [skilled_freelancers, niche_experts], granularity macro_task, risks
# confidentiality_ip_leak (high) and quality (medium).
@pytest.mark.parametrize(
    "expect",
    [
        "{crowdsource: with_conditions}",
        "{crowdsource: ['yes', with_conditions]}",
        "{howe_function: null}",
        "{crowd_types: [skilled_freelancers, niche_experts]}",
        "{crowd_types: {first: skilled_freelancers}}",
        "{crowd_types: {contains: niche_experts, excludes: [general_public]}}",
        "{objectives: {contains: access_expertise}}",
        "{service_types: {empty: false}}",
        "{conditions: signed PURCHASE order}",
        "{plan: {excludes: treasurer}}",
        "{risks: [confidentiality_ip_leak, {id: quality, severity: medium}]}",
        "{risks: {excludes: [privacy_personal_data]}}",
        "{fired: [acme.capex, start.professional-work]}",
        "{not_fired: acme.never-fires}",
        "{questions: {excludes: [urgency]}}",
    ],
)
def test_expectations_that_hold(advisor: Advisor, tmp_path: Path, expect: str) -> None:
    assert outcome(advisor, tmp_path, expect) == ()


@pytest.mark.parametrize(
    ("expect", "difference"),
    [
        ("{crowdsource: 'no'}", "crowdsource: expected no, got with_conditions"),
        ("{crowdsource: ['yes', 'no']}", "crowdsource: expected one of [yes, no], got with_conditions"),
        ("{granularity: null}", "granularity: expected none, got macro_task"),
        (
            "{crowd_types: [niche_experts]}",
            "crowd_types: expected exactly [niche_experts], got [skilled_freelancers, niche_experts]",
        ),
        (
            "{crowd_types: {first: niche_experts}}",
            "crowd_types: expected niche_experts first, got [skilled_freelancers, niche_experts]",
        ),
        ("{crowd_types: {contains: general_public}}", "crowd_types: expected [general_public], got"),
        ("{crowd_types: {excludes: niche_experts}}", "crowd_types: expected no [niche_experts], got"),
        ("{service_types: {empty: true}}", "service_types: expected empty, got"),
        ("{conditions: NDA}", "conditions: expected an item containing [NDA], got [a signed purchase order]"),
        (
            "{risks: [{id: quality, severity: high}]}",
            "risks: expected quality (high) to be raised, got confidentiality_ip_leak (high), quality (medium)",
        ),
        ("{risks: {excludes: quality}}", "risks: expected quality not to be raised"),
        ("{risks: {empty: true}}", "risks: expected none, got"),
        ("{fired: acme.never-fires}", "fired: expected acme.never-fires to fire; they did not"),
        ("{not_fired: acme.capex}", "not_fired: expected acme.capex not to fire; they did"),
    ],
)
def test_expectations_that_fail_say_what_differs(
    advisor: Advisor, tmp_path: Path, expect: str, difference: str
) -> None:
    [found] = outcome(advisor, tmp_path, expect)
    assert found.startswith(difference), found


# -- invalid cases files --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("cases:\n  - id: c\n    given: {}\n    expect: {verdict: 'no'}\n", "4:14: case 'c': unknown output 'verdict'"),
        (
            "cases:\n  - id: c\n    given: {}\n    expect: {crowdsource: maybe}\n",
            "4:14: case 'c': 'crowdsource' has no value 'maybe'",
        ),
        (
            "cases:\n  - id: c\n    given: {urgncy: high}\n    expect: {crowdsource: 'no'}\n",
            "3:13: case 'c': unknown fact 'urgncy'; did you mean 'urgency'?",
        ),
        (
            "cases:\n  - id: c\n    given: {budget_code: gold}\n    expect: {crowdsource: 'no'}\n",
            "3:13: case 'c': fact 'budget_code' has value 'gold'",
        ),
        (
            "cases:\n  - id: c\n    given: {}\n    expect: {fired: acme.capx}\n",
            "case 'c': 'fired' names 'acme.capx', which is not a rule of the loaded rule set; did you mean "
            "'acme.capex'?",
        ),
        ("cases:\n  - id: c\n    given: {}\n    expect: {risks: [leak]}\n", "case 'c': unknown risk 'leak'"),
        (
            "cases:\n  - id: c\n    given: {}\n    expect: {crowd_types: {second: x}}\n",
            "case 'c': unknown test 'second' on 'crowd_types'",
        ),
        ("cases:\n  - id: c\n    given: {}\n", "2:5: case 'c' needs 'expect'"),
        (
            "cases:\n  - id: c\n    expect: {crowdsource: 'no'}\n  - id: c\n    expect: {crowdsource: 'no'}\n",
            "4:5: duplicate case id 'c'; first defined at ",
        ),
        ("cases:\n  - id: c\n    gvien: {}\n    expect: {crowdsource: 'no'}\n", "3:5: unknown key 'gvien' in case"),
        ("rules: []\n", "1:1: expected a mapping with a 'cases' list"),
        ("cases:\n  - !!python/object:os.system {}\n", "YAML tag"),
    ],
)
def test_invalid_cases_are_located(advisor: Advisor, tmp_path: Path, text: str, message: str) -> None:
    path = tmp_path / "bad.cases.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(CaseFileError) as error:
        load_cases([path], advisor.ruleset.vocabulary, [r.id for r in advisor.ruleset])
    problems = [str(p) for p in error.value.problems]
    assert any(message in p for p in problems), problems


def test_invalid_cases_exit_1_on_the_command_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    policy = make_policy(tmp_path, "cases:\n  - id: c\n    given: {}\n    expect: {verdict: 'no'}\n")
    assert main(["test", str(policy), "--rules", str(DEFAULTS)]) == 1
    assert "unknown output 'verdict'" in capsys.readouterr().err


def test_check_raises_an_assertion_error_with_the_explanation(advisor: Advisor, tmp_path: Path) -> None:
    path = tmp_path / "x.cases.yaml"
    path.write_text("cases:\n  - id: c\n    given: {budget_code: capex}\n    expect: {crowdsource: 'no'}\n")
    [result] = run_cases(advisor, load_cases([path], advisor.ruleset.vocabulary, [])).results
    with pytest.raises(AssertionError, match="crowdsource: expected no, got with_conditions"):
        result.check()
