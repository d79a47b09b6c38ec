"""The limits of durable-rules 2.0.28's C engine, measured on a ruleset before it is created.

Pure Python over durable-rules rule definitions (the dicts ``engine.durable`` builds and gives to
``create_ruleset`` as JSON); nothing here imports durable-rules. :class:`Network` builds the alpha
network that the C compiler (``src/rules/rete.c``) would build, and counts what its fixed-size
tables bound. A ruleset with no problem is safe to create and to match; one past a limit may hang
the process with the GIL held, abort it, read or write past a table, or fail at decision time.
``docs/engine.md`` has the table; each constant below names the C definition it comes from (in
durable-rules' sdist, ``src/rules/``), and tests/test_durable_scale.py checks each bound on the
engine.

=====================  ======  ==============================================================
what is counted        bound   past it (durable-rules 2.0.28)
=====================  ======  ==============================================================
tests hashed directly  511     512: every assertion reaching the node loops forever;
below one alpha node           513: ``create_ruleset`` does (both with the GIL held)
``$or`` links of one   127     128: matching reads past the list; 129: error 107 or a write
alpha node                     past it
patterns ending at     255     256: a spurious activation or SIGSEGV; 257: error 108 or a
one alpha node                 write past the list
alpha nodes pending    64      error 303 from ``assert_fact``
while one fact matches
expression slots of    31      error 113 (2 per ``$and`` and per ``$or``)
one pattern
patterns of one rule   16      error 304 when the 17th pattern's fact arrives
rules of one ruleset   4,096   error 106
properties of one      254     error 302 (``sid``, ``kind`` and the engine's ``id`` included:
asserted fact                  251 task facts)
=====================  ======  ==============================================================

Nodes are shared by (FNV-1 hash of the property name, operator, value): the counts add up over
every rule of the ruleset, which is why they depend on how much the rules share and not on how
many there are. Live sessions (1,024 per ruleset) are bounded by the engine's use, not here.
"""

from __future__ import annotations

import contextlib
import functools
import json
from collections.abc import Iterable, Mapping
from typing import Any

__all__ = [
    "BETA_LIST",
    "EXPRESSIONS",
    "HASH_CHILDREN",
    "NEXT_LIST",
    "PATTERNS",
    "RULES",
    "STACK",
    "TASK_FACTS",
    "Key",
    "Network",
    "Step",
    "Unsupported",
    "fnv1_32",
    "problems",
    "value_key",
]

HASH_CHILDREN = 511  # rules.h NEXT_BUCKET_LENGTH 512, probing from hash & 0x1F (rete.c findAlpha)
NEXT_LIST = 127  # rules.h NEXT_LIST_LENGTH 128 (rete.c linkAlpha)
BETA_LIST = 255  # rules.h BETA_LIST_LENGTH 256
STACK = 64  # events.c MAX_STACK_SIZE (handleAlpha)
EXPRESSIONS = 31  # rete.h MAX_SEQUENCE_EXPRESSIONS 32
PATTERNS = 16  # state.h MAX_MESSAGE_FRAMES
RULES = 4096  # rete.c MAX_ACTIONS
TASK_FACTS = 251  # state.h MAX_OBJECT_PROPERTIES 255, less sid, kind and the generated id

# Properties of every fact or node: a task fact whose name hashes like one of these is confused
# with it (nodes are looked up by the hash of the property name, never by the name).
_RESERVED = ("sid", "id", "kind", "$forward")
_OPERATORS = frozenset({"$lt", "$lte", "$gt", "$gte", "$eq", "$neq", "$ex", "$nex", "$mt", "$imt"})
_EQ, _NEX = "$eq", "$nex"
_MISSING = object()

ValueKey = tuple[str, Any]
Key = tuple[int, str, ValueKey]  # how findAlpha tells two tests apart: property hash, operator, value
# A step of a pattern's plan for Network.surely_refuses: ("s", (key,)) a simple test, ("o", keys) an
# alternation of simple tests, ("x", ()) anything else (the walk stops there).
Step = tuple[str, tuple[Key, ...]]


class Unsupported(ValueError):
    """A construct this model of the C compiler does not cover: never sent to durable-rules."""


@functools.lru_cache(maxsize=65536)
def fnv1_32(text: str) -> int:
    """durable-rules' property hash (json.c ``getStringAndHash``): FNV-1 over the JSON bytes.

    The C code XORs a ``char``, signed on x86: bytes from 0x80 up are sign-extended.

    >>> fnv1_32("$or"), fnv1_32("sid")  # rete.c HASH_OR, state.h HASH_SID
    (340911698, 3593476751)
    """
    h = 0x811C9DC5
    for byte in json.dumps(text)[1:-1].encode():
        h ^= byte if byte < 0x80 else (byte - 256) & 0xFFFFFFFF
        h = (h * 16777619) & 0xFFFFFFFF
    return h


def value_key(value: Any) -> ValueKey:
    """How findAlpha (rete.c ``compareValue``) tells two test values apart."""
    if isinstance(value, bool):
        return ("b", value)
    if isinstance(value, int):
        return ("i", value)
    if isinstance(value, float):
        return ("d", value)
    if isinstance(value, str):
        return ("s", json.dumps(value)[1:-1])
    if value is None:
        return ("n", None)
    raise Unsupported(f"test value {value!r}: expressions and identifiers are not modelled")


class _Node:
    """One alpha node, with what the C engine's tables hold and the stack bound below it."""

    __slots__ = ("betas", "chash", "children", "groups", "h", "link_parents", "links", "maxchild", "nex", "parent")

    def __init__(self, parent: _Node | None) -> None:
        self.parent = parent  # whose hash table (or $nex list) holds this node; None for a forward node
        self.children: dict[Key, _Node] | None = None  # the hash table
        self.nex: dict[Key, _Node] | None = None  # $nex tests, kept in the next list
        self.groups: dict[int, list[int]] | None = None  # property hash -> [equality children, others]
        self.chash = 0  # children of the hash table that one fact can match at once
        self.links = 0  # next-list entries ($or forward nodes, $nex tests)
        self.link_parents: list[_Node] | None = None  # for a forward node: the nodes linking to it
        self.betas = 0  # beta-list entries: patterns ending here
        self.h = 0  # most stack entries used below this node once it is popped
        self.maxchild = 0  # max h over children and link targets


class _Reject(Exception):
    """The first problem of a rule being packed: stop building it."""


class _Journal:
    """An undo log of attribute, dict and list changes, so that a refused rule can be taken out."""

    def __init__(self) -> None:
        self._journal: list[tuple[Any, ...]] | None = None

    def _set(self, obj: Any, attr: str, value: Any) -> None:
        if self._journal is not None:
            self._journal.append(("attr", obj, attr, getattr(obj, attr)))
        setattr(obj, attr, value)

    def _dict_set(self, mapping: dict[Any, Any], key: Any, value: Any) -> None:
        if self._journal is not None:
            self._journal.append(("dict", mapping, key, mapping.get(key, _MISSING)))
        mapping[key] = value

    def _append(self, items: list[Any], value: Any) -> None:
        if self._journal is not None:
            self._journal.append(("list", items))
        items.append(value)

    def _container(self, node: _Node, attr: str, kind: type) -> Any:
        value = getattr(node, attr)
        if value is None:
            value = kind()
            self._set(node, attr, value)
        return value

    def _undo(self) -> None:
        for entry in reversed(self._journal or ()):
            if entry[0] == "attr":
                setattr(entry[1], entry[2], entry[3])
            elif entry[0] == "dict":
                if entry[3] is _MISSING:
                    del entry[1][entry[2]]
                else:
                    entry[1][entry[2]] = entry[3]
            else:
                entry[1].pop()


class Network(_Journal):
    """durable-rules' alpha network for one ruleset, as rete.c builds it, with every count bounded.

    :meth:`add_rule` returns the problems a rule brings; with ``keep_on_problem=False`` it stops at
    the first one and takes the rule back out (what the packing into rulesets uses).
    """

    def __init__(self) -> None:
        super().__init__()
        self.root = _Node(None)
        self.rules = 0
        self.properties: dict[int, str] = {fnv1_32(p): p for p in _RESERVED}
        self.task_facts: dict[str, None] = {}  # properties the task fact must carry for this ruleset
        self._found: list[str] = []
        self._strict = False

    def _problem(self, message: str) -> None:
        self._found.append(message)
        if self._strict:
            raise _Reject(message)

    # -- the stack bound --------------------------------------------------------------------------
    # Matching one fact (events.c handleAlpha) is a depth-first walk: at each node every next-list
    # entry and every matching hash child is pushed, and siblings wait while the last one pushed is
    # explored. With c(X) the children X can push at once (all links, one equality test per property,
    # every other test), h(X) = max(c, c - 1 + max h(child)); safe while h(root) <= 64.
    def _bump(self, node: _Node) -> None:
        """Recompute h where a count grew: h only grows, so propagate upwards while it does."""
        todo = [node]
        while todo:
            n = todo.pop()
            c = n.chash + n.links
            h = 0 if c == 0 else max(c, c - 1 + n.maxchild)
            if h <= n.h:
                continue
            self._set(n, "h", h)
            parents = [*(n.link_parents or ()), *((n.parent,) if n.parent is not None else ())]
            for p in parents:
                if h > p.maxchild:
                    self._set(p, "maxchild", h)
                    todo.append(p)

    def _stack_with(self, node: _Node, extra: int) -> int:
        """The stack bound at the root if ``node`` could push ``extra`` more children."""
        c = node.chash + node.links + extra
        h = max(c, c - 1 + node.maxchild)
        while node.parent is not None:
            p = node.parent
            cp = p.chash + p.links
            h = max(cp, cp - 1 + max(p.maxchild, h))
            node = p
        return h

    # -- building (rete.c createAlpha, findAlpha, linkAlpha) ------------------------------------------
    def _property(self, prop: str) -> int:
        h = fnv1_32(prop)
        known = self.properties.get(h)
        if known is None:
            self._dict_set(self.properties, h, prop)
        elif known != prop:
            self._problem(f"durable-rules cannot tell {known!r} from {prop!r} (the same hash, {h})")
        return h

    def _test(self, parent: _Node, prop: str, op: str, value: Any) -> _Node:
        """An existing child of ``parent`` with this test, or a new one."""
        ph = self._property(prop)
        key = (ph, op, value_key(value))
        table = parent.nex if op == _NEX else parent.children
        node = table.get(key) if table else None
        if node is not None:
            return node
        table = self._container(parent, "nex" if op == _NEX else "children", dict)
        node = _Node(parent)
        self._dict_set(table, key, node)
        if op == _NEX:  # a $nex node goes to the next list, and is always pushed
            self._next_link(parent)
            return node
        if len(table) > HASH_CHILDREN:
            self._problem(f"{len(table)} different tests below one test (the limit, {HASH_CHILDREN}, hangs it)")
        groups = self._container(parent, "groups", dict)
        eq, other = groups.get(ph) or (0, 0)
        before = min(1, eq) + other
        eq, other = (eq + 1, other) if op == _EQ else (eq, other + 1)
        self._dict_set(groups, ph, [eq, other])
        grown = min(1, eq) + other - before
        if grown:
            self._set(parent, "chash", parent.chash + grown)
            self._bump(parent)
        return node

    def _next_link(self, node: _Node) -> None:
        self._set(node, "links", node.links + 1)
        if node.links > NEXT_LIST:
            self._problem(f"{node.links} value lists share one test (limit {NEXT_LIST}: error 107)")
        self._bump(node)

    def _link_forward(self, node: _Node, forward: _Node) -> None:
        self._append(self._container(forward, "link_parents", list), node)
        if forward.h > node.maxchild:
            self._set(node, "maxchild", forward.h)
        self._next_link(node)

    def _alpha(self, expr: Any, parent: _Node, slots: list[int]) -> _Node:
        """The node a pattern's expression ends at (rete.c createAlpha, for the constructs we use)."""
        if not isinstance(expr, dict) or len(expr) != 1:
            # The C compiler reads the first key of a test object only: {"a": 1, "b": 2} tests a.
            raise Unsupported(f"a test must be an object with one key: {expr!r}")
        ((key, value),) = expr.items()
        if key in ("$and", "$or"):
            slots[0] += 2
            if key == "$and":
                node = parent
                for element in value:
                    node = self._alpha(element, node, slots)
                return node
            forward = _Node(None)  # createForwardAlpha: private to this $or, never shared
            for element in value:
                self._link_forward(self._alpha(element, parent, slots), forward)
            return forward
        if key in _OPERATORS:
            if not isinstance(value, dict) or len(value) != 1:
                raise Unsupported(f"operator {key} needs one property: {value!r}")
            ((prop, operand),) = value.items()
            op = _EQ if key == "$eq" else key
        elif key.startswith("$"):
            raise Unsupported(f"{key} is not modelled")
        else:
            prop, operand, op = key, value, _EQ
        if isinstance(operand, (dict, list)):
            raise Unsupported(f"expression operands are not modelled: {expr!r}")
        return self._test(parent, prop, op, operand)

    def _task_properties(self, expr: Any) -> None:
        """A task pattern's properties go into the task fact asserted into this ruleset."""
        elements = expr.get("$and", [expr])
        if elements[0] != {"kind": "task"}:
            return
        for prop in _properties(elements[1:]):
            if prop not in self.task_facts:
                self._dict_set(self.task_facts, prop, None)
        if len(self.task_facts) > TASK_FACTS:
            count = len(self.task_facts)
            self._problem(f"the condition tests {count} task facts; durable-rules carries {TASK_FACTS} in one fact")

    def add_rule(self, definition: Mapping[str, Any], keep_on_problem: bool = True) -> list[str]:
        """Add one rule; return its problems (and take it back out if ``keep_on_problem`` is false)."""
        self._journal = None if keep_on_problem else []
        self._strict = not keep_on_problem
        self._found = []
        try:
            with contextlib.suppress(_Reject):
                self._rule(definition)
            found = list(dict.fromkeys(self._found))
            if found and not keep_on_problem:
                self._undo()
            return found
        except BaseException:
            if not keep_on_problem:  # an unsupported construct: leave the network as it was
                self._undo()
            raise
        finally:
            self._journal = None
            self._strict = False

    def _rule(self, definition: Mapping[str, Any]) -> None:
        patterns = definition.get("all")
        if set(definition) != {"all"} or not isinstance(patterns, list):
            raise Unsupported(f"only 'all' rules are modelled: {sorted(definition)}")
        self._set(self, "rules", self.rules + 1)
        if self.rules > RULES:
            self._problem(f"{self.rules} rules in one ruleset (limit {RULES}: error 106)")
        if len(patterns) > PATTERNS:
            self._problem(f"the condition joins {len(patterns)} facts; durable-rules allows {PATTERNS}")
        for pattern in patterns:
            ((_alias, expr),) = pattern.items()
            slots = [0]
            end = self._alpha(expr, self.root, slots)
            self._set(end, "betas", end.betas + 1)
            if end.betas > BETA_LIST:
                self._problem(f"{end.betas} patterns end at the same test (limit {BETA_LIST}: error 108)")
            if slots[0] > EXPRESSIONS:
                self._problem(
                    f"one pattern needs {slots[0]} expression slots (2 for the conjunction and 2 per test of "
                    f"several values); durable-rules allows {EXPRESSIONS}"
                )
            if self.root.h > STACK:
                self._problem(f"matching one fact may leave {self.root.h} tests pending (limit {STACK}: error 303)")
            self._task_properties(expr)

    # -- a quick refusal, without building ---------------------------------------------------------------
    def surely_refuses(self, plan: list[list[Step]]) -> bool:
        """True if adding the rule certainly crosses a limit (it walks existing nodes only).

        ``plan`` is :func:`plan` of the rule. This checks a part of what :meth:`add_rule` checks: new
        hash children of existing nodes, one more link on existing value nodes and the stack that
        it implies, beta lists. False does not mean that the rule fits.
        """
        if self.rules + 1 > RULES:
            return True
        for steps in plan:
            node: _Node | None = self.root
            for kind, keys in steps:
                if node is None or kind == "x":
                    break
                children = node.children or {}
                if kind == "s":
                    child = children.get(keys[0])
                    if child is None and (len(children) + 1 > HASH_CHILDREN or self._new_group_overflows(node, keys)):
                        return True
                    node = child
                    continue
                missing = 0
                for key in keys:
                    child = children.get(key)
                    if child is None:
                        missing += 1
                    elif child.links + 1 > NEXT_LIST or self._stack_with(child, 1) > STACK:
                        return True
                if len(children) + missing > HASH_CHILDREN or (missing and self._new_group_overflows(node, keys)):
                    return True
                node = None  # below a new forward node
            else:
                if node is not None and node.betas + 1 > BETA_LIST:
                    return True
        return False

    def _new_group_overflows(self, node: _Node, keys: tuple[Key, ...]) -> bool:
        """A first equality test of a property below ``node``: one more child a fact can match there."""
        group = (node.groups or {}).get(keys[0][0])
        return (not group or group[0] == 0) and self._stack_with(node, 1) > STACK


def _properties(elements: Iterable[Any]) -> Iterable[str]:
    """The properties tested by simple tests and alternations of simple tests."""
    for element in elements:
        for test in element.get("$or", [element]) if isinstance(element, dict) else ():
            if isinstance(test, dict) and len(test) == 1:
                ((prop, value),) = test.items()
                if not prop.startswith("$") and not isinstance(value, (dict, list)):
                    yield prop


def problems(definition: Mapping[str, Mapping[str, Any]]) -> list[str]:
    """The limits one ruleset definition crosses (empty: safe to give to ``create_ruleset``).

    >>> task = {"t": {"$and": [{"kind": "task"}, {"urgency": "high"}]}}
    >>> problems({f"r{n}": {"all": [task]} for n in range(255)})
    []
    >>> problems({f"r{n}": {"all": [task]} for n in range(256)})
    ['256 patterns end at the same test (limit 255: error 108)']
    """
    net = Network()
    found: list[str] = []
    for rule in definition.values():
        found += net.add_rule(rule)
    return list(dict.fromkeys(found))
