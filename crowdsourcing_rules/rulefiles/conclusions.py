"""The grammar of conclusions: the items of a rule's ``then:``.

Each item is a mapping with one key, its kind: ``set`` (a single output), ``add`` and ``remove``
(list outputs), ``derive`` (a fact other rules read), ``risk``, ``condition`` and ``plan``. An
``add`` of service types may give each with the reason it fits (``{service_types: {managed_service:
"..."}}``): the reasons become the recommendation's ``service_notes``.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

from crowdsourcing_rules.errors import Location, did_you_mean, one_of
from crowdsourcing_rules.model.rules import CONCLUSION_KINDS, Conclusion
from crowdsourcing_rules.model.vocabulary import OUTPUT_NAMES, RESERVED_NAMES, SEVERITIES, Vocabulary
from crowdsourcing_rules.rulefiles import yaml_reader
from crowdsourcing_rules.rulefiles.facts import FACT_NAME
from crowdsourcing_rules.rulefiles.problems import Problems, describe, located, scalar_text

__all__ = ["NOTED_OUTPUT", "PLAN_KEYS", "RISK_KEYS", "ConclusionReader"]

RISK_KEYS = ("id", "severity", "mitigations")
NOTED_OUTPUT = "service_types"  # the list output whose values an 'add' may give with a reason
PLAN_KEYS = ("step", "order")
CheckValue = Callable[[str, object, "tuple[str, ...] | None", Location, "str | None"], "str | None"]


class ConclusionReader:
    """Reads a rule's ``then`` against a vocabulary; ``check_value`` checks a value of an output."""

    def __init__(self, vocabulary: Vocabulary, problems: Problems, check_value: CheckValue) -> None:
        self.vocabulary = vocabulary
        self.problems = problems
        self.check_value = check_value
        self.readers: dict[str, Callable[[object, str, Location, str | None], list[Conclusion]]] = {
            "set": self.conclude_set,
            "add": self.conclude_add,
            "remove": self.conclude_remove,
            "derive": self.conclude_derive,
            "risk": self.conclude_risk,
            "condition": self.conclude_condition,
            "plan": self.conclude_plan,
        }

    def parse_then(
        self, raw: object, display: str, where: Location, rule_id: str | None, present: bool
    ) -> list[Conclusion]:
        if not present:
            self.problems.add("rule needs 'then', a non-empty list of conclusions", where, rule_id)
            return []
        if not isinstance(raw, list) or not raw:
            self.problems.add(f"'then' must be a non-empty list of conclusions, got {describe(raw)}", where, rule_id)
            return []
        out: list[Conclusion] = []
        for index, item in enumerate(raw):
            at = yaml_reader.item_location(raw, index, display)
            if not isinstance(item, Mapping) or len(item) != 1:
                self.problems.add(
                    f"a conclusion is a mapping with one key ({one_of(CONCLUSION_KINDS)}), got {describe(item)}",
                    at,
                    rule_id,
                )
                continue
            ((kind, body),) = item.items()
            body_at = yaml_reader.value_location(item, kind, display)
            if kind not in CONCLUSION_KINDS:
                self.problems.add(
                    f"unknown conclusion {kind!r}{did_you_mean(kind, CONCLUSION_KINDS)}; "
                    f"expected {one_of(CONCLUSION_KINDS)}",
                    yaml_reader.key_location(item, kind, display),
                    rule_id,
                )
                continue
            out.extend(self.readers[kind](body, display, body_at, rule_id))
        settled: dict[str, Conclusion] = {}
        for conclusion in out:
            if conclusion.kind != "set" or conclusion.name is None:
                continue
            first = settled.setdefault(conclusion.name, conclusion)
            if first.value != conclusion.value:
                self.problems.add(
                    f"this rule sets {conclusion.name!r} twice, to {first.value!r} and to {conclusion.value!r}",
                    conclusion.location,
                    rule_id,
                )
        return out

    def _pairs(
        self, kind: str, body: object, display: str, at: Location, rule_id: str | None
    ) -> list[tuple[str, object, Location]]:
        if not isinstance(body, Mapping) or not body:
            self.problems.add(f"'{kind}' takes a mapping of names to values, got {describe(body)}", at, rule_id)
            return []
        return [(str(name), value, yaml_reader.key_location(body, name, display)) for name, value in body.items()]

    def _outputs(
        self, kind: str, body: object, display: str, at: Location, rule_id: str | None
    ) -> list[tuple[str, object, Location]]:
        """The ``(output, value, where)`` pairs of a ``set``, ``add`` or ``remove`` that name an
        output of the right kind: single outputs for ``set``, list outputs for the others."""
        single = kind == "set"
        names = [o.name for o in self.vocabulary.outputs if o.kind == ("single" if single else "list")]
        found = []
        for name, value, where in self._pairs(kind, body, display, at, rule_id):
            if name in names:
                found.append((name, value, where))
                continue
            other = " (use 'add' for list outputs)" if single else " (use 'set' for single outputs)"
            hint = other if self.vocabulary.has_output(name) else did_you_mean(name, names)
            verb = "set" if single else "change"
            self.problems.add(f"'{kind}' cannot {verb} {name!r}{hint}; expected {one_of(names)}", where, rule_id)
        return found

    def conclude_set(self, body: object, display: str, at: Location, rule_id: str | None) -> list[Conclusion]:
        out = []
        for name, value, where in self._outputs("set", body, display, at, rule_id):
            text = self.check_value(name, value, self.vocabulary.output(name).values, where, rule_id)
            if text is not None:
                out.append(Conclusion("set", name, text, location=where))
        return out

    def _list_change(
        self, kind: str, body: object, display: str, at: Location, rule_id: str | None
    ) -> list[Conclusion]:
        out = []
        for name, value, where in self._outputs(kind, body, display, at, rule_id):
            notes: Mapping[object, object] = {}
            if isinstance(value, Mapping):  # values with the reason each fits: {managed_service: "..."}
                if (kind, name) != ("add", NOTED_OUTPUT):
                    self.problems.add(
                        f"only 'add' of {NOTED_OUTPUT!r} takes values with reasons (a mapping); "
                        f"give {name!r} a value or a list of values",
                        where,
                        rule_id,
                    )
                    continue
                notes = value
                bad = [reason for reason in notes.values() if not isinstance(reason, str) or not reason.strip()]
                if bad:
                    self.problems.add(
                        f"the reason a service type fits must be text, got {describe(bad[0])}", where, rule_id
                    )
                    continue
            values = list(value) if isinstance(value, (list, Mapping)) else [value]
            if not values:
                self.problems.add(f"'{kind}' of {name!r} needs at least one value", where, rule_id)
            for item in values:
                text = self.check_value(name, item, self.vocabulary.output(name).values, where, rule_id)
                if text is not None:
                    reason = notes.get(item)
                    note = " ".join(reason.split()) if isinstance(reason, str) else None
                    out.append(Conclusion(kind, name, text, note=note, location=where))
        return out

    def conclude_add(self, body: object, display: str, at: Location, rule_id: str | None) -> list[Conclusion]:
        return self._list_change("add", body, display, at, rule_id)

    def conclude_remove(self, body: object, display: str, at: Location, rule_id: str | None) -> list[Conclusion]:
        return self._list_change("remove", body, display, at, rule_id)

    def conclude_derive(self, body: object, display: str, at: Location, rule_id: str | None) -> list[Conclusion]:
        out = []
        for name, value, where in self._pairs("derive", body, display, at, rule_id):
            if not isinstance(name, str) or not FACT_NAME.match(name):
                self.problems.add(f"derived fact name {name!r} must be lower_snake_case", where, rule_id)
                continue
            if self.vocabulary.has_fact(name) or name in OUTPUT_NAMES:
                what = "an input fact" if self.vocabulary.has_fact(name) else "an output"
                self.problems.add(
                    f"cannot derive {name!r}: it is {what}; derive a fact of another name", where, rule_id
                )
                continue
            if name in RESERVED_NAMES:
                self.problems.add(f"{name!r} is reserved and cannot name a derived fact", where, rule_id)
                continue
            text = scalar_text(value)
            if text is None:
                self.problems.add(
                    f"derived value of {name!r} must be text or true/false, got {describe(value)}", where, rule_id
                )
                continue
            out.append(Conclusion("derive", name, text, location=where))
        return out

    def conclude_risk(self, body: object, display: str, at: Location, rule_id: str | None) -> list[Conclusion]:
        if not isinstance(body, Mapping):
            self.problems.add(f"'risk' takes a mapping with {one_of(RISK_KEYS)}, got {describe(body)}", at, rule_id)
            return []
        ok = self.problems.unknown_keys(body, RISK_KEYS, display, within="risk", rule_id=rule_id)
        risk_id, severity = body.get("id"), body.get("severity")
        risk_ids = self.vocabulary.output("risks").values
        ok = (
            self.problems.choice("unknown risk id", risk_id, risk_ids, located(body, "id", display, at), rule_id) and ok
        )
        where = located(body, "severity", display, at)
        ok = self.problems.choice("unknown risk severity", severity, SEVERITIES, where, rule_id) and ok
        mitigations = body.get("mitigations", [])
        if not isinstance(mitigations, list) or not all(isinstance(m, str) and m.strip() for m in mitigations):
            self.problems.add(
                "risk 'mitigations' must be a list of text", located(body, "mitigations", display, at), rule_id
            )
            ok = False
        if not ok:
            return []
        return [
            Conclusion(
                "risk",
                str(risk_id),
                str(risk_id),
                severity=str(severity),
                mitigations=tuple(" ".join(m.split()) for m in mitigations),
                location=at,
            )
        ]

    def conclude_condition(self, body: object, display: str, at: Location, rule_id: str | None) -> list[Conclusion]:
        if not isinstance(body, str) or not body.strip():
            self.problems.add(f"'condition' takes text, got {describe(body)}", at, rule_id)
            return []
        return [Conclusion("condition", None, " ".join(body.split()), location=at)]

    def conclude_plan(self, body: object, display: str, at: Location, rule_id: str | None) -> list[Conclusion]:
        order = 50
        step = body
        if isinstance(body, Mapping):
            if not self.problems.unknown_keys(body, PLAN_KEYS, display, within="plan step", rule_id=rule_id):
                return []
            step = body.get("step")
            given = self.problems.integer(
                body.get("order", 50), "plan 'order'", located(body, "order", display, at), rule_id
            )
            if given is None:
                return []
            order = given
        if not isinstance(step, str) or not step.strip():
            self.problems.add(
                f"'plan' takes text or a mapping with 'step' and 'order', got {describe(step)}", at, rule_id
            )
            return []
        return [Conclusion("plan", None, " ".join(step.split()), order=order, location=at)]
