"""A recommendation as text a person reads.

It works from the JSON form (:meth:`Recommendation.to_dict`), the library's stable contract, so
it shows nothing that the JSON does not carry, and a recommendation read back from JSON prints the
same. ``Recommendation.to_text()`` is the usual way in.

>>> print(recommendation_text({"task_id": "t1", "crowdsource": "yes", "crowd_types": ["general_public"]}))
Task t1
  Crowdsource: YES: crowdsource it
  Crowd:        general_public
  Granularity:  -
  Service:      -
  Manage crowd directly: -
  Crowd model:  -    Preselection: -
  Engine: durable-rules
"""

from __future__ import annotations

import textwrap
from collections.abc import Mapping
from typing import Any

from crowdsourcing_rules.errors import printable

__all__ = ["EXAMPLES_WORDS", "PROVISIONAL_WORDS", "VERDICT_WORDS", "recommendation_text", "source_text"]

#: The verdict in words, as the text and the HTML views show it.
VERDICT_WORDS: Mapping[str | None, str] = {
    "yes": "YES: crowdsource it",
    "no": "NO: keep it in-house (or with a designated supplier)",
    "with_conditions": "YES, WITH CONDITIONS",
    None: "UNDECIDED: no rule concluded a verdict",
}
#: What the text and HTML views say of a provisional recommendation.
PROVISIONAL_WORDS = (
    "Provisional: some facts are unknown that could change this verdict; answer the questions below and decide again."
)
#: How the text and HTML views introduce the platform examples.
EXAMPLES_WORDS = "Examples to check, not endorsements"


def _wrap(text: str, indent: str) -> str:
    return textwrap.fill(text, width=100, initial_indent=indent, subsequent_indent=indent + "  ")


def source_text(source: Mapping[str, Any]) -> str:
    """A rule's source (its JSON form) as ``citation [status]``."""
    return f"{source['citation']} [{source['status']}]"


def recommendation_text(rec: Mapping[str, Any], *, trace: bool = True) -> str:
    """A readable report of a recommendation's JSON form: the verdict and the card's four
    questions first, then risks, plan, and with ``trace`` the rules that fired."""
    none = "-"

    def listed(name: str) -> str:
        return ", ".join(rec.get(name) or ()) or none

    lines = [f"Task {rec['task_id']}", f"  Crowdsource: {VERDICT_WORDS[rec.get('crowdsource')]}"]
    if rec.get("provisional"):
        lines.append(_wrap(PROVISIONAL_WORDS, "  "))
    for condition in rec.get("conditions") or ():
        lines.append(_wrap(f"- {condition}", "      "))
    lines += [
        f"  Crowd:        {listed('crowd_types')}",
        f"  Granularity:  {rec.get('granularity') or none}",
        f"  Service:      {listed('service_types')}",
    ]
    for service, note in (rec.get("service_notes") or {}).items():
        lines.append(_wrap(f"- {service}: {note}", "      "))
    if rec.get("platform_examples"):
        names = ", ".join(f"{e['name']} ({e['url']})" for e in rec["platform_examples"])
        lines.append(_wrap(f"{EXAMPLES_WORDS}: {names}", "      "))
    lines += [
        f"  Manage crowd directly: {rec.get('manage_crowd_directly') or none}",
        f"  Crowd model:  {rec.get('crowd_model') or none}    Preselection: {rec.get('preselection') or none}",
    ]
    if rec.get("howe_function"):
        lines.append(f"  Crowd function: {rec['howe_function']}")
    if rec.get("objectives"):
        lines.append(f"  Objectives:   {listed('objectives')}")
    if rec.get("risks"):
        lines.append("  Risks:")
        for risk in rec["risks"]:
            lines.append(f"    {risk['id']} ({risk['severity']})  [rules: {', '.join(risk['rules'])}]")
            for mitigation in risk["mitigations"]:
                lines.append(_wrap(f"- {mitigation}", "      "))
    if rec.get("plan"):
        lines.append("  Plan:")
        for number, step in enumerate(rec["plan"], 1):
            lines.append(_wrap(f"{number}. {step}", "    "))
    if rec.get("questions"):
        lines.append(f"  Would change the verdict if known: {listed('questions')}")
    if trace and rec.get("trace"):
        lines.append("  Why (rules fired, in order):")
        for firing in rec["trace"]:
            lines.append(f"    {firing['rule']}  [{source_text(firing['source'])}]  {firing.get('location') or ''}")
            for override in firing.get("overridden") or ():
                lines.append(
                    f"      overridden: {override['output']} = {override['value']} by {override['by']} "
                    f"({override['reason']})"
                )
    lines.append(f"  Engine: {rec.get('engine', 'durable-rules')}")
    return printable("\n".join(lines))  # a task's id or a rule's text may hold escape sequences
