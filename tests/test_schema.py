"""The JSON Schema of rule files agrees with the loader, the vocabulary and docs/rule-files.md."""

from __future__ import annotations

import json
import re
from importlib import resources
from pathlib import Path

import pytest
from ruamel.yaml import YAML

import crowdsourcing_rules as cr
from crowdsourcing_rules.model import rules, vocabulary
from crowdsourcing_rules.rulefiles import conclusions, facts, parser as loading

jsonschema = pytest.importorskip("jsonschema")

ROOT = Path(__file__).resolve().parent.parent
SCHEMA = json.loads((resources.files("crowdsourcing_rules") / "schema" / "rule-file.schema.json").read_text())
DEFS = SCHEMA["definitions"]
DOC = (ROOT / "docs" / "rule-files.md").read_text(encoding="utf-8")


def plain(path: Path) -> object:
    return json.loads(json.dumps(YAML(typ="safe", pure=True).load(path.read_text(encoding="utf-8"))))


def test_the_schema_is_a_valid_draft_07_schema() -> None:
    jsonschema.Draft7Validator.check_schema(SCHEMA)


@pytest.mark.parametrize(
    "path", sorted(p for p in (ROOT / "rules").rglob("*.y*ml") if not p.name.endswith(".cases.yaml")), ids=str
)
def test_every_shipped_rule_file_validates(path: Path) -> None:
    jsonschema.validate(plain(path), SCHEMA)


def test_keys_match_the_loader() -> None:
    assert set(SCHEMA["properties"]) == set(loading.TOP_KEYS)
    assert set(DEFS["rule"]["properties"]) == set(loading.RULE_KEYS)
    assert set(DEFS["source"]["properties"]) == set(loading.SOURCE_KEYS)
    assert set(DEFS["source"]["properties"]["status"]["enum"]) == set(rules.STATUS_LABELS)
    assert set(DEFS["conclusion"]["properties"]) == set(rules.CONCLUSION_KINDS)
    assert set(DEFS["factTest"]["oneOf"][2]["properties"]) == set(rules.TEST_OPS)
    assert set(DEFS["factDeclaration"]["properties"]) == set(facts.FACT_KEYS)
    assert set(DEFS["factDeclaration"]["properties"]["type"]["enum"]) == set(facts.FACT_TYPES)
    assert set(DEFS["conclusion"]["properties"]["risk"]["properties"]) == set(conclusions.RISK_KEYS)


def test_values_match_the_vocabulary() -> None:
    outputs = {o.name: o for o in vocabulary.OUTPUTS}
    settable = DEFS["conclusion"]["properties"]["set"]["properties"]
    assert {name for name, o in outputs.items() if o.kind == "single"} == set(settable)
    for name, spec in settable.items():
        assert tuple(spec["enum"]) == outputs[name].values
    assert tuple(DEFS["crowdType"]["enum"]) == outputs["crowd_types"].values
    assert tuple(DEFS["serviceType"]["enum"]) == outputs["service_types"].values
    assert tuple(DEFS["objective"]["enum"]) == outputs["objectives"].values
    risk = DEFS["conclusion"]["properties"]["risk"]["properties"]
    assert tuple(risk["id"]["enum"]) == vocabulary.RISK_IDS
    assert tuple(risk["severity"]["enum"]) == vocabulary.SEVERITIES


def documented_keys(anchor: str) -> set[str]:
    """Backquoted names in the first column of the first table at or after ``anchor``."""
    lines = DOC[DOC.index(anchor) :].splitlines()
    start = next(n for n, line in enumerate(lines) if line.startswith("|"))
    table = []
    for line in lines[start:]:
        if not line.startswith("|"):
            break
        table.append(line)
    return {m for line in table for m in re.findall(r"^\| `([a-z_]+)`", line)}


def test_the_documentation_names_every_key_and_nothing_else() -> None:
    assert documented_keys("Top-level keys:") == set(loading.TOP_KEYS)
    assert documented_keys("## A rule") == set(loading.RULE_KEYS)
    assert documented_keys("| conclusion | example | effect |") == set(rules.CONCLUSION_KINDS)
    for op in rules.TEST_OPS:
        assert f"`{op}`" in DOC, f"docs/rule-files.md does not document the test {op!r}"
    for status in rules.STATUS_LABELS:
        assert f"`{status}`" in DOC
    for fact in vocabulary.BUILTIN_FACTS:
        if fact.ordered:
            assert f"| `{fact.name}` | {', '.join(fact.scale)} |" in DOC, f"scale of {fact.name} is not documented"


@pytest.mark.parametrize(
    "text",
    [
        "rules:\n  - {id: a, description: d, then: [{set: {crowdsource: maybe}}], source: {citation: c, status: V}}\n",
        "rules:\n  - {id: a, description: d, then: [], source: {citation: c, status: V}}\n",
        "rules:\n  - {id: a, description: d, then: [{plan: x}], source: {citation: c, status: Q}}\n",
        "rules:\n  - {id: a, description: d, when: {urgency: {soon: x}}, then: [{plan: x}], "
        "source: {citation: c, status: V}}\n",
        "rulez: []\n",
    ],
)
def test_what_the_schema_rejects_the_loader_rejects(write_rules, text: str) -> None:
    folder = write_rules(rules=text)
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(plain(folder / "rules.yaml"), SCHEMA)
    with pytest.raises(cr.RuleFileError):
        cr.load_rules([folder])


def test_the_documented_layer_example_loads_on_the_shipped_rules(tmp_path: Path) -> None:
    from crowdsourcing_rules.rulefiles.layers import load_layers

    block = DOC[DOC.index("# my_policy/policy.yaml") :]
    (tmp_path / "policy.yaml").write_text(block[: block.index("```")], encoding="utf-8")
    layered = load_layers([cr.default_rules_path()], [tmp_path])
    assert layered.warnings == ()
    assert "acme.budget.capex-approval" in {r.id for r in layered.ruleset}
