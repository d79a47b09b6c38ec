"""Compiled rules as several durable-rules rulesets, each within every limit of the C engine.

:func:`shard` rewrites the durable-rules rule definitions of ``engine.durable`` (a dict
``name -> {"all": [patterns]}``) into rulesets that :mod:`.durable_limits` finds safe:

1. **Task tests reordered** (an ``$and`` is order-free, and the order shapes the network).
2. **Long value lists split.** A positive pattern testing a value among more than ``BLOCK``
   values becomes one rule per slice of a fixed partition of every value tested at that place,
   so slices of different rules share nodes; a ``$not`` pattern (no item among the values)
   becomes several ``$not`` patterns of the same rule, each below a private anchor. The slices of
   rule ``r12_0`` are ``r12_0.0``, ``r12_0.1``...: an activation of any of them is one of ``r12_0``.
3. **Packed first-fit** into as few rulesets as the limits allow, at most ``max_rules`` rules each,
   every ruleset with a copy of the session rule. Each ruleset's network is measured as it is
   packed: a rule that brings a problem goes to the next ruleset, and a rule that does not fit in
   an empty ruleset is refused, with its problems.

Every ruleset must then receive every assertion its rules read; the engine merges the activations.
"""

from __future__ import annotations

import hashlib
import json
import threading
from collections import OrderedDict
from collections.abc import Iterable, Mapping
from typing import Any

import attrs

from crowdsourcing_rules.engine.durable_limits import HASH_CHILDREN, Key, Network, Step, Unsupported, fnv1_32, value_key

__all__ = ["BLOCK", "Ruleset", "Sharding", "original_name", "shard"]

BLOCK = 200  # values of one slice of a long value list (below HASH_CHILDREN: slices of several rules add up)
_LONG = 64  # a value list longer than this goes first in its task pattern (shared, not copied per rule)
_PLACE = ("kind", "space", "name")  # the tests that say where a value test hangs in our patterns

Definition = dict[str, Any]


@attrs.frozen
class Ruleset:
    """One durable-rules ruleset, and the facts its rules read."""

    definition: str  # JSON text for create_ruleset
    task_facts: tuple[str, ...]  # the properties of the task fact asserted into it
    items: frozenset[tuple[str, str]]  # (space, name) of the items its patterns test
    strata: frozenset[int]  # the stratum markers its patterns test


@attrs.frozen
class Sharding:
    """Rulesets that hold every rule within the limits, and the rules that fit in none."""

    rulesets: tuple[Ruleset, ...]
    refused: tuple[tuple[str, tuple[str, ...]], ...]  # (rule name, its problems), by name


def original_name(name: str) -> str:
    """The rule a split rule's name stands for.

    >>> original_name("r12_0.3"), original_name("r12_0")
    ('r12_0', 'r12_0')
    """
    return name.split(".", 1)[0]


def shard(definitions: Mapping[str, Definition], session: str, max_rules: int) -> Sharding:
    """Rulesets within every limit for ``definitions`` (``session``: the rule every ruleset copies).

    Pure and deterministic: the last few results are kept, keyed by a digest of the arguments (an
    advisor reloading the same rules does not pack them again).
    """
    digest = hashlib.sha256(json.dumps([definitions, session, max_rules], sort_keys=True).encode()).hexdigest()
    with _CACHE_LOCK:
        if digest in _CACHE:
            _CACHE.move_to_end(digest)
            return _CACHE[digest]
    result = _shard(definitions, session, max_rules)
    with _CACHE_LOCK:
        _CACHE[digest] = result
        while len(_CACHE) > 8:
            _CACHE.popitem(last=False)
    return result


_CACHE: OrderedDict[str, Sharding] = OrderedDict()
_CACHE_LOCK = threading.Lock()


def _shard(definitions: Mapping[str, Definition], session: str, max_rules: int) -> Sharding:
    session_rule = definitions[session]
    rules = _prepare({name: rule for name, rule in definitions.items() if name != session})
    order = sorted(rules, key=lambda n: (-_weight(rules[n]), n))
    nets: list[Network] = []
    sets: list[dict[str, Definition]] = []
    refused: dict[str, list[str]] = {}
    for name in order:
        rule = rules[name]
        if "unsupported" in rule:
            refused.setdefault(original_name(name), []).append(rule["unsupported"])
            continue
        steps = _plan(rule)
        for net, members in zip(nets, sets, strict=True):
            if net.rules < max_rules and not net.surely_refuses(steps) and not _add(net, rule):
                members[name] = rule
                break
        else:
            net = Network()
            if net.add_rule(session_rule):
                raise Unsupported(f"the session rule alone: {session_rule}")
            found = _add(net, rule)
            if found:
                refused.setdefault(original_name(name), []).extend(found)
            else:
                nets.append(net)
                sets.append({session: session_rule, name: rule})
    return Sharding(
        tuple(_ruleset(members, net) for net, members in zip(nets, sets, strict=True)),
        tuple((name, tuple(dict.fromkeys(found))) for name, found in sorted(refused.items())),
    )


def _add(net: Network, rule: Definition) -> list[str]:
    try:
        return net.add_rule(rule, keep_on_problem=False)
    except Unsupported as error:  # never sent to durable-rules: refused like a rule past a limit
        return [f"durable-rules is not known to carry this rule: {error}"]


def _ruleset(members: dict[str, Definition], net: Network) -> Ruleset:
    items: set[tuple[str, str]] = set()
    strata: set[int] = set()
    for rule in members.values():
        for pattern in rule["all"]:
            ((_alias, expr),) = pattern.items()
            tests = dict(_simple_tests(_elements(expr)))
            if tests.get("kind") == "item":
                items.add((tests["space"], tests["name"]))
            elif tests.get("kind") == "stratum":
                strata.add(tests["n"])
    return Ruleset(json.dumps(members), tuple(sorted(net.task_facts)), frozenset(items), frozenset(strata))


def _elements(expr: Definition) -> list[Any]:
    return list(expr["$and"]) if "$and" in expr else [expr]


def _simple(expr: Any) -> tuple[str, Any] | None:
    """(property, value) of an equality test ``{prop: value}``, else None."""
    if isinstance(expr, dict) and len(expr) == 1:
        ((key, value),) = expr.items()
        if not key.startswith("$") and not isinstance(value, (dict, list)):
            return key, value
    return None


def _simple_tests(elements: Iterable[Any]) -> Iterable[tuple[str, Any]]:
    """The equality tests of a pattern, anchors (one-way ``$or``) included."""
    for element in elements:
        tests = element["$or"] if isinstance(element, dict) and len(element.get("$or", ())) == 1 else [element]
        simple = _simple(tests[0])
        if simple:
            yield simple


def _alternation(expr: Any) -> tuple[str, list[Any]] | None:
    """(property, values) of ``{"$or": [{prop: v1}, {prop: v2}, ...]}`` on one property, else None."""
    if isinstance(expr, dict) and len(expr) == 1 and "$or" in expr:
        tests = [t for t in (_simple(e) for e in expr["$or"]) if t]
        if tests and len(tests) == len(expr["$or"]) and len({prop for prop, _v in tests}) == 1:
            return tests[0][0], [value for _p, value in tests]
    return None


def _place(elements: list[Any]) -> tuple[tuple[str, Any], ...]:
    """Where a pattern's value tests hang: its kind, space and name tests (our facts' shape)."""
    return tuple(t for t in (_simple(e) for e in elements) if t and t[0] in _PLACE)


def _universes(definitions: Mapping[str, Definition]) -> dict[tuple[Any, ...], list[Any]]:
    """Every value each (place, property) is tested against, in a fixed order."""
    values: dict[tuple[Any, ...], set[Any]] = {}
    for rule in definitions.values():
        for pattern in rule["all"]:
            ((_alias, expr),) = pattern.items()
            elements = _elements(expr)
            place = _place(elements)
            for element in elements:
                alt = _alternation(element)
                simple = _simple(element)
                if alt:
                    values.setdefault((place, alt[0]), set()).update(value_key(v) for v in alt[1])
                elif simple and simple[0] not in _PLACE:
                    values.setdefault((place, simple[0]), set()).add(value_key(simple[1]))
    return {k: sorted(v, key=lambda x: (x[0], str(x[1]))) for k, v in values.items()}


def _blocks(values: list[Any], universe: list[Any]) -> list[list[Any]]:
    """The values of one alternation cut along the fixed blocks of their universe."""
    position = {key: n for n, key in enumerate(universe)}
    cut: dict[int, list[Any]] = {}
    for v in values:
        cut.setdefault(position[value_key(v)] // BLOCK, []).append(v)
    return [cut[k] for k in sorted(cut)]


def _task_order(elements: list[Any]) -> list[Any]:
    """The order of a task pattern's tests.

    The first test hangs below ``{kind: task}``, shared by every rule of the ruleset: its value nodes
    are shared, and each value links to this rule's private forward node (one stack entry per rule
    sharing the value). Every test after an ``$or`` hangs below that private node, its value nodes
    copied for this rule alone. So the longest value list goes first if it has more than ``_LONG``
    values (shared, not copied), then the other tests, fewest values first (a one-value test is a
    shared branch that costs no link; a short list costs few).
    """
    if not elements or _simple(elements[0]) != ("kind", "task"):
        return elements

    def size(e: Any) -> tuple[int, str]:
        alt = _alternation(e)
        if alt:
            return (len(alt[1]), alt[0])
        simple = _simple(e)
        return (1, simple[0]) if simple else (0, "")

    rest = sorted(elements[1:], key=size)
    if rest and size(rest[-1])[0] > _LONG:
        rest = [rest[-1], *rest[:-1]]
    return [elements[0], *rest]


def _versions(alias: str, expr: Definition, universes: dict[tuple[Any, ...], list[Any]]) -> list[list[Definition]]:
    """A pattern as its versions (one per slice of its long value lists), each a list of patterns."""
    if "$and" not in expr:
        return [[{alias: expr}]]
    elements = _task_order(list(expr["$and"]))
    place = _place(elements)
    long = [(n, alt) for n, e in enumerate(elements) if (alt := _alternation(e)) and len(alt[1]) > BLOCK]
    if not alias.endswith("$not"):
        versions = [elements]
        for position, (prop, values) in long:
            pieces = _blocks(values, universes[(place, prop)])
            versions = [
                [*v[:position], {"$or": [{prop: x} for x in piece]}, *v[position + 1 :]]
                for v in versions
                for piece in pieces
            ]
        return [[{alias: {"$and": v}}] for v in versions]
    if not long:
        return [[{alias: {"$and": elements}}]]
    # "No item among S" is "no item among S1, and none among S2...": one $not pattern per slice, each
    # below a private anchor (the test before it as a one-way $or), so that the slices of one rule
    # never share a hash table: a slice may then fill the anchor's table.
    if len(long) > 1:
        raise Unsupported(f"a $not pattern with two long value lists: {expr}")
    [(position, (prop, values))] = long
    if position == 0 or not _simple(elements[position - 1]):
        raise Unsupported(f"a $not pattern's value list cannot be anchored: {expr}")
    base = alias[: -len("$not")]
    return [
        [
            {
                f"{base}_{k}$not": {
                    "$and": [
                        *elements[: position - 1],
                        {"$or": [elements[position - 1]]},
                        {"$or": [{prop: x} for x in values[start : start + HASH_CHILDREN]]},
                        *elements[position + 1 :],
                    ]
                }
            }
            for k, start in enumerate(range(0, len(values), HASH_CHILDREN))
        ]
    ]


def _prepare(definitions: Mapping[str, Definition]) -> dict[str, Definition]:
    """The rules with their task tests reordered and their long value lists split."""
    universes = _universes(definitions)
    out: dict[str, Definition] = {}
    for name, rule in definitions.items():
        if "." in name:
            raise ValueError(f"rule name {name!r}: '.' is kept for the names of split rules")
        combos: list[list[Definition]] = [[]]
        try:
            for pattern in rule["all"]:
                ((alias, expr),) = pattern.items()
                combos = [c + v for c in combos for v in _versions(alias, expr, universes)]
        except Unsupported as error:  # kept whole: the packing refuses it with this problem
            out[name] = {"all": rule["all"], "unsupported": str(error)}
            continue
        for n, patterns in enumerate(combos):
            out[name if len(combos) == 1 else f"{name}.{n}"] = {"all": patterns}
    return out


def _plan(rule: Definition) -> list[list[Step]]:
    """Per pattern, the hashed keys of its tests, for :meth:`Network.surely_refuses`."""
    plan = []
    for pattern in rule["all"]:
        ((_alias, expr),) = pattern.items()
        steps: list[Step] = []
        for element in _elements(expr):
            simple = _simple(element)
            alt = _alternation(element)
            if simple:
                steps.append(("s", ((fnv1_32(simple[0]), "$eq", value_key(simple[1])),)))
            elif alt:
                h = fnv1_32(alt[0])
                keys: tuple[Key, ...] = tuple((h, "$eq", value_key(v)) for v in alt[1])
                steps.append(("o", keys))
            else:
                steps.append(("x", ()))
        plan.append(steps)
    return plan


def _weight(rule: Definition) -> int:
    """How much of the shared tables a rule may take: the heaviest are packed first."""
    text = json.dumps(rule)
    return text.count('"$or"') * 4 + text.count("}") + len(rule["all"]) * 8
