"""Stratification: which rules must wait for which, and in what stratum each rule runs.

A rule that reads an output, or tests that a derived fact is absent, must see the final value: it
runs in a later stratum than every rule that can conclude it. A rule that only reads a derived
fact's presence may run as soon as the fact appears (weight 0: same stratum).

The dependency graph goes through one node per output and per derived fact (producers point to
it, it points to its readers), so it grows linearly with the rules: a producer-reader edge for
every pair would be quadratic (1.1 million edges at 5,000 rules). Strata are longest weighted
paths over the graph's strongly connected components; a component holding a weight-1 edge is a
rule that waits for itself, an error.

>>> graph = Graph()
>>> graph.edge("a", "out:x", 0, ""); graph.edge("out:x", "b", 1, "reads output 'x'")
>>> levels(graph, ["a", "b"])
{'a': 0, 'b': 1}
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterator, Sequence

__all__ = ["Graph", "WaitsForItself", "levels"]


class Graph:
    """A directed graph with a weight (0 or 1) and a reason on each edge; the heavier edge wins."""

    def __init__(self) -> None:
        self.successors: dict[str, dict[str, int]] = {}
        self.reasons: dict[tuple[str, str], str] = {}

    def node(self, name: str) -> None:
        self.successors.setdefault(name, {})

    def edge(self, source: str, target: str, weight: int, why: str) -> None:
        self.node(source)
        self.node(target)
        edges = self.successors[source]
        if target in edges and edges[target] >= weight:
            return
        edges[target] = weight
        self.reasons[(source, target)] = why


class WaitsForItself(Exception):
    """Rules that wait for the final value of something they conclude themselves.

    ``cycles`` holds, for each strongly connected component at fault, the reader, the reason of
    its heavy edge, and the cycle of rule nodes back to it."""

    def __init__(self, cycles: list[tuple[str, str, list[str]]]) -> None:
        super().__init__(f"{len(cycles)} cycle(s)")
        self.cycles = cycles


def components(graph: Graph) -> Iterator[list[str]]:
    """Strongly connected components, each after every component it points to (Tarjan's
    algorithm, iterative: a long chain of rules does not reach the recursion limit)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    on_stack: set[str] = set()
    stack: list[str] = []
    counter = 0
    for root in graph.successors:
        if root in index:
            continue
        work = [(root, iter(graph.successors[root]))]
        index[root] = low[root] = counter
        counter += 1
        stack.append(root)
        on_stack.add(root)
        while work:
            node, children = work[-1]
            for child in children:
                if child not in index:
                    index[child] = low[child] = counter
                    counter += 1
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(graph.successors[child])))
                    break
                if child in on_stack:
                    low[node] = min(low[node], index[child])
            else:
                work.pop()
                if work:
                    parent = work[-1][0]
                    low[parent] = min(low[parent], low[node])
                if low[node] == index[node]:
                    component = []
                    while True:
                        member = stack.pop()
                        on_stack.discard(member)
                        component.append(member)
                        if member == node:
                            break
                    yield component


def _path(graph: Graph, start: str, goal: str, within: set[str]) -> list[str]:
    """A shortest path from ``start`` to ``goal`` inside ``within`` (breadth first)."""
    previous: dict[str, str | None] = {start: None}
    queue = deque([start])
    while queue:
        node = queue.popleft()
        if node == goal:
            break
        for child in graph.successors[node]:
            if child in within and child not in previous:
                previous[child] = node
                queue.append(child)
    path: list[str] = []
    step: str | None = goal
    while step is not None:
        path.append(step)
        step = previous[step]
    return path[::-1]


def levels(graph: Graph, rules: Sequence[str]) -> dict[str, int]:
    """Each rule's stratum: the longest weighted path to it, renumbered 0, 1, 2... over the
    levels that rules have. Raises :class:`WaitsForItself` for components with a weight-1 edge."""
    rule_nodes = set(rules)
    member_of: dict[str, int] = {}
    order: list[list[str]] = []
    for number, component in enumerate(components(graph)):
        order.append(component)
        for node in component:
            member_of[node] = number
    faults = []
    for component in order:
        members = set(component)
        heavy = next(
            (
                (source, target)
                for source in sorted(members)
                for target, weight in graph.successors[source].items()
                if weight and target in members
            ),
            None,
        )
        if heavy is not None:
            source, reader = heavy
            cycle = [node for node in _path(graph, reader, source, members) if node in rule_nodes]
            faults.append((reader, graph.reasons[heavy], [*cycle, reader]))
    if faults:
        raise WaitsForItself(faults)
    level = [0] * len(order)
    # Tarjan gives each component after those it points to: walk them backwards, sources first.
    for number in range(len(order) - 1, -1, -1):
        for node in order[number]:
            for target, weight in graph.successors[node].items():
                other = member_of[target]
                if other != number:
                    level[other] = max(level[other], level[number] + weight)
    used = {value: rank for rank, value in enumerate(sorted({level[member_of[r]] for r in rules}))}
    return {rule: used[level[member_of[rule]]] for rule in rules}
