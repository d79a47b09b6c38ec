"""JSON Schemas of the files and requests the library reads, generated from the vocabulary.

A task's schema follows the vocabulary it is given, a company's declared facts included, so that
a form, an editor or an API description knows every fact, its kind and its values:

>>> schema = task_schema()
>>> schema["properties"]["urgency"]["enum"]
['low', 'medium', 'high', 'unknown', None]
>>> schema["required"], schema["additionalProperties"]
(['id'], False)

The schema of decision cases files is generated the same way (their ``given`` facts and the
outputs they ``expect``); the rule-file and policy-layer schemas are written by hand and shipped
in ``crowdsourcing_rules/schema/`` (they do not depend on a company's facts). :func:`schema`
gives any of them by name, as ``crowdsourcing-rules schema NAME`` prints it. Every function here is
pure: same vocabulary, same schema.
"""

from __future__ import annotations

import json
from importlib import resources
from typing import Any

from crowdsourcing_rules.model.task import MAX_TEXT
from crowdsourcing_rules.model.vocabulary import SEVERITIES, FactSpec, Vocabulary, default_vocabulary

__all__ = ["SCHEMAS", "cases_schema", "fact_schema", "recommendation_schema", "schema", "task_schema"]

#: The schemas :func:`schema` gives, by name.
SCHEMAS: tuple[str, ...] = ("task", "rules", "cases", "policy")
DRAFT = "http://json-schema.org/draft-07/schema#"  # as the shipped rule-file schemas
_BASE = "https://crowdsourcing-rules.invalid/schema/"
_FILES = {"rules": "rule-file.schema.json", "policy": "policy-layer.schema.json"}


def fact_schema(spec: FactSpec) -> dict[str, Any]:
    """The schema of one fact's value; ``null`` is allowed for a fact that is not given
    (``unknown``), except for the id."""
    out: dict[str, Any] = {"description": spec.description} if spec.description else {}
    if spec.kind == "id":
        out.update(type="string", minLength=1, maxLength=MAX_TEXT, pattern=r"\S")
    elif spec.kind == "text":
        out.update(type=["string", "null"], maxLength=MAX_TEXT)
    elif spec.kind == "list":
        out.update(type=["array", "null"], items={"type": "string", "maxLength": MAX_TEXT}, default=[])
    elif spec.kind == "bool":
        out.update(enum=[True, False, *spec.values, None], default="unknown")
    else:
        out.update(enum=[*spec.values, None], default="unknown")
        if spec.ordered:
            order = ", ".join(spec.scale)
            out["description"] = f"{spec.description} (ordered, lowest first: {order})".lstrip()
    return out


def task_schema(vocabulary: Vocabulary | None = None) -> dict[str, Any]:
    """The JSON Schema of a task: an object of the vocabulary's facts (built-in and declared),
    ``id`` required, no other key."""
    vocabulary = vocabulary or default_vocabulary()
    return {
        "$schema": DRAFT,
        "$id": _BASE + "task.schema.json",
        "title": "crowdsourcing-rules task",
        "description": "The facts of a piece of work. A fact not given is unknown; see docs/vocabulary.md.",
        "type": "object",
        "properties": {spec.name: fact_schema(spec) for spec in vocabulary.facts},
        "required": [spec.name for spec in vocabulary.facts if spec.required],
        "additionalProperties": False,
    }


def recommendation_schema(vocabulary: Vocabulary | None = None) -> dict[str, Any]:
    """The JSON Schema of ``Recommendation.to_dict()``: each output of the vocabulary (a single
    output is None when no rule concludes it), ``task_id``, ``questions``, ``engine`` and the
    ``trace`` (left out by ``to_dict(trace=False)``)."""
    vocabulary = vocabulary or default_vocabulary()
    text = {"type": "string"}
    properties: dict[str, Any] = {"task_id": text}
    for output in vocabulary.outputs:
        value = _values(output.values)
        described = {"description": output.description} if output.description else {}
        if output.kind == "single":
            properties[output.name] = {**described, "enum": [*output.values, None]}
        elif output.kind == "risks":
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
            properties[output.name] = {**described, "type": "array", "items": risk}
        else:
            properties[output.name] = {**described, "type": "array", "items": value if output.values else text}
    properties["questions"] = {
        "description": "unknown facts whose answer could change the verdict",
        "type": "array",
        "items": _values(vocabulary.fact_names),
    }
    properties["trace"] = {
        "description": "the rules that fired, in order",
        "type": "array",
        "items": {"type": "object"},
    }
    properties["engine"] = text
    return {
        "$schema": DRAFT,
        "$id": _BASE + "recommendation.schema.json",
        "title": "crowdsourcing-rules recommendation",
        "type": "object",
        "properties": properties,
        "required": [name for name in properties if name != "trace"],
        "additionalProperties": False,
    }


def _values(values: list[str] | tuple[str, ...]) -> dict[str, Any]:
    return {"type": "string", "enum": list(values)} if values else {"type": "string", "minLength": 1}


def _one_or_many(item: dict[str, Any]) -> dict[str, Any]:
    return {"oneOf": [item, {"type": "array", "items": item, "minItems": 1}]}


def _tests(ops: dict[str, dict[str, Any]]) -> dict[str, Any]:
    return {"type": "object", "properties": ops, "additionalProperties": False, "minProperties": 1}


def _expectations(vocabulary: Vocabulary) -> dict[str, Any]:
    """What a case may ``expect`` of each output (rulefiles/cases.py reads it)."""
    empty = {"type": "boolean"}
    expect: dict[str, Any] = {}
    for output in vocabulary.outputs:
        value = _values(output.values)
        if output.kind == "single":
            expect[output.name] = {"oneOf": [value, {"type": "array", "items": value, "minItems": 1}, {"type": "null"}]}
        elif output.kind == "list":
            many = _one_or_many(value)
            ops = {"is": {"type": "array", "items": value}, "first": value, "contains": many, "excludes": many}
            expect[output.name] = {"oneOf": [{"type": "array", "items": value}, _tests({**ops, "empty": empty})]}
        elif output.kind == "text_list":
            text = _one_or_many({"type": "string", "minLength": 1})
            expect[output.name] = {
                "oneOf": [text, _tests({"contains": text, "excludes": text, "empty": empty})],
            }
        else:  # risks: ids, or {id, severity}
            risk = {
                "oneOf": [
                    value,
                    {
                        "type": "object",
                        "properties": {"id": value, "severity": {"enum": list(SEVERITIES)}},
                        "required": ["id"],
                        "additionalProperties": False,
                    },
                ]
            }
            many = _one_or_many(risk)
            expect[output.name] = {
                "oneOf": [
                    {"type": "array", "items": risk},
                    _tests({"contains": many, "excludes": many, "empty": empty}),
                ]
            }
    facts = _values(vocabulary.fact_names)
    many_facts = _one_or_many(facts)
    expect["questions"] = {
        "oneOf": [
            {"type": "array", "items": facts},
            _tests({"is": {"type": "array", "items": facts}, "contains": many_facts, "excludes": many_facts}),
        ]
    }
    rule_ids = _one_or_many({"type": "string", "minLength": 1})
    expect["fired"] = expect["not_fired"] = rule_ids
    return expect


def cases_schema(vocabulary: Vocabulary | None = None) -> dict[str, Any]:
    """The JSON Schema of a decision cases file (``*.cases.yaml``, docs/policy.md): each case's
    ``given`` facts are those of :func:`task_schema`, its ``expect`` names outputs and their values."""
    vocabulary = vocabulary or default_vocabulary()
    given = task_schema(vocabulary)
    case = {
        "type": "object",
        "properties": {
            "id": {"type": "string", "minLength": 1, "pattern": r"\S"},
            "description": {"type": "string"},
            "given": {
                "description": "The task's facts (its id is the case's).",
                "type": "object",
                "properties": given["properties"],
                "additionalProperties": False,
            },
            "expect": {
                "description": "Only the outputs the case cares about.",
                "type": "object",
                "properties": _expectations(vocabulary),
                "additionalProperties": False,
                "minProperties": 1,
            },
            "metadata": {"type": "object"},
        },
        "required": ["id", "expect"],
        "additionalProperties": False,
    }
    return {
        "$schema": DRAFT,
        "$id": _BASE + "cases.schema.json",
        "title": "crowdsourcing-rules decision cases file",
        "description": "Decision cases: a task's facts and the outputs expected for it (docs/policy.md).",
        "type": "object",
        "properties": {
            "cases": {"type": "array", "items": case, "minItems": 1},
            "metadata": {"type": "object"},
        },
        "required": ["cases"],
        "additionalProperties": False,
    }


def schema(name: str, vocabulary: Vocabulary | None = None) -> dict[str, Any]:
    """The schema called ``name``, one of :data:`SCHEMAS`: ``task`` and ``cases`` for this
    vocabulary, ``rules`` and ``policy`` as shipped."""
    if name == "task":
        return task_schema(vocabulary)
    if name == "cases":
        return cases_schema(vocabulary)
    if name not in _FILES:
        raise ValueError(f"unknown schema {name!r}; expected one of {', '.join(SCHEMAS)}")
    text = (resources.files("crowdsourcing_rules") / "schema" / _FILES[name]).read_text(encoding="utf-8")
    loaded: dict[str, Any] = json.loads(text)
    return loaded
