"""Deciding in several processes: chunks of tasks go to worker processes, each with its own
advisor built once from the rule set, and come back packed, in order.
"""

from __future__ import annotations

import collections
import ctypes
import functools
import gc
import itertools
import marshal
import multiprocessing
import os
import pickle
import signal
import sys
import threading
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import Future, ProcessPoolExecutor
from typing import Any, NamedTuple

import attrs

from crowdsourcing_rules.advisor import Advisor, EngineName
from crowdsourcing_rules.batch.results import Result, TaskFailure, decide_one
from crowdsourcing_rules.engine.agenda import DEFAULT_MAX_FIRINGS
from crowdsourcing_rules.model.recommendation import Firing, Override, Recommendation, Risk
from crowdsourcing_rules.model.rules import RuleSet

__all__ = ["AdvisorSpec", "decide_in_pool", "start_method", "unpacker"]


@attrs.frozen
class AdvisorSpec:
    """What a worker process needs to build the same advisor: advisors are not picklable, rule sets are."""

    ruleset: RuleSet
    engine: EngineName
    max_firings: int = DEFAULT_MAX_FIRINGS


_worker_advisor: Advisor | None = None


def _init_worker(spec: AdvisorSpec, parent: int) -> None:
    global _worker_advisor
    # Ctrl-C reaches every process of the terminal's group: the parent stops the batch (it waits
    # for the chunks in hand, then exits), so a worker ignores it rather than print a traceback.
    # SIGTERM is the default action again (a forked worker inherits the batch command's handler).
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    _die_with(parent)
    # Everything the worker holds for good (what it inherited from a fork, then its advisor) is
    # moved out of the garbage collector's reach: full collections then walk only the objects of
    # the decisions in flight. It halved the time the workers spent collecting (docs/performance.md).
    gc.freeze()
    _worker_advisor = Advisor(spec.ruleset, engine=spec.engine, max_firings=spec.max_firings)
    gc.freeze()


_PR_SET_PDEATHSIG = 1  # prctl(2)


def _die_with(parent: int) -> None:
    """End this worker when its parent process ends, however it ends: a parent killed outright
    (SIGKILL, the out-of-memory killer) cannot shut its pool down, and the workers would wait for
    work forever. Linux only (elsewhere, a worker ends when it next reads from its queue)."""
    if not sys.platform.startswith("linux"):
        return
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
    except (OSError, AttributeError):  # pragma: no cover - a libc without prctl
        return
    if os.getppid() != parent:  # the parent ended before the request was made
        os._exit(1)


class _Sent(NamedTuple):
    """What a worker sends back for a chunk: its results packed (None for a failure), and the failures."""

    blob: bytes
    failures: dict[int, TaskFailure]
    pickled: bool = False  # marshal, unless a value marshal cannot carry made it a pickle


def _decide_chunk(start: int, chunk: Sequence[object], questions: bool) -> _Sent:
    assert _worker_advisor is not None, "worker not initialised"
    packed: list[Any] = []
    failures: dict[int, TaskFailure] = {}
    for n, task in enumerate(chunk):
        result = decide_one(_worker_advisor, start + n, task, questions)
        if isinstance(result, TaskFailure):
            failures[n] = result
            packed.append(None)
        else:
            packed.append(_pack(result))
    try:
        return _Sent(marshal.dumps(packed), failures)
    except ValueError:  # a str subclass somewhere (rules built in Python): marshal refuses those
        return _Sent(pickle.dumps(packed, pickle.HIGHEST_PROTOCOL), failures, pickled=True)


# Results travel back from the workers as tuples of strings in one marshal blob per chunk, the
# failures (rare) pickled beside it. Every step counts: the parent unpacks the results of all the
# workers, and with two workers on two cores any CPU it spends is taken from them. Pickling
# Recommendation objects cost more than deciding; tuples of strings, pickled, about 60 µs a
# result to dump and load; marshal, about 25 (docs/performance.md). A trace entry travels as its
# rule id alone, and the few that lost conclusions travel with them; the parent takes the rest
# from its own advisor, which has the same rules, and builds each distinct risk and overridden
# trace entry once (they are frozen, so results can share them).
_UNPACK_CACHE_SIZE = 4096


def _pack(r: Recommendation) -> tuple[Any, ...]:
    return (
        r.task_id,
        r.crowdsource,
        r.conditions,
        r.crowd_types,
        r.granularity,
        r.service_types,
        r.manage_crowd_directly,
        r.crowd_model,
        r.preselection,
        r.howe_function,
        r.objectives,
        tuple((k.id, k.severity, k.mitigations, k.rules) for k in r.risks),
        r.plan,
        r.questions,
        r.provisional,
        tuple(r.service_notes.items()),
        tuple(e.to_dict() for e in r.platform_examples),
        tuple(f.rule_id for f in r.trace),
        tuple(
            (n, tuple((o.output, o.value, o.by, o.reason) for o in f.overridden))
            for n, f in enumerate(r.trace)
            if f.overridden
        ),
        r.engine,
    )


def unpacker(advisor: Advisor) -> Callable[[_Sent], list[Result]]:
    """A function from what a worker sent for a chunk to its results, in order."""
    plain = {rule.id: advisor.firing(rule.id) for rule in advisor.ruleset}  # the advisor's trace entries

    @functools.lru_cache(maxsize=_UNPACK_CACHE_SIZE)
    def risk(packed: tuple[Any, ...]) -> Risk:
        return Risk(*packed)

    @functools.lru_cache(maxsize=_UNPACK_CACHE_SIZE)
    def firing(rule_id: str, lost: tuple[Any, ...]) -> Firing:
        return attrs.evolve(plain[rule_id], overridden=tuple(Override(*o) for o in lost))

    def recommendation(packed: tuple[Any, ...]) -> Recommendation:
        (task_id, crowdsource, conditions, crowd_types, granularity, service_types, manage, model,
         preselection, howe, objectives, packed_risks, plan, questions, provisional, notes, examples, fired, lost,
         engine) = packed  # fmt: skip
        trace = [plain[rule_id] for rule_id in fired]
        for n, conclusions in lost:
            trace[n] = firing(fired[n], conclusions)
        return Recommendation(
            task_id=task_id,
            crowdsource=crowdsource,
            conditions=conditions,
            crowd_types=crowd_types,
            granularity=granularity,
            service_types=service_types,
            manage_crowd_directly=manage,
            crowd_model=model,
            preselection=preselection,
            howe_function=howe,
            objectives=objectives,
            risks=tuple(map(risk, packed_risks)),
            plan=plan,
            questions=questions,
            provisional=provisional,
            service_notes=dict(notes),
            platform_examples=examples,
            trace=trace,
            engine=engine,
        )

    def unpack(sent: _Sent) -> list[Result]:
        chunk = pickle.loads(sent.blob) if sent.pickled else marshal.loads(sent.blob)
        return [sent.failures[n] if packed is None else recommendation(packed) for n, packed in enumerate(chunk)]

    return unpack


def _threads() -> int:
    """Threads of this process, as the OS counts them (C libraries start threads of their own)."""
    try:
        with open("/proc/self/status", encoding="ascii") as status:
            for line in status:
                if line.startswith("Threads:"):
                    return int(line.split()[1])
    except OSError:  # pragma: no cover - not Linux
        pass
    return max(threading.active_count(), 2)


_THREAD_EXIT_POLLS = 25  # 2 ms apart


def start_method() -> str:
    """``fork`` when this process has one thread (on Linux), else ``spawn``.

    A forked worker starts at once: it has the package imported already (a spawned one imports it
    again, about a second). But durable-rules keeps global state in its C extension behind a lock,
    and a fork copies whatever lock another thread holds at that moment: with any other thread
    alive, the workers are spawned.
    """
    if not sys.platform.startswith("linux"):
        return "spawn"
    # A thread that was just joined (the previous batch's pool, say) can still be counted by the OS
    # for a moment: give such threads a few milliseconds to go, unless Python knows of live ones.
    for _ in range(_THREAD_EXIT_POLLS):
        if _threads() == 1:
            return "fork"
        if threading.active_count() > 1:
            break
        time.sleep(0.002)
    return "spawn"


def decide_in_pool(
    tasks: Iterable[object], spec: AdvisorSpec, workers: int, questions: bool, chunk_size: int
) -> Iterator[_Sent]:
    """What the workers send back for each chunk of ``tasks``, in order (see :func:`unpacker`)."""
    context = multiprocessing.get_context(start_method())
    window = 2 * workers
    iterator = iter(tasks)
    pending: collections.deque[Future[_Sent]] = collections.deque()
    start = 0
    with ProcessPoolExecutor(
        workers, mp_context=context, initializer=_init_worker, initargs=(spec, os.getpid())
    ) as pool:
        try:
            while True:
                while len(pending) < window:
                    chunk = list(itertools.islice(iterator, chunk_size))
                    if not chunk:
                        break
                    pending.append(pool.submit(_decide_chunk, start, chunk, questions))
                    start += len(chunk)
                if not pending:
                    return
                yield pending.popleft().result()
        finally:
            for future in pending:
                future.cancel()
