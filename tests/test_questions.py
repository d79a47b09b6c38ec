"""The search for questions gives the answers of the exhaustive search, which is its definition.

A question is an enumerated fact the task leaves unknown such that deciding the task again with
one of its values gives another verdict. ``exhaustive_questions`` below does exactly that, with
full decisions through the public API, over every enumerated fact of the vocabulary (not only
those the search considers): the search (``engine.questions``, which runs only the rules on a path
to the verdict, tries one value per class and remembers verdicts) must agree with it everywhere.
"""

from __future__ import annotations

import json
import random
from collections.abc import Iterator
from typing import Any

import pytest
from hypothesis import HealthCheck, assume, event, given, settings, strategies as st, target

import crowdsourcing_rules as cr
from crowdsourcing_rules.engine.questions import QuestionSearch
from crowdsourcing_rules.model.vocabulary import UNKNOWN
from crowdsourcing_rules.rulefiles.loading import parse_rule_documents
from tests.strategies import RULE_FACTS, SKILLS, rule_dicts, tasks

ENGINES = ("durable-rules", "reference")


def exhaustive_questions(advisor: cr.Advisor, task: Any) -> tuple[str, ...]:
    """The oracle: every open enumerated fact (unknown, and a finer fact only when the coarser one
    it refines is unknown too), every value, one full decision each."""
    parsed = advisor.parse_task(task)
    verdict = advisor.decide(parsed, questions=False).crowdsource
    if verdict is None:
        return ()
    asked = []
    vocabulary = advisor.ruleset.vocabulary
    for spec in vocabulary.facts:
        if spec.kind not in ("enum", "bool") or not vocabulary.open_question(spec.name, parsed.facts):
            continue
        others = (parsed.with_facts({spec.name: value}) for value in spec.values if value != UNKNOWN)
        if any(advisor.decide(other, questions=False).crowdsource != verdict for other in others):
            asked.append(spec.name)
    return tuple(asked)


#: Tasks over the facts the random rules test, most of them unknown: where questions come from.
rule_tasks = st.fixed_dictionaries(
    {"id": st.just("t"), "skills_needed": SKILLS},
    optional={fact: st.sampled_from(values) for fact, values in RULE_FACTS.items()},
)


def advisor_for(rules: list[dict[str, Any]], engine: str) -> cr.Advisor | None:
    try:
        ruleset = parse_rule_documents([("random.json", json.dumps({"rules": rules}))])
        return cr.Advisor(ruleset, engine=engine)  # type: ignore[arg-type]
    except cr.RuleFileError:
        return None  # a value no rule derives, or a rule that waits for itself: not tested here


@pytest.fixture(scope="module")
def default_advisors() -> Iterator[dict[str, cr.Advisor]]:
    advisors = {engine: cr.Advisor.default(engine=engine) for engine in ENGINES}
    yield advisors
    for advisor in advisors.values():
        advisor.close()


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    rules=rule_dicts(max_rules=10, read_outputs=True),
    task_list=st.lists(rule_tasks, min_size=2, max_size=5),
    engine=st.sampled_from(ENGINES),
)
def test_same_questions_as_the_exhaustive_search_on_random_rule_sets(
    rules: list[dict[str, Any]], task_list: list[dict[str, Any]], engine: str
) -> None:
    """Random rule sets (derived facts, negations, rules reading outputs in later strata) and
    random tasks: the search and the oracle agree, on both engines."""
    advisor = advisor_for(rules, engine)
    assume(advisor is not None)
    assert advisor is not None
    asked = 0
    try:
        for task in task_list:
            found = advisor.decide(task).questions
            assert found == exhaustive_questions(advisor, task)
            asked += len(found)
    finally:
        advisor.close()
    event(f"questions asked: {min(asked, 3)}{'+' if asked > 3 else ''}")
    target(float(asked))  # toward rule sets and tasks with more questions


@settings(max_examples=50, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(task=tasks(), engine=st.sampled_from(ENGINES))
def test_same_questions_as_the_exhaustive_search_with_the_shipped_rules(
    default_advisors: dict[str, cr.Advisor], task: dict[str, Any], engine: str
) -> None:
    advisor = default_advisors[engine]
    assert advisor.decide(task).questions == exhaustive_questions(advisor, task)


def test_the_shipped_rules_ask_questions_on_random_tasks(default_advisors: dict[str, cr.Advisor]) -> None:
    """Seeded tasks with many unknown facts: the search finds questions, as the oracle does, and
    the second pass over the same tasks (answered from remembered verdicts) finds the same."""
    advisor = default_advisors["durable-rules"]
    rng = random.Random(16)
    vocabulary = advisor.ruleset.vocabulary
    sample = [
        {"id": f"t{n}"}
        | {s.name: rng.choice(s.values) for s in vocabulary.facts if s.kind in ("enum", "bool") and rng.random() < 0.5}
        for n in range(40)
    ]
    first = [advisor.decide(task).questions for task in sample]
    assert first == [exhaustive_questions(advisor, task) for task in sample]
    assert sum(map(len, first)) > 20, "half the facts unknown: many of them are questions"
    assert [advisor.decide(task).questions for task in sample] == first


def test_questions_through_derived_facts_conditions_and_outputs(write_rules) -> None:
    # The verdict's rules reach back through a derived fact (urgency -> d -> 'no'), a condition
    # (budget none -> 'with_conditions') and an output read in a later stratum (volume massive ->
    # granularity contest -> 'with_conditions'): each of the three facts changes the verdict 'yes'
    # of a task that gives none of them. Urgency low or budget high do not; skill_level is read
    # only by a plan rule, so it is no question.
    folder = write_rules(
        rules="""
rules:
  - {id: a, description: d, when: {urgency: high}, then: [{derive: {d: true}}], source: {citation: c, status: I}}
  - {id: b, description: d, when: {d: true}, then: [{set: {crowdsource: 'no'}}], source: {citation: c, status: I}}
  - {id: c, description: d, then: [{set: {crowdsource: 'yes'}}], source: {citation: c, status: I}}
  - {id: e, description: d, when: {budget: none}, then: [{condition: an NDA}], source: {citation: c, status: I}}
  - {id: g, description: d, when: {granularity: contest}, then: [{condition: a jury}],
     source: {citation: c, status: I}}
  - {id: h, description: d, when: {volume: massive}, then: [{set: {granularity: contest}}],
     source: {citation: c, status: I}}
  - {id: p, description: d, when: {skill_level: expert}, then: [{plan: hire}], source: {citation: c, status: I}}
"""
    )
    for engine in ENGINES:
        with cr.Advisor.from_paths([folder], engine=engine) as advisor:  # type: ignore[arg-type]
            assert advisor.compiled.rule("g").stratum == 1
            rec = advisor.decide({"id": "t"})
            assert (rec.crowdsource, rec.questions) == ("yes", ("urgency", "budget", "volume"))
            assert rec.questions == exhaustive_questions(advisor, {"id": "t"})
            known = {"id": "t", "urgency": "low", "budget": "high", "volume": "one_off"}
            assert advisor.decide(known).questions == ()


def test_values_no_condition_tells_apart_are_tried_once(write_rules) -> None:
    # Only 'regulated' and the rest are told apart by the verdict's rules: legal_sensitivity has
    # two classes, and 'unknown' is in the class of none, low and high. So one value is tried (the
    # first of the class that says 'no'), and urgency, which only the plan reads, not at all.
    folder = write_rules(
        rules="""
rules:
  - {id: veto, description: d, when: {legal_sensitivity: regulated}, then: [{set: {crowdsource: 'no'}}],
     source: {citation: c, status: I}}
  - {id: go, description: d, then: [{set: {crowdsource: 'yes'}}], source: {citation: c, status: I}}
  - {id: hurry, description: d, when: {urgency: high}, then: [{plan: hurry}], source: {citation: c, status: I}}
"""
    )
    with cr.Advisor.from_paths([folder], engine="reference") as advisor:
        search = QuestionSearch(advisor.compiled, "reference")
        assert search.facts == ("legal_sensitivity",)
        assert search.questions(advisor.parse_task({"id": "t"}), "yes") == ("legal_sensitivity",)
        info = search._verdict.cache_info()
        assert (info.misses, info.hits) == (1, 0)
        # Another task that the verdict's rules see the same way: answered from memory.
        assert search.questions(advisor.parse_task({"id": "u", "urgency": "high"}), "yes") == ("legal_sensitivity",)
        assert search._verdict.cache_info().hits == 1
        assert search.questions(advisor.parse_task({"id": "v", "legal_sensitivity": "low"}), "yes") == ()
        search.close()


def test_module_decide_takes_questions() -> None:
    task = {"id": "t", "task_type": "translation_localization"}
    assert cr.decide(task).questions, "the shipped rules have questions for this sparse task"
    assert cr.decide(task, questions=False).questions == ()
    assert cr.decide(task, questions=False) == cr.Advisor.default().decide(task, questions=False)
