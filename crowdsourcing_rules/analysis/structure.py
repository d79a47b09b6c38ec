"""Checks of a rule set's structure, read off the fact table without running the rules: cycles
through derived facts (CR101), rules or alternatives that can never hold (CR201, CR202, CR204),
rules that need what nothing concludes (CR203), derived facts nobody reads (CR301), duplicate
and shadowed rules (CR401, CR402).

Each check is a function of the frozen :class:`~crowdsourcing_rules.analysis.table.RuleTable`
that returns its findings.
"""

from __future__ import annotations

import itertools

import networkx as nx

from crowdsourcing_rules.analysis.findings import Finding, finding, first_location
from crowdsourcing_rules.analysis.graph import RuleGraph
from crowdsourcing_rules.analysis.table import RuleTable
from crowdsourcing_rules.errors import Location
from crowdsourcing_rules.model import policy

__all__ = ["cycles", "dead_rules", "redundant", "unreachable", "unread"]


def cycles(table: RuleTable) -> list[Finding]:
    """Cycles through derived facts only (CR101): legal, and unable to loop."""
    found = []
    deps = RuleGraph.from_ruleset(table.ruleset).rule_dependencies()
    positive: nx.DiGraph[str] = nx.DiGraph()
    positive.add_nodes_from(deps)
    positive.add_edges_from((a, b, d) for a, b, d in deps.edges(data=True) if d["positive"])
    for component in nx.strongly_connected_components(positive):
        start = min(component)
        if len(component) == 1 and not positive.has_edge(start, start):
            continue
        sub = positive.subgraph(component)
        if sub.has_edge(start, start):
            cycle = [start, start]
        else:
            paths = [nx.shortest_path(sub, nxt, start) for nxt in sorted(sub.successors(start))]
            cycle = [start, *min(paths, key=lambda p: (len(p), p))]
        via = sorted({v.split(":", 1)[1] for a, b in itertools.pairwise(cycle) for v in deps.edges[a, b]["via"]})
        members = "" if len(component) == len(cycle) - 1 else f" (with {', '.join(sorted(component))})"
        found.append(
            finding(
                "CR101",
                f"rules form a cycle through derived facts {', '.join(map(repr, via))}: {' -> '.join(cycle)}"
                f"{members}. It cannot loop at run time: each rule fires at most once per task, so the cycle is "
                "gone round at most once; but none of its rules fires unless some other way in starts it",
                table.rule(start).location,
                sorted(component),
                cycle=cycle,
            )
        )
    return found


def dead_rules(table: RuleTable) -> list[Finding]:
    """Rules none of whose alternatives can hold (CR201, CR202), and alternatives that cannot (CR204)."""
    found = []
    for rule in table.ruleset:
        alternatives = table.alternatives[rule.id]
        dead = [(i, r) for i, r in enumerate(table.dead[rule.id]) if r is not None]
        if not dead:
            continue
        if len(dead) == len(alternatives):
            index, reason = next(((i, r) for i, r in dead if r.kind == "task"), dead[0])
            if reason.kind == "task":
                code, what = "CR201", f"its tests of {reason.name!r} leave no value"
            else:
                code, what = "CR202", f"its tests of {reason.name!r} contradict each other"
            if len(alternatives) > 1:
                what += f" (and none of its {len(alternatives)} alternatives can hold)"
            where = table.test_location(rule, reason.name, index, last=True)
            found.append(finding(code, f"rule can never fire: {what}", where, [rule.id]))
            continue
        for index, reason in dead:
            what = "leave no value" if reason.kind == "task" else "contradict each other"
            found.append(
                finding(
                    "CR204",
                    f"alternative {index + 1} of {len(alternatives)} of the condition can never hold: its tests of "
                    f"{reason.name!r} {what}",
                    table.test_location(rule, reason.name, index, last=True),
                    [rule.id],
                    alternative=index + 1,
                )
            )
    return found


def unreachable(table: RuleTable) -> list[Finding]:
    """Rules that could hold but need a value that no rule that can fire concludes (CR203)."""
    found = []
    for rule in table.ruleset:
        if rule.id in table.fireable or not table.viable[rule.id]:
            continue
        first = next(i for i, c in enumerate(table.alternatives[rule.id]) if c in table.viable[rule.id])
        missing = next(
            i
            for i in table.alternatives[rule.id][first].items
            if i.positive and i.space != "input" and not table.producible(i.space, i.name, i.values)
        )
        shown = "any value" if missing.values is None else " or ".join(sorted(missing.values))
        producers = sorted(
            r.id
            for r in table.ruleset
            if r.id != rule.id
            and any(
                policy.target(c) == (missing.space, missing.name)
                and c.kind != "remove"
                and (missing.values is None or policy.item_value(c) in missing.values)
                for c in r.then
            )
        )
        why = (
            f"; only rules that can never fire conclude it ({', '.join(producers)})"
            if producers
            else "; no rule concludes it"
        )
        found.append(
            finding(
                "CR203",
                f"rule can never fire: it needs {missing.space} {missing.name!r} = {shown}{why}",
                table.test_location(rule, missing.name, first),
                [rule.id],
            )
        )
    return found


def unread(table: RuleTable) -> list[Finding]:
    """Derived facts that some rule concludes and no rule reads (CR301)."""
    found = []
    read = {t.fact for rule in table.ruleset for t in rule.tests}
    for name in sorted(table.derived_values):
        if name in read:
            continue
        producers = [(c.location, r.id) for r in table.ruleset for c in r.then if c.kind == "derive" and c.name == name]
        found.append(
            finding(
                "CR301",
                f"derived fact {name!r} is concluded but no rule reads it, and it is not an output: "
                "it has no effect on any recommendation",
                first_location(loc for loc, _r in producers),
                sorted({r for _loc, r in producers}),
            )
        )
    return found


def redundant(table: RuleTable) -> list[Finding]:
    """Duplicate rules (CR401) and rules another always overrides with the same conclusions (CR402)."""
    found = []
    rules = [r for r in table.ruleset if table.viable[r.id]]
    conclusions = {r.id: frozenset(r.then) for r in rules}
    reported: set[str] = set()
    for narrow, wide in itertools.permutations(rules, 2):
        if narrow.id in reported or not conclusions[narrow.id] <= conclusions[wide.id]:
            continue
        if wide.salience < narrow.salience or not table.implies(narrow.id, wide.id):
            continue
        duplicate = conclusions[narrow.id] == conclusions[wide.id] and table.implies(wide.id, narrow.id)
        if duplicate:
            # Report the one to delete: the lower salience, then the later in the files.
            keep, drop = sorted((narrow, wide), key=lambda r: (-r.salience, r.location or Location(""), r.id))
            if drop.id in reported or keep.id in reported:
                continue
            reported.add(drop.id)
            found.append(
                finding(
                    "CR401",
                    f"rule duplicates {keep.id!r} ({keep.location}): same conditions and same conclusions"
                    + ("" if keep.salience == drop.salience else f", at a lower salience ({drop.salience})"),
                    drop.location,
                    [drop.id, keep.id],
                    duplicate_of=keep.id,
                )
            )
            continue
        reported.add(narrow.id)
        found.append(
            finding(
                "CR402",
                f"rule is shadowed by {wide.id!r} ({wide.location}): whenever it fires, {wide.id!r} fires too and "
                f"concludes everything it concludes, at a salience at least as high ({wide.salience})",
                narrow.location,
                [narrow.id, wide.id],
                shadowed_by=wide.id,
            )
        )
    return found
