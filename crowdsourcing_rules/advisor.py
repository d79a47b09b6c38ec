"""The advisor: rule files in, recommendations out.

>>> import crowdsourcing_rules as cr
>>> rec = cr.decide({"id": "doc-1", "task_type": "translation_localization",
...                  "skill_level": "professional", "legal_sensitivity": "low"})
>>> rec.crowdsource in ("yes", "with_conditions", "no")
True
"""

from __future__ import annotations

import threading
import warnings
from collections.abc import Iterable, Mapping, Sequence
from importlib import resources
from pathlib import Path
from typing import Literal, NamedTuple, TypeVar

import attrs

from crowdsourcing_rules.compiling import CompiledRules, compile_rules
from crowdsourcing_rules.engine import DEFAULT_MAX_FIRINGS, Engine, Resolver, infer
from crowdsourcing_rules.errors import EngineUnavailableError, PolicyWarning
from crowdsourcing_rules.layers import LayeredRules, load_layers
from crowdsourcing_rules.loading import load_rules
from crowdsourcing_rules.recommendation import Firing, Recommendation
from crowdsourcing_rules.reference import ReferenceEngine
from crowdsourcing_rules.rules import RuleSet
from crowdsourcing_rules.task import Task, parse_task
from crowdsourcing_rules.vocabulary import UNKNOWN

__all__ = ["Advisor", "EngineName", "decide", "default_rules_path"]

EngineName = Literal["auto", "durable-rules", "reference"]
_T = TypeVar("_T")
_warned: set[str] = set()  # fallback warnings already given: each once per process


def default_rules_path() -> Path:
    """Where the shipped default rules are: inside the installed package, or the clone's ``rules/``."""
    packaged = resources.files("crowdsourcing_rules") / "_default_rules"
    if packaged.is_dir():
        return Path(str(packaged))
    return Path(__file__).resolve().parent.parent / "rules"


def _make_engine(name: EngineName, compiled: CompiledRules) -> Engine:
    """The engine asked for; with "auto", durable-rules where it can be imported and can carry the
    rules, else the reference engine, with a warning (once per reason)."""
    if name == "reference":
        return ReferenceEngine(compiled)
    if name not in ("auto", "durable-rules"):
        raise EngineUnavailableError(f"unknown engine {name!r}; expected 'auto', 'durable-rules' or 'reference'")
    try:
        from crowdsourcing_rules._durable import DurableEngine

        return DurableEngine(compiled)
    except EngineUnavailableError as error:
        if name == "durable-rules":
            raise
        reason = str(error)
        if reason not in _warned:
            _warned.add(reason)
            warnings.warn(f"{reason}\nusing the pure-Python reference engine instead", RuntimeWarning, stacklevel=4)
        return ReferenceEngine(compiled)


class Advisor:
    """Decides tasks with one set of rules.

    Build it from rule files with :meth:`from_paths` (or :meth:`default` for the shipped rules),
    with a company's policy layers on top (``policy=[...]``, see :mod:`crowdsourcing_rules.layers`).
    An advisor is safe to share between threads. :meth:`close` (or a ``with`` block) releases its
    engine; :meth:`reload` reads the rule files (and the layers) again.

    >>> with Advisor.default() as advisor:
    ...     advisor.decide({"id": "t1"}).task_id
    't1'
    """

    def __init__(
        self,
        ruleset: RuleSet,
        *,
        engine: EngineName = "auto",
        max_firings: int = DEFAULT_MAX_FIRINGS,
        paths: Sequence[Path] = (),
        policy: Sequence[Path] = (),
        layered: LayeredRules | None = None,
    ) -> None:
        self._lock = threading.RLock()
        self._engine_name: EngineName = engine
        self.max_firings = max_firings
        self.paths: tuple[Path, ...] = tuple(paths)
        self.policy: tuple[Path, ...] = tuple(policy)
        #: The defaults with the policy layers applied (changes, warnings); None without layers.
        self.layered: LayeredRules | None = layered
        self._install(ruleset)

    def _install(self, ruleset: RuleSet) -> None:
        compiled = compile_rules(ruleset)
        engine = _make_engine(self._engine_name, compiled)
        verdict_facts = _facts_behind_verdict(compiled)
        # What every decision needs, replaced together on reload: a decision in flight keeps its own.
        firings = {
            r.index: Firing(
                rule_id=r.rule.id,
                description=r.rule.description,
                salience=r.rule.salience,
                source=r.rule.source,
                location=r.rule.location,
                stratum=r.stratum,
            )
            for r in compiled.rules
        }
        run = _Run(compiled, engine, Resolver(compiled), firings)
        with self._lock:
            # The old engine is not closed here: a thread may still be deciding with it. It is
            # released when the last reference to it goes (engines clean up when collected).
            self.ruleset = ruleset
            self.compiled = compiled
            self._engine = engine
            self._verdict_facts = verdict_facts
            self._run = run

    @classmethod
    def from_paths(
        cls,
        paths: Iterable[str | Path],
        *,
        policy: Iterable[str | Path] = (),
        engine: EngineName = "auto",
        max_firings: int = DEFAULT_MAX_FIRINGS,
    ) -> Advisor:
        """An advisor for the rules in these files and directories (directories are searched
        recursively), with each ``policy`` file or directory applied on top as a layer, in order.
        Raises :class:`~crowdsourcing_rules.RuleFileError` listing every problem; a layer's
        contradictions are issued as :class:`~crowdsourcing_rules.PolicyWarning`."""
        files = [Path(p) for p in paths]
        layers = [Path(p) for p in policy]
        if not layers:
            return cls(load_rules(files), engine=engine, max_firings=max_firings, paths=files)
        layered = _load_layered(files, layers)
        return cls(layered.ruleset, engine=engine, max_firings=max_firings, paths=files, policy=layers, layered=layered)

    @classmethod
    def default(
        cls,
        *,
        policy: Iterable[str | Path] = (),
        engine: EngineName = "auto",
        max_firings: int = DEFAULT_MAX_FIRINGS,
    ) -> Advisor:
        """An advisor for the shipped default rules, with the ``policy`` layers on top."""
        return cls.from_paths([default_rules_path()], policy=policy, engine=engine, max_firings=max_firings)

    @property
    def engine(self) -> str:
        """The name of the engine that runs the rules."""
        return self._engine.name

    def reload(self) -> None:
        """Read the rule files again and switch to them; on error, keep the current rules."""
        if not self.paths:
            raise ValueError("this advisor was not built from files: nothing to reload")
        if not self.policy:
            self._install(load_rules(self.paths))
            return
        layered = _load_layered(self.paths, self.policy)
        self._install(layered.ruleset)
        with self._lock:
            self.layered = layered

    def close(self) -> None:
        """Release the engine. The advisor cannot decide afterwards."""
        self._engine.close()

    def __enter__(self) -> Advisor:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def parse_task(self, data: Mapping[str, object] | Task) -> Task:
        """Validate a task against this advisor's vocabulary (built-in and declared facts)."""
        return parse_task(data, self.ruleset.vocabulary)

    def decide(self, task: Mapping[str, object] | Task, *, questions: bool = True) -> Recommendation:
        """Decide one task.

        ``task`` is a mapping of facts (validated here) or a :class:`Task`. With ``questions``,
        each unknown fact that could change the verdict is tried with every value to find the
        ones that do; turn it off to decide faster.
        """
        task = self.parse_task(task)
        with self._lock:
            run, verdict_facts = self._run, self._verdict_facts
        rec = self._evaluate(run, task)
        if questions and rec.crowdsource is not None:
            facts = task.facts
            asked = tuple(
                name
                for name in verdict_facts
                if facts.get(name) == UNKNOWN and self._changes_verdict(run, task, name, rec.crowdsource)
            )
            if asked:
                rec = _evolve(rec, questions=asked)
        return rec

    def _changes_verdict(self, run: _Run, task: Task, name: str, verdict: str) -> bool:
        spec = run.compiled.vocabulary.fact(name)
        for value in spec.values:
            if value == UNKNOWN:
                continue
            other = Task(task.id, tuple((k, value if k == name else v) for k, v in task.items), task.vocabulary)
            with run.engine.session() as session:
                _fired, resolved = infer(
                    run.compiled, session, other, max_firings=self.max_firings, resolver=run.resolver
                )
            if resolved.single["crowdsource"] != verdict:
                return True
        return False

    def _evaluate(self, run: _Run, task: Task) -> Recommendation:
        engine = run.engine
        with engine.session() as session:
            fired, resolved = infer(run.compiled, session, task, max_firings=self.max_firings, resolver=run.resolver)
        overridden, firings = resolved.overridden, run.firings
        trace = tuple(
            firings[r.index]
            if r.rule.id not in overridden
            else _evolve(firings[r.index], overridden=overridden[r.rule.id])
            for r in fired
        )
        single = resolved.single
        return Recommendation(
            task_id=task.id,
            crowdsource=single["crowdsource"],
            conditions=resolved.conditions,
            crowd_types=resolved.lists["crowd_types"],
            granularity=single["granularity"],
            service_types=resolved.lists["service_types"],
            manage_crowd_directly=single["manage_crowd_directly"],
            crowd_model=single["crowd_model"],
            preselection=single["preselection"],
            howe_function=single["howe_function"],
            objectives=resolved.lists["objectives"],
            risks=resolved.risks,
            plan=resolved.plan,
            trace=trace,
            engine=engine.name,
        )


def _load_layered(paths: Sequence[Path], policy: Sequence[Path]) -> LayeredRules:
    layered = load_layers(paths, policy)
    for problem in layered.warnings:
        warnings.warn(PolicyWarning(problem), stacklevel=3)
    return layered


class _Run(NamedTuple):
    """An installed rule set: what one decision uses from start to end."""

    compiled: CompiledRules
    engine: Engine
    resolver: Resolver
    firings: dict[int, Firing]  # by rule index, without overrides


def _evolve(value: _T, **changes: object) -> _T:
    return attrs.evolve(value, **changes)  # type: ignore[misc]


def _facts_behind_verdict(compiled: CompiledRules) -> tuple[str, ...]:
    """Enumerated input facts that some rule on a path to the verdict reads (in vocabulary order)."""
    import networkx as nx

    graph: nx.DiGraph[tuple[str, str]] = nx.DiGraph()
    for rule in compiled.rules:
        node = ("rule", rule.id)
        for name in rule.reads_inputs:
            graph.add_edge(("input", name), node)
        for name in rule.reads_derived:
            graph.add_edge(("derived", name), node)
        for name in rule.reads_outputs:
            graph.add_edge(("output", name), node)
        for c in rule.rule.then:
            if c.kind == "derive":
                graph.add_edge(node, ("derived", str(c.name)))
            elif c.kind == "condition":
                graph.add_edge(node, ("output", "conditions"))
            elif c.kind == "set":
                graph.add_edge(node, ("output", str(c.name)))
    graph.add_edge(("output", "conditions"), ("output", "crowdsource"))
    target = ("output", "crowdsource")
    if target not in graph:
        return ()
    behind = {name for kind, name in nx.ancestors(graph, target) if kind == "input"}
    return tuple(
        spec.name for spec in compiled.vocabulary.facts if spec.name in behind and spec.kind in ("enum", "bool")
    )


_default_lock = threading.Lock()
_default_advisor: Advisor | None = None


def decide(
    task: Mapping[str, object] | Task,
    *,
    rules: Iterable[str | Path] | None = None,
    policy: Iterable[str | Path] = (),
) -> Recommendation:
    """Decide one task with the shipped default rules, or with the rule files given in ``rules``,
    with the ``policy`` layers on top.

    The default advisor is built once and reused. For your own rules in a long-running program,
    build an :class:`Advisor` once and call its :meth:`~Advisor.decide`.
    """
    global _default_advisor
    policy = list(policy)
    if rules is not None or policy:
        with Advisor.from_paths(rules if rules is not None else [default_rules_path()], policy=policy) as advisor:
            return advisor.decide(task)
    with _default_lock:
        if _default_advisor is None:
            _default_advisor = Advisor.default()
        advisor = _default_advisor
    return advisor.decide(task)
