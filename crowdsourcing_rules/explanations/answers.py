"""The answers of an explanation: why not, what if, the sensitivity table, and the whole
explanation, as values, and as text, Markdown and HTML.

>>> describe_change(("quality", "availability"), ("quality", "security"))
'+security -availability'
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from typing import Any

import attrs

from crowdsourcing_rules.errors import printable
from crowdsourcing_rules.explanations.frame import records_frame
from crowdsourcing_rules.explanations.trees import (
    Derivation,
    Line,
    OutputValue,
    RuleNode,
    blocker_html,
    blocker_lines,
    node_lines,
    rule_summary,
    rule_title,
    rule_tree,
    shorten,
    show_value,
)
from crowdsourcing_rules.model.html import escape, recommendation_html, table, verdict_badge
from crowdsourcing_rules.model.language import Language, language
from crowdsourcing_rules.model.recommendation import Recommendation
from crowdsourcing_rules.model.task import Task
from crowdsourcing_rules.model.text import markdown_escape, short_answer

__all__ = [
    "Change",
    "Explanation",
    "Scenario",
    "Sensitivity",
    "WhatIf",
    "WhyNot",
    "describe_change",
    "explanation_html",
    "sensitivity_html",
    "what_if_html",
    "why_not_html",
]


# -- values ----------------------------------------------------------------------------------


@attrs.frozen
class WhyNot:
    """Why an output does not have a value.

    ``candidates`` are the rules that could have concluded it: those that fired but whose
    conclusion was overridden (with the :class:`Override`) come first, then those that did not
    fire (their check says which tests failed). ``actual`` explains the value the output has.
    """

    output: str
    value: str
    reached: bool
    current: OutputValue
    candidates: tuple[RuleNode, ...]
    actual: tuple[Derivation, ...] = ()

    def _repr_html_(self) -> str:
        return why_not_html(self)

    def to_dict(self) -> dict[str, Any]:
        return {
            "output": self.output,
            "value": self.value,
            "reached": self.reached,
            "current": list(self.current) if isinstance(self.current, tuple) else self.current,
            "candidates": [c.to_dict() for c in self.candidates],
            "actual": [d.to_dict() for d in self.actual],
        }


@attrs.frozen
class Change:
    """One input fact changed from ``old`` to ``new``."""

    fact: str
    old: str
    new: str

    def __str__(self) -> str:
        return f"{self.fact} = {self.new} instead of {self.old}"


@attrs.frozen
class Scenario:
    """A task changed by some facts, and the value the chosen output then takes."""

    changes: tuple[Change, ...]
    outcome: OutputValue
    recommendation: Recommendation = attrs.field(eq=False, repr=False)

    def to_dict(self) -> dict[str, Any]:
        return {
            "changes": [{"fact": c.fact, "from": c.old, "to": c.new} for c in self.changes],
            "outcome": list(self.outcome) if isinstance(self.outcome, tuple) else self.outcome,
        }


@attrs.frozen
class Sensitivity:
    """For each input fact and each of its other values, the outputs that change.

    ``rows`` are ``(fact, current value, new value, {output: new output value})`` in vocabulary
    order; a row whose mapping is empty changes nothing. A list output changes when its set of
    values does (crowd and service types also when their first, best-fit value does); risks are
    compared with their severity, as ``"quality (high)"``.
    """

    task_id: str
    outputs: tuple[str, ...]
    rows: tuple[tuple[str, str, str, Mapping[str, OutputValue]], ...]
    base: Mapping[str, OutputValue] = attrs.field(factory=dict, eq=False)

    def _repr_html_(self) -> str:
        return sensitivity_html(self)

    def describe(self, output: str, value: OutputValue) -> str:
        """How ``output`` changes to ``value``: ``yes -> no``, or ``+added -removed`` for lists."""
        return describe_change(self.base.get(output), value)

    def changing(self, output: str) -> tuple[tuple[str, str], ...]:
        """The ``(fact, value)`` pairs that change ``output``."""
        return tuple((fact, new) for fact, _old, new, changed in self.rows if output in changed)

    def to_dict(self) -> dict[str, Any]:
        return {
            "task_id": self.task_id,
            "outputs": list(self.outputs),
            "rows": [
                {
                    "fact": fact,
                    "from": old,
                    "to": new,
                    "changes": {k: list(v) if isinstance(v, tuple) else v for k, v in changed.items()},
                }
                for fact, old, new, changed in self.rows
            ],
        }

    def to_frame(self) -> Any:
        """A pandas DataFrame: one row per (fact, value), one boolean column per output."""
        records = [
            {"fact": fact, "from": old, "to": new, **{o: o in changed for o in self.outputs}}
            for fact, old, new, changed in self.rows
        ]
        return records_frame(records, ["fact", "from", "to", *self.outputs])


@attrs.frozen
class WhatIf:
    """The smallest changes to the task that change ``output`` (to ``target`` when given)."""

    output: str
    current: OutputValue
    target: str | None
    scenarios: tuple[Scenario, ...]
    sensitivity: Sensitivity
    tried: int = 0

    def _repr_html_(self) -> str:
        return what_if_html(self)

    @property
    def size(self) -> int:
        """How many facts the smallest scenarios change (0 when none was found)."""
        return len(self.scenarios[0].changes) if self.scenarios else 0

    def to_dict(self) -> dict[str, Any]:
        return {
            "output": self.output,
            "current": list(self.current) if isinstance(self.current, tuple) else self.current,
            "target": self.target,
            "tried": self.tried,
            "scenarios": [s.to_dict() for s in self.scenarios],
            "sensitivity": self.sensitivity.to_dict(),
        }


@attrs.frozen
class Explanation:
    """A recommendation with the derivation of each conclusion, and the why-not and what-if asked."""

    task: Task
    recommendation: Recommendation
    derivations: tuple[Derivation, ...]
    why_not: tuple[WhyNot, ...] = ()
    what_if: WhatIf | None = None

    def why(self, output: str, value: str | None = None) -> Derivation:
        """The derivation of an output (of one of its values, for a list output or a risk)."""
        for derivation in self.derivations:
            if derivation.output == output and (value is None or derivation.value == value):
                return derivation
        raise KeyError(f"{output} = {value}" if value else output)

    def to_dict(self, outputs: Iterable[str] | None = None) -> dict[str, Any]:
        """JSON-ready data; ``outputs`` limits the *why* part to those."""
        shown = None if outputs is None else set(outputs)
        return {
            "task_id": self.task.id,
            "recommendation": self.recommendation.to_dict(),
            "why": [d.to_dict() for d in self.derivations if shown is None or d.output in shown],
            "why_not": [w.to_dict() for w in self.why_not],
            "what_if": self.what_if.to_dict() if self.what_if else None,
        }

    def to_text(
        self,
        outputs: Iterable[str] | None = None,
        *,
        lang: str | Language | None = "en",
        summary: bool | None = None,
        sensitivity: bool = True,
        markdown: bool = False,
    ) -> str:
        """The explanation as indented plain text (or Markdown), answering what was asked: the
        derivations of ``outputs`` (the *why*), the why-not answers and the what-if (with the
        sensitivity table when ``sensitivity``). When nothing was asked, the short answer and every
        derivation (``summary`` forces the short answer on or off). Each rule's derivation is
        shown once."""
        return _render(self, outputs, markdown=markdown, t=language(lang), summary=summary, sensitivity=sensitivity)

    def to_markdown(self, outputs: Iterable[str] | None = None, **options: Any) -> str:
        """The same as :meth:`to_text` (with the same options), as Markdown (nested lists)."""
        return self.to_text(outputs, markdown=True, **options)

    def _repr_html_(self) -> str:
        return explanation_html(self)


def describe_change(old: OutputValue, new: OutputValue) -> str:
    """A change of an output value, in words.

    >>> describe_change("yes", "no")
    'yes -> no'
    >>> describe_change(("quality", "availability"), ("quality", "security"))
    '+security -availability'
    """
    if isinstance(old, tuple) and isinstance(new, tuple):
        parts = [f"+{v}" for v in new if v not in old] + [f"-{v}" for v in old if v not in new]
        return " ".join(parts) if parts else "reordered: " + show_value(new)
    return f"{show_value(old)} -> {show_value(new)}"


# -- text and Markdown -----------------------------------------------------------------------


def _render(
    explanation: Explanation,
    outputs: Iterable[str] | None,
    *,
    markdown: bool,
    t: Language,
    summary: bool | None,
    sensitivity: bool,
) -> str:
    """The explanation's text: the answers to the questions asked (the derivations of ``outputs``,
    the why-not answers, the what-if), or, when none was asked, the short answer and every
    derivation. A rule's derivation is shown once and referred to afterwards."""
    asked = outputs is not None or bool(explanation.why_not) or explanation.what_if is not None
    shown = None if outputs is None else set(outputs)
    out: list[str] = []

    def heading(text: str) -> None:
        out.append(("## " + markdown_escape(text)) if markdown else text)
        if markdown:
            out.append("")

    def line(depth: int, text: str) -> None:
        if markdown:
            out.append("  " * depth + "- " + markdown_escape(text))
        else:
            out.append("  " * (depth + 1) + text)

    if summary if summary is not None else not asked:
        out += [*short_answer(explanation.recommendation.to_dict(), t, title=_title(explanation)), ""]
    if outputs is not None or not asked:
        heading(t.ui("Why (task {task})").format(task=explanation.task.id))
        seen: dict[str, str] = {}
        for derivation in explanation.derivations:
            if shown is not None and derivation.output not in shown:
                continue
            conclusion = f"{derivation.output} = {shorten(derivation.value, 80)}"
            line(0, conclusion)
            for node in derivation.rules:
                node_lines(node, 1, line, seen, t, conclusion)
        out.append("")
    for why_not in explanation.why_not:
        _why_not_lines(why_not, heading, line, t)
        out.append("")
    if explanation.what_if is not None:
        _what_if_lines(explanation.what_if, heading, line, t, sensitivity)
        out.append("")
    return printable("\n".join(out).rstrip() + "\n")


def _title(explanation: Explanation) -> str | None:
    title = explanation.task.get("title")
    return str(title) if title else None


def _why_not_lines(why_not: WhyNot, heading: Callable[[str], None], line: Line, t: Language) -> None:
    heading(t.ui("Why not {output} = {value}?").format(output=why_not.output, value=why_not.value))
    if why_not.reached:
        line(
            0,
            t.ui("it is reached: {output} = {value}").format(output=why_not.output, value=show_value(why_not.current)),
        )
        return
    line(0, t.ui("{output} is {value}").format(output=why_not.output, value=show_value(why_not.current)))
    for derivation in why_not.actual:
        for node in derivation.rules:
            line(1, t.ui("because of {rule}").format(rule=rule_title(node, t)))
    if not why_not.candidates:
        line(0, t.ui("no rule concludes {output} = {value}").format(output=why_not.output, value=why_not.value))
    for node in why_not.candidates:
        _candidate_lines(node, why_not, line, t)


def _candidate_lines(node: RuleNode, why_not: WhyNot, line: Line, t: Language) -> None:
    description = t.rule(node.rule.description).strip()
    line(1, t.ui("rule {title}: {description}").format(title=rule_title(node, t), description=description))
    if node.fired:
        lost = [o for o in node.overridden if o.output == why_not.output and o.value == why_not.value]
        for override in lost or node.overridden:
            line(2, t.ui("fired, but overridden by {by}: {reason}").format(by=override.by, reason=override.reason))
        if not node.overridden:
            line(2, t.ui("fired"))
        return
    if node.check is None:
        line(2, t.ui("did not fire"))
        return
    line(2, t.ui("did not fire; failed:"))
    blocker_lines(node.check, 3, line, set(), t)


def _what_if_lines(what_if: WhatIf, heading: Callable[[str], None], line: Line, t: Language, sensitivity: bool) -> None:
    now = show_value(what_if.current)
    if what_if.target:
        goal = t.ui("What if ({output} = {target}; now {now})").format(
            output=what_if.output, target=what_if.target, now=now
        )
    else:
        goal = t.ui("What if (change {output}; now {now})").format(output=what_if.output, now=now)
    heading(goal)
    if not what_if.scenarios:
        line(0, t.ui("no change of one or two facts does it ({tried} variants tried)").format(tried=what_if.tried))
    for scenario in what_if.scenarios[:10]:
        changes = f" {t.ui('and')} ".join(
            t.ui("{fact} = {new} instead of {old}").format(fact=c.fact, new=c.new, old=c.old) for c in scenario.changes
        )
        line(
            0,
            t.ui("with {changes}: {output} = {value}").format(
                changes=changes, output=what_if.output, value=show_value(scenario.outcome)
            ),
        )
    if len(what_if.scenarios) > 10:
        line(0, t.ui("... and {count} more").format(count=len(what_if.scenarios) - 10))
    if not sensitivity:
        return
    heading(t.ui("Sensitivity (facts whose values change outputs)"))
    for fact, old, new, changed in what_if.sensitivity.rows:
        if changed:
            shown = "; ".join(f"{k}: {what_if.sensitivity.describe(k, v)}" for k, v in changed.items())
            line(0, f"{fact} {old} -> {new}: {shown}")


# -- HTML ------------------------------------------------------------------------------------


def why_not_html(why_not: WhyNot) -> str:
    """A why-not answer: the rules that could have concluded the value, and what stopped each."""
    title = f"Why not {escape(why_not.output)} = {escape(why_not.value)}?"
    if why_not.reached:
        return f"<div><p><strong>{title}</strong> It is reached: {escape(show_value(why_not.current))}.</p></div>"
    parts = [f"<div><p><strong>{title}</strong> {escape(why_not.output)} is {escape(show_value(why_not.current))}"]
    winners = [node for derivation in why_not.actual for node in derivation.rules]
    if winners:
        parts.append(", because of " + ", ".join(f"<code>{escape(n.id)}</code>" for n in winners))
    parts.append(".</p>")
    if not why_not.candidates:
        parts.append("<p>No rule concludes this value.</p>")
    rows = []
    for node in why_not.candidates:
        if node.fired:
            lost = [o for o in node.overridden if o.output == why_not.output and o.value == why_not.value]
            what = "".join(
                f"fired, overridden by <code>{escape(o.by)}</code>: {escape(o.reason)}<br>"
                for o in lost or node.overridden
            )
            what = what or "fired"
        elif node.check is None:
            what = "did not fire"
        else:
            what = (
                "<ul>" + "".join(blocker_html(check, expected) for check, expected in node.check.blockers()) + "</ul>"
            )
        rows.append((rule_summary(node), what))
    if rows:
        parts.append(table(("Rule that could conclude it", "What stopped it"), rows))
    return "".join(parts) + "</div>"


def sensitivity_html(sensitivity: Sensitivity, *, only_changes: bool = True) -> str:
    """The sensitivity table: for each fact and value, the outputs it changes."""
    rows = [
        (
            escape(fact),
            f"{escape(old)} &rarr; {escape(new)}",
            "<br>".join(f"{escape(k)}: {escape(sensitivity.describe(k, v))}" for k, v in changed.items()) or "&ndash;",
        )
        for fact, old, new, changed in sensitivity.rows
        if changed or not only_changes
    ]
    return table(("Fact", "Change", "Outputs that change"), rows)


def what_if_html(what_if: WhatIf) -> str:
    """The smallest changes that change the chosen output, then the sensitivity table (collapsed)."""
    goal = (
        f"{escape(what_if.output)} = {escape(what_if.target)}"
        if what_if.target
        else f"a different {escape(what_if.output)}"
    )
    parts = [
        f"<div><p><strong>What if</strong>: changes that give {goal} (now {escape(show_value(what_if.current))}).</p>"
    ]
    if what_if.scenarios:
        rows = [
            (
                " and ".join(escape(c) for c in s.changes),
                escape(show_value(s.outcome)),
                verdict_badge(s.recommendation.crowdsource),
            )
            for s in what_if.scenarios
        ]
        parts.append(table(("Change", escape(what_if.output), "Verdict"), rows))
    else:
        parts.append(f"<p>No change of one or two facts does it ({what_if.tried} variants tried).</p>")
    parts.append("<details><summary>Sensitivity: which value of which fact changes which output</summary>")
    parts.append(sensitivity_html(what_if.sensitivity) + "</details></div>")
    return "".join(parts)


def explanation_html(explanation: Explanation) -> str:
    """The recommendation, then each conclusion's derivation as a collapsible tree, the why-not
    answers and the what-if."""
    parts = [recommendation_html(explanation.recommendation.to_dict())]
    parts.append("<details><summary><strong>Why</strong>: the derivation of each conclusion</summary><ul>")
    seen: set[str] = set()  # each rule's derivation once, referred to afterwards
    for derivation in explanation.derivations:
        rules = "".join(rule_tree(node, seen) for node in derivation.rules)
        parts.append(
            f"<li><details><summary>{escape(derivation.output)} = {escape(derivation.value)}</summary>"
            f"<ul>{rules}</ul></details></li>"
        )
    parts.append("</ul></details>")
    parts.extend(why_not_html(w) for w in explanation.why_not)
    if explanation.what_if is not None:
        parts.append(what_if_html(explanation.what_if))
    return '<div class="crowdsourcing-rules explanation">' + "".join(parts) + "</div>"
