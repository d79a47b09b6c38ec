"""A recommendation: the outputs of ``VOCABULARY.md``, with the trace of the rules that produced them."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import attrs

from crowdsourcing_rules.errors import Location
from crowdsourcing_rules.rules import Source

__all__ = ["Firing", "Override", "Recommendation", "Risk"]


def _tuple(value: Any) -> tuple[Any, ...]:
    return tuple(value)


@attrs.frozen
class Risk:
    """A risk that applies, with its severity, its mitigations and the rules that raised it."""

    id: str
    severity: str
    mitigations: tuple[str, ...] = attrs.field(converter=_tuple, default=())
    rules: tuple[str, ...] = attrs.field(converter=_tuple, default=())

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "severity": self.severity,
            "mitigations": list(self.mitigations),
            "rules": list(self.rules),
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Risk:
        return cls(data["id"], data["severity"], data.get("mitigations", ()), data.get("rules", ()))


@attrs.frozen
class Override:
    """A conclusion of a fired rule that did not make it into the recommendation, and why."""

    output: str
    value: str
    by: str  # the rule id that won, or "policy"
    reason: str

    def to_dict(self) -> dict[str, str]:
        return {"output": self.output, "value": self.value, "by": self.by, "reason": self.reason}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Override:
        return cls(data["output"], data["value"], data["by"], data["reason"])


@attrs.frozen
class Firing:
    """One rule that fired, in firing order, with where it comes from."""

    rule_id: str
    description: str
    salience: int
    source: Source
    location: Location | None = None
    stratum: int = 0
    overridden: tuple[Override, ...] = attrs.field(converter=_tuple, default=())

    def to_dict(self) -> dict[str, Any]:
        return {
            "rule": self.rule_id,
            "description": self.description,
            "salience": self.salience,
            "stratum": self.stratum,
            "source": {
                "citation": self.source.citation,
                "status": self.source.status,
                **({"url": self.source.url} if self.source.url else {}),
                **({"note": self.source.note} if self.source.note else {}),
            },
            "location": str(self.location) if self.location else None,
            "overridden": [o.to_dict() for o in self.overridden],
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Firing:
        src = data["source"]
        return cls(
            rule_id=data["rule"],
            description=data.get("description", ""),
            salience=data.get("salience", 0),
            source=Source(src["citation"], src["status"], src.get("url"), src.get("note")),
            location=_parse_location(data.get("location")),
            stratum=data.get("stratum", 0),
            overridden=tuple(Override.from_dict(o) for o in data.get("overridden", ())),
        )


def _parse_location(text: str | None) -> Location | None:
    if not text:
        return None
    parts = text.rsplit(":", 2)
    if len(parts) == 3 and parts[1].isdigit() and parts[2].isdigit():
        return Location(parts[0], int(parts[1]), int(parts[2]))
    return Location(text)


@attrs.frozen
class Recommendation:
    """What the rules concluded for one task.

    Single-valued outputs are ``None`` when no rule concluded them; list outputs are tuples, best
    fit first. ``trace`` lists the fired rules in firing order. :meth:`to_dict` gives the JSON form
    of ``VOCABULARY.md``.
    """

    task_id: str
    crowdsource: str | None
    conditions: tuple[str, ...] = attrs.field(converter=_tuple, default=())
    crowd_types: tuple[str, ...] = attrs.field(converter=_tuple, default=())
    granularity: str | None = None
    service_types: tuple[str, ...] = attrs.field(converter=_tuple, default=())
    manage_crowd_directly: str | None = None
    crowd_model: str | None = None
    preselection: str | None = None
    howe_function: str | None = None
    objectives: tuple[str, ...] = attrs.field(converter=_tuple, default=())
    risks: tuple[Risk, ...] = attrs.field(converter=_tuple, default=())
    plan: tuple[str, ...] = attrs.field(converter=_tuple, default=())
    questions: tuple[str, ...] = attrs.field(converter=_tuple, default=())
    trace: tuple[Firing, ...] = attrs.field(converter=_tuple, default=(), repr=False)
    engine: str = "durable-rules"

    @property
    def risk_ids(self) -> tuple[str, ...]:
        return tuple(r.id for r in self.risks)

    def risk(self, risk_id: str) -> Risk | None:
        """The risk of that id, or None when it was not raised."""
        return next((r for r in self.risks if r.id == risk_id), None)

    @property
    def fired(self) -> tuple[str, ...]:
        """Ids of the fired rules, in firing order."""
        return tuple(f.rule_id for f in self.trace)

    def _repr_html_(self) -> str:
        """The recommendation as HTML, for notebooks (see :mod:`crowdsourcing_rules.html`)."""
        from crowdsourcing_rules.html import recommendation_html

        return recommendation_html(self)

    def to_dict(self) -> dict[str, Any]:
        """The JSON form: every output of the vocabulary, plus ``task_id`` and ``engine``."""
        return {
            "task_id": self.task_id,
            "crowdsource": self.crowdsource,
            "conditions": list(self.conditions),
            "crowd_types": list(self.crowd_types),
            "granularity": self.granularity,
            "service_types": list(self.service_types),
            "manage_crowd_directly": self.manage_crowd_directly,
            "crowd_model": self.crowd_model,
            "preselection": self.preselection,
            "howe_function": self.howe_function,
            "objectives": list(self.objectives),
            "risks": [r.to_dict() for r in self.risks],
            "plan": list(self.plan),
            "questions": list(self.questions),
            "trace": [f.to_dict() for f in self.trace],
            "engine": self.engine,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Recommendation:
        """Read back what :meth:`to_dict` wrote."""
        return cls(
            task_id=data["task_id"],
            crowdsource=data.get("crowdsource"),
            conditions=data.get("conditions", ()),
            crowd_types=data.get("crowd_types", ()),
            granularity=data.get("granularity"),
            service_types=data.get("service_types", ()),
            manage_crowd_directly=data.get("manage_crowd_directly"),
            crowd_model=data.get("crowd_model"),
            preselection=data.get("preselection"),
            howe_function=data.get("howe_function"),
            objectives=data.get("objectives", ()),
            risks=tuple(Risk.from_dict(r) for r in data.get("risks", ())),
            plan=data.get("plan", ()),
            questions=data.get("questions", ()),
            trace=tuple(Firing.from_dict(f) for f in data.get("trace", ())),
            engine=data.get("engine", "durable-rules"),
        )
