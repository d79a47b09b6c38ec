"""The explanations as HTML, for notebooks, in English or French: the recommendation's card, each
conclusion's derivation as a collapsible tree (``<details>``), the why-not candidates and the
what-if as tables.

The words come from the language (``lang``: a code or a
:class:`~crowdsourcing_rules.model.language.Language`), the rules' descriptions from its ``rules``
catalogue; conditions stay as the author wrote them, and codes stay codes, as in the text view.
Every piece of text that comes from a task or a rule file is escaped.
"""

from __future__ import annotations

import urllib.parse
from collections.abc import Mapping, Sequence
from typing import Protocol

from crowdsourcing_rules.explanations.trees import Check, Derivation, OutputValue, RuleNode, show_value
from crowdsourcing_rules.model.html import escape, recommendation_html, table, verdict_badge
from crowdsourcing_rules.model.language import Language, language
from crowdsourcing_rules.model.recommendation import Recommendation
from crowdsourcing_rules.model.text import override_reason

__all__ = [
    "blocker_html",
    "check_tree",
    "explanation_html",
    "is_web_link",
    "rule_summary",
    "rule_tree",
    "sensitivity_html",
    "what_if_html",
    "why_not_html",
]

Lang = str | Language | None
_YES, _NO = "&#10003;", "&#10007;"  # check mark, ballot x


# What this module reads of the answers of crowdsourcing_rules.explanations.answers, which
# renders itself with this module (so this one does not import it: no import cycle).


class _WhyNot(Protocol):
    @property
    def output(self) -> str: ...
    @property
    def value(self) -> str: ...
    @property
    def reached(self) -> bool: ...
    @property
    def current(self) -> OutputValue: ...
    @property
    def candidates(self) -> tuple[RuleNode, ...]: ...
    @property
    def actual(self) -> tuple[Derivation, ...]: ...


class _Sensitivity(Protocol):
    @property
    def rows(self) -> tuple[tuple[str, str, str, Mapping[str, OutputValue]], ...]: ...
    def describe(self, output: str, value: OutputValue) -> str: ...


class _Change(Protocol):
    @property
    def fact(self) -> str: ...
    @property
    def old(self) -> str: ...
    @property
    def new(self) -> str: ...


class _Scenario(Protocol):
    @property
    def changes(self) -> Sequence[_Change]: ...
    @property
    def outcome(self) -> OutputValue: ...
    @property
    def recommendation(self) -> Recommendation: ...


class _WhatIf(Protocol):
    @property
    def output(self) -> str: ...
    @property
    def current(self) -> OutputValue: ...
    @property
    def target(self) -> str | None: ...
    @property
    def scenarios(self) -> Sequence[_Scenario]: ...
    @property
    def sensitivity(self) -> _Sensitivity: ...
    @property
    def tried(self) -> int: ...


class _Explanation(Protocol):
    @property
    def recommendation(self) -> Recommendation: ...
    @property
    def derivations(self) -> tuple[Derivation, ...]: ...
    @property
    def why_not(self) -> Sequence[_WhyNot]: ...
    @property
    def what_if(self) -> _WhatIf | None: ...


def _sentence(text: str) -> str:
    """The words of the text view as a sentence: its first letter a capital."""
    return text[:1].upper() + text[1:]


# -- derivation trees ------------------------------------------------------------------------


def rule_summary(node: RuleNode, lang: Lang = "en") -> str:
    t = language(lang)
    where = f" <small>{escape(node.rule.location)}</small>" if node.rule.location else ""
    description = escape(t.rule(node.rule.description))
    salience = escape(t.ui("salience"))
    return f"<code>{escape(node.id)}</code> ({salience} {node.rule.salience}): {description}{where}"


def is_web_link(url: str) -> bool:
    """Whether a rule's source URL may become a link in HTML: an ``http`` or ``https`` URL with
    a host, nothing else (``javascript:`` would run in the reader's page).

    >>> [is_web_link(u) for u in ("https://doi.org/10.1/x", "JavaScript:alert(1)", " http://x", "http:x")]
    [True, False, False, False]
    """
    try:
        parts = urllib.parse.urlsplit(url)
    except ValueError:
        return False
    return url == url.strip() and parts.scheme.lower() in ("http", "https") and bool(parts.netloc)


def _source(node: RuleNode, t: Language) -> str:
    source = node.rule.source
    citation = escape(source.citation)
    if source.url and is_web_link(source.url):
        citation = f'<a href="{escape(source.url)}">{citation}</a>'
    elif source.url:  # javascript:, data:, file: and the like are shown, never linked
        citation += f" <code>{escape(source.url)}</code>"
    note = f"; {escape(source.note)}" if source.note else ""
    words = escape(_sentence(t.ui("source: {source}"))).format(source=citation)
    return f"<p>{words} [{escape(source.status_label)}]{note}</p>"


def rule_tree(node: RuleNode, seen: set[str], lang: Lang = "en") -> str:
    """A fired rule and its derivation, collapsible; a rule shown already is referred to."""
    t = language(lang)
    rule = escape(t.ui("rule"))
    if node.id in seen:
        shown = escape(t.ui("(derivation shown above)"))
        return f"<li>{rule} {rule_summary(node, t)} <em>{shown}</em></li>"
    seen.add(node.id)
    body = _source(node, t)
    if node.check is None:
        body += "<p>" + escape(_sentence(t.ui("condition: always"))) + "</p>"
    else:
        body += "<ul>" + check_tree(node.check, seen, t) + "</ul>"
    for override in node.overridden:
        words = t.ui("overridden: {output} = {value} by {by} ({reason})")
        body += "<p>" + escape(words).format(
            output=escape(override.output),
            value=escape(override.value),
            by=f"<code>{escape(override.by)}</code>",
            reason=escape(override_reason(t, override.reason)),
        )
        body += "</p>"
    return f"<li><details><summary>{rule} {rule_summary(node, t)}</summary>{body}</details></li>"


def _mark(holds: bool) -> str:
    colour = "#1a7f37" if holds else "#cf222e"
    return f'<span style="color:{colour}">{_YES if holds else _NO}</span>'


def check_tree(check: Check, seen: set[str], lang: Lang = "en") -> str:
    t = language(lang)
    if check.kind != "test":
        items = "".join(check_tree(item, seen, t) for item in check.items)
        return f"<li>{_mark(check.holds)} {escape(check.describe())}<ul>{items}</ul></li>"
    producers = "".join(rule_tree(node, seen, t) for node in check.because)
    could = escape(t.ui("could be derived by {title}"))
    alternatives = "".join(f"<li>{could.format(title=rule_summary(node, t))}</li>" for node in check.could)
    nested = f"<ul>{producers}{alternatives}</ul>" if producers or alternatives else ""
    return f"<li>{_mark(check.holds)} {escape(check.describe())}{nested}</li>"


def blocker_html(check: Check, expected: bool, lang: Lang = "en") -> str:
    t = language(lang)
    prefix = "" if expected else escape(t.ui("holds, but must not:")) + " "
    could = ""
    words = escape(t.ui("could be derived by {title}, which did not fire; failed:"))
    for node in check.could:
        failed = node.check.blockers() if node.check else ()
        stopped = "".join(blocker_html(c, e, t) for c, e in failed)
        could += f"<li>{words.format(title=rule_summary(node, t))} <ul>{stopped}</ul></li>"
    return f"<li>{prefix}{escape(check.describe())}{f'<ul>{could}</ul>' if could else ''}</li>"


# -- the answers -----------------------------------------------------------------------------


def why_not_html(why_not: _WhyNot, lang: Lang = "en") -> str:
    """A why-not answer: the rules that could have concluded the value, and what stopped each."""
    t = language(lang)
    output, value = escape(why_not.output), escape(why_not.value)
    title = escape(t.ui("Why not {output} = {value}?")).format(output=output, value=value)
    current = escape(show_value(why_not.current))
    if why_not.reached:
        reached = escape(_sentence(t.ui("it is reached: {output} = {value}"))).format(output=output, value=current)
        return f'<div lang="{t.code}"><p><strong>{title}</strong> {reached}.</p></div>'
    now = escape(t.ui("{output} is {value}")).format(output=output, value=current)
    parts = [f'<div lang="{t.code}"><p><strong>{title}</strong> {now}']
    winners = [node for derivation in why_not.actual for node in derivation.rules]
    if winners:
        rules = ", ".join(f"<code>{escape(n.id)}</code>" for n in winners)
        parts.append(", " + escape(t.ui("because of {rule}")).format(rule=rules))
    parts.append(".</p>")
    if not why_not.candidates:
        parts.append(
            "<p>"
            + escape(_sentence(t.ui("no rule concludes {output} = {value}"))).format(output=output, value=value)
            + "</p>"
        )
    rows = []
    for node in why_not.candidates:
        if node.fired:
            lost = [o for o in node.overridden if o.output == why_not.output and o.value == why_not.value]
            words = escape(t.ui("fired, but overridden by {by}: {reason}"))
            what = "".join(
                words.format(by=f"<code>{escape(o.by)}</code>", reason=escape(override_reason(t, o.reason))) + "<br>"
                for o in lost or node.overridden
            )
            what = what or escape(t.ui("fired"))
        elif node.check is None:
            what = escape(t.ui("did not fire"))
        else:
            blockers = node.check.blockers()
            what = "<ul>" + "".join(blocker_html(check, expected, t) for check, expected in blockers) + "</ul>"
        rows.append((rule_summary(node, t), what))
    if rows:
        parts.append(table((escape(t.ui("Rule that could conclude it")), escape(t.ui("What stopped it"))), rows))
    return "".join(parts) + "</div>"


def sensitivity_html(sensitivity: _Sensitivity, *, only_changes: bool = True, lang: Lang = "en") -> str:
    """The sensitivity table: for each fact and value, the outputs it changes."""
    t = language(lang)
    rows = [
        (
            escape(fact),
            f"{escape(old)} &rarr; {escape(new)}",
            "<br>".join(f"{escape(k)}: {escape(sensitivity.describe(k, v))}" for k, v in changed.items()) or "&ndash;",
        )
        for fact, old, new, changed in sensitivity.rows
        if changed or not only_changes
    ]
    header = (escape(t.ui("Fact")), escape(t.ui("Change")), escape(t.ui("Outputs that change")))
    return table(header, rows)


def what_if_html(what_if: _WhatIf, lang: Lang = "en") -> str:
    """The smallest changes that change the chosen output, then the sensitivity table (collapsed)."""
    t = language(lang)
    output, now = escape(what_if.output), escape(show_value(what_if.current))
    if what_if.target:
        goal = escape(t.ui("What if ({output} = {target}; now {now})"))
        goal = goal.format(output=output, target=escape(what_if.target), now=now)
    else:
        goal = escape(t.ui("What if (change {output}; now {now})")).format(output=output, now=now)
    parts = [f'<div lang="{t.code}"><p><strong>{goal}</strong></p>']
    if what_if.scenarios:
        instead, both = t.ui("{fact} = {new} instead of {old}"), " " + escape(t.ui("and")) + " "
        rows = [
            (
                both.join(escape(instead.format(fact=c.fact, new=c.new, old=c.old)) for c in s.changes),
                escape(show_value(s.outcome)),
                verdict_badge(s.recommendation.crowdsource, t),
            )
            for s in what_if.scenarios
        ]
        parts.append(table((escape(t.ui("Change")), output, escape(t.ui("Verdict"))), rows))
    else:
        nothing = _sentence(t.ui("no change of one or two facts does it ({tried} variants tried)")).format(
            tried=what_if.tried
        )
        parts.append(f"<p>{escape(nothing)}</p>")
    summary = escape(t.ui("Sensitivity: which value of which fact changes which output"))
    parts.append(f"<details><summary>{summary}</summary>")
    parts.append(sensitivity_html(what_if.sensitivity, lang=t) + "</details></div>")
    return "".join(parts)


def explanation_html(explanation: _Explanation, lang: Lang = "en") -> str:
    """The recommendation, then each conclusion's derivation as a collapsible tree, the why-not
    answers and the what-if."""
    t = language(lang)
    parts = [recommendation_html(explanation.recommendation.to_dict(), t)]
    why = escape(t.ui("Why: the derivation of each conclusion"))
    parts.append(f"<details><summary><strong>{why}</strong></summary><ul>")
    seen: set[str] = set()  # each rule's derivation once, referred to afterwards
    for derivation in explanation.derivations:
        rules = "".join(rule_tree(node, seen, t) for node in derivation.rules)
        parts.append(
            f"<li><details><summary>{escape(derivation.output)} = {escape(derivation.value)}</summary>"
            f"<ul>{rules}</ul></details></li>"
        )
    parts.append("</ul></details>")
    parts.extend(why_not_html(w, t) for w in explanation.why_not)
    if explanation.what_if is not None:
        parts.append(what_if_html(explanation.what_if, t))
    return f'<div class="crowdsourcing-rules explanation" lang="{t.code}">' + "".join(parts) + "</div>"
