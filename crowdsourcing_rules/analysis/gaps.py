"""The gap search: the rules run on every combination of the values the rules tell apart
(exhaustive), or on a sample of them, to find inputs with no verdict (CR601), no granularity
(CR602) or no crowd type (CR603), rules that fired for none of them (CR205), and the tasks on
which a tie between two rules decided an output (for :mod:`.conflicts`).
"""

from __future__ import annotations

import itertools
import random
from collections import defaultdict
from collections.abc import Iterable, Sequence
from typing import Any

import attrs

from crowdsourcing_rules.advisor import Advisor
from crowdsourcing_rules.analysis.conflicts import Candidate, decides, task_value
from crowdsourcing_rules.analysis.findings import (
    Finding,
    GapSearch,
    finding,
    first_location,
    plural,
    show_task,
)
from crowdsourcing_rules.analysis.table import RuleTable
from crowdsourcing_rules.errors import Location
from crowdsourcing_rules.model import policy
from crowdsourcing_rules.model.vocabulary import UNKNOWN

__all__ = ["Search", "never_fired", "search"]

_EXAMPLES = 3  # example tasks shown per gap


@attrs.frozen
class Search:
    """What the gap search found: how it searched, its findings, and for :mod:`.conflicts` the
    tasks on which each candidate's tie decided (``seen``) or was settled otherwise (``masked``)."""

    method: GapSearch
    findings: tuple[Finding, ...]
    seen: dict[Candidate, dict[str, Any]]
    masked: dict[Candidate, int]
    fired: frozenset[str]


def search(table: RuleTable, candidates: list[Candidate], *, max_combinations: int, samples: int, seed: int) -> Search:
    """Run the rules on the input combinations (exhaustively up to ``max_combinations``, else
    ``samples`` of them drawn with ``seed``)."""
    seen: dict[Candidate, dict[str, Any]] = {}
    masked: dict[Candidate, int] = defaultdict(int)
    fired_any: set[str] = set()
    if table.compiled is None:
        return Search(GapSearch("skipped", reason="the rules do not load (CR102)"), (), seen, masked, frozenset())
    if samples <= 0:
        return Search(GapSearch("skipped", reason="turned off"), (), seen, masked, frozenset())
    dims = dimensions(table)
    names = tuple(name for name, _options in dims)
    total = 1
    for _name, options in dims:
        total *= len(options)
    sizes = [len(o) for _n, o in dims]
    if total <= max(max_combinations, samples):  # sampling would cost as much
        method = "exhaustive"
        combos: Iterable[tuple[int, ...]] = itertools.product(*(range(n) for n in sizes))
        count = total
    else:
        method = "sampled"
        generator = random.Random(seed)
        count = samples
        if total < 2**62:  # distinct combinations, drawn by their index
            combos = (_decode(i, sizes) for i in sorted(generator.sample(range(total), count)))
        else:
            combos = (tuple(generator.randrange(n) for n in sizes) for _ in range(count))
    gaps: dict[str, list[tuple[int, int, dict[str, Any]]]] = {"CR601": [], "CR602": [], "CR603": []}
    counts = dict.fromkeys(gaps, 0)
    with Advisor(table.ruleset, engine="reference") as advisor:
        for number, combo in enumerate(combos):
            task: dict[str, Any] = {}
            for (name, options), index in zip(dims, combo, strict=True):
                value = options[index]
                if value is not None:
                    task[name] = value
            rec = advisor.decide({"id": f"gap-{number}", **task}, questions=False)
            fired = {f.rule_id for f in rec.trace}
            fired_any |= fired
            for candidate in candidates:
                if candidate in seen or candidate[0] not in fired or candidate[1] not in fired:
                    continue
                if decides(table, candidate, fired, rec.crowdsource):
                    seen[candidate] = task
                else:
                    masked[candidate] += 1
            missing = []
            if rec.crowdsource is None:
                missing.append("CR601")
            elif rec.crowdsource != "no":
                if rec.granularity is None:
                    missing.append("CR602")
                if not rec.crowd_types:
                    missing.append("CR603")
            for code in missing:
                counts[code] += 1
                kept = gaps[code]
                kept.append((len(task), number, task))
                kept.sort(key=lambda k: (k[0], k[1]))
                del kept[_EXAMPLES:]
    what = {
        "CR601": ("no rule concludes a verdict", "crowdsource"),
        "CR602": ("the verdict is not 'no' but no rule concludes a granularity", "granularity"),
        "CR603": ("the verdict is not 'no' but no rule adds a crowd type", "crowd_types"),
    }
    findings = []
    for code, kept in gaps.items():
        if not counts[code]:
            continue
        message, output = what[code]
        producers = [
            r
            for r in table.ruleset
            if any(policy.target(c) == ("output", output) and c.kind != "remove" for c in r.then)
        ]
        where = first_location(r.location for r in producers) or first_location(r.location for r in table.ruleset)
        if where is not None and not producers:
            where = Location(where.path)
        examples = [task for _n, _i, task in kept]
        scope = "of the" if method == "exhaustive" else "of the sampled"
        findings.append(
            finding(
                code,
                f"gap: {message} for {counts[code]} {scope} {count} input combinations, for example "
                + "; ".join(show_task(e) for e in examples),
                where,
                sorted(r.id for r in producers),
                combinations=counts[code],
                examples=examples,
                method=method,
            )
        )
    return Search(GapSearch(method, names, total, count), tuple(findings), seen, masked, frozenset(fired_any))


def dimensions(table: RuleTable) -> list[tuple[str, list[Any]]]:
    """Each fact the rules read, with one value per class of values no rule tells apart."""
    compiled = table.compiled
    assert compiled is not None
    tested: dict[str, set[frozenset[str]]] = defaultdict(set)
    items: dict[str, set[str]] = defaultdict(set)
    any_item: set[str] = set()
    for rule in compiled.rules:
        for conj in rule.conjunctions:
            for test in conj.task:
                tested[test.fact].add(test.values)
            for item in conj.items:
                if item.space == "input":
                    if item.values is None:
                        any_item.add(item.name)
                    else:
                        items[item.name] |= item.values
    found: list[tuple[str, list[Any]]] = []
    for fact in compiled.task_facts:
        if table.vocabulary.fact(fact).kind == "id":
            continue  # every task has an id
        sets = sorted(tested[fact], key=sorted)
        classes: dict[tuple[bool, ...], list[str]] = defaultdict(list)
        for value in table.domain(fact):
            classes[tuple(value in s for s in sets)].append(value)
        options = []
        for members in classes.values():
            chosen = UNKNOWN if UNKNOWN in members else members[0]
            options.append(None if chosen == UNKNOWN else task_value(table.vocabulary, fact, chosen))
        found.append((fact, options))
    for name in sorted(compiled.list_inputs):
        values = sorted(items[name])
        allowed = table.vocabulary.fact(name).values  # a list of values from a closed set, or free text
        untested = [v for v in allowed if v not in values] if allowed else ["(another item)"]
        if name in any_item and untested:
            values.append(untested[0])
        if len(values) > 6:  # too many subsets: none, each alone, all
            subsets = [(), *((v,) for v in values), tuple(values)]
        else:
            subsets = [s for n in range(len(values) + 1) for s in itertools.combinations(values, n)]
        found.append((name, [list(s) if s else None for s in subsets]))
    return found


def never_fired(table: RuleTable, done: Search, flagged: set[str]) -> list[Finding]:
    """After an exhaustive search, the rules that fired for no input combination (CR205), except
    those already ``flagged`` as unable to fire."""
    if done.method.method != "exhaustive":
        return []
    return [
        finding(
            "CR205",
            f"rule can never fire: it fired for none of the {plural(done.method.combinations, 'input combination')} "
            "of an exhaustive search (its condition needs facts or outputs that never hold together)",
            rule.location,
            [rule.id],
        )
        for rule in table.ruleset
        if rule.id not in done.fired and rule.id not in flagged
    ]


def _decode(index: int, sizes: Sequence[int]) -> tuple[int, ...]:
    """The combination with this index in :func:`itertools.product` order."""
    digits = []
    for size in reversed(sizes):
        index, digit = divmod(index, size)
        digits.append(digit)
    return tuple(reversed(digits))
