"""HTML for notebooks: recommendations and explanations as cards, tables and collapsible trees.

Jupyter calls ``_repr_html_`` on the value of a cell; :class:`~crowdsourcing_rules.Recommendation`
and the values of :mod:`crowdsourcing_rules.explain` delegate to the functions here. Every piece of
text that comes from a task or a rule file is escaped.

>>> import crowdsourcing_rules as cr
>>> rec = cr.Recommendation(task_id="<t1>", crowdsource="yes", crowd_types=("general_public",))
>>> "&lt;t1&gt;" in recommendation_html(rec) and "<t1>" not in recommendation_html(rec)
True
"""

from __future__ import annotations

from collections.abc import Iterable
from html import escape
from typing import TYPE_CHECKING

from crowdsourcing_rules.report import _VERDICT

if TYPE_CHECKING:
    from crowdsourcing_rules.explain import Check, Explanation, RuleNode, Sensitivity, WhatIf, WhyNot
    from crowdsourcing_rules.recommendation import Recommendation

__all__ = [
    "explanation_html",
    "recommendation_html",
    "sensitivity_html",
    "what_if_html",
    "why_not_html",
]

_COLOUR = {"yes": "#1a7f37", "with_conditions": "#9a6700", "no": "#cf222e"}
_SEVERITY = {"high": "#cf222e", "medium": "#9a6700", "low": "#57606a"}
_CELL = 'style="text-align:left;vertical-align:top;padding:2px 8px"'
_YES, _NO = "&#10003;", "&#10007;"  # check mark, ballot x


def _e(value: object) -> str:
    return escape(str(value), quote=True)


def _join(values: Iterable[str]) -> str:
    shown = ", ".join(_e(v) for v in values)
    return shown or "&ndash;"


def _table(header: Iterable[str], rows: Iterable[Iterable[str]]) -> str:
    """A table; cells are HTML already escaped by the caller."""
    head = "".join(f"<th {_CELL}>{h}</th>" for h in header)
    body = "".join("<tr>" + "".join(f"<td {_CELL}>{cell}</td>" for cell in row) + "</tr>" for row in rows)
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def _badge(verdict: str | None) -> str:
    text, colour = _VERDICT.get(verdict, str(verdict)), _COLOUR.get(str(verdict), "#57606a")
    return f'<span style="color:white;background:{colour};padding:1px 6px;border-radius:4px">{_e(text)}</span>'


def recommendation_html(rec: Recommendation) -> str:
    """A recommendation at a glance: verdict, crowd, granularity and service, then risks with their
    mitigations, the action plan and the rules that fired (the last two collapsed)."""
    parts = [f'<div class="crowdsourcing-rules recommendation"><p><strong>Task {_e(rec.task_id)}</strong> ']
    parts.append(_badge(rec.crowdsource) + "</p>")
    if rec.conditions:
        parts.append("<p>Conditions:</p><ul>" + "".join(f"<li>{_e(c)}</li>" for c in rec.conditions) + "</ul>")
    glance = [
        ("Crowd", _join(rec.crowd_types)),
        ("Granularity", _join([rec.granularity] if rec.granularity else [])),
        ("Service", _join(rec.service_types)),
        ("Manage the crowd directly", _join([rec.manage_crowd_directly] if rec.manage_crowd_directly else [])),
        ("Crowd model", _join([rec.crowd_model] if rec.crowd_model else [])),
        ("Preselection", _join([rec.preselection] if rec.preselection else [])),
    ]
    if rec.howe_function:
        glance.append(("Crowd function", _e(rec.howe_function)))
    if rec.objectives:
        glance.append(("Objectives", _join(rec.objectives)))
    parts.append(
        "<table><tbody>"
        + "".join(f"<tr><th {_CELL}>{name}</th><td {_CELL}>{value}</td></tr>" for name, value in glance)
        + "</tbody></table>"
    )
    if rec.risks:
        rows = [
            (
                _e(risk.id),
                f'<span style="color:{_SEVERITY.get(risk.severity, "#57606a")}">{_e(risk.severity)}</span>',
                "<ul>" + "".join(f"<li>{_e(m)}</li>" for m in risk.mitigations) + "</ul>",
                "<br>".join(f"<code>{_e(r)}</code>" for r in risk.rules),
            )
            for risk in rec.risks
        ]
        parts.append(f"<p>Risks ({len(rec.risks)}):</p>" + _table(("Risk", "Severity", "Mitigations", "Rules"), rows))
    if rec.plan:
        steps = "".join(f"<li>{_e(step)}</li>" for step in rec.plan)
        parts.append(f"<details><summary>Action plan ({len(rec.plan)} steps)</summary><ol>{steps}</ol></details>")
    if rec.questions:
        parts.append(f"<p>Would change the verdict if known: {_join(rec.questions)}</p>")
    if rec.trace:
        fired = "".join(
            f"<li><code>{_e(f.rule_id)}</code>: {_e(f.description)} <em>[{_e(f.source)}]</em>"
            + "".join(
                f"<br>overridden: {_e(o.output)} = {_e(o.value)} by <code>{_e(o.by)}</code> ({_e(o.reason)})"
                for o in f.overridden
            )
            + "</li>"
            for f in rec.trace
        )
        parts.append(f"<details><summary>Rules fired ({len(rec.trace)})</summary><ol>{fired}</ol></details>")
    parts.append(f'<p style="color:#57606a">engine: {_e(rec.engine)}</p></div>')
    return "".join(parts)


# -- explanations ------------------------------------------------------------------------------


def _rule_summary(node: RuleNode) -> str:
    where = f" <small>{_e(node.rule.location)}</small>" if node.rule.location else ""
    return f"<code>{_e(node.id)}</code> (salience {node.rule.salience}): {_e(node.rule.description)}{where}"


def _source(node: RuleNode) -> str:
    source = node.rule.source
    citation = _e(source.citation)
    if source.url:
        citation = f'<a href="{_e(source.url)}">{citation}</a>'
    note = f"; {_e(source.note)}" if source.note else ""
    return f"<p>Source: {citation} [{_e(source.status_label)}]{note}</p>"


def _rule_tree(node: RuleNode, seen: set[str]) -> str:
    if node.id in seen:
        return f"<li>rule {_rule_summary(node)} <em>(derivation shown above)</em></li>"
    seen.add(node.id)
    body = _source(node)
    if node.check is None:
        body += "<p>Condition: always</p>"
    else:
        body += "<ul>" + _check_tree(node.check, seen) + "</ul>"
    for override in node.overridden:
        body += f"<p>Overridden: {_e(override.output)} = {_e(override.value)} by <code>{_e(override.by)}</code> "
        body += f"({_e(override.reason)})</p>"
    return f"<li><details><summary>rule {_rule_summary(node)}</summary>{body}</details></li>"


def _mark(holds: bool) -> str:
    colour = "#1a7f37" if holds else "#cf222e"
    return f'<span style="color:{colour}">{_YES if holds else _NO}</span>'


def _check_tree(check: Check, seen: set[str]) -> str:
    if check.kind != "test":
        items = "".join(_check_tree(item, seen) for item in check.items)
        return f"<li>{_mark(check.holds)} {_e(check.describe())}<ul>{items}</ul></li>"
    producers = "".join(_rule_tree(node, seen) for node in check.because)
    could = "".join(f"<li>could be derived by {_rule_summary(node)}</li>" for node in check.could)
    nested = f"<ul>{producers}{could}</ul>" if producers or could else ""
    return f"<li>{_mark(check.holds)} {_e(check.describe())}{nested}</li>"


def why_not_html(why_not: WhyNot) -> str:
    """A why-not answer: the rules that could have concluded the value, and what stopped each."""
    from crowdsourcing_rules.explain import show_value

    title = f"Why not {_e(why_not.output)} = {_e(why_not.value)}?"
    if why_not.reached:
        return f"<div><p><strong>{title}</strong> It is reached: {_e(show_value(why_not.current))}.</p></div>"
    parts = [f"<div><p><strong>{title}</strong> {_e(why_not.output)} is {_e(show_value(why_not.current))}"]
    winners = [node for derivation in why_not.actual for node in derivation.rules]
    if winners:
        parts.append(", because of " + ", ".join(f"<code>{_e(n.id)}</code>" for n in winners))
    parts.append(".</p>")
    if not why_not.candidates:
        parts.append("<p>No rule concludes this value.</p>")
    rows = []
    for node in why_not.candidates:
        if node.fired:
            lost = [o for o in node.overridden if o.output == why_not.output and o.value == why_not.value]
            what = "".join(
                f"fired, overridden by <code>{_e(o.by)}</code>: {_e(o.reason)}<br>" for o in lost or node.overridden
            )
            what = what or "fired"
        elif node.check is None:
            what = "did not fire"
        else:
            what = "<ul>" + "".join(_blocker(check, expected) for check, expected in node.check.blockers()) + "</ul>"
        rows.append((_rule_summary(node), what))
    if rows:
        parts.append(_table(("Rule that could conclude it", "What stopped it"), rows))
    return "".join(parts) + "</div>"


def _blocker(check: Check, expected: bool) -> str:
    prefix = "" if expected else "holds, but must not: "
    could = ""
    for node in check.could:
        failed = node.check.blockers() if node.check else ()
        stopped = "".join(_blocker(c, e) for c, e in failed)
        could += f"<li>could be derived by {_rule_summary(node)}, which did not fire: <ul>{stopped}</ul></li>"
    return f"<li>{prefix}{_e(check.describe())}{f'<ul>{could}</ul>' if could else ''}</li>"


def sensitivity_html(sensitivity: Sensitivity, *, only_changes: bool = True) -> str:
    """The sensitivity table: for each fact and value, the outputs it changes."""
    rows = [
        (
            _e(fact),
            f"{_e(old)} &rarr; {_e(new)}",
            "<br>".join(f"{_e(k)}: {_e(sensitivity.describe(k, v))}" for k, v in changed.items()) or "&ndash;",
        )
        for fact, old, new, changed in sensitivity.rows
        if changed or not only_changes
    ]
    return _table(("Fact", "Change", "Outputs that change"), rows)


def what_if_html(what_if: WhatIf) -> str:
    """The smallest changes that change the chosen output, then the sensitivity table (collapsed)."""
    from crowdsourcing_rules.explain import show_value

    goal = f"{_e(what_if.output)} = {_e(what_if.target)}" if what_if.target else f"a different {_e(what_if.output)}"
    parts = [f"<div><p><strong>What if</strong>: changes that give {goal} (now {_e(show_value(what_if.current))}).</p>"]
    if what_if.scenarios:
        rows = [
            (" and ".join(_e(c) for c in s.changes), _e(show_value(s.outcome)), _badge(s.recommendation.crowdsource))
            for s in what_if.scenarios
        ]
        parts.append(_table(("Change", _e(what_if.output), "Verdict"), rows))
    else:
        parts.append(f"<p>No change of one or two facts does it ({what_if.tried} variants tried).</p>")
    parts.append("<details><summary>Sensitivity: which value of which fact changes which output</summary>")
    parts.append(sensitivity_html(what_if.sensitivity) + "</details></div>")
    return "".join(parts)


def explanation_html(explanation: Explanation) -> str:
    """The recommendation, then each conclusion's derivation as a collapsible tree, the why-not
    answers and the what-if."""
    parts = [recommendation_html(explanation.recommendation)]
    parts.append("<details><summary><strong>Why</strong>: the derivation of each conclusion</summary><ul>")
    for derivation in explanation.derivations:
        seen: set[str] = set()
        rules = "".join(_rule_tree(node, seen) for node in derivation.rules)
        parts.append(
            f"<li><details><summary>{_e(derivation.output)} = {_e(derivation.value)}</summary>"
            f"<ul>{rules}</ul></details></li>"
        )
    parts.append("</ul></details>")
    parts.extend(why_not_html(w) for w in explanation.why_not)
    if explanation.what_if is not None:
        parts.append(what_if_html(explanation.what_if))
    return '<div class="crowdsourcing-rules explanation">' + "".join(parts) + "</div>"
