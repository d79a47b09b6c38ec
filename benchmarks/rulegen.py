"""Generated rule sets of any size, shaped like the shipped knowledge base, for the growth section.

``generate_rules(count)`` gives ``count`` valid rules (seeded) over the default vocabulary, as
block-style YAML files of 250 rules each (what a rule author writes, so that parsing is measured
as it is for real files). The mix, per rule (the shipped rules have the same kinds, in about the
same shares):

- 35 % conclude outputs (crowd types, service types, granularity...) from 1 to 3 task tests;
- 10 % set the verdict or add a condition;
- 15 % derive one of ``count // 40`` derived facts from task tests;
- 10 % read a derived fact, and 5 % test that one is absent (a later stratum);
- 15 % read the final verdict or service types (a later stratum: the case that made compiling
  quadratic, one graph edge per producer and reader);
- 10 % test that ``skills_needed`` contains one of 60 skills (list items).

No rule set generated here waits for itself: derived facts come from task tests only, and the
rules that read outputs conclude only risks and plan steps, which no rule reads.
"""

from __future__ import annotations

import random
from pathlib import Path
from typing import Any

import yaml

import crowdsourcing_rules as cr

SKILLS = tuple(f"skill {n}" for n in range(60))
FILE_SIZE = 250


def _task_test(rng: random.Random, vocabulary: cr.Vocabulary) -> dict[str, Any]:
    spec = rng.choice([s for s in vocabulary.facts if s.kind in ("enum", "bool")])
    values = [v for v in spec.values if v != "unknown"]
    kind = rng.random()
    if spec.ordered and kind < 0.3:
        return {spec.name: {rng.choice(["at_least", "at_most"]): rng.choice(values)}}
    if kind < 0.6 or len(values) < 3:
        value: Any = rng.choice(values)
        return {spec.name: value == "true" if spec.kind == "bool" else value}
    if kind < 0.85:
        return {spec.name: rng.sample(values, 2)}
    return {"not": {spec.name: rng.choice(values) if spec.kind != "bool" else True}}


def _when(tests: list[dict[str, Any]]) -> dict[str, Any]:
    return tests[0] if len(tests) == 1 else {"all": tests}


def _outputs(rng: random.Random, vocabulary: cr.Vocabulary) -> list[dict[str, Any]]:
    single = [o for o in vocabulary.outputs if o.kind == "single" and o.name != "crowdsource"]
    lists = [o for o in vocabulary.outputs if o.kind == "list"]
    then: list[dict[str, Any]] = []
    for _ in range(rng.randint(1, 2)):
        if rng.random() < 0.5:
            output = rng.choice(lists)
            then.append({"add": {output.name: rng.choice(output.values)}})
        else:
            output = rng.choice(single)
            if all(output.name not in c.get("set", {}) for c in then):
                then.append({"set": {output.name: rng.choice(output.values)}})
    return then


def _risk_or_plan(rng: random.Random, n: int) -> dict[str, Any]:
    if rng.random() < 0.5:
        risk = rng.choice(cr.default_vocabulary().output("risks").values)
        return {"risk": {"id": risk, "severity": rng.choice(["low", "medium", "high"]), "mitigations": [f"check {n}"]}}
    return {"plan": {"step": f"Step {n}: do what rule {n} says.", "order": rng.randint(1, 60)}}


def rule_dicts(count: int, seed: int = 1) -> list[dict[str, Any]]:
    """``count`` rules as the mappings a rule file holds."""
    rng = random.Random(seed)
    vocabulary = cr.default_vocabulary()
    derived = [f"gen_d{n}" for n in range(max(4, count // 40))]
    produced: list[str] = []  # derived facts some earlier rule derives: the only ones read
    rules = []
    for n in range(count):
        tests = [_task_test(rng, vocabulary) for _ in range(rng.randint(1, 3))]
        kind = rng.random()
        if kind < 0.35:
            then = _outputs(rng, vocabulary)
        elif kind < 0.45:
            verdict = rng.choices(["yes", "with_conditions", "no"], [5, 2, 1])[0]
            then = [{"set": {"crowdsource": verdict}}] if rng.random() < 0.7 else [{"condition": f"condition {n}"}]
        elif kind < 0.60 or (kind < 0.75 and not produced):
            fact = derived[len(produced) % len(derived)]  # each in turn
            produced.append(fact)
            then = [{"derive": {fact: True}}]
        elif kind < 0.70:
            tests = [{rng.choice(produced): True}, *tests[:1]]
            then = _outputs(rng, vocabulary)
        elif kind < 0.75:
            tests = [{"not": {rng.choice(produced): True}}, *tests[:1]]
            then = _outputs(rng, vocabulary)
        elif kind < 0.90:
            reads = (
                {"not": {"crowdsource": "no"}}
                if rng.random() < 0.7
                else {"service_types": {"contains": rng.choice(vocabulary.output("service_types").values)}}
            )
            tests = [reads, *tests[:1]]
            then = [_risk_or_plan(rng, n)]
        else:
            tests = [{"skills_needed": {"contains": rng.choice(SKILLS)}}, *tests[:1]]
            then = [{"add": {"crowd_types": rng.choice(vocabulary.output("crowd_types").values)}}]
        rules.append(
            {
                "id": f"gen.{n:05d}",
                "description": f"Generated rule {n}.",
                "salience": rng.randint(0, 100),
                "when": _when(tests),
                "then": then,
                "source": {"citation": "generated for the benchmark", "status": "I"},
            }
        )
    return rules


def write_rules(folder: Path, count: int, seed: int = 1) -> list[Path]:
    """Write ``count`` generated rules into ``folder`` (files of 250 rules); return the files."""
    rules = rule_dicts(count, seed)
    files = []
    for start in range(0, len(rules), FILE_SIZE):
        path = folder / f"generated_{start // FILE_SIZE:03d}.yaml"
        text = yaml.safe_dump({"rules": rules[start : start + FILE_SIZE]}, sort_keys=False, allow_unicode=True)
        path.write_text(text, encoding="utf-8")
        files.append(path)
    return files


def skill_tasks(count: int, skills: int, seed: int = 1) -> list[dict[str, Any]]:
    """``count`` tasks that each list ``skills`` of the 60 skills the generated rules test. The
    same seed gives the same tasks whatever ``skills``: the same facts, and the first ``skills``
    skills of the same order, so that only the number of list items differs."""
    rng = random.Random(seed)
    vocabulary = cr.default_vocabulary()
    out = []
    for n in range(count):
        order = rng.sample(SKILLS, len(SKILLS))
        task: dict[str, Any] = {"id": f"task-{n}", "skills_needed": order[:skills]}
        for spec in vocabulary.facts:
            if spec.kind in ("enum", "bool") and rng.random() < 0.8:
                task[spec.name] = rng.choice(spec.values)
        out.append(task)
    return out
