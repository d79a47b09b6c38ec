"""Policy layers: every operation (add, replace, disable, salience, new facts) and every error.

The layers are applied to a frozen copy of the starter rules (tests/fixtures/defaults), so that
these tests say what layering does whatever the shipped knowledge base holds.
"""

from __future__ import annotations

import json
import tempfile
import textwrap
import warnings
from pathlib import Path

import attrs
import pytest
from hypothesis import given, settings, strategies as st

from crowdsourcing_rules import Advisor, RuleFileError
from crowdsourcing_rules.cli import main
from crowdsourcing_rules.errors import PolicyWarning
from crowdsourcing_rules.rulefiles.layers import format_changes, load_layers
from crowdsourcing_rules.rulefiles.loading import load_rules

DEFAULTS = Path(__file__).parent / "fixtures" / "defaults"
SOURCE = "    source: {citation: Acme policy, status: V}\n"


def write(folder: Path, name: str, text: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    return path


def layer_of(tmp_path: Path, text: str, name: str = "policy.yaml") -> Path:
    folder = tmp_path / "policy"
    write(folder, name, text)
    return folder


def problems_of(error: pytest.ExceptionInfo[RuleFileError]) -> list[str]:
    return [str(p) for p in error.value.problems]


# -- operations -----------------------------------------------------------------------------------


def test_no_layer_changes_nothing() -> None:
    layered = load_layers([DEFAULTS], [])
    assert layered.changes == ()
    assert [r.id for r in layered.ruleset] == [r.id for r in load_rules([DEFAULTS])]
    assert set(layered.origin.values()) == {0}


def test_added_rule_runs_with_the_defaults(tmp_path: Path) -> None:
    policy = layer_of(
        tmp_path,
        """\
        rules:
          - id: acme.translation.plan
            description: Translations go through the localisation team.
            when: {task_type: translation_localization}
            then:
              - plan: Brief the localisation team
            source: {citation: Acme policy, status: V}
        """,
    )
    layered = load_layers([DEFAULTS], [policy])
    assert layered.origin["acme.translation.plan"] == 1
    assert layered.origin["start.licensed"] == 0
    [change] = layered.changes
    assert (change.kind, change.name, str(change.location)) == (
        "added",
        "acme.translation.plan",
        f"{policy / 'policy.yaml'}:2:5",
    )
    with Advisor.from_paths([DEFAULTS], policy=[policy]) as advisor:
        rec = advisor.decide({"id": "t", "task_type": "translation_localization"})
    assert "acme.translation.plan" in rec.fired
    assert "start.verdict.default" in rec.fired  # the defaults still run


def test_replaced_rule_takes_the_place_of_the_default(tmp_path: Path) -> None:
    policy = layer_of(
        tmp_path,
        """\
        replace:
          - id: start.licensed
            description: Licensed work is never crowdsourced at Acme.
            salience: 45
            when: {skill_level: licensed}
            then:
              - set: {crowdsource: 'no'}
            source: {citation: Acme policy, status: V}
        """,
    )
    layered = load_layers([DEFAULTS], [policy])
    rule = layered.ruleset.rule("start.licensed")
    assert rule.description == "Licensed work is never crowdsourced at Acme."
    assert layered.origin["start.licensed"] == 1
    [change] = layered.changes
    assert change.kind == "replaced"
    assert (change.old_salience, change.new_salience) == (40, 45)
    assert str(change.previous).endswith("fixtures/defaults/starter.yaml:79:5")
    with Advisor.from_paths([DEFAULTS], policy=[policy]) as advisor:
        rec = advisor.decide({"id": "t", "skill_level": "licensed"})
    # The default version set 'with_conditions' and raised a legal risk; the replacement does neither.
    assert rec.crowdsource == "no"
    assert "legal_regulatory_compliance" not in rec.risk_ids


def test_disabled_rule_is_left_out_with_its_reason(tmp_path: Path) -> None:
    policy = layer_of(
        tmp_path,
        """\
        disable:
          - id: start.plan.no-experience
            reason: procurement holds the platform accounts
        """,
    )
    layered = load_layers([DEFAULTS], [policy])
    assert "start.plan.no-experience" not in layered.origin
    [change] = layered.changes
    assert (change.kind, change.reason) == ("disabled", "procurement holds the platform accounts")
    with Advisor.from_paths([DEFAULTS], policy=[policy]) as advisor:
        rec = advisor.decide({"id": "t", "platform_experience": False})
    assert not any("Register on several platforms" in step for step in rec.plan)


def test_salience_change_keeps_the_rule_a_default(tmp_path: Path) -> None:
    policy = layer_of(tmp_path, "salience:\n  start.micro-tasks: 3\n")
    layered = load_layers([DEFAULTS], [policy])
    assert layered.ruleset.rule("start.micro-tasks").salience == 3
    assert layered.origin["start.micro-tasks"] == 0  # still a default rule, for coverage
    [change] = layered.changes
    assert (change.kind, change.old_salience, change.new_salience) == ("salience", 10, 3)


def test_declared_fact_is_usable_by_rules_and_tasks(tmp_path: Path) -> None:
    policy = layer_of(
        tmp_path,
        """\
        facts:
          budget_code: {type: enum, values: [capex, opex]}
        rules:
          - id: acme.capex
            description: Capex needs a purchase order.
            when: {budget_code: capex}
            then:
              - condition: a signed purchase order
            source: {citation: Acme finance manual, status: V}
        """,
    )
    layered = load_layers([DEFAULTS], [policy])
    assert layered.ruleset.vocabulary.fact("budget_code").values == ("capex", "opex", "unknown")
    assert [c.kind for c in layered.changes] == ["added", "fact"]
    with Advisor.from_paths([DEFAULTS], policy=[policy]) as advisor:
        assert advisor.decide({"id": "a", "budget_code": "capex"}).crowdsource == "with_conditions"
        assert advisor.decide({"id": "b", "budget_code": "opex"}).crowdsource == "yes"


def test_veto_wins_over_any_default_verdict(tmp_path: Path) -> None:
    # 'no' wins by the resolution policy, not by salience: even a low-salience veto beats the
    # licensed rule's 'with_conditions' (salience 40).
    policy = layer_of(
        tmp_path,
        """\
        facts:
          touches_customer_data: {type: bool}
        rules:
          - id: acme.veto.customer-data
            description: Never crowdsource customer personal data.
            salience: -5
            when: {touches_customer_data: true}
            then:
              - set: {crowdsource: 'no'}
            source: {citation: Acme policy, status: V}
        """,
    )
    with Advisor.from_paths([DEFAULTS], policy=[policy]) as advisor:
        rec = advisor.decide({"id": "t", "skill_level": "licensed", "touches_customer_data": True})
        assert rec.crowdsource == "no"
        assert rec.conditions == ()
        assert advisor.decide({"id": "u", "skill_level": "licensed"}).crowdsource == "with_conditions"


def test_layers_apply_in_order(tmp_path: Path) -> None:
    first = write(
        tmp_path / "company",
        "company.yaml",
        """\
        rules:
          - id: acme.plan.legal
            description: Legal reviews everything.
            then: [{plan: Ask legal}]
            source: {citation: Acme policy, status: V}
        """,
    ).parent
    second = write(
        tmp_path / "department",
        "department.yaml",
        """\
        replace:
          - id: acme.plan.legal
            description: The department's own lawyer reviews everything.
            then: [{plan: Ask our lawyer}]
            source: {citation: Department policy, status: V}
        disable:
          - {id: start.quality-always, reason: the department reviews quality itself}
        """,
    ).parent
    layered = load_layers([DEFAULTS], [first, second])
    assert layered.origin["acme.plan.legal"] == 2
    assert [(c.layer, c.kind) for c in layered.changes] == [(1, "added"), (2, "replaced"), (2, "disabled")]
    # The other order: the department replaces a rule that does not exist yet.
    with pytest.raises(RuleFileError) as error:
        load_layers([DEFAULTS], [second, first])
    assert "cannot replace 'acme.plan.legal': no rule of that id in the default rules" in str(error.value)


def test_order_of_files_in_a_layer_does_not_matter(tmp_path: Path) -> None:
    rules = """\
        rules:
          - id: acme.one
            description: One.
            then: [{plan: one}]
            source: {citation: Acme policy, status: V}
        """
    ops = "disable:\n  - {id: start.skills-law, reason: not our business}\nsalience:\n  start.confidential: 70\n"
    a = tmp_path / "a"
    write(a, "1.yaml", rules)
    write(a, "2.yaml", ops)
    b = tmp_path / "b"
    write(b, "2.yaml", rules)
    write(b, "1.yaml", ops)
    one, two = load_layers([DEFAULTS], [a]), load_layers([DEFAULTS], [b])
    assert one.ruleset.rules == two.ruleset.rules
    assert sorted((c.kind, c.name) for c in one.changes) == sorted((c.kind, c.name) for c in two.changes)


def test_decision_cases_files_are_not_rule_files(tmp_path: Path) -> None:
    policy = layer_of(tmp_path, "salience:\n  start.micro-tasks: 3\n")
    write(policy, "policy.cases.yaml", "cases: [{id: c, given: {}, expect: {crowdsource: 'yes'}}]\n")
    assert len(load_layers([DEFAULTS], [policy]).changes) == 1


# -- errors ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (
            "replace:\n  - id: start.licenced\n    description: x\n    then: [{plan: x}]\n" + SOURCE,
            "policy.yaml:2:5: cannot replace 'start.licenced': no rule of that id in the default rules; "
            "did you mean 'start.licensed'? (rule 'start.licenced')",
        ),
        (
            "disable:\n  - {id: start.licenced, reason: no}\n",
            "policy.yaml:2:10: cannot disable 'start.licenced': no rule of that id in the default rules; "
            "did you mean 'start.licensed'?",
        ),
        (
            "salience:\n  start.licenced: 3\n",
            "policy.yaml:2:3: cannot change the salience of 'start.licenced': no rule of that id",
        ),
        (
            "rules:\n  - id: start.licensed\n    description: x\n    then: [{plan: x}]\n" + SOURCE,
            "policy.yaml:2:5: rule id 'start.licensed' already exists (at ",
        ),
        (
            "disable:\n  - {id: start.licensed}\n",
            "policy.yaml:2:5: 'disable' item needs a 'reason' (non-empty text) (rule 'start.licensed')",
        ),
        ("disable:\n  - start.licensed\n", "policy.yaml:2:5: each 'disable' item is a mapping with 'id' and 'reason'"),
        (
            "disable:\n  - {id: start.licensed, reason: x, because: y}\n",
            "policy.yaml:2:37: unknown key 'because' in 'disable'",
        ),
        ("disable: start.licensed\n", "policy.yaml:1:10: 'disable' must be a list"),
        ("salience:\n  start.licensed: high\n", "2:19: new salience of 'start.licensed' must be an integer"),
        ("salience: [start.licensed]\n", "policy.yaml:1:11: 'salience' must be a mapping"),
        ("replace: {id: x}\n", "policy.yaml:1:10: 'replace' must be a list of rules"),
        (
            "facts:\n  urgency: {type: text}\n",
            "policy.yaml:2:3: fact 'urgency' is built into the vocabulary and cannot be redeclared",
        ),
        ("replce: []\n", "policy.yaml:1:1: unknown top-level key 'replce'; did you mean 'replace'?"),
        (
            "disable:\n  - {id: start.licensed, reason: x}\nsalience:\n  start.licensed: 3\n",
            "policy.yaml:4:3: this layer re-prioritises 'start.licensed' and also disables it",
        ),
        (
            "disable:\n  - {id: start.licensed, reason: x}\n  - {id: start.licensed, reason: y}\n",
            "policy.yaml:3:10: this layer disables 'start.licensed' twice (first at ",
        ),
        (
            "replace:\n  - id: start.licensed\n    description: x\n    then: [{plan: x}]\n"
            + SOURCE
            + "disable:\n  - {id: start.licensed, reason: y}\n",
            "policy.yaml:7:10: this layer disables 'start.licensed' and also replaces it",
        ),
    ],
)
def test_layer_errors_are_located(tmp_path: Path, text: str, message: str) -> None:
    policy = layer_of(tmp_path, text)
    with pytest.raises(RuleFileError) as error:
        load_layers([DEFAULTS], [policy])
    assert any(message in problem for problem in problems_of(error)), problems_of(error)


def test_every_layer_problem_is_reported_at_once(tmp_path: Path) -> None:
    policy = layer_of(
        tmp_path,
        """\
        disable:
          - {id: start.nothing, reason: x}
        salience:
          start.nowhere: 3
        replace:
          - id: start.none
            description: x
            then: [{plan: x}]
            source: {citation: Acme policy, status: V}
        """,
    )
    with pytest.raises(RuleFileError) as error:
        load_layers([DEFAULTS], [policy])
    assert len(error.value.problems) == 3
    assert error.value.summary == "3 problems in rule files"


def test_fact_declared_by_defaults_and_layer_is_an_error(tmp_path: Path) -> None:
    defaults = write(tmp_path / "defaults", "facts.yaml", "facts:\n  budget_code: {type: enum, values: [capex]}\n")
    policy = layer_of(tmp_path, "facts:\n  budget_code: {type: text}\n")
    with pytest.raises(RuleFileError) as error:
        load_layers([DEFAULTS, defaults.parent], [policy])
    [problem] = problems_of(error)
    assert "policy.yaml:2:3: fact 'budget_code' is declared twice; first declared at " in problem
    assert "facts.yaml:2:3" in problem


def test_fact_declared_in_two_default_files_is_an_error(tmp_path: Path) -> None:
    # Before layers, a fact declared in two files was silently kept twice in the vocabulary.
    folder = tmp_path / "rules"
    write(folder, "a.yaml", "facts:\n  budget_code: {type: enum, values: [capex]}\n")
    write(folder, "b.yaml", "facts:\n  budget_code: {type: text}\n")
    with pytest.raises(RuleFileError, match="fact 'budget_code' is declared twice"):
        load_rules([folder])


@pytest.mark.parametrize("key", ["replace", "disable", "salience"])
def test_layer_operations_are_refused_outside_a_layer(tmp_path: Path, key: str) -> None:
    folder = tmp_path / "rules"
    write(folder, "rules.yaml", f"{key}: []\n")
    with pytest.raises(RuleFileError, match=f"'{key}' is only allowed in a policy layer"):
        load_rules([folder])


def test_a_layer_cannot_run_code(tmp_path: Path) -> None:
    policy = layer_of(
        tmp_path,
        """\
        salience: !!python/object/apply:os.system ["echo hacked"]
        """,
    )
    with pytest.raises(RuleFileError, match=r"YAML tag .* is not allowed"):
        load_layers([DEFAULTS], [policy])


def test_missing_layer_directory_is_located(tmp_path: Path) -> None:
    with pytest.raises(RuleFileError, match="no such file or directory"):
        load_layers([DEFAULTS], [tmp_path / "nowhere"])


# -- contradictions at equal salience ---------------------------------------------------------------

GRANULARITY_RULE = """\
rules:
  - id: acme.contest
    description: Acme runs one-off professional work as a contest.
    salience: {salience}
    when: {when}
    then:
      - set: {{granularity: contest}}
    source: {{citation: Acme policy, status: V}}
"""


def test_contradiction_at_equal_salience_warns(tmp_path: Path) -> None:
    # start.professional-one-off (salience 5) sets granularity = macro_task for one-off
    # professional work; a layer rule at salience 5 setting 'contest' for one-off work can fire
    # with it, and the winner would be chosen by rule id alone.
    policy = layer_of(tmp_path, GRANULARITY_RULE.format(salience=5, when="{volume: one_off}"))
    layered = load_layers([DEFAULTS], [policy])
    [problem] = layered.warnings
    assert problem.rule_id == "acme.contest"
    assert str(problem.location).endswith("policy.yaml:2:5")
    assert "'start.professional-one-off'" in problem.message
    assert "granularity = contest" in problem.message and "granularity = macro_task" in problem.message
    with pytest.warns(PolicyWarning, match="would win by rule id alone"):
        Advisor.from_paths([DEFAULTS], policy=[policy]).close()


@pytest.mark.parametrize(
    ("salience", "when"),
    [
        (6, "{volume: one_off}"),  # another salience: the higher one wins, on purpose
        (5, "{volume: massive}"),  # exclusive conditions: one_off/small_batch versus massive
    ],
)
def test_no_warning_when_salience_differs_or_conditions_exclude(tmp_path: Path, salience: int, when: str) -> None:
    policy = layer_of(tmp_path, GRANULARITY_RULE.format(salience=salience, when=when))
    assert load_layers([DEFAULTS], [policy]).warnings == ()
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        Advisor.from_paths([DEFAULTS], policy=[policy]).close()


def test_salience_change_into_a_tie_warns(tmp_path: Path) -> None:
    # start.micro-tasks (10) and start.professional-one-off (5) both set manage_crowd_directly =
    # yes, but granularity differently; their conditions exclude each other (volume), so no warning
    # even at equal salience.
    policy = layer_of(tmp_path, "salience:\n  start.micro-tasks: 5\n")
    assert load_layers([DEFAULTS], [policy]).warnings == ()
    # start.professional-work sets crowd_model = labor_market at 10; a layer rule at 10 setting
    # another crowd model is fine while the default is moved away, and warns once it is moved back.
    rule = textwrap.dedent(
        """\
        rules:
          - id: acme.community
            description: Employees first.
            salience: 10
            when: {existing_community: employees}
            then: [{set: {crowd_model: collaborative_community}}]
            source: {citation: Acme policy, status: V}
        """
    )
    moved = layer_of(tmp_path, rule + "salience:\n  start.professional-work: 5\n  start.micro-tasks: 5\n")
    assert load_layers([DEFAULTS], [moved]).warnings == ()
    tied = layer_of(tmp_path, rule)
    messages = [p.message for p in load_layers([DEFAULTS], [tied]).warnings]
    assert len(messages) == 2
    assert any("rule 'start.micro-tasks'" in m for m in messages)
    assert any("rule 'start.professional-work'" in m for m in messages)


def test_a_veto_is_not_a_contradiction(tmp_path: Path) -> None:
    # The verdict is resolved by caution ('no' wins), never by rule id: no warning.
    policy = layer_of(
        tmp_path,
        """\
        rules:
          - id: acme.veto
            description: No at salience -100, like the default 'yes'.
            salience: -100
            then: [{set: {crowdsource: 'no'}}]
            source: {citation: Acme policy, status: V}
        """,
    )
    assert load_layers([DEFAULTS], [policy]).warnings == ()


# -- diff and CLI -----------------------------------------------------------------------------------

# A frozen copy of examples/company_policy as written against the starter rules (tests/fixtures/defaults).
EXAMPLE = Path(__file__).parent / "fixtures" / "company_policy"


def test_diff_lists_every_change_of_the_example() -> None:
    text = format_changes(load_layers([DEFAULTS], [EXAMPLE]))
    assert text.splitlines()[0].endswith("company_policy: 6 added, 1 replaced, 1 disabled, 2 salience changed")
    assert "~ rule start.licensed replaced" in text
    assert "- rule start.plan.no-experience disabled: procurement holds Acme's platform accounts" in text
    assert "^ rule start.professional-work salience 10 -> 5" in text
    assert "+ fact budget_code declared" in text


def test_cli_rules_diff(capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["rules", "--diff", "--rules", str(DEFAULTS), "--policy", str(EXAMPLE)])
    out = capsys.readouterr().out
    assert code == 0
    assert "+ rule acme.veto.customer-personal-data added (salience 100)" in out


def test_cli_rules_diff_needs_a_policy(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_:
        main(["rules", "--diff", "--rules", str(DEFAULTS)])
    assert exit_.value.code == 2


def test_cli_decide_and_validate_with_a_policy(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    task = write(tmp_path, "task.yaml", "id: t\nskills_needed: [legal drafting]\n")
    code = main(["decide", str(task), "--rules", str(DEFAULTS), "--policy", str(EXAMPLE), "--no-questions", "--trace"])
    out = capsys.readouterr().out
    assert code == 0
    assert "no: keep it in-house" in out
    assert "acme.veto.legal-drafting-outside-panel" in out
    assert main(["validate", "--rules", str(DEFAULTS), "--policy", str(EXAMPLE)]) == 0
    assert "with 1 policy layer(s), no problems" in capsys.readouterr().out


def test_cli_prints_layer_warnings_and_errors(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    policy = layer_of(tmp_path, GRANULARITY_RULE.format(salience=5, when="{volume: one_off}"))
    assert main(["validate", "--rules", str(DEFAULTS), "--policy", str(policy)]) == 0
    assert "warning: " in capsys.readouterr().err
    bad = layer_of(tmp_path, "disable:\n  - {id: start.nothing, reason: x}\n", name="bad.yaml")
    assert main(["validate", "--rules", str(DEFAULTS), "--policy", str(bad)]) == 1
    assert "cannot disable 'start.nothing'" in capsys.readouterr().err


# -- reload ---------------------------------------------------------------------------------------------

TINY_DEFAULTS = """\
rules:
  - id: d.yes
    description: Crowdsource by default.
    salience: -100
    then: [{set: {crowdsource: 'yes'}}]
    source: {citation: test, status: V}
  - id: d.micro
    description: Micro work is micro-tasks.
    when: {decomposability: micro}
    then: [{set: {granularity: micro_task}}]
    source: {citation: test, status: V}
"""
TINY_LAYER = """\
facts:
  budget_code: {type: enum, values: [capex, opex]}
rules:
  - id: p.veto
    description: No capital spending on crowds.
    when: {budget_code: VALUE}
    then: [{set: {crowdsource: 'no'}}]
    source: {citation: test, status: V}
salience: {d.micro: 5}
"""


def tiny(tmp_path: Path) -> tuple[Path, Path]:
    defaults = write(tmp_path / "defaults", "rules.yaml", TINY_DEFAULTS).parent
    policy = write(tmp_path / "policy", "policy.yaml", TINY_LAYER.replace("VALUE", "capex")).parent
    return defaults, policy


def test_reload_picks_up_an_edited_layer(tmp_path: Path) -> None:
    defaults, policy = tiny(tmp_path)
    with Advisor.from_paths([defaults], policy=[policy]) as advisor:
        assert advisor.decide({"id": "t", "budget_code": "capex"}).crowdsource == "no"
        (policy / "policy.yaml").write_text(TINY_LAYER.replace("VALUE", "opex"), encoding="utf-8")
        advisor.reload()
        assert advisor.decide({"id": "t", "budget_code": "capex"}).crowdsource == "yes"
        assert advisor.decide({"id": "t", "budget_code": "opex"}).crowdsource == "no"
        assert advisor.layered is not None and advisor.layered.ruleset is advisor.ruleset


def test_failed_reload_keeps_the_current_rules(tmp_path: Path) -> None:
    defaults, policy = tiny(tmp_path)
    with Advisor.from_paths([defaults], policy=[policy]) as advisor:
        (policy / "policy.yaml").write_text("disable:\n  - {id: d.nothing, reason: x}\n", encoding="utf-8")
        with pytest.raises(RuleFileError, match=r"cannot disable 'd\.nothing'"):
            advisor.reload()
        assert advisor.decide({"id": "t", "budget_code": "capex"}).crowdsource == "no"


def _rss_bytes() -> int:
    import os

    with open("/proc/self/statm", encoding="ascii") as statm:
        return int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")


@pytest.mark.slow
def test_a_hundred_reloads_leave_threads_and_memory_flat(tmp_path: Path) -> None:
    # Each reload builds a new engine; the old one is released when the last reference to it goes.
    # Measured on these files: about 60 KB of Python allocations over the first hundred reloads
    # (caches warming; less over each next hundred) and no new thread, while keeping every old
    # engine alive grew the allocations by about 1.4 MB. The tolerance sits between the two.
    import gc
    import threading
    import tracemalloc

    defaults, policy = tiny(tmp_path)
    task = {"id": "t", "budget_code": "capex", "decomposability": "micro"}
    with Advisor.from_paths([defaults], policy=[policy]) as advisor:
        for _ in range(10):  # warm up: imports, caches, the first engines
            advisor.reload()
            advisor.decide(task, questions=False)
        gc.collect()
        threads = threading.active_count()
        rss = _rss_bytes() if Path("/proc/self/statm").exists() else None
        tracemalloc.start()
        try:
            before = tracemalloc.get_traced_memory()[0]
            for _ in range(100):
                advisor.reload()
                assert advisor.decide(task, questions=False).crowdsource == "no"
            gc.collect()
            grown = tracemalloc.get_traced_memory()[0] - before
        finally:
            tracemalloc.stop()
        assert threading.active_count() == threads
        assert grown < 500_000, f"Python allocations grew by {grown} bytes over 100 reloads"
        if rss is not None:
            assert _rss_bytes() - rss < 8_000_000, "resident memory grew by more than 8 MB over 100 reloads"


# -- JSON Schema of a layer file ------------------------------------------------------------------------


def _schemas() -> tuple[dict[str, object], dict[str, object]]:
    from importlib import resources

    folder = resources.files("crowdsourcing_rules") / "schema"
    return (
        json.loads((folder / "rule-file.schema.json").read_text(encoding="utf-8")),
        json.loads((folder / "policy-layer.schema.json").read_text(encoding="utf-8")),
    )


def _plain(path: Path) -> object:
    from ruamel.yaml import YAML

    return json.loads(json.dumps(YAML(typ="safe", pure=True).load(path.read_text(encoding="utf-8"))))


def test_layer_schema_agrees_with_the_loader_and_the_rule_file_schema() -> None:
    from crowdsourcing_rules.rulefiles import parser as loading

    jsonschema = pytest.importorskip("jsonschema")
    rule_file, layer = _schemas()
    jsonschema.Draft7Validator.check_schema(layer)
    assert set(layer["properties"]) == set(loading.TOP_KEYS) | set(loading.LAYER_KEYS)  # type: ignore[call-overload]
    assert layer["definitions"] == rule_file["definitions"], "copy the definitions of rule-file.schema.json"


@pytest.mark.parametrize(
    "path", sorted(p for p in EXAMPLE.glob("*.yaml") if not p.name.endswith(".cases.yaml")), ids=lambda p: p.name
)
def test_example_layer_files_validate(path: Path) -> None:
    jsonschema = pytest.importorskip("jsonschema")
    jsonschema.validate(_plain(path), _schemas()[1])


@pytest.mark.parametrize(
    "text",
    ["disable:\n  - {id: start.licensed}\n", "salience:\n  start.licensed: high\n", "replace: {id: x}\n"],
)
def test_what_the_layer_schema_rejects_the_loader_rejects(tmp_path: Path, text: str) -> None:
    jsonschema = pytest.importorskip("jsonschema")
    policy = layer_of(tmp_path, text)
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(_plain(policy / "policy.yaml"), _schemas()[1])
    with pytest.raises(RuleFileError):
        load_layers([DEFAULTS], [policy])


def test_decide_function_takes_a_policy() -> None:
    import crowdsourcing_rules as cr

    task = {"id": "t", "touches_customer_data": True, "task_type": "data_labeling"}
    assert cr.decide(task, rules=[DEFAULTS], policy=[EXAMPLE]).crowdsource == "no"


def test_cli_rules_lists_each_rule_with_its_layer(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["rules", "--rules", str(DEFAULTS), "--policy", str(EXAMPLE), "--format", "json"]) == 0
    rows = {row["id"]: row for row in json.loads(capsys.readouterr().out)}
    assert rows["acme.internal-first"]["layer"] == 1
    assert rows["start.licensed"]["layer"] == 1  # replaced
    assert (rows["start.micro-tasks"]["layer"], rows["start.micro-tasks"]["salience"]) == (0, 5)
    assert "start.plan.no-experience" not in rows


def test_cli_batch_applies_the_policy(tmp_path: Path) -> None:
    import csv

    source, out = tmp_path / "in.csv", tmp_path / "out.csv"
    source.write_text("id,task_type,touches_customer_data\nt1,data_labeling,true\nt2,data_labeling,false\n")
    assert main(["batch", str(source), "-o", str(out), "--rules", str(DEFAULTS), "--policy", str(EXAMPLE)]) == 0
    rows = list(csv.DictReader(out.read_text(encoding="utf-8").splitlines()))
    assert [r["crowdsource"] for r in rows] == ["no", "yes"]


def test_disabling_the_only_producer_of_a_derived_fact_warns(tmp_path: Path) -> None:
    # start.lacks-skill alone derives external_skill_needed, which start.professional-work reads:
    # without it, professional-work could never fire, and loaded flat the read would be an error.
    policy = layer_of(tmp_path, "disable:\n  - {id: start.lacks-skill, reason: we always lack it}\n")
    [problem] = load_layers([DEFAULTS], [policy]).warnings
    assert problem.rule_id == "start.professional-work"
    assert "reads the derived fact 'external_skill_needed', which no rule derives any more" in problem.message
    assert "rule 'start.lacks-skill' derived it (disabled by layer 1 at " in problem.message
    # A replacement that still derives the fact keeps the reader alive: no warning.
    kept = layer_of(
        tmp_path,
        """\
        replace:
          - id: start.lacks-skill
            description: Acme lacks every skill.
            then: [{derive: {external_skill_needed: true}}]
            source: {citation: Acme policy, status: V}
        """,
    )
    assert load_layers([DEFAULTS], [kept]).warnings == ()


# -- properties -----------------------------------------------------------------------------------------

DEFAULT_IDS = tuple(r.id for r in load_rules([DEFAULTS]))


@given(st.sets(st.sampled_from(DEFAULT_IDS)), st.dictionaries(st.sampled_from(DEFAULT_IDS), st.integers(-50, 50)))
@settings(max_examples=30)
def test_disable_and_salience_equal_editing_the_defaults(disabled: set[str], saliences: dict[str, int]) -> None:
    # A layer that disables some rules and re-prioritises others gives exactly the rule set of the
    # defaults edited by hand: the disabled rules gone, the others with their new salience.
    saliences = {k: v for k, v in saliences.items() if k not in disabled}
    lines = [f"  - {{id: {rule_id}, reason: test}}" for rule_id in sorted(disabled)]
    text = ("disable:\n" + "\n".join(lines) + "\n" if lines else "") + (
        "salience:\n" + "".join(f"  {k}: {v}\n" for k, v in saliences.items()) if saliences else ""
    )
    with tempfile.TemporaryDirectory() as folder:
        (Path(folder) / "policy.yaml").write_text(text or "rules: []\n", encoding="utf-8")
        layered = load_layers([DEFAULTS], [Path(folder)])
    expected = [
        attrs.evolve(rule, salience=saliences.get(rule.id, rule.salience))
        for rule in load_rules([DEFAULTS])
        if rule.id not in disabled
    ]
    assert layered.ruleset.rules == tuple(expected)
    assert all(origin == 0 for origin in layered.origin.values())
