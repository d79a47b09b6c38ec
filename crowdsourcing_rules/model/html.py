"""A recommendation as HTML, for notebooks (``Recommendation._repr_html_``), and the pieces of
HTML that the explanations' views share (:mod:`crowdsourcing_rules.explanations.html`).

Like the text view, it works from the JSON form of a recommendation. Every piece of text that
comes from a task or a rule file is escaped.

>>> card = recommendation_html({"task_id": "<t1>", "crowdsource": "yes", "crowd_types": ["general_public"]})
>>> "&lt;t1&gt;" in card and "<t1>" not in card
True
"""

from __future__ import annotations

import html
from collections.abc import Iterable, Mapping
from typing import Any

from crowdsourcing_rules.model.text import EXAMPLES_WORDS, PROVISIONAL_WORDS, VERDICT_WORDS, source_text

__all__ = ["CELL", "MUTED", "SEVERITY_COLOURS", "escape", "join", "recommendation_html", "table", "verdict_badge"]

_COLOUR = {"yes": "#1a7f37", "with_conditions": "#9a6700", "no": "#cf222e"}
#: Colours of risk severities.
SEVERITY_COLOURS = {"high": "#cf222e", "medium": "#9a6700", "low": "#57606a"}
#: The colour of secondary text.
MUTED = "#57606a"
#: The style of a table cell.
CELL = 'style="text-align:left;vertical-align:top;padding:2px 8px"'


def escape(value: object) -> str:
    """Text as HTML, quotes included."""
    return html.escape(str(value), quote=True)


def join(values: Iterable[str]) -> str:
    """Values escaped and joined with commas; a dash when there are none."""
    shown = ", ".join(escape(v) for v in values)
    return shown or "&ndash;"


def table(header: Iterable[str], rows: Iterable[Iterable[str]]) -> str:
    """A table; cells are HTML already escaped by the caller."""
    head = "".join(f"<th {CELL}>{h}</th>" for h in header)
    body = "".join("<tr>" + "".join(f"<td {CELL}>{cell}</td>" for cell in row) + "</tr>" for row in rows)
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def verdict_badge(verdict: str | None) -> str:
    """The verdict in words, on its colour."""
    words, colour = VERDICT_WORDS.get(verdict, str(verdict)), _COLOUR.get(str(verdict), MUTED)
    return f'<span style="color:white;background:{colour};padding:1px 6px;border-radius:4px">{escape(words)}</span>'


def recommendation_html(rec: Mapping[str, Any]) -> str:
    """A recommendation's JSON form at a glance: verdict, crowd, granularity and service, then
    risks with their mitigations, the action plan and the rules that fired (the last two
    collapsed)."""

    def single(name: str) -> str:
        return join([rec[name]] if rec.get(name) else [])

    parts = [f'<div class="crowdsourcing-rules recommendation"><p><strong>Task {escape(rec["task_id"])}</strong> ']
    parts.append(verdict_badge(rec.get("crowdsource")) + "</p>")
    if rec.get("provisional"):
        parts.append(f"<p><em>{escape(PROVISIONAL_WORDS)}</em></p>")
    conditions = rec.get("conditions") or ()
    if conditions:
        parts.append("<p>Conditions:</p><ul>" + "".join(f"<li>{escape(c)}</li>" for c in conditions) + "</ul>")
    glance = [
        ("Crowd", join(rec.get("crowd_types") or ())),
        ("Granularity", single("granularity")),
        ("Service", _services(rec)),
        ("Manage the crowd directly", single("manage_crowd_directly")),
        ("Crowd model", single("crowd_model")),
        ("Preselection", single("preselection")),
    ]
    if rec.get("howe_function"):
        glance.append(("Crowd function", escape(rec["howe_function"])))
    if rec.get("objectives"):
        glance.append(("Objectives", join(rec["objectives"])))
    parts.append(
        "<table><tbody>"
        + "".join(f"<tr><th {CELL}>{name}</th><td {CELL}>{value}</td></tr>" for name, value in glance)
        + "</tbody></table>"
    )
    risks = rec.get("risks") or ()
    if risks:
        rows = [
            (
                escape(risk["id"]),
                f'<span style="color:{SEVERITY_COLOURS.get(risk["severity"], MUTED)}">'
                f"{escape(risk['severity'])}</span>",
                "<ul>" + "".join(f"<li>{escape(m)}</li>" for m in risk["mitigations"]) + "</ul>",
                "<br>".join(f"<code>{escape(r)}</code>" for r in risk["rules"]),
            )
            for risk in risks
        ]
        parts.append(f"<p>Risks ({len(risks)}):</p>" + table(("Risk", "Severity", "Mitigations", "Rules"), rows))
    plan = rec.get("plan") or ()
    if plan:
        steps = "".join(f"<li>{escape(step)}</li>" for step in plan)
        parts.append(f"<details><summary>Action plan ({len(plan)} steps)</summary><ol>{steps}</ol></details>")
    if rec.get("questions"):
        parts.append(f"<p>Would change the verdict if known: {join(rec['questions'])}</p>")
    trace = rec.get("trace") or ()
    if trace:
        fired = "".join(
            f"<li><code>{escape(f['rule'])}</code>: {escape(f['description'])} "
            f"<em>[{escape(source_text(f['source']))}]</em>"
            + "".join(
                f"<br>overridden: {escape(o['output'])} = {escape(o['value'])} by <code>{escape(o['by'])}</code> "
                f"({escape(o['reason'])})"
                for o in f.get("overridden") or ()
            )
            + "</li>"
            for f in trace
        )
        parts.append(f"<details><summary>Rules fired ({len(trace)})</summary><ol>{fired}</ol></details>")
    parts.append(f'<p style="color:{MUTED}">engine: {escape(rec.get("engine", "durable-rules"))}</p></div>')
    return "".join(parts)


def _services(rec: Mapping[str, Any]) -> str:
    """The service types, each with the reason it fits, and the main one's platform examples."""
    services, notes = rec.get("service_types") or (), rec.get("service_notes") or {}
    if not notes:
        shown = join(services)
    else:
        shown = "<ul>" + "".join(
            f"<li><strong>{escape(s)}</strong>" + (f": {escape(notes[s])}" if s in notes else "") + "</li>"
            for s in services
        )
        shown += "</ul>"
    examples = rec.get("platform_examples") or ()
    if examples:
        links = ", ".join(f'<a href="{escape(e["url"])}">{escape(e["name"])}</a>' for e in examples)
        shown += f'<span style="color:{MUTED}">{escape(EXAMPLES_WORDS)}: {links}</span>'
    return shown
