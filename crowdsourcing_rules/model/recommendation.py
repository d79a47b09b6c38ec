"""A recommendation: the outputs of the vocabulary, with the trace of the rules that produced them."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

import attrs

from crowdsourcing_rules.errors import Location, printable_json
from crowdsourcing_rules.model import html, text
from crowdsourcing_rules.model.language import Language
from crowdsourcing_rules.model.platforms import PlatformExample
from crowdsourcing_rules.model.rules import Source

__all__ = ["Firing", "Override", "Recommendation", "Risk"]


def _tuple(value: Any) -> tuple[Any, ...]:
    return tuple(value)


def _notes(value: Mapping[str, str]) -> dict[str, str]:
    return dict(value)


def _examples(value: Any) -> tuple[PlatformExample, ...]:
    return tuple(e if isinstance(e, PlatformExample) else PlatformExample.from_dict(e) for e in value)


def _json(value: Any) -> Any:
    """A field's JSON form: tuples as lists, values that have ``to_dict`` as their dict."""
    if isinstance(value, tuple):
        return [_json(item) for item in value]
    if isinstance(value, dict):
        return {key: _json(item) for key, item in value.items()}
    to_dict = getattr(value, "to_dict", None)
    return to_dict() if to_dict is not None else value


def _fields(value: Any) -> dict[str, Any]:
    """An attrs value's fields, in order, in their JSON form."""
    return {field.name: _json(getattr(value, field.name)) for field in attrs.fields(type(value))}


@attrs.frozen
class Risk:
    """A risk that applies, with its severity, its mitigations and the rules that raised it."""

    id: str
    severity: str
    mitigations: tuple[str, ...] = attrs.field(converter=_tuple, default=())
    rules: tuple[str, ...] = attrs.field(converter=_tuple, default=())

    def to_dict(self) -> dict[str, Any]:
        return _fields(self)

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
        return _fields(self)

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
            "source": self.source.to_dict(),
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
            source=Source(src["citation"], src["status"], src.get("url"), src.get("note"), src.get("keys", ())),
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
    fit first. ``questions`` (the unknown facts that would change the verdict) and ``provisional``
    come from the advisor's search for them; ``service_notes`` says why each service type fits, and
    ``platform_examples`` are examples of the main service type (to check, not endorsements).
    ``trace`` lists the fired rules in firing order. :meth:`to_dict` gives the JSON form of the
    vocabulary (docs/vocabulary.md), its keys in this order.
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
    provisional: bool = False
    service_notes: dict[str, str] = attrs.field(converter=_notes, factory=dict, hash=False)
    platform_examples: tuple[PlatformExample, ...] = attrs.field(converter=_examples, default=())
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

    def to_text(
        self, *, lang: str | Language | None = "en", detail: bool = False, trace: bool = False, title: str | None = None
    ) -> str:
        """The short answer in plain words (at most ten lines), in English or French (``lang="fr"``);
        with ``detail`` every output, with ``trace`` the rules that fired
        (see :mod:`crowdsourcing_rules.model.text`). ``title`` names the task instead of its id."""
        return text.recommendation_text(self.to_dict(), lang=lang, detail=detail, trace=trace, title=title)

    def to_markdown(
        self, *, lang: str | Language | None = "en", detail: bool = False, trace: bool = False, title: str | None = None
    ) -> str:
        """The same as :meth:`to_text`, as Markdown, for pasting into a document."""
        return text.recommendation_text(
            self.to_dict(), lang=lang, detail=detail, trace=trace, title=title, markdown=True
        )

    def to_html(self, *, lang: str | Language | None = "en") -> str:
        """The card a notebook shows, in English or French."""
        return html.recommendation_html(self.to_dict(), lang)

    def to_json(self, *, trace: bool = True) -> str:
        """The JSON form of :meth:`to_dict`, indented."""
        return printable_json(json.dumps(self.to_dict(trace=trace), indent=2, ensure_ascii=False))

    def _repr_html_(self) -> str:
        """The recommendation as HTML, for notebooks (see :mod:`crowdsourcing_rules.model.html`)."""
        return self.to_html()

    def to_dict(self, *, trace: bool = True) -> dict[str, Any]:
        """The JSON form: every output of the vocabulary, plus ``task_id``, ``questions``,
        ``engine`` and, with ``trace`` (the default), the fired rules; without it the trace is left
        out (the answer is several times smaller).

        >>> rec = Recommendation("t1", "yes", trace=[])
        >>> "trace" in rec.to_dict(trace=False), rec.to_dict()["trace"]
        (False, [])
        """
        data = _fields(self)
        if not trace:
            del data["trace"]
        return data

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
            provisional=data.get("provisional", False),
            service_notes=data.get("service_notes", {}),
            platform_examples=data.get("platform_examples", ()),
            trace=tuple(Firing.from_dict(f) for f in data.get("trace", ())),
            engine=data.get("engine", "durable-rules"),
        )
