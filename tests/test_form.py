"""The web form at ``/``, over HTTP on a real server: the first question, the language switch, a
whole consultation whose answer matches ``crowdsourcing_rules.decide``, the whole form, unusable
answers (a readable page, never a 500), the task file to download, and escaping.

Skipped without the ``server`` extra. tests/test_form_browser.py drives the same pages in Chromium.
"""

from __future__ import annotations

import html
import re
from typing import Any

import pytest

pytest.importorskip("fastapi")
pytest.importorskip("fastapi_offline")
pytest.importorskip("uvicorn")
pytest.importorskip("jinja2")
httpx = pytest.importorskip("httpx")

import crowdsourcing_rules as cr  # noqa: E402
from crowdsourcing_rules.model.language import language  # noqa: E402
from crowdsourcing_rules.model.text import short_answer  # noqa: E402
from crowdsourcing_rules.rulefiles.tasks import read_task_text  # noqa: E402
from crowdsourcing_rules.server.app import create_app  # noqa: E402
from crowdsourcing_rules.server.form import TEMPLATES  # noqa: E402
from crowdsourcing_rules.server.state import ServerConfig  # noqa: E402
from tests.server_support import LiveServer  # noqa: E402

KNOWN = {"task_type": "translation_localization", "skill_level": "professional", "urgency": "high"}


@pytest.fixture(scope="module")
def server() -> LiveServer:
    with LiveServer(create_app(ServerConfig(threads=2))) as live:
        yield live


@pytest.fixture(scope="module")
def advisor() -> cr.Advisor:
    with cr.Advisor.default() as built:
        yield built


def asked(page: str) -> str | None:
    """The fact the page asks (None when it asks nothing)."""
    found = re.search(r'<form id="question"[^>]*data-fact="([^"]+)"', page)
    return found.group(1) if found else None


def text_of(fragment: str) -> str:
    return html.unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", fragment))).strip()


def verdict(page: str) -> str:
    found = re.search(r'<p class="verdict"[^>]*>(.*?)</p>', page, re.S)
    assert found, page
    return text_of(found.group(1))


def consult(server: LiveServer, known: dict[str, str], lang: str) -> tuple[httpx.Response, list[tuple[str, str]]]:
    """Answer the page's questions from ``known`` (else "I don't know") until it is done."""
    answers: list[tuple[str, str]] = []
    for _ in range(40):
        response = server.client.get("/", params=[("lang", lang), *answers])
        assert response.status_code == 200, response.text
        fact = asked(response.text)
        if fact is None:
            return response, answers
        answers.append((fact, known.get(fact, "unknown")))
    raise AssertionError("the consultation did not end")


def test_the_first_page_asks_the_first_question(server: LiveServer, advisor: cr.Advisor) -> None:
    response = server.client.get("/")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    assert "default-src 'none'" in response.headers["content-security-policy"]
    page = response.text
    question = cr.Consultation(advisor).next_question()
    assert question is not None
    assert asked(page) == question.fact
    assert question.text("en") in text_of(page)
    assert '<html lang="en">' in page
    assert 'hreflang="fr"' in page


@pytest.mark.parametrize("lang", ["en", "fr"])
def test_a_whole_consultation_ends_with_the_answer_of_decide(server: LiveServer, lang: str) -> None:
    page, answers = consult(server, KNOWN, lang)
    assert 'data-done="true"' in page.text
    task = {"id": "consultation", **dict(answers)}
    expected = short_answer(cr.decide(task).to_dict(trace=False), lang)
    assert verdict(page.text) == expected[0]
    assert "<details" in page.text  # the "why?" of each conclusion
    link = re.search(r'<a id="download" href="([^"]+)"', page.text)
    assert link
    download = server.client.get(html.unescape(link.group(1)))
    assert download.status_code == 200
    assert download.headers["content-type"] == "application/yaml; charset=utf-8"
    assert download.headers["content-disposition"] == 'attachment; filename="consultation.yaml"'
    assert read_task_text(download.text, "<download>").facts == cr.Task.from_dict(task).facts


def test_the_language_follows_the_browser_and_the_switch(server: LiveServer, advisor: cr.Advisor) -> None:
    question = cr.Consultation(advisor).next_question()
    assert question is not None
    french = server.client.get("/", headers={"Accept-Language": "fr-CH, fr;q=0.9, en;q=0.8"}).text
    assert '<html lang="fr">' in french
    assert question.text(language("fr")) in text_of(french)
    # The switch keeps the answers given so far
    page = server.client.get("/", params={"lang": "fr", "task_type": "translation_localization"}).text
    switch = re.search(r'<a href="([^"]+)" hreflang="en"', page)
    assert switch
    assert "task_type=translation_localization" in html.unescape(switch.group(1))
    english = server.client.get(html.unescape(switch.group(1))).text
    assert '<html lang="en">' in english
    assert "translation and localisation" in english


def test_the_whole_form_shows_every_question_and_the_answer(server: LiveServer, advisor: cr.Advisor) -> None:
    response = server.client.get("/", params={"view": "all", **KNOWN})
    assert response.status_code == 200
    page = response.text
    for fact in cr.Consultation(advisor).askable:
        assert f'name="{fact}"' in page
    assert re.search(r'<option value="translation_localization"\s+selected', page)
    task = {"id": "consultation", **KNOWN}
    assert verdict(page) == short_answer(cr.decide(task).to_dict(trace=False), "en")[0]


@pytest.mark.parametrize(
    ("params", "status", "words"),
    [
        ([("task_type", "translaton")], 422, "“translaton” is not an answer"),
        ([("urgncy", "high")], 422, "Did you mean “urgency”?"),
        ([("lang", "fr"), ("urgncy", "high")], 422, "Vouliez-vous dire « urgency » ?"),
        ([("task_type", "ideation"), ("task_type", "testing_qa")], 422, "answered twice"),
        ([("lang", "de")], 400, "The language “de” is not available"),
        ([("view", "grid")], 400, "The view “grid” does not exist"),
        ([("ask", "nothing")], 400, "“nothing” is not a question of this consultation"),
        ([("title", "x" * 500)], 422, "The title is cut"),
    ],
)
def test_unusable_answers_are_listed_on_a_readable_page(
    server: LiveServer, params: list[tuple[str, str]], status: int, words: str
) -> None:
    response = server.client.get("/", params=params)
    assert response.status_code == status
    assert response.headers["content-type"].startswith("text/html")
    problems = re.search(r'<section class="problems".*?</section>', response.text, re.S)
    assert problems, response.text
    assert words in text_of(problems.group(0))
    assert asked(response.text)  # the consultation goes on from the answers that can be used


def test_the_task_file_of_unusable_answers_is_a_problem(server: LiveServer) -> None:
    response = server.client.get("/task.yaml", params={"task_type": "translaton"})
    assert response.status_code == 422
    body: dict[str, Any] = response.json()
    assert body["problems"][0]["fact"] == "task_type"


def test_the_title_names_the_task_and_is_escaped(server: LiveServer) -> None:
    title = '<script>alert("x")</script> été'
    page = server.client.get("/", params={"title": title, "task_type": "ideation"}).text
    assert "<script>alert" not in page
    assert "&lt;script&gt;" in page
    download = server.client.get("/task.yaml", params={"title": title, "task_type": "ideation"})
    assert download.headers["content-disposition"] == 'attachment; filename="script-alert-x-script-ete.yaml"'
    assert read_task_text(download.text, "<download>").title == title


def test_the_static_files_are_served(server: LiveServer) -> None:
    for name, media in [("form.css", "text/css"), ("form.js", "javascript"), ("favicon.svg", "image/svg+xml")]:
        response = server.client.get(f"/static/{name}")
        assert response.status_code == 200
        assert media in response.headers["content-type"]


def test_the_templates_hold_no_words_of_their_own() -> None:
    """Every word comes from ``form.words`` (the catalogues' extractor reads Python only)."""
    assert TEMPLATES.loader is not None
    for name in TEMPLATES.list_templates():
        source = TEMPLATES.loader.get_source(TEMPLATES, name)[0]
        assert "ui(" not in source, name


def test_an_answer_can_be_changed(server: LiveServer) -> None:
    page = server.client.get("/", params={"task_type": "ideation", "urgency": "high"}).text
    change = re.search(r'<a href="([^"]*ask=task_type[^"]*)">Change</a>', page)
    assert change
    asking = server.client.get(html.unescape(change.group(1))).text
    assert asked(asking) == "task_type"
    assert 'aria-pressed="true"' in asking  # the answer given is marked
    form = re.search(r'<form id="question".*?</form>', asking, re.S)
    assert form
    hidden = dict(re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)">', form.group(0)))
    assert hidden == {"lang": "en", "urgency": "high"}  # the other answers, the one asked left out
    again = server.client.get("/", params={**hidden, "task_type": "testing_qa"})
    assert again.status_code == 200
    assert "testing" in text_of(re.search(r'<section class="answers".*?</section>', again.text, re.S).group(0))
