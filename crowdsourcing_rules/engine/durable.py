"""The durable-rules engine: the only module that imports ``durable``.

durable-rules does the matching: each conjunction of a compiled rule is a durable-rules rule (one
per slice of a long value list; :mod:`.durable_patterns` writes them) in one of the engine's
rulesets, and their Rete networks, in the C extension, report which rules a fact activates. The agenda
(``engine.infer``) decides what fires. What this module works around (see ``docs/engine.md``):

- ``durable.engine.Host`` starts two timer threads that re-arm themselves forever, and calls a
  Python action per activation with the session state encoded to JSON and back around each call
  (most of the time of an evaluation, see ``docs/performance.md``). We need neither: we create the
  ruleset in the C engine and drive it ourselves (assert a fact, then read the names of the
  activated rules), as ``Host.assert_fact`` does, without the Python actions.
- durable-rules is not thread-safe and keeps global state in its C extension: one process-wide lock
  serialises every call into it.
- Session state lives until deleted (and more than 1,024 live sessions raise ``MemoryError``), and
  creating it costs more than everything else a decision asks of durable-rules (it allocates and
  clears tables for every node of the network): the engine keeps one session and, after each
  evaluation, retracts the facts it asserted (the task first, so that no rule activates on the
  way), which leaves the session empty for the next one. A session that ends on an error, or one
  opened while the kept one is in use, is deleted in a ``finally`` where that is safe (below).
- Asserting a fact that no rule matches is reported as "not handled"; we assert only what some
  condition reads, and treat it as "nothing activated".
- Identical facts cannot be asserted twice in a session: the agenda asserts each item once, and
  each fact carries its own id (which is also what retracting it takes). The facts of one step of
  the agenda go to a ruleset in one call.
- A ruleset name can be registered once: each ruleset has a unique name, and the engine deletes
  its rulesets from the C engine when closed or garbage-collected.
- The C engine reads strings as C strings: a NUL character or a lone surrogate in a value crashed
  the process or made it refuse the ruleset (seen here). Values never reach it: each value a
  pattern tests is replaced by a short token, and a value no pattern tests by one token that
  matches nothing.
- The C engine has fixed-size tables, and past them it hangs with the GIL held, aborts the process,
  or fails while a task is decided (:mod:`.durable_limits` says which, and counts them). The rules
  are split into several rulesets, each measured within every table before it is created
  (:mod:`.durable_shards`); each receives the facts its rules read, and their activations merge
  (the agenda is ours). A rule that fits in no ruleset is refused before any ruleset is created,
  with its place in the file (:func:`limits_problems`), and an error the C engine raises anyway
  becomes an :class:`EngineUnavailableError` that names the rules it refuses.
- Deleting a session in which no action has started frees pointers the C engine never set, and
  aborts the process (``free(): invalid size``, a segmentation fault): a rule matching every task
  makes every session start an action, and a session in which an assertion failed, or no action
  started, is never deleted (see :meth:`DurableEngine.session`).
"""

from __future__ import annotations

import contextlib
import itertools
import json
import threading
import warnings
import weakref
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from typing import Any

from crowdsourcing_rules.engine.compiling import CompiledRules
from crowdsourcing_rules.engine.durable_patterns import Tokens, rule_definitions_of
from crowdsourcing_rules.engine.durable_shards import Ruleset, Sharding, shard
from crowdsourcing_rules.errors import EngineError, EngineUnavailableError, Problem

with warnings.catch_warnings():
    # durable's import warns about datetime.utcfromtimestamp on Python 3.12+.
    warnings.simplefilter("ignore", DeprecationWarning)
    try:
        import durable_rules_engine
    except ImportError as error:  # pragma: no cover - depends on the environment
        raise EngineUnavailableError(f"durable-rules cannot be imported: {error}") from error

__all__ = ["MAX_RULES", "DurableEngine", "limits_problems"]

_LOCK = threading.RLock()
_string = json.encoder.encode_basestring  # a str as a JSON string literal (json's C encoder)
_NAMES = itertools.count(1)
_SESSION_RULE = "session"  # not r<index>: never mistaken for a compiled rule

# Rules of one ruleset; the C engine's limit is 4,096. durable-rules scans every action of a ruleset
# each time it starts one, so a decision activating A rules of a ruleset of R rules costs A x R, while
# each more ruleset costs a C call per fact. Measured with benchmarks/ruleset_cap.py (generated rules,
# median decision, every cap in one process on the same tasks, load average 3.5-4.5 on 2 cores):
#   1,000 rules:  cap 250 12.9 ms, 500 10.4, 1,000 9.9, 4,096 9.8
#   5,000 rules:  cap 250 32.8 ms, 500 29.9, 1,000 30.7, 2,000 52.1, 4,096 55.5
#   20,000 rules: cap 500 287 ms, 1,000 282, 2,000 269, 4,096 501
# 1,000 is as fast as the best cap at every size (and as one ruleset where the rules fit in one).
MAX_RULES = 1000


def _sharding(definitions: dict[str, dict[str, Any]]) -> Sharding:
    # Deleting the state of a session in which no action has run crashes the process (seen here: a
    # rule waiting for a list item that never came). This rule activates on every task, and every
    # ruleset has a copy: every session has completed an action in every ruleset before it is deleted.
    return shard({**definitions, _SESSION_RULE: {"all": [{"t": {"kind": "task"}}]}}, _SESSION_RULE, MAX_RULES)


def limits_problems(compiled: CompiledRules) -> list[Problem]:
    """The rules durable-rules cannot carry within the limits of its C engine, located in their files.

    Each rule is checked against the network the C engine would build (:mod:`.durable_limits`),
    after the rewriting that keeps rule sets within them (:mod:`.durable_shards`): a rule is listed
    only if it fits in no ruleset, even alone.
    """
    definitions = rule_definitions_of(compiled, Tokens(compiled))
    return _refusals(compiled, _sharding(definitions).refused) if definitions else []


def _refusals(compiled: CompiledRules, refused: tuple[tuple[str, tuple[str, ...]], ...]) -> list[Problem]:
    problems: dict[tuple[int, str], Problem] = {}
    for name, found in refused:
        rule = compiled.rules[_index(name)]
        for message in found:
            problems.setdefault((rule.index, message), Problem(message, rule.rule.location, rule.id))
    return [problems[key] for key in sorted(problems)]


def _index(name: str) -> int:
    """The compiled rule of a durable-rules rule name: r<index>_<n>, or r<index>_<n>.<slice>."""
    return int(name[1:].partition("_")[0])


class DurableEngine:
    """Rules compiled into durable-rules rulesets (one when they fit); one session at a time, emptied
    and reused."""

    name = "durable-rules"

    def __init__(self, compiled: CompiledRules) -> None:
        self._compiled = compiled
        self._sids = itertools.count(1)
        self._closed = False
        self._tokens = Tokens(compiled)
        self._handles: tuple[int, ...] = ()
        self._rulesets: tuple[Ruleset, ...] = ()
        self._readers: dict[Any, tuple[int, ...]] = {}
        self._task_facts: tuple[tuple[str, ...] | None, ...] = ()
        self.leaked = 0  # sessions never deleted, because deleting them could abort the process
        # The session kept for reuse (see session()): at most one, its id and what it did in each
        # ruleset; deleted with the rulesets (deleting a ruleset does not free its sessions' tables).
        self._kept: list[tuple[str, bytearray]] = []
        definitions = rule_definitions_of(compiled, self._tokens)
        if not definitions:
            self._finalizer = weakref.finalize(self, _delete_rulesets, (), self._kept)
            return
        sharding = _sharding(definitions)
        if sharding.refused:
            raise EngineUnavailableError(
                _describe("durable-rules cannot run these rules", _refusals(compiled, sharding.refused))
            )
        base = f"crowdsourcing_rules_{next(_NAMES)}"
        handles: list[int] = []
        with _LOCK:
            for ruleset in sharding.rulesets:
                try:
                    handles.append(durable_rules_engine.create_ruleset(f"{base}_{len(handles)}", ruleset.definition))
                except Exception as error:
                    _delete_rulesets(tuple(handles))
                    raise EngineUnavailableError(self._compile_failure(error, ruleset)) from error
        self._handles = tuple(handles)
        self._rulesets = sharding.rulesets
        self._finalizer = weakref.finalize(self, _delete_rulesets, self._handles, self._kept)
        readers: dict[Any, list[int]] = {}
        for k, ruleset in enumerate(self._rulesets):
            for key in [*ruleset.items, *ruleset.strata]:
                readers.setdefault(key, []).append(k)
        # the rulesets whose rules test an item (space, name) or a stratum marker: no other needs it
        self._readers = {key: tuple(ks) for key, ks in readers.items()}
        everything = compiled.task_facts
        # the task facts each ruleset reads (None: all of them), within the properties of one fact
        self._task_facts = tuple(None if r.task_facts == everything else r.task_facts for r in self._rulesets)

    def _compile_failure(self, error: Exception, ruleset: Ruleset) -> str:
        """Say which rules durable-rules refuses, trying each alone (called with the lock held).

        Not expected: every ruleset was measured within the limits first. Each rule alone is within
        them too (the counts only grow as rules are added), so the probes are safe to create.
        """
        definition = json.loads(ruleset.definition)
        session = definition.pop(_SESSION_RULE)
        failing: dict[int, str] = {}
        for name, rule in definition.items():
            try:
                handle = durable_rules_engine.create_ruleset(
                    f"crowdsourcing_rules_probe_{next(_NAMES)}", json.dumps({_SESSION_RULE: session, name: rule})
                )
            except Exception as rule_error:
                failing.setdefault(_index(name), f"durable-rules refuses this rule: {rule_error}")
            else:
                _delete_rulesets((handle,))
        rules = self._compiled.rules
        problems = [Problem(message, rules[i].rule.location, rules[i].id) for i, message in sorted(failing.items())]
        if not problems:
            problems.append(Problem(f"durable-rules refuses the rule set as a whole: {error}"))
        return _describe("durable-rules cannot compile these rules", problems)

    @property
    def rulesets(self) -> int:
        """How many durable-rules rulesets hold the rules."""
        return len(self._handles)

    def close(self) -> None:
        """Delete the rulesets from durable-rules' C engine; the engine cannot be used afterwards."""
        with _LOCK:
            self._closed = True
            self._finalizer()

    @contextmanager
    def session(self) -> Iterator[_DurableSession]:
        """A session in every ruleset: the kept one when it is free, emptied for reuse when the
        context exits, otherwise deleted where that is safe.

        durable-rules' ``delete_state`` frees two pointers that only starting an action sets: on a
        session in which no action started (an assertion failed, or the task never came) it frees
        garbage and aborts the process. Such a session is left in the C engine instead (counted in
        :attr:`leaked`; each ruleset holds at most 1,024 live sessions, then refuses new ones).
        """
        with _LOCK:
            if self._closed:
                raise EngineError("this engine is closed")
            sid, states = self._kept.pop() if self._kept else (str(next(self._sids)), bytearray(len(self._handles)))
            session = _DurableSession(self, sid, states)
            clean = False
            try:
                yield session
                clean = session.retract_all()
            finally:
                if clean and not self._kept and all(state == _ACTED for state in states):
                    self._kept.append((sid, states))  # empty again: the next session reuses it
                else:
                    self.leaked += _delete_state(self._handles, sid, states)

    def _call(self, session: _DurableSession, k: int, function: Any, facts: str) -> list[int]:
        """Assert (or retract) facts in ruleset k (JSON text: one object, or an array of them);
        return the indices of the rules that became activated.

        This is what ``Host.assert_fact`` does, less what we do not use: the host would call a
        Python action per activation, with the session state encoded to JSON and back around each
        call. We only need the names of the activated rules, which the C engine gives directly.
        """
        handle = self._handles[k]
        states = session.states
        if states[k] == _UNTOUCHED:
            states[k] = _ASSERTED
        try:
            # The code is 1 when a fact is not handled (no condition reads it) and 2 when it was
            # already asserted; with several facts, other facts of the call may still have matched.
            _code, state = function(handle, facts)
            activated: list[int] = []
            started = durable_rules_engine.start_action_for_state(handle, state)
            message = started[1] if started else None
            while message:
                states[k] = _ACTED
                # The message is {"<rule name>": {...matched facts...}}: the name is its first key,
                # r<index>_<n> for a compiled rule's n-th conjunction (.<slice> if it was split).
                name = message[2 : message.index('"', 2)]
                if name != _SESSION_RULE:
                    activated.append(_index(name))
                message = durable_rules_engine.complete_and_start_action(handle, state)
        except Exception as error:
            states[k] = _FAILED
            raise EngineError(f"durable-rules failed on {facts}: {error}") from error
        return activated


# What a session has done in one ruleset: whether its state exists, and whether deleting it is safe.
_UNTOUCHED, _ASSERTED, _ACTED, _FAILED = 0, 1, 2, 3


def _delete_state(handles: tuple[int, ...], sid: str, states: bytearray) -> int:
    """Delete a session's state in each ruleset where that is safe; return how many are left."""
    left = 0
    for handle, state in zip(handles, states, strict=True):
        if state == _ACTED:
            with contextlib.suppress(Exception):
                durable_rules_engine.delete_state(handle, sid)
        elif state != _UNTOUCHED:
            left += 1
    return left


Item = tuple[str, str, str]


class _DurableSession:
    def __init__(self, engine: DurableEngine, sid: str, states: bytearray) -> None:
        self._engine = engine
        self._tokens = engine._tokens
        self._readers = engine._readers
        self._items: set[Item] = set()
        self.sid = sid
        self._prefix = '{"sid":' + _string(sid) + ',"id":"'
        self.states = states
        self._count = 0
        self._task = ""  # the task fact's id (the same in every ruleset)
        # the ids of the facts asserted in each ruleset, in order: what retract_all takes back
        self._ids: list[list[str]] = [[] for _ in engine._handles]

    def _new_id(self) -> str:
        self._count += 1
        return f"f{self._count}"

    def _text(self, fact_id: str, body: str) -> str:
        """A fact's JSON text: the session, its id, then ``body`` (the rest of the object)."""
        return f'{self._prefix}{fact_id}",{body}'

    def _fact(self, body: str) -> tuple[str, str]:
        """A new fact: its id and its JSON text."""
        fact_id = self._new_id()
        return fact_id, self._text(fact_id, body)

    def _assert(self, facts: dict[int, list[tuple[str, str]]]) -> list[int]:
        """Assert each ruleset's facts, in one call per ruleset."""
        activated: list[int] = []
        for k, own in facts.items():
            self._ids[k].extend(fact_id for fact_id, _text in own)
            if len(own) == 1:
                activated += self._engine._call(self, k, durable_rules_engine.assert_fact, own[0][1])
            else:
                text = "[" + ",".join(text for _id, text in own) + "]"
                activated += self._engine._call(self, k, durable_rules_engine.assert_facts, text)
        return activated

    def _item_facts(self, items: Iterable[Item]) -> dict[int, list[tuple[str, str]]]:
        """The facts of the items, by the rulesets that read them."""
        facts: dict[int, list[tuple[str, str]]] = {}
        for space, name, value in items:
            token = self._tokens(value)
            if (space, name, token) in self._items:
                continue  # values no pattern tests share one token: the first one activated all it could
            self._items.add((space, name, token))
            readers = self._readers.get((space, name), ())
            if readers:
                fact = self._fact(f'"kind":"item","space":{_string(space)},"name":{_string(name)},"value":"{token}"}}')
                for k in readers:
                    facts.setdefault(k, []).append(fact)
        return facts

    def assert_task(self, facts: dict[str, str], items: Iterable[Item] = ()) -> list[int]:
        by_ruleset = self._item_facts(items)
        self._task = task = self._new_id()  # one task fact, with the same id in every ruleset
        for k, read in enumerate(self._engine._task_facts):
            own = facts if read is None else {name: facts[name] for name in read}
            body = '"kind":"task",' + json.dumps(own, ensure_ascii=False)[1:] if own else '"kind":"task"}'
            # The items first, in the same call: every rule joins the task fact, so none is
            # activated before the task comes.
            by_ruleset.setdefault(k, []).append((task, self._text(task, body)))
        return self._assert(by_ruleset)

    def assert_items(self, items: Iterable[Item]) -> list[int]:
        return self._assert(self._item_facts(items))

    def assert_stratum(self, stratum: int, items: Iterable[Item] = ()) -> list[int]:
        by_ruleset = self._item_facts(items)
        marker = self._fact(f'"kind":"stratum","n":{int(stratum)}}}')
        for k in self._readers.get(stratum, ()):
            by_ruleset.setdefault(k, []).append(marker)
        return self._assert(by_ruleset)

    def retract_all(self) -> bool:
        """Retract every fact asserted, the task first (every rule joins it, so nothing activates
        on the way); True when the session is empty again, ready for reuse."""
        task = self._task
        try:
            for k, ids in enumerate(self._ids):
                if not ids:
                    continue
                ordered = sorted(ids, key=lambda fact_id: fact_id != task)
                facts = ",".join(f'{self._prefix}{fact_id}"}}' for fact_id in ordered)
                if self._engine._call(self, k, durable_rules_engine.retract_facts, f"[{facts}]"):
                    return False
        except EngineError:
            return False  # the session is deleted instead (where that is safe)
        return True


def _describe(summary: str, problems: list[Problem]) -> str:
    return "\n".join([f"{summary}; use engine='reference' for them:", *(f"  {p}" for p in problems)])


def _delete_rulesets(handles: tuple[int, ...], kept: list[tuple[str, bytearray]] | None = None) -> None:
    with _LOCK:
        for sid, states in kept or ():
            _delete_state(handles, sid, states)
        for handle in handles:
            with contextlib.suppress(Exception):  # best effort, also at interpreter exit
                durable_rules_engine.delete_ruleset(handle)
