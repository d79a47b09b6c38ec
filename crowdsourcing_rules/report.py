"""Recommendations as text a person reads, and as JSON."""

from __future__ import annotations

import json
import textwrap

from crowdsourcing_rules.recommendation import Recommendation

__all__ = ["to_json", "to_text"]

_VERDICT = {
    "yes": "YES: crowdsource it",
    "no": "NO: keep it in-house (or with a designated supplier)",
    "with_conditions": "YES, WITH CONDITIONS",
    None: "UNDECIDED: no rule concluded a verdict",
}


def to_json(rec: Recommendation) -> str:
    """The JSON form of ``VOCABULARY.md``, indented."""
    return json.dumps(rec.to_dict(), indent=2, ensure_ascii=False)


def _wrap(text: str, indent: str) -> str:
    return textwrap.fill(text, width=100, initial_indent=indent, subsequent_indent=indent + "  ")


def to_text(rec: Recommendation, *, trace: bool = True) -> str:
    """A readable report: the verdict and the card's four questions first, then risks, plan, why."""
    lines = [f"Task {rec.task_id}", f"  Crowdsource: {_VERDICT[rec.crowdsource]}"]
    for condition in rec.conditions:
        lines.append(_wrap(f"- {condition}", "      "))
    none = "-"
    lines += [
        f"  Crowd:        {', '.join(rec.crowd_types) or none}",
        f"  Granularity:  {rec.granularity or none}",
        f"  Service:      {', '.join(rec.service_types) or none}",
        f"  Manage crowd directly: {rec.manage_crowd_directly or none}",
        f"  Crowd model:  {rec.crowd_model or none}    Preselection: {rec.preselection or none}",
    ]
    if rec.howe_function:
        lines.append(f"  Crowd function: {rec.howe_function}")
    if rec.objectives:
        lines.append(f"  Objectives:   {', '.join(rec.objectives)}")
    if rec.risks:
        lines.append("  Risks:")
        for risk in rec.risks:
            lines.append(f"    {risk.id} ({risk.severity})  [rules: {', '.join(risk.rules)}]")
            for mitigation in risk.mitigations:
                lines.append(_wrap(f"- {mitigation}", "      "))
    if rec.plan:
        lines.append("  Plan:")
        for number, step in enumerate(rec.plan, 1):
            lines.append(_wrap(f"{number}. {step}", "    "))
    if rec.questions:
        lines.append(f"  Would change the verdict if known: {', '.join(rec.questions)}")
    if trace and rec.trace:
        lines.append("  Why (rules fired, in order):")
        for firing in rec.trace:
            lines.append(f"    {firing.rule_id}  [{firing.source}]  {firing.location or ''}")
            for override in firing.overridden:
                lines.append(
                    f"      overridden: {override.output} = {override.value} by {override.by} ({override.reason})"
                )
    lines.append(f"  Engine: {rec.engine}")
    return "\n".join(lines)
