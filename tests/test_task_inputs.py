"""What a web service hands the library: tasks as dataclasses, attrs instances and pydantic models;
a recommendation without its trace; problems that name the fact at fault as fields."""

from __future__ import annotations

import dataclasses
import enum
import json

import attrs
import pytest

import crowdsourcing_rules as cr
from crowdsourcing_rules.batch.stream import decide_many
from crowdsourcing_rules.model.task import as_mapping

# The card's terms-of-sale example, as a mapping: the reference every other form must match.
FACTS = {
    "id": "t1",
    "task_type": "translation_localization",
    "skill_level": "professional",
    "in_house_capability": "none",
    "urgency": "high",
    "core_to_competitive_advantage": False,
    "skills_needed": ["French law", "translation"],
}


@dataclasses.dataclass
class DataclassTask:
    id: str
    task_type: str
    skill_level: str
    in_house_capability: str
    urgency: str
    core_to_competitive_advantage: bool
    skills_needed: tuple[str, ...]
    budget: str | None = None  # None: not given, so unknown


@attrs.define
class AttrsTask:
    id: str
    task_type: str
    skill_level: str
    in_house_capability: str
    urgency: str
    core_to_competitive_advantage: bool
    skills_needed: list[str]
    budget: str | None = None


@pytest.fixture(scope="module")
def advisor() -> cr.Advisor:
    with cr.Advisor.default() as built:
        yield built


@pytest.mark.parametrize("kind", [DataclassTask, AttrsTask])
def test_a_dataclass_or_an_attrs_instance_decides_like_its_mapping(advisor: cr.Advisor, kind: type) -> None:
    task = kind(**{**FACTS, "skills_needed": tuple(FACTS["skills_needed"])})  # type: ignore[arg-type]
    assert advisor.decide(task) == advisor.decide(FACTS)
    # the tuple of skills is read as the list fact it is, and None is a fact not given
    parsed = advisor.parse_task(task)
    assert parsed.skills_needed == ("French law", "translation")
    assert parsed.budget == "unknown"


def test_a_pydantic_model_decides_like_its_mapping(advisor: cr.Advisor) -> None:
    pydantic = pytest.importorskip("pydantic")

    class Urgency(enum.Enum):  # an enumeration in the model: model_dump(mode="json") gives its value
        LOW = "low"
        HIGH = "high"

    class Model(pydantic.BaseModel):  # type: ignore[name-defined,misc]
        id: str
        task_type: str
        skill_level: str
        in_house_capability: str
        urgency: Urgency
        core_to_competitive_advantage: bool
        skills_needed: list[str]
        budget: str | None = None

    model = Model(**{**FACTS, "urgency": Urgency.HIGH})
    assert advisor.decide(model) == advisor.decide(FACTS)
    assert cr.decide(model).task_id == "t1"


def test_a_converted_task_is_validated_like_a_mapping(advisor: cr.Advisor) -> None:
    # A misspelt value in a dataclass field is caught as in a mapping, with the field named.
    bad = DataclassTask(**{**FACTS, "urgency": "hihg", "skills_needed": ()})  # type: ignore[arg-type]
    with pytest.raises(cr.TaskError) as caught:
        advisor.decide(bad)
    (problem,) = caught.value.problems
    assert (problem.fact, problem.value, problem.suggestion) == ("urgency", "hihg", "high")


def test_decide_many_takes_dataclasses(advisor: cr.Advisor) -> None:
    tasks = [DataclassTask(**{**FACTS, "id": f"t{n}", "skills_needed": ()}) for n in range(3)]  # type: ignore[arg-type]
    results = list(decide_many(tasks, advisor=advisor))
    assert [r.task_id for r in results] == ["t0", "t1", "t2"]
    assert all(isinstance(r, cr.Recommendation) for r in results)


def test_anything_else_is_refused_as_not_a_mapping() -> None:
    # A plain object is neither a mapping nor a model: one problem that says what was expected.
    with pytest.raises(cr.TaskError, match="expected a mapping of facts, got object"):
        cr.parse_task(object())
    assert as_mapping("text") == "text"  # left as it is, for parse_task to refuse


def test_problems_name_the_fact_the_value_and_the_suggestion() -> None:
    with pytest.raises(cr.TaskError) as caught:
        cr.parse_task({"urgncy": "high", "budget": "mediun", "skills_needed": "law", "id": ""})
    problems = {p.fact: p for p in caught.value.problems}
    # an unknown fact: its own name, the value given for it, the closest fact
    assert (problems["urgncy"].value, problems["urgncy"].suggestion) == ("high", "urgency")
    # a value outside the set: the closest value of the fact
    assert (problems["budget"].value, problems["budget"].suggestion) == ("mediun", "medium")
    # a wrong type: no suggestion, but the fact and the value
    assert (problems["skills_needed"].value, problems["skills_needed"].suggestion) == ("law", None)
    assert problems["id"].value == ""
    # the text keeps saying the same
    assert "did you mean 'urgency'" in problems["urgncy"].message
    assert json.loads(json.dumps([p.to_dict() for p in caught.value.problems]))[0]["fact"] == "urgncy"


def test_a_missing_required_fact_is_named() -> None:
    with pytest.raises(cr.TaskError) as caught:
        cr.parse_task({"urgency": "high"})
    assert [(p.fact, p.value) for p in caught.value.problems] == [("id", None)]


def test_rule_file_problems_name_the_fact(write_rules) -> None:
    folder = write_rules(
        bad="""
rules:
  - id: r1
    description: a rule with a misspelt fact and a misspelt value
    when: {urgncy: high, budget: mediun}
    then: {set: {crowdsource: 'yes'}}
    source: {citation: test, status: hypothesis}
"""
    )
    with pytest.raises(cr.RuleFileError) as caught:
        cr.load_rules([folder])
    problems = {p.fact: p for p in caught.value.problems}
    assert problems["urgncy"].suggestion == "urgency" and problems["urgncy"].rule_id == "r1"
    assert (problems["budget"].value, problems["budget"].suggestion) == ("mediun", "medium")


def test_to_dict_without_the_trace(advisor: cr.Advisor) -> None:
    rec = advisor.decide(FACTS)
    full, short = rec.to_dict(), rec.to_dict(trace=False)
    assert full["trace"] and "trace" not in short
    assert {k: v for k, v in full.items() if k != "trace"} == short
    assert len(json.dumps(short)) * 3 < len(json.dumps(full))  # the trace is most of it
    assert "trace" not in json.loads(rec.to_json(trace=False))
