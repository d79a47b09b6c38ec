"""Pictures of a rule graph: plain text, Mermaid, Graphviz DOT and a matplotlib drawing.

The functions here take the networkx graph of a :class:`~crowdsourcing_rules.analysis.graph.RuleGraph`
(its nodes carry ``kind`` and ``name``, its edges ``kind``: ``reads``, ``concludes`` or
``policy``); ``RuleGraph.to_text()``, ``to_mermaid()``, ``to_dot()`` and ``draw()`` call them.
matplotlib, an optional extra, is imported only by :func:`draw`.
"""

from __future__ import annotations

import io
import shutil
import subprocess
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import networkx as nx

if TYPE_CHECKING:  # pragma: no cover
    from matplotlib.axes import Axes

__all__ = ["NODE_KINDS", "draw", "graphviz_available", "svg", "to_dot", "to_mermaid", "to_text"]

NODE_KINDS = ("rule", "input", "derived", "output")

# Colours shared by the DOT, Mermaid and matplotlib renderings.
_FILL = {"rule": "#dae8fc", "input": "#f5f5f5", "derived": "#fff2cc", "output": "#d5e8d4"}
_STROKE = {"rule": "#6c8ebf", "input": "#666666", "derived": "#d6b656", "output": "#82b366"}
_NAMES = {"rule": "rule", "input": "input fact", "derived": "derived fact", "output": "output"}


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


def to_dot(graph: nx.DiGraph[str], *, picture: bool = False) -> str:
    """Graphviz DOT text (render with ``dot -Tsvg``; parse with pydot). For a ``picture``: the
    input facts in the first column, and a legend that names the kinds of node, laid out by
    Graphviz beside the graph."""

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
    if picture:
        inputs = " ".join(quote(n) for n in sorted(graph) if graph.nodes[n]["kind"] == "input")
        if inputs:
            lines.append(f"    {{ rank=source; {inputs} }}")
        lines += ["    subgraph cluster_legend {", '        label="legend"; fontname="Helvetica"; color="#cccccc";']
        for kind in NODE_KINDS:
            style = f'shape={shapes[kind]}, fillcolor="{_FILL[kind]}", color="{_STROKE[kind]}"'
            lines.append(f'        "legend:{kind}" [label="{_NAMES[kind]}", {style}];')
        chain = " -> ".join(f'"legend:{kind}"' for kind in NODE_KINDS)
        lines += [f"        {chain} [style=invis];", "    }"]
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


# The matplotlib drawing: each node is its label in a box of its kind's colours, in columns by
# layer. Sizes are in inches: a label's width is measured with the font matplotlib draws it in, so
# that boxes never overlap and arrows end at their edges (tests/test_graph.py measures the boxes).
_FONT = 8.0  # points
_PAD = 0.25 * _FONT / 72  # around a label, inside its box, inches
_ROW = 2.4 * _FONT / 72  # the height of a row, inches
_GAP = 0.7  # between columns, inches
_LEGEND = 0.45  # the band under the drawing that holds the legend, inches


def _columns(graph: nx.DiGraph[str]) -> list[list[str]]:
    """Nodes by layer, each column ordered by the mean row of what leads to its nodes (two sweeps:
    fewer crossings), ties by key."""
    layers = node_layers(graph)
    columns: list[list[str]] = [[] for _ in range(max(layers.values(), default=-1) + 1)]
    for node in sorted(graph):
        columns[layers[node]].append(node)
    for _sweep in range(2):
        row = {node: index for column in columns for index, node in enumerate(column)}
        for index, column in enumerate(columns[1:], 1):
            placed = {n: i for i, n in enumerate(columns[index - 1])}

            def centre(node: str, placed: dict[str, int] = placed, row: dict[str, int] = row) -> float:
                before = [placed[p] for p in graph.predecessors(node) if p in placed]
                return sum(before) / len(before) if before else row[node]

            column.sort(key=lambda n: (centre(n), n))
    return columns


def draw(graph: nx.DiGraph[str], ax: Axes | None = None) -> Axes:
    """Draw the graph with matplotlib: columns ordered by topological generation, each node its
    label in a box coloured by its kind, the legend in a band of its own under the drawing.

    matplotlib is optional (``pip install 'crowdsourcing-rules[plot]'``); it is imported here.
    Returns the axes drawn on (a new figure's if ``ax`` is None).
    """
    try:
        from matplotlib.figure import Figure
        from matplotlib.patches import Patch
    except ImportError as error:  # pragma: no cover - depends on the environment
        raise ImportError("drawing the rule graph needs matplotlib: pip install 'crowdsourcing-rules[plot]'") from error
    from matplotlib.textpath import TextPath

    columns = _columns(graph)
    # half the width of each node's box
    half = {n: TextPath((0, 0), _label(graph, n), size=_FONT).get_extents().width / 144 + _PAD for n in graph}
    widths = [max((2 * half[n] for n in column), default=0.2) + 0.05 for column in columns]
    rows = max((len(column) for column in columns), default=1)
    width = sum(widths) + _GAP * max(len(columns) - 1, 0) + 0.4
    height = rows * _ROW + 0.2
    if ax is None:
        figure = Figure(figsize=(max(width, 3.0), height + _LEGEND))
        ax = figure.add_axes((0.0, _LEGEND / (height + _LEGEND), 1.0, height / (height + _LEGEND)))
    positions: dict[str, tuple[float, float]] = {}
    left = 0.2
    for column, column_width in zip(columns, widths, strict=True):
        top = height - 0.1 - (rows - len(column)) * _ROW / 2
        for index, node in enumerate(column):
            positions[node] = (left + column_width / 2, top - (index + 0.5) * _ROW)
        left += column_width + _GAP
    for source, target, data in _sorted_edges(graph):
        (x0, y0), (x1, y1) = positions[source], positions[target]
        forward = x1 > x0
        start = (x0 + half[source], y0)
        end = (x1 - half[target], y1) if forward else (x1 + half[target], y1)
        dashed = data["kind"] == "policy" or (data["kind"] == "reads" and data["negative"])
        ax.annotate(
            "",
            xy=end,
            xytext=start,
            arrowprops={
                "arrowstyle": "-|>",
                "color": "#999999",
                "linewidth": 0.6,
                "linestyle": "dotted" if dashed else "solid",
                "shrinkA": 0,
                "shrinkB": 0,
                "connectionstyle": "arc3,rad=0.0" if forward else "arc3,rad=-0.5",
            },
            zorder=1,
        )
    for node, (x, y) in positions.items():
        kind = graph.nodes[node]["kind"]
        box: dict[str, Any] = {"boxstyle": "round,pad=0.25" if kind != "rule" else "square,pad=0.25"}
        box.update(facecolor=_FILL[kind], edgecolor=_STROKE[kind], linewidth=0.8)
        ax.text(x, y, _label(graph, node), ha="center", va="center", fontsize=_FONT, bbox=box, zorder=2, gid=node)
    ax.set_xlim(0, width)
    ax.set_ylim(0, height)
    ax.set_axis_off()
    handles = [Patch(facecolor=_FILL[k], edgecolor=_STROKE[k], label=_NAMES[k]) for k in NODE_KINDS]
    ax.figure.legend(handles=handles, loc="lower center", ncol=len(handles), fontsize=_FONT, frameon=False)
    return ax


def graphviz_available() -> bool:
    """Whether Graphviz's ``dot`` program is installed (it lays out the picture when it is)."""
    return shutil.which("dot") is not None


def svg(graph: nx.DiGraph[str]) -> str:
    """A picture of the graph as SVG text: laid out by Graphviz when its ``dot`` program is
    installed, else the layered :func:`draw` drawing (which needs matplotlib)."""
    if graphviz_available():
        result = subprocess.run(
            ["dot", "-Tsvg"], input=to_dot(graph, picture=True), capture_output=True, text=True, check=False
        )
        if result.returncode == 0:
            return result.stdout
    from matplotlib.figure import Figure

    figure = draw(graph).figure
    assert isinstance(figure, Figure)
    buffer = io.StringIO()
    figure.savefig(buffer, format="svg")
    return buffer.getvalue()
