"""Tasks: validation against the vocabulary, defaults, and the JSON round trip."""

from __future__ import annotations

import json
import math
from pathlib import Path

import pytest
from hypothesis import given

import crowdsourcing_rules as cr
from crowdsourcing_rules.model.vocabulary import default_vocabulary
from tests.strategies import tasks


def problems_of(data: object) -> list[str]:
    with pytest.raises(cr.TaskError) as caught:
        cr.parse_task(data)  # type: ignore[arg-type]
    return [str(p) for p in caught.value.problems]


def test_optional_facts_default_to_unknown() -> None:
    task = cr.parse_task({"id": "t1"})
    assert task.urgency == "unknown"
    assert task.core_to_competitive_advantage == "unknown"
    assert task.skills_needed == ()
    assert task.title is None


def test_every_vocabulary_fact_is_on_a_task() -> None:
    task = cr.parse_task({"id": "t1"})
    assert [name for name, _ in task] == [spec.name for spec in default_vocabulary().facts]


def test_unknown_field_is_named_with_a_suggestion() -> None:
    assert problems_of({"id": "t1", "urgncy": "high"}) == ["unknown fact 'urgncy'; did you mean 'urgency'?"]


def test_value_outside_its_set_names_field_value_and_expected_values() -> None:
    [message] = problems_of({"id": "t1", "urgency": "hihg"})
    assert "fact 'urgency' has value 'hihg'" in message
    assert "expected one of 'low', 'medium', 'high', 'unknown'" in message
    assert message.endswith("did you mean 'high'?")


def test_wrong_type_is_named() -> None:
    [message] = problems_of({"id": "t1", "skills_needed": "statistics"})
    assert message == "fact 'skills_needed' must be a list of text, got 'statistics' (str)"


def test_every_problem_is_reported_at_once() -> None:
    messages = problems_of({"urgency": 3, "budget": "lots", "colour": "red", "skills_needed": [1]})
    assert len(messages) == 5
    joined = "\n".join(messages)
    for expected in ("missing required fact 'id'", "'urgency'", "'budget'", "'colour'", "'skills_needed'"):
        assert expected in joined


def test_yes_no_facts_take_booleans_or_words() -> None:
    assert cr.parse_task({"id": "t", "blocks_initiative": True}).blocks_initiative == "true"
    assert cr.parse_task({"id": "t", "blocks_initiative": "false"}).blocks_initiative == "false"
    assert "'blocks_initiative'" in problems_of({"id": "t", "blocks_initiative": "yes"})[0]


def test_nan_is_rejected() -> None:
    assert "NaN" in problems_of({"id": "t", "budget": math.nan})[0]


def test_a_task_is_immutable_and_hashable() -> None:
    task = cr.parse_task({"id": "t1", "skills_needed": ["a"]})
    with pytest.raises(AttributeError):
        task.id = "t2"  # type: ignore[misc]
    assert hash(task) == hash(cr.parse_task({"id": "t1", "skills_needed": ["a"]}))


def test_replace_validates_again() -> None:
    task = cr.parse_task({"id": "t1"})
    assert task.replace(urgency="high").urgency == "high"
    with pytest.raises(cr.TaskError):
        task.replace(urgency="soon")


def test_a_task_validates_as_itself() -> None:
    """A text fact that reads "false" stays text when a Task is validated again (advisors do)."""
    task = cr.parse_task({"id": "t1", "need": "false"})
    assert cr.parse_task(task) == task


@given(tasks())
def test_json_round_trip(data: dict[str, object]) -> None:
    task = cr.parse_task(data)
    assert cr.Task.from_dict(json.loads(json.dumps(task.to_dict()))) == task


def test_task_file_problems_carry_their_line(tmp_path: Path) -> None:
    path = tmp_path / "task.yaml"
    path.write_text("id: t1\nurgency: high\nbudjet: low\nvolume: huge\n", encoding="utf-8")
    with pytest.raises(cr.TaskError) as caught:
        cr.read_task_file(path)
    located = [(p.location.line, p.location.column) for p in caught.value.problems if p.location]
    assert located == [(3, 1), (4, 1)]
    assert "did you mean 'budget'" in str(caught.value)


def test_task_file_syntax_error_is_located(tmp_path: Path) -> None:
    path = tmp_path / "task.yaml"
    path.write_text("id: t1\nurgency: [high\n", encoding="utf-8")
    with pytest.raises(cr.TaskError) as caught:
        cr.read_task_file(path)
    [problem] = caught.value.problems
    # At the bracket that is never closed (libyaml notices only at the end of the file, line 3)
    assert problem.location is not None and (problem.location.line, problem.location.column) == (2, 10)
    assert "YAML syntax error" in problem.message


def test_task_file_reads_json(tmp_path: Path) -> None:
    path = tmp_path / "task.json"
    path.write_text(json.dumps({"id": "t1", "core_to_competitive_advantage": False}), encoding="utf-8")
    assert cr.read_task_file(path).core_to_competitive_advantage == "false"


def test_only_yes_no_facts_become_booleans() -> None:
    # A text fact (here the id) whose value reads 'true' stays text in the JSON form.
    task = cr.parse_task({"id": "true", "title": "false", "blocks_initiative": True})
    data = task.to_dict()
    assert (data["id"], data["title"], data["blocks_initiative"]) == ("true", "false", True)
    assert cr.Task.from_dict(data) == task


def test_replace_keeps_declared_facts(write_rules) -> None:
    folder = write_rules(
        rules="facts:\n  budget_code: {type: enum, values: [capex, opex]}\nrules:\n  - id: a\n"
        "    description: d\n    when: {budget_code: capex}\n    then: [{plan: x}]\n"
        "    source: {citation: c, status: I}\n"
    )
    vocabulary = cr.load_rules([folder]).vocabulary
    task = cr.parse_task({"id": "t", "budget_code": "capex"}, vocabulary)
    assert task.replace(urgency="high").budget_code == "capex"


def test_a_list_fact_with_values_takes_only_those() -> None:
    """regulated_domains (vocabulary version 3) is a list of values from a closed set."""
    task = cr.Task.from_dict({"id": "t", "regulated_domains": ["financial", "export_control"]})
    assert task.regulated_domains == ("financial", "export_control")
    with pytest.raises(cr.TaskError) as caught:
        cr.Task.from_dict({"id": "t", "regulated_domains": ["finance"]})
    [problem] = caught.value.problems
    assert "fact 'regulated_domains' has item 'finance'" in problem.message
    assert "did you mean 'financial'?" in problem.message
    assert cr.Task.from_dict({"id": "t", "skills_needed": ["anything at all"]}).skills_needed == ("anything at all",)
