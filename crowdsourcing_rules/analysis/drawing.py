"""Pictures of a rule graph: plain text, Mermaid, Graphviz DOT and a matplotlib drawing.

The functions here take the networkx graph of a :class:`~crowdsourcing_rules.analysis.graph.RuleGraph`
(its nodes carry ``kind`` and ``name``, its edges ``kind``: ``reads``, ``concludes`` or
``policy``); ``RuleGraph.to_text()``, ``to_mermaid()``, ``to_dot()`` and ``draw()`` call them.
matplotlib, an optional extra, is imported only by :func:`draw`.
"""

from __future__ import annotations

import io
from collections import defaultdict
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import networkx as nx

if TYPE_CHECKING:  # pragma: no cover
    from matplotlib.axes import Axes

__all__ = ["NODE_KINDS", "draw", "svg", "to_dot", "to_mermaid", "to_text"]

NODE_KINDS = ("rule", "input", "derived", "output")

# Colours shared by the DOT, Mermaid and matplotlib renderings.
_FILL = {"rule": "#dae8fc", "input": "#f5f5f5", "derived": "#fff2cc", "output": "#d5e8d4"}
_STROKE = {"rule": "#6c8ebf", "input": "#666666", "derived": "#d6b656", "output": "#82b366"}


def _label(graph: nx.DiGraph[str], node: str) -> str:
    return str(graph.nodes[node]["name"])


def _sorted_edges(graph: nx.DiGraph[str]) -> list[tuple[str, str, dict[str, Any]]]:
    return sorted(graph.edges(data=True), key=lambda e: (e[0], e[1]))


def to_text(graph: nx.DiGraph[str], generations: Sequence[Sequence[str]]) -> str:
    """A plain-text listing: rules by generation (ids), each with what it reads and concludes."""
    lines: list[str] = []
    for index, layer in enumerate(generations):
        lines.append(f"generation {index}")
        for rule_id in layer:
            node = f"rule:{rule_id}"
            data = graph.nodes[node]
            where = f", {data['location']}" if data.get("location") else ""
            lines.append(f"  {rule_id}  (salience {data['salience']}{where})")
            reads = []
            for fact in sorted(graph.predecessors(node)):
                edge = graph.edges[fact, node]
                mark = " (absent)" if edge["negative"] and graph.nodes[fact]["kind"] == "derived" else ""
                reads.append(fact + mark)
            if reads:
                lines.append("    reads      " + ", ".join(reads))
            concludes = sorted(graph.successors(node))
            if concludes:
                lines.append("    concludes  " + ", ".join(concludes))
    policy = [(a, b) for a, b, d in _sorted_edges(graph) if d["kind"] == "policy"]
    if policy:
        lines.append("policy")
        lines.extend(f"  {a} -> {b}  ({graph.edges[a, b]['why']})" for a, b in policy)
    return "\n".join(lines)


def to_mermaid(graph: nx.DiGraph[str]) -> str:
    """A Mermaid flowchart (GitHub, GitLab and JupyterLab render it).

    Node ids are ``n0``, ``n1``... in sorted key order; labels are the names. Dotted edges
    test that a fact is absent (``not``) or are conflict-resolution policy.
    """
    ids = {node: f"n{index}" for index, node in enumerate(sorted(graph))}
    shapes = {"rule": ('["', '"]'), "input": ('(["', '"])'), "derived": ('("', '")'), "output": ('{{"', '"}}')}
    lines = ["flowchart LR"]
    for node in sorted(graph):
        kind = graph.nodes[node]["kind"]
        left, right = shapes[kind]
        label = _label(graph, node).replace('"', "#quot;")
        lines.append(f"    {ids[node]}{left}{label}{right}:::{kind}")
    for source, target, data in _sorted_edges(graph):
        if data["kind"] == "policy":
            arrow = "-. policy .->"
        elif data["kind"] == "reads" and data["negative"]:
            arrow = "-. not .->"
        else:
            arrow = "-->"
        lines.append(f"    {ids[source]} {arrow} {ids[target]}")
    for kind in NODE_KINDS:
        lines.append(f"    classDef {kind} fill:{_FILL[kind]},stroke:{_STROKE[kind]}")
    return "\n".join(lines) + "\n"


def to_dot(graph: nx.DiGraph[str]) -> str:
    """Graphviz DOT text (render with ``dot -Tsvg``; parse with pydot)."""

    def quote(text: str) -> str:
        return '"' + text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") + '"'

    shapes = {"rule": "box", "input": "ellipse", "derived": "ellipse", "output": "hexagon"}
    lines = [
        "digraph rules {",
        "    rankdir=LR;",
        '    node [fontname="Helvetica", style=filled];',
        '    edge [fontname="Helvetica", fontsize=10];',
    ]
    for node in sorted(graph):
        data = graph.nodes[node]
        kind = data["kind"]
        attributes = [
            f"label={quote(_label(graph, node))}",
            f"shape={shapes[kind]}",
            f"fillcolor={quote(_FILL[kind])}",
            f"color={quote(_STROKE[kind])}",
        ]
        if kind == "rule":
            tooltip = data["description"]
            if data.get("location"):
                tooltip = f"{data['location']}: {tooltip}"
            attributes.append(f"tooltip={quote(tooltip)}")
        lines.append(f"    {quote(node)} [{', '.join(attributes)}];")
    for source, target, data in _sorted_edges(graph):
        attributes = []
        if data["kind"] == "policy":
            attributes = ["style=dotted", 'label="policy"']
        elif data["kind"] == "reads":
            attributes.append(f"tooltip={quote('; '.join(data['tests']))}")
            if data["negative"]:
                attributes += ["style=dashed", 'label="not"']
        else:
            attributes.append(f"tooltip={quote('; '.join(data['conclusions']))}")
        lines.append(f"    {quote(source)} -> {quote(target)} [{', '.join(attributes)}];")
    lines.append("}")
    return "\n".join(lines) + "\n"


def node_layers(graph: nx.DiGraph[str]) -> dict[str, int]:
    """Each node's column in a layered drawing: topological generations of the condensation,
    with the input facts alone in the first column (a rule that reads nothing comes next)."""
    start = "start:"  # a key no node has (kinds never contain 'start')
    extended = graph.copy()
    extended.add_edges_from(
        (start, n) for n, d in graph.nodes(data=True) if d["kind"] == "rule" and not graph.in_degree(n)
    )
    condensed = nx.condensation(extended)
    layers: dict[str, int] = {}
    for index, layer in enumerate(nx.topological_generations(condensed)):
        for component in layer:
            for node in condensed.nodes[component]["members"]:
                layers[node] = index
    layers.pop(start, None)
    return layers


def draw(graph: nx.DiGraph[str], ax: Axes | None = None) -> Axes:
    """Draw the graph with matplotlib, in columns ordered by topological generation.

    matplotlib is optional (``pip install 'crowdsourcing-rules[plot]'``); it is imported here.
    Returns the axes drawn on (a new figure's if ``ax`` is None).
    """
    try:
        from matplotlib.figure import Figure
    except ImportError as error:  # pragma: no cover - depends on the environment
        raise ImportError("drawing the rule graph needs matplotlib: pip install 'crowdsourcing-rules[plot]'") from error
    layers = node_layers(graph)
    columns: dict[int, list[str]] = defaultdict(list)
    for node in sorted(graph):
        columns[layers[node]].append(node)
    height = max((len(c) for c in columns.values()), default=1)
    if ax is None:
        figure = Figure(figsize=(max(6.0, 2.6 * len(columns)), max(3.0, 0.55 * height)))
        ax = figure.add_subplot()
    positions = {
        node: (float(column), (len(nodes) - 1) / 2 - row)
        for column, nodes in columns.items()
        for row, node in enumerate(nodes)
    }
    styles = {"reads": "solid", "concludes": "solid", "policy": "dotted"}
    for kind, style in styles.items():
        edges = [(a, b) for a, b, d in graph.edges(data=True) if d["kind"] == kind]
        nx.draw_networkx_edges(
            graph, positions, edgelist=edges, ax=ax, style=style, arrows=True, arrowsize=10, edge_color="#888888"
        )
    for kind in NODE_KINDS:
        nodes = [n for n in graph if graph.nodes[n]["kind"] == kind]
        nx.draw_networkx_nodes(
            graph,
            positions,
            nodelist=nodes,
            ax=ax,
            node_color=_FILL[kind],
            edgecolors=_STROKE[kind],
            node_shape="s" if kind == "rule" else "o",
            node_size=300,
            label=kind,
        )
    nx.draw_networkx_labels(graph, positions, labels={n: _label(graph, n) for n in graph}, ax=ax, font_size=7)
    ax.legend(loc="upper left", fontsize=7, markerscale=0.6)
    ax.set_axis_off()
    return ax


def svg(graph: nx.DiGraph[str]) -> str:
    """The :func:`draw` picture as SVG text (needs matplotlib)."""
    from matplotlib.figure import Figure

    figure = draw(graph).figure
    assert isinstance(figure, Figure)
    buffer = io.StringIO()
    figure.savefig(buffer, format="svg", bbox_inches="tight")
    return buffer.getvalue()
