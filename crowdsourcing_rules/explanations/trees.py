"""Derivation trees: a rule's condition checked against one task, and the rules behind each value it
read, as values, and as text, Markdown and HTML.

:mod:`crowdsourcing_rules.explanations.answers` builds the answers (why, why not, what if) from these
trees; :class:`~crowdsourcing_rules.explanations.Explainer` computes them.

>>> show_value(("quality", "availability")), show_value(()), show_value(None)
('quality, availability', 'absent', 'not concluded')
"""

from __future__ import annotations

import os
import urllib.parse
from collections.abc import Callable, Iterator
from typing import Any

import attrs

from crowdsourcing_rules.model.html import escape
from crowdsourcing_rules.model.language import Language, language
from crowdsourcing_rules.model.recommendation import Override
from crowdsourcing_rules.model.rules import Rule, Test

__all__ = [
    "Check",
    "Derivation",
    "Line",
    "OutputValue",
    "RuleNode",
    "blocker_html",
    "blocker_lines",
    "check_tree",
    "node_lines",
    "rule_summary",
    "rule_title",
    "rule_tree",
    "short_location",
    "shorten",
    "show_value",
]

OutputValue = str | tuple[str, ...] | None
#: Writes one line of a text or Markdown rendering at a depth.
Line = Callable[[int, str], None]
_YES, _NO = "&#10003;", "&#10007;"  # check mark, ballot x


# -- values ----------------------------------------------------------------------------------


@attrs.frozen
class Check:
    """A rule's condition, as the author wrote it, checked against one task.

    ``kind`` is ``test``, ``all``, ``any`` or ``not``. A ``test`` check carries the :class:`Test`,
    the kind of fact it reads (``space``: ``input``, ``derived`` or ``output``) and the value the
    rules saw (``actual``: a string, or a tuple for list facts, derived facts and outputs, empty
    when absent). ``because`` lists the fired rules that produced a derived fact or output value
    the test read; ``could`` the rules that could have produced a value a failed test needed.
    """

    kind: str
    holds: bool
    items: tuple[Check, ...] = ()
    test: Test | None = None
    space: str | None = None
    actual: str | tuple[str, ...] | None = None
    because: tuple[RuleNode, ...] = ()
    could: tuple[RuleNode, ...] = ()

    def describe(self) -> str:
        """The test with the value seen: ``urgency at_least medium (urgency = low)``."""
        if self.kind != "test":
            return {"all": "all of", "any": "any of", "not": "not"}[self.kind]
        assert self.test is not None
        return f"{self.test.describe()} ({self.test.fact} = {show_value(self.actual)})"

    def blockers(self) -> tuple[tuple[Check, bool], ...]:
        """The tests that make this condition fail, each with whether it should have held.

        A test inside a ``not`` blocks by holding: ``(check, False)``.
        """
        return tuple(self._blockers(expected=True))

    def _blockers(self, expected: bool) -> Iterator[tuple[Check, bool]]:
        if self.holds == expected:
            return
        if self.kind == "test":
            yield self, expected
        elif self.kind == "not":
            yield from self.items[0]._blockers(not expected)
        else:
            for item in self.items:
                yield from item._blockers(expected)

    def to_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = {"kind": self.kind, "holds": self.holds}
        if self.kind == "test":
            assert self.test is not None
            data.update(
                fact=self.test.fact,
                op=self.test.op,
                value=list(self.test.value) if isinstance(self.test.value, tuple) else self.test.value,
                test=self.test.describe(),
                space=self.space,
                actual=list(self.actual) if isinstance(self.actual, tuple) else self.actual,
            )
            if self.because:
                data["because"] = [n.to_dict() for n in self.because]
            if self.could:
                data["could"] = [n.to_dict() for n in self.could]
        else:
            data["items"] = [item.to_dict() for item in self.items]
        return data


@attrs.frozen
class RuleNode:
    """A rule in an explanation: whether it fired, its condition checked, what it lost."""

    rule: Rule
    fired: bool
    check: Check | None
    stratum: int = 0
    overridden: tuple[Override, ...] = ()

    @property
    def id(self) -> str:
        return self.rule.id

    def to_dict(self) -> dict[str, Any]:
        return {
            "rule": self.rule.id,
            "description": self.rule.description,
            "salience": self.rule.salience,
            "stratum": self.stratum,
            "fired": self.fired,
            "source": self.rule.source.to_dict(),
            "location": str(self.rule.location) if self.rule.location else None,
            "condition": self.check.to_dict() if self.check else None,
            "overridden": [o.to_dict() for o in self.overridden],
        }


@attrs.frozen
class Derivation:
    """Why an output has a value: the fired rules that concluded it, each with its derivation."""

    output: str
    value: str
    rules: tuple[RuleNode, ...]

    def to_dict(self) -> dict[str, Any]:
        return {"output": self.output, "value": self.value, "rules": [r.to_dict() for r in self.rules]}


# -- wording -------------------------------------------------------------------------------


def show_value(value: OutputValue) -> str:
    """A value for display: tuples joined by commas, empty ones as ``absent``."""
    if isinstance(value, tuple):
        return ", ".join(value) if value else "absent"
    return "not concluded" if value is None else str(value)


def shorten(text: str, limit: int = 60) -> str:
    return text if len(text) <= limit else text[: limit - 3] + "..."


# -- text and Markdown -----------------------------------------------------------------------


def short_location(location: object) -> str:
    """A rule's location as ``path:line``: relative to the working directory when the file is
    under it, else its directory and name (``_default_rules/q1_whether.yaml:194``)."""
    text = str(location)
    parts = text.rsplit(":", 2)
    path, line = (parts[0], parts[1]) if len(parts) == 3 else (text, "")
    try:
        relative = os.path.relpath(path)
    except ValueError:
        relative = path
    if relative.startswith(".."):
        relative = os.path.join(os.path.basename(os.path.dirname(path)), os.path.basename(path))
    return relative.replace(os.sep, "/") + (f":{line}" if line else "")


def rule_title(node: RuleNode, t: Language | None = None) -> str:
    where = f" {short_location(node.rule.location)}" if node.rule.location else ""
    words = language(t).ui("salience")
    return f"{node.id} ({words} {node.rule.salience}){where}"


def node_lines(
    node: RuleNode, depth: int, line: Line, seen: dict[str, str], t: Language | None = None, where: str = ""
) -> None:
    """A fired rule and its derivation; a rule whose derivation was shown already (``seen`` maps
    each rule shown to the conclusion it was shown under) is referred to instead."""
    t = language(t)
    description = t.rule(node.rule.description).strip()
    line(depth, t.ui("rule {title}: {description}").format(title=rule_title(node, t), description=description))
    if node.id in seen:
        line(depth + 1, t.ui("(derivation shown above, under {where})").format(where=seen[node.id]))
        return
    seen[node.id] = where or node.id
    source = node.rule.source
    line(depth + 1, t.ui("source: {source}").format(source=f"{source}" + (f" {source.url}" if source.url else "")))
    if node.check is None:
        line(depth + 1, t.ui("condition: always"))
        return
    check_lines(node.check, depth + 1, line, seen, t, where)


def check_lines(
    check: Check, depth: int, line: Line, seen: dict[str, str], t: Language | None = None, where: str = ""
) -> None:
    t = language(t)
    mark = t.ui("yes") if check.holds else t.ui("NO")
    if check.kind != "test":
        line(depth, f"[{mark}] {check.describe()}:")
        for item in check.items:
            check_lines(item, depth + 1, line, seen, t, where)
        return
    line(depth, f"[{mark}] {check.describe()}")
    for producer in check.because:
        node_lines(producer, depth + 1, line, seen, t, where)


def blocker_lines(check: Check, depth: int, line: Line, seen: set[str], t: Language | None = None) -> None:
    t = language(t)
    for blocker, expected in check.blockers():
        prefix = "" if expected else t.ui("holds, but must not:") + " "
        line(depth, prefix + blocker.describe())
        for candidate in blocker.could:
            if candidate.id in seen:
                continue
            seen.add(candidate.id)
            line(
                depth + 1,
                t.ui("could be derived by {title}, which did not fire; failed:").format(title=rule_title(candidate, t)),
            )
            if candidate.check is not None:
                blocker_lines(candidate.check, depth + 2, line, seen, t)


# -- HTML ------------------------------------------------------------------------------------


def rule_summary(node: RuleNode) -> str:
    where = f" <small>{escape(node.rule.location)}</small>" if node.rule.location else ""
    return f"<code>{escape(node.id)}</code> (salience {node.rule.salience}): {escape(node.rule.description)}{where}"


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


def _source(node: RuleNode) -> str:
    source = node.rule.source
    citation = escape(source.citation)
    if source.url and is_web_link(source.url):
        citation = f'<a href="{escape(source.url)}">{citation}</a>'
    elif source.url:  # javascript:, data:, file: and the like are shown, never linked
        citation += f" <code>{escape(source.url)}</code>"
    note = f"; {escape(source.note)}" if source.note else ""
    return f"<p>Source: {citation} [{escape(source.status_label)}]{note}</p>"


def rule_tree(node: RuleNode, seen: set[str]) -> str:
    if node.id in seen:
        return f"<li>rule {rule_summary(node)} <em>(derivation shown above)</em></li>"
    seen.add(node.id)
    body = _source(node)
    if node.check is None:
        body += "<p>Condition: always</p>"
    else:
        body += "<ul>" + check_tree(node.check, seen) + "</ul>"
    for override in node.overridden:
        body += f"<p>Overridden: {escape(override.output)} = {escape(override.value)} "
        body += f"by <code>{escape(override.by)}</code> ({escape(override.reason)})</p>"
    return f"<li><details><summary>rule {rule_summary(node)}</summary>{body}</details></li>"


def _mark(holds: bool) -> str:
    colour = "#1a7f37" if holds else "#cf222e"
    return f'<span style="color:{colour}">{_YES if holds else _NO}</span>'


def check_tree(check: Check, seen: set[str]) -> str:
    if check.kind != "test":
        items = "".join(check_tree(item, seen) for item in check.items)
        return f"<li>{_mark(check.holds)} {escape(check.describe())}<ul>{items}</ul></li>"
    producers = "".join(rule_tree(node, seen) for node in check.because)
    could = "".join(f"<li>could be derived by {rule_summary(node)}</li>" for node in check.could)
    nested = f"<ul>{producers}{could}</ul>" if producers or could else ""
    return f"<li>{_mark(check.holds)} {escape(check.describe())}{nested}</li>"


def blocker_html(check: Check, expected: bool) -> str:
    prefix = "" if expected else "holds, but must not: "
    could = ""
    for node in check.could:
        failed = node.check.blockers() if node.check else ()
        stopped = "".join(blocker_html(c, e) for c, e in failed)
        could += f"<li>could be derived by {rule_summary(node)}, which did not fire: <ul>{stopped}</ul></li>"
    return f"<li>{prefix}{escape(check.describe())}{f'<ul>{could}</ul>' if could else ''}</li>"
