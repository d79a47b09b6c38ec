"""Hostile and broken input: every failure is a library exception with a located message.

Never a crash, a hang, or a traceback from inside a dependency (issue 8). The first part pins the
crashes of durable-rules' C engine found while writing these tests: each one killed the process.
"""

from __future__ import annotations

import warnings

import pytest

import crowdsourcing_rules as cr
from crowdsourcing_rules import advisor as advisor_module
from crowdsourcing_rules.errors import EngineUnavailableError
from crowdsourcing_rules.loading import parse_rule_documents

SOURCE = "{citation: generated, status: I}"


def rule(rule_id: str, when: str | None, then: str = "[{set: {crowdsource: 'yes'}}]") -> str:
    lines = [f"  - id: {rule_id}", "    description: a rule of the test", f"    then: {then}", f"    source: {SOURCE}"]
    if when is not None:
        lines.insert(2, f"    when: {when}")
    return "\n".join(lines)


def ruleset(*rules: str, facts: str = "") -> cr.RuleSet:
    text = (f"facts:\n{facts}\n" if facts else "") + "rules:\n" + "\n".join(rules) + "\n"
    return parse_rule_documents([("hostile.yaml", text)])


def both(rules: cr.RuleSet, task: dict[str, object], repeat: int = 3) -> dict[str, object]:
    """Decide with both engines (several times: the crashes came when sessions were deleted)."""
    results = []
    for engine in ("durable-rules", "reference"):
        with cr.Advisor(rules, engine=engine) as advisor:
            for _ in range(repeat):
                out = advisor.decide(task).to_dict()
        assert out.pop("engine") == engine
        results.append(out)
    assert results[0] == results[1]
    return results[0]


@pytest.fixture
def fresh_warnings(monkeypatch: pytest.MonkeyPatch) -> None:
    """Fallback warnings are given once per process: start each test with none given."""
    monkeypatch.setattr(advisor_module, "_warned", set())


# -- durable-rules' C engine: crashes found and worked around -----------------------------------


def test_a_rule_waiting_for_an_item_that_never_comes() -> None:
    """Deleting a session in which no action had run crashed the process (free(): invalid pointer).

    Here no rule fires: the only rule waits for a skill the task does not list.
    """
    rules = ruleset(rule("needs-stats", "{skills_needed: {contains: statistics}}"))
    out = both(rules, {"id": "t", "skills_needed": ["design"]}, repeat=20)
    assert out["trace"] == [] and out["crowdsource"] is None
    assert both(rules, {"id": "t", "skills_needed": ["Statistics"]})["crowdsource"] == "yes"


@pytest.mark.parametrize(
    ("in_rule", "in_task"),
    [
        ("a\0b", "a\0c"),  # a NUL ends a C string: both would read as "a"
        ("a\0b", "a"),
        ("a", "a\0b"),
        ("\ud800", "x"),  # a lone surrogate: durable-rules refused the rule set (pyCreateRuleset)
        ("x", "\ud800"),  # ... and crashed on the task
        ("$and", "$and"),  # looks like an operator of durable-rules' JSON rules
        ('a"b\\c', 'a"b\\c'),
        ("x" * 99_999, "x" * 99_999),
        ("x" * 99_999, "x" * 99_998),
        ("\u2028\ufeff😀", "\u2028\ufeff😀"),
    ],
)
def test_values_durable_rules_cannot_carry(in_rule: str, in_task: str) -> None:
    """List items and derived values reach the engines; durable-rules only ever sees short tokens."""
    rules = ruleset(
        rule("contains", f"{{skills_needed: {{contains: {q(in_rule)}}}}}"),
        rule("derives", None, f"[{{derive: {{odd: {q(in_rule)}}}}}]"),
        rule("reads", f"{{odd: {q(in_rule)}}}", "[{add: {crowd_types: niche_experts}}]"),
    )
    out = both(rules, {"id": "t", "skills_needed": [in_task]})
    fired = [f["rule"] for f in out["trace"]]
    assert ("contains" in fired) == (in_rule.casefold() == in_task.casefold())
    assert "reads" in fired


def q(text: str) -> str:
    """A YAML double-quoted scalar; YAML escapes code points one by one (no surrogate pairs)."""
    return '"' + "".join(c if c.isalnum() else f"\\U{ord(c):08x}" for c in text) + '"'


def many_item_tests(count: int) -> cr.RuleSet:
    tests = ", ".join(f"{{skills_needed: {{contains: s{n}}}}}" for n in range(count))
    return ruleset(rule("big-join", f"{{all: [{tests}]}}"))


def test_a_rule_joining_more_facts_than_durable_rules_allows(fresh_warnings: None) -> None:
    """17 patterns in one rule crashed durable-rules (16 is its frame limit): refused, located."""
    rules = many_item_tests(16)  # the task's pattern and 16 items
    with pytest.raises(EngineUnavailableError) as caught:
        cr.Advisor(rules, engine="durable-rules")
    message = str(caught.value)
    assert "hostile.yaml:2:5: the condition joins 17 facts" in message and "(rule 'big-join')" in message
    with pytest.warns(RuntimeWarning, match="reference engine instead"):
        advisor = cr.Advisor(rules)  # engine="auto" falls back, and says so
    task = {"id": "t", "skills_needed": [f"s{n}" for n in range(16)]}
    assert advisor.engine == "reference"
    assert advisor.decide(task).to_dict()["engine"] == "reference"
    assert advisor.decide(task).crowdsource == "yes"
    # 15 items and the task: within the limit, and durable-rules agrees with the reference engine
    assert both(many_item_tests(15), task)["crowdsource"] == "yes"


def many_task_facts(count: int) -> cr.RuleSet:
    facts = "\n".join(f"  f{n:03d}: {{type: enum, values: [a, b]}}" for n in range(count))
    return ruleset(*(rule(f"r{n:03d}", f"{{f{n:03d}: a}}") for n in range(count)), facts=facts)


def test_rules_testing_more_task_facts_than_durable_rules_allows(fresh_warnings: None) -> None:
    """65 rules each testing its own declared fact crashed durable-rules (its alpha network fans
    out to 64 properties at most): refused before it is reached."""
    with pytest.raises(EngineUnavailableError, match="the rules test 65 different task facts"):
        cr.Advisor(many_task_facts(65), engine="durable-rules")
    with pytest.warns(RuntimeWarning):
        advisor = cr.Advisor(many_task_facts(65))
    assert len(advisor.decide({"id": "t", "f000": "a", "f064": "a"}).trace) == 2
    assert len(both(many_task_facts(64), {"id": "t", "f000": "a", "f063": "a"}, repeat=1)["trace"]) == 2


def test_durable_rules_refusing_a_rule_names_it(fresh_warnings: None) -> None:
    """durable-rules' own compile errors (here: too many expressions, code 113) name the rule."""
    facts = "\n".join(f"  f{n:02d}: {{type: enum, values: [a, b]}}" for n in range(30))
    wide = "{" + ", ".join(f"f{n:02d}: [a, b, unknown]" for n in range(30)) + "}"
    rules = ruleset(rule("wide", wide), rule("plain", "{urgency: high}"), facts=facts)
    with pytest.raises(EngineUnavailableError) as caught:
        cr.Advisor(rules, engine="durable-rules")
    message = str(caught.value)
    assert "(rule 'wide')" in message and "(rule 'plain')" not in message
    assert "hostile.yaml:" in message
    with pytest.warns(RuntimeWarning):
        assert cr.Advisor(rules).decide({"id": "t", "urgency": "high"}).crowdsource == "yes"


def test_an_unknown_engine_name_is_a_library_error() -> None:
    with pytest.raises(EngineUnavailableError, match="unknown engine 'drools'"):
        cr.Advisor(ruleset(rule("r", None)), engine="drools")  # type: ignore[arg-type]


def test_fallback_warnings_are_given_once_per_reason(fresh_warnings: None) -> None:
    rules = many_item_tests(16)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        for _ in range(3):
            cr.Advisor(rules)
    assert len(caught) == 1


@pytest.mark.parametrize(
    ("when", "task", "fires"),
    [
        # One fact binds at most one pattern of a durable-rules rule, and a negated pattern ignores the
        # facts bound in the same match: each of these gave the wrong answer before the rewrite.
        ("{all: [{crowdsource: {known: true}}, {crowdsource: 'yes'}]}", {}, True),
        ("{all: [{crowdsource: {known: true}}, {not: {crowdsource: 'yes'}}]}", {}, False),
        ("{all: [{crowdsource: {known: true}}, {crowdsource: {is_not: 'no'}}]}", {}, True),
        ("{all: [{skills_needed: {contains: a}}, {skills_needed: {known: true}}]}", {"skills_needed": ["a"]}, True),
        ("{all: [{skills_needed: [a, b]}, {skills_needed: [b, c]}]}", {"skills_needed": ["b"]}, True),
        ("{all: [{skills_needed: [a, b]}, {skills_needed: [b, c]}]}", {"skills_needed": ["a", "c"]}, True),
        ("{all: [{skills_needed: [a, b]}, {skills_needed: [b, c]}]}", {"skills_needed": ["a"]}, False),
        ("{all: [{skills_needed: [a, b]}, {skills_needed: {not_in: [a]}}]}", {"skills_needed": ["a"]}, False),
        ("{all: [{skills_needed: [a, b]}, {skills_needed: {not_in: [a]}}]}", {"skills_needed": ["b"]}, True),
        ("{all: [{skills_needed: {known: true}}, {skills_needed: {known: false}}]}", {"skills_needed": ["a"]}, False),
    ],
)
def test_several_tests_of_one_item(when: str, task: dict[str, object], fires: bool) -> None:
    rules = ruleset(rule("base", None), rule("probe", when, "[{add: {crowd_types: niche_experts}}]"))
    out = both(rules, {"id": "t", **task}, repeat=1)
    assert ("probe" in [f["rule"] for f in out["trace"]]) is fires
