"""Coverage of the sources by the shipped rules.

Every element of the practitioner's card (the CARD_ELEMENTS below), every candidate rule R1-R17 the
literature suggests (docs/knowledge-base.md) and every risk id of the vocabulary must be covered by
at least one rule. Rules say what they cover in `metadata.covers`; risks are covered by a `risk`
conclusion.
The lists below are data: removing the last rule that covers an element makes a test fail, and a
tag that names no known element is reported as a typo.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

import pytest

from crowdsourcing_rules.model.vocabulary import default_vocabulary

from ._kb import all_rules

# The card, element by element.
CARD_ELEMENTS = (
    # header
    "card.header.time",  # several months
    "card.header.people",  # 2 to 10 people
    "card.header.difficulty",  # 3 of 5
    # definition and quote
    "card.definition",  # outsourcing to a large number of people; Wikipedia; platforms (Kickstarter)
    "card.quote",  # "no company will ever do as many things as millions of experts"
    # the four questions
    "card.q1",  # what will be crowdsourced
    "card.q2",  # which type(s) of crowd
    "card.q3",  # which level of precision (granularity)
    "card.q4",  # which type of service; manage the crowd directly?
    # risks ("Attention")
    "card.risk.quality",
    "card.risk.ethics",
    "card.risk.availability",
    # objectives
    "card.objective.access_expertise",
    "card.objective.gain_reactivity",
    "card.objective.avoid_building_skill",
    "card.objective.unblock_initiative",
    "card.example.terms_of_sale_cookie_policy",
    # contexts
    "card.context.logo_variants",
    "card.context.website_design",
    "card.context.emailing_template",
    "card.context.translation",
    "card.context.video_tutorial",
    "card.context.tests",
    "card.context.proofreading",
    "card.context.algorithm",  # the card's Algorithmia example (method and advice)
    # steps
    "card.step.register_platforms",
    "card.step.register_as_provider",
    "card.step.test_in_parallel",
    "card.step.dedicated_resource",
    # method and advice
    "card.method.plan_time",
    "card.method.specialised_platforms",
    "card.method.spot_resellers",
    # observations (benefits)
    "card.observation.variety_of_skills",
    "card.observation.access_to_talent",
    "card.observation.reactivity",
)

LITERATURE_RULES = tuple(f"lit.R{n}" for n in range(1, 18))

KNOWN_TAGS = frozenset(CARD_ELEMENTS) | frozenset(LITERATURE_RULES)


def _covers(rules: list[dict[str, Any]] | None = None) -> dict[str, list[str]]:
    by_tag: dict[str, list[str]] = defaultdict(list)
    for rule in all_rules() if rules is None else rules:
        for tag in (rule.get("metadata") or {}).get("covers", []):
            by_tag[tag].append(rule["id"])
    return by_tag


def _raised_risks(rules: list[dict[str, Any]] | None = None) -> dict[str, list[str]]:
    by_risk: dict[str, list[str]] = defaultdict(list)
    for rule in all_rules() if rules is None else rules:
        for conclusion in rule["then"]:
            if "risk" in conclusion:
                by_risk[conclusion["risk"]["id"]].append(rule["id"])
    return by_risk


def test_the_coverage_check_can_fail() -> None:
    """Without the rules that cover an element or raise a risk, the check reports it."""
    rules = all_rules()
    without_difficulty = [
        r for r in rules if "card.header.difficulty" not in (r.get("metadata") or {}).get("covers", [])
    ]
    assert len(without_difficulty) < len(rules)
    assert not _covers(without_difficulty).get("card.header.difficulty")
    without_security = [r for r in rules if not r["id"].startswith("risk.security.")]
    assert not _raised_risks(without_security).get("security")


@pytest.mark.parametrize("element", CARD_ELEMENTS)
def test_card_element_is_covered(element: str) -> None:
    assert _covers().get(element), f"no rule covers {element}"


@pytest.mark.parametrize("rule_tag", LITERATURE_RULES)
def test_literature_rule_is_covered(rule_tag: str) -> None:
    assert _covers().get(rule_tag), f"no rule covers {rule_tag} (candidate rules of the literature)"


def test_every_risk_id_is_raisable() -> None:
    risk_ids = default_vocabulary().output("risks").values
    assert len(risk_ids) == 15
    raised = _raised_risks()
    missing = [risk for risk in risk_ids if not raised.get(risk)]
    assert not missing, f"risk ids no rule raises: {missing}"


def test_every_card_risk_has_its_rule() -> None:
    """The card's three risks map to quality, ethics_worker_status_pay and availability."""
    raised = _raised_risks()
    for risk, rule_id in [
        ("quality", "risk.quality.card"),
        ("ethics_worker_status_pay", "risk.ethics.card"),
        ("availability", "risk.availability.card"),
    ]:
        assert rule_id in raised[risk]


def test_cover_tags_are_known() -> None:
    unknown = {tag: ids for tag, ids in _covers().items() if tag not in KNOWN_TAGS}
    assert not unknown, f"unknown coverage tags (typos?): {unknown}"


def test_every_rule_is_sourced() -> None:
    problems = []
    for rule in all_rules():
        source = rule["source"]
        if not str(source.get("citation", "")).strip():
            problems.append(f"{rule['id']}: no citation")
        if source.get("status") not in {"V", "S", "I", "U", "B"}:
            problems.append(f"{rule['id']}: bad status {source.get('status')!r}")
        if source.get("status") == "U" and not str(source.get("note", "")).strip():
            problems.append(f"{rule['id']}: a [U] claim needs a note saying why it is used")
    assert not problems, problems


def test_rule_ids_are_grouped_by_file() -> None:
    """A reader finds a rule by its id: q1.* in q1_whether.yaml, risk.* in risks.yaml, ..."""
    prefix_for = {
        "q0_sensitivity.yaml": "q0.",
        "q1_whether.yaml": "q1.",
        "q2_crowd.yaml": "q2.",
        "q3_granularity.yaml": "q3.",
        "q4_service.yaml": "q4.",
        "risks.yaml": "risk.",
        "plan.yaml": "plan.",
    }
    misplaced = [
        f"{rule['id']} in {rule['_file']}"
        for rule in all_rules()
        if not rule["id"].startswith(prefix_for.get(rule["_file"], rule["id"]))
    ]
    assert not misplaced, misplaced


def test_every_service_type_added_comes_with_its_reason() -> None:
    """Each shipped rule that adds service types says why each fits: the service notes."""
    missing = []
    for rule in all_rules():
        for conclusion in rule["then"]:
            added = (conclusion.get("add") or {}).get("service_types")
            if added is not None and not isinstance(added, dict):
                missing.append(rule["id"])
    assert not missing, f"rules adding service types without a reason for each: {missing}"


def test_no_rule_adds_a_reseller() -> None:
    """The card says to spot resellers, not to recommend them: no shipped rule adds one (the plan
    warns about them on marketplaces; a company's layer may add them)."""
    adding = [
        rule["id"]
        for rule in all_rules()
        for conclusion in rule["then"]
        if "reseller_agency" in ((conclusion.get("add") or {}).get("service_types") or {})
    ]
    assert not adding
