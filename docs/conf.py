"""Sphinx configuration for the documentation site.

Build: ``sphinx-build -W -b html docs docs/_build/html`` (warnings are errors). Two pages are
generated here at build time, so that they cannot drift from the code: the vocabulary tables (from
``crowdsourcing_rules.model.vocabulary``) and the command-line reference (from the argparse parser). The
example notebooks are copied from ``examples/`` (with the files they read) and executed by myst-nb
in every build, so that their pages show their pictures and cards; a notebook that fails fails the
build. tests/test_docs.py builds the site and reads the notebook pages' HTML for their images.
"""

from __future__ import annotations

import os
import shutil
import sys
from pathlib import Path

DOCS = Path(__file__).resolve().parent
ROOT = DOCS.parent
sys.path.insert(0, str(ROOT))

from crowdsourcing_rules import __version__  # noqa: E402

project = "crowdsourcing-rules"
author = "crowdsourcing-rules developers"
copyright = "crowdsourcing-rules developers"
release = version = __version__

extensions = ["myst_nb", "sphinx.ext.autodoc", "sphinx.ext.viewcode", "sphinxcontrib.mermaid"]
source_suffix = {".md": "myst-nb", ".ipynb": "myst-nb"}
exclude_patterns = [
    *("_build", "_generated", "jupyter_execute", "examples/tasks", "examples/company_policy"),
    *("**.ipynb_checkpoints", "Thumbs.db", ".DS_Store"),
]
html_theme = "furo"
html_title = f"crowdsourcing-rules {release}"

myst_enable_extensions = ["colon_fence", "deflist"]
# ```mermaid fences (GitHub draws them too) become pictures: docs/development.md's architecture
myst_fence_as_directive = ["mermaid"]
myst_heading_anchors = 3
nb_execution_mode = "force"  # every build runs the notebooks: their pages show what they compute
nb_execution_timeout = 180
nb_execution_raise_on_error = True
nb_execution_show_tb = True  # a failing cell's traceback in the build's log

autodoc_member_order = "bysource"
autodoc_typehints = "description"
autodoc_default_options = {"members": True, "show-inheritance": False}


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def write_vocabulary_tables(path: Path) -> None:
    """The facts and outputs of the built-in vocabulary, as Markdown tables."""
    from crowdsourcing_rules.model.vocabulary import COMPUTED, RISK_IDS, SEVERITIES, default_vocabulary

    vocabulary = default_vocabulary()
    lines = ["## Input facts", "", "| fact | kind | values | what |", "|---|---|---|---|"]
    for spec in vocabulary.facts:
        values = ", ".join(f"`{v}`" for v in spec.values)
        if spec.ordered:
            values += " (ordered, lowest first; `unknown` is never ordered)"
        if spec.kind == "list" and spec.values:
            values = "items from " + values
        kind = spec.kind + (", required" if spec.required else "")
        what = spec.description + (f" (refines `{spec.refines}`)" if spec.refines else "")
        lines.append(f"| `{spec.name}` | {kind} | {values or '-'} | {_cell(what)} |")
    lines += ["", "## Outputs", "", "| output | kind | values | what |", "|---|---|---|---|"]
    for output in vocabulary.outputs:
        values = ", ".join(f"`{v}`" for v in output.values) or "free text"
        what = output.description + (f" (at most {output.max_items})" if output.max_items else "")
        lines.append(f"| `{output.name}` | {output.kind} | {values} | {_cell(what)} |")
    lines += [
        "",
        "## Computed outputs",
        "",
        "Computed by the advisor once the rules have run; no rule concludes or reads them.",
        "",
    ]
    lines += ["| output | kind | what |", "|---|---|---|"]
    for output in COMPUTED:
        lines.append(f"| `{output.name}` | {output.kind} | {_cell(output.description)} |")
    lines += ["", f"Risk severities, lowest first: {', '.join(f'`{s}`' for s in SEVERITIES)}.", ""]
    lines.append(f"The {len(RISK_IDS)} risk ids are the values of `risks` above.")
    _write(path, "\n".join(lines) + "\n")


def write_cli_reference(path: Path) -> None:
    """The help of the command and of each subcommand, as argparse prints it."""
    import argparse

    from crowdsourcing_rules.cli import build_parser

    os.environ["COLUMNS"] = "100"  # argparse wraps help to the terminal width: fix it
    parser = build_parser()
    parser.prog = "crowdsourcing-rules"
    parts = ["```text", parser.format_help().rstrip(), "```", ""]
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for name, sub in action.choices.items():
                parts += [f"## `{name}`", "", "```text", sub.format_help().rstrip(), "```", ""]
    _write(path, "\n".join(parts))


# The pages index.md lists by name; every other page of docs/ (the development guide, the engine,
# the knowledge base, the policy guide, performance... as they are written) goes under "More".
LISTED = {
    *("index", "getting-started", "concepts", "explanations", "policy", "serving"),
    *("vocabulary", "knowledge-base", "rule-files", "cli", "api"),
}


def write_more_pages(path: Path) -> None:
    """A toctree of the pages of docs/ that index.md does not list by name."""
    more = sorted(p.stem for p in DOCS.glob("*.md") if p.stem not in LISTED)
    text = ""
    if more:
        text = "```{toctree}\n:maxdepth: 1\n:caption: More\n\n" + "\n".join(more) + "\n```\n"
    _write(path, text)


def _write(path: Path, text: str) -> None:
    # Rewrite only on change, so that Sphinx does not rebuild every page each time
    if not path.exists() or path.read_text(encoding="utf-8") != text:
        path.write_text(text, encoding="utf-8")


# Generated pages and copies (listed in .gitignore)
generated = DOCS / "_generated"
generated.mkdir(exist_ok=True)
write_vocabulary_tables(generated / "vocabulary-tables.md")
write_cli_reference(generated / "cli-reference.md")
write_more_pages(generated / "more-pages.md")
examples = DOCS / "examples"
examples.mkdir(exist_ok=True)
for notebook in sorted((ROOT / "examples").glob("*.ipynb")):
    target = examples / notebook.name
    if not target.exists() or target.read_bytes() != notebook.read_bytes():
        shutil.copyfile(notebook, target)
# The notebooks read the files beside them, relative to where they run
for folder in ("tasks", "company_policy"):
    if (ROOT / "examples" / folder).is_dir():
        shutil.copytree(ROOT / "examples" / folder, examples / folder, dirs_exist_ok=True)
for name in ("portfolio.csv",):
    if (ROOT / "examples" / name).is_file():
        shutil.copyfile(ROOT / "examples" / name, examples / name)
