"""The conflict policy: how the conclusions of the fired rules become one recommendation.

This module is the one home of the policy (``docs/rule-files.md`` explains it to rule authors);
conflict resolution (:mod:`crowdsourcing_rules.engine.resolution`), stratification, the analysis,
the rule graph and the explanations all read it from here:

- ``crowdsource``: the most cautious verdict wins, ``no`` > ``with_conditions`` > ``yes``; a
  ``condition`` turns ``yes`` into ``with_conditions``; ``no`` empties the crowd, the service and
  the conditions, and sets the other single outputs to their "not applicable" values.
- other single outputs: highest salience wins, then the smaller rule id.
- list outputs: ordered by the best (salience, rule id, position) of the rules that added a value;
  ``remove`` beats ``add``; then cut to the vocabulary's ``max_items`` (at most 3 service types and
  2 crowd types): the values beyond are dropped, best first kept (:func:`capped`).
- service notes: each service type listed keeps the reason given with it by the best-ranked rule
  that added it with one, else that rule's description (:func:`service_notes`).
- risks: highest severity, union of mitigations, every rule that raised it.
- plan: by ``order``, then salience, then rule id.

>>> [source for source, target, _why in POLICY_EDGES if target == "crowdsource"]
['conditions']
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from crowdsourcing_rules.model.rules import Conclusion, Rule
from crowdsourcing_rules.model.vocabulary import OUTPUTS

__all__ = [
    "EMPTIED_BY_NO",
    "MAX_ITEMS",
    "NOT_APPLICABLE",
    "POLICY_EDGES",
    "VERDICT_RANK",
    "capped",
    "gives",
    "is_veto",
    "item_value",
    "policy_sources",
    "rank",
    "service_notes",
    "target",
]

#: Verdicts from the least to the most cautious: the most cautious one wins.
VERDICT_RANK = {"yes": 0, "with_conditions": 1, "no": 2}
#: What a ``no`` verdict sets these single outputs to.
NOT_APPLICABLE = {
    "granularity": "not_applicable",
    "crowd_model": "none",
    "manage_crowd_directly": "not_applicable",
    "preselection": "none",
}
#: What a ``no`` verdict empties.
EMPTIED_BY_NO = ("crowd_types", "service_types", "conditions")
#: How many values a list output keeps at most (the vocabulary's ``max_items``).
MAX_ITEMS = {o.name: o.max_items for o in OUTPUTS if o.max_items is not None}

#: The policy as edges between outputs: ``(a, b, why)`` when the value of ``a`` can change ``b``.
POLICY_EDGES: tuple[tuple[str, str, str], ...] = (
    ("conditions", "crowdsource", "a condition turns a 'yes' verdict into 'with_conditions'"),
    *(("crowdsource", output, "a 'no' verdict empties it") for output in EMPTIED_BY_NO),
    *(("crowdsource", output, "a 'no' verdict makes it not applicable") for output in NOT_APPLICABLE),
)

# Conclusions that are not ``set``/``add``/``remove`` of a named output, and the output they feed.
_OUTPUT_OF_KIND = {"risk": "risks", "condition": "conditions", "plan": "plan"}


def target(conclusion: Conclusion) -> tuple[str, str]:
    """What a conclusion feeds: ``("derived", fact)`` or ``("output", name)``."""
    if conclusion.kind == "derive":
        return "derived", str(conclusion.name)
    return "output", _OUTPUT_OF_KIND.get(conclusion.kind, str(conclusion.name))


def item_value(conclusion: Conclusion) -> str:
    """The value a condition that reads the conclusion's output or fact sees: a risk's id,
    ``present`` for a condition or a plan step (free text), else the concluded value."""
    if conclusion.kind == "risk":
        return str(conclusion.name)
    if conclusion.kind in ("condition", "plan"):
        return "present"
    return conclusion.value


def is_veto(conclusion: Conclusion) -> bool:
    """Whether the conclusion is a ``no`` verdict (which empties or resets other outputs)."""
    return conclusion.kind == "set" and conclusion.name == "crowdsource" and conclusion.value == "no"


def gives(conclusion: Conclusion, output: str, value: str) -> bool:
    """Whether the conclusion gives ``output`` the value ``value`` when it wins (a condition gives
    the verdict ``with_conditions``)."""
    if output == "risks":
        return conclusion.kind == "risk" and conclusion.name == value
    if output in ("conditions", "plan"):
        return target(conclusion) == ("output", output) and conclusion.value == value
    if (output, value, conclusion.kind) == ("crowdsource", "with_conditions", "condition"):
        return True
    return conclusion.kind in ("set", "add") and conclusion.name == output and conclusion.value == value


def policy_sources(output: str) -> tuple[str, ...]:
    """The outputs whose value can change ``output`` through the policy.

    >>> policy_sources("granularity"), policy_sources("crowdsource"), policy_sources("risks")
    (('crowdsource',), ('conditions',), ())
    """
    return tuple(source for source, target_output, _why in POLICY_EDGES if target_output == output)


def rank(rule: Rule, position: int = 0) -> tuple[int, str, int]:
    """How a rule's conclusion ranks against others: higher salience first, then the smaller rule
    id, then the conclusion's position in the rule."""
    return (-rule.salience, rule.id, position)


def capped(output: str, values: Sequence[str]) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """A list output's values, best first, cut to its ``max_items``: ``(kept, dropped)``.

    >>> capped("crowd_types", ["niche_experts", "skilled_freelancers", "general_public"])
    (('niche_experts', 'skilled_freelancers'), ('general_public',))
    """
    limit = MAX_ITEMS.get(output)
    if limit is None:
        return tuple(values), ()
    return tuple(values[:limit]), tuple(values[limit:])


def service_notes(fired: Iterable[Rule], service_types: Sequence[str]) -> dict[str, str]:
    """For each service type listed, why it fits: the reason given with it by the best-ranked
    fired rule that added it with a reason, else the description of the best-ranked rule that
    added it. In the order of ``service_types``."""
    best: dict[str, tuple[tuple[bool, tuple[int, str, int]], str]] = {}
    for rule in fired:
        for position, c in enumerate(rule.then):
            if c.kind != "add" or c.name != "service_types" or c.value not in service_types:
                continue
            key = (c.note is None, rank(rule, position))  # a given reason beats a description
            if c.value not in best or key < best[c.value][0]:
                best[c.value] = (key, c.note or rule.description)
    return {value: best[value][1] for value in service_types if value in best}
