"""The decision vocabulary: every input fact and every output, with its values.

The contract itself is data, in ``vocabulary.toml`` beside this module. Rule files are validated against it, and a
company's rule files may extend it with facts of their own (:meth:`Vocabulary.extend`), never change
the built-in ones.
"""

from __future__ import annotations

import tomllib
from collections.abc import Iterable, Mapping
from importlib import resources
from typing import Literal, TypeVar

import attrs

__all__ = [
    "COMPUTED",
    "OUTPUTS",
    "RISK_IDS",
    "FactSpec",
    "OutputSpec",
    "Vocabulary",
    "default_vocabulary",
]

FactKind = Literal["id", "text", "enum", "bool", "list"]
UNKNOWN = "unknown"
BOOL_VALUES = ("true", "false", UNKNOWN)

# Names with a meaning of their own in rule conditions or in the engine's facts.
RESERVED_NAMES = frozenset({"all", "any", "not", "kind", "sid", "name", "value", "n"})


@attrs.frozen
class FactSpec:
    """One input fact: its name, kind and values.

    ``values`` lists the allowed values of an ``enum`` or ``bool`` fact, ``unknown`` included; for
    an ordered scale they come lowest first and ``unknown`` (never ordered) last. For a ``list``
    fact, the values its items may take (empty: any text).
    """

    name: str
    kind: FactKind
    description: str = ""
    values: tuple[str, ...] = ()
    ordered: bool = False
    required: bool = False
    builtin: bool = True
    #: The coarser fact this one refines (``personal_data`` refines ``legal_sensitivity``).
    refines: str | None = None
    #: Whether a manager can change it (a deadline, a budget, who runs the crowd): what-if
    #: proposes changes of those facts only. A policy's declared facts count as changeable.
    changeable: bool = False

    @property
    def default(self) -> object:
        """The value of the fact in a task that does not give it."""
        if self.kind == "list":
            return ()
        if self.kind in ("text", "id"):
            return None
        return UNKNOWN

    @property
    def scale(self) -> tuple[str, ...]:
        """The ordered values (``unknown`` excluded); empty for unordered facts."""
        return tuple(v for v in self.values if v != UNKNOWN) if self.ordered else ()


@attrs.frozen
class OutputSpec:
    """One output of a recommendation.

    Rules conclude the outputs of kinds ``single``, ``list``, ``risks`` and ``text_list``; a list
    output keeps at most ``max_items`` values (None: no limit). The advisor computes the others
    (:data:`COMPUTED`) once the rules have run.
    """

    name: str
    kind: Literal["single", "list", "risks", "text_list", "fact_list", "flag", "notes", "examples"]
    values: tuple[str, ...] = ()
    description: str = ""
    max_items: int | None = None


def _read() -> tuple[tuple[FactSpec, ...], tuple[str, ...], tuple[OutputSpec, ...], tuple[OutputSpec, ...]]:
    """The built-in facts, the risk severities, the outputs rules conclude and the computed ones,
    from ``vocabulary.toml``."""
    data = tomllib.loads((resources.files(__package__) / "vocabulary.toml").read_text(encoding="utf-8"))
    facts = []
    for name, spec in data["facts"].items():
        kind = spec["kind"]
        if kind == "enum":
            values: tuple[str, ...] = (*spec["values"], UNKNOWN)
        elif kind == "list":
            values = tuple(spec.get("values", ()))
        else:
            values = BOOL_VALUES if kind == "bool" else ()
        ordered, required = spec.get("ordered", False), spec.get("required", False)
        facts.append(
            FactSpec(
                name,
                kind,
                spec["description"],
                values,
                ordered=ordered,
                required=required,
                refines=spec.get("refines"),
                changeable=spec.get("changeable", False),
            )
        )
    outputs, computed = (
        tuple(
            OutputSpec(name, spec["kind"], tuple(spec.get("values", ())), spec["description"], spec.get("max_items"))
            for name, spec in data[section].items()
        )
        for section in ("outputs", "computed")
    )
    return tuple(facts), tuple(data["severities"]["values"]), outputs, computed


BUILTIN_FACTS, SEVERITIES, OUTPUTS, COMPUTED = _read()
#: The risk ids, from the most to the least usual order of presentation.
RISK_IDS: tuple[str, ...] = next(o.values for o in OUTPUTS if o.name == "risks")

_Spec = TypeVar("_Spec", FactSpec, OutputSpec)
OUTPUT_NAMES = frozenset(o.name for o in (*OUTPUTS, *COMPUTED)) | {"trace", "task_id", "engine"}


@attrs.frozen
class Vocabulary:
    """The facts a task may carry and the outputs rules may conclude.

    >>> vocabulary = default_vocabulary()
    >>> vocabulary.fact("urgency").scale
    ('low', 'medium', 'high')
    """

    facts: tuple[FactSpec, ...] = BUILTIN_FACTS
    outputs: tuple[OutputSpec, ...] = OUTPUTS
    # Lookups by name, built once: validating a task looks every fact up (docs/performance.md).
    _facts_by_name: dict[str, FactSpec] = attrs.field(init=False, repr=False, eq=False, hash=False)
    _outputs_by_name: dict[str, OutputSpec] = attrs.field(init=False, repr=False, eq=False, hash=False)

    @_facts_by_name.default
    def _index_facts(self) -> dict[str, FactSpec]:
        return _first_by_name(self.facts)

    @_outputs_by_name.default
    def _index_outputs(self) -> dict[str, OutputSpec]:
        return _first_by_name(self.outputs)

    @property
    def fact_names(self) -> tuple[str, ...]:
        return tuple(self._facts_by_name)

    def has_fact(self, name: str) -> bool:
        return name in self._facts_by_name

    def fact(self, name: str) -> FactSpec:
        """The spec of an input fact; ``KeyError`` if there is none of that name."""
        return self._facts_by_name[name]

    def output(self, name: str) -> OutputSpec:
        """The spec of an output; ``KeyError`` if there is none of that name."""
        return self._outputs_by_name[name]

    def has_output(self, name: str) -> bool:
        return name in self._outputs_by_name

    def open_question(self, name: str, facts: Mapping[str, object]) -> bool:
        """Whether a task with these facts leaves the fact ``name`` open: it is unknown, and so is
        the coarser fact it refines, if any (a known ``legal_sensitivity`` is read for an unknown
        ``personal_data``).

        >>> vocabulary = default_vocabulary()
        >>> vocabulary.open_question("personal_data", {"personal_data": "unknown", "legal_sensitivity": "low"})
        False
        >>> vocabulary.open_question("personal_data", {"personal_data": "unknown", "legal_sensitivity": "unknown"})
        True
        """
        refines = self.fact(name).refines
        return facts.get(name) == UNKNOWN and (refines is None or facts.get(refines) == UNKNOWN)

    @property
    def changeable(self) -> tuple[str, ...]:
        """The facts a manager can change: the built-in ones marked so, and every declared fact."""
        return tuple(f.name for f in self.facts if f.changeable or not f.builtin)

    def extend(self, facts: Iterable[FactSpec]) -> Vocabulary:
        """A vocabulary with more facts; the caller checks that names are new."""
        return attrs.evolve(self, facts=self.facts + tuple(facts))

    def as_dict(self) -> Mapping[str, object]:
        """The vocabulary as plain data (for documentation and tools)."""
        return {
            "facts": {
                f.name: {
                    "kind": f.kind,
                    "values": list(f.values),
                    "ordered": f.ordered,
                    "required": f.required,
                    "description": f.description,
                }
                for f in self.facts
            },
            "outputs": {o.name: {"kind": o.kind, "values": list(o.values)} for o in self.outputs},
            "computed": {o.name: {"kind": o.kind} for o in COMPUTED},
        }


def _first_by_name(specs: Iterable[_Spec]) -> dict[str, _Spec]:
    """Specs by name, in order; the first of a name wins."""
    index: dict[str, _Spec] = {}
    for spec in specs:
        index.setdefault(spec.name, spec)
    return index


_DEFAULT = Vocabulary()


def default_vocabulary() -> Vocabulary:
    """The built-in vocabulary (``vocabulary.toml``)."""
    return _DEFAULT
