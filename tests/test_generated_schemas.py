"""The schemas generated from the vocabulary (crowdsourcing_rules/rulefiles/schemas.py) say what the
readers accept: a task is valid by its schema exactly when parse_task accepts it; the shipped
cases files are valid by the cases schema and a misspelt fact or output is not; every
recommendation is valid by its schema. And ``crowdsourcing-rules schema`` prints them."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from ruamel.yaml import YAML

import crowdsourcing_rules as cr
from crowdsourcing_rules.cli import main
from crowdsourcing_rules.rulefiles import cases
from crowdsourcing_rules.rulefiles.schemas import SCHEMAS, cases_schema, recommendation_schema, schema, task_schema
from tests.strategies import task_data

jsonschema = pytest.importorskip("jsonschema")

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = ROOT / "tests" / "fixtures"
EXAMPLES = sorted((ROOT / "examples" / "tasks").glob("*.yaml"))
CASE_FILES = [ROOT / "examples" / "company_policy", FIXTURES / "company_policy"]
CASE_FILES = [folder / "policy.cases.yaml" for folder in CASE_FILES]
TASK_VALIDATOR = jsonschema.Draft7Validator(task_schema())


def acme() -> cr.Vocabulary:
    return cr.load_layers([FIXTURES / "defaults"], [FIXTURES / "company_policy"]).ruleset.vocabulary


def plain(path: Path) -> Any:
    return json.loads(json.dumps(YAML(typ="safe", pure=True).load(path.read_text(encoding="utf-8"))))


@pytest.mark.parametrize("name", SCHEMAS)
def test_every_schema_is_a_valid_draft_07_schema(name: str) -> None:
    jsonschema.Draft7Validator.check_schema(schema(name, acme()))
    jsonschema.Draft7Validator.check_schema(recommendation_schema())


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: p.stem)
def test_every_example_task_and_its_recommendation_are_valid(path: Path) -> None:
    task = cr.read_task_file(path)
    jsonschema.validate(task.to_dict(), task_schema())
    jsonschema.validate(plain(path), task_schema())  # as written in the file
    rec = cr.decide(task)
    jsonschema.validate(rec.to_dict(), recommendation_schema())
    jsonschema.validate(rec.to_dict(trace=False), recommendation_schema())


@settings(max_examples=200)
@given(task_data())
def test_a_task_is_valid_by_the_schema_exactly_when_parse_task_accepts_it(data: Any) -> None:
    data = json.loads(json.dumps(data))  # what a JSON body or a YAML file can hold
    by_schema = TASK_VALIDATOR.is_valid(data)
    try:
        cr.parse_task(data)
        parsed = True
    except cr.TaskError:
        parsed = False
    assert by_schema == parsed, (data, [e.message for e in TASK_VALIDATOR.iter_errors(data)])


def test_a_company_layer_s_facts_are_in_its_task_schema() -> None:
    properties = task_schema(acme())["properties"]
    assert properties["budget_code"]["enum"] == ["capex", "opex", "innovation", "unknown", None]
    assert properties["budget_code"]["description"] == "the budget line that pays for the work"
    validator = jsonschema.Draft7Validator(task_schema(acme()))
    assert validator.is_valid({"id": "t1", "touches_customer_data": True})
    assert not validator.is_valid({"id": "t1", "budget_code": "opx"})
    assert not TASK_VALIDATOR.is_valid({"id": "t1", "touches_customer_data": True})  # not in the defaults


def test_ordered_facts_say_their_order() -> None:
    assert task_schema()["properties"]["urgency"]["description"].endswith("(ordered, lowest first: low, medium, high)")


@pytest.mark.parametrize("path", CASE_FILES, ids=lambda p: p.parent.parent.name)
def test_the_shipped_cases_files_are_valid(path: Path) -> None:
    jsonschema.validate(plain(path), cases_schema(acme()))


def test_a_misspelt_fact_value_or_output_in_a_case_is_flagged_by_the_schema() -> None:
    validator = jsonschema.Draft7Validator(cases_schema(acme()))
    good = plain(CASE_FILES[0])
    assert validator.is_valid(good)
    for path, wrong in [
        (("given", "touches_customer_dta"), True),  # a misspelt fact
        (("given", "budget_code"), "opx"),  # a value outside the set
        (("expect", "crowdsourse"), "no"),  # a misspelt output
        (("expect", "crowdsource"), "maybe"),  # a value outside the output's set
        (("expect", "risks"), [{"id": "quality", "severity": "huge"}]),
        (("expect", "crowd_types"), {"frist": "general_public"}),  # a misspelt test
    ]:
        bad = json.loads(json.dumps(good))
        bad["cases"][0][path[0]][path[1]] = wrong
        assert not validator.is_valid(bad), path


def test_the_cases_schema_knows_the_keys_the_reader_knows() -> None:
    generated = cases_schema()
    assert set(generated["properties"]) == set(cases.TOP_KEYS)
    assert generated["properties"]["cases"]["items"] == {"$ref": "#/definitions/case"}
    case = generated["definitions"]["case"]
    assert set(case["properties"]) == set(cases.CASE_KEYS)
    expect = case["properties"]["expect"]["properties"]
    outputs = {o.name for o in cr.default_vocabulary().outputs}
    assert set(expect) == outputs | {"questions", *cases.RULE_EXPECTATIONS}
    assert set(expect["crowd_types"]["anyOf"][1]["properties"]) == set(cases.LIST_OPS)
    assert set(expect["plan"]["anyOf"][2]["properties"]) == set(cases.TEXT_OPS)
    assert set(expect["risks"]["anyOf"][1]["properties"]) == set(cases.RISK_OPS)


# -- the command -----------------------------------------------------------------------------------


def printed(capsys: pytest.CaptureFixture[str], *argv: str) -> Any:
    assert main(list(argv)) == 0
    return json.loads(capsys.readouterr().out)


def test_schema_prints_each_schema(capsys: pytest.CaptureFixture[str]) -> None:
    assert printed(capsys, "schema", "task") == task_schema()
    assert printed(capsys, "schema", "cases") == cases_schema()
    for name in ("rules", "policy"):
        assert printed(capsys, "schema", name) == schema(name)


def test_schema_includes_the_facts_of_the_rules_and_the_policy(capsys: pytest.CaptureFixture[str]) -> None:
    layered = printed(
        capsys, "schema", "task", "--rules", str(FIXTURES / "defaults"), "--policy", str(FIXTURES / "company_policy")
    )
    assert layered == task_schema(acme())


def test_schema_refuses_an_unknown_name(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as caught:
        main(["schema", "tasks"])
    assert caught.value.code == 2 and "invalid choice: 'tasks'" in capsys.readouterr().err


def test_serve_without_the_server_extra_says_how_to_install_it(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    import importlib.util

    found = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec", lambda name, *a: None if name == "uvicorn" else found(name, *a))
    assert main(["serve", "--port", "1"]) == 1
    err = capsys.readouterr().err
    # uvicorn is named among the missing modules (without the extra, the others are missing too)
    missing = err.partition("(")[2].partition(" missing)")[0].split(", ")
    assert "uvicorn" in missing and "pip install 'crowdsourcing-rules[server]'" in err
