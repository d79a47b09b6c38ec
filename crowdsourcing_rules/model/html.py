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

from crowdsourcing_rules.model.language import Language, language
from crowdsourcing_rules.model.text import source_text

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


def verdict_badge(verdict: str | None, lang: str | Language | None = "en") -> str:
    """The verdict in words, on its colour."""
    t = language(lang)
    words = t.value("crowdsource", verdict) if verdict else t.ui("undecided: no rule concluded a verdict")
    colour = _COLOUR.get(str(verdict), MUTED)
    return f'<span style="color:white;background:{colour};padding:1px 6px;border-radius:4px">{escape(words)}</span>'


def recommendation_html(rec: Mapping[str, Any], lang: str | Language | None = "en") -> str:
    """A recommendation's JSON form at a glance, in words of the language: verdict, crowd,
    granularity and service, then risks with their mitigations, the action plan and the rules that
    fired (the last two collapsed)."""
    t = language(lang)

    def single(name: str) -> str:
        return join([t.value(name, rec[name])] if rec.get(name) else [])

    def label(name: str) -> str:
        return escape(t.output(name).capitalize())

    heading = escape(t.ui("Task {task}").format(task=rec["task_id"]))
    parts = [f'<div class="crowdsourcing-rules recommendation" lang="{t.code}"><p><strong>{heading}</strong> ']
    parts.append(verdict_badge(rec.get("crowdsource"), t) + "</p>")
    if rec.get("provisional"):
        words = t.ui("Provisional: some facts are unknown that could change this verdict.")
        parts.append(f"<p><em>{escape(words)}</em></p>")
    conditions = rec.get("conditions") or ()
    if conditions:
        parts.append(
            f"<p>{label('conditions')}:</p><ul>"
            + "".join(f"<li>{escape(t.rule(c))}</li>" for c in conditions)
            + "</ul>"
        )
    glance = [
        (label("crowd_types"), join(t.values("crowd_types", rec.get("crowd_types") or ()))),
        (label("granularity"), single("granularity")),
        (label("service_types"), _services(rec, t)),
        (label("manage_crowd_directly"), single("manage_crowd_directly")),
        (label("crowd_model"), single("crowd_model")),
        (label("preselection"), single("preselection")),
    ]
    if rec.get("howe_function"):
        glance.append((label("howe_function"), single("howe_function")))
    if rec.get("objectives"):
        glance.append((label("objectives"), join(t.values("objectives", rec["objectives"]))))
    parts.append(
        "<table><tbody>"
        + "".join(f"<tr><th {CELL}>{name}</th><td {CELL}>{value}</td></tr>" for name, value in glance)
        + "</tbody></table>"
    )
    risks = rec.get("risks") or ()
    if risks:
        rows = [
            (
                escape(t.risk(risk["id"])),
                f'<span style="color:{SEVERITY_COLOURS.get(risk["severity"], MUTED)}">'
                f"{escape(t.severity(risk['severity']))}</span>",
                "<ul>" + "".join(f"<li>{escape(t.rule(m))}</li>" for m in risk["mitigations"]) + "</ul>",
                "<br>".join(f"<code>{escape(r)}</code>" for r in risk["rules"]),
            )
            for risk in risks
        ]
        header = (t.ui("Risk"), t.ui("Severity"), t.ui("Mitigations"), t.ui("Rules"))
        parts.append(f"<p>{label('risks')} ({len(risks)}):</p>" + table(map(escape, header), rows))
    plan = rec.get("plan") or ()
    if plan:
        steps = "".join(f"<li>{escape(t.rule(step))}</li>" for step in plan)
        parts.append(f"<details><summary>{label('plan')} ({len(plan)})</summary><ol>{steps}</ol></details>")
    if rec.get("questions"):
        asked = "".join(f"<li>{escape(t.question(q))} <code>{escape(q)}</code></li>" for q in rec["questions"])
        parts.append(f"<p>{escape(t.ui('Questions whose answer could change the verdict'))}:</p><ul>{asked}</ul>")
    trace = rec.get("trace") or ()
    if trace:
        fired = "".join(
            f"<li><code>{escape(f['rule'])}</code>: {escape(t.rule(f['description']))} "
            f"<em>[{escape(source_text(f['source']))}]</em>"
            + "".join(
                f"<br>overridden: {escape(o['output'])} = {escape(o['value'])} by <code>{escape(o['by'])}</code> "
                f"({escape(o['reason'])})"
                for o in f.get("overridden") or ()
            )
            + "</li>"
            for f in trace
        )
        summary = escape(t.ui("Rules fired, in order"))
        parts.append(f"<details><summary>{summary} ({len(trace)})</summary><ol>{fired}</ol></details>")
    engine = escape(t.ui("Engine: {engine}").format(engine=rec.get("engine", "durable-rules")))
    parts.append(f'<p style="color:{MUTED}">{engine}</p></div>')
    return "".join(parts)


def _services(rec: Mapping[str, Any], t: Language) -> str:
    """The service types, each with the reason it fits, and the main one's platform examples."""
    services, notes = rec.get("service_types") or (), rec.get("service_notes") or {}
    if not notes:
        shown = join(t.values("service_types", services))
    else:
        shown = "<ul>" + "".join(
            f"<li><strong>{escape(t.value('service_types', s))}</strong>"
            + (f": {escape(t.rule(notes[s]))}" if s in notes else "")
            + "</li>"
            for s in services
        )
        shown += "</ul>"
    examples = rec.get("platform_examples") or ()
    if examples:
        links = ", ".join(f'<a href="{escape(e["url"])}">{escape(e["name"])}</a>' for e in examples)
        words = escape(t.ui("Examples to check, not endorsements: {names}").format(names="\x00"))
        shown += f'<span style="color:{MUTED}">{words.replace(chr(0), links)}</span>'
    return shown
