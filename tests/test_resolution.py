"""Partial resolution gives each output the value the full resolution gives it.

Before a stratum that reads outputs, the agenda resolves only those outputs (and what the policy
needs for them); the search for questions resolves only the verdict. Whatever rules fired, in
whatever order, each output resolved alone must come out as in the full resolution, since a
condition reading it sees those items.
"""

from __future__ import annotations

import json
from typing import Any

from hypothesis import assume, given, settings, strategies as st

import crowdsourcing_rules as cr
from crowdsourcing_rules.engine.resolution import resolve
from crowdsourcing_rules.model.vocabulary import OUTPUTS
from crowdsourcing_rules.rulefiles.loading import parse_rule_documents
from tests.strategies import rule_dicts


@settings(max_examples=100)
@given(rules=rule_dicts(min_rules=2, max_rules=10), data=st.data())
def test_each_output_resolved_alone_as_in_the_full_resolution(rules: list[dict[str, Any]], data: st.DataObject) -> None:
    try:
        ruleset = parse_rule_documents([("r.json", json.dumps({"rules": rules}))])
    except cr.RuleFileError:
        assume(False)
        return
    # any subset of the rules, in any order, as if they had fired so
    fired = data.draw(st.permutations(list(ruleset)).flatmap(lambda rs: st.lists(st.sampled_from(rs), unique=True)))
    full = resolve(fired)
    for output in OUTPUTS:
        assert resolve(fired, only={output.name}).items(output.name) == full.items(output.name), output.name
    alone = resolve(fired, only={"crowdsource"})
    assert alone.single["crowdsource"] == full.single["crowdsource"]
    assert alone.overridden == {}, "a partial resolution records no override"
