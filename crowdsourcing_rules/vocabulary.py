"""The decision vocabulary: every input fact and every output, with its values.

This module is the contract of ``VOCABULARY.md`` as data. Rule files are validated against it, and a
company's rule files may extend it with facts of their own (:meth:`Vocabulary.extend`), never change
the built-in ones.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Literal

import attrs

__all__ = [
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
    an ordered scale they come lowest first and ``unknown`` (never ordered) last.
    """

    name: str
    kind: FactKind
    description: str = ""
    values: tuple[str, ...] = ()
    ordered: bool = False
    required: bool = False
    builtin: bool = True

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
    """One output of a recommendation."""

    name: str
    kind: Literal["single", "list", "risks", "text_list"]
    values: tuple[str, ...] = ()
    description: str = ""


def _enum(name: str, values: str, description: str, *, ordered: bool = False) -> FactSpec:
    listed = tuple(values.split())
    if UNKNOWN not in listed:
        listed += (UNKNOWN,)
    return FactSpec(name, "enum", description, listed, ordered=ordered)


def _bool(name: str, description: str) -> FactSpec:
    return FactSpec(name, "bool", description, BOOL_VALUES)


TASK_TYPES = (
    "ideation design_creative content_creation translation_localization proofreading_editing "
    "testing_qa data_labeling data_collection_sensing expert_problem_solving "
    "algorithm_predictive_modeling software_development professional_service "
    "product_development_cocreation complementary_products selection_voting funding"
)

BUILTIN_FACTS: tuple[FactSpec, ...] = (
    FactSpec("id", "id", "the task's identifier", required=True),
    FactSpec("title", "text", "the task's title, in the requester's words"),
    FactSpec("need", "text", "what the requester wants, in their words"),
    _enum("task_type", TASK_TYPES, "card question 1: what will be crowdsourced"),
    FactSpec("skills_needed", "list", "the skills the work needs (free-text tags)"),
    _enum(
        "skill_level",
        "general trained professional expert licensed",
        "level of skill; licensed: a regulated profession",
        ordered=True,
    ),
    _enum("in_house_capability", "none partial full", "can the company do it itself", ordered=True),
    _enum("urgency", "low medium high", "how soon the work is needed", ordered=True),
    _enum(
        "legal_sensitivity",
        "none low high regulated",
        "high: trade secrets, strategy; regulated: personal data under law, regulated domains",
        ordered=True,
    ),
    _enum("budget", "none low medium high unknown", "money available for the work", ordered=True),
    _enum(
        "decomposability",
        "monolithic modular micro",
        "can the work be split, down to micro-tasks",
        ordered=True,
    ),
    _enum("volume", "one_off small_batch large massive", "how many units of work", ordered=True),
    _bool("core_to_competitive_advantage", "is the work core to the competitive advantage"),
    _bool("wants_to_build_skill_in_house", "does the company want to build this skill itself"),
    _bool("blocks_initiative", "does this piece block a digital initiative"),
    _enum("problem_definition", "well_defined ill_defined", "how well the problem is defined"),
    _enum(
        "solution_evaluability",
        "objective_metric expert_review subjective market_signal_voting delayed_verification",
        "how answers will be judged",
    ),
    _enum("knowledge_distance", "local distant", "is the needed knowledge far from the company's field"),
    _bool("tacit_firm_specific_knowledge", "does the work need knowledge only insiders have"),
    _enum("requester_kind", "for_profit non_profit public_body academic", "the requesting organisation"),
    _enum(
        "existing_community",
        "none customers users employees public_audience",
        "an engaged crowd the requester already has",
    ),
    _bool("can_run_own_platform", "can it build and run its own contest or community site"),
    _enum(
        "management_capacity",
        "none limited dedicated",
        "people to design tasks, brief, answer and check",
        ordered=True,
    ),
    _enum("remuneration", "paid prize volunteer none", "what contributors will get"),
    _bool("platform_experience", "has it already used crowdsourcing platforms"),
)

RISK_IDS: tuple[str, ...] = (
    "quality",
    "availability",
    "ethics_worker_status_pay",
    "confidentiality_ip_leak",
    "ip_ownership",
    "privacy_personal_data",
    "legal_regulatory_compliance",
    "manipulation_trolling",
    "brand_reputation_backlash",
    "coordination_integration_cost",
    "participation_shortfall",
    "execution_delivery",
    "capability_loss",
    "platform_dependence",
    "security",
)

SEVERITIES: tuple[str, ...] = ("low", "medium", "high")

OUTPUTS: tuple[OutputSpec, ...] = (
    OutputSpec("crowdsource", "single", ("yes", "no", "with_conditions"), "should it be crowdsourced"),
    OutputSpec("conditions", "text_list", (), "what must hold for with_conditions"),
    OutputSpec(
        "crowd_types",
        "list",
        ("general_public", "customers_community", "skilled_freelancers", "niche_experts", "internal_employees"),
        "card question 2: which crowd, best fit first",
    ),
    OutputSpec(
        "granularity",
        "single",
        ("micro_task", "macro_task", "whole_project", "contest", "not_applicable"),
        "card question 3: level of precision",
    ),
    OutputSpec(
        "service_types",
        "list",
        (
            "self_service_marketplace",
            "specialized_platform",
            "contest_platform",
            "managed_service",
            "reseller_agency",
            "own_platform",
            "open_community",
            "internal_platform",
        ),
        "card question 4: type of service, best fit first",
    ),
    OutputSpec(
        "manage_crowd_directly",
        "single",
        ("yes", "no", "partly", "not_applicable"),
        "card question 4: will you manage the crowd",
    ),
    OutputSpec(
        "crowd_model",
        "single",
        ("contest", "collaborative_community", "complementors", "labor_market", "none"),
        "Boudreau & Lakhani's four ways",
    ),
    OutputSpec(
        "preselection",
        "single",
        ("none", "qualification_based", "context_specific", "both"),
        "Geiger et al.: preselection of contributors",
    ),
    OutputSpec(
        "howe_function",
        "single",
        ("crowd_wisdom", "crowd_creation", "crowd_voting", "crowdfunding"),
        "Howe (2008): the crowd's function (an extra output)",
    ),
    OutputSpec(
        "objectives",
        "list",
        ("access_expertise", "gain_reactivity", "avoid_building_skill", "unblock_initiative"),
        "the card's objectives this serves",
    ),
    OutputSpec("risks", "risks", RISK_IDS, "risks, each with severity and mitigations"),
    OutputSpec("plan", "text_list", (), "the action plan"),
)

OUTPUT_NAMES = frozenset(o.name for o in OUTPUTS) | {"questions", "trace", "task_id", "engine"}


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
        index: dict[str, FactSpec] = {}
        for spec in self.facts:
            index.setdefault(spec.name, spec)
        return index

    @_outputs_by_name.default
    def _index_outputs(self) -> dict[str, OutputSpec]:
        index: dict[str, OutputSpec] = {}
        for spec in self.outputs:
            index.setdefault(spec.name, spec)
        return index

    @property
    def fact_names(self) -> tuple[str, ...]:
        return tuple(f.name for f in self.facts)

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
        }


_DEFAULT = Vocabulary()


def default_vocabulary() -> Vocabulary:
    """The built-in vocabulary of ``VOCABULARY.md``."""
    return _DEFAULT
