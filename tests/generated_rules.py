"""Large generated rule sets shaped like real ones, and tasks for them (issue 18's scale tests).

Rules test task facts (one value, a list, ``not_in``, ``at_least``..., ``not``), list items
(``skills_needed: {contains: ...}``, also negated), derived facts (read positively, and negated,
which stratifies) and the ``crowdsource`` output (a later stratum), now and then with ``any``.
Optionally a declared enum fact ``cost_center`` of ``big`` values, tested with ``in`` and ``not_in``
(80 values: the complement has ``big - 80``), and a skill pool tested with long ``in`` lists,
positive and negated. Used by tests/test_durable_scale.py (in a child process) and by
benchmarks/ruleset_cap.py.
"""

from __future__ import annotations

import json
import random
from collections import Counter
from typing import Any

import crowdsourcing_rules as cr
from crowdsourcing_rules.model.vocabulary import UNKNOWN

VOCABULARY = cr.default_vocabulary()
ENUMS = {s.name: [v for v in s.values if v != UNKNOWN] for s in VOCABULARY.facts if s.kind in ("enum", "bool")}
ORDERED = {s.name for s in VOCABULARY.facts if s.ordered}
DECLARED = {"region": 40, "department": 120}  # declared enum facts, always there
CROWDS = ["general_public", "skilled_freelancers", "niche_experts"]
RISKS = ["quality", "availability", "security"]


def values_of(fact: str, big: int = 0) -> list[str]:
    if fact in ENUMS:
        return ENUMS[fact]
    if fact == "cost_center":
        return [f"cc{n:05d}" for n in range(big)]
    return [f"{fact[:3]}{n:03d}" for n in range(DECLARED[fact])]


class _Generator:
    def __init__(self, seed: int, big: int, big_rate: float, skills: int, levels: int) -> None:
        self.rnd = random.Random(seed)
        self.big, self.big_rate = big, big_rate
        self.facts = [*ENUMS, *DECLARED]
        self.skills = [f"skill{n:04d}" for n in range(skills)]
        self.derived = {level: [f"d{level}_{k}" for k in range(12)] for level in range(levels)}

    def task_test(self) -> dict[str, Any]:
        rnd = self.rnd
        if self.big and rnd.random() < self.big_rate:
            values = values_of("cost_center", self.big)
            if rnd.random() < 0.5:
                return {"cost_center": {"not_in": rnd.sample(values, min(80, len(values) - 1))}}
            return {"cost_center": {"in": rnd.sample(values, min(len(values), rnd.choice([1, 3, 20, 150, 400])))}}
        fact = rnd.choice(self.facts)
        values = values_of(fact)
        r = rnd.random()
        if r < 0.35:
            return {fact: rnd.choice(values)}
        if r < 0.6:
            return {fact: rnd.sample(values, min(len(values), rnd.randint(2, 3)))}
        if r < 0.75 and fact in ORDERED:
            return {fact: {rnd.choice(["at_least", "at_most", "above", "below"]): rnd.choice(values[1:-1] or values)}}
        if r < 0.88:
            return {fact: {"not_in": rnd.sample(values, 1 if len(values) < 4 else rnd.randint(1, 2))}}
        return {"not": {fact: rnd.choice(values)}}

    def skill_test(self, long: bool) -> dict[str, Any]:
        rnd = self.rnd
        if long:
            size = min(len(self.skills), rnd.choice([150, 513, 600, 1000, 5000]))
            return {"skills_needed": {"in": rnd.sample(self.skills, size)}}
        if rnd.random() < 0.5:
            return {"skills_needed": {"contains": rnd.choice(self.skills)}}
        return {"skills_needed": rnd.sample(self.skills, 3)}

    def rule(self, i: int, level: int, long_skill: bool) -> tuple[dict[str, Any], str | None]:
        rnd = self.rnd
        tests = [self.task_test() for _ in range(rnd.choice([1, 1, 2, 2, 3]))]
        reads_output = False
        r = rnd.random()
        if long_skill:
            t = self.skill_test(True)
            tests.append(t if rnd.random() < 0.5 else {"not": t})
        elif r < 0.25:
            t = self.skill_test(False)
            tests.append(t if rnd.random() < 0.7 else {"not": t})
        elif r < 0.45 and level > 0:
            d = rnd.choice(self.derived[rnd.randrange(level)])
            tests.append({d: True} if rnd.random() < 0.6 else {"not": {d: True}})
        elif r < 0.5:
            tests.append({"crowdsource": "no"} if rnd.random() < 0.5 else {"not": {"crowdsource": "no"}})
            reads_output = True
        if rnd.random() < 0.08:
            tests.append({"any": [self.task_test(), self.task_test()]})
        made = None
        if reads_output:
            then: list[dict[str, Any]] = [{"risk": {"id": rnd.choice(RISKS), "severity": "low", "mitigations": ["a"]}}]
        else:
            c = rnd.random()
            if c < 0.3:
                made = rnd.choice(self.derived[level])
                then = [{"derive": {made: True}}]
            elif c < 0.5:
                then = [{"set": {"crowdsource": rnd.choice(["yes", "with_conditions", "no"])}}]
            elif c < 0.7:
                then = [{"add": {"crowd_types": rnd.choice(CROWDS)}}]
            elif c < 0.85:
                then = [{"condition": "an NDA"}]
            else:
                then = [{"risk": {"id": rnd.choice(RISKS), "severity": "medium", "mitigations": ["b"]}}]
        when = tests[0] if len(tests) == 1 else {"all": tests}
        rule = {
            "id": f"g.r{i:05d}",
            "description": "generated",
            "salience": rnd.randint(-5, 5),
            "when": when,
            "then": then,
            "source": {"citation": "generated", "status": "I"},
        }
        return rule, made


def generate(
    rules: int,
    seed: int,
    *,
    big: int = 0,
    big_rate: float = 0.0,
    skills: int = 120,
    long_skill_lists: int = 0,
    levels: int = 4,
) -> tuple[list[tuple[str, str]], dict[str, Any]]:
    """Rule documents [(name, JSON text)] and what tasks need (``facts``, ``skills``, ``big``)."""
    gen = _Generator(seed, big, big_rate, skills, levels)
    out: list[dict[str, Any]] = []
    made: set[str] = set()
    long_left = long_skill_lists
    for i in range(rules):
        long_skill = bool(long_left) and gen.rnd.random() < 0.3
        long_left -= long_skill
        rule, derived = gen.rule(i, i % levels, long_skill)
        out.append(rule)
        made |= {derived} if derived else set()
    text = json.dumps(out)
    for name in sorted(d for names in gen.derived.values() for d in names if f'"{d}"' in text and d not in made):
        seed = {"id": f"g.seed.{name}", "description": "seed", "when": {"urgency": "high"}}
        out.append({**seed, "then": [{"derive": {name: True}}], "source": {"citation": "generated", "status": "I"}})
    declared = {f: {"type": "enum", "values": values_of(f)} for f in DECLARED}
    if big:
        declared["cost_center"] = {"type": "enum", "values": values_of("cost_center", big)}
    # a file holds at most 5,000,000 bytes: 1,500 rules a document
    docs = []
    for k in range(0, len(out), 1500):
        doc = {"facts": declared} if k == 0 else {}
        docs.append((f"generated{k // 1500:03d}.yaml", json.dumps({**doc, "rules": out[k : k + 1500]})))
    facts = gen.facts + (["cost_center"] if big else [])
    return docs, {"facts": facts, "skills": gen.skills, "big": big, "rules": out}


def tasks(info: dict[str, Any], count: int, seed: int) -> list[dict[str, Any]]:
    """Random tasks, then two worst cases: each fact takes the value the most rules test."""
    rnd = random.Random(seed)
    out: list[dict[str, Any]] = []
    for n in range(count):
        task: dict[str, Any] = {"id": f"t{n}"}
        for fact in info["facts"]:
            if rnd.random() < 0.85:
                task[fact] = rnd.choice(values_of(fact, info["big"]))
        task["skills_needed"] = rnd.sample(info["skills"], rnd.randint(0, 4)) + (["Not In Pool"] * (rnd.random() < 0.3))
        out.append(task)
    tested: Counter[tuple[str, str]] = Counter()
    for rule in info["rules"]:
        for fact, value in _tested(rule["when"]):
            tested[(fact, value)] += 1
    worst = {"id": "worst"} | {fact: value for (fact, value), _n in reversed(tested.most_common())}
    out.append({**worst, "skills_needed": info["skills"][:3]})
    out.append({**worst, "id": "worst-no-skills"})
    return out


def _tested(when: Any) -> list[tuple[str, str]]:
    """(fact, value) pairs a condition names, for the facts tasks give."""
    found: list[tuple[str, str]] = []
    if isinstance(when, dict):
        for key, value in when.items():
            if key in ("all", "any"):
                for part in value:
                    found += _tested(part)
            elif key == "not":
                found += _tested(value)
            elif key in ENUMS or key in DECLARED or key == "cost_center":
                values = value if isinstance(value, list) else [value] if isinstance(value, str) else []
                found += [(key, v) for v in values]
    return found
