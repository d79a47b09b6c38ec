"""The documentation site builds with warnings as errors, its generated pages match the code, and
its notebook pages show what the notebooks compute (the build executes them).

Needs the ``docs`` and ``notebooks`` extras (Sphinx, myst-nb, furo; ipykernel, matplotlib, pandas);
skipped without them.
"""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

import crowdsourcing_rules as cr
from crowdsourcing_rules.model.vocabulary import COMPUTED

DOCS = Path(__file__).resolve().parent.parent / "docs"


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    for module in ("sphinx", "myst_nb", "furo", "ipykernel", "matplotlib", "pandas"):
        pytest.importorskip(module)
    out = tmp_path_factory.mktemp("site")
    command = [sys.executable, "-m", "sphinx", "-W", "--keep-going", "-q", "-b", "html"]
    result = subprocess.run(
        [*command, "-d", str(out / "doctrees"), str(DOCS), str(out / "html")],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    return out / "html"


def test_every_page_is_built(site: Path) -> None:
    pages = (
        *("index", "getting-started", "concepts", "explanations", "policy"),
        *("vocabulary", "knowledge-base", "rule-files", "cli", "api"),
    )
    for page in pages:
        assert (site / f"{page}.html").is_file(), page
    for notebook in ("quick_start", "company_policy", "portfolio"):
        assert (site / "examples" / f"{notebook}.html").is_file(), notebook


def test_vocabulary_page_lists_every_fact_and_output(site: Path) -> None:
    text = (site / "vocabulary.html").read_text(encoding="utf-8")
    vocabulary = cr.default_vocabulary()
    computed = [o.name for o in COMPUTED]
    for name in [*vocabulary.fact_names, *(o.name for o in vocabulary.outputs), *computed]:
        assert f'<code class="docutils literal notranslate"><span class="pre">{name}</span></code>' in text, name


def test_cli_page_documents_every_command(site: Path) -> None:
    text = (site / "cli.html").read_text(encoding="utf-8")
    for command in ("decide", "explain", "validate", "--why-not", "--what-if"):
        assert command in text, command


def test_api_page_documents_the_public_api(site: Path) -> None:
    """Every name the package root exports has its entry on the API page."""
    import crowdsourcing_rules as cr

    text = (site / "api.html").read_text(encoding="utf-8")
    anchors = set(re.findall(r'id="crowdsourcing_rules\.[a-z_.]*\.(\w+)"', text))
    missing = [name for name in cr.__all__ if name != "__version__" and name not in anchors]
    assert not missing, missing


def images(page: Path) -> list[Path]:
    """The pictures a built page shows, as files of the site."""
    sources = re.findall(r'<img [^>]*src="([^"]+)"', page.read_text(encoding="utf-8"))
    return [(page.parent / source).resolve() for source in sources]


@pytest.mark.parametrize(
    ("notebook", "pictures", "cards"),
    [
        # Four plots (verdicts, risks, the what-if heat map, the rules that decide the verdict and
        # those that decide the granularity): five pictures
        ("portfolio", 5, ()),
        ("quick_start", 0, ("recommendation", "explanation")),
        ("company_policy", 0, ("recommendation",)),
    ],
)
def test_notebook_pages_show_their_pictures_and_cards(
    site: Path, notebook: str, pictures: int, cards: tuple[str, ...]
) -> None:
    page = site / "examples" / f"{notebook}.html"
    shown = images(page)
    assert len(shown) >= pictures, shown
    for picture in shown:
        assert picture.is_file() and picture.stat().st_size > 1000, picture
    html = page.read_text(encoding="utf-8")
    for card in cards:
        assert f'class="crowdsourcing-rules {card}"' in html, card
    # Every code cell ran: none is left without its output
    assert 'class="cell_output' in html and "Traceback" not in html


def test_the_rule_graph_picture_is_on_the_portfolio_page(site: Path) -> None:
    svgs = [p for p in images(site / "examples" / "portfolio.html") if p.suffix == ".svg"]
    assert len(svgs) == 2  # the verdict's rules, the granularity's
    text = svgs[0].read_text(encoding="utf-8").replace("&#45;", "-")
    graph = cr.rule_graph(cr.load_rules([cr.default_rules_path()]))
    assert all(rule in text for rule in graph.picture().rule_ids)
