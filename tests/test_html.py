"""HTML rendering for notebooks (crowdsourcing_rules.html): content at a glance, escaped text."""

from __future__ import annotations

import textwrap
from html.parser import HTMLParser
from pathlib import Path

import pytest

import crowdsourcing_rules as cr
from crowdsourcing_rules.explanations.explainer import Explainer
from crowdsourcing_rules.model.html import recommendation_html

HOSTILE = "<script>alert('x')</script>"

RULES = f"""
rules:
  - id: a.default
    description: "Crowdsource it {HOSTILE}"
    salience: -100
    then:
      - set: {{crowdsource: 'yes', granularity: macro_task}}
      - add: {{crowd_types: skilled_freelancers, service_types: self_service_marketplace}}
      - risk: {{id: quality, severity: high, mitigations: ["review & <test>"]}}
      - plan: "Register on several platforms"
    source: {{citation: "the card <b>", status: B, url: 'https://example.org/?a=1&b="2"'}}
  - id: b.contest
    description: A prize calls for a contest.
    when:
      remuneration: prize
    then:
      - set: {{granularity: contest}}
    source: {{citation: Boudreau and Lakhani 2013, status: U}}
"""


class _Checker(HTMLParser):
    """Collects tags, and fails on tags that must never come from data."""

    def __init__(self) -> None:
        super().__init__()
        self.tags: list[str] = []
        self.text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        assert tag not in ("script", "b", "test"), tag
        self.tags.append(tag)

    def handle_data(self, data: str) -> None:
        self.text.append(data)


def parse(html: str) -> _Checker:
    checker = _Checker()
    checker.feed(html)
    checker.close()
    return checker


@pytest.fixture(scope="module")
def explainer(tmp_path_factory: pytest.TempPathFactory) -> Explainer:
    path: Path = tmp_path_factory.mktemp("rules") / "rules.yaml"
    path.write_text(textwrap.dedent(RULES), encoding="utf-8")
    return Explainer(cr.Advisor.from_paths([path], engine="reference"))


def test_recommendation_at_a_glance(explainer: Explainer) -> None:
    rec = explainer.advisor.decide({"id": "<t&1>"})
    html = rec._repr_html_()
    checker = parse(html)
    text = "".join(checker.text)
    assert "Task <t&1>" in text  # shown as written, because it was escaped
    assert "yes: crowdsource it" in text
    for value in ("skilled freelancers", "in larger tasks", "a self-service marketplace", "review & <test>"):
        assert value in text
    assert "table" in checker.tags and "details" in checker.tags
    assert html == recommendation_html(rec.to_dict())


def test_explanation_tree_is_collapsible_and_escaped(explainer: Explainer) -> None:
    explanation = explainer.explain({"id": "t"}, why_not=["granularity=contest"], what_if=True, output="granularity")
    html = explanation._repr_html_()
    checker = parse(html)
    text = "".join(checker.text)
    assert checker.tags.count("details") >= 3
    assert HOSTILE in text and "the card <b>" in text
    assert 'href="https://example.org/?a=1&amp;b=&quot;2&quot;"' in html
    assert "Why not granularity = contest?" in text
    assert "remuneration is prize (remuneration = unknown)" in text
    assert "remuneration = prize instead of unknown" in text


def test_parts_render_alone(explainer: Explainer) -> None:
    why_not = explainer.why_not({"id": "t"}, "granularity", "macro_task")
    assert "It is reached" in why_not._repr_html_()
    what_if = explainer.what_if({"id": "t"}, output="granularity")
    assert "<table>" in what_if._repr_html_()
    assert "remuneration" in what_if.sensitivity._repr_html_()


def test_undecided_recommendation() -> None:
    text = "".join(parse(cr.Recommendation(task_id="t", crowdsource=None)._repr_html_()).text)
    assert "undecided: no rule concluded a verdict" in text


def test_provisional_service_notes_and_examples_are_shown_escaped() -> None:
    """The version-3 outputs: the provisional sentence, each service type with why it fits, and the
    main service's examples as links, all escaped."""
    rec = cr.Recommendation(
        task_id="t",
        crowdsource="yes",
        service_types=("contest_platform", "self_service_marketplace"),
        provisional=True,
        service_notes={"contest_platform": f"many entries {HOSTILE}", "self_service_marketplace": "one hire"},
        platform_examples=(
            {
                "name": "Kaggle <b>",
                "service_type": "contest_platform",
                "url": "https://k.example/?a=1&b=2",
                "note": "n",
            },
        ),
    )
    checker = parse(rec._repr_html_())
    text = "".join(checker.text)
    assert "Provisional: some facts are unknown" in text
    assert f"a contest platform: many entries {HOSTILE}" in text  # the service in words, with its note
    assert "Examples to check, not endorsements: Kaggle <b>" in text
    assert "a" in checker.tags and "li" in checker.tags
    plain = rec.to_text(detail=True)
    assert "(provisional)" in plain.splitlines()[0] and "- a self-service marketplace: one hire" in plain
    assert "Where: a contest platform (for example Kaggle <b>); otherwise a self-service marketplace." in plain
