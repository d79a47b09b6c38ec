"""Properties of the shipped knowledge base over random valid tasks (hypothesis).

Whatever the facts, known or unknown: exactly one verdict; a 'no' has no crowd or service type;
any other verdict names at least one crowd type and one service type and concludes every
single-valued output; 'with_conditions' carries at least one condition; every risk has at least
one mitigation; third parties' personal data never goes to an open crowd; a licensed skill always
gets qualification-based preselection; secrets needing insiders' know-how stay in-house.
"""

from __future__ import annotations

from typing import Any

from hypothesis import HealthCheck, given, settings, strategies as st

import crowdsourcing_rules as cr
from crowdsourcing_rules.model.vocabulary import FactSpec, default_vocabulary

from ._lint import third_party_personal_data

VOCABULARY = default_vocabulary()
VERDICTS = {"yes", "no", "with_conditions"}


def _value(spec: FactSpec) -> st.SearchStrategy[Any]:
    if spec.kind == "list":
        return st.lists(st.sampled_from(spec.values or ["graphic design", "French law", "statistics"]), max_size=2)
    if spec.kind in ("text", "id"):
        return st.just("x")
    if spec.kind == "bool":
        return st.sampled_from([True, False, "unknown"])
    return st.sampled_from(spec.values)


@st.composite
def tasks(draw: st.DrawFn) -> dict[str, Any]:
    """A valid task: an id and each other fact either left out (unknown) or drawn from its values."""
    task: dict[str, Any] = {"id": "prop"}
    for spec in VOCABULARY.facts:
        if spec.name != "id" and draw(st.booleans() | st.just(True)):
            task[spec.name] = draw(_value(spec))
    return task


KB_SETTINGS = settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])


@KB_SETTINGS
@given(task=tasks())
def test_recommendation_is_complete_and_consistent(advisor: cr.Advisor, task: dict[str, Any]) -> None:
    rec = advisor.decide(task, questions=False)
    assert rec.crowdsource in VERDICTS
    if rec.crowdsource == "no":
        assert rec.crowd_types == ()
        assert rec.service_types == ()
        assert rec.conditions == ()
    else:
        assert rec.crowd_types, "a crowd type is needed"
        assert rec.service_types, "a service type is needed"
        for name in ("granularity", "crowd_model", "manage_crowd_directly", "preselection", "howe_function"):
            assert getattr(rec, name) is not None, name
        assert rec.manage_crowd_directly in {"yes", "no", "partly"}
        assert rec.plan, "an action plan is needed"
    if rec.crowdsource == "with_conditions":
        assert rec.conditions
    for risk in rec.risks:
        assert risk.mitigations, risk.id
        assert risk.severity in {"low", "medium", "high"}
    # The knowledge base never leaves a single-valued output to the rule-id tie-break.
    ties = [(f.rule_id, o) for f in rec.trace for o in f.overridden if o.reason.startswith("conflict")]
    assert not ties


@KB_SETTINGS
@given(task=tasks(), skill=st.sampled_from(["general", "trained", "professional", "expert", "licensed"]))
def test_third_parties_personal_data_never_goes_to_an_open_crowd(
    advisor: cr.Advisor, task: dict[str, Any], skill: str
) -> None:
    """R8: third parties' personal data (personal_data, or legal_sensitivity 'regulated' read for
    it when personal_data is unknown) never reaches the public, a marketplace, a reseller or an
    open community, and the trace says which reading was used."""
    facts = {**task, "legal_sensitivity": "regulated", "skill_level": skill}
    rec = advisor.decide(facts, questions=False)
    if not third_party_personal_data(facts):
        return
    assert "general_public" not in rec.crowd_types
    assert not {"open_community", "reseller_agency", "self_service_marketplace"} & set(rec.service_types)
    reading = "q0.personal-data.read-from-legal-sensitivity"
    assert (reading in rec.fired) == (facts.get("personal_data", "unknown") == "unknown")


@KB_SETTINGS
@given(task=tasks())
def test_licensed_skill_gets_qualification_based_preselection(advisor: cr.Advisor, task: dict[str, Any]) -> None:
    rec = advisor.decide({**task, "skill_level": "licensed"}, questions=False)
    if rec.crowdsource != "no":
        assert rec.crowdsource == "with_conditions"
        assert rec.preselection == "qualification_based"
        assert "legal_regulatory_compliance" in rec.risk_ids


@KB_SETTINGS
@given(task=tasks(), confidentiality=st.sampled_from(["secret", "unknown"]))
def test_confidential_tacit_work_stays_in_house(
    advisor: cr.Advisor, task: dict[str, Any], confidentiality: str
) -> None:
    """R7/R10: secrets (confidentiality secret, or legal_sensitivity high read for it) plus
    insiders' know-how, and no employee crowd: never an outside crowd."""
    facts = {**task, "legal_sensitivity": "high", "confidentiality": confidentiality}
    facts["tacit_firm_specific_knowledge"] = True
    if facts.get("existing_community") == "employees":
        facts["existing_community"] = "none"
    rec = advisor.decide(facts, questions=False)
    assert rec.crowdsource == "no"
    assert "confidentiality_ip_leak" in rec.risk_ids
