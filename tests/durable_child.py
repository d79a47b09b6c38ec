"""The child process of tests/test_durable_scale.py: durable-rules on rule sets that cross its limits.

Run as ``python -m tests.durable_child KIND NAME`` from the repository's root; prints one line of
JSON. Whatever the input, it must exit 0, and in time: before issue 18, several of these hung the
interpreter inside ``create_ruleset`` (with the GIL held) or aborted it on the first decision.

- ``scale NAME``: a generated rule set (tests/generated_rules.py) decided on durable-rules and on
  the reference engine, task by task; prints the mismatches.
- ``corpus NAME``: a rule set built to cross one limit of the C engine. durable-rules must either
  decide like the reference engine, or refuse the rules when the engine is built, naming them
  (and ``engine="auto"`` then falls back with a warning).
- ``bounds all``: the C engine at each bound the limit model uses, and one past it, beside the
  model's answer; ``bounds hash``: 513 tests below one node, which hangs ``create_ruleset``.
- ``unguarded NAME``: a corpus rule set given to durable-rules as one ruleset, bypassing the limit
  model, so that the C engine fails while a task is decided: that must be an ``EngineError`` for
  that decision, and the process must live on.
"""

from __future__ import annotations

import json
import re
import sys
import warnings
from collections.abc import Callable
from typing import Any

import crowdsourcing_rules as cr
from crowdsourcing_rules.errors import EngineError, EngineUnavailableError
from crowdsourcing_rules.rulefiles.loading import parse_rule_documents
from tests import generated_rules

# name: (generator arguments, random tasks); two worst-case tasks are added to each
SCALE: dict[str, tuple[dict[str, Any], int]] = {
    "rules-1000": ({"rules": 1000, "seed": 101}, 20),
    "rules-5000": ({"rules": 5000, "seed": 105}, 6),
    "rules-20000": ({"rules": 20000, "seed": 120}, 3),
    **{
        f"values-{n}": ({"rules": 400, "seed": n, "big": n, "big_rate": 0.35, "skills": n, "long_skill_lists": 8}, 20)
        for n in (513, 600, 1000, 5000)
    },
}

SOURCE = {"citation": "test", "status": "I"}
CENTERS = [f"cc{n:03d}" for n in range(600)]


def rule(rule_id: str, when: Any, then: Any = None) -> dict[str, Any]:
    then = then or [{"condition": f"{rule_id} holds"}]
    return {"id": rule_id, "description": "a rule of the test", "when": when, "then": then, "source": SOURCE}


def enum(values: list[str]) -> dict[str, Any]:
    return {"type": "enum", "values": values}


Corpus = tuple[dict[str, Any], list[dict[str, Any]]]  # a rule document, tasks


def _enum_600() -> Corpus:
    """The issue's trigger: a 600-value enum and a rule with not_in 80 of them (hung create_ruleset)."""
    rules = [rule("not-in-80", {"cost_center": {"not_in": CENTERS[:80]}})]
    tasks = [{"id": "in", "cost_center": "cc500"}, {"id": "out", "cost_center": "cc010"}, {"id": "none"}]
    return {"facts": {"cost_center": enum(CENTERS)}, "rules": rules}, tasks


def _distinct_513() -> Corpus:
    """513 rules, each on its own value of one fact: 513 tests below one node, added up over rules."""
    rules = [rule(f"cc.{n}", {"cost_center": CENTERS[n]}) for n in range(513)]
    tasks = [{"id": value, "cost_center": value} for value in ("cc512", "cc000", "cc599")]
    return {"facts": {"cost_center": enum(CENTERS)}, "rules": rules}, tasks


def _shared_65() -> Corpus:
    """65 rules urgency: [medium, high]: 65 nodes pending while the task is matched (error 303, then
    delete_state on a session with no action aborted the process)."""
    return {"rules": [rule(f"u.{n}", {"urgency": ["medium", "high"]}) for n in range(65)]}, [
        {"id": "high", "urgency": "high"},
        {"id": "low", "urgency": "low"},
    ]


def _stratum_257() -> Corpus:
    """257 rules in one stratum: 257 patterns end at the stratum marker's node (error 108)."""
    flag = rule("flag", {"urgency": "high"}, [{"derive": {"flag": True}}])
    types = generated_rules.ENUMS["task_type"]
    when = [{"all": [{"not": {"flag": True}}, {"task_type": types[n % len(types)]}]} for n in range(257)]
    readers = [rule(f"s.{n}", w) for n, w in enumerate(when)]
    return {"rules": [flag, *readers]}, [{"id": "a", "task_type": "ideation"}, {"id": "b", "urgency": "high"}]


def _same_test_300() -> Corpus:
    """300 rules urgency: high: 300 patterns end at one node (error 108)."""
    return {"rules": [rule(f"h.{n}", {"urgency": "high"}) for n in range(300)]}, [{"id": "a", "urgency": "high"}]


def _lists_130() -> Corpus:
    """130 value lists sharing one value: 130 links on one node (error 107)."""
    rules = [rule(f"l.{n}", {"cost_center": [CENTERS[0], CENTERS[n + 1]]}) for n in range(130)]
    return {"facts": {"cost_center": enum(CENTERS)}, "rules": rules}, [
        {"id": "shared", "cost_center": "cc000"},
        {"id": "one", "cost_center": "cc007"},
    ]


def _facts(count: int, prefix: str = "f") -> dict[str, Any]:
    return {f"{prefix}{n:03d}": enum(["a", "b"]) for n in range(count)}


def _first_facts_65() -> Corpus:
    """65 rules, each on a fact of its own: 65 nodes pending (the old "64 task facts")."""
    rules = [rule(f"f.{n}", {f"f{n:03d}": "a"}) for n in range(65)]
    return {"facts": _facts(65), "rules": rules}, [{"id": "a", "f000": "a", "f064": "a"}, {"id": "b"}]


def _task_facts_300() -> Corpus:
    """300 task facts: more than one fact can carry (251), split over rulesets with a fact each."""
    rules = [rule(f"f.{n}", {f"f{n:03d}": "a"}) for n in range(300)]
    return {"facts": _facts(300), "rules": rules}, [{"id": "a", "f000": "a", "f299": "a", "f150": "b"}]


def _one_rule_252_facts() -> Corpus:
    """One rule testing 252 task facts: no ruleset can carry it (refused, error 302 otherwise)."""
    when = {"all": [{f"f{n:03d}": "a"} for n in range(252)]}
    return {"facts": _facts(252), "rules": [rule("wide", when), rule("plain", {"urgency": "high"})]}, [
        {"id": "a", "urgency": "high"} | {f"f{n:03d}": "a" for n in range(252)}
    ]


def _join_17() -> Corpus:
    """A rule joining the task and 16 items: 17 patterns (error 304 at decision time)."""
    when = {"all": [{"skills_needed": {"contains": f"s{n}"}} for n in range(16)]}
    return {"rules": [rule("join", when)]}, [{"id": "a", "skills_needed": [f"s{n}" for n in range(16)]}]


def _wide_15() -> Corpus:
    """A pattern with 15 multi-valued tests: 32 expression slots (error 113)."""
    when = {f"f{n:03d}": ["a", "unknown"] for n in range(15)}
    return {"facts": _facts(15), "rules": [rule("wide", when)]}, [{"id": "a"}]


def _skills_5000(negated: bool) -> Callable[[], Corpus]:
    def build() -> Corpus:
        skills = [f"skill{n:04d}" for n in range(5000)]
        test: dict[str, Any] = {"skills_needed": {"in": skills}}
        when = {"all": [{"not": test} if negated else test, {"urgency": "high"}]}
        return {"rules": [rule("skills", when)]}, [
            {"id": "in", "urgency": "high", "skills_needed": ["skill4999"]},
            {"id": "out", "urgency": "high", "skills_needed": ["cooking"]},
        ]

    return build


def _same_hash() -> Corpus:
    """f6059 and f264602 have one FNV-1 hash: in one ruleset the C engine takes one for the other
    (task b activated "one" twice and "two" not at all; before issue 18, 2 of 3 tasks were wrong)."""
    facts = {"f6059": enum(["a", "b"]), "f264602": enum(["a", "b"])}
    rules = [rule("one", {"f6059": "a"}), rule("two", {"f264602": "b"})]
    tasks = [
        {"id": "a", "f6059": "a", "f264602": "a"},
        {"id": "b", "f6059": "a", "f264602": "b"},
        {"id": "c", "f6059": "b"},
    ]
    return {"facts": facts, "rules": rules}, tasks


CORPUS: dict[str, Callable[[], Corpus]] = {
    "enum-600-not-in-80": _enum_600,
    "distinct-values-513": _distinct_513,
    "shared-value-65": _shared_65,
    "stratum-257": _stratum_257,
    "same-test-300": _same_test_300,
    "value-lists-130": _lists_130,
    "first-facts-65": _first_facts_65,
    "task-facts-300": _task_facts_300,
    "one-rule-252-facts": _one_rule_252_facts,
    "join-17": _join_17,
    "wide-15": _wide_15,
    "skills-in-5000": _skills_5000(False),
    "skills-not-in-5000": _skills_5000(True),
    "same-hash": _same_hash,
}


def decisions(advisor: cr.Advisor, tasks: list[dict[str, Any]], questions: bool) -> list[dict[str, Any]]:
    out = []
    for task in tasks:
        result = advisor.decide(task, questions=questions).to_dict()
        result.pop("engine")
        out.append(result)
    return out


def compare(ruleset: cr.RuleSet, tasks: list[dict[str, Any]], questions: bool) -> dict[str, Any]:
    """durable-rules beside the reference engine, or its refusal and the fallback."""
    reference = decisions(cr.Advisor(ruleset, engine="reference"), tasks, questions)
    try:
        advisor = cr.Advisor(ruleset, engine="durable-rules")
    except EngineUnavailableError as error:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            fallback = cr.Advisor(ruleset)  # engine="auto"
        same = decisions(fallback, tasks, questions) == reference
        warned = [str(w.message) for w in caught if issubclass(w.category, RuntimeWarning)]
        return {"refused": str(error), "fallback": fallback.engine, "same": same, "warnings": warned}
    got = decisions(advisor, tasks, questions)
    engine = advisor._run.engine
    mismatches = [task["id"] for task, a, b in zip(tasks, got, reference, strict=True) if a != b]
    return {"rulesets": engine.rulesets, "tasks": len(tasks), "mismatches": mismatches, "leaked": engine.leaked}


def unguarded(ruleset: cr.RuleSet, tasks: list[dict[str, Any]]) -> dict[str, Any]:
    """Every rule in one ruleset, as before issue 18: the C engine fails while deciding."""
    from crowdsourcing_rules.engine import durable, durable_shards

    def one_ruleset(definitions: dict[str, Any], session: str, max_rules: int) -> durable_shards.Sharding:
        facts, items, strata = _reads(definitions)
        whole = durable_shards.Ruleset(json.dumps(definitions), facts, items, strata)
        return durable_shards.Sharding((whole,), ())

    durable.shard = one_ruleset  # type: ignore[assignment]
    advisor = cr.Advisor(ruleset, engine="durable-rules")
    errors = []
    decided = 0
    for _ in range(3):  # the abort came when the failed session was deleted; then a new one is opened
        for task in tasks:
            try:
                advisor.decide(task, questions=False)
                decided += 1
            except EngineError as error:
                errors.append(re.sub(r".*(error code: \d+).*", r"\1", str(error)))
    return {"errors": errors, "decided": decided, "leaked": advisor._run.engine.leaked}


def _reads(definitions: dict[str, Any]) -> tuple[tuple[str, ...], frozenset[tuple[str, str]], frozenset[int]]:
    """The task facts, items and strata the patterns of durable-rules rules test."""
    facts: set[str] = set()
    items: set[tuple[str, str]] = set()
    strata: set[int] = set()
    for rule in definitions.values():
        for pattern in rule["all"]:
            for expr in pattern.values():
                parts = expr.get("$and", [expr])
                tests = {k: v for part in parts for test in part.get("$or", [part]) for k, v in test.items()}
                if tests["kind"] == "task":
                    facts |= set(tests) - {"kind"}
                elif tests["kind"] == "item":
                    items.add((tests["space"], tests["name"]))
                else:
                    strata.add(tests["n"])
    return tuple(sorted(facts)), frozenset(items), frozenset(strata)


def _task(*tests: dict[str, Any]) -> dict[str, Any]:
    return {"all": [{"t": {"$and": [{"kind": "task"}, *tests]}}]}


def _or(fact: str, values: list[str]) -> dict[str, Any]:
    return {"$or": [{fact: v} for v in values]}


def _item(n: int) -> dict[str, Any]:
    return {f"i{n}": {"$and": [{"kind": "item"}, {"name": f"n{n}"}]}}


Probe = tuple[dict[str, Any], list[dict[str, Any]]]  # a ruleset definition, the facts of one session
_SESSION = {"session": {"all": [{"t": {"kind": "task"}}]}}

# limit: (n -> the probe with n of what it counts), the bound, the error one past it
BOUNDS: dict[str, tuple[Callable[[int], Probe], int, int]] = {
    "stack": (
        lambda n: ({f"r{i}": _task(_or("a", ["v0", f"w{i}"])) for i in range(n)} | _SESSION, [{"a": "v0"}]),
        64,
        303,
    ),
    "beta list": (lambda n: ({f"r{i}": _task({"a": "v0"}) for i in range(n)}, [{"a": "v0"}]), 255, 108),
    "expressions": (lambda n: ({"r": _task(*(_or(f"f{j}", ["a", "b"]) for j in range(n)))}, [{}]), 14, 113),
    "patterns": (
        lambda n: ({"r": {"all": [{"t": {"kind": "task"}}, *(_item(j) for j in range(n - 1))]}}, [{}]),
        16,
        304,
    ),
    "rules": (lambda n: ({f"r{i}": _task({"a": f"v{i % 400}"}, {"b": f"w{i}"}) for i in range(n)}, [{}]), 4096, 106),
    "task facts": (lambda n: (_SESSION, [{f"f{i}": "x" for i in range(n)}]), 251, 302),
}


def probe(definition: dict[str, Any], facts: list[dict[str, Any]]) -> str:
    """Create the ruleset and assert the facts (items first, then the task) in one session."""
    import durable_rules_engine

    try:
        handle = durable_rules_engine.create_ruleset(f"probe{id(definition)}", json.dumps(definition))
        items = [{"kind": "item", "name": f"n{j}"} for j in range(20)]
        for fact in [*items, {"kind": "task", **facts[0]}]:
            durable_rules_engine.assert_fact(handle, json.dumps({"sid": "1", **fact}))
    except Exception as error:  # the session is not deleted: that could abort the process
        return re.sub(r".*error code: (\d+).*", r"error \1", str(error))
    return "ok"


def _hash_probe(n: int) -> dict[str, Any]:
    return {"r": _task(_or("a", [f"v{i}" for i in range(n)]))}


def bounds(name: str) -> dict[str, Any]:
    """The engine and the model at each bound and one past it. For the beta list, three past it:
    256 patterns read one entry past the list (a spurious activation, or a crash), and the 257th is
    written past it when the next slot is free (seen on Python 3.13): the 258th is then refused."""
    from crowdsourcing_rules.engine.durable_limits import TASK_FACTS, problems

    if name == "hash":  # 513 different tests below {kind: task}: create_ruleset never returns
        return {"past": probe(_hash_probe(513), [{"a": "v0"}])}
    out: dict[str, Any] = {"hash table": {"model at": not problems(_hash_probe(511))}}
    out["hash table"]["engine at"] = probe(_hash_probe(511), [{"a": "v0"}])
    for limit, (build, bound, _code) in BOUNDS.items():
        at, past = build(bound), build(bound + (3 if limit == "beta list" else 1))
        facts_fit = [len(f) <= TASK_FACTS for f in (at[1][0], past[1][0])]  # what is asserted, not tested
        out[limit] = {
            "model at": not problems(at[0]) and facts_fit[0],
            "engine at": probe(*at),
            "model past": not problems(past[0]) and facts_fit[1],
            "engine past": probe(*past),
        }
    return out


def main(kind: str, name: str) -> dict[str, Any]:
    warnings.simplefilter("ignore", DeprecationWarning)
    if kind == "bounds":
        return bounds(name)
    if kind == "scale":
        params, count = SCALE[name]
        docs, info = generated_rules.generate(**params)
        return compare(parse_rule_documents(docs), generated_rules.tasks(info, count, params["seed"] + 1), False)
    doc, tasks = CORPUS[name]()
    ruleset = parse_rule_documents([(f"{name}.yaml", json.dumps(doc, indent=1))])
    if kind == "corpus":
        return compare(ruleset, tasks, True)
    return unguarded(ruleset, tasks)


if __name__ == "__main__":
    print(json.dumps(main(sys.argv[1], sys.argv[2])), flush=True)
