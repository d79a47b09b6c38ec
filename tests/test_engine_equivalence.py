"""The durable-rules engine and the reference engine give the same recommendation for every task.

The reference engine evaluates compiled conditions directly and is the oracle. These tests guard
the durable-rules translation, which must work around durable-rules' matching: one fact binds to
at most one pattern of a rule, so tests on the same item name (``known`` and ``is_not``, two
``contains``) are rewritten before they reach durable-rules.
"""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest
from hypothesis import given, settings, strategies as st

import crowdsourcing_rules as cr
from crowdsourcing_rules.model.vocabulary import default_vocabulary

SKILLS = ("statistics", "French law", "python", "design")


def _tasks() -> st.SearchStrategy[dict[str, object]]:
    fields: dict[str, st.SearchStrategy[object]] = {"id": st.just("t")}
    for spec in default_vocabulary().facts:
        if spec.kind in ("enum", "bool"):
            fields[spec.name] = st.sampled_from(spec.values)
        elif spec.kind == "list":
            fields[spec.name] = st.lists(st.sampled_from(spec.values or SKILLS), max_size=3, unique=True)
    return st.fixed_dictionaries(fields)


def _same(durable: cr.Advisor, reference: cr.Advisor, task: dict[str, object]) -> None:
    left, right = durable.decide(task).to_dict(), reference.decide(task).to_dict()
    assert (left.pop("engine"), right.pop("engine")) == ("durable-rules", "reference")
    assert left == right


@pytest.fixture(scope="module")
def default_pair() -> tuple[cr.Advisor, cr.Advisor]:
    return cr.Advisor.default(engine="durable-rules"), cr.Advisor.default(engine="reference")


Pair = tuple[cr.Advisor, cr.Advisor]


@settings(max_examples=300)
@given(task=_tasks())
def test_default_rules_same_on_both_engines(default_pair: Pair, task: dict[str, object]) -> None:
    _same(*default_pair, task)


# Rules whose conditions test one item name several times: each would have gone wrong in
# durable-rules without the rewrite (a positive and a negated test on the same item, two positive
# tests that one item satisfies, overlapping sets), plus chaining through a derived list.
TRICKY = """
rules:
  - id: base
    description: a verdict and some crowd types
    then:
      - set: {crowdsource: 'yes'}
    source: {citation: test, status: I}
  - id: crowds.a
    description: adds crowd types
    when: {skills_needed: {contains: python}}
    then:
      - add: {crowd_types: [general_public, niche_experts]}
      - derive: {flavour: sweet}
    source: {citation: test, status: I}
  - id: crowds.b
    description: adds a crowd type
    when: {skills_needed: {contains: design}}
    then:
      - add: {crowd_types: skilled_freelancers}
      - derive: {flavour: sour}
    source: {citation: test, status: I}
  - id: veto
    description: says no
    when: {skills_needed: {contains: French law}}
    then:
      - set: {crowdsource: 'no'}
    source: {citation: test, status: I}
  - id: known-and-not-no
    description: a verdict is known and it is not no
    when:
      all:
        - crowdsource: {known: true}
        - crowdsource: {is_not: 'no'}
    then:
      - plan: known and not no
    source: {citation: test, status: I}
  - id: known-and-contains
    description: some crowd, and niche experts among them
    when:
      all:
        - crowd_types: {known: true}
        - crowd_types: {contains: niche_experts}
    then:
      - plan: known and contains
    source: {citation: test, status: I}
  - id: overlapping-sets
    description: two overlapping sets that one item may satisfy
    when:
      all:
        - crowd_types: {in: [general_public, niche_experts]}
        - crowd_types: {in: [niche_experts, skilled_freelancers]}
    then:
      - plan: overlapping sets
    source: {citation: test, status: I}
  - id: two-items
    description: two different items of the same list
    when:
      all:
        - skills_needed: {contains: python}
        - skills_needed: {contains: design}
    then:
      - plan: two items
    source: {citation: test, status: I}
  - id: contains-but-not
    description: a list has some item but not that one
    when:
      all:
        - skills_needed: {known: true}
        - not: {skills_needed: {contains: statistics}}
    then:
      - plan: contains but not
    source: {citation: test, status: I}
  - id: derived-both
    description: a derived fact with two values at once
    when:
      all:
        - flavour: sweet
        - flavour: {known: true}
        - not: {flavour: sour}
    then:
      - plan: derived both
    source: {citation: test, status: I}
"""


@pytest.fixture(scope="module")
def tricky_pair(tmp_path_factory: pytest.TempPathFactory) -> tuple[cr.Advisor, cr.Advisor]:
    path = tmp_path_factory.mktemp("rules") / "tricky.yaml"
    path.write_text(textwrap.dedent(TRICKY), encoding="utf-8")
    return cr.Advisor.from_paths([path], engine="durable-rules"), cr.Advisor.from_paths([path], engine="reference")


@pytest.mark.parametrize(
    ("skills", "plan"),
    [
        (
            ["python"],
            ["derived both", "known and contains", "known and not no", "overlapping sets", "contains but not"],
        ),
        (["design", "python"], None),
        (["statistics", "python"], None),
        (["French law"], None),
        ([], None),
    ],
)
def test_tests_on_the_same_item_name(tricky_pair: Pair, skills: list[str], plan: list[str] | None) -> None:
    task = {"id": "t", "skills_needed": skills}
    _same(*tricky_pair, task)
    if plan is not None:
        # With python alone: one crowd type item (niche_experts) satisfies both overlapping sets and
        # both the 'known' and 'contains' tests; the verdict item is 'yes', known and not 'no'.
        assert sorted(tricky_pair[0].decide(task).plan) == sorted(plan)


@settings(max_examples=200)
@given(skills=st.lists(st.sampled_from(SKILLS), max_size=4, unique=True))
def test_tricky_rules_same_on_both_engines(tricky_pair: tuple[cr.Advisor, cr.Advisor], skills: list[str]) -> None:
    _same(*tricky_pair, {"id": "t", "skills_needed": skills})


NEGATED = """
rules:
  - id: no-statistics
    description: the task needs no statistics
    when: {not: {skills_needed: {contains: statistics}}}
    then:
      - plan: no statistics
    source: {citation: test, status: I}
  - id: statistics-or-cheap
    description: statistics, or no budget
    when:
      any:
        - skills_needed: {contains: statistics}
        - budget: none
    then:
      - plan: statistics or cheap
    source: {citation: test, status: I}
  - id: not-statistics-or-rich
    description: no statistics, or a high budget
    when:
      any:
        - not: {skills_needed: {contains: statistics}}
        - budget: high
    then:
      - plan: not statistics or rich
    source: {citation: test, status: I}
"""


@pytest.mark.parametrize("engine", ["durable-rules", "reference"])
def test_a_negated_list_test_sees_every_item(tmp_path: Path, engine: str) -> None:
    """A task whose list contains the value: the negated test does not hold. Both engines once
    fired it, because the task fact went in before the list items; and durable-rules' ``any``
    with a negated branch once kept another rule from seeing the item."""
    path = tmp_path / "negated.yaml"
    path.write_text(textwrap.dedent(NEGATED), encoding="utf-8")
    with cr.Advisor.from_paths([path], engine=engine) as advisor:
        assert advisor.decide({"id": "t", "skills_needed": ["statistics"]}).fired == ("statistics-or-cheap",)
        assert set(advisor.decide({"id": "t", "skills_needed": ["python"]}).fired) == {
            "no-statistics",
            "not-statistics-or-rich",
        }
