"""The advice lint (tests/knowledge_base/_lint.py) over every example task, every documented
case and a few hundred seeded random tasks: no recommendation has any of the faults it lists
(lists longer than the vocabulary allows, repeated advice, pay advice for unpaid crowds, open
channels for third parties' personal data, "visit platforms at length" when urgent, a plan that
points elsewhere than the first service type, marketplace steps for the company's own crowd,
off-topic advice). The first tests show that the lint finds each fault.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

import crowdsourcing_rules as cr

from ._cases import case_paths, read_case
from ._kb import EXAMPLES_DIR
from ._lint import advice_faults, random_tasks

RANDOM_TASKS = 300


def _rec(**outputs: Any) -> cr.Recommendation:
    return cr.Recommendation(task_id="t", crowdsource=outputs.pop("crowdsource", "yes"), **outputs)


def _kinds(facts: dict[str, Any], rec: cr.Recommendation) -> set[str]:
    return {fault.split(":")[0] for fault in advice_faults(facts, rec)}


@pytest.mark.parametrize(
    ("facts", "outputs", "kind"),
    [
        (
            {},
            {"service_types": ("own_platform", "contest_platform", "specialized_platform", "managed_service")},
            "services>3",
        ),
        ({}, {"crowd_types": ("general_public", "niche_experts", "skilled_freelancers")}, "crowds>2"),
        (
            {},
            {"plan": ("Allocate a dedicated resource to it.", "Allocate a dedicated resource to it now.")},
            "near-duplicate",
        ),
        (
            {},
            {"conditions": ("an NDA with every tester",), "plan": ("Have testers sign an NDA before they start.",)},
            "repeated-advice",
        ),
        ({"remuneration": "volunteer"}, {"plan": ("Pay at least the local minimum wage.",)}, "pay-unpaid"),
        (
            {"legal_sensitivity": "regulated"},
            {"service_types": ("self_service_marketplace",)},
            "open-for-personal-data",
        ),
        ({"personal_data": "third_party"}, {"crowd_types": ("general_public",)}, "open-for-personal-data"),
        ({"urgency": "high"}, {"plan": ("Register on several platforms; visit them at length.",)}, "at-length-urgent"),
        (
            {},
            {"service_types": ("self_service_marketplace",), "plan": ("Go through a managed service now.",)},
            "plan-vs-service",
        ),
        (
            {},
            {
                "service_types": ("internal_platform",),
                "crowd_types": ("internal_employees",),
                "plan": ("Spot the resellers.",),
            },
            "marketplace-steps",
        ),
        (
            {"task_type": "design_creative"},
            {"risks": (cr.Risk("ip_ownership", "low", ("for idea jams, a rule on patents (IBM)",)),)},
            "off-topic",
        ),
        (
            {"requester_kind": "public_body", "task_type": "selection_voting"},
            {"conditions": ("the organiser's veto over the result is stated in the rules",)},
            "veto-after-vote",
        ),
    ],
)
def test_the_lint_finds_each_fault(facts: dict[str, Any], outputs: dict[str, Any], kind: str) -> None:
    assert kind in _kinds(facts, _rec(**outputs))


def test_the_lint_lets_the_company_be_told_to_pay_professionals() -> None:
    """Telling a for-profit that asks professionals to work for free to pay them is not a fault."""
    facts = {"remuneration": "volunteer", "skill_level": "professional", "requester_kind": "for_profit"}
    rec = _rec(conditions=("professionals are paid at market rates, or the work goes to the user community",))
    assert "pay-unpaid" not in _kinds(facts, rec)


@pytest.mark.parametrize("path", sorted(EXAMPLES_DIR.glob("*.yaml")), ids=lambda p: p.stem)
def test_example_advice_has_no_fault(advisor: cr.Advisor, path: Path) -> None:
    task = cr.read_task_file(path)
    assert advice_faults(task.facts, advisor.decide(task)) == []


@pytest.mark.parametrize("path", case_paths(), ids=lambda p: p.stem)
def test_documented_case_advice_has_no_fault(advisor: cr.Advisor, path: Path) -> None:
    facts = read_case(path)["facts"]
    assert advice_faults(facts, advisor.decide(facts, questions=False)) == []


def test_random_task_advice_has_no_fault(advisor: cr.Advisor) -> None:
    """A few hundred seeded random tasks, each fact left unknown or drawn from its values."""
    faulty = {}
    for task in random_tasks(RANDOM_TASKS):
        faults = advice_faults(task, advisor.decide(task, questions=False))
        if faults:
            faulty[task["id"]] = (task, faults)
    assert not faulty, next(iter(faulty.values()))


def test_an_empty_task_is_provisional(advisor: cr.Advisor) -> None:
    """Nothing known: whatever the verdict, it is provisional, says so, and says what to answer."""
    rec = advisor.decide({"id": "empty"})
    assert rec.provisional is True
    assert {"task_type", "skill_level", "legal_sensitivity"} <= set(rec.questions)
    text = rec.to_text()
    assert "(provisional)" in text.splitlines()[0] and "To answer: What will be crowdsourced" in text


def test_a_complete_task_is_not_provisional(advisor: cr.Advisor) -> None:
    """The card's own example, every verdict fact known: a settled answer. Its unknown finer facts
    (personal_data, confidentiality) are read from legal_sensitivity, so they are not asked."""
    rec = advisor.decide(cr.read_task_file(EXAMPLES_DIR / "terms_of_sale_cookie_policy.yaml"))
    assert rec.provisional is False
    assert rec.questions == ()


def test_a_policy_layer_may_allow_a_marketplace_for_personal_data(tmp_path: Path) -> None:
    """The filter that keeps third parties' personal data from marketplaces, resellers and open
    communities is one rule; a company's layer that disables it (its DPO approved a marketplace's
    processor terms) gets the marketplace back."""
    task = {
        "id": "labels",
        "task_type": "data_labeling",
        "skill_level": "trained",
        "personal_data": "third_party",
        "remuneration": "paid",
        "management_capacity": "dedicated",
    }
    (tmp_path / "policy.yaml").write_text(
        "disable:\n  - id: q4.personal-data.no-open-services\n    reason: the DPO approved the processor terms\n",
        encoding="utf-8",
    )
    with cr.Advisor.default() as defaults, cr.Advisor.default(policy=[tmp_path]) as allowed:
        assert "self_service_marketplace" not in defaults.decide(task, questions=False).service_types
        assert "self_service_marketplace" in allowed.decide(task, questions=False).service_types
