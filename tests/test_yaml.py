"""The YAML reader (``_yaml``): the same data and locations as ruamel.yaml's round-trip loader.

The library read YAML with ruamel.yaml until loading the default rules had to become fast (issue
7); ruamel stays here as the oracle: every YAML file of the repository (the documented cases of
tests/knowledge_base/cases included), and generated documents, must read to the same values with
the same locations, except where the differences below are intended (dates stay text, merge keys
and non-core tags are refused).
"""

from __future__ import annotations

import io
import json
import math
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings, strategies as st
from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq

from crowdsourcing_rules.errors import Location
from crowdsourcing_rules.rulefiles import yaml_reader as _yaml

ROOT = Path(__file__).resolve().parents[1]


def _repository_yaml() -> list[Path]:
    # The project's own folders only: virtual environments and build output hold YAML of others.
    folders = ("rules", "examples", "tests", "docs", "crowdsourcing_rules", "benchmarks")
    files = [p for folder in folders for p in (ROOT / folder).rglob("*.yaml") if "_build" not in p.parts]
    return sorted(files)


def ruamel_read(text: str) -> Any:
    return YAML(typ="rt").load(io.StringIO(text))


def same(ours: Any, theirs: Any, display: str, path: str = "") -> None:
    """Equal values, and the same location for every mapping, key, value and item."""
    if isinstance(theirs, CommentedMap):
        assert isinstance(ours, _yaml.YamlMap), path
        assert list(ours) == list(theirs), path
        assert _yaml.node_location(ours, display) == Location(display, theirs.lc.line + 1, theirs.lc.col + 1), path
        for key in theirs:
            k_line, k_col = theirs.lc.key(key)
            v_line, v_col = theirs.lc.value(key)
            assert _yaml.key_location(ours, key, display) == Location(display, k_line + 1, k_col + 1), (path, key)
            if theirs[key] is not None:  # an empty value: ruamel points past it, we point where it is missing
                assert _yaml.value_location(ours, key, display) == Location(display, v_line + 1, v_col + 1), (path, key)
            same(ours[key], theirs[key], display, f"{path}/{key}")
    elif isinstance(theirs, CommentedSeq):
        assert isinstance(ours, _yaml.YamlList), path
        assert len(ours) == len(theirs), path
        for index, item in enumerate(theirs):
            line, col = theirs.lc.item(index)
            assert _yaml.item_location(ours, index, display) == Location(display, line + 1, col + 1), (path, index)
            same(ours[index], item, display, f"{path}/{index}")
    elif isinstance(theirs, float) and math.isnan(theirs):
        assert isinstance(ours, float) and math.isnan(ours), path
    else:
        assert type(ours) in (str, int, float, bool, type(None)), path
        assert ours == theirs and isinstance(ours, bool) == isinstance(theirs, bool), (path, ours, theirs)


@pytest.mark.parametrize("path", _repository_yaml(), ids=lambda p: str(p.relative_to(p.parents[2])))
def test_every_yaml_file_of_the_repository_reads_as_ruamel_read_it(path: Path) -> None:
    text = path.read_text(encoding="utf-8")
    same(_yaml.parse(text, "f.yaml"), ruamel_read(text), "f.yaml")


def test_the_pure_python_parser_gives_the_same_events_as_libyaml() -> None:
    # Where PyYAML is built without libyaml, its own parser is used: same documents, same marks.
    text = (ROOT / "rules" / "risks.yaml").read_text(encoding="utf-8")

    def events(parser: Any) -> list[tuple[Any, ...]]:
        seen = []
        for e in _yaml._events(text, parser):
            mark = e.start_mark
            seen.append((type(e).__name__, getattr(e, "value", None), getattr(e, "tag", None), mark.line, mark.column))
        return seen

    assert _yaml._Parser is not _yaml._PurePythonParser, "PyYAML without libyaml: loading is slow"
    assert events(_yaml._PurePythonParser) == events(None)


# -- generated documents -----------------------------------------------------------------------

# Plain scalars that YAML 1.1 and 1.2 read differently, or that look like numbers.
TRICKY_SCALARS = ["yes", "no", "on", "off", "~", "null", "Null", "TRUE", "False", "1_000", "0o17", "0x1F", "0b101",
                  ".5", "-.inf", ".NaN", "+1", "012", "0", "-0", "1e3", "1.5e-3", "_", "0x", "1:20"]  # fmt: skip

_scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-(10**12), 10**12),
    st.floats(allow_nan=False, allow_infinity=False, width=32),
    st.text(st.characters(codec="utf-8", exclude_categories=("Cs", "Cc")), max_size=12),
    st.sampled_from(TRICKY_SCALARS),
)
_keys = st.text(st.characters(codec="utf-8", exclude_categories=("Cs", "Cc")), min_size=1, max_size=8)
_documents = st.recursive(
    _scalars, lambda inner: st.lists(inner, max_size=4) | st.dictionaries(_keys, inner, max_size=4), max_leaves=20
)


def _dump(data: Any, flow: bool) -> str:
    # Flow style as JSON (ruamel's own flow emitter writes keys such as ``0?`` that YAML parsers
    # read differently), block style as ruamel writes it.
    if flow:
        return json.dumps(data, ensure_ascii=False) + "\n"
    out = io.StringIO()
    YAML(typ="rt").dump(data, out)
    return out.getvalue()


@settings(max_examples=300, deadline=None)
@given(_documents, st.booleans())
def test_generated_documents_read_as_ruamel_reads_them(data: Any, flow: bool) -> None:
    text = _dump(data, flow)
    same(_yaml.parse(text, "g.yaml"), ruamel_read(text), "g.yaml")


@pytest.mark.parametrize("text", TRICKY_SCALARS)
def test_plain_scalars_resolve_as_yaml_1_2_core_schema(text: str) -> None:
    same(_yaml.parse(f"v: {text}\n", "s.yaml"), ruamel_read(f"v: {text}\n"), "s.yaml")


# -- intended differences and refusals ---------------------------------------------------------


def _problem(text: str) -> str:
    with pytest.raises(_yaml.YamlProblems) as caught:
        _yaml.parse(text, "p.yaml")
    return str(caught.value)


def test_a_date_stays_text() -> None:
    # YAML 1.2's core schema has no timestamps (ruamel read a datetime.date): a citation date is text.
    assert _yaml.parse("note: 2024-01-02\n", "d.yaml") == {"note": "2024-01-02"}


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("a: 1\na: 2\n", 'p.yaml:2:1: YAML syntax error: duplicate key "a"'),
        ("a: 1\n---\nb: 2\n", "p.yaml:2:1: YAML syntax error: expected a single document"),
        ("a: [1\n", "p.yaml:2:1: YAML syntax error: while parsing a flow sequence"),
        ("a: b\0\n", "p.yaml:1:5: YAML error: character U+0000 is not allowed in a YAML file"),
        ("a: *x\n", "p.yaml:1:4: YAML syntax error: found undefined alias 'x'"),
        ("x: &a [1, *a]\n", "p.yaml:1:11: alias '*a' is inside the node it refers to"),
        ("a: !!binary aGVsbG8=\n", "p.yaml:1:4: YAML tag 'tag:yaml.org,2002:binary' is not allowed"),
        ("a: !!set {x, y}\n", "p.yaml:1:4: YAML tag 'tag:yaml.org,2002:set' is not allowed"),
        ("a: !custom 1\n", "p.yaml:1:4: YAML tag '!custom' is not allowed"),
        ("a: !!int twelve\n", "p.yaml:1:4: YAML tag 'tag:yaml.org,2002:int': 'twelve' is not a valid int"),
        ("base: &b {x: 1}\nc:\n  <<: *b\n", "p.yaml:3:3: merge keys ('<<') are not supported"),
        ("? [a]\n: 1\n", "p.yaml:1:3: a mapping key must be a scalar"),
        ("[" * 100 + "]" * 100, "p.yaml:1:62: nesting deeper than 60 levels"),
        ("- " * 10_000 + "x\n", "p.yaml:1:123: nesting deeper than 60 levels"),
    ],
)
def test_refusals_are_located(text: str, expected: str) -> None:
    assert expected in _problem(text)


def test_every_problem_of_a_document_is_reported() -> None:
    message = _problem("a: !!binary aGVsbG8=\nb: 1\nb: 2\nc: !x 1\n")
    assert message.count("\n") == 2
    assert "1:4" in message and "3:1" in message and "4:4" in message


def test_core_tags_give_their_types() -> None:
    data = _yaml.parse("a: !!str 12\nb: !!int '12'\nc: !!float 1\nd: !!bool 'true'\ne: !!null ''\nf: ! 12\n", "t.yaml")
    assert data == {"a": "12", "b": 12, "c": 1.0, "d": True, "e": None, "f": "12"}
    assert isinstance(data["c"], float)  # type: ignore[index]


def test_alias_bombs_stop_at_the_node_limit() -> None:
    levels = ["a: &a [x, x, x, x, x, x, x, x, x, x]"]
    for n in range(1, 7):
        previous = chr(ord("a") + n - 1)
        levels.append(f"{chr(ord('a') + n)}: &{chr(ord('a') + n)} [" + ", ".join([f"*{previous}"] * 10) + "]")
    assert f"more than {_yaml.MAX_NODES} nodes" in _problem("\n".join(levels) + "\n")
    # Aliases within the limit are expanded: the same values, where the alias is written.
    data = _yaml.parse("a: &x [1, 2]\nb: *x\n", "a.yaml")
    assert data == {"a": [1, 2], "b": [1, 2]}
    assert _yaml.value_location(data, "b", "a.yaml") == Location("a.yaml", 2, 4)


def test_an_alias_deeper_than_the_limit_is_refused() -> None:
    anchored = "[" * 40 + "1" + "]" * 40
    aliased = "[" * 22 + "*d" + "]" * 22  # 22 + 40 levels: deeper than 60 once expanded
    assert "nesting deeper than 60 levels" in _problem(f"a: &d {anchored}\nb: {aliased}\n")
