"""The rule graph: rules, and the facts and outputs they read and conclude, as a networkx graph.

Each rule points to the derived facts and outputs it concludes; each fact or output points to the
rules whose conditions read it. Node keys say what a node is: ``rule:<id>``, ``input:<fact>``,
``derived:<fact>``, ``output:<name>``. Three *policy* edges between outputs stand for the conflict
resolution of ``docs/rule-files.md``: a ``condition`` turns a ``yes`` verdict into
``with_conditions`` (``output:conditions -> output:crowdsource``), and a ``no`` verdict empties the
crowd, the service and the conditions and makes granularity, crowd model, management and
preselection not applicable (``output:crowdsource -> output:granularity`` and so on).

>>> from crowdsourcing_rules.rulefiles.loading import parse_rule_documents
>>> graph = rule_graph(parse_rule_documents([("example.yaml", _EXAMPLE)]))
>>> sorted(graph.rules_influencing("crowd_types"))
['default-verdict', 'freelancers', 'lacks-skill']
>>> graph.node_key("skill_level")
'input:skill_level'
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from typing import TYPE_CHECKING

import networkx as nx

from crowdsourcing_rules.analysis import drawing
from crowdsourcing_rules.analysis.drawing import NODE_KINDS
from crowdsourcing_rules.errors import did_you_mean
from crowdsourcing_rules.model.conditions import normal_form
from crowdsourcing_rules.model.policy import POLICY_EDGES, target
from crowdsourcing_rules.model.rules import RuleSet

if TYPE_CHECKING:  # pragma: no cover
    from matplotlib.axes import Axes

__all__ = ["NODE_KINDS", "RuleGraph", "rule_graph"]

# A small rule set for the examples in the docstrings.
_EXAMPLE = """
rules:
  - id: lacks-skill
    description: The company lacks the skill in-house.
    when: {in_house_capability: none}
    then: [{derive: {external_skill_needed: true}}]
    source: {citation: example, status: I}
  - id: freelancers
    description: Professional work the company cannot do goes to skilled freelancers.
    when: {external_skill_needed: true, skill_level: {at_least: professional}}
    then: [{add: {crowd_types: skilled_freelancers}}]
    source: {citation: example, status: I}
  - id: default-verdict
    description: By default, crowdsource.
    salience: -100
    then: [{set: {crowdsource: 'yes'}}]
    source: {citation: example, status: I}
  - id: review
    description: Plan a review of what the crowd delivers.
    when: {crowdsource: 'yes'}
    then: [{plan: Review what comes back}]
    source: {citation: example, status: I}
"""


def rule_graph(ruleset: RuleSet) -> RuleGraph:
    """The graph of a rule set's rules and the facts and outputs they read and conclude.

    >>> from crowdsourcing_rules.rulefiles.loading import parse_rule_documents
    >>> graph = rule_graph(parse_rule_documents([("example.yaml", _EXAMPLE)]))
    >>> graph
    <RuleGraph: 4 rules, 2 input facts, 1 derived facts, 3 outputs>
    """
    return RuleGraph.from_ruleset(ruleset)


def _key(kind: str, name: str) -> str:
    return f"{kind}:{name}"


def _build(ruleset: RuleSet) -> nx.DiGraph[str]:
    """The networkx graph of a rule set's rules, facts and outputs (see :class:`RuleGraph`)."""
    vocabulary = ruleset.vocabulary
    derived = {str(c.name) for r in ruleset for c in r.then if c.kind == "derive"}
    graph: nx.DiGraph[str] = nx.DiGraph(name="rules")
    for rule in ruleset:
        graph.add_node(
            _key("rule", rule.id),
            kind="rule",
            name=rule.id,
            salience=rule.salience,
            location=rule.location,
            description=rule.description,
        )
    for rule in ruleset:
        node = _key("rule", rule.id)
        negative: set[tuple[str, str]] = set()
        if rule.when is not None:
            for conj in normal_form(rule.when, vocabulary, derived):
                negative |= {(i.space, i.name) for i in conj.items if not i.positive}
        tests: dict[tuple[str, str], list[str]] = defaultdict(list)
        for test in rule.tests:
            if vocabulary.has_fact(test.fact):
                space = "input"
            elif vocabulary.has_output(test.fact):
                space = "output"
            else:
                space = "derived"
            tests[(space, test.fact)].append(test.describe())
        for (space, name), described in tests.items():
            source = _key(space, name)
            graph.add_node(source, kind=space, name=name)
            is_negative = (space, name) in negative
            graph.add_edge(
                source,
                node,
                kind="reads",
                tests=tuple(described),
                negative=is_negative,
                final=space == "output" or (space == "derived" and is_negative),
            )
        concluded: dict[tuple[str, str], list[str]] = defaultdict(list)
        for conclusion in rule.then:
            concluded[target(conclusion)].append(conclusion.describe())
        for (space, name), described in concluded.items():
            key = _key(space, name)
            graph.add_node(key, kind=space, name=name)
            graph.add_edge(node, key, kind="concludes", conclusions=tuple(described))
    for source, sink, why in POLICY_EDGES:
        a, b = _key("output", source), _key("output", sink)
        if a in graph and b in graph:
            graph.add_edge(a, b, kind="policy", why=why)
    return graph


class RuleGraph:
    """A directed graph of rules and facts, with the questions rule authors ask of it.

    ``graph`` is the underlying :class:`networkx.DiGraph`; every node has ``kind`` (one of
    :data:`NODE_KINDS`) and ``name``; rule nodes also ``location``, ``salience`` and
    ``description``. Edges have ``kind``: ``reads`` (fact to rule, with ``tests``, ``negative``
    when the rule tests that the fact is absent, ``final`` when it waits for the fact's final
    value), ``concludes`` (rule to fact, with ``conclusions``) or ``policy`` (output to output).
    Treat ``graph`` as read-only: the queries below are computed from it.
    """

    #: The output a picture of a whole rule set shows by default, with the rules and facts behind it
    FOCUS = "crowdsource"

    def __init__(self, graph: nx.DiGraph[str], ruleset: RuleSet | None = None, *, view: bool = False) -> None:
        self.graph = graph
        self.ruleset = ruleset
        self.view = view  # a part of a rule set's graph (output_of, around, subgraph), not the whole

    @classmethod
    def from_ruleset(cls, ruleset: RuleSet) -> RuleGraph:
        """Build the graph of ``ruleset`` (see :func:`rule_graph`)."""
        return cls(_build(ruleset), ruleset)

    @property
    def rule_ids(self) -> tuple[str, ...]:
        """The rules, sorted by id."""
        return tuple(sorted(d["name"] for _n, d in self.graph.nodes(data=True) if d["kind"] == "rule"))

    def nodes(self, kind: str | None = None) -> tuple[str, ...]:
        """Node keys, sorted; only those of one kind if ``kind`` is given."""
        return tuple(sorted(n for n, d in self.graph.nodes(data=True) if kind is None or d["kind"] == kind))

    def node_key(self, name: str) -> str:
        """The key of a node given as a key (``output:crowd_types``) or a bare rule id or fact name.

        Raises :class:`KeyError`, with a suggestion, when there is no such node or the name is
        ambiguous.
        """
        if name in self.graph:
            return name
        matches = [n for n, d in self.graph.nodes(data=True) if d["name"] == name]
        if len(matches) == 1:
            return str(matches[0])
        if matches:
            raise KeyError(f"{name!r} is ambiguous: say which of {', '.join(sorted(matches))}")
        names = sorted({d["name"] for _n, d in self.graph.nodes(data=True)} | set(self.graph))
        raise KeyError(f"no rule, fact or output {name!r} in the graph{did_you_mean(name, names)}")

    def _prefer(self, kind: str, name: str) -> str:
        """A bare name read as a node of ``kind`` first (an output and a rule may share a name)."""
        if ":" not in name and _key(kind, name) in self.graph:
            return _key(kind, name)
        return self.node_key(name)

    def ancestors(self, node: str) -> frozenset[str]:
        """Every rule and fact that can influence ``node`` (a key, rule id or fact name).

        >>> from crowdsourcing_rules.rulefiles.loading import parse_rule_documents
        >>> graph = rule_graph(parse_rule_documents([("example.yaml", _EXAMPLE)]))
        >>> sorted(graph.ancestors("output:crowd_types"))
        ['derived:external_skill_needed', 'input:in_house_capability', 'input:skill_level', \
'output:crowdsource', 'rule:default-verdict', 'rule:freelancers', 'rule:lacks-skill']
        """
        return frozenset(nx.ancestors(self.graph, self.node_key(node)))

    def descendants(self, node: str) -> frozenset[str]:
        """Every rule and fact that ``node`` can influence.

        >>> from crowdsourcing_rules.rulefiles.loading import parse_rule_documents
        >>> graph = rule_graph(parse_rule_documents([("example.yaml", _EXAMPLE)]))
        >>> sorted(graph.descendants("in_house_capability"))
        ['derived:external_skill_needed', 'output:crowd_types', 'rule:freelancers', 'rule:lacks-skill']
        """
        return frozenset(nx.descendants(self.graph, self.node_key(node)))

    def rules_influencing(self, output: str) -> tuple[str, ...]:
        """Ids of the rules that can influence an output or fact, sorted."""
        return tuple(sorted(self.graph.nodes[n]["name"] for n in self.ancestors(output) if n.startswith("rule:")))

    def rule_dependencies(self) -> nx.DiGraph[str]:
        """Rules only: an edge ``a -> b`` when ``b`` reads something ``a`` concludes.

        Each edge has ``via``, the fact or output keys that carry the dependency, and
        ``positive``: false when ``b`` waits for ``a`` (it reads an output, or tests that a derived
        fact is absent), true when ``a`` may just enable ``b``.
        """
        deps: nx.DiGraph[str] = nx.DiGraph()
        deps.add_nodes_from(self.rule_ids)
        for rule_node in self.nodes("rule"):
            producer = self.graph.nodes[rule_node]["name"]
            for fact in self.graph.successors(rule_node):
                policy = self._policy_graph()
                reached = {fact} | (nx.descendants(policy, fact) if fact in policy else set())
                for carrier in sorted(reached):
                    for reader in self.graph.successors(carrier):
                        if self.graph.nodes[reader]["kind"] != "rule":
                            continue
                        data = self.graph.edges[carrier, reader]
                        positive = carrier == fact and not data["final"]
                        name = self.graph.nodes[reader]["name"]
                        if deps.has_edge(producer, name):
                            edge = deps.edges[producer, name]
                            edge["via"] = tuple(sorted({*edge["via"], carrier}))
                            edge["positive"] = edge["positive"] and positive
                        else:
                            deps.add_edge(producer, name, via=(carrier,), positive=positive)
        return deps

    def _policy_graph(self) -> nx.DiGraph[str]:
        cached = getattr(self, "_policy", None)
        if cached is None:
            cached = nx.DiGraph((a, b) for a, b, d in self.graph.edges(data=True) if d["kind"] == "policy")
            self._policy = cached
        return cached

    def generations(self) -> tuple[tuple[str, ...], ...]:
        """Rules in topological generations: a rule depends only on rules of earlier generations.

        Rules on a cycle (legal when it goes through derived facts only: each rule fires at most
        once) share a generation. Generations say which rules can enable or must wait for which;
        the engine's firing order is by stratum, then salience (``docs/rule-files.md``).

        >>> from crowdsourcing_rules.rulefiles.loading import parse_rule_documents
        >>> graph = rule_graph(parse_rule_documents([("example.yaml", _EXAMPLE)]))
        >>> graph.generations()
        (('default-verdict', 'lacks-skill'), ('freelancers', 'review'))
        """
        deps = self.rule_dependencies()
        condensed = nx.condensation(deps)
        return tuple(
            tuple(sorted(rule for component in layer for rule in condensed.nodes[component]["members"]))
            for layer in nx.topological_generations(condensed)
        )

    def subgraph(self, nodes: Iterable[str]) -> RuleGraph:
        """The graph restricted to ``nodes`` (keys)."""
        return RuleGraph(self.graph.subgraph(nodes).copy(), self.ruleset, view=True)

    def output_of(self, output: str) -> RuleGraph:
        """What can influence one output or fact: the node and its ancestors.

        >>> from crowdsourcing_rules.rulefiles.loading import parse_rule_documents
        >>> graph = rule_graph(parse_rule_documents([("example.yaml", _EXAMPLE)]))
        >>> graph.output_of("crowd_types").rule_ids
        ('default-verdict', 'freelancers', 'lacks-skill')
        """
        key = self._prefer("output", output)
        return self.subgraph({key} | set(nx.ancestors(self.graph, key)))

    def around(self, rule_id: str, radius: int = 1) -> RuleGraph:
        """A rule's neighbourhood: the facts it reads and concludes, the rules that conclude what it
        reads and the rules that read what it concludes; ``radius`` such steps from rule to rule
        (0: the rule and its facts only).

        >>> from crowdsourcing_rules.rulefiles.loading import parse_rule_documents
        >>> graph = rule_graph(parse_rule_documents([("example.yaml", _EXAMPLE)]))
        >>> graph.around("freelancers").rule_ids
        ('freelancers', 'lacks-skill')
        """
        key = self._prefer("rule", rule_id)
        if self.graph.nodes[key]["kind"] != "rule":
            raise KeyError(f"{rule_id!r} is not a rule")
        keep = {key}
        frontier = {key}
        for step in range(radius + 1):
            reads = {f for r in frontier for f in self.graph.predecessors(r)}
            concludes = {f for r in frontier for f in self.graph.successors(r)}
            keep |= reads | concludes
            if step == radius:
                break
            frontier = {r for f in reads for r in self.graph.predecessors(f) if self._is_rule(r)}
            frontier |= {r for f in concludes for r in self.graph.successors(f) if self._is_rule(r)}
            frontier -= keep
            keep |= frontier
        return self.subgraph(keep)

    def _is_rule(self, node: str) -> bool:
        return bool(self.graph.nodes[node]["kind"] == "rule")

    # -- pictures (crowdsourcing_rules.analysis.drawing) ---------------------------------------

    def to_text(self) -> str:
        """A plain-text listing: rules by generation, each with what it reads and concludes.

        >>> from crowdsourcing_rules.rulefiles.loading import parse_rule_documents
        >>> graph = rule_graph(parse_rule_documents([("example.yaml", _EXAMPLE)]))
        >>> print(graph.around("freelancers", radius=0).to_text())
        generation 0
          freelancers  (salience 0, example.yaml:8:5)
            reads      derived:external_skill_needed, input:skill_level
            concludes  output:crowd_types
        """
        return drawing.to_text(self.graph, self.generations())

    def to_mermaid(self) -> str:
        """A Mermaid flowchart (GitHub, GitLab and JupyterLab render it)."""
        return drawing.to_mermaid(self.graph)

    def to_dot(self) -> str:
        """Graphviz DOT text (render with ``dot -Tsvg``; parse with pydot)."""
        return drawing.to_dot(self.graph)

    def draw(self, ax: Axes | None = None) -> Axes:
        """Draw the graph with matplotlib (the ``plot`` extra); returns the axes drawn on."""
        return drawing.draw(self.graph, ax)

    def to_svg(self) -> str:
        """A picture of this graph as SVG text: laid out by Graphviz when its ``dot`` program is
        installed, else the layered :meth:`draw` drawing (needs matplotlib)."""
        return drawing.svg(self.graph)

    def picture(self, output: str | None = None) -> RuleGraph:
        """What a picture shows by default: one output and the rules and facts behind it
        (``output``, or :attr:`FOCUS`, the verdict), since a whole rule set is too large to read
        in one picture; a part of a graph (``output_of``, ``around``) as it is.

        >>> from crowdsourcing_rules.rulefiles.loading import parse_rule_documents
        >>> graph = rule_graph(parse_rule_documents([("example.yaml", _EXAMPLE)]))
        >>> graph.picture().rule_ids
        ('default-verdict',)
        >>> graph.picture("crowd_types").rule_ids
        ('default-verdict', 'freelancers', 'lacks-skill')
        """
        if output is not None:
            return self.output_of(output)
        if self.view or _key("output", self.FOCUS) not in self.graph:
            return self
        return self.output_of(self.FOCUS)

    def _repr_mimebundle_(self, include: object = None, exclude: object = None) -> dict[str, str]:
        """In a notebook the graph draws itself (its :meth:`picture`): an SVG picture laid out by
        Graphviz or drawn by matplotlib, else Mermaid."""
        picture = self.picture()
        bundle = {"text/plain": repr(self)}
        try:
            bundle["image/svg+xml"] = picture.to_svg()
        except ImportError:
            bundle["text/markdown"] = "```mermaid\n" + picture.to_mermaid() + "```\n"
        return bundle

    def __repr__(self) -> str:
        counts = {kind: len(self.nodes(kind)) for kind in NODE_KINDS}
        return (
            f"<RuleGraph: {counts['rule']} rules, {counts['input']} input facts, "
            f"{counts['derived']} derived facts, {counts['output']} outputs>"
        )
