"""Hypothesis strategies shared by the property tests: valid tasks and small random rule sets."""

from __future__ import annotations

import json
from typing import Any

from hypothesis import strategies as st

from crowdsourcing_rules.model.vocabulary import SEVERITIES, FactSpec, Vocabulary, default_vocabulary

IDS = st.text(alphabet="abcdefghijklmnopqrstuvwxyz0123456789-", min_size=1, max_size=12)
SKILLS = st.lists(st.sampled_from(["statistics", "French law", "design", "translation", "Python"]), max_size=3)


def fact_value(spec: FactSpec) -> st.SearchStrategy[Any]:
    """A valid value of one fact, in any of the forms a user may write it."""
    if spec.kind == "list":
        return st.lists(st.sampled_from(spec.values), max_size=3) if spec.values else SKILLS
    if spec.kind in ("text", "id"):
        return st.text(max_size=30)
    if spec.kind == "bool":
        return st.sampled_from([True, False, "true", "false", "unknown"])
    return st.sampled_from(spec.values)


@st.composite
def tasks(draw: st.DrawFn, vocabulary: Vocabulary | None = None) -> dict[str, Any]:
    """A valid task mapping: an id and a random subset of the other facts."""
    vocabulary = vocabulary or default_vocabulary()
    task: dict[str, Any] = {"id": draw(IDS)}
    for spec in vocabulary.facts:
        if spec.name != "id" and draw(st.booleans()):
            task[spec.name] = draw(fact_value(spec))
    return task


# -- small random rule sets, as plain data (what a YAML or JSON rule file holds) ------------------

RULE_FACTS = {
    "urgency": ("low", "medium", "high"),
    "budget": ("none", "low", "medium", "high", "unknown"),
    "volume": ("one_off", "small_batch", "large", "massive"),
    "legal_sensitivity": ("none", "low", "high", "regulated"),
    "core_to_competitive_advantage": (True, False, "unknown"),
}
ORDERED = ("urgency", "volume", "legal_sensitivity")
DERIVED = ("d_alpha", "d_beta", "d_gamma")
SINGLE_OUTPUTS = {
    "crowdsource": ("yes", "no", "with_conditions"),
    "granularity": ("micro_task", "macro_task", "contest"),
    "crowd_model": ("contest", "labor_market"),
}
CROWDS = ("general_public", "skilled_freelancers", "niche_experts")
RISKS = ("quality", "availability", "security")


def _fact_test() -> st.SearchStrategy[dict[str, Any]]:
    def one(fact: str) -> st.SearchStrategy[dict[str, Any]]:
        values = RULE_FACTS[fact]
        options = [
            st.sampled_from(values).map(lambda v: {fact: v}),
            st.lists(st.sampled_from(values), min_size=1, max_size=3, unique=True).map(lambda vs: {fact: vs}),
        ]
        if fact in ORDERED:
            options.append(
                st.tuples(st.sampled_from(["at_least", "at_most", "above", "below"]), st.sampled_from(values)).map(
                    lambda ov: {fact: {ov[0]: ov[1]}}
                )
            )
        return st.one_of(options)

    facts = st.sampled_from(sorted(RULE_FACTS)).flatmap(one)
    derived = st.sampled_from(DERIVED).map(lambda d: {d: True})
    skills = st.sampled_from(["statistics", "design"]).map(lambda s: {"skills_needed": {"contains": s}})
    return st.one_of(facts, facts, derived, skills)


def _output_test() -> st.SearchStrategy[dict[str, Any]]:
    """A test of an output's final value (the rule then waits in a later stratum)."""
    verdicts = SINGLE_OUTPUTS["crowdsource"]
    return st.one_of(
        st.sampled_from(verdicts).map(lambda v: {"crowdsource": v}),
        st.sampled_from(verdicts).map(lambda v: {"crowdsource": {"is_not": v}}),
        st.sampled_from(SINGLE_OUTPUTS["granularity"]).map(lambda v: {"granularity": v}),
        st.sampled_from(CROWDS).map(lambda c: {"crowd_types": {"contains": c}}),
        st.sampled_from(RISKS).map(lambda r: {"risks": {"contains": r}}),
        st.booleans().map(lambda known: {"conditions": {"known": known}}),
    )


def _conditions(leaves: st.SearchStrategy[dict[str, Any]]) -> st.SearchStrategy[dict[str, Any]]:
    return st.recursive(
        leaves,
        lambda inner: st.one_of(
            st.lists(inner, min_size=1, max_size=3).map(lambda xs: {"all": xs}),
            st.lists(inner, min_size=1, max_size=3).map(lambda xs: {"any": xs}),
            inner.map(lambda x: {"not": x}),
        ),
        max_leaves=4,
    )


conditions = _conditions(_fact_test())
#: Conditions that may also read outputs (``crowdsource: {is_not: 'no'}``...).
conditions_reading_outputs = _conditions(st.one_of(_fact_test(), _output_test()))

conclusions = st.one_of(
    st.sampled_from(sorted(SINGLE_OUTPUTS)).flatmap(
        lambda o: st.sampled_from(SINGLE_OUTPUTS[o]).map(lambda v: {"set": {o: v}})
    ),
    st.lists(st.sampled_from(CROWDS), min_size=1, max_size=2, unique=True).map(lambda cs: {"add": {"crowd_types": cs}}),
    st.sampled_from(CROWDS).map(lambda c: {"remove": {"crowd_types": c}}),
    st.sampled_from(DERIVED).map(lambda d: {"derive": {d: True}}),
    st.tuples(st.sampled_from(RISKS), st.sampled_from(SEVERITIES)).map(
        lambda rs: {"risk": {"id": rs[0], "severity": rs[1], "mitigations": [f"mitigate {rs[0]}"]}}
    ),
    st.sampled_from(["an NDA", "a review"]).map(lambda t: {"condition": t}),
    st.sampled_from(["step one", "step two"]).map(lambda t: {"plan": t}),
)


def _one_value_per_output(then: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """A rule may set each output once (setting one to two values is a load error)."""
    kept, settled = [], set()
    for conclusion in then:
        outputs = set(conclusion.get("set", {}))
        if outputs & settled:
            continue
        settled |= outputs
        kept.append(conclusion)
    return kept


@st.composite
def rule_dicts(
    draw: st.DrawFn, min_rules: int = 1, max_rules: int = 8, *, read_outputs: bool = False
) -> list[dict[str, Any]]:
    """A list of rule mappings with unique ids; every derived fact a condition tests is derived.
    With ``read_outputs``, conditions may also test outputs (some such rule sets wait for
    themselves, a load error)."""
    count = draw(st.integers(min_rules, max_rules))
    rules = []
    for n in range(count):
        rule: dict[str, Any] = {
            "id": f"r{n:02d}",
            "description": f"random rule {n}",
            "salience": draw(st.integers(-3, 3)),
            "then": _one_value_per_output(draw(st.lists(conclusions, min_size=1, max_size=3))),
            "source": {"citation": "generated", "status": "I"},
        }
        if draw(st.booleans()):
            rule["when"] = draw(conditions_reading_outputs if read_outputs else conditions)
        rules.append(rule)
    text = json.dumps(rules)
    derived_somewhere = {d for d in DERIVED if f'"derive": {{"{d}"' in text}
    for d in DERIVED:
        if f'"{d}"' in text and d not in derived_somewhere:
            rules.append(
                {
                    "id": f"seed-{d}",
                    "description": f"derives {d}",
                    "when": draw(_fact_test().filter(lambda t: not any(k in DERIVED for k in t))),
                    "then": [{"derive": {d: True}}],
                    "source": {"citation": "generated", "status": "I"},
                }
            )
    return rules


# -- hostile input: random structures, wrong types, odd text ----------------------------------------

ODD_TEXT = st.one_of(
    st.text(max_size=20),
    st.text(st.characters(codec="utf-8", exclude_categories=()), max_size=20),  # controls, NUL, RTL marks
    st.sampled_from(
        [
            "",
            "\0",
            "NaN",
            ".nan",
            "~",
            "null",
            "yes",
            "no",
            "0x1F",
            "1e400",
            "2001-12-14",
            "__import__('os').system('touch /tmp/crowdsourcing-rules-pwned')",
            "{{ 7*7 }}",
            "$and",
            "!!python/object/apply:os.system",
            "x" * 5_000,
        ]
    ),
)
SCALARS = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.integers(min_value=2**70, max_value=2**80),
    st.floats(allow_nan=True, allow_infinity=True),
    ODD_TEXT,
)


def structures(keys: st.SearchStrategy[Any] | None = None) -> st.SearchStrategy[Any]:
    """Random JSON-like data: scalars of every type, lists and mappings, nested."""
    keys = keys if keys is not None else ODD_TEXT
    return st.recursive(
        SCALARS,
        lambda inner: st.one_of(st.lists(inner, max_size=4), st.dictionaries(keys, inner, max_size=4)),
        max_leaves=12,
    )


def _paths(value: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    out = [prefix]
    if isinstance(value, dict):
        for key, item in value.items():
            out.extend(_paths(item, (*prefix, key)))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            out.extend(_paths(item, (*prefix, index)))
    return out


def _replace(value: Any, path: tuple[Any, ...], new: Any) -> Any:
    if not path:
        return new
    head, rest = path[0], path[1:]
    if isinstance(value, dict):
        return {k: (_replace(v, rest, new) if k == head else v) for k, v in value.items()}
    return [(_replace(v, rest, new) if i == head else v) for i, v in enumerate(value)]


@st.composite
def mutated(draw: st.DrawFn, valid: st.SearchStrategy[Any], times: int = 3) -> Any:
    """A valid structure with a few of its parts (values, lists, whole rules) replaced by random data."""
    value = draw(valid)
    for _ in range(draw(st.integers(1, times))):
        path = draw(st.sampled_from(_paths(value)))
        value = _replace(value, path, draw(structures()))
    return value


def rule_files() -> st.SearchStrategy[Any]:
    """Rule-file contents (as data), mostly valid with a few parts broken."""
    return mutated(rule_dicts(max_rules=4).map(lambda rules: {"rules": rules}))


def task_data() -> st.SearchStrategy[Any]:
    """Task contents (as data), mostly valid with a few parts broken."""
    return mutated(tasks())
