"""Threads: one advisor shared by 8 threads gives the results of sequential calls (issue 8).

durable-rules is not thread-safe (its C engine keeps global state): the engine serialises every
call into it with one process-wide lock. These tests start the threads together on a barrier so
that they really overlap, and compare every result with the sequential one.
"""

from __future__ import annotations

import random
import shutil
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

import crowdsourcing_rules as cr
from crowdsourcing_rules.rulefiles.loading import default_rules_path
from tests.test_differential import random_task

THREADS = 8
PER_THREAD = 60


def run_threads(work: Callable[[int], Any], count: int = THREADS) -> list[Any]:
    """Run ``work(n)`` in ``count`` threads started together; re-raise the first error."""
    barrier = threading.Barrier(count)
    results: list[Any] = [None] * count
    errors: list[BaseException] = []

    def target(n: int) -> None:
        try:
            barrier.wait()
            results[n] = work(n)
        except BaseException as error:  # reported below, with the thread's number
            errors.append(error)

    threads = [threading.Thread(target=target, args=(n,)) for n in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=300)
    assert not any(t.is_alive() for t in threads), "a thread hung"
    if errors:
        raise errors[0]
    return results


@pytest.fixture(scope="module")
def task_pool() -> list[dict[str, Any]]:
    rng = random.Random(8)
    vocabulary = cr.default_vocabulary()
    return [random_task(rng, vocabulary, n) for n in range(THREADS * PER_THREAD)]


def decide_all(advisor: cr.Advisor, tasks: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Decide each task; one in five also searches for questions (several evaluations each)."""
    return [advisor.decide(task, questions=task["id"].endswith(("0", "5"))).to_dict() for task in tasks]


@pytest.mark.parametrize("engine", ["durable-rules", "reference"])
def test_eight_threads_deciding_on_one_advisor(engine: str, task_pool: list[dict[str, Any]]) -> None:
    with cr.Advisor.default(engine=engine) as advisor:  # type: ignore[arg-type]
        expected = decide_all(advisor, task_pool)
        before = threading.active_count()
        chunks = run_threads(lambda n: decide_all(advisor, task_pool[n::THREADS]))
        assert threading.active_count() == before
    for n, chunk in enumerate(chunks):
        assert chunk == expected[n::THREADS]


def test_threads_on_advisors_with_different_rules(write_rules: Callable[..., Path]) -> None:
    """Several durable-rules engines in one process, used at once, each with its own rules."""
    folder = write_rules(
        mine="""
rules:
  - id: mine.urgent
    description: urgent work goes to experts
    when: {urgency: high}
    then: [{add: {crowd_types: niche_experts}}, {set: {crowdsource: 'yes'}}]
    source: {citation: test, status: I}
"""
    )
    advisors = [cr.Advisor.default(engine="durable-rules"), cr.Advisor.from_paths([folder], engine="durable-rules")]
    tasks = [{"id": f"t{n}", "urgency": ("low", "medium", "high")[n % 3]} for n in range(60)]
    expected = [[a.decide(t).to_dict() for t in tasks] for a in advisors]
    results = run_threads(lambda n: [advisors[n % 2].decide(t).to_dict() for t in tasks])
    for n, result in enumerate(results):
        assert result == expected[n % 2]
    for advisor in advisors:
        advisor.close()


def test_reload_while_eight_threads_decide(tmp_path: Path, task_pool: list[dict[str, Any]]) -> None:
    """reload() swaps the engine under running threads: no error, and results stay those of the files."""
    rules = tmp_path / "rules"
    shutil.copytree(default_rules_path(), rules)
    with cr.Advisor.from_paths([rules], engine="durable-rules") as advisor:
        expected = decide_all(advisor, task_pool)
        stop = threading.Event()
        reloads = 0

        def reloader() -> None:
            nonlocal reloads
            while not stop.is_set():
                advisor.reload()
                reloads += 1

        thread = threading.Thread(target=reloader)
        thread.start()
        try:
            chunks = run_threads(lambda n: decide_all(advisor, task_pool[n::THREADS]))
        finally:
            stop.set()
            thread.join(timeout=60)
    assert reloads > 0
    for n, chunk in enumerate(chunks):
        assert chunk == expected[n::THREADS]


def test_a_failed_reload_keeps_the_rules_under_running_threads(tmp_path: Path) -> None:
    rules = tmp_path / "rules"
    shutil.copytree(default_rules_path(), rules)
    with cr.Advisor.from_paths([rules], engine="durable-rules") as advisor:
        task = {"id": "t", "urgency": "high", "in_house_capability": "none", "skill_level": "professional"}
        expected = advisor.decide(task).to_dict()
        (rules / "broken.yaml").write_text("rules:\n  - id: [not, an, id]\n", encoding="utf-8")
        with pytest.raises(cr.RuleFileError):
            advisor.reload()
        assert run_threads(lambda n: advisor.decide(task).to_dict()) == [expected] * THREADS


def test_the_default_decide_from_eight_threads() -> None:
    """``cr.decide`` builds its shared advisor once, even when the first calls come at once."""
    tasks = [{"id": f"t{n}", "volume": "massive", "decomposability": "micro"} for n in range(20)]
    expected = [cr.decide(t).to_dict() for t in tasks]
    assert run_threads(lambda n: [cr.decide(t).to_dict() for t in tasks]) == [expected] * THREADS
