"""The findings of ``crowdsourcing-rules check``: each with a stable code, a severity, a location
(``path:line:col``) and the ids of the rules involved, and the report that holds them.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from typing import Any

import attrs

from crowdsourcing_rules.errors import Location, printable, printable_json

__all__ = [
    "CODES",
    "DEFAULT_MAX_COMBINATIONS",
    "DEFAULT_SAMPLES",
    "SEVERITY_ORDER",
    "CheckReport",
    "Finding",
    "GapSearch",
    "finding",
    "first_location",
    "plural",
    "show_task",
]

SEVERITY_ORDER = ("error", "warning", "info")

CODES: Mapping[str, tuple[str, str]] = {
    "CR001": ("error", "the rule files do not load"),
    "CR101": ("warning", "cycle among rules through derived facts"),
    "CR102": ("error", "cycle through an output or an absent derived fact"),
    "CR201": ("error", "never fires: contradictory tests of an input fact"),
    "CR202": ("error", "never fires: contradictory tests of a derived fact, an output or a list"),
    "CR203": ("error", "never fires: needs a value that no rule that can fire concludes"),
    "CR204": ("warning", "an alternative of the condition can never hold"),
    "CR205": ("error", "never fires in an exhaustive search of the inputs"),
    "CR301": ("warning", "derived fact that no rule reads"),
    "CR401": ("warning", "duplicate rule"),
    "CR402": ("warning", "shadowed rule"),
    "CR501": ("warning", "conflicting values at equal salience"),
    "CR502": ("info", "possible conflict, no example found"),
    "CR600": ("info", "gap search"),
    "CR601": ("warning", "gap: no verdict"),
    "CR602": ("warning", "gap: no granularity"),
    "CR603": ("warning", "gap: no crowd type"),
}


@attrs.frozen
class Finding:
    """One finding of :func:`check`: a code, a severity, a message, where, and which rules."""

    code: str
    message: str
    location: Location | None = None
    rule_ids: tuple[str, ...] = ()
    details: Mapping[str, Any] = attrs.field(factory=dict, eq=False, hash=False)

    @property
    def severity(self) -> str:
        return CODES[self.code][0]

    def __str__(self) -> str:
        where = f"{self.location}: " if self.location else ""
        text = f"{where}{self.code} {self.severity}: {self.message}"
        if self.rule_ids:
            label = "rule" if len(self.rule_ids) == 1 else "rules"
            text += f" ({label} " + ", ".join(f"'{r}'" for r in self.rule_ids) + ")"
        return text

    def to_dict(self) -> dict[str, Any]:
        where = self.location
        return {
            "code": self.code,
            "severity": self.severity,
            "message": self.message,
            "location": {"path": where.path, "line": where.line, "column": where.column} if where else None,
            "rules": list(self.rule_ids),
            "details": dict(self.details),
        }


#: The gap search is exhaustive up to this many input combinations...
DEFAULT_MAX_COMBINATIONS = 20_000
#: ...and otherwise evaluates this many, sampled.
DEFAULT_SAMPLES = 5_000


@attrs.frozen
class GapSearch:
    """How the input space was searched: ``exhaustive``, ``sampled`` or ``skipped``."""

    method: str
    facts: tuple[str, ...] = ()
    combinations: int = 0
    evaluated: int = 0
    reason: str = ""

    def describe(self) -> str:
        if self.method == "skipped":
            return f"gap search skipped: {self.reason}"
        facts = f"{plural(len(self.facts), 'fact')} the rules read"
        if self.method == "exhaustive":
            return (
                f"gap search: exhaustive, all {plural(self.combinations, 'combination')} of the values of the "
                f"{facts} (values that no rule tells apart count as one)"
            )
        return (
            f"gap search: sampled {self.evaluated} of {self.combinations} combinations of the values of the "
            f"{facts}; gaps may remain elsewhere"
        )

    def to_dict(self) -> dict[str, Any]:
        return {
            "method": self.method,
            "facts": list(self.facts),
            "combinations": self.combinations,
            "evaluated": self.evaluated,
            "reason": self.reason,
        }


@attrs.frozen
class CheckReport:
    """The findings of :func:`check`, sorted by location and code."""

    findings: tuple[Finding, ...]
    rules: int = 0
    search: GapSearch | None = None

    def count(self, severity: str) -> int:
        return sum(1 for f in self.findings if f.severity == severity)

    @property
    def errors(self) -> tuple[Finding, ...]:
        return tuple(f for f in self.findings if f.severity == "error")

    @property
    def warnings(self) -> tuple[Finding, ...]:
        return tuple(f for f in self.findings if f.severity == "warning")

    def failed(self, *, strict: bool = False) -> bool:
        """True when there is an error, or with ``strict`` a warning."""
        return bool(self.errors or (strict and self.warnings))

    def codes(self) -> tuple[str, ...]:
        return tuple(f.code for f in self.findings)

    def ignoring(self, codes: Iterable[str]) -> CheckReport:
        """The report without the findings of these codes."""
        dropped = set(codes)
        return attrs.evolve(self, findings=tuple(f for f in self.findings if f.code not in dropped))

    def to_text(self) -> str:
        lines = [str(f) for f in self.findings]
        errors, warnings, notes = (self.count(s) for s in SEVERITY_ORDER)
        lines.append(
            f"{plural(errors, 'error')}, {plural(warnings, 'warning')}, {plural(notes, 'note')} "
            f"in {plural(self.rules, 'rule')}"
        )
        return printable("\n".join(lines))

    def to_dict(self) -> dict[str, Any]:
        return {
            "rules": self.rules,
            "summary": {"errors": self.count("error"), "warnings": self.count("warning"), "notes": self.count("info")},
            "gap_search": self.search.to_dict() if self.search else None,
            "findings": [f.to_dict() for f in self.findings],
        }

    def to_json(self) -> str:
        return printable_json(json.dumps(self.to_dict(), indent=2, ensure_ascii=False))


def plural(n: int, word: str) -> str:
    return f"{n} {word}{'' if n == 1 else 's'}"


def _sort_key(finding: Finding) -> tuple[bool, str, int, int, str, tuple[str, ...]]:
    where = finding.location or Location("")
    return (finding.location is None, where.path, where.line, where.column, finding.code, finding.rule_ids)


def first_location(locations: Iterable[Location | None]) -> Location | None:
    known = [loc for loc in locations if loc is not None]
    return min(known) if known else None


def show_task(task: Mapping[str, Any]) -> str:
    if not task:
        return "{} (every fact unknown)"
    return json.dumps(dict(task), ensure_ascii=False)


def finding(code: str, message: str, location: Location | None, rule_ids: Iterable[str], **details: Any) -> Finding:
    """A finding, with its rule ids as a tuple and its details."""
    return Finding(code, message, location, tuple(rule_ids), details)


def sort_findings(findings: Iterable[Finding]) -> tuple[Finding, ...]:
    """By location (findings with none last), then code."""
    return tuple(sorted(findings, key=_sort_key))
