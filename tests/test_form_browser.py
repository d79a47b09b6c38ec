"""The web form in a real browser: headless Chromium (Debian's ``chromium`` and
``chromium-driver``) driven by Selenium through a whole consultation in English and in French,
the answer shown checked against ``crowdsourcing_rules.decide`` on the same facts, a "why?"
opened, the task file downloaded and read back, and a screenshot of the result page written under
the test's temporary folder; then the whole form, whose script updates the answer as a choice
changes.

Skipped without the ``server`` extra, without selenium, or without Chromium and its driver
(``apt-get install chromium chromium-driver``; .ci/run installs them).
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

pytest.importorskip("fastapi")
pytest.importorskip("fastapi_offline")
pytest.importorskip("uvicorn")
pytest.importorskip("jinja2")
pytest.importorskip("httpx")
webdriver = pytest.importorskip("selenium.webdriver")

from selenium.webdriver.chrome.options import Options  # noqa: E402
from selenium.webdriver.chrome.service import Service  # noqa: E402
from selenium.webdriver.common.by import By  # noqa: E402
from selenium.webdriver.remote.webdriver import WebDriver  # noqa: E402
from selenium.webdriver.support.ui import Select, WebDriverWait  # noqa: E402

import crowdsourcing_rules as cr  # noqa: E402
from crowdsourcing_rules.model.text import short_answer  # noqa: E402
from crowdsourcing_rules.rulefiles.tasks import read_task_text  # noqa: E402
from crowdsourcing_rules.server.app import create_app  # noqa: E402
from crowdsourcing_rules.server.form import task_slug  # noqa: E402
from crowdsourcing_rules.server.state import ServerConfig  # noqa: E402
from tests.server_support import WAIT, LiveServer, eventually  # noqa: E402

CHROMIUM = os.environ.get("CHROMIUM") or shutil.which("chromium") or shutil.which("chromium-browser")
CHROMEDRIVER = os.environ.get("CHROMEDRIVER") or shutil.which("chromedriver")
pytestmark = pytest.mark.skipif(
    not (CHROMIUM and CHROMEDRIVER), reason="Chromium and its driver are not installed (chromium, chromium-driver)"
)

#: What the manager knows; every other question is answered "I don't know".
KNOWN = {
    "task_type": "translation_localization",
    "skill_level": "professional",
    "legal_sensitivity": "low",
    "urgency": "high",
    "confidentiality": "public",
}
TITLES = {"en": "Catalogue translation", "fr": "Traduction du catalogue (été)"}


@pytest.fixture(scope="module")
def server() -> Iterator[LiveServer]:
    with LiveServer(create_app(ServerConfig(threads=2))) as live:
        yield live


@pytest.fixture
def browser(tmp_path: Path) -> Iterator[WebDriver]:
    options = Options()
    assert CHROMIUM is not None and CHROMEDRIVER is not None
    options.binary_location = CHROMIUM
    for argument in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--window-size=1280,2000"):
        options.add_argument(argument)
    options.add_argument("--lang=en-US")
    downloads = tmp_path / "downloads"
    downloads.mkdir()
    options.add_experimental_option(
        "prefs", {"download.default_directory": str(downloads), "download.prompt_for_download": False}
    )
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    driver = webdriver.Chrome(options=options, service=Service(CHROMEDRIVER))
    driver.set_page_load_timeout(WAIT)
    try:
        yield driver
    finally:
        driver.quit()


def wait_for_page(driver: WebDriver, old: object) -> None:
    """Wait until the browser has left the page whose <html> element is ``old``."""
    WebDriverWait(driver, WAIT).until(lambda d: d.find_element(By.TAG_NAME, "html").id != old)


def click_and_wait(driver: WebDriver, element: object) -> None:
    old = driver.find_element(By.TAG_NAME, "html").id
    element.click()  # type: ignore[attr-defined]
    wait_for_page(driver, old)


def browser_errors(driver: WebDriver) -> list[str]:
    """The console's errors (a script or style the page's security policy refused, a 404...)."""
    return [entry["message"] for entry in driver.get_log("browser") if entry["level"] == "SEVERE"]


@pytest.mark.parametrize("lang", ["en", "fr"])
def test_a_whole_consultation_in_the_browser(server: LiveServer, browser: WebDriver, tmp_path: Path, lang: str) -> None:
    browser.get(server.url + "/?lang=en")
    if lang != "en":  # the language switch
        click_and_wait(browser, browser.find_element(By.CSS_SELECTOR, f'a[hreflang="{lang}"]'))
    assert browser.find_element(By.TAG_NAME, "html").get_attribute("lang") == lang
    browser.find_element(By.ID, "title").send_keys(TITLES[lang])

    answers: dict[str, str] = {}
    for _ in range(40):
        forms = browser.find_elements(By.ID, "question")
        if not forms:
            break
        fact = forms[0].get_attribute("data-fact")
        assert fact and fact not in answers
        answers[fact] = KNOWN.get(fact, "unknown")
        button = forms[0].find_element(By.CSS_SELECTOR, f'button[data-value="{answers[fact]}"]')
        click_and_wait(browser, button)
    else:
        raise AssertionError("the consultation did not end")
    assert browser.find_element(By.ID, "consultation").get_attribute("data-done") == "true"
    assert set(KNOWN) & set(answers), answers  # some questions known, the others "I don't know"
    assert "unknown" in answers.values()

    # The answer shown is the answer of decide on the same facts, in the page's language
    title = TITLES[lang]
    task = {"id": task_slug(title), "title": title, **answers}
    expected = short_answer(cr.decide(task).to_dict(trace=False), lang, title=title)
    assert browser.find_element(By.CSS_SELECTOR, "p.verdict").text == expected[0]
    shown = [item.text for item in browser.find_elements(By.CSS_SELECTOR, ".short-lines > li")]
    assert shown == expected[1:]
    risks = browser.find_elements(By.CSS_SELECTOR, "section.risks li.risk")
    assert len(risks) == len(cr.decide(task).risks)

    # "Why?" opens on a click
    why = browser.find_element(By.CSS_SELECTOR, "section.verdict-why details.why")
    lines = why.find_elements(By.TAG_NAME, "li")
    assert not lines[0].is_displayed()
    why.find_element(By.TAG_NAME, "summary").click()
    assert lines[0].is_displayed()
    assert why.get_attribute("open") is not None

    screenshot = tmp_path / f"answer-{lang}.png"
    assert browser.save_screenshot(str(screenshot))
    assert screenshot.stat().st_size > 10_000

    # The task file: downloaded, it reads back as the same task
    browser.find_element(By.ID, "download").click()
    downloaded = tmp_path / "downloads" / f"{task_slug(title)}.yaml"
    eventually(lambda: True if downloaded.exists() else None, "the download")
    read_back = read_task_text(downloaded.read_text(encoding="utf-8"), str(downloaded))
    assert read_back.facts == cr.Task.from_dict(task).facts
    assert browser_errors(browser) == []


def test_the_whole_form_updates_as_a_choice_changes(server: LiveServer, browser: WebDriver, tmp_path: Path) -> None:
    browser.get(server.url + "/?lang=fr&view=all")
    before = browser.find_element(By.CSS_SELECTOR, "p.verdict").text
    html = browser.find_element(By.TAG_NAME, "html").id
    Select(browser.find_element(By.ID, "field-task_type")).select_by_value("professional_service")
    wait_for_page(browser, html)  # the script sent the form: no button pressed
    html = browser.find_element(By.TAG_NAME, "html").id
    Select(browser.find_element(By.ID, "field-legal_sensitivity")).select_by_value("high")
    wait_for_page(browser, html)
    selected = Select(browser.find_element(By.ID, "field-task_type")).first_selected_option
    assert selected.get_attribute("value") == "professional_service"
    task = {"id": "consultation", "task_type": "professional_service", "legal_sensitivity": "high"}
    expected = short_answer(cr.decide(task).to_dict(trace=False), "fr")[0]
    after = browser.find_element(By.CSS_SELECTOR, "p.verdict").text
    assert after == expected
    assert after != before
    assert browser.save_screenshot(str(tmp_path / "whole-form-fr.png"))
    assert browser_errors(browser) == []
