"""Evaluation semantics, on both engines: chaining, salience, strata, conflict resolution, limits."""

from __future__ import annotations

import json
import threading
from collections.abc import Callable, Iterator

import pytest

import crowdsourcing_rules as cr

ENGINES = ("durable-rules", "reference")


def rule(rule_id: str, then: str, when: str | None = None, salience: int = 0) -> str:
    """One rule in YAML; ``then`` and ``when`` are flow-style YAML."""
    text = f"  - id: {rule_id}\n    description: rule {rule_id}\n    salience: {salience}\n"
    if when:
        text += f"    when: {when}\n"
    text += f"    then: {then}\n    source: {{citation: test, status: I}}\n"
    return text


@pytest.fixture(params=ENGINES)
def make_advisor(request, write_rules) -> Iterator[Callable[..., cr.Advisor]]:
    made: list[cr.Advisor] = []

    def make(*rules: str, **kwargs: object) -> cr.Advisor:
        folder = write_rules(rules="rules:\n" + "".join(rules))
        advisor = cr.Advisor.from_paths([folder], engine=request.param, **kwargs)  # type: ignore[arg-type]
        made.append(advisor)
        return advisor

    yield make
    for advisor in made:
        advisor.close()


def test_chaining_through_three_rules(make_advisor) -> None:
    # a derives x from an input; b needs x to derive y; c needs y to conclude the verdict.
    advisor = make_advisor(
        rule("a", "[{derive: {x: true}}]", "{urgency: high}"),
        rule("b", "[{derive: {y: ready}}]", "{x: true}"),
        rule("c", "[{set: {crowdsource: 'yes'}}]", "{y: ready}"),
    )
    rec = advisor.decide({"id": "t", "urgency": "high"})
    assert rec.fired == ("a", "b", "c")
    assert rec.crowdsource == "yes"
    assert advisor.decide({"id": "t", "urgency": "low"}).fired == ()


def test_higher_salience_fires_first(make_advisor) -> None:
    advisor = make_advisor(
        rule("low", "[{plan: low}]", salience=-5),
        rule("high", "[{plan: high}]", salience=10),
        rule("mid-b", "[{plan: mid-b}]", salience=0),
        rule("mid-a", "[{plan: mid-a}]", salience=0),
    )
    assert advisor.decide({"id": "t"}).fired == ("high", "mid-a", "mid-b", "low")


def test_a_newly_activated_rule_of_higher_salience_jumps_the_queue(make_advisor) -> None:
    # 'first' derives x; 'urgent' (salience 9) becomes active then and fires before 'later' (0).
    advisor = make_advisor(
        rule("first", "[{derive: {x: true}}]", salience=10),
        rule("later", "[{plan: later}]", salience=0),
        rule("urgent", "[{plan: urgent}]", "{x: true}", salience=9),
    )
    assert advisor.decide({"id": "t"}).fired == ("first", "urgent", "later")


def test_reading_an_output_sees_its_final_value(make_advisor) -> None:
    # 'reader' has the highest salience but reads the verdict, so it waits for every rule that
    # can set it, and sees the resolved 'no', not the 'yes' concluded first.
    advisor = make_advisor(
        rule("reader", "[{plan: keep it in-house}]", "{crowdsource: 'no'}", salience=100),
        rule("yes", "[{set: {crowdsource: 'yes'}}]", salience=50),
        rule("veto", "[{set: {crowdsource: 'no'}}]", "{legal_sensitivity: high}", salience=-50),
    )
    rec = advisor.decide({"id": "t", "legal_sensitivity": "high"})
    assert rec.fired == ("yes", "veto", "reader")
    assert rec.plan == ("keep it in-house",)
    assert advisor.decide({"id": "t"}).plan == ()


def test_absence_of_a_derived_fact_is_tested_after_its_producers(make_advisor) -> None:
    advisor = make_advisor(
        rule("absent", "[{plan: no x}]", "{not: {x: true}}", salience=100),
        rule("maybe-x", "[{derive: {x: true}}]", "{urgency: high}", salience=-100),
    )
    assert advisor.decide({"id": "t", "urgency": "high"}).plan == ()
    assert advisor.decide({"id": "t", "urgency": "low"}).plan == ("no x",)


def test_a_cycle_through_an_absent_fact_is_a_located_error(write_rules) -> None:
    folder = write_rules(
        rules="rules:\n"
        + rule("p", "[{derive: {x: true}}]", "{not: {y: true}}")
        + rule("q", "[{derive: {y: true}}]", "{not: {x: true}}")
    )
    with pytest.raises(cr.RuleFileError) as caught:
        cr.Advisor.from_paths([folder])
    messages = [str(p) for p in caught.value.problems]
    assert any("p -> q -> p" in m or "q -> p -> q" in m for m in messages)
    assert all(p.location and p.location.line > 0 for p in caught.value.problems)


def test_positive_cycles_terminate(make_advisor) -> None:
    advisor = make_advisor(
        rule("p", "[{derive: {x: true}}]", "{any: [{urgency: high}, {y: true}]}"),
        rule("q", "[{derive: {y: true}}]", "{x: true}"),
    )
    assert advisor.decide({"id": "t", "urgency": "high"}).fired == ("p", "q")


def test_most_cautious_verdict_wins_and_the_trace_says_so(make_advisor) -> None:
    advisor = make_advisor(
        rule("yes", "[{set: {crowdsource: 'yes'}}]", salience=100),
        rule("cond", "[{set: {crowdsource: with_conditions}}, {condition: sign an NDA}]"),
        rule("no", "[{set: {crowdsource: 'no'}}]", "{urgency: high}", salience=-100),
    )
    rec = advisor.decide({"id": "t"})
    assert rec.crowdsource == "with_conditions"
    assert rec.conditions == ("sign an NDA",)
    [override] = rec.trace[0].overridden
    assert (override.output, override.value, override.by) == ("crowdsource", "yes", "cond")
    vetoed = advisor.decide({"id": "t", "urgency": "high"})
    assert vetoed.crowdsource == "no"
    assert vetoed.conditions == ()  # conditions apply only to crowdsourcing


def test_a_condition_turns_yes_into_with_conditions(make_advisor) -> None:
    advisor = make_advisor(rule("yes", "[{set: {crowdsource: 'yes'}}]"), rule("c", "[{condition: an NDA}]"))
    rec = advisor.decide({"id": "t"})
    assert rec.crowdsource == "with_conditions"
    [override] = {f.rule_id: f for f in rec.trace}["yes"].overridden
    assert (override.value, override.by) == ("yes", "policy")


def test_no_empties_crowd_and_service(make_advisor) -> None:
    advisor = make_advisor(
        rule(
            "how",
            "[{add: {crowd_types: general_public, service_types: open_community}}, "
            "{set: {granularity: micro_task, crowd_model: collaborative_community}}]",
        ),
        rule("no", "[{set: {crowdsource: 'no'}}]"),
    )
    rec = advisor.decide({"id": "t"})
    assert (rec.crowd_types, rec.service_types) == ((), ())
    assert (rec.granularity, rec.crowd_model, rec.manage_crowd_directly, rec.preselection) == (
        "not_applicable",
        "none",
        "not_applicable",
        "none",
    )
    lost = {(o.output, o.value, o.by) for o in rec.trace[-1].overridden + rec.trace[0].overridden}
    assert ("crowd_types", "general_public", "no") in lost
    assert ("granularity", "micro_task", "no") in lost


def test_single_output_highest_salience_wins_then_smaller_id(make_advisor) -> None:
    advisor = make_advisor(
        rule("b-contest", "[{set: {granularity: contest}}]", salience=5),
        rule("a-macro", "[{set: {granularity: macro_task}}]", salience=5),
        rule("z-micro", "[{set: {granularity: micro_task}}]", salience=1),
    )
    rec = advisor.decide({"id": "t"})
    assert rec.granularity == "macro_task"
    by_rule = {f.rule_id: f.overridden for f in rec.trace}
    assert by_rule["b-contest"][0].reason.startswith("conflict at equal salience")
    assert by_rule["z-micro"][0].by == "a-macro"


def test_list_order_follows_salience_and_remove_wins(make_advisor) -> None:
    advisor = make_advisor(
        rule("low", "[{add: {crowd_types: [general_public, niche_experts]}}]", salience=1),
        rule("high", "[{add: {crowd_types: skilled_freelancers}}]", salience=9),
        rule("ban", "[{remove: {crowd_types: general_public}}]", "{legal_sensitivity: high}"),
    )
    # At most 2 crowd types (the vocabulary's max_items): the third is dropped by the policy...
    rec = advisor.decide({"id": "t"})
    assert rec.crowd_types == ("skilled_freelancers", "general_public")
    lost = [o for f in rec.trace if f.rule_id == "low" for o in f.overridden]
    assert [(o.output, o.value, o.by) for o in lost] == [("crowd_types", "niche_experts", "policy")]
    # ...and a removal happens before the cut, so it makes room for the next value.
    rec = advisor.decide({"id": "t", "legal_sensitivity": "high"})
    assert rec.crowd_types == ("skilled_freelancers", "niche_experts")


def test_risks_merge_severity_mitigations_and_rules(make_advisor) -> None:
    advisor = make_advisor(
        rule("r1", "[{risk: {id: quality, severity: low, mitigations: [gold questions]}}]", salience=2),
        rule("r2", "[{risk: {id: quality, severity: high, mitigations: [redundancy, gold questions]}}]"),
        rule("r3", "[{risk: {id: availability, severity: medium}}]"),
    )
    rec = advisor.decide({"id": "t"})
    assert rec.risks == (
        cr.Risk("quality", "high", ("gold questions", "redundancy"), ("r1", "r2")),
        cr.Risk("availability", "medium", (), ("r3",)),
    )


def test_plan_steps_follow_their_order(make_advisor) -> None:
    advisor = make_advisor(
        rule("late", "[{plan: {step: review, order: 90}}]", salience=50),
        rule("early", "[{plan: {step: register, order: 10}}, {plan: explore}]"),
    )
    assert advisor.decide({"id": "t"}).plan == ("register", "explore", "review")


def test_every_kind_of_test(make_advisor) -> None:
    advisor = make_advisor(
        rule("eq", "[{plan: eq}]", "{task_type: testing_qa}"),
        rule("member", "[{plan: member}]", "{budget: [low, medium]}"),
        rule("order", "[{plan: order}]", "{urgency: {at_least: medium}}"),
        rule("below", "[{plan: below}]", "{volume: {below: large}}"),
        rule("contains", "[{plan: contains}]", "{skills_needed: {contains: french law}}"),
        rule("known", "[{plan: known}]", "{budget: {known: true}}"),
        rule("unknown", "[{plan: unknown}]", "{urgency: {known: false}}"),
        rule("not", "[{plan: not}]", "{not: {requester_kind: for_profit}}"),
        rule("any", "[{plan: any}]", "{any: [{decomposability: micro}, {volume: massive}]}"),
    )
    rec = advisor.decide(
        {
            "id": "t",
            "task_type": "testing_qa",
            "budget": "low",
            "urgency": "high",
            "volume": "one_off",
            "skills_needed": ["French Law"],
            "requester_kind": "academic",
            "decomposability": "micro",
        }
    )
    assert set(rec.plan) == {"eq", "member", "order", "below", "contains", "known", "not", "any"}
    assert advisor.decide({"id": "t", "requester_kind": "for_profit"}).plan == ("unknown",)


def test_the_firing_limit_names_the_rules(make_advisor) -> None:
    advisor = make_advisor(
        rule("a", "[{derive: {x: true}}]"),
        rule("b", "[{derive: {y: true}}]", "{x: true}"),
        rule("c", "[{plan: done}]", "{y: true}"),
        max_firings=2,
    )
    with pytest.raises(cr.FiringLimitError) as caught:
        advisor.decide({"id": "t"})
    assert caught.value.fired == ("a", "b")
    assert caught.value.pending == ("c",)
    assert "firing limit of 2" in str(caught.value)


def test_an_error_inside_the_engine_reaches_the_caller(write_rules, monkeypatch) -> None:
    # durable-rules stores an action's exception instead of raising it; we run no Python action
    # inside it, and whatever its C engine raises reaches the caller as an EngineError. The session
    # is still deleted: the advisor keeps working afterwards.
    from crowdsourcing_rules.engine import durable as _durable

    folder = write_rules(rules="rules:\n" + rule("a", "[{plan: x}]"))
    with cr.Advisor.from_paths([folder], engine="durable-rules") as advisor:
        real = _durable.durable_rules_engine.assert_fact

        def failing(handle: int, fact: str) -> object:
            raise RuntimeError("boom")

        monkeypatch.setattr(_durable.durable_rules_engine, "assert_fact", failing)
        with pytest.raises(cr.EngineError, match="boom"):
            advisor.decide({"id": "t"})
        monkeypatch.setattr(_durable.durable_rules_engine, "assert_fact", real)
        assert advisor.decide({"id": "t"}).plan == ("x",)


def test_several_advisors_live_in_one_process(write_rules, tmp_path_factory) -> None:
    one = write_rules(rules="rules:\n" + rule("a", "[{set: {crowdsource: 'yes'}}]"))
    other = tmp_path_factory.mktemp("other")
    (other / "r.yaml").write_text("rules:\n" + rule("a", "[{set: {crowdsource: 'no'}}]"), encoding="utf-8")
    first, second = cr.Advisor.from_paths([one]), cr.Advisor.from_paths([other])
    try:
        for _ in range(3):
            assert first.decide({"id": "t"}).crowdsource == "yes"
            assert second.decide({"id": "t"}).crowdsource == "no"
    finally:
        first.close()
        second.close()


def test_the_durable_engine_starts_no_threads(write_rules) -> None:
    before = threading.active_count()
    folder = write_rules(rules="rules:\n" + rule("a", "[{set: {crowdsource: 'yes'}}]"))
    advisors = [cr.Advisor.from_paths([folder], engine="durable-rules") for _ in range(5)]
    for advisor in advisors:
        advisor.decide({"id": "t"})
    assert threading.active_count() == before
    for advisor in advisors:
        advisor.close()


def test_a_closed_advisor_refuses_to_decide(write_rules) -> None:
    advisor = cr.Advisor.from_paths([write_rules(rules="rules:\n" + rule("a", "[{plan: x}]"))], engine="durable-rules")
    advisor.close()
    with pytest.raises(cr.EngineError, match="closed"):
        advisor.decide({"id": "t"})


def test_reload_picks_up_edited_files(write_rules) -> None:
    folder = write_rules(rules="rules:\n" + rule("a", "[{set: {crowdsource: 'yes'}}]"))
    with cr.Advisor.from_paths([folder]) as advisor:
        assert advisor.decide({"id": "t"}).crowdsource == "yes"
        write_rules(rules="rules:\n" + rule("a", "[{set: {crowdsource: 'no'}}]"))
        advisor.reload()
        assert advisor.decide({"id": "t"}).crowdsource == "no"
        write_rules(rules="rules: [\n")
        with pytest.raises(cr.RuleFileError):
            advisor.reload()
        assert advisor.decide({"id": "t"}).crowdsource == "no"  # the previous rules stay in force


def test_questions_are_the_unknown_facts_that_change_the_verdict(make_advisor) -> None:
    advisor = make_advisor(
        rule("yes", "[{set: {crowdsource: 'yes'}}]"),
        rule("no", "[{set: {crowdsource: 'no'}}]", "{tacit_firm_specific_knowledge: true}"),
        rule("plan", "[{plan: hurry}]", "{urgency: high}"),
    )
    assert advisor.decide({"id": "t"}).questions == ("tacit_firm_specific_knowledge",)
    assert advisor.decide({"id": "t", "tacit_firm_specific_knowledge": False}).questions == ()
    assert advisor.decide({"id": "t"}, questions=False).questions == ()


def test_provisional_when_an_unknown_fact_could_change_the_verdict(make_advisor) -> None:
    advisor = make_advisor(
        rule("yes", "[{set: {crowdsource: 'yes'}}]"),
        rule("no", "[{set: {crowdsource: 'no'}}]", "{tacit_firm_specific_knowledge: true}"),
        rule("plan", "[{plan: hurry}]", "{urgency: high}"),
    )
    rec = advisor.decide({"id": "t"})
    assert rec.provisional is True
    assert "(provisional)" in rec.to_text().splitlines()[0]
    # urgency is unknown too, but no value of it changes the verdict: not provisional.
    settled = advisor.decide({"id": "t", "tacit_firm_specific_knowledge": False})
    assert settled.provisional is False
    assert "provisional" not in settled.to_text(detail=True).casefold()
    assert settled.to_dict()["provisional"] is False  # a boolean in the JSON form
    assert advisor.decide({"id": "t"}, questions=False).provisional is False  # nothing was searched


def test_service_notes_come_from_the_reasons_given_with_the_service_types(make_advisor) -> None:
    advisor = make_advisor(
        rule("main", "[{add: {service_types: {managed_service: the vendor runs the crowd}}}]", salience=9),
        rule("other", "[{add: {service_types: {managed_service: a worse reason, contest_platform: many entries}}}]"),
        rule("plain", "[{add: {service_types: [self_service_marketplace, own_platform]}}]", salience=5),
    )
    rec = advisor.decide({"id": "t"}, questions=False)
    # At most 3 service types; each with one line, from the best-ranked rule that gave a reason,
    # else the description of the rule that added it.
    assert rec.service_types == ("managed_service", "self_service_marketplace", "own_platform")
    assert rec.service_notes == {
        "managed_service": "the vendor runs the crowd",
        "self_service_marketplace": "rule plain",
        "own_platform": "rule plain",
    }
    lost = {(f.rule_id, o.value, o.by) for f in rec.trace for o in f.overridden}
    assert lost == {("other", "contest_platform", "policy")}
    assert list(rec.to_dict()["service_notes"]) == list(rec.service_types)


def test_platform_examples_are_of_the_main_service_type(make_advisor) -> None:
    advisor = make_advisor(rule("main", "[{add: {service_types: [contest_platform, managed_service]}}]"))
    rec = advisor.decide({"id": "t", "task_type": "algorithm_predictive_modeling"}, questions=False)
    assert [e.name for e in rec.platform_examples] == ["Kaggle", "Topcoder"]
    assert all(e.service_type == "contest_platform" and "still operates" in e.note for e in rec.platform_examples)
    text = rec.to_text(detail=True)
    assert "Examples to check, not endorsements: Kaggle (https://www.kaggle.com)" in text
    # A task type no catalogue entry of that service type serves: no example rather than a wrong one.
    assert advisor.decide({"id": "t", "task_type": "funding"}, questions=False).platform_examples == ()


def test_no_verdict_is_none(make_advisor) -> None:
    advisor = make_advisor(rule("a", "[{plan: x}]", "{urgency: high}"))
    assert advisor.decide({"id": "t"}).crowdsource is None


def test_a_rule_whose_condition_cannot_hold_never_fires(make_advisor) -> None:
    advisor = make_advisor(rule("never", "[{plan: x}]", "{all: [{urgency: high}, {urgency: low}]}"))
    assert advisor.decide({"id": "t", "urgency": "high"}).fired == ()


def test_recommendation_json_round_trip() -> None:
    for task in ({"id": "t", "skill_level": "licensed", "in_house_capability": "none"}, {"id": "empty"}):
        rec = cr.decide(task)
        assert rec.trace, "the starter rules fire on this task"
        assert cr.Recommendation.from_dict(rec.to_dict()) == rec
        assert cr.Recommendation.from_dict(json.loads(rec.to_json())) == rec


def test_deleting_a_session_where_nothing_fired_does_not_crash(write_rules) -> None:
    # durable-rules 2.0.28 crashed the process (SIGSEGV) when deleting the state of a session in
    # which no action had run: here a rule waits for a list item that never comes. Run in a child
    # process so that a crash fails this test instead of killing the test run.
    import subprocess
    import sys

    folder = write_rules(rules="rules:\n" + rule("a", "[{plan: x}]", "{skills_needed: {contains: statistics}}"))
    script = (
        "import crowdsourcing_rules as cr, sys\n"
        "advisor = cr.Advisor.from_paths([sys.argv[1]], engine='durable-rules')\n"
        "for _ in range(50):\n"
        "    assert advisor.decide({'id': 't'}, questions=False).plan == ()\n"
        "assert advisor.decide({'id': 't', 'skills_needed': ['Statistics']}).plan == ('x',)\n"
    )
    done = subprocess.run([sys.executable, "-c", script, str(folder)], capture_output=True, text=True, check=False)
    assert done.returncode == 0, (done.returncode, done.stderr[-2000:])
