"""Differential tests: durable-rules and the pure-Python reference engine agree.

The reference engine re-checks every compiled condition after each assertion: slow but obviously
right. Both engines share the agenda (``engine.infer``), so any difference comes from matching:
the recommendations and traces must be identical, apart from the ``engine`` field that names them.
"""

from __future__ import annotations

import json
import random
import sys
import warnings
from typing import Any

import pytest
from hypothesis import HealthCheck, event, given, settings, strategies as st

import crowdsourcing_rules as cr
from crowdsourcing_rules.engine import engines as advisor_module
from crowdsourcing_rules.errors import FiringLimitError, RuleFileError
from crowdsourcing_rules.rulefiles.loading import parse_rule_documents
from tests.conftest import ROOT
from tests.strategies import rule_dicts, tasks

ENGINES = ("durable-rules", "reference")


@pytest.fixture(scope="module")
def default_advisors() -> dict[str, cr.Advisor]:
    advisors = {engine: cr.Advisor.default(engine=engine) for engine in ENGINES}
    yield advisors
    for advisor in advisors.values():
        advisor.close()


def outcome(advisor: cr.Advisor, task: Any, *, questions: bool = True) -> dict[str, Any] | str:
    """The JSON form without the engine's name, or the error an engine raised."""
    try:
        out = advisor.decide(task, questions=questions).to_dict()
    except FiringLimitError as error:
        return f"FiringLimitError: {error}"
    assert out.pop("engine") == advisor.engine
    return out


def random_task(rng: random.Random, vocabulary: cr.Vocabulary, n: int) -> dict[str, Any]:
    """Each enumerated fact given with probability 0.7 (unknown ones drive the questions)."""
    task: dict[str, Any] = {"id": f"task-{n}"}
    for spec in vocabulary.facts:
        if spec.kind in ("enum", "bool") and rng.random() < 0.7:
            task[spec.name] = rng.choice(spec.values)
    skills = ["French consumer law", "statistics", "design", "translation", "Python", "data entry"]
    task["skills_needed"] = rng.sample(skills, k=rng.randint(0, 3))
    return task


def test_engines_agree_on_two_thousand_random_tasks(default_advisors: dict[str, cr.Advisor]) -> None:
    """The shipped rules, 2,000 seeded random tasks (500 of them with the search for questions)."""
    rng = random.Random(20261127)
    vocabulary = default_advisors["reference"].ruleset.vocabulary
    verdicts = set()
    for n in range(2_000):
        task = random_task(rng, vocabulary, n)
        questions = n % 4 == 0
        durable, reference = (outcome(default_advisors[e], task, questions=questions) for e in ENGINES)
        assert durable == reference, task
        verdicts.add(reference["crowdsource"] if isinstance(reference, dict) else reference)
    assert len(verdicts) >= 2, "the random tasks reach more than one verdict"


@settings(max_examples=500, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(task=tasks())
def test_engines_agree_on_hypothesis_tasks(default_advisors: dict[str, cr.Advisor], task: dict[str, Any]) -> None:
    """Hypothesis tasks: every fact in every form a user may write it (booleans, 'true', lists)."""
    durable, reference = (outcome(default_advisors[e], task) for e in ENGINES)
    assert durable == reference


def build(rules: list[dict[str, Any]]) -> cr.RuleSet | None:
    try:
        return parse_rule_documents([("random.yaml", json.dumps({"rules": rules}))])
    except RuleFileError:
        return None  # a random rule may be invalid (a value no rule derives): not what is tested here


@settings(max_examples=200, suppress_health_check=[HealthCheck.too_slow])
@given(rules=rule_dicts(), task_list=st.lists(tasks(), min_size=1, max_size=4))
def test_engines_agree_on_random_rule_sets(rules: list[dict[str, Any]], task_list: list[dict[str, Any]]) -> None:
    """Random small rule sets (all/any/not, ordering, derived facts, every kind of conclusion)."""
    ruleset = build(rules)
    if ruleset is None:
        return
    try:
        advisors = [cr.Advisor(ruleset, engine=engine, max_firings=50) for engine in ENGINES]
    except RuleFileError as error:  # a cycle through a negated derived fact: refused for both
        assert "cycle" in str(error)
        return
    compiled = advisors[1].compiled
    event(f"strata: {len(compiled.strata)}; chaining: {any(r.reads_derived for r in compiled.rules)}")
    try:
        for task in task_list:
            durable, reference = (outcome(advisor, task) for advisor in advisors)
            assert durable == reference
    finally:
        for advisor in advisors:
            advisor.close()


# -- the reference engine as fallback ---------------------------------------------------------------


def durable_importable() -> bool:
    try:
        import crowdsourcing_rules.engine.durable  # noqa: F401
    except cr.EngineUnavailableError:
        return False
    return True


@pytest.fixture
def durable_missing(monkeypatch: pytest.MonkeyPatch) -> None:
    """durable-rules' C extension cannot be imported, as on Python 3.13 without the CC workaround."""
    monkeypatch.setitem(sys.modules, "durable_rules_engine", None)  # import raises ImportError
    monkeypatch.delitem(sys.modules, "crowdsourcing_rules.engine.durable", raising=False)
    monkeypatch.setattr(advisor_module, "_warned", set())


def test_fallback_warns_once_names_the_engine_and_works(durable_missing: None) -> None:
    with pytest.warns(RuntimeWarning, match="(?s)durable-rules cannot be imported.*reference engine instead") as caught:
        advisor = cr.Advisor.default()
        cr.Advisor.default()  # a second advisor: no second warning
    assert len(caught) == 1
    assert advisor.engine == "reference"
    rec = advisor.decide({"id": "t", "volume": "massive", "decomposability": "micro", "skill_level": "general"})
    assert rec.engine == "reference" and rec.to_dict()["engine"] == "reference"
    assert rec.crowdsource is not None and rec.trace


def test_asking_for_durable_rules_where_it_is_missing_is_a_library_error(durable_missing: None) -> None:
    with pytest.raises(cr.EngineUnavailableError, match="durable-rules cannot be imported"):
        cr.Advisor.default(engine="durable-rules")


def test_fallback_from_the_command_line(durable_missing: None, capsys: pytest.CaptureFixture[str]) -> None:
    from crowdsourcing_rules.cli import main

    task = ROOT / "examples" / "tasks" / "terms_of_sale_cookie_policy.yaml"
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        assert main(["decide", str(task), "--format", "json", "--no-questions"]) == 0
    assert caught == []  # the command prints the warning itself: none escapes
    out, err = capsys.readouterr()
    assert json.loads(out)["engine"] == "reference"
    # one line, as the command's errors are: no file:line of the library, no source line (issue 18)
    assert err.startswith("warning: durable-rules cannot be imported") and err.count("\n") == 1
    assert "; using the pure-Python reference engine instead" in err
    assert main(["decide", str(task), "--engine", "durable-rules"]) == 1
    assert "durable-rules cannot be imported" in capsys.readouterr().err


def test_the_engine_chosen_in_this_environment() -> None:
    """Run as is on Python 3.13 without the CC workaround (CI does): the reference engine, named."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        advisor = cr.Advisor.default()
    expected = "durable-rules" if durable_importable() else "reference"
    assert advisor.engine == expected
    assert advisor.decide({"id": "t"}).to_dict()["engine"] == expected
    if expected == "reference":
        assert any("durable-rules cannot be imported" in str(w.message) for w in caught) or advisor_module._warned
