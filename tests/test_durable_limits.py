"""The model of durable-rules' C engine limits, and the sharding that keeps rule sets within them.

Pure: no durable-rules here (tests/test_durable_scale.py runs the engine, in child processes). Each
bound below was measured on durable-rules 2.0.28 (issue 18's research report): at the bound the
engine works, one past it hangs, aborts, or fails with the error named. The model must say "fits"
exactly up to the bound, and the sharding must keep every ruleset within all of them without
changing which rules a set of facts activates.
"""

from __future__ import annotations

import json
import random
from typing import Any

import pytest
from hypothesis import given, settings, strategies as st

from crowdsourcing_rules.engine import durable_limits as limits
from crowdsourcing_rules.engine.durable_limits import Network, fnv1_32, problems
from crowdsourcing_rules.engine.durable_shards import BLOCK, original_name, shard

SESSION = {"all": [{"t": {"kind": "task"}}]}


def task(*tests: dict[str, Any]) -> dict[str, Any]:
    return {"all": [{"t": {"$and": [{"kind": "task"}, *tests]}}]}


def one_of(fact: str, values: list[str]) -> dict[str, Any]:
    return {fact: values[0]} if len(values) == 1 else {"$or": [{fact: v} for v in values]}


def item(name: str, values: list[str], negated: bool = False, alias: str = "i0") -> dict[str, Any]:
    pattern = {"$and": [{"kind": "item"}, {"space": "input"}, {"name": name}, one_of("value", values)]}
    return {alias + ("$not" if negated else ""): pattern}


@pytest.mark.parametrize(
    ("name", "constant"),
    [("all", 321211332), ("$or", 340911698), ("$neq", 2488026869), ("id", 926444256), ("sid", 3593476751)],
)
def test_the_hash_is_the_c_engines(name: str, constant: int) -> None:
    """The HASH_* constants of rete.c and state.h: nodes are shared by this hash of the name."""
    assert fnv1_32(name) == constant


# -- each limit, at its bound and one past it ---------------------------------------------------------


@pytest.mark.parametrize(("n", "fits"), [(511, True), (512, False)])
def test_tests_hashed_below_one_node(n: int, fits: bool) -> None:
    """512 values of one fact below {kind: task} fill the 512-slot table: the engine then loops."""
    found = problems({"r": task(one_of("a", [f"v{i}" for i in range(n)])), "session": SESSION})
    assert (not found) == fits
    assert fits or found == [f"{n} different tests below one test (the limit, 511, hangs it)"]


def test_tests_hashed_below_one_node_add_up_over_rules_and_facts() -> None:
    """Not one value list: the distinct (fact, value) tests of every rule's first test add up."""
    rules = {f"r{i}": task(one_of(f"f{i % 3}", [f"v{i}", f"w{i}"])) for i in range(256)}
    assert any("different tests below one test" in p for p in problems(rules))
    del rules["r255"]
    assert problems(rules) == []


@pytest.mark.parametrize(("n", "fits"), [(64, True), (65, False)])
def test_stack_of_value_lists_sharing_a_value(n: int, fits: bool) -> None:
    """The issue's abort: 65 rules ``urgency: [medium, high]`` leave 65 nodes pending (error 303)."""
    rules = {f"r{i}": task(one_of("urgency", ["medium", "high"])) for i in range(n)} | {"session": SESSION}
    assert (not problems(rules)) == fits


@pytest.mark.parametrize(("n", "fits"), [(64, True), (65, False)])
def test_stack_of_first_facts(n: int, fits: bool) -> None:
    """What the old "64 task facts" check approximated: 65 facts that start a pattern."""
    assert (not problems({f"r{i}": task({f"f{i}": "x"}) for i in range(n)})) == fits


def test_many_facts_in_one_chain_do_not_stack() -> None:
    """...and why it refused rule sets that work: the stack holds siblings, and the tests of one
    conjunction are a chain (one child each), however many facts it tests."""
    assert problems({"r": task(*({f"f{i}": "x"} for i in range(200)))}) == []


@pytest.mark.parametrize(("n", "fits"), [(255, True), (256, False)])
def test_patterns_ending_at_one_node(n: int, fits: bool) -> None:
    """256 rules ``urgency: high`` (or 256 rules of one stratum) overflow the beta list (error 108)."""
    assert (not problems({f"r{i}": task({"urgency": "high"}) for i in range(n)})) == fits


@pytest.mark.parametrize(("k", "fits"), [(14, True), (15, False)])
def test_expression_slots_of_one_pattern(k: int, fits: bool) -> None:
    """2 slots for the conjunction and 2 per multi-valued test: 15 of them need 32 (error 113)."""
    rule = task(*(one_of(f"f{j}", ["a", "b"]) for j in range(k)))
    assert (not problems({"r": rule})) == fits


@pytest.mark.parametrize(("k", "fits"), [(16, True), (17, False)])
def test_patterns_of_one_rule(k: int, fits: bool) -> None:
    patterns = [{"t": {"kind": "task"}}] + [item(f"n{j}", ["x"], alias=f"i{j}") for j in range(k - 1)]
    found = problems({"r": {"all": patterns}})
    assert (not found) == fits
    assert fits or found == ["the condition joins 17 facts; durable-rules allows 16"]


def test_rules_of_one_ruleset() -> None:
    rules = {f"r{i}": task({"a": f"v{i % 400}"}, {"b": f"w{i}"}) for i in range(4096)}
    assert problems(rules) == []
    rules["one_more"] = SESSION
    assert problems(rules) == ["4097 rules in one ruleset (limit 4096: error 106)"]


@pytest.mark.parametrize(("n", "fits"), [(251, True), (252, False)])
def test_task_facts_of_one_ruleset(n: int, fits: bool) -> None:
    """One fact carries 254 properties: sid, kind, and the engine's id leave 251 (error 302)."""
    rule = task({"a": "x"}, *({f"f{i}": "x"} for i in range(n - 1)))
    assert (not problems({"r": rule})) == fits


def test_names_the_engine_cannot_tell_apart() -> None:
    """Nodes are found by the hash of the property name alone: two names with one hash are one."""
    assert fnv1_32("f6059") == fnv1_32("f264602")
    found = problems({"r1": task({"f6059": "a"}), "r2": task({"f264602": "b"})})
    assert found == ["durable-rules cannot tell 'f6059' from 'f264602' (the same hash, 3806442189)"]
    # apart, each is fine: the sharding puts them in different rulesets, each with its own task fact
    sharding = shard({"r1_0": task({"f6059": "a"}), "r2_0": task({"f264602": "b"}), "s": SESSION}, "s", 1000)
    assert sorted(r.task_facts for r in sharding.rulesets) == [("f264602",), ("f6059",)]


def test_a_refused_rule_is_taken_back_out() -> None:
    net = Network()
    for i in range(64):
        assert net.add_rule(task(one_of("a", ["v0", f"w{i}"])), keep_on_problem=False) == []
    state = (net.rules, dict(net.properties), dict(net.task_facts), net.root.h)
    assert net.add_rule(task(one_of("a", ["v0", "w64"])), keep_on_problem=False)
    assert (net.rules, dict(net.properties), dict(net.task_facts), net.root.h) == state
    # the network is as it was: a rule that fits is still accepted
    assert net.add_rule({"all": [SESSION["all"][0], item("sk", ["a", "b"])]}, keep_on_problem=False) == []


@settings(max_examples=20, deadline=None)
@given(st.integers(0, 2**32))
def test_a_quick_refusal_is_never_wrong(seed: int) -> None:
    """``surely_refuses`` only walks existing nodes: when it says no, adding the rule must fail too."""
    rng = random.Random(seed)
    net = Network()
    for _ in range(300):
        rule = task(one_of(rng.choice("abc"), rng.sample([f"v{k}" for k in range(40)], rng.randint(1, 6))))
        if net.surely_refuses(_plan(rule)):
            assert net.add_rule(rule, keep_on_problem=False)
        else:
            net.add_rule(rule, keep_on_problem=False)


def _plan(rule: dict[str, Any]) -> list[list[limits.Step]]:
    from crowdsourcing_rules.engine import durable_shards

    return durable_shards._plan(rule)


# -- the sharding keeps the meaning ---------------------------------------------------------------------


def _matcher(expr: dict[str, Any]) -> Any:
    """A predicate over one fact for our patterns: $and, $or, $neq and equality tests."""
    ((key, value),) = expr.items()
    if key == "$and":
        parts = [_matcher(e) for e in value]
        return lambda fact: all(p(fact) for p in parts)
    if key == "$or":
        simple = [e for e in value if not next(iter(e)).startswith("$")]
        props = {next(iter(e)) for e in simple}
        if len(simple) == len(value) and len(props) == 1:
            (prop,) = props
            allowed = {e[prop] for e in simple}
            return lambda fact: fact.get(prop, allowed) in allowed and prop in fact
        parts = [_matcher(e) for e in value]
        return lambda fact: any(p(fact) for p in parts)
    if key == "$neq":
        ((prop, v),) = value.items()
        return lambda fact: prop in fact and fact[prop] != v
    return lambda fact: key in fact and fact[key] == value


def activation(rule: dict[str, Any]) -> Any:
    """Whether facts activate a rule: every positive pattern matches one of them and no $not pattern
    does (our patterns never need one fact twice: engine.durable rewrites them so)."""
    patterns = [(alias.endswith("$not"), _matcher(expr)) for p in rule["all"] for alias, expr in p.items()]
    return lambda facts: all(any(match(f) for f in facts) != negated for negated, match in patterns)


@settings(max_examples=6, deadline=None)
@given(st.integers(0, 2**32))
def test_sharding_keeps_the_meaning(seed: int) -> None:
    """Long value lists split, tests reordered, rules packed: the same rules activate on any facts,
    and every ruleset is within every limit, with the session rule."""
    rng = random.Random(seed)
    universe = [f"c{k:04d}" for k in range(700)]
    skills = [f"s{k:04d}" for k in range(600)]
    rules: dict[str, Any] = {}
    for i in range(40):
        values = rng.sample(universe, rng.choice([1, 2, 5, 300, 650]) if i else 650)
        tests = [one_of("cc", values)] + ([one_of("u", ["high", "medium"])] if rng.random() < 0.5 else [])
        patterns = task(*tests)["all"]
        if rng.random() < 0.5:
            patterns.append(item("sk", rng.sample(skills, rng.choice([1, 3, 520, 590])), negated=rng.random() < 0.5))
        if rng.random() < 0.3:
            patterns.append({"s": {"$and": [{"kind": "stratum"}, {"n": 1}]}})
        rules[f"r{i}_0"] = {"all": patterns}
    sharding = shard(rules | {"session": SESSION}, "session", 1000)
    assert sharding.refused == ()
    rulesets = [json.loads(r.definition) for r in sharding.rulesets]
    assert all(problems(r) == [] and r["session"] == SESSION for r in rulesets)
    placed = [name for r in rulesets for name in r if name != "session"]
    assert len(placed) == len(set(placed)) and {original_name(n) for n in placed} == set(rules)
    assert len(placed) > len(rules)  # lists longer than a block were split
    before = {name: activation(rule) for name, rule in rules.items()}
    after = [(original_name(n), activation(rule)) for r in rulesets for n, rule in r.items() if n != "session"]
    for _ in range(40):
        facts = [{"kind": "task", "cc": rng.choice(universe), "u": rng.choice(["low", "medium", "high"])}]
        facts += [{"kind": "item", "space": "input", "name": "sk", "value": v} for v in rng.sample(skills, 3)]
        facts += [{"kind": "stratum", "n": 1}] * (rng.random() < 0.5)
        assert {name for name, activates in after if activates(facts)} == {n for n, a in before.items() if a(facts)}


def test_long_lists_are_cut_along_one_partition() -> None:
    """Slices of different rules share their value nodes: each ruleset holds one block of values."""
    values = [f"v{k:03d}" for k in range(2 * BLOCK + 10)]
    rules = {"r1_0": task(one_of("a", values)), "r2_0": task(one_of("a", values[5:])), "s": SESSION}
    rulesets = [json.loads(r.definition) for r in shard(rules, "s", 1000).rulesets]
    slices = {
        name: {next(iter(e.values())) for e in rule["all"][0]["t"]["$and"][1]["$or"]}
        for r in rulesets
        for name, rule in r.items()
        if name != "s"
    }
    assert sorted(slices) == ["r1_0.0", "r1_0.1", "r1_0.2", "r2_0.0", "r2_0.1", "r2_0.2"]
    assert slices["r1_0.1"] == set(values[BLOCK : 2 * BLOCK]) == slices["r2_0.1"]


def test_a_rule_that_fits_nowhere_is_refused_with_its_problems() -> None:
    patterns = [{"t": {"kind": "task"}}] + [item(f"n{j}", ["x"], alias=f"i{j}") for j in range(16)]
    sharding = shard({"r3_0": {"all": patterns}, "r4_0": task({"a": "b"}), "s": SESSION}, "s", 1000)
    assert sharding.refused == (("r3_0", ("the condition joins 17 facts; durable-rules allows 16",)),)
    assert len(sharding.rulesets) == 1 and "r4_0" in json.loads(sharding.rulesets[0].definition)


def test_rulesets_are_capped() -> None:
    rules = {f"r{i}_0": task({"a": f"v{i % 300}"}) for i in range(2500)} | {"s": SESSION}
    sizes = [len(json.loads(r.definition)) for r in shard(rules, "s", 1000).rulesets]
    assert sizes == [1000, 1000, 503]  # 999 rules and the session's copy, twice; the rest
