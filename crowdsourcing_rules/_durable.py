"""The durable-rules engine: the only module that imports ``durable``.

What this module works around (see ``docs/engine.md``):

- ``durable.engine.Host()`` starts two timer threads that re-arm themselves forever and dispatch
  rulesets in the background. We evaluate synchronously, so our host starts none: no thread growth,
  and nothing runs behind our back.
- durable-rules is not thread-safe and keeps global state in its C extension: one process-wide lock
  serialises every call into it.
- Session state lives until deleted (and more than 1,024 live sessions raise ``MemoryError``): each
  evaluation deletes its session in a ``finally``.
- Asserting a fact that no rule matches raises ``MessageNotHandledException``; we assert only what
  some condition reads, and treat that exception as "nothing activated".
- Deleting the state of a session in which no action has run crashes the process (``free(): invalid
  pointer``, seen here with a rule waiting for a list item that never came): a rule of ours matches
  every task and runs an empty action, so every session has run one before it is deleted.
- Identical facts cannot be asserted twice in a session: the agenda asserts each item once.
- An exception inside an action is stored by durable-rules instead of raised; our actions only
  record the activation, and anything they raise is re-raised to the caller.
- ``set_rulesets`` mutates its argument: we build a fresh dictionary each time.
- A ruleset name can be registered once per host: each engine has its own host and a unique name,
  and deletes its ruleset from the C engine when closed or garbage-collected.
- Its C engine reads strings as C strings and has fixed-size tables: a NUL character or a lone
  surrogate in a value crashed the process (seen here), as did a rule needing more than 16 patterns
  or rules reading more than 64 task facts. Values never reach it: each value a pattern tests is
  replaced by a short token, and a value no pattern tests by one token that matches nothing. Rule
  sets beyond its limits are refused before they reach it (:func:`limits_problems`), and any error
  it raises while compiling becomes an :class:`EngineUnavailableError` that names the rules.
"""

from __future__ import annotations

import contextlib
import itertools
import threading
import warnings
import weakref
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from crowdsourcing_rules.compiling import CompiledRule, CompiledRules, Conjunction
from crowdsourcing_rules.errors import EngineError, EngineUnavailableError, Problem

with warnings.catch_warnings():
    # durable's import warns about datetime.utcfromtimestamp on Python 3.12+.
    warnings.simplefilter("ignore", DeprecationWarning)
    try:
        import durable_rules_engine
        from durable import engine as durable_engine
    except ImportError as error:  # pragma: no cover - depends on the environment
        raise EngineUnavailableError(f"durable-rules cannot be imported: {error}") from error

__all__ = ["MAX_PATTERNS", "MAX_TASK_FACTS", "DurableEngine", "limits_problems"]

_LOCK = threading.RLock()
_NAMES = itertools.count(1)

# Limits of durable-rules 2.0.28's C engine, measured here: one more crashed the process.
MAX_PATTERNS = 16  # patterns (facts joined) in one rule or one alternative of an 'any'
MAX_TASK_FACTS = 64  # distinct task facts tested: the alpha network's fan-out
_NO_MATCH = "~"  # the token of a value that no pattern tests


def limits_problems(compiled: CompiledRules) -> list[Problem]:
    """What durable-rules cannot carry in these rules, located at the rules concerned."""
    problems = []
    for rule in compiled.rules:
        for _conjunction, items in _rule_alternatives(rule):
            count = 1 + (rule.stratum > 0) + len(items)
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


class _Tokens:
    """Short, safe stand-ins for the values patterns test: durable-rules never sees a user's text."""

    def __init__(self, compiled: CompiledRules) -> None:
        values = sorted({v for r in compiled.rules for c in r.conjunctions for i in c.items for v in (i.values or ())})
        self._tokens = {value: f"v{n}" for n, value in enumerate(values)}

    def __call__(self, value: str) -> str:
        return self._tokens.get(value, _NO_MATCH)


class _QuietHost(durable_engine.Host):  # type: ignore[misc]
    """A host that starts no background timer threads: we dispatch synchronously."""

    def _run(self) -> None:
        pass


# An item pattern: space, name, values (None: any value), values excluded, positive or negated.
_Item = tuple[str, str, frozenset[str] | None, frozenset[str], bool]


def _alternatives(conjunction: Conjunction) -> list[list[_Item]]:
    """Item tests as durable-rules can match them, as alternatives (an empty list: never holds).

    In durable-rules one fact binds at most one pattern of a rule, and a negated pattern ignores the
    facts bound in the same match (both seen here: ``crowdsource: {known: true}`` with
    ``crowdsource: yes`` never fired; with ``not: {crowdsource: 'no'}`` it fired on 'no'). Tests of
    the same item are rewritten so that positive patterns bind distinct facts, none of them one that
    a negated pattern must see: exists x in A and exists y in B is exists z in A&B, or x in A-B and
    y in B-A; a positive test excludes what a negated one forbids.
    """
    by_item: dict[tuple[str, str], tuple[list[frozenset[str] | None], list[frozenset[str] | None]]] = {}
    for item in conjunction.items:
        positive, negative = by_item.setdefault((item.space, item.name), ([], []))
        (positive if item.positive else negative).append(item.values)
    alternatives: list[list[_Item]] = [[]]
    for (space, name), (positive, negative) in by_item.items():
        if positive and None in negative:
            return []  # an item exists and no item exists
        forbidden = frozenset().union(*(v for v in negative if v is not None))
        options = _positive_options(positive, forbidden)
        negated: list[_Item] = [(space, name, v, frozenset(), False) for v in dict.fromkeys(negative)]
        alternatives = [
            [*alternative, *negated, *((space, name, v, excluded, True) for v, excluded in option)]
            for alternative in alternatives
            for option in options
        ]
    return alternatives


def _positive_options(
    positive: list[frozenset[str] | None], forbidden: frozenset[str]
) -> list[list[tuple[frozenset[str] | None, frozenset[str]]]]:
    sets = []
    for values in positive:
        if values is not None:
            if not values - forbidden:
                return []
            sets.append(values - forbidden)
    if not sets:  # only 'any value' tests (or none): one pattern, which must not bind a forbidden value
        return [[(None, forbidden)]] if positive else [[]]
    return [[(v, frozenset()) for v in option] for option in _disjoint(sets)]


def _disjoint(sets: list[frozenset[str]]) -> list[list[frozenset[str]]]:
    """Alternatives, each a list of pairwise disjoint sets, for 'an item in each set exists'."""
    for i, a in enumerate(sets):
        for j in range(i + 1, len(sets)):
            b = sets[j]
            if a & b:
                rest = sets[:i] + sets[i + 1 : j] + sets[j + 1 :]
                out = _disjoint([*rest, a & b])
                if a - b and b - a:
                    out += _disjoint([*rest, a - b, b - a])
                return out
    return [sets]


def _and(parts: list[dict[str, Any]]) -> dict[str, Any]:
    return parts[0] if len(parts) == 1 else {"$and": parts}


def _task_pattern(conjunction: Conjunction) -> dict[str, Any]:
    parts: list[dict[str, Any]] = [{"kind": "task"}]
    for test in conjunction.task:
        values = sorted(test.values)
        parts.append({test.fact: values[0]} if len(values) == 1 else {"$or": [{test.fact: v} for v in values]})
    return _and(parts)


def _item_pattern(item: _Item, tokens: _Tokens) -> dict[str, Any]:
    space, name, values, excluded, _positive = item
    parts: list[dict[str, Any]] = [{"kind": "item"}, {"space": space}, {"name": name}]
    if values is not None:
        ordered = sorted(tokens(v) for v in values)
        parts.append({"value": ordered[0]} if len(ordered) == 1 else {"$or": [{"value": v} for v in ordered]})
    parts.extend({"$neq": {"value": token}} for token in sorted(tokens(v) for v in excluded))
    return _and(parts)


def _patterns(
    rule: CompiledRule, conjunction: Conjunction, items: list[_Item], prefix: str, tokens: _Tokens
) -> list[dict[str, Any]]:
    patterns: list[dict[str, Any]] = [{f"{prefix}t": _task_pattern(conjunction)}]
    if rule.stratum > 0:
        patterns.append({f"{prefix}s": _and([{"kind": "stratum"}, {"n": rule.stratum}])})
    for position, item in enumerate(items):
        name = f"{prefix}i{position}" + ("" if item[4] else "$not")
        patterns.append({name: _item_pattern(item, tokens)})
    return patterns


def _rule_alternatives(rule: CompiledRule) -> list[tuple[Conjunction, list[_Item]]]:
    return [(c, items) for c in rule.conjunctions for items in _alternatives(c)]


def rule_definition(rule: CompiledRule, tokens: _Tokens) -> dict[str, Any] | None:
    """A compiled rule as a durable-rules rule (without its action); None if it can never hold."""
    alternatives = _rule_alternatives(rule)
    if not alternatives:
        return None
    if len(alternatives) == 1:
        conjunction, items = alternatives[0]
        return {"all": _patterns(rule, conjunction, items, "", tokens)}
    return {
        "any": [
            {f"g{n}$all": _patterns(rule, conjunction, items, f"g{n}.", tokens)}
            for n, (conjunction, items) in enumerate(alternatives)
        ]
    }


class DurableEngine:
    """Rules compiled into one durable-rules ruleset; one session per task."""

    name = "durable-rules"

    def __init__(self, compiled: CompiledRules) -> None:
        self._compiled = compiled
        self._activated: list[int] = []
        self._errors: list[BaseException] = []
        self._sids = itertools.count(1)
        self._ruleset_name = f"crowdsourcing_rules_{next(_NAMES)}"
        self._closed = False
        problems = limits_problems(compiled)
        if problems:
            raise EngineUnavailableError(_describe("durable-rules cannot run these rules", problems))
        self._tokens = _Tokens(compiled)
        definition = {}
        for rule in compiled.rules:
            patterns = rule_definition(rule, self._tokens)
            if patterns is not None:  # a rule whose condition can never hold has nothing to match
                definition[f"r{rule.index}"] = {**patterns, "run": self._action(rule.index)}
        self._empty = not definition
        self._host: Any = None
        if self._empty:
            return
        # Deleting a session in which no action has run crashes the process (seen here): this rule
        # runs an action in every session, as soon as the task is asserted.
        definition["session"] = {"all": [{"t": {"kind": "task"}}], "run": _ignore}
        with _LOCK:
            try:
                host = _QuietHost()
                host.set_rulesets({self._ruleset_name: definition})
                handle = host.get_ruleset(self._ruleset_name)._handle
            except Exception as error:
                raise EngineUnavailableError(self._compile_failure(error)) from error
        self._host = host
        self._finalizer = weakref.finalize(self, _delete_ruleset, handle)

    def _compile_failure(self, error: Exception) -> str:
        """Say which rules durable-rules refuses, trying each alone (called with the lock held)."""
        problems = []
        for rule in self._compiled.rules:
            patterns = rule_definition(rule, self._tokens)
            if patterns is None:
                continue
            name = f"crowdsourcing_rules_probe_{next(_NAMES)}"
            try:
                host = _QuietHost()
                host.set_rulesets({name: {"r": {**patterns, "run": _ignore}}})
            except Exception as rule_error:
                problems.append(Problem(f"durable-rules refuses this rule: {rule_error}", rule.rule.location, rule.id))
            else:
                _delete_ruleset(host.get_ruleset(name)._handle)
        if not problems:
            problems.append(Problem(f"durable-rules refuses the rule set as a whole: {error}"))
        return _describe("durable-rules cannot compile these rules", problems)

    def _action(self, index: int) -> Callable[[Any], None]:
        activated, errors = self._activated, self._errors

        def action(c: Any) -> None:  # durable-rules requires exactly one parameter
            try:
                activated.append(index)
            except BaseException as error:  # pragma: no cover - re-raised by _assert
                errors.append(error)

        return action

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
            sid = str(next(self._sids))
            session = _DurableSession(self, sid)
            try:
                yield session
            finally:
                self._activated.clear()
                self._errors.clear()
                if session.used:
                    with contextlib.suppress(Exception):  # no state exists when nothing matched
                        self._host.delete_state(self._ruleset_name, sid)

    def _assert(self, sid: str, fact: dict[str, Any]) -> list[int]:
        if self._empty:
            return []
        self._activated.clear()
        fact["sid"] = sid
        try:
            self._host.assert_fact(self._ruleset_name, fact)
        except durable_engine.MessageNotHandledException:
            pass  # no condition reads this fact: nothing is activated
        except durable_engine.MessageObservedException:  # pragma: no cover - the agenda asserts once
            pass
        except Exception as error:
            raise EngineError(f"durable-rules failed on {fact!r}: {error}") from error
        if self._errors:
            failure = self._errors[0]
            self._errors.clear()
            raise EngineError(f"a rule action failed: {failure!r}") from failure
        activated = list(self._activated)
        self._activated.clear()
        return activated


class _DurableSession:
    def __init__(self, engine: DurableEngine, sid: str) -> None:
        self._engine = engine
        self._sid = sid
        self._items: set[tuple[str, str, str]] = set()
        self.used = False

    def _assert(self, fact: dict[str, Any]) -> list[int]:
        self.used = True
        return self._engine._assert(self._sid, fact)

    def assert_task(self, facts: dict[str, str]) -> list[int]:
        return self._assert({"kind": "task", **facts})

    def assert_item(self, space: str, name: str, value: str) -> list[int]:
        token = self._engine._tokens(value)
        if (space, name, token) in self._items:
            return []  # values no pattern tests share one token: the first already activated all it can
        self._items.add((space, name, token))
        return self._assert({"kind": "item", "space": space, "name": name, "value": token})

    def assert_stratum(self, stratum: int) -> list[int]:
        return self._assert({"kind": "stratum", "n": stratum})


def _ignore(c: Any) -> None:
    pass


def _describe(summary: str, problems: list[Problem]) -> str:
    return "\n".join([f"{summary}; use engine='reference' for them:", *(f"  {p}" for p in problems)])


def _delete_ruleset(handle: int) -> None:
    with _LOCK, contextlib.suppress(Exception):  # best effort, also at interpreter exit
        durable_rules_engine.delete_ruleset(handle)
