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
from typing import Literal

from crowdsourcing_rules.compiling import CompiledRules, compile_rules
from crowdsourcing_rules.engine import DEFAULT_MAX_FIRINGS, Engine, infer
from crowdsourcing_rules.errors import EngineUnavailableError
from crowdsourcing_rules.loading import load_rules
from crowdsourcing_rules.recommendation import Firing, Recommendation
from crowdsourcing_rules.reference import ReferenceEngine
from crowdsourcing_rules.rules import RuleSet
from crowdsourcing_rules.task import Task, parse_task
from crowdsourcing_rules.vocabulary import UNKNOWN

__all__ = ["Advisor", "EngineName", "decide", "default_rules_path"]

EngineName = Literal["auto", "durable-rules", "reference"]
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

    Build it from rule files with :meth:`from_paths` (or :meth:`default` for the shipped rules).
    An advisor is safe to share between threads. :meth:`close` (or a ``with`` block) releases its
    engine; :meth:`reload` reads the rule files again.

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
    ) -> None:
        self._lock = threading.RLock()
        self._engine_name: EngineName = engine
        self.max_firings = max_firings
        self.paths: tuple[Path, ...] = tuple(paths)
        self._install(ruleset)

    def _install(self, ruleset: RuleSet) -> None:
        compiled = compile_rules(ruleset)
        engine = _make_engine(self._engine_name, compiled)
        verdict_facts = _facts_behind_verdict(compiled)
        with self._lock:
            # The old engine is not closed here: a thread may still be deciding with it. It is
            # released when the last reference to it goes (engines clean up when collected).
            self.ruleset = ruleset
            self.compiled = compiled
            self._engine = engine
            self._verdict_facts = verdict_facts

    @classmethod
    def from_paths(
        cls,
        paths: Iterable[str | Path],
        *,
        engine: EngineName = "auto",
        max_firings: int = DEFAULT_MAX_FIRINGS,
    ) -> Advisor:
        """An advisor for the rules in these files and directories (directories are searched
        recursively). Raises :class:`~crowdsourcing_rules.RuleFileError` listing every problem."""
        files = [Path(p) for p in paths]
        return cls(load_rules(files), engine=engine, max_firings=max_firings, paths=files)

    @classmethod
    def default(cls, *, engine: EngineName = "auto", max_firings: int = DEFAULT_MAX_FIRINGS) -> Advisor:
        """An advisor for the shipped default rules."""
        return cls.from_paths([default_rules_path()], engine=engine, max_firings=max_firings)

    @property
    def engine(self) -> str:
        """The name of the engine that runs the rules."""
        return self._engine.name

    def reload(self) -> None:
        """Read the rule files again and switch to them; on error, keep the current rules."""
        if not self.paths:
            raise ValueError("this advisor was not built from files: nothing to reload")
        self._install(load_rules(self.paths))

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
            compiled, engine = self.compiled, self._engine
        rec = self._evaluate(compiled, engine, task)
        if questions and rec.crowdsource is not None:
            asked = tuple(
                name
                for name in self._verdict_facts
                if task.get(name) == UNKNOWN and self._changes_verdict(compiled, engine, task, name, rec.crowdsource)
            )
            if asked:
                rec = _evolve(rec, questions=asked)
        return rec

    def _changes_verdict(self, compiled: CompiledRules, engine: Engine, task: Task, name: str, verdict: str) -> bool:
        spec = compiled.vocabulary.fact(name)
        for value in spec.values:
            if value == UNKNOWN:
                continue
            other = Task(task.id, tuple((k, value if k == name else v) for k, v in task.items))
            if self._evaluate(compiled, engine, other).crowdsource != verdict:
                return True
        return False

    def _evaluate(self, compiled: CompiledRules, engine: Engine, task: Task) -> Recommendation:
        with engine.session() as session:
            fired, resolved = infer(compiled, session, task, max_firings=self.max_firings)
        trace = tuple(
            Firing(
                rule_id=r.rule.id,
                description=r.rule.description,
                salience=r.rule.salience,
                source=r.rule.source,
                location=r.rule.location,
                stratum=r.stratum,
                overridden=resolved.overridden.get(r.rule.id, ()),
            )
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


def _evolve(rec: Recommendation, **changes: object) -> Recommendation:
    import attrs

    return attrs.evolve(rec, **changes)  # type: ignore[arg-type]


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


def decide(task: Mapping[str, object] | Task, *, rules: Iterable[str | Path] | None = None) -> Recommendation:
    """Decide one task with the shipped default rules, or with the rule files given in ``rules``.

    The default advisor is built once and reused. For your own rules in a long-running program,
    build an :class:`Advisor` once and call its :meth:`~Advisor.decide`.
    """
    global _default_advisor
    if rules is not None:
        with Advisor.from_paths(rules) as advisor:
            return advisor.decide(task)
    with _default_lock:
        if _default_advisor is None:
            _default_advisor = Advisor.default()
        advisor = _default_advisor
    return advisor.decide(task)
