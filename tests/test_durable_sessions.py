"""The durable-rules engine keeps one session and empties it after each evaluation.

Creating a durable-rules session costs more than everything else a decision asks of it, so the
engine retracts what it asserted and reuses the session. These tests check what could go wrong:
a session left with facts (a later task would see them), a session left after an error, a session
opened while the kept one is in use, and the kept session outliving its ruleset.
"""

from __future__ import annotations

import pytest

import crowdsourcing_rules as cr
from crowdsourcing_rules.engine import durable
from tests.test_engine import rule

RULES = (
    "rules:\n"
    + rule("a", "[{derive: {d: true}}]", "{urgency: high}")
    + rule("b", "[{set: {crowdsource: 'yes'}}]", "{d: true}")
    + rule("c", "[{set: {crowdsource: 'no'}}]", "{not: {d: true}}")
    + rule("e", "[{plan: brief}]", "{crowdsource: 'yes'}")
    + rule("f", "[{add: {crowd_types: niche_experts}}]", "{skills_needed: {contains: statistics}}")
)


@pytest.fixture
def advisors(write_rules):
    # Chaining (a derived fact), a negated derived fact in a later stratum, an output read in a later
    # stratum and a list item: every kind of fact the engine asserts, and so retracts.
    folder = write_rules(rules=RULES)
    made = {engine: cr.Advisor.from_paths([folder], engine=engine) for engine in ("durable-rules", "reference")}
    yield made
    for advisor in made.values():
        advisor.close()


TASKS = [
    {"id": "t1", "urgency": "high", "skills_needed": ["Statistics"]},
    {"id": "t2", "urgency": "low"},
    {"id": "t3", "urgency": "high"},
    {"id": "t4", "skills_needed": ["statistics", "design"]},
]


def outcome(advisor: cr.Advisor, task: dict[str, object]) -> dict[str, object]:
    data = advisor.decide(task).to_dict()
    data.pop("engine")
    return data


def test_one_session_serves_task_after_task(advisors) -> None:
    # Each task after another one in the same session: nothing of the previous task is left (the
    # negated derived fact and the list item would show it), in every order.
    engine = advisors["durable-rules"]._engine
    assert isinstance(engine, durable.DurableEngine)
    for first in TASKS:
        for second in TASKS:
            for task in (first, second):
                assert outcome(advisors["durable-rules"], task) == outcome(advisors["reference"], task)
    assert len(engine._kept) == 1, "one session, kept between evaluations"


def test_a_session_that_ends_on_an_error_is_deleted_and_the_next_one_is_fresh(write_rules) -> None:
    # The firing limit stops the agenda in the middle of a session: facts are left in it, so it is
    # deleted instead of being kept, and the next decision starts from an empty session.
    folder = write_rules(
        rules="rules:\n"
        + rule("a", "[{derive: {d: true}}]", "{urgency: high}")
        + rule("b", "[{derive: {e: true}}]", "{d: true}")
        + rule("c", "[{set: {crowdsource: 'no'}}]", "{not: {e: true}}")
    )
    with cr.Advisor.from_paths([folder], engine="durable-rules", max_firings=1) as advisor:
        engine = advisor._engine
        assert advisor.decide({"id": "t", "urgency": "low"}).crowdsource == "no"
        kept = list(engine._kept)
        with pytest.raises(cr.FiringLimitError):
            advisor.decide({"id": "t", "urgency": "high"})
        assert engine._kept == [], "the session in use when the error came is not kept"
        # 'c' fires only if no 'e' is left over from the failed task
        assert advisor.decide({"id": "t", "urgency": "low"}).crowdsource == "no"
        assert engine._kept and engine._kept != kept, "a new session, kept in turn"


def test_a_session_opened_while_the_kept_one_is_in_use_is_its_own(advisors) -> None:
    advisor = advisors["durable-rules"]
    engine, compiled = advisor._engine, advisor.compiled
    advisor.decide(TASKS[0])  # a session is kept
    index = {r.id: r.index for r in compiled.rules}
    with engine.session() as outer:
        assert index["a"] in outer.assert_task({"urgency": "high"})
        with engine.session() as inner:
            # the inner session does not see the outer one's task
            assert index["a"] not in inner.assert_task({"urgency": "low"})
        assert index["b"] in outer.assert_items([("derived", "d", "true")])
    assert len(engine._kept) == 1
    assert outcome(advisor, TASKS[1]) == outcome(advisors["reference"], TASKS[1])


def test_the_kept_session_is_deleted_with_its_ruleset(advisors, monkeypatch) -> None:
    advisor = advisors["durable-rules"]
    engine = advisor._engine
    advisor.decide(TASKS[0])
    [(sid, _states)] = engine._kept
    deleted: list[str] = []
    real = durable.durable_rules_engine.delete_state
    monkeypatch.setattr(durable.durable_rules_engine, "delete_state", lambda h, s: (deleted.append(s), real(h, s)))
    engine.close()
    assert deleted == [sid]


def test_a_kept_session_spans_every_ruleset(write_rules, monkeypatch) -> None:
    # Rules spread over several rulesets (at most 2 rules each here): the kept session holds facts
    # in each, and emptying it must reach each, or a later task would see an earlier one's facts.
    monkeypatch.setattr(durable, "MAX_RULES", 2)
    folder = write_rules(
        rules=RULES + rule("g", "[{add: {crowd_types: general_public}}]", "{not: {skills_needed: {contains: design}}}")
    )
    with (
        cr.Advisor.from_paths([folder], engine="durable-rules") as durable_advisor,
        cr.Advisor.from_paths([folder], engine="reference") as reference,
    ):
        engine = durable_advisor._engine
        assert isinstance(engine, durable.DurableEngine)
        assert engine.rulesets > 1
        for first in TASKS:
            for second in TASKS:
                for task in (first, second):
                    assert outcome(durable_advisor, task) == outcome(reference, task)
        [(_sid, states)] = engine._kept
        assert len(states) == engine.rulesets
        assert engine.leaked == 0
