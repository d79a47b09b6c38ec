"""JSON Schemas of task files and decision case files, generated from a vocabulary; and the values
of the vocabulary's facts in the conditions of the rule-file and policy-layer schemas.

An editor that reads JSON Schema (VS Code with the YAML extension, or any editor with
yaml-language-server) completes fact names and values and underlines a misspelt one as it is
typed, before the loader sees the file. The schemas of the built-in vocabulary ship in
``crowdsourcing_rules/schema/`` beside those of rule files and policy layers; a company whose
policy declares facts of its own generates its own (``crowdsourcing-rules schema cases --policy
DIR``), so that its facts are known too. docs/editors.md says how to point an editor at them.

>>> schema = task_schema(default_vocabulary())
>>> schema["properties"]["urgency"]["enum"]
['low', 'medium', 'high', 'unknown', None]
>>> schema["additionalProperties"]
False
"""

from __future__ import annotations

import json
from importlib import resources
from typing import Any

from crowdsourcing_rules.model.rules import ORDER_OPS, TEST_OPS
from crowdsourcing_rules.model.task import MAX_TEXT
from crowdsourcing_rules.model.vocabulary import (
    COMPUTED,
    SEVERITIES,
    FactSpec,
    OutputSpec,
    Vocabulary,
    default_vocabulary,
)
from crowdsourcing_rules.rulefiles.cases import (
    CASE_KEYS,
    LIST_OPS,
    RISK_OPS,
    RULE_EXPECTATIONS,
    TEXT_OPS,
    TOP_KEYS as CASE_TOP_KEYS,
)

__all__ = [
    "SCHEMAS",
    "SCHEMA_FILES",
    "cases_schema",
    "fact_schema",
    "recommendation_schema",
    "schema",
    "schema_text",
    "shipped_schema",
    "task_schema",
    "with_fact_values",
]

_DRAFT = "http://json-schema.org/draft-07/schema#"
_BASE = "https://crowdsourcing-rules.invalid/schema/"
#: The schema files of ``crowdsourcing_rules/schema/``, by the kind of file they describe
SCHEMA_FILES = {
    "rules": "rule-file.schema.json",
    "policy": "policy-layer.schema.json",
    "task": "task.schema.json",
    "cases": "cases.schema.json",
}
#: The kinds of file :func:`schema` describes.
SCHEMAS: tuple[str, ...] = tuple(SCHEMA_FILES)
_ID_PATTERN = "^[A-Za-z][A-Za-z0-9_.\\-]*$"


def fact_schema(spec: FactSpec) -> dict[str, Any]:
    """The schema of one fact's value; ``null`` is allowed for a fact that is not given
    (``unknown``), except for the id."""
    out: dict[str, Any] = {"description": spec.description} if spec.description else {}
    if spec.kind == "id":
        # text, or an integer (a spreadsheet's or a database's), read as its decimal text
        out.update(type=["string", "integer"], minLength=1, maxLength=MAX_TEXT, pattern=r"\S")
    elif spec.kind == "text":
        out.update(type=["string", "null"], maxLength=MAX_TEXT)
    elif spec.kind == "list":
        item = {"enum": list(spec.values)} if spec.values else {"type": "string", "maxLength": MAX_TEXT}
        out.update(type=["array", "null"], items=item, default=[])
    elif spec.kind == "bool":
        out.update(enum=[True, False, *spec.values, None], default="unknown")
    else:
        out.update(enum=[*spec.values, None], default="unknown")
        if spec.ordered:
            order = ", ".join(spec.scale)
            out["description"] = f"{spec.description} (ordered, lowest first: {order})".lstrip()
    return out


def _facts(vocabulary: Vocabulary, *, with_id: bool) -> dict[str, Any]:
    return {spec.name: fact_schema(spec) for spec in vocabulary.facts if with_id or spec.name != "id"}


def task_schema(vocabulary: Vocabulary | None = None) -> dict[str, Any]:
    """The schema of a task file: a mapping of the vocabulary's facts, ``id`` required."""
    vocabulary = vocabulary or default_vocabulary()
    return {
        "$schema": _DRAFT,
        "$id": _BASE + SCHEMA_FILES["task"],
        "title": "crowdsourcing-rules task file",
        "description": (
            "A task: the facts of a piece of work, each from the vocabulary (docs/vocabulary.md); "
            "facts not given are unknown. Generated from the vocabulary by 'crowdsourcing-rules schema task'."
        ),
        "type": "object",
        "required": [spec.name for spec in vocabulary.facts if spec.required],
        "additionalProperties": False,
        "properties": _facts(vocabulary, with_id=True),
    }


def _values(values: tuple[str, ...]) -> dict[str, Any]:
    return {"enum": list(values)}


def _ops(ops: tuple[str, ...], item: dict[str, Any]) -> dict[str, Any]:
    """A mapping of tests on a list output: each op takes an item or a list of items; ``empty`` a boolean."""
    one_or_more = {"anyOf": [item, {"type": "array", "items": item}]}
    return {
        "type": "object",
        "minProperties": 1,
        "additionalProperties": False,
        "properties": {op: {"type": "boolean"} if op == "empty" else one_or_more for op in ops},
    }


def _expectations(vocabulary: Vocabulary) -> dict[str, Any]:
    """What a case may expect of each output (see docs/policy.md, decision cases)."""
    out: dict[str, Any] = {}
    for output in vocabulary.outputs:
        if output.kind == "single":
            value = _values(output.values)
            out[output.name] = {"anyOf": [value, {"type": "array", "items": value, "minItems": 1}, {"type": "null"}]}
        elif output.kind == "list":
            value = _values(output.values)
            out[output.name] = {"anyOf": [{"type": "array", "items": value}, _ops(LIST_OPS, value)]}
        elif output.kind == "risks":
            risk = {
                "anyOf": [
                    _values(output.values),
                    {
                        "type": "object",
                        "required": ["id"],
                        "additionalProperties": False,
                        "properties": {"id": _values(output.values), "severity": _values(SEVERITIES)},
                    },
                ]
            }
            out[output.name] = {"anyOf": [{"type": "array", "items": risk}, _ops(RISK_OPS, risk)]}
        else:  # text_list: text that some item contains
            text = {"type": "string", "minLength": 1}
            out[output.name] = {"anyOf": [text, {"type": "array", "items": text}, _ops(TEXT_OPS, text)]}
    facts = _values(vocabulary.fact_names)
    out["questions"] = {"anyOf": [{"type": "array", "items": facts}, _ops(LIST_OPS, facts)]}
    rule_id = {"type": "string", "pattern": _ID_PATTERN}
    for name in RULE_EXPECTATIONS:
        out[name] = {"anyOf": [rule_id, {"type": "array", "items": rule_id, "minItems": 1}]}
    return out


def cases_schema(vocabulary: Vocabulary | None = None) -> dict[str, Any]:
    """The schema of a decision cases file (``*.cases.yaml``): each case's ``given`` facts and
    ``expect`` outputs from the vocabulary."""
    vocabulary = vocabulary or default_vocabulary()
    case_properties = {
        "id": {"type": "string", "minLength": 1},
        "description": {"type": "string"},
        "given": {
            "description": "the task's facts (its id is the case's)",
            "type": "object",
            "additionalProperties": False,
            "properties": _facts(vocabulary, with_id=False),
        },
        "expect": {
            "description": "only the outputs the case cares about",
            "type": "object",
            "minProperties": 1,
            "additionalProperties": False,
            "properties": _expectations(vocabulary),
        },
        "metadata": {"type": "object"},
    }
    assert tuple(case_properties) == CASE_KEYS  # the loader's keys, in its order
    top = {
        "cases": {"type": "array", "minItems": 1, "items": {"$ref": "#/definitions/case"}},
        "metadata": {"description": "Free-form, for the author.", "type": "object"},
    }
    assert set(top) == set(CASE_TOP_KEYS)
    return {
        "$schema": _DRAFT,
        "$id": _BASE + SCHEMA_FILES["cases"],
        "title": "crowdsourcing-rules decision cases file",
        "description": (
            "Decision cases (*.cases.yaml): tasks and the outputs expected for them, run by "
            "'crowdsourcing-rules test'. See docs/policy.md. Generated from the vocabulary by "
            "'crowdsourcing-rules schema cases'."
        ),
        "type": "object",
        "required": ["cases"],
        "additionalProperties": False,
        "properties": top,
        "definitions": {
            "case": {
                "type": "object",
                "required": ["id", "expect"],
                "additionalProperties": False,
                "properties": case_properties,
            }
        },
    }


def _output_schema(output: OutputSpec, vocabulary: Vocabulary) -> dict[str, Any]:
    """The schema of one output's value in ``Recommendation.to_dict()``."""
    text = {"type": "string"}
    value = {"type": "string", "enum": list(output.values)} if output.values else text
    described: dict[str, Any] = {"description": output.description} if output.description else {}
    if output.kind == "single":
        return {**described, "enum": [*output.values, None]}
    if output.kind == "flag":
        return {**described, "type": "boolean"}
    if output.kind == "notes":
        return {**described, "type": "object", "additionalProperties": text}
    if output.kind == "fact_list":
        return {**described, "type": "array", "items": {"type": "string", "enum": list(vocabulary.fact_names)}}
    if output.kind == "examples":
        fields = ("name", "service_type", "url", "note")
        example = {"type": "object", "properties": dict.fromkeys(fields, text), "required": list(fields)}
        return {**described, "type": "array", "items": example}
    if output.kind == "risks":
        risk = {
            "type": "object",
            "properties": {
                "id": value,
                "severity": {"enum": list(SEVERITIES)},
                "mitigations": {"type": "array", "items": text},
                "rules": {"type": "array", "items": text},
            },
            "required": ["id", "severity", "mitigations", "rules"],
        }
        return {**described, "type": "array", "items": risk}
    limit = {"maxItems": output.max_items} if output.max_items is not None else {}
    return {**described, "type": "array", "items": value, **limit}


def recommendation_schema(vocabulary: Vocabulary | None = None) -> dict[str, Any]:
    """The JSON Schema of ``Recommendation.to_dict()``: ``task_id``, every output the rules
    conclude and every output computed after them (a single output is None when no rule concludes
    it), the ``trace`` (left out by ``to_dict(trace=False)``) and the ``engine``."""
    vocabulary = vocabulary or default_vocabulary()
    properties: dict[str, Any] = {"task_id": {"type": "string"}}
    for output in (*vocabulary.outputs, *COMPUTED):
        properties[output.name] = _output_schema(output, vocabulary)
    properties["trace"] = {
        "description": "the rules that fired, in order",
        "type": "array",
        "items": {"type": "object"},
    }
    properties["engine"] = {"type": "string"}
    return {
        "$schema": _DRAFT,
        "$id": _BASE + "recommendation.schema.json",
        "title": "crowdsourcing-rules recommendation",
        "type": "object",
        "properties": properties,
        "required": [name for name in properties if name != "trace"],
        "additionalProperties": False,
    }


def _fact_test(spec: FactSpec) -> dict[str, Any]:
    """The tests a condition may make of an enumerated or yes/no fact, with its values only."""
    values = {"enum": [True, False, *spec.values] if spec.kind == "bool" else list(spec.values)}
    some = {"type": "array", "minItems": 1, "items": values}
    ops: dict[str, Any] = {}
    for op in TEST_OPS:
        if op in ("in", "not_in"):
            ops[op] = some
        elif op == "known":
            ops[op] = {"type": "boolean"}
        elif op in ORDER_OPS:
            if spec.ordered:
                ops[op] = {"enum": list(spec.scale)}
        elif op != "contains":  # contains tests a list fact
            ops[op] = values
    described = {"description": spec.description} if spec.description else {}
    tests = {"type": "object", "minProperties": 1, "additionalProperties": False, "properties": ops}
    return {**described, "anyOf": [values, some, tests]}


def with_fact_values(schema: dict[str, Any], vocabulary: Vocabulary | None = None) -> dict[str, Any]:
    """A rule-file or policy-layer schema whose conditions know the values of the vocabulary's
    enumerated and yes/no facts: ``urgency: hgh`` is flagged. Other names stay free (derived facts
    and facts a policy declares are named by the files themselves)."""
    vocabulary = vocabulary or default_vocabulary()
    condition = schema["definitions"]["condition"]
    combinators = {k: v for k, v in condition["properties"].items() if k in ("all", "any", "not")}
    facts = {s.name: _fact_test(s) for s in vocabulary.facts if s.kind in ("enum", "bool")}
    condition["properties"] = {**combinators, **facts}
    return schema


def schema_text(schema: dict[str, Any]) -> str:
    """A schema as the files of ``crowdsourcing_rules/schema/`` are written: indented JSON."""
    return json.dumps(schema, indent=2, ensure_ascii=False) + "\n"


def shipped_schema(kind: str) -> str:
    """The text of a shipped schema file (``rules``, ``policy``, ``task`` or ``cases``)."""
    return (resources.files("crowdsourcing_rules") / "schema" / SCHEMA_FILES[kind]).read_text(encoding="utf-8")


def schema(kind: str, vocabulary: Vocabulary | None = None) -> dict[str, Any]:
    """The schema of a kind of file, one of :data:`SCHEMAS`, for a vocabulary (a company's declared
    facts included): ``task`` and ``cases`` generated, ``rules`` and ``policy`` as shipped with the
    vocabulary's facts and values in their conditions."""
    if kind == "task":
        return task_schema(vocabulary)
    if kind == "cases":
        return cases_schema(vocabulary)
    if kind not in SCHEMA_FILES:
        raise ValueError(f"unknown schema {kind!r}; expected one of {', '.join(SCHEMAS)}")
    return with_fact_values(json.loads(shipped_schema(kind)), vocabulary)
