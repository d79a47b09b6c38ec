"""The example tasks of examples/tasks: one per context and objective of the card.

Each example file starts with a comment giving the expected recommendation and why; this test
pins the same expectations, with the reasoning again in short.
"""

from __future__ import annotations

from typing import Any

import pytest

import crowdsourcing_rules as cr

from ._kb import EXAMPLES_DIR

EXPECTED: dict[str, dict[str, Any]] = {
    # Routine department task; well-specified variants for a known skill: a labour-market
    # macro-task on a marketplace (Grier). Never used platforms and not urgent: the card's steps 1-3
    # in the plan, and the resellers to spot on the marketplace.
    "logo_variants": {
        "crowdsource": "yes",
        "crowd_type": "skilled_freelancers",
        "granularity": "macro_task",
        "service_type": "self_service_marketplace",
        "manage_crowd_directly": "yes",
        "preselection": "qualification_based",
        "plan_contains": ["Register on several platforms", "individual provider", "secondary projects", "resellers"],
    },
    # Design judged on taste, not urgent, with a prize: a contest (Boudreau & Lakhani), on a contest
    # platform since the company hosts none; spec work flagged (R17).
    "website_design": {
        "crowdsource": "yes",
        "crowd_type": "skilled_freelancers",
        "granularity": "contest",
        "service_type": "contest_platform",
        "crowd_model": "contest",
        "risks": ["ethics_worker_status_pay", "ip_ownership"],
    },
    # One self-contained deliverable (whole project); nobody can run a crowd: a managed service, not
    # a reseller (R16; the card says to spot resellers); urgent and no platform in use: set-up time
    # flagged (card header), pointing to the first service, and no "visit platforms at length".
    "emailing_template": {
        "crowdsource": "yes",
        "crowd_type": "skilled_freelancers",
        "granularity": "whole_project",
        "service_type": "managed_service",
        "manage_crowd_directly": "no",
        "objectives": ["gain_reactivity"],
        "risks": ["availability"],
        "plan_contains": ["set-up time", "first service listed"],
        "plan_lacks": ["at length", "individual provider"],
    },
    # Professional translators per batch; a specialised translation platform with qualification
    # tests (Gengo) first; the company does not want a translation team (card objective).
    "translation": {
        "crowdsource": "yes",
        "crowd_type": "skilled_freelancers",
        "granularity": "macro_task",
        "service_type": "specialized_platform",
        "objectives": ["avoid_building_skill"],
    },
    # A small piece blocking a digital initiative; one video maker hired on a marketplace.
    "video_tutorial": {
        "crowdsource": "yes",
        "crowd_type": "skilled_freelancers",
        "granularity": "whole_project",
        "service_type": "self_service_marketplace",
        "objectives": ["unblock_initiative"],
    },
    # Pre-launch testing of an unreleased product: NDA and test data (conditions), crowdtesting
    # provider that curates testers and merges duplicates (managed service).
    "tests": {
        "crowdsource": "with_conditions",
        "crowd_type": "skilled_freelancers",
        "granularity": "macro_task",
        "service_type": "managed_service",
        "manage_crowd_directly": "no",
        "risks": ["confidentiality_ip_leak", "quality"],
    },
    # A trained skill in a few batches of pages: macro-tasks, qualification test, marketplace.
    "proofreading": {
        "crowdsource": "yes",
        "crowd_type": "skilled_freelancers",
        "granularity": "macro_task",
        "service_type": "self_service_marketplace",
        "preselection": "qualification_based",
    },
    # The card's own example of a blocking piece; legal drafting is reserved to authorised
    # professionals in France (loi 71-1130 art. 54): with conditions, qualification preselection.
    "terms_of_sale_cookie_policy": {
        "crowdsource": "with_conditions",
        "crowd_type": "skilled_freelancers",
        "granularity": "whole_project",
        "service_type": "specialized_platform",
        "preselection": "qualification_based",
        "objectives": ["unblock_initiative"],
        "risks": ["legal_regulatory_compliance", "quality"],
        "plan_contains": ["set-up time", "authorised"],
    },
    # Massive, micro-decomposable labelling of general skill (the ImageNet pattern): micro-tasks for
    # the general public on a micro-task marketplace, with quality controls and fair pay (R6).
    "image_labelling": {
        "crowdsource": "yes",
        "crowd_type": "general_public",
        "granularity": "micro_task",
        "service_type": "self_service_marketplace",
        "risks": ["quality", "ethics_worker_status_pay"],
    },
    # Expert, scorable, but urgent: no contest (R12); bought or commissioned whole on an algorithm
    # marketplace, as the card advises (Algorithmia), which its service note says.
    "algorithm": {
        "crowdsource": "yes",
        "crowd_type": "niche_experts",
        "granularity": "whole_project",
        "service_type": "specialized_platform",
        "note_contains": ["algorithm marketplace"],
    },
}


def test_every_example_has_an_expectation() -> None:
    files = {path.stem for path in EXAMPLES_DIR.glob("*.yaml")}
    assert files == set(EXPECTED)


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_example_starts_with_its_expected_recommendation(name: str) -> None:
    text = (EXAMPLES_DIR / f"{name}.yaml").read_text(encoding="utf-8")
    assert text.startswith("#"), "the example must open with a comment"
    comment = text.split("\nid:", 1)[0]
    assert "Expected:" in comment, "the leading comment gives the expected recommendation"


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_example_recommendation(advisor: cr.Advisor, name: str) -> None:
    want = EXPECTED[name]
    rec = advisor.decide(cr.read_task_file(EXAMPLES_DIR / f"{name}.yaml"))
    assert rec.crowdsource == want["crowdsource"]
    assert rec.crowd_types[:1] == (want["crowd_type"],)
    assert rec.granularity == want["granularity"]
    assert rec.service_types[:1] == (want["service_type"],)
    for key in ("manage_crowd_directly", "preselection", "crowd_model"):
        if key in want:
            assert getattr(rec, key) == want[key], key
    for objective in want.get("objectives", []):
        assert objective in rec.objectives
    for risk in want.get("risks", []):
        assert risk in rec.risk_ids
    plan = "\n".join(rec.plan)
    for fragment in want.get("plan_contains", []):
        assert fragment in plan, f"plan lacks {fragment!r}:\n{plan}"
    for fragment in want.get("plan_lacks", []):
        assert fragment not in plan, f"plan has {fragment!r}:\n{plan}"
    first_note = rec.service_notes[rec.service_types[0]]
    for fragment in want.get("note_contains", []):
        assert fragment in first_note, first_note
