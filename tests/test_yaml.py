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

from crowdsourcing_rules.errors import Location, Problem
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
TRICKY_SCALARS = ["yes", "no", "on", "off", "~", "null", "Null", "TRUE", "False", "0o17", "0x1F",
                  ".5", "-.inf", ".NaN", "+1", "012", "0", "-0", "1e3", "1.5e-3", "_", "0x", "1:20"]  # fmt: skip
# Numbers of YAML 1.1 that ruamel.yaml also reads as numbers, and that YAML 1.2's core schema does
# not know (issue 18): text here.
YAML_1_1_NUMBERS = ["1_000", "0b101", "-0x1F", "+0o17", "1_000.5", "0x_1F", "-0o17"]

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


@pytest.mark.parametrize("text", YAML_1_1_NUMBERS)
def test_numbers_yaml_1_2_core_does_not_know_are_text(text: str) -> None:
    """YAML 1.2.2's core schema: ``[-+]?[0-9]+``, ``0o[0-7]+`` and ``0x[0-9a-fA-F]+`` are integers,
    nothing else is; no underscores, no ``0b``, no sign before ``0o`` or ``0x``."""
    assert _yaml.parse(f"v: {text}\n", "s.yaml") == {"v": text}
    assert isinstance(ruamel_read(f"v: {text}\n")["v"], (int, float))  # where ruamel.yaml differs


def test_core_schema_integers() -> None:
    document = _yaml.parse("[0o17, 0x1F, 012, -12, +7, 1e3, .5, 1.]", "s.yaml")
    assert document == [15, 31, 12, -12, 7, 1000.0, 0.5, 1.0]
    assert [type(v) for v in document] == [int, int, int, int, int, float, float, float]


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
        ("a: [1\n", "p.yaml:1:4: YAML syntax error: the '[' opened here is never closed"),
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
    assert message.count("p.yaml:") == 3  # each with its line and a caret under it
    assert "    3 | b: 2\n      | ^" in message
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


# The common mistakes, each said in our words at the place of the mistake (not where libyaml gave
# up), with the offending line, a caret under the column and a hint.
@pytest.mark.parametrize(
    ("text", "where", "words", "hint"),
    [
        # A tab in the indentation: libyaml says "found character that cannot start any token".
        ("rules:\n\t- id: a\n", "2:1", "a tab character where YAML expects spaces", "spaces only"),
        ("a:\n  b:\n\t  c: 1\n", "3:1", "a tab character", "replace the tab"),
        # A list item one column off: libyaml says "did not find expected '-' indicator".
        (
            "rules:\n  - id: a\n    description: d\n   - id: b\n",
            "4:4",
            "not indented like the list it belongs to (which starts at line 2, column 3)",
            "same column",
        ),
        # A key one column short: "did not find expected key".
        ("a:\n  b: 1\n  c:\n    - x\n   d: 2\n", "5:4", "not indented like the mapping", "same column"),
        # A key indented deeper than its siblings: "mapping values are not allowed here", at the
        # key rather than at its colon.
        ("a:\n  b: 1\n    c: 2\n", "3:5", "this key is indented more than the keys before it", "same column"),
        # A missing colon: "could not find expected ':'" is reported on the next line by libyaml;
        # the mistake is on the line of the key.
        ("id: t1\nurgency high\nbudget: low\n", "2:1", "a key without ':'", "write 'key: value'"),
        ("id: t1\nurgency:high\nbudget: low\n", "2:1", "a key without ':'", "a space after the colon"),
        # An unclosed quote: libyaml reaches the end of the file; the mistake is the opening quote.
        ("id: t1\nneed: 'draft the terms\nurgency: high\n", "2:7", "the quote ' opened here is never closed", "''"),
        ('id: "t1\nurgency: high\n', "1:5", 'the quote " opened here is never closed', 'end the value with "'),
        # An unclosed bracket, and a wrong closing one on the same line.
        ("skills_needed: [law, design\nurgency: high\n", "1:16", "the '[' opened here is never closed", "']'"),
        ("when: {urgency: [high}\n", "1:22", "expected ',' or ']' in the '[' opened at column 17", "']'"),
        # A colon inside a plain value.
        ("description: Note: this\n", "1:18", "a ': ' inside a plain value", "put the value in quotes"),
    ],
)
def test_syntax_errors_are_said_in_our_words(text: str, where: str, words: str, hint: str) -> None:
    with pytest.raises(_yaml.YamlProblems) as caught:
        _yaml.parse(text, "p.yaml")
    [problem] = caught.value.problems
    line, column = map(int, where.split(":"))
    assert problem.location == Location("p.yaml", line, column)
    assert problem.message == f"YAML syntax error: {words}" or words in problem.message
    assert problem.hint is not None and hint in problem.hint
    shown = str(problem).splitlines()
    # The offending line under the message (a tab drawn as an arrow), and a caret under the column
    assert shown[1].endswith(text.splitlines()[line - 1].replace("\t", "→").rstrip())
    assert shown[2].index("^") - shown[2].index("|") - 2 == column - 1
    assert shown[1].index("|") == shown[2].index("|")
    assert "cannot start any token" not in str(problem) and "scanning" not in str(problem)


def test_a_syntax_error_reaches_the_user_with_its_line_and_caret(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from crowdsourcing_rules.cli import main

    (tmp_path / "mine.yaml").write_text("rules:\n  - id: a\n\tdescription: d\n", encoding="utf-8")
    assert main(["validate", "--rules", str(tmp_path)]) == 1
    err = capsys.readouterr().err
    assert "mine.yaml:3:1: YAML syntax error: a tab character where YAML expects spaces" in err
    assert "    3 | →description: d" in err and "      | ^" in err and "hint: YAML indents with spaces only" in err


def test_a_long_line_is_cut_around_the_caret() -> None:
    text = "a: " + "x" * 300 + " @bad\n"
    problem = Problem("m", Location("p.yaml", 1, 305), line=text.rstrip())
    excerpt, caret = str(problem).splitlines()[1:3]
    assert len(excerpt) < 120 and excerpt.endswith("@bad")
    assert excerpt[caret.index("^")] == "@"


@settings(max_examples=150, deadline=None)
@given(st.text(alphabet=st.sampled_from(list("ab:- \t\n'\"[]{},#&*!|>@")), max_size=60))
def test_any_syntax_error_shows_the_line_it_locates(text: str) -> None:
    # Whatever the mistake, the problem names a line of the text and shows that very line.
    try:
        _yaml.parse(text, "p.yaml")
    except _yaml.YamlProblems as error:
        lines = text.splitlines()
        for problem in error.problems:
            assert problem.location is not None
            if problem.line is not None:
                assert problem.location.line >= 1
                expected = lines[problem.location.line - 1] if problem.location.line <= len(lines) else ""
                assert problem.line == expected
