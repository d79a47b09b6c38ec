"""The rule graph: its nodes and edges, the questions it answers, and its renderings.

Most tests use ``tests/fixtures/analysis/clean.yaml``: ``clean.lacks-skill`` derives
``external_skill_needed`` from ``in_house_capability``; ``clean.freelancers`` reads it with
``skill_level`` and adds a crowd type; ``clean.explore`` reads the verdict that ``base.default``
concludes; ``clean.law`` reads the list ``skills_needed``.
"""

from __future__ import annotations

import re
import sys
import warnings
from pathlib import Path

import networkx as nx
import pydot
import pytest

import crowdsourcing_rules as cr
from crowdsourcing_rules.analysis import drawing
from crowdsourcing_rules.cli import main

FIXTURES = Path(__file__).parent / "fixtures" / "analysis"


def parse_dot(text: str) -> list[pydot.Dot]:
    with warnings.catch_warnings():
        # pydot 4 still calls pyparsing's camelCase names, deprecated since pyparsing 3.3.
        warnings.filterwarnings("ignore", message=".* deprecated - use ", category=DeprecationWarning)
        return pydot.graph_from_dot_data(text)


@pytest.fixture(scope="module")
def graph() -> cr.RuleGraph:
    return cr.rule_graph(cr.load_rules([FIXTURES / "clean.yaml"]))


def test_nodes_and_edges(graph: cr.RuleGraph) -> None:
    g = graph.graph
    assert isinstance(g, nx.DiGraph)
    assert graph.rule_ids == ("base.default", "clean.explore", "clean.freelancers", "clean.lacks-skill", "clean.law")
    assert graph.nodes("derived") == ("derived:external_skill_needed",)
    assert graph.nodes("input") == (
        "input:in_house_capability",
        "input:platform_experience",
        "input:skill_level",
        "input:skills_needed",
    )
    # a rule points to what it concludes, a fact to the rules that read it
    assert g.edges["rule:clean.lacks-skill", "derived:external_skill_needed"]["kind"] == "concludes"
    reads = g.edges["derived:external_skill_needed", "rule:clean.freelancers"]
    assert reads["kind"] == "reads" and reads["tests"] == ("external_skill_needed is true",)
    assert not reads["negative"] and not reads["final"]
    # reading an output waits for its final value
    assert g.edges["output:crowdsource", "rule:clean.explore"]["final"]
    # conflict resolution: a 'no' verdict empties the crowd
    assert g.edges["output:crowdsource", "output:crowd_types"]["kind"] == "policy"
    assert g.nodes["rule:clean.freelancers"]["salience"] == 10
    assert str(g.nodes["rule:clean.freelancers"]["location"]).endswith("clean.yaml:18:5")


def test_ancestors_of_an_output(graph: cr.RuleGraph) -> None:
    assert graph.rules_influencing("crowd_types") == (
        "base.default",  # through the verdict: a 'no' would empty the crowd
        "clean.freelancers",
        "clean.lacks-skill",
    )
    assert "input:in_house_capability" in graph.ancestors("output:crowd_types")
    assert "input:skills_needed" not in graph.ancestors("output:crowd_types")


def test_descendants_of_a_fact(graph: cr.RuleGraph) -> None:
    assert graph.descendants("in_house_capability") == {
        "rule:clean.lacks-skill",
        "derived:external_skill_needed",
        "rule:clean.freelancers",
        "output:crowd_types",
        "output:preselection",
    }


def test_generations_and_dependencies(graph: cr.RuleGraph) -> None:
    assert graph.generations() == (
        ("base.default", "clean.lacks-skill", "clean.law"),
        ("clean.explore", "clean.freelancers"),
    )
    deps = graph.rule_dependencies()
    assert deps.edges["clean.lacks-skill", "clean.freelancers"] == {
        "via": ("derived:external_skill_needed",),
        "positive": True,
    }
    assert deps.edges["base.default", "clean.explore"]["positive"] is False  # it waits for the verdict


def test_a_positive_cycle_shares_a_generation() -> None:
    graph = cr.rule_graph(cr.load_rules([FIXTURES / "cycle.yaml"]))
    assert graph.generations() == (("base.default", "cycle.a", "cycle.b"),)


def test_views(graph: cr.RuleGraph) -> None:
    assert graph.output_of("crowd_types").rule_ids == ("base.default", "clean.freelancers", "clean.lacks-skill")
    # the rule that concludes what it reads; no rule reads what it concludes
    assert graph.around("clean.freelancers").rule_ids == ("clean.freelancers", "clean.lacks-skill")
    # base.default concludes the verdict that clean.explore reads
    assert graph.around("base.default").rule_ids == ("base.default", "clean.explore")
    assert graph.around("clean.freelancers", radius=0).rule_ids == ("clean.freelancers",)


def test_unknown_names_get_a_suggestion(graph: cr.RuleGraph) -> None:
    with pytest.raises(KeyError, match=re.escape("did you mean 'clean.freelancers'")):
        graph.around("clean.freelancer")


def test_mermaid_matches_the_stored_example(graph: cr.RuleGraph) -> None:
    assert graph.to_mermaid() == (FIXTURES / "clean.mmd").read_text()


def test_dot_parses_with_pydot(graph: cr.RuleGraph) -> None:
    (parsed,) = parse_dot(graph.to_dot())
    names = {node.get_name().strip('"') for node in parsed.get_nodes()} - {"node", "edge"}
    assert names == set(graph.graph)
    edges = {(e.get_source().strip('"'), e.get_destination().strip('"')) for e in parsed.get_edges()}
    assert edges == set(graph.graph.edges)


def test_dot_escapes_quotes() -> None:
    ruleset = cr.load_rules([FIXTURES / "clean.yaml"])
    rule = ruleset.rule("clean.law")
    import attrs

    odd = attrs.evolve(rule, description='say "hi" \\ there')
    graph = cr.rule_graph(cr.RuleSet([*(r for r in ruleset if r.id != rule.id), odd], ruleset.vocabulary))
    (parsed,) = parse_dot(graph.to_dot())
    assert len(parsed.get_edges()) == graph.graph.number_of_edges()


def test_text(graph: cr.RuleGraph) -> None:
    text = graph.to_text()
    assert text.splitlines()[0] == "generation 0"
    assert "    reads      derived:external_skill_needed, input:skill_level" in text


def test_notebook_shows_a_picture(graph: cr.RuleGraph) -> None:
    pytest.importorskip("matplotlib")
    bundle = graph._repr_mimebundle_()
    assert bundle["image/svg+xml"].lstrip().startswith("<?xml")
    assert bundle["text/plain"] == repr(graph)


def test_notebook_without_matplotlib_shows_mermaid(graph: cr.RuleGraph, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(drawing, "graphviz_available", lambda: False)
    monkeypatch.setitem(sys.modules, "matplotlib", None)
    monkeypatch.setitem(sys.modules, "matplotlib.figure", None)
    bundle = graph._repr_mimebundle_()
    assert "image/svg+xml" not in bundle
    assert bundle["text/markdown"] == "```mermaid\n" + graph.picture().to_mermaid() + "```\n"


def test_drawing_is_layered_by_generation(graph: cr.RuleGraph) -> None:
    pytest.importorskip("matplotlib")
    layers = drawing.node_layers(graph.graph)
    assert layers["input:in_house_capability"] == 0
    assert layers["rule:clean.lacks-skill"] < layers["derived:external_skill_needed"] < layers["rule:clean.freelancers"]
    ax = graph.draw()
    assert ax.figure is not None


def test_cli_graph(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "rules.mmd"
    args = ["--format", "mermaid", "--all", "--output", str(out)]  # a picture of every rule
    assert main(["graph", "--rules", str(FIXTURES / "clean.yaml"), *args]) == 0
    assert out.read_text() == (FIXTURES / "clean.mmd").read_text()
    assert (
        main(["graph", "--rules", str(FIXTURES / "clean.yaml"), "--output-of", "crowd_types", "--format", "dot"]) == 0
    )
    assert '"rule:clean.law"' not in capsys.readouterr().out
    assert main(["graph", "--rules", str(FIXTURES / "clean.yaml"), "--around", "nope"]) == 1
    assert "no rule, fact or output 'nope'" in capsys.readouterr().err
    assert main(["graph", "--rules", str(FIXTURES / "load_error.yaml")]) == 1


def test_exported() -> None:
    assert {"RuleGraph", "rule_graph", "check", "CheckReport", "Finding"} <= set(cr.__all__)


# -- pictures a person can read ----------------------------------------------------------------


@pytest.fixture(scope="module")
def shipped() -> cr.RuleGraph:
    return cr.rule_graph(cr.load_rules([cr.default_rules_path()]))


def test_a_picture_shows_the_verdict_and_what_decides_it_by_default(shipped: cr.RuleGraph) -> None:
    # The whole knowledge base is too large to read in one picture: by default a picture shows
    # the verdict, the rules that can decide it and the facts they read
    verdict = shipped.picture()
    assert set(verdict.graph) == set(shipped.output_of("crowdsource").graph)
    assert len(verdict.rule_ids) < len(shipped.rule_ids) / 3
    assert shipped.picture("crowd_types").rule_ids == shipped.output_of("crowd_types").rule_ids
    # A part of the graph is drawn as it is
    around = shipped.around(verdict.rule_ids[0])
    assert around.picture() is around


def test_a_notebook_draws_the_focused_picture(shipped: cr.RuleGraph, monkeypatch: pytest.MonkeyPatch) -> None:
    drawn: list[cr.RuleGraph] = []
    monkeypatch.setattr(cr.RuleGraph, "to_svg", lambda self: drawn.append(self) or "<svg/>")
    assert shipped._repr_mimebundle_()["image/svg+xml"] == "<svg/>"
    assert drawn[0].rule_ids == shipped.output_of("crowdsource").rule_ids


@pytest.mark.skipif(not drawing.graphviz_available(), reason="Graphviz's dot is not installed")
def test_graphviz_lays_out_the_picture_with_a_legend(shipped: cr.RuleGraph) -> None:
    picture = shipped.picture()
    svg = picture.to_svg()
    assert "Generated by graphviz" in svg
    texts = {text.replace("&#45;", "-") for text in re.findall(r"<text[^>]*>([^<]*)</text>", svg)}
    assert {picture.graph.nodes[n]["name"] for n in picture.graph} <= texts
    assert {"rule", "input fact", "derived fact", "output"} <= texts
    # Input facts come first, in one column (the rank Graphviz gives them)
    import json
    import subprocess

    layout = json.loads(
        subprocess.run(
            ["dot", "-Tjson"], input=drawing.to_dot(picture.graph, picture=True), capture_output=True, text=True
        ).stdout
    )
    x = {o["name"]: float(o["pos"].split(",")[0]) for o in layout["objects"] if "pos" in o}
    inputs = [x[n] for n in picture.graph if picture.graph.nodes[n]["kind"] == "input"]
    others = [x[n] for n in picture.graph if picture.graph.nodes[n]["kind"] != "input"]
    assert len(set(inputs)) == 1 and inputs[0] < min(others)


def test_without_graphviz_the_picture_is_the_layered_drawing(shipped: cr.RuleGraph, monkeypatch) -> None:
    pytest.importorskip("matplotlib")
    monkeypatch.setattr(drawing, "graphviz_available", lambda: False)
    svg = shipped.picture().to_svg()
    assert "Matplotlib" in svg and "Generated by graphviz" not in svg


def test_the_drawing_has_no_label_under_a_node_nor_a_legend_over_a_label(shipped: cr.RuleGraph) -> None:
    pytest.importorskip("matplotlib")
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    picture = shipped.picture()
    ax = picture.draw()
    figure = ax.figure
    canvas = FigureCanvasAgg(figure)
    canvas.draw()
    renderer = canvas.get_renderer()
    # Each node is its label in a box: no separate marker for a label to sit under or beside
    assert len(ax.collections) == 0
    labels = [text for text in ax.texts if text.get_text()]  # the arrows are annotations without text
    boxes = {text.get_text(): text.get_bbox_patch().get_window_extent(renderer) for text in labels}
    assert set(boxes) == {picture.graph.nodes[n]["name"] for n in picture.graph}
    names = sorted(boxes)
    for i, a in enumerate(names):
        for b in names[i + 1 :]:
            assert not boxes[a].overlaps(boxes[b]), (a, b)
    # Every box inside the picture, and the legend in a band of its own
    whole = figure.bbox
    for name, box in boxes.items():
        assert whole.x0 <= box.x0 and box.x1 <= whole.x1 and whole.y0 <= box.y0 and box.y1 <= whole.y1, name
    [legend] = figure.legends
    legend_box = legend.get_window_extent(renderer)
    assert not any(legend_box.overlaps(box) for box in boxes.values())


def test_the_graph_command_draws_the_focused_picture_unless_all(shipped: cr.RuleGraph, tmp_path: Path) -> None:
    pytest.importorskip("matplotlib")
    deciding = shipped.picture().rule_ids[0]
    other = next(r for r in shipped.rule_ids if r not in shipped.picture().rule_ids and r.startswith("risk."))
    focused, whole = tmp_path / "verdict.svg", tmp_path / "all.svg"
    assert main(["graph", "--format", "svg", "-o", str(focused)]) == 0
    assert main(["graph", "--format", "svg", "--all", "-o", str(whole)]) == 0
    # (Graphviz writes a '-' in a text as &#45;)
    focused_text, whole_text = (p.read_text().replace("&#45;", "-") for p in (focused, whole))
    assert deciding in focused_text and deciding in whole_text
    # A risk rule does not decide the verdict: only the picture of every rule shows it
    assert other not in focused_text and other in whole_text
