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
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import NamedTuple, TypeVar

import attrs

from crowdsourcing_rules.engine.agenda import DEFAULT_MAX_FIRINGS, Engine, infer
from crowdsourcing_rules.engine.compiling import CompiledRules, compile_rules
from crowdsourcing_rules.engine.engines import EngineName, make_engine
from crowdsourcing_rules.engine.questions import QuestionSearch
from crowdsourcing_rules.errors import PolicyWarning
from crowdsourcing_rules.model import platforms, policy
from crowdsourcing_rules.model.recommendation import Firing, Recommendation
from crowdsourcing_rules.model.rules import RuleSet
from crowdsourcing_rules.model.task import Task, TaskInput, parse_task
from crowdsourcing_rules.rulefiles.layers import LayeredRules, load_layers
from crowdsourcing_rules.rulefiles.loading import default_rules_path, load_rules, path_list

__all__ = ["Advisor", "EngineName", "decide", "default_rules_path"]

_T = TypeVar("_T")


class Advisor:
    """Decides tasks with one set of rules.

    Build it from rule files with :meth:`from_paths` (or :meth:`default` for the shipped rules),
    with a company's policy layers on top (``policy=[...]``, see :mod:`crowdsourcing_rules.rulefiles.layers`).
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
        if not isinstance(ruleset, RuleSet):
            raise TypeError(
                f"ruleset must be a RuleSet, got {type(ruleset).__name__}; "
                "for rule files use Advisor.from_paths([...]) or load_rules([...])"
            )
        self._lock = threading.RLock()
        self._engine_name: EngineName = engine
        self.max_firings = _max_firings(max_firings)
        self.paths: tuple[Path, ...] = tuple(paths)
        self.policy: tuple[Path, ...] = tuple(policy)
        #: The defaults with the policy layers applied (changes, warnings); None without layers.
        self.layered: LayeredRules | None = layered
        self._install(ruleset)

    def _install(self, ruleset: RuleSet) -> None:
        compiled = compile_rules(ruleset)
        engine = make_engine(self._engine_name, compiled)
        # The same engine (durable-rules, or the reference one where it fell back) for the questions.
        search = QuestionSearch(compiled, engine.name, max_firings=self.max_firings)  # type: ignore[arg-type]
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
        run = _Run(compiled, engine, firings, {f.rule_id: f for f in firings.values()}, search)
        with self._lock:
            # The old engine is not closed here: a thread may still be deciding with it. It is
            # released when the last reference to it goes (engines clean up when collected).
            self.ruleset = ruleset
            self.compiled = compiled
            self._engine = engine
            self._run = run

    @classmethod
    def from_paths(
        cls,
        paths: Iterable[str | Path],
        *,
        policy: Iterable[str | Path] | None = (),
        engine: EngineName = "auto",
        max_firings: int = DEFAULT_MAX_FIRINGS,
    ) -> Advisor:
        """An advisor for the rules in these files and directories (directories are searched
        recursively), with each ``policy`` file or directory applied on top as a layer, in order
        (``None``: no layer). Both are lists of paths: a single path is refused with a
        ``TypeError`` (write ``[path]``), as it would otherwise be read character by character.
        Raises :class:`~crowdsourcing_rules.RuleFileError` listing every problem; a layer's
        contradictions are issued as :class:`~crowdsourcing_rules.PolicyWarning`."""
        files = path_list(paths, "paths")
        layers = path_list(policy, "policy")
        if not layers:
            return cls(load_rules(files), engine=engine, max_firings=max_firings, paths=files)
        layered = _load_layered(files, layers)
        return cls(layered.ruleset, engine=engine, max_firings=max_firings, paths=files, policy=layers, layered=layered)

    @classmethod
    def default(
        cls,
        *,
        policy: Iterable[str | Path] | None = (),
        engine: EngineName = "auto",
        max_firings: int = DEFAULT_MAX_FIRINGS,
    ) -> Advisor:
        """An advisor for the shipped default rules, with the ``policy`` layers on top."""
        return cls.from_paths([default_rules_path()], policy=policy, engine=engine, max_firings=max_firings)

    def firing(self, rule_id: str) -> Firing:
        """The trace entry of a rule of the current rule set (``KeyError`` if there is none)."""
        with self._lock:
            return self._run.by_id[rule_id]

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
        self._run.questions.close()

    def __enter__(self) -> Advisor:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def parse_task(self, data: TaskInput) -> Task:
        """Validate a task against this advisor's vocabulary (built-in and declared facts); see
        :func:`~crowdsourcing_rules.model.task.parse_task` for what ``data`` may be."""
        return parse_task(data, self.ruleset.vocabulary)

    def decide(self, task: TaskInput, *, questions: bool = True) -> Recommendation:
        """Decide one task.

        ``task`` is a mapping of facts (validated here), a :class:`Task`, or a dataclass, an attrs
        instance or a pydantic model whose fields are facts. With ``questions``, each unknown fact
        that could change the verdict (a finer fact only when the coarser one it refines is unknown
        too) is tried with its values to find the ones that do: they are the recommendation's
        ``questions``, and it is ``provisional`` when there are any. The search goes through the rules
        on a path to the verdict only (see :mod:`crowdsourcing_rules.engine.questions`) and costs
        about one more decision; turn it off to decide faster (then ``questions`` is empty and
        ``provisional`` false: nothing was searched).
        """
        task = self.parse_task(task)
        with self._lock:
            run = self._run
        rec = self._evaluate(run, task)
        if questions and rec.crowdsource is not None:
            asked = run.questions.questions(task, rec.crowdsource)
            if asked:
                rec = _evolve(rec, questions=asked, provisional=True)
        return rec

    def _evaluate(self, run: _Run, task: Task) -> Recommendation:
        engine = run.engine
        with engine.session() as session:
            fired, resolved = infer(run.compiled, session, task, max_firings=self.max_firings)
        overridden, firings = resolved.overridden, run.firings
        trace = tuple(
            firings[r.index]
            if r.rule.id not in overridden
            else _evolve(firings[r.index], overridden=overridden[r.rule.id])
            for r in fired
        )
        single = resolved.single
        services = resolved.lists["service_types"]
        return Recommendation(
            task_id=task.id,
            crowdsource=single["crowdsource"],
            conditions=resolved.conditions,
            crowd_types=resolved.lists["crowd_types"],
            granularity=single["granularity"],
            service_types=services,
            manage_crowd_directly=single["manage_crowd_directly"],
            crowd_model=single["crowd_model"],
            preselection=single["preselection"],
            howe_function=single["howe_function"],
            objectives=resolved.lists["objectives"],
            risks=resolved.risks,
            plan=resolved.plan,
            # Computed from the rules' conclusions, after them (docs/vocabulary.md, "computed")
            service_notes=policy.service_notes((r.rule for r in fired), services),
            platform_examples=platforms.examples(services[0] if services else None, task.facts),
            trace=trace,
            engine=engine.name,
        )


def _max_firings(value: object) -> int:
    if not isinstance(value, int) or isinstance(value, bool):
        raise TypeError(f"max_firings must be an integer, got {type(value).__name__}")
    if value < 1:
        raise ValueError(f"max_firings must be at least 1, got {value}")
    return value


def _load_layered(paths: Sequence[Path], policy: Sequence[Path]) -> LayeredRules:
    layered = load_layers(paths, policy)
    for problem in layered.warnings:
        warnings.warn(PolicyWarning(problem), stacklevel=3)
    return layered


class _Run(NamedTuple):
    """An installed rule set: what one decision uses from start to end."""

    compiled: CompiledRules
    engine: Engine
    firings: dict[int, Firing]  # by rule index, without overrides
    by_id: dict[str, Firing]  # the same, by rule id
    questions: QuestionSearch


def _evolve(value: _T, **changes: object) -> _T:
    return attrs.evolve(value, **changes)  # type: ignore[misc]


_default_lock = threading.Lock()
_default_advisor: Advisor | None = None


def decide(
    task: TaskInput,
    *,
    rules: Iterable[str | Path] | None = None,
    policy: Iterable[str | Path] | None = (),
    questions: bool = True,
) -> Recommendation:
    """Decide one task with the shipped default rules, or with the rule files given in ``rules``,
    with the ``policy`` layers on top. ``questions`` as in :meth:`Advisor.decide`: turn it off to
    decide faster when the unknown facts that would change the verdict are not needed.

    The default advisor is built once and reused. For your own rules in a long-running program,
    build an :class:`Advisor` once and call its :meth:`~Advisor.decide`.
    """
    global _default_advisor
    layers = path_list(policy, "policy")
    files = path_list(rules, "rules") if rules is not None else None
    if files is not None or layers:
        with Advisor.from_paths(files if files is not None else [default_rules_path()], policy=layers) as advisor:
            return advisor.decide(task, questions=questions)
    with _default_lock:
        if _default_advisor is None:
            _default_advisor = Advisor.default()
        advisor = _default_advisor
    return advisor.decide(task, questions=questions)
