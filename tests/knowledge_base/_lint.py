"""The advice lint: faults a head of digital would object to in a recommendation, whatever its
headline answers.

:func:`advice_faults` returns the faults of one recommendation as ``kind: detail`` strings (empty
when there are none). The kinds:

- ``services>3``, ``crowds>2``: longer lists than the vocabulary allows;
- ``near-duplicate``: two pieces of advice (conditions, mitigations, plan steps) with a difflib
  similarity above 0.8;
- ``repeated-advice``: the same key phrase (a dedicated resource, several platforms, NDAs, the
  final say...) in two pieces of advice: the reworded repeats that difflib misses;
- ``pay-unpaid``: pay advice (minimum wage, market rates, pricing tasks...) for an unpaid crowd
  (volunteers or none), except telling a for-profit that asks professionals to work for free to pay
  them;
- ``open-for-personal-data``: a reseller, a self-service marketplace, an open community or the
  general public for third parties' personal data;
- ``at-length-urgent``: a "visit platforms at length" step for an urgent task;
- ``plan-vs-service``: the plan names a kind of service the recommendation does not list, or the
  first step that names one does not name the first service type;
- ``marketplace-steps``: "register as a provider" or "spot the resellers" for a crowd of the
  company's own (employees, own site, open community);
- ``off-topic``: advice written for another kind of task (idea jams, open-source licences, gold
  questions, cookies and trackers);
- ``veto-after-vote``: a public body's vote gets the organiser's veto but no screening before it.
"""

from __future__ import annotations

import difflib
import functools
import itertools
import random
import re
from collections.abc import Mapping
from typing import Any

import crowdsourcing_rules as cr
from crowdsourcing_rules.model.vocabulary import default_vocabulary

UNPAID = ("volunteer", "none")
OPEN_TO_ANYONE = ("reseller_agency", "self_service_marketplace", "open_community")

PAY = re.compile(
    r"minimum wage|market rate|pay at least|pay professionals|paid at|price (each|the) task|price for|set the price|"
    r"target pay|pay promptly|fair pay|hourly pay|a prize at the level|pay the shortlisted",
    re.IGNORECASE,
)
AT_LENGTH = re.compile(r"at length|visit them", re.IGNORECASE)
PROVIDER_STEPS = re.compile(r"register yourself as an individual provider|spot the resellers", re.IGNORECASE)
# How a plan step names a kind of service ("the first service listed" names the first one).
SERVICE_WORDS = {
    "managed_service": re.compile(r"managed service", re.IGNORECASE),
    "self_service_marketplace": re.compile(r"marketplace", re.IGNORECASE),
    "specialized_platform": re.compile(r"speciali[sz]ed platform", re.IGNORECASE),
    "contest_platform": re.compile(r"contest platform", re.IGNORECASE),
    "own_platform": re.compile(r"your own site|own platform", re.IGNORECASE),
    "internal_platform": re.compile(r"internal platform", re.IGNORECASE),
    "open_community": re.compile(r"open community", re.IGNORECASE),
}
FIRST_SERVICE = re.compile(r"first service listed", re.IGNORECASE)
# A step that sends the company to a kind of service ("go through a managed service", "use a
# marketplace"), as opposed to one that mentions it ("spot the resellers on the marketplace").
DIRECTIVE = re.compile(
    r"\b(go through|use|register on|post on|hire on|run it on|start with|choose)\s+(a|an|the|your|one of the)?\s*"
    r"(?P<kind>managed service|marketplace|speciali[sz]ed platform|contest platform|own site|own platform|"
    r"internal platform|open community|first service listed)",
    re.IGNORECASE,
)
# Key phrases of advice: each should be said once in a recommendation.
KEY_PHRASES = (
    "dedicated resource",
    "several platforms",
    "secondary project",
    "plan time",
    "market rate",
    "minimum wage",
    "gold question",
    "non-disclosure",
    "nda",
    "re-identif",
    "de-identif",
    "data-processing contract",
    "final say",
    "final selection",
    "one vote per",
    "staged",
    "originality",
    "assignment or licence",
    "exit clause",
    "moderation",
    "rate limit",
    "input validation",
    "test account",
    "synthetic data",
    "insurance",
    "glossary",
    "qualification test",
    "redundancy",
    "generalise the problem",
    "outreach",
    "guarantee the prize",
    "guaranteed prize",
    "judging criteria",
    "safe harbour",
    "book the providers",
    "trademark",
    "open-source",
    "target pay",
    "code of conduct",
    "presumption of employment",
    "who will do the work",
    "qualified person",
    "inventory",
    "months and 2 to 10 people",
)


def third_party_personal_data(facts: Mapping[str, Any]) -> bool:
    """Whether the task shows contributors third parties' personal data protected by law, as the
    vocabulary reads it (the coarse scale when personal_data is unknown)."""
    personal = facts.get("personal_data", "unknown")
    if personal != "unknown":
        return personal in ("third_party", "special_category")
    return (
        facts.get("legal_sensitivity") == "regulated"
        and facts.get("skill_level") != "licensed"
        and "legal_profession" not in (facts.get("regulated_domains") or ())
    )


def _advice(rec: cr.Recommendation) -> list[str]:
    return [*rec.conditions, *(m for r in rec.risks for m in r.mitigations), *rec.plan]


@functools.cache
def _similar(a: str, b: str, above: float = 0.8) -> bool:
    """difflib's ratio above ``above``, with its cheap upper bounds tried first (remembered: the
    same pieces of advice come back in many recommendations)."""
    matcher = difflib.SequenceMatcher(None, a.casefold(), b.casefold())
    return matcher.real_quick_ratio() > above and matcher.quick_ratio() > above and matcher.ratio() > above


def _phrase_in(phrase: str, text: str) -> bool:
    return re.search(rf"(?<![a-z]){re.escape(phrase)}", text.casefold()) is not None


def advice_faults(facts: Mapping[str, Any], rec: cr.Recommendation) -> list[str]:
    """The faults of one recommendation for a task with these facts."""
    faults: list[str] = []
    services, crowds, plan = rec.service_types, rec.crowd_types, rec.plan
    advice = _advice(rec)
    if len(services) > 3:
        faults.append(f"services>3: {list(services)}")
    if len(crowds) > 2:
        faults.append(f"crowds>2: {list(crowds)}")
    for a, b in itertools.combinations(advice, 2):
        if _similar(a, b):
            faults.append(f"near-duplicate: {a!r} ~ {b!r}")
    for phrase in KEY_PHRASES:
        holding = [text for text in advice if _phrase_in(phrase, text)]
        if len(holding) > 1:
            faults.append(f"repeated-advice: {phrase!r} in {holding}")
    unpaid_professionals = facts.get("skill_level") in ("professional", "expert", "licensed") and (
        facts.get("requester_kind") == "for_profit"
    )
    if facts.get("remuneration") in UNPAID and not unpaid_professionals:
        pay = [text for text in advice if PAY.search(text)]
        if pay:
            faults.append(f"pay-unpaid: {pay}")
    if third_party_personal_data(facts):
        wrong = [s for s in services if s in OPEN_TO_ANYONE] + [c for c in crowds if c == "general_public"]
        if wrong:
            faults.append(f"open-for-personal-data: {wrong}")
    if facts.get("urgency") == "high" and any(AT_LENGTH.search(step) for step in plan):
        faults.append("at-length-urgent")
    if rec.crowdsource != "no":
        faults.extend(_plan_vs_service(services, plan))
    own = bool(services) and services[0] in ("internal_platform", "own_platform", "open_community")
    if (own or crowds[:1] == ("internal_employees",)) and any(PROVIDER_STEPS.search(step) for step in plan):
        faults.append("marketplace-steps: provider or reseller steps for the company's own crowd")
    faults.extend(_off_topic(facts, rec))
    if facts.get("requester_kind") == "public_body" and facts.get("task_type") == "selection_voting":
        conditions = " ".join(rec.conditions).casefold()
        if ("veto" in conditions or "final say" in conditions) and "feasib" not in conditions:
            faults.append("veto-after-vote: the organiser's veto and no screening before the vote")
    return faults


def _kinds(text: str, services: tuple[str, ...]) -> set[str]:
    named = {kind for kind, words in SERVICE_WORDS.items() if words.search(text)}
    if FIRST_SERVICE.search(text) and services:
        named.add(services[0])
    return named


def _plan_vs_service(services: tuple[str, ...], plan: tuple[str, ...]) -> list[str]:
    """Every kind of service the plan names is listed, and the first step that sends the company
    to one sends it to the first service type."""
    faults = []
    first_sent: set[str] | None = None
    for step in plan:
        stray = _kinds(step, services) - set(services)
        if stray:
            faults.append(f"plan-vs-service: the plan names {sorted(stray)}, not listed: {step!r}")
        sent = set().union(*(_kinds(m.group(0), services) for m in DIRECTIVE.finditer(step)))
        if sent and first_sent is None:
            first_sent = sent
    if services and first_sent is not None and services[0] not in first_sent:
        faults.append(f"plan-vs-service: the plan sends the company to {sorted(first_sent)} first, not {services[0]}")
    return faults


def _off_topic(facts: Mapping[str, Any], rec: cr.Recommendation) -> list[str]:
    task_type = facts.get("task_type")
    off = []
    for mitigation in (m for r in rec.risks for m in r.mitigations):
        text = mitigation.casefold()
        idea_jam = ("idea jam" in text or "(ibm" in text) and task_type != "ideation"
        licences = "open-source" in text and task_type not in ("software_development", "algorithm_predictive_modeling")
        gold = "gold question" in text and facts.get("decomposability") != "micro"
        if idea_jam or licences or gold:
            off.append(mitigation)
    need = f"{facts.get('need') or ''} {facts.get('title') or ''}".casefold()
    for condition in rec.conditions:
        if "cookies and trackers" in condition and not any(w in need for w in ("cookie", "terms", "privacy")):
            off.append(condition)
    return [f"off-topic: {text!r}" for text in off]


def random_tasks(count: int, seed: int = 13) -> list[dict[str, Any]]:
    """Seeded random tasks: each fact left unknown or drawn from its values."""
    rng = random.Random(seed)
    tasks = []
    for n in range(count):
        task: dict[str, Any] = {"id": f"random-{n}"}
        for spec in default_vocabulary().facts:
            if spec.name == "id" or rng.random() < 0.3:
                continue
            if spec.kind == "list":
                pool = spec.values or ("security testing", "French law", "statistics", "design")
                task[spec.name] = rng.sample(pool, k=rng.randint(0, 2))
            elif spec.kind in ("enum", "bool"):
                task[spec.name] = rng.choice(spec.values)
        tasks.append(task)
    return tasks
