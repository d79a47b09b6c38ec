"""A recommendation as text a person reads, in English or French: the short answer first, then
with ``detail`` every output, and with ``trace`` the rules that fired; as plain text or Markdown.

It works from the JSON form (:meth:`Recommendation.to_dict`), the library's stable contract, so
it shows nothing that the JSON does not carry, and a recommendation read back from JSON prints the
same. ``Recommendation.to_text()`` is the usual way in.

The short answer is at most ten lines in plain words: the verdict and its conditions; who (the
crowd) and how (the granularity); where (the main service, with up to three example platforms,
and the alternatives); the top three risks, each with its first mitigation; the next three steps
of the plan; and, when the answer is provisional, the questions to answer.

>>> print(recommendation_text({"task_id": "t1", "crowdsource": "yes", "crowd_types": ["general_public"]}))
Verdict for t1: yes: crowdsource it.
Who: the general public.
>>> print(recommendation_text({"task_id": "t1", "crowdsource": "yes", "crowd_types": ["general_public"]}, lang="fr"))
Verdict pour t1 : oui : crowdsourcez-le.
Qui : le grand public.
"""

from __future__ import annotations

import os
import re
import textwrap
from collections.abc import Mapping, Sequence
from typing import Any

from crowdsourcing_rules.errors import printable
from crowdsourcing_rules.model.language import Language, language

__all__ = [
    "SHORT_LINES",
    "markdown_escape",
    "recommendation_text",
    "relative_locations",
    "short_answer",
    "source_text",
    "task_name",
    "translated",
]

#: The short answer's length at most, in lines.
SHORT_LINES = 10
#: How many risks and plan steps the short answer shows.
SHORT_ITEMS = 3
Lang = str | Language | None


def source_text(source: Mapping[str, Any]) -> str:
    """A rule's source (its JSON form) as ``citation [status]``."""
    return f"{source['citation']} [{source['status']}]"


def markdown_escape(text: str) -> str:
    """Text with the characters Markdown would read as markup escaped."""
    for char in "\\`*[]<|_":
        text = text.replace(char, "\\" + char)
    return text


def task_name(rec: Mapping[str, Any]) -> str:
    """The task as the views name it: its id (the JSON form carries no title)."""
    return str(rec["task_id"])


def _sentence(text: str) -> str:
    text = text.strip()
    return text if text.endswith((".", "!", "?", ")")) else text + "."


def short_answer(rec: Mapping[str, Any], lang: Lang = "en", *, title: str | None = None) -> list[str]:
    """The short answer's lines (at most :data:`SHORT_LINES`), in plain words."""
    t = language(lang)
    name = title or task_name(rec)
    verdict = rec.get("crowdsource")
    words = t.value("crowdsource", verdict) if verdict else t.ui("undecided: no rule concluded a verdict")
    if rec.get("provisional"):
        words += " " + t.ui("(provisional)")
    conditions = [t.rule(c).rstrip(".") for c in rec.get("conditions") or ()]
    if conditions:
        line = t.ui("Verdict for {task}: {verdict}: {conditions}.").format(
            task=name, verdict=words, conditions=t.ui("; ").join(conditions)
        )
    else:
        line = t.ui("Verdict for {task}: {verdict}.").format(task=name, verdict=words)
    lines = [line]
    crowd = t.join(t.values("crowd_types", rec.get("crowd_types") or ()), t.ui("or"))
    granularity = rec.get("granularity")
    how = t.value("granularity", granularity) if granularity and granularity != "not_applicable" else ""
    if crowd and how:
        lines.append(t.ui("Who: {crowd}. How: {how}.").format(crowd=crowd, how=how))
    elif crowd:
        lines.append(t.ui("Who: {crowd}.").format(crowd=crowd))
    services = list(rec.get("service_types") or ())
    if services:
        where = t.value("service_types", services[0])
        examples = [e["name"] for e in rec.get("platform_examples") or ()][:SHORT_ITEMS]
        if examples:
            where += " " + t.ui("(for example {examples})").format(examples=t.join(examples))
        others = t.join(t.values("service_types", services[1:]), t.ui("or"))
        text = t.ui("Where: {main}; otherwise {others}.") if others else t.ui("Where: {main}.")
        lines.append(text.format(main=where, others=others))
    for risk in (rec.get("risks") or ())[:SHORT_ITEMS]:
        label = f"{t.risk(risk['id'])} ({t.severity(risk['severity'])})"
        mitigations = risk.get("mitigations") or ()
        if mitigations:
            lines.append(
                t.ui("Risk: {risk}: {mitigation}").format(risk=label, mitigation=_sentence(t.rule(mitigations[0])))
            )
        else:
            lines.append(t.ui("Risk: {risk}.").format(risk=label))
    for number, step in enumerate((rec.get("plan") or ())[:SHORT_ITEMS], 1):
        lines.append(t.ui("Step {number}: {step}").format(number=number, step=_sentence(t.rule(step))))
    questions = rec.get("questions") or ()
    if questions:
        asked = " ".join(t.question(q) for q in questions[:SHORT_ITEMS])
        if len(questions) > SHORT_ITEMS:
            asked += " " + t.ui("(and {count} more)").format(count=len(questions) - SHORT_ITEMS)
        lines.append(t.ui("To answer: {questions}").format(questions=asked))
    return lines[:SHORT_LINES]


def translated(rec: Mapping[str, Any], lang: Lang) -> dict[str, Any]:
    """A recommendation's JSON form with the texts of its rules in the language (conditions,
    mitigations, plan steps, service notes, the trace's descriptions); codes stay codes.

    >>> translated({"task_id": "t", "crowdsource": "no", "plan": ["Build the controls listed under the quality "
    ...     "risk into the task design, and run a pilot batch to time the tasks and tune the controls before "
    ...     "launching the rest."]}, "fr")["plan"][0][:40]
    'Intégrez à la conception des tâches les '
    """
    t = language(lang)
    data = dict(rec)
    for name in ("conditions", "plan"):
        if name in data:
            data[name] = [t.rule(text) for text in data[name]]
    if "risks" in data:
        data["risks"] = [{**risk, "mitigations": [t.rule(m) for m in risk["mitigations"]]} for risk in data["risks"]]
    if "service_notes" in data:
        data["service_notes"] = {key: t.rule(note) for key, note in data["service_notes"].items()}
    if data.get("trace"):
        data["trace"] = [{**firing, "description": t.rule(firing["description"])} for firing in data["trace"]]
    return data


def relative_locations(locations: Sequence[str | None]) -> list[str]:
    """Rule locations (``path:line:col``) as ``path:line`` relative to the directory they have
    in common (the rule directory, when every rule comes from one).

    >>> relative_locations(["/a/rules/q1.yaml:3:5", "/a/rules/sub/q2.yaml:9:5", None])
    ['q1.yaml:3', 'sub/q2.yaml:9', '']
    """
    parsed = []
    for location in locations:
        path, line = "", ""
        if location:
            parts = location.rsplit(":", 2)
            path, line = (parts[0], parts[1]) if len(parts) == 3 else (location, "")
        parsed.append((path, line))
    paths = [path for path, _line in parsed if path]
    root = os.path.dirname(os.path.commonpath(paths)) if len(set(paths)) == 1 else ""
    if len(set(paths)) > 1:
        try:
            root = os.path.commonpath(paths)
        except ValueError:  # absolute and relative paths mixed
            root = ""
    shown = []
    for path, line in parsed:
        if not path:
            shown.append("")
            continue
        relative = os.path.relpath(path, root) if root else path
        shown.append(relative.replace(os.sep, "/") + (f":{line}" if line else ""))
    return shown


class _Writer:
    """Lines of text or Markdown: headings, items at a depth."""

    def __init__(self, markdown: bool) -> None:
        self.markdown = markdown
        self.lines: list[str] = []

    def heading(self, text: str) -> None:
        if self.markdown:
            self.lines += ["", f"### {markdown_escape(text)}", ""]
        else:
            self.lines += ["", text]

    def item(self, depth: int, text: str, number: int | None = None) -> None:
        if self.markdown:
            mark = f"{number}." if number is not None else "-"
            self.lines.append("   " * depth + f"{mark} {markdown_escape(text)}")
            return
        mark = f"{number}. " if number is not None else ("- " if depth else "")
        indent = "  " * (depth + 1)
        self.lines.append(
            textwrap.fill(mark + text, width=100, initial_indent=indent, subsequent_indent=indent + " " * len(mark))
        )


def recommendation_text(
    rec: Mapping[str, Any],
    *,
    lang: Lang = "en",
    detail: bool = False,
    trace: bool = False,
    markdown: bool = False,
    title: str | None = None,
) -> str:
    """A recommendation's JSON form as text a person reads: the short answer, then with
    ``detail`` every output and with ``trace`` the rules that fired; as Markdown with ``markdown``
    (the same structure, for pasting into a document)."""
    t = language(lang)
    out = _Writer(markdown)
    short = short_answer(rec, t, title=title)
    if markdown:
        out.lines += [f"## {markdown_escape(short[0])}", ""] + [f"- {markdown_escape(line)}" for line in short[1:]]
    else:
        out.lines += short
    if detail:
        _detail(rec, t, out)
    if trace and rec.get("trace"):
        _trace(rec, t, out)
    return printable("\n".join(out.lines).rstrip("\n"))  # a task's id or a rule's text may hold escape sequences


def _detail(rec: Mapping[str, Any], t: Language, out: _Writer) -> None:
    none = "-"

    def field(label: str, value: str) -> None:
        out.item(0, t.ui("{label}: {value}").format(label=label, value=value or none))

    def values(name: str) -> str:
        return ", ".join(t.values(name, rec.get(name) or ()))

    def single(name: str) -> str:
        value = rec.get(name)
        return t.value(name, value) if value else ""

    out.heading(t.ui("Details"))
    verdict = single("crowdsource") or t.ui("undecided: no rule concluded a verdict")
    field(t.output("crowdsource").capitalize(), verdict)
    if rec.get("provisional"):
        out.item(1, t.ui("Provisional: some facts are unknown that could change this verdict."))
    for condition in rec.get("conditions") or ():
        out.item(1, t.rule(condition))
    field(t.output("crowd_types").capitalize(), values("crowd_types"))
    field(t.output("granularity").capitalize(), single("granularity"))
    field(t.output("service_types").capitalize(), values("service_types"))
    notes: Mapping[str, str] = rec.get("service_notes") or {}
    for service in rec.get("service_types") or ():
        if service in notes:
            out.item(
                1,
                t.ui("{label}: {value}").format(label=t.value("service_types", service), value=t.rule(notes[service])),
            )
    if rec.get("platform_examples"):
        names = ", ".join(f"{e['name']} ({e['url']})" for e in rec["platform_examples"])
        out.item(1, t.ui("Examples to check, not endorsements: {names}").format(names=names))
    for name in ("manage_crowd_directly", "crowd_model", "preselection", "howe_function"):
        if rec.get(name) or name != "howe_function":
            field(t.output(name).capitalize(), single(name))
    if rec.get("objectives"):
        field(t.output("objectives").capitalize(), values("objectives"))
    if rec.get("risks"):
        out.heading(t.output("risks").capitalize())
        for risk in rec["risks"]:
            out.item(0, f"{t.risk(risk['id'])} ({t.severity(risk['severity'])})")
            for mitigation in risk["mitigations"]:
                out.item(1, t.rule(mitigation))
    if rec.get("plan"):
        out.heading(t.output("plan").capitalize())
        for number, step in enumerate(rec["plan"], 1):
            out.item(0, t.rule(step), number)
    if rec.get("questions"):
        out.heading(t.ui("Questions whose answer could change the verdict"))
        for fact in rec["questions"]:
            out.item(0, f"{t.question(fact)} ({fact})")
    out.lines += ["", t.ui("Engine: {engine}").format(engine=rec.get("engine", "durable-rules"))]


def _trace(rec: Mapping[str, Any], t: Language, out: _Writer) -> None:
    firings = rec["trace"]
    out.heading(t.ui("Rules fired, in order"))
    places = relative_locations([f.get("location") for f in firings])
    for firing, place in zip(firings, places, strict=True):
        out.item(0, f"{firing['rule']}  [{source_text(firing['source'])}]  {place}".rstrip())
        for override in firing.get("overridden") or ():
            out.item(
                1,
                t.ui("overridden: {output} = {value} by {by} ({reason})").format(
                    output=override["output"],
                    value=override["value"],
                    by=override["by"],
                    reason=_reason(t, override["reason"]),
                ),
            )


def _reason(t: Language, reason: str) -> str:
    """Why a conclusion was overridden (the conflict policy's words), in the language."""
    known = {
        "a more cautious verdict wins": t.ui("a more cautious verdict wins"),
        "a rule of higher salience (or, at equal salience, a smaller id) wins": t.ui(
            "a rule of higher salience (or, at equal salience, a smaller id) wins"
        ),
        "conflict at equal salience: the rule with the smaller id wins": t.ui(
            "conflict at equal salience: the rule with the smaller id wins"
        ),
        "removed by another rule": t.ui("removed by another rule"),
        "conditions apply, so the verdict is with_conditions": t.ui(
            "conditions apply, so the verdict is with_conditions"
        ),
        "the verdict is no": t.ui("the verdict is no"),
    }
    if reason in known:
        return known[reason]
    capped = re.fullmatch(r"at most (\d+) values are kept, best first", reason)
    if capped:
        return t.ui("at most {count} values are kept, best first").format(count=capped.group(1))
    return reason
