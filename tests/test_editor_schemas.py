"""The JSON Schemas an editor uses for task files and decision case files: generated from the
vocabulary, shipped fresh, and in agreement with the loader; a misspelt fact or value is flagged
by the schema as it is by the loader."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings

import crowdsourcing_rules as cr
from crowdsourcing_rules.cli import main
from crowdsourcing_rules.rulefiles import yaml_reader
from crowdsourcing_rules.rulefiles.cases import load_cases
from crowdsourcing_rules.rulefiles.layers import load_layers
from crowdsourcing_rules.rulefiles.schemas import (
    SCHEMA_FILES,
    cases_schema,
    schema_text,
    shipped_schema,
    task_schema,
    with_fact_values,
)
from tests.strategies import tasks

jsonschema = pytest.importorskip("jsonschema")

ROOT = Path(__file__).resolve().parent.parent
COMPANY = ROOT / "examples" / "company_policy"
REGENERATE = "regenerate it: crowdsourcing-rules schema {kind} {policy}-o {path}"


def read(path: Path) -> Any:
    return yaml_reader.plain(yaml_reader.parse(path.read_text(encoding="utf-8"), str(path)))


def errors(schema: dict[str, Any], data: Any) -> list[str]:
    return [error.message for error in jsonschema.Draft7Validator(schema).iter_errors(data)]


@pytest.mark.parametrize("kind", ["task", "cases"])
def test_the_shipped_schemas_are_generated_from_the_vocabulary(kind: str) -> None:
    path = ROOT / "crowdsourcing_rules" / "schema" / SCHEMA_FILES[kind]
    make = task_schema if kind == "task" else cases_schema
    assert shipped_schema(kind) == schema_text(make()), REGENERATE.format(kind=kind, policy="", path=path)


@pytest.mark.parametrize("kind", ["task", "cases"])
def test_the_company_examples_schemas_know_its_facts_and_are_fresh(kind: str) -> None:
    vocabulary = load_layers([cr.default_rules_path()], [COMPANY]).ruleset.vocabulary
    path = COMPANY / ".schemas" / SCHEMA_FILES[kind]
    make = task_schema if kind == "task" else cases_schema
    expected = schema_text(make(vocabulary))
    assert path.read_text(encoding="utf-8") == expected, REGENERATE.format(
        kind=kind, policy=f"--policy {COMPANY.relative_to(ROOT)} ", path=path.relative_to(ROOT)
    )
    assert "touches_customer_data" in expected and "touches_customer_data" not in shipped_schema(kind)


@pytest.mark.parametrize("kind", list(SCHEMA_FILES))
def test_every_schema_is_a_valid_draft_07_schema(kind: str) -> None:
    jsonschema.Draft7Validator.check_schema(json.loads(shipped_schema(kind)))


@pytest.mark.parametrize("path", sorted((ROOT / "examples" / "tasks").glob("*.yaml")), ids=lambda p: p.name)
def test_every_example_task_validates(path: Path) -> None:
    assert errors(task_schema(), read(path)) == []


def test_the_company_cases_validate_against_the_companys_schema_only() -> None:
    cases = read(COMPANY / "policy.cases.yaml")
    assert errors(json.loads((COMPANY / ".schemas" / "cases.schema.json").read_text()), cases) == []
    # The built-in schema does not know the company's facts
    assert any("'budget_code' was unexpected" in e for e in errors(cases_schema(), cases))


@settings(max_examples=150, deadline=None)
@given(tasks())
def test_what_the_loader_accepts_the_task_schema_accepts(task: dict[str, Any]) -> None:
    cr.Task.from_dict(task)
    assert errors(task_schema(), task) == []


# Each mistake is flagged by the schema (an editor underlines it as it is typed) and by the loader.
@pytest.mark.parametrize(
    ("task", "flagged"),
    [
        ({"id": "t1", "urgncy": "high"}, "'urgncy' was unexpected"),
        ({"id": "t1", "urgency": "hgh"}, "'hgh' is not one of"),
        ({"id": "t1", "blocks_initiative": "maybe"}, "'maybe' is not one of"),
        ({"id": "t1", "skills_needed": "law"}, "'law' is not of type 'array'"),
        ({"urgency": "high"}, "'id' is a required property"),
    ],
)
def test_a_misspelt_fact_or_value_in_a_task_is_flagged_by_the_schema_and_the_loader(
    task: dict[str, Any], flagged: str
) -> None:
    assert any(flagged in e for e in errors(task_schema(), task))
    with pytest.raises(cr.TaskError):
        cr.Task.from_dict(task)


GOOD_CASE = {
    "id": "c1",
    "given": {"task_type": "data_labeling", "decomposability": "micro"},
    "expect": {
        "crowdsource": "yes",
        "granularity": ["micro_task", "macro_task"],
        "crowd_types": {"first": "general_public", "excludes": ["internal_employees"]},
        "risks": [{"id": "quality", "severity": "high"}, "availability"],
        "plan": "quality",
        "questions": {"contains": "budget"},
    },
}


@pytest.mark.parametrize(
    ("change", "flagged"),
    [
        ({"given": {"task_typ": "data_labeling"}}, "'task_typ' was unexpected"),
        ({"given": {"task_type": "data_labelling"}}, "'data_labelling' is not one of"),
        ({"expect": {"crowdsourced": "yes"}}, "'crowdsourced' was unexpected"),
        ({"expect": {"crowdsource": "maybe"}}, "is not valid under any of the given schemas"),
        ({"expect": {"crowd_types": ["general_publik"]}}, "is not valid under any of the given schemas"),
        ({"expect": {"crowd_types": {"frist": "general_public"}}}, "is not valid under any of the given schemas"),
        ({"expect": {"risks": [{"id": "quality", "severity": "hi"}]}}, "is not valid under any of the given schemas"),
        ({"expect": {}}, "should be non-empty"),
    ],
)
def test_a_misspelt_fact_output_or_value_in_a_case_is_flagged_by_the_schema_and_the_loader(
    change: dict[str, Any], flagged: str, tmp_path: Path
) -> None:
    vocabulary = cr.default_vocabulary()
    rule_ids = [r.id for r in cr.load_rules([cr.default_rules_path()])]
    case = {**GOOD_CASE, "expect": {**GOOD_CASE["expect"], "fired": rule_ids[:1]}}
    good = {"cases": [case]}
    assert errors(cases_schema(), good) == []
    bad = {"cases": [{**case, **change}]}
    found = errors(cases_schema(), bad)
    assert any(flagged in e for e in found), found
    # The loader refuses it too
    folder = tmp_path
    for name, data in (("good", good), ("bad", bad)):
        (folder / f"{name}.cases.yaml").write_text(json.dumps(data), encoding="utf-8")
    load_cases([folder / "good.cases.yaml"], vocabulary, rule_ids)
    with pytest.raises(cr.CaseFileError):
        load_cases([folder / "bad.cases.yaml"], vocabulary, rule_ids)


def test_the_schema_command_writes_each_kind(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    for kind in SCHEMA_FILES:
        assert main(["schema", kind, "-o", str(tmp_path / f"{kind}.json")]) == 0
        assert (tmp_path / f"{kind}.json").read_text(encoding="utf-8") == shipped_schema(kind)
    assert main(["schema", "cases", "--policy", str(COMPANY)]) == 0
    assert capsys.readouterr().out == (COMPANY / ".schemas" / "cases.schema.json").read_text(encoding="utf-8")


MODELINE = "# yaml-language-server: $schema="


def modelined() -> list[Path]:
    return sorted(p for p in (ROOT / "examples").rglob("*.yaml") if p.read_text(encoding="utf-8").startswith(MODELINE))


def test_the_examples_name_their_schema() -> None:
    # Every example task, policy and cases file opens with the modeline docs/editors.md describes
    examples = ROOT / "examples"
    expected = [*examples.glob("tasks/*.yaml"), *(p for p in COMPANY.glob("*.yaml") if not p.name.startswith("."))]
    assert sorted(expected) == modelined()


@pytest.mark.parametrize("path", modelined(), ids=lambda p: str(p.relative_to(ROOT)))
def test_each_modeline_points_at_a_schema_the_file_validates_against(path: Path) -> None:
    target = path.read_text(encoding="utf-8").splitlines()[0].removeprefix(MODELINE)
    schema = json.loads((path.parent / target).read_text(encoding="utf-8"))
    assert errors(schema, read(path)) == []


@pytest.mark.parametrize("kind", ["rules", "policy"])
def test_the_rule_schemas_know_the_values_of_the_vocabularys_facts(kind: str) -> None:
    # The conditions of the rule-file and policy-layer schemas are generated from the vocabulary
    shipped = shipped_schema(kind)
    assert schema_text(with_fact_values(json.loads(shipped))) == shipped, REGENERATE.format(
        kind=kind, policy="", path=f"crowdsourcing_rules/schema/{SCHEMA_FILES[kind]}"
    )


def rule_file(when: str) -> str:
    return (
        "rules:\n  - id: r\n    description: d\n"
        f"    when: {when}\n"
        "    then: [{plan: p}]\n    source: {citation: c, status: I}\n"
    )


@pytest.mark.parametrize(
    "when",
    [
        "{urgency: hgh}",
        "{urgency: [high, hihg]}",
        "{urgency: {at_least: medum}}",
        "{task_type: {is_not: data_labelling}}",
        "{blocks_initiative: maybe}",
        "{task_type: {at_least: funding}}",  # task_type has no order
        "{all: [{volume: massive}, {not: {decomposability: macro}}]}",
    ],
)
def test_a_misspelt_value_in_a_rule_is_flagged_by_the_schema_and_the_loader(when: str, tmp_path: Path) -> None:
    path = tmp_path / "rules.yaml"
    path.write_text(rule_file(when), encoding="utf-8")
    assert errors(json.loads(shipped_schema("rules")), read(path))
    with pytest.raises(cr.RuleFileError):
        cr.load_rules([path])


def test_names_the_vocabulary_does_not_know_stay_free_in_a_rule(tmp_path: Path) -> None:
    # A derived fact (or one a policy declares) is named by the files themselves
    text = rule_file("{urgency: {at_least: medium}, needs_review: true, blocks_initiative: false}")
    (tmp_path / "rules.yaml").write_text(text, encoding="utf-8")
    assert errors(json.loads(shipped_schema("rules")), read(tmp_path / "rules.yaml")) == []
