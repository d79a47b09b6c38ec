"""The durable-rules engine: the only module that imports ``durable``.

durable-rules does the matching: each compiled rule is one durable-rules rule in one ruleset, and
its Rete network, in the C extension, reports which rules a fact activates. The agenda
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
  opened while the kept one is in use, is deleted in a ``finally``.
- Asserting a fact that no rule matches is reported as "not handled"; we assert only what some
  condition reads, and treat it as "nothing activated".
- Identical facts cannot be asserted twice in a session: the agenda asserts each item once, and
  each fact carries its own id (which is also what retracting it takes).
- A ruleset name can be registered once: each engine has a unique name, and deletes its ruleset
  from the C engine when closed or garbage-collected.
- The C engine reads strings as C strings and has fixed-size tables: a NUL character or a lone
  surrogate in a value crashed the process or made it refuse the ruleset (seen here), as did a rule
  joining more than 16 facts or rules testing more than 64 task facts. Values never reach it: each
  value a pattern tests is replaced by a short token, and a value no pattern tests by one token that
  matches nothing. Rule sets beyond its limits are refused before they reach it
  (:func:`limits_problems`), and an error it raises while compiling becomes an
  :class:`EngineUnavailableError` that names the rules it refuses.
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

from crowdsourcing_rules.engine.compiling import CompiledRule, CompiledRules
from crowdsourcing_rules.errors import EngineError, EngineUnavailableError, Problem
from crowdsourcing_rules.model.conditions import Conjunction, ItemTest

with warnings.catch_warnings():
    # durable's import warns about datetime.utcfromtimestamp on Python 3.12+.
    warnings.simplefilter("ignore", DeprecationWarning)
    try:
        import durable_rules_engine
    except ImportError as error:  # pragma: no cover - depends on the environment
        raise EngineUnavailableError(f"durable-rules cannot be imported: {error}") from error

__all__ = ["MAX_PATTERNS", "MAX_TASK_FACTS", "DurableEngine", "limits_problems"]

_LOCK = threading.RLock()
_string = json.encoder.encode_basestring  # a str as a JSON string literal (json's C encoder)
_NAMES = itertools.count(1)
_SESSION_RULE = "session"  # not r<index>: never mistaken for a compiled rule

# Limits of durable-rules 2.0.28's C engine, measured here: one more crashed the process.
MAX_PATTERNS = 16  # patterns (facts joined) in one rule, or in one alternative of an 'any'
MAX_TASK_FACTS = 64  # distinct task facts tested: the fan-out of its alpha network
_NO_MATCH = "~"  # the token of a value that no pattern tests


class _Tokens:
    """Short, safe stand-ins for the values patterns test: durable-rules never sees a user's text."""

    def __init__(self, compiled: CompiledRules) -> None:
        values = sorted({v for r in compiled.rules for c in r.conjunctions for i in c.items for v in (i.values or ())})
        self._tokens = {value: f"v{n}" for n, value in enumerate(values)}

    def __call__(self, value: str) -> str:
        return self._tokens.get(value, _NO_MATCH)

    def item(self, item: ItemTest) -> ItemTest:
        if item.values is None:
            return item
        return ItemTest(item.space, item.name, frozenset(self(v) for v in item.values), item.positive)


def limits_problems(compiled: CompiledRules) -> list[Problem]:
    """What durable-rules cannot carry in these rules, located at the rules concerned."""
    problems = []
    for rule in compiled.rules:
        for conjunction in rule.conjunctions:
            counts = [len(items) for items in _item_alternatives(conjunction.items)] or [0]
            count = 1 + (rule.stratum > 0) + max(counts)
            if count > MAX_PATTERNS:
                problems.append(
                    Problem(
                        f"the condition joins {count} facts (list items, derived facts, outputs); "
                        f"durable-rules allows {MAX_PATTERNS}",
                        rule.rule.location,
                        rule.id,
                    )
                )
                break
    if len(compiled.task_facts) > MAX_TASK_FACTS:
        problems.append(
            Problem(
                f"the rules test {len(compiled.task_facts)} different task facts; durable-rules allows {MAX_TASK_FACTS}"
            )
        )
    return problems


def _value_pattern(values: frozenset[str] | None) -> list[dict[str, Any]]:
    if values is None:
        return []
    ordered = sorted(values)
    if len(ordered) == 1:
        return [{"value": ordered[0]}]
    return [{"$or": [{"value": v} for v in ordered]}]


def _and(parts: list[dict[str, Any]]) -> dict[str, Any]:
    return parts[0] if len(parts) == 1 else {"$and": parts}


def _task_pattern(conjunction: Conjunction) -> dict[str, Any]:
    parts: list[dict[str, Any]] = [{"kind": "task"}]
    for test in conjunction.task:
        values = sorted(test.values)
        parts.append({test.fact: values[0]} if len(values) == 1 else {"$or": [{test.fact: v} for v in values]})
    return _and(parts)


def _item_pattern(item: ItemTest, excluded: frozenset[str] = frozenset()) -> dict[str, Any]:
    parts = [{"kind": "item"}, {"space": item.space}, {"name": item.name}, *_value_pattern(item.values)]
    parts += [{"$neq": {"value": v}} for v in sorted(excluded)]
    return _and(parts)


# durable-rules binds each fact to at most one pattern of a rule: two positive patterns need two
# distinct facts, and a negated pattern does not see the fact a positive pattern of the same rule
# bound. Our conditions mean "an item exists", so tests on the same item name are rewritten until no
# two of them can need the same fact (the reference engine is the oracle of this equivalence).
Alternative = tuple[tuple[ItemTest, frozenset[str]], ...]


def _implied(values: frozenset[str] | None, others: list[frozenset[str] | None]) -> bool:
    """A positive test of ``values`` holds whenever one of ``others`` (a subset) holds."""
    return any(o is not None and (values is None or o <= values) for o in others)


Values = frozenset[str] | None  # None: any value


def _positives(found: list[Values], settled: frozenset[frozenset[Values]]) -> list[list[Values]]:
    """Alternatives of positive value sets on one name, no two of which can need the same item."""
    kept: list[Values] = []
    for n, values in enumerate(found):
        if values in kept or _implied(values, [o for m, o in enumerate(found) if m != n and o != values]):
            continue
        kept.append(values)
    for n, first in enumerate(kept):
        for second in kept[n + 1 :]:
            pair = frozenset({first, second})
            if first is None or second is None or pair in settled or not (first & second):
                continue
            # Either one item is in both sets, or two distinct items are, one in each.
            rest = [v for v in kept if v not in (first, second)]
            return _positives([*rest, first & second], settled) + _positives(kept, settled | {pair})
    return [kept]


def _item_alternatives(items: tuple[ItemTest, ...]) -> list[Alternative]:
    """The item tests of a conjunction as alternatives whose patterns never need the same fact."""
    groups: dict[tuple[str, str], list[ItemTest]] = {}
    for item in items:
        groups.setdefault((item.space, item.name), []).append(item)
    alternatives: list[Alternative] = [()]
    for (space, name), group in groups.items():
        negatives = [i for i in group if not i.positive]
        positives = [i.values for i in group if i.positive]
        if not positives:
            choices: list[Alternative] = [tuple((i, frozenset()) for i in negatives)]
        elif any(i.values is None for i in negatives):
            return []  # an item exists and no item exists: never holds
        else:
            excluded = frozenset().union(*(i.values for i in negatives if i.values is not None))
            choices = []
            for option in _positives(positives, frozenset()):
                tests: list[tuple[ItemTest, frozenset[str]]] = []
                for values in option:
                    if values is None:
                        tests.append((ItemTest(space, name, None), excluded))
                    elif values - excluded:
                        tests.append((ItemTest(space, name, values - excluded), frozenset()))
                    else:
                        break  # only excluded values would do: this option never holds
                else:
                    choices.append(tuple(tests) + tuple((i, frozenset()) for i in negatives))
        alternatives = [a + c for a in alternatives for c in choices]
    return alternatives


def _patterns(rule: CompiledRule, conjunction: Conjunction, items: Alternative, prefix: str) -> list[dict[str, Any]]:
    patterns: list[dict[str, Any]] = [{f"{prefix}t": _task_pattern(conjunction)}]
    if rule.stratum > 0:
        patterns.append({f"{prefix}s": _and([{"kind": "stratum"}, {"n": rule.stratum}])})
    for position, (item, excluded) in enumerate(items):
        name = f"{prefix}i{position}" + ("" if item.positive else "$not")
        patterns.append({name: _item_pattern(item, excluded)})
    return patterns


def rule_definitions(rule: CompiledRule, tokens: _Tokens | None = None) -> list[dict[str, Any]]:
    """A compiled rule as durable-rules rules, one per alternative (none if it can never hold).

    Not one rule with ``any``: a rule whose ``any`` alternatives negate an item kept another rule's
    positive test of that item from ever activating (seen here, found by the differential test).
    With ``tokens``, the values of item tests are replaced by their tokens.
    """
    groups = [
        (c, tuple((tokens.item(i), frozenset(tokens(v) for v in x)) for i, x in items) if tokens else items)
        for c in rule.conjunctions
        for items in _item_alternatives(c.items)
    ]
    return [{"all": _patterns(rule, c, items, "")} for c, items in groups]


class DurableEngine:
    """Rules compiled into one durable-rules ruleset; one session at a time, emptied and reused."""

    name = "durable-rules"

    def __init__(self, compiled: CompiledRules) -> None:
        self._compiled = compiled
        self._sids = itertools.count(1)
        self._ruleset_name = f"crowdsourcing_rules_{next(_NAMES)}"
        self._closed = False
        problems = limits_problems(compiled)
        if problems:
            raise EngineUnavailableError(_describe("durable-rules cannot run these rules", problems))
        self._tokens = _Tokens(compiled)
        # durable-rules rule r<index>_<n>: alternative n of rule <index> (a rule that can never hold has none)
        definition = {
            f"r{rule.index}_{n}": alternative
            for rule in compiled.rules
            for n, alternative in enumerate(rule_definitions(rule, self._tokens))
        }
        self._empty = not definition
        self._index_of = {name: int(name[1:].partition("_")[0]) for name in definition}  # r<index>_<n>
        # Deleting the state of a session in which no action has run crashes the process (seen
        # here: a rule waiting for a list item that never came). This rule activates on every task,
        # so every session has completed an action before it is deleted.
        definition[_SESSION_RULE] = {"all": [{"t": {"kind": "task"}}]}
        self._handle: int | None = None
        # The session kept for reuse (see session()), at most one; deleted with the ruleset (deleting
        # a ruleset does not free the tables of its sessions).
        self._kept: list[str] = []
        if self._empty:
            return
        with _LOCK:
            try:
                handle = durable_rules_engine.create_ruleset(self._ruleset_name, json.dumps(definition))
            except Exception as error:
                raise EngineUnavailableError(self._compile_failure(error)) from error
        self._handle = handle
        self._finalizer = weakref.finalize(self, _delete_ruleset, handle, self._kept)

    def _compile_failure(self, error: Exception) -> str:
        """Say which rules durable-rules refuses, trying each alone (called with the lock held)."""
        problems = []
        for rule in self._compiled.rules:
            alternatives = rule_definitions(rule, self._tokens)
            if not alternatives:
                continue
            try:
                handle = durable_rules_engine.create_ruleset(
                    f"crowdsourcing_rules_probe_{next(_NAMES)}",
                    json.dumps({f"r{n}": alternative for n, alternative in enumerate(alternatives)}),
                )
            except Exception as rule_error:
                problems.append(Problem(f"durable-rules refuses this rule: {rule_error}", rule.rule.location, rule.id))
            else:
                _delete_ruleset(handle)
        if not problems:
            problems.append(Problem(f"durable-rules refuses the rule set as a whole: {error}"))
        return _describe("durable-rules cannot compile these rules", problems)

    def close(self) -> None:
        """Delete the ruleset from durable-rules' C engine; the engine cannot be used afterwards."""
        with _LOCK:
            self._closed = True
            if not self._empty:
                self._finalizer()

    @contextmanager
    def session(self) -> Iterator[_DurableSession]:
        with _LOCK:
            if self._closed:
                raise EngineError("this engine is closed")
            reused = bool(self._kept)  # a kept session has a state, in which actions have run
            sid = self._kept.pop() if reused else str(next(self._sids))
            session = _DurableSession(self, sid)
            clean = False
            try:
                yield session
                clean = session.retract_all()
            finally:
                if clean and not self._kept:
                    self._kept.append(sid)  # empty again: the next session reuses it
                elif session.used or reused:
                    with contextlib.suppress(Exception):  # no state exists when nothing matched
                        durable_rules_engine.delete_state(self._handle, sid)

    def _call(self, function: Any, facts: str) -> list[int]:
        """Assert (or retract) facts (JSON text: one object, or an array of them); return the
        indices of the rules that became activated.

        This is what ``Host.assert_fact`` does, less what we do not use: the host would call a
        Python action per activation, with the session state encoded to JSON and back around each
        call. We only need the names of the activated rules, which the C engine gives directly.
        """
        if self._empty:
            return []
        handle, index_of = self._handle, self._index_of
        try:
            # The code is 1 when a fact is not handled (no condition reads it) and 2 when it was
            # already asserted; with several facts, other facts of the call may still have matched.
            _code, state = function(handle, facts)
            activated: list[int] = []
            started = durable_rules_engine.start_action_for_state(handle, state)
            message = started[1] if started else None
            while message:
                # The message is {"<rule name>": {...matched facts...}}: the name is its first key,
                # r<index>_<n> for a compiled rule's n-th conjunction.
                name = message[2 : message.index('"', 2)]
                if name != _SESSION_RULE:
                    activated.append(index_of[name])
                message = durable_rules_engine.complete_and_start_action(handle, state)
        except Exception as error:
            raise EngineError(f"durable-rules failed on {facts}: {error}") from error
        return activated

    def _assert(self, fact: str) -> list[int]:
        """Assert one fact or an array of facts (JSON text); return the activated rules' indices."""
        several = fact[0] == "["
        return self._call(durable_rules_engine.assert_facts if several else durable_rules_engine.assert_fact, fact)


class _DurableSession:
    def __init__(self, engine: DurableEngine, sid: str) -> None:
        self._engine = engine
        self._tokens = engine._tokens
        self._items: set[tuple[str, str, str]] = set()
        self._sid = _string(sid)
        self._ids: list[str] = []  # of the facts asserted, in order: what retract_all takes back
        self.used = False

    def _fact(self, fact_id: str, body: str) -> str:
        self._ids.append(fact_id)
        return f'{{"sid":{self._sid},"id":"{fact_id}",{body}'

    def _assert(self, facts: list[str]) -> list[int]:
        if not facts:
            return []
        self.used = True
        return self._engine._assert(facts[0] if len(facts) == 1 else "[" + ",".join(facts) + "]")

    def _item_facts(self, items: Iterable[tuple[str, str, str]]) -> list[str]:
        facts = []
        for space, name, value in items:
            token = self._tokens(value)
            if (space, name, token) in self._items:
                continue  # values no pattern tests share one token: the first one activated all it could
            self._items.add((space, name, token))
            body = f'"kind":"item","space":{_string(space)},"name":{_string(name)},"value":"{token}"}}'
            facts.append(self._fact(f"i{len(self._ids)}", body))
        return facts

    def assert_task(self, facts: dict[str, str], items: Iterable[tuple[str, str, str]] = ()) -> list[int]:
        body = '"kind":"task",' + json.dumps(facts, ensure_ascii=False)[1:] if facts else '"kind":"task"}'
        # The items first, in the same call: every rule joins the task fact, so none is activated
        # before the task comes.
        return self._assert([*self._item_facts(items), self._fact("t", body)])

    def assert_items(self, items: Iterable[tuple[str, str, str]]) -> list[int]:
        return self._assert(self._item_facts(items))

    def assert_stratum(self, stratum: int, items: Iterable[tuple[str, str, str]] = ()) -> list[int]:
        marker = self._fact(f"s{int(stratum)}", f'"kind":"stratum","n":{int(stratum)}}}')
        return self._assert([*self._item_facts(items), marker])

    def retract_all(self) -> bool:
        """Retract every fact asserted, the task first (every rule joins it, so nothing activates
        on the way); True when the session is empty again, ready for reuse."""
        if not self._ids:
            return True
        ids = sorted(self._ids, key=lambda fact_id: fact_id != "t")
        facts = ",".join(f'{{"sid":{self._sid},"id":"{fact_id}"}}' for fact_id in ids)
        try:
            return not self._engine._call(durable_rules_engine.retract_facts, f"[{facts}]")
        except EngineError:
            return False  # the session is deleted instead


def _describe(summary: str, problems: list[Problem]) -> str:
    return "\n".join([f"{summary}; use engine='reference' for them:", *(f"  {p}" for p in problems)])


def _delete_ruleset(handle: int, sessions: list[str] | None = None) -> None:
    with _LOCK, contextlib.suppress(Exception):  # best effort, also at interpreter exit
        for sid in sessions or ():
            with contextlib.suppress(Exception):  # no state exists if it never matched
                durable_rules_engine.delete_state(handle, sid)
        durable_rules_engine.delete_ruleset(handle)
