"""Rule files: every kind of problem is reported, located, and all at once; nothing is executed."""

from __future__ import annotations

from pathlib import Path

import pytest

import crowdsourcing_rules as cr

SOURCE = "    source: {citation: test, status: I}\n"


def load_problems(write_rules, text: str) -> list[cr.Problem]:
    folder = write_rules(rules=text)
    with pytest.raises(cr.RuleFileError) as caught:
        cr.load_rules([folder])
    return list(caught.value.problems)


def only(problems: list[cr.Problem]) -> cr.Problem:
    assert len(problems) == 1, [str(p) for p in problems]
    return problems[0]


def test_a_valid_file_loads(write_rules) -> None:
    folder = write_rules(
        rules="rules:\n  - id: a\n    description: d\n    when: {urgency: high}\n    then:\n"
        "      - set: {crowdsource: 'yes'}\n" + SOURCE
    )
    [rule] = cr.load_rules([folder])
    assert rule.id == "a"
    assert rule.location == cr.Location(str(folder / "rules.yaml"), 2, 5)


def test_syntax_error_is_located(write_rules) -> None:
    problem = only(load_problems(write_rules, "rules:\n  - id: a\n    when: {urgency: [high}\n"))
    assert problem.message.startswith("YAML syntax error")
    assert (problem.location.line, problem.location.column) == (3, 26)  # the stray "}"


def test_duplicate_key_is_an_error(write_rules) -> None:
    problem = only(load_problems(write_rules, "rules:\n  - id: a\n    id: b\n"))
    assert "duplicate key" in problem.message
    assert problem.location.line == 3


def test_unknown_key_is_named_with_a_suggestion(write_rules) -> None:
    problem = only(
        load_problems(
            write_rules,
            "rules:\n  - id: a\n    description: d\n    salince: 3\n    then:\n"
            "      - set: {crowdsource: 'yes'}\n" + SOURCE,
        )
    )
    assert str(problem).endswith(
        "rules.yaml:4:5: unknown key 'salince' in rule; did you mean 'salience'?; expected one of 'id', "
        "'description', 'salience', 'when', 'then', 'source', 'metadata' (rule 'a')"
    )


def test_duplicate_rule_ids_across_files_name_both_places(write_rules) -> None:
    rule = "rules:\n  - id: same\n    description: d\n    then:\n      - set: {crowdsource: 'yes'}\n" + SOURCE
    folder = write_rules(one=rule, two=rule)
    with pytest.raises(cr.RuleFileError) as caught:
        cr.load_rules([folder])
    problem = only(list(caught.value.problems))
    assert problem.rule_id == "same"
    assert problem.location.path.endswith("two.yaml")
    assert "first defined at" in problem.message and "one.yaml:2:5" in problem.message


def test_unknown_fact_and_unknown_value_get_suggestions(write_rules) -> None:
    problems = load_problems(
        write_rules,
        "rules:\n  - id: a\n    description: d\n    when:\n      all:\n        - urgncy: high\n"
        "        - budget: lots\n    then:\n      - set: {crowdsource: 'yes'}\n" + SOURCE,
    )
    assert [(p.location.line, p.rule_id) for p in problems] == [(6, "a"), (7, "a")]
    assert "unknown fact 'urgncy'; did you mean 'urgency'?" in problems[0].message
    assert "'budget' has no value 'lots'" in problems[1].message


def test_conclusion_outside_the_output_set_is_an_error(write_rules) -> None:
    problems = load_problems(
        write_rules,
        "rules:\n  - id: a\n    description: d\n    then:\n      - set: {crowdsource: maybe}\n"
        "      - add: {crowd_types: [general_publik]}\n      - set: {crowd_types: general_public}\n"
        "      - risk: {id: qualty, severity: high}\n" + SOURCE,
    )
    messages = [p.message for p in problems]
    assert "'crowdsource' has no value 'maybe'" in messages[0]
    assert "did you mean 'general_public'" in messages[1]
    assert "use 'add' for list outputs" in messages[2]
    assert "unknown risk id 'qualty'; did you mean 'quality'?" in messages[3]
    assert [p.location.line for p in problems] == [5, 6, 7, 8]


def test_ordering_needs_an_ordered_scale(write_rules) -> None:
    problem = only(
        load_problems(
            write_rules,
            "rules:\n  - id: a\n    description: d\n    when: {task_type: {at_least: ideation}}\n"
            "    then:\n      - set: {crowdsource: 'yes'}\n" + SOURCE,
        )
    )
    assert "needs an ordered scale" in problem.message


def test_missing_parts_of_a_rule_are_all_reported(write_rules) -> None:
    problems = load_problems(write_rules, "rules:\n  - id: a\n    salience: high\n")
    messages = " | ".join(p.message for p in problems)
    for expected in ("'description'", "'salience' must be an integer", "'then'", "'source'"):
        assert expected in messages


def test_source_status_must_be_a_label(write_rules) -> None:
    problem = only(
        load_problems(
            write_rules,
            "rules:\n  - id: a\n    description: d\n    then:\n      - set: {crowdsource: 'yes'}\n"
            "    source: {citation: x, status: verified}\n",
        )
    )
    assert "status 'verified' is not a status label" in problem.message


def test_a_test_of_a_derived_fact_no_rule_derives_is_an_error(write_rules) -> None:
    problem = only(
        load_problems(
            write_rules,
            "rules:\n  - id: a\n    description: d\n    when: {needs_lawyer: true}\n    then:\n"
            "      - set: {crowdsource: 'yes'}\n" + SOURCE,
        )
    )
    assert "unknown fact 'needs_lawyer'" in problem.message


def test_problems_of_several_files_come_together(write_rules) -> None:
    folder = write_rules(a="rules: 3\n", b="rulez: []\n")
    with pytest.raises(cr.RuleFileError) as caught:
        cr.load_rules([folder])
    assert len(caught.value.problems) == 3  # a: not a list; b: unknown key, missing 'rules'


@pytest.mark.parametrize(
    "text",
    [
        "rules: !!python/object/apply:os.system ['touch {marker}']\n",
        "rules:\n  - !!python/object/new:os.system ['touch {marker}']\n",
        "rules: !custom {{}}\n",
        "rules:\n  - id: !shell 'touch {marker}'\n",
    ],
)
def test_tags_are_refused_and_nothing_runs(write_rules, tmp_path: Path, text: str) -> None:
    marker = tmp_path / "executed"
    problems = load_problems(write_rules, text.format(marker=marker))
    assert any("YAML tag" in p.message and "not allowed" in p.message for p in problems)
    assert not marker.exists()


def test_python_looking_strings_are_plain_text(write_rules) -> None:
    folder = write_rules(
        rules="rules:\n  - id: a\n    description: __import__('os').system('x')\n    then:\n"
        "      - condition: \"exec('import os')\"\n" + SOURCE
    )
    [rule] = cr.load_rules([folder])
    assert rule.then[0].value == "exec('import os')"


def test_missing_path_is_reported(tmp_path: Path) -> None:
    with pytest.raises(cr.RuleFileError, match="no such file or directory"):
        cr.load_rules([tmp_path / "nowhere"])


def test_case_files_beside_rules_are_not_rules(write_rules) -> None:
    folder = write_rules(
        rules="rules:\n  - id: a\n    description: d\n    then:\n      - set: {crowdsource: 'yes'}\n" + SOURCE
    )
    (folder / "policy.cases.yaml").write_text("cases: []\n", encoding="utf-8")
    assert len(cr.load_rules([folder])) == 1


def test_declared_facts_extend_the_vocabulary(write_rules) -> None:
    folder = write_rules(
        rules="facts:\n  budget_code: {type: enum, values: [capex, opex]}\n"
        "rules:\n  - id: a\n    description: d\n    when: {budget_code: capex}\n    then:\n"
        "      - set: {crowdsource: 'no'}\n" + SOURCE
    )
    ruleset = cr.load_rules([folder])
    assert ruleset.vocabulary.fact("budget_code").values == ("capex", "opex", "unknown")
    with cr.Advisor(ruleset) as advisor:
        assert advisor.decide({"id": "t", "budget_code": "capex"}).crowdsource == "no"
        with pytest.raises(cr.TaskError, match="budget_code"):
            advisor.decide({"id": "t", "budget_code": "other"})


def test_builtin_facts_cannot_be_redeclared(write_rules) -> None:
    problem = only(load_problems(write_rules, "facts:\n  urgency: {type: bool}\nrules: []\n"))
    assert "built into the vocabulary" in problem.message
    assert problem.location.line == 2


def test_shipped_default_rules_load() -> None:
    assert len(cr.load_rules([cr.default_rules_path()])) > 0


def test_a_rule_cannot_set_one_output_to_two_values(write_rules) -> None:
    problem = only(
        load_problems(
            write_rules,
            "rules:\n  - id: a\n    description: d\n    then:\n      - set: {granularity: contest}\n"
            "      - set: {granularity: micro_task}\n" + SOURCE,
        )
    )
    assert problem.message == "this rule sets 'granularity' twice, to 'contest' and to 'micro_task'"
    assert (problem.location.line, problem.rule_id) == (6, "a")


def test_a_source_names_its_bibliography_keys(write_rules) -> None:
    folder = write_rules(
        rules="rules:\n  - id: a\n    description: d\n    then: [{plan: x}]\n"
        "    source: {citation: c, status: V, keys: [afuah-tucci-2012, loi-1971-54]}\n"
    )
    [rule] = cr.load_rules([folder])
    assert rule.source.keys == ("afuah-tucci-2012", "loi-1971-54")
    assert rule.source.to_dict()["keys"] == ["afuah-tucci-2012", "loi-1971-54"]


@pytest.mark.parametrize("keys", ["afuah-tucci-2012", "[Afuah Tucci]", "[1]"])
def test_source_keys_must_be_a_list_of_slugs(write_rules, keys: str) -> None:
    problem = only(
        load_problems(
            write_rules,
            f"rules:\n  - id: a\n    description: d\n    then: [{{plan: x}}]\n"
            f"    source: {{citation: c, status: V, keys: {keys}}}\n",
        )
    )
    assert "source 'keys' must be a list of bibliography keys" in problem.message
    assert problem.rule_id == "a" and problem.location.line == 5


def test_service_types_may_come_with_the_reason_each_fits(write_rules) -> None:
    folder = write_rules(
        rules="rules:\n  - id: a\n    description: d\n    then:\n      - add:\n          service_types:\n"
        "            managed_service: >\n              the vendor runs\n              the crowd\n"
        "            own_platform: your own site\n" + SOURCE
    )
    [rule] = cr.load_rules([folder])
    assert [(c.value, c.note) for c in rule.then] == [
        ("managed_service", "the vendor runs the crowd"),
        ("own_platform", "your own site"),
    ]


@pytest.mark.parametrize(
    ("then", "message"),
    [
        ("[{add: {crowd_types: {general_public: why}}}]", "only 'add' of 'service_types' takes values with reasons"),
        ("[{remove: {service_types: {own_platform: why}}}]", "only 'add' of 'service_types' takes values"),
        ("[{add: {service_types: {own_platform: [why]}}}]", "the reason a service type fits must be text"),
        ("[{add: {service_types: {own_site: why}}}]", "'service_types' has no value 'own_site'"),
    ],
)
def test_reasons_are_checked(write_rules, then: str, message: str) -> None:
    problem = only(load_problems(write_rules, f"rules:\n  - id: a\n    description: d\n    then: {then}\n" + SOURCE))
    assert message in problem.message
    assert problem.rule_id == "a"


def test_no_rule_reads_an_output_computed_after_the_rules(write_rules) -> None:
    problem = only(
        load_problems(
            write_rules,
            "rules:\n  - id: a\n    description: d\n    when: {provisional: true}\n    then: [{plan: x}]\n" + SOURCE,
        )
    )
    assert problem.message == "'provisional' is computed once the rules have run: no rule can read it"


def test_a_list_fact_with_values_is_tested_against_them(write_rules) -> None:
    text = "rules:\n  - id: a\n    description: d\n    when: {regulated_domains: {contains: healthcare}}\n"
    problem = only(load_problems(write_rules, text + "    then: [{plan: x}]\n" + SOURCE))
    assert "'regulated_domains' has no value 'healthcare'" in problem.message
