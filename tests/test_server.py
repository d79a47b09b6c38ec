"""The HTTP API, called on a real server: uvicorn on a free 127.0.0.1 port started by the tests,
every endpoint with good and bad bodies, oversize bodies, wrong content types and unknown facts,
and the status codes and problem documents that answer them.

Skipped without the ``server`` extra (``pip install -e '.[test,server]'``).
"""

from __future__ import annotations

import json
import re
import threading
from pathlib import Path
from typing import Any

import pytest

pytest.importorskip("fastapi")
pytest.importorskip("fastapi_offline")
pytest.importorskip("uvicorn")
httpx = pytest.importorskip("httpx")

import crowdsourcing_rules as cr  # noqa: E402
from crowdsourcing_rules.rulefiles.schemas import task_schema  # noqa: E402
from crowdsourcing_rules.server.app import create_app  # noqa: E402
from crowdsourcing_rules.server.problems import PROBLEM_JSON  # noqa: E402
from crowdsourcing_rules.server.state import ServerConfig  # noqa: E402
from tests.server_support import WAIT, LiveServer, eventually  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = ROOT / "tests" / "fixtures"
EXAMPLES = sorted((ROOT / "examples" / "tasks").glob("*.yaml"))
LIMIT = 64 * 1024  # a small body limit, so that an oversize body is cheap to send
TASK = {"id": "t1", "task_type": "translation_localization", "skill_level": "professional", "urgency": "high"}


@pytest.fixture(scope="module")
def advisor() -> cr.Advisor:
    with cr.Advisor.default() as built:
        yield built


@pytest.fixture(scope="module")
def server() -> LiveServer:
    config = ServerConfig(max_body=LIMIT, max_batch_body=4 * LIMIT, threads=2)
    with LiveServer(create_app(config)) as live:
        yield live


@pytest.fixture(scope="module")
def company() -> LiveServer:
    """A server with Acme's policy layer on the starter rules: three declared facts."""
    config = ServerConfig(rules=[FIXTURES / "defaults"], policy=[FIXTURES / "company_policy"])
    with LiveServer(create_app(config)) as live:
        yield live


def problem_of(response: httpx.Response, status: int) -> dict[str, Any]:
    """The problem document of an error response, checked against RFC 9457's members."""
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == PROBLEM_JSON
    body: dict[str, Any] = response.json()
    assert body["status"] == status and body["title"] and body["detail"] and body["type"]
    assert "Traceback" not in response.text
    return body


def post_json(server: LiveServer, path: str, body: object, **params: Any) -> httpx.Response:
    return server.client.post(path, json=body, params=params)


# -- health, vocabulary, rules, schemas ------------------------------------------------------------


def test_health_says_what_is_served(server: LiveServer, advisor: cr.Advisor) -> None:
    health = server.client.get("/health").json()
    assert health["status"] == "ok" and health["version"] == cr.__version__
    assert health["rules"] == len(advisor.ruleset) and health["engine"] == advisor.engine
    assert (health["watching"], health["reloads"], health["last_reload_error"]) == (False, 0, None)


def test_vocabulary_lists_the_facts_and_the_outputs(server: LiveServer, company: LiveServer) -> None:
    shipped = server.client.get("/v1/vocabulary").json()
    assert shipped["facts"] == json.loads(json.dumps(cr.default_vocabulary().as_dict()["facts"]))
    assert shipped["declared"] == []
    acme = company.client.get("/v1/vocabulary").json()
    assert acme["declared"] == ["budget_code", "touches_customer_data", "through_approved_panel"]
    assert acme["facts"]["budget_code"]["values"] == ["capex", "opex", "innovation", "unknown"]


def test_rules_lists_every_rule_with_its_source_and_location(server: LiveServer, advisor: cr.Advisor) -> None:
    rules = server.client.get("/v1/rules").json()
    assert [r["id"] for r in rules] == [r.id for r in advisor.ruleset]
    first = advisor.ruleset.rules[0]
    assert rules[0]["location"] == str(first.location) and re.search(r"\.yaml:\d+:\d+$", rules[0]["location"])
    assert rules[0]["source"] == first.source.to_dict() and rules[0]["layer"] == 0


def test_rules_say_which_layer_defined_each(company: LiveServer) -> None:
    layers = {r["id"]: r["layer"] for r in company.client.get("/v1/rules").json()}
    assert layers["acme.veto.customer-personal-data"] == 1  # the company's veto is in its layer
    assert layers["start.verdict.default"] == 0


def test_the_task_schema_follows_the_rules_in_use(server: LiveServer, company: LiveServer) -> None:
    jsonschema = pytest.importorskip("jsonschema")
    schema = server.client.get("/v1/schemas/task").json()
    assert schema == task_schema()
    for path in EXAMPLES:  # every example task is valid by the published schema
        jsonschema.validate(cr.read_task_file(path).to_dict(), schema)
    acme = company.client.get("/v1/schemas/task").json()
    assert acme["properties"]["touches_customer_data"]["enum"][:2] == [True, False]
    assert "touches_customer_data" not in schema["properties"]
    for name in ("cases", "rules", "policy"):
        assert server.client.get(f"/v1/schemas/{name}").json()["$schema"].startswith("http://json-schema.org/")
    missing = problem_of(server.client.get("/v1/schemas/taks"), 404)
    assert "did you mean 'task'" in missing["detail"]


# -- decide ----------------------------------------------------------------------------------------


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: p.stem)
def test_decide_answers_what_the_library_answers(server: LiveServer, advisor: cr.Advisor, path: Path) -> None:
    task = cr.read_task_file(path).to_dict()
    expected = advisor.decide(task)
    short = post_json(server, "/v1/decide", task)
    assert short.status_code == 200 and short.headers["content-type"] == "application/json"
    assert short.json() == json.loads(json.dumps(expected.to_dict(trace=False)))  # no trace by default
    full = post_json(server, "/v1/decide", task, trace="true")
    assert full.json() == json.loads(expected.to_json())


def test_decide_without_the_questions(server: LiveServer, advisor: cr.Advisor) -> None:
    # The card's example leaves facts unknown that could change its verdict: the search finds them.
    with_questions = post_json(server, "/v1/decide", {"id": "t1"}).json()
    without = post_json(server, "/v1/decide", {"id": "t1"}, questions="false").json()
    assert with_questions["questions"] == list(advisor.decide({"id": "t1"}).questions)
    assert with_questions["questions"] and without["questions"] == []


def test_decide_accepts_a_charset_in_the_content_type(server: LiveServer) -> None:
    body = json.dumps(TASK).encode("utf-8")
    response = server.client.post(
        "/v1/decide", content=body, headers={"content-type": "application/json; charset=utf-8"}
    )
    assert response.status_code == 200 and response.json()["task_id"] == "t1"


def test_an_invalid_task_is_a_422_with_one_entry_per_problem(server: LiveServer) -> None:
    bad = {"id": "t1", "urgncy": "high", "budget": "mediun", "skills_needed": "law", "volume": 3}
    problem = problem_of(post_json(server, "/v1/decide", bad), 422)
    assert problem["type"].endswith("/invalid-task") and problem["instance"] == "/v1/decide"
    assert problem["detail"] == "task 't1' is invalid: 4 problems"
    entries = {p["fact"]: p for p in problem["problems"]}
    assert set(entries) == {"urgncy", "budget", "skills_needed", "volume"}
    # an unknown fact: the closest fact; a value outside the set: the closest value
    assert (entries["urgncy"]["value"], entries["urgncy"]["did_you_mean"]) == ("high", "urgency")
    assert (entries["budget"]["value"], entries["budget"]["did_you_mean"]) == ("mediun", "medium")
    # wrong types: the value as given, no suggestion
    assert (entries["skills_needed"]["value"], entries["skills_needed"]["did_you_mean"]) == ("law", None)
    assert (entries["volume"]["value"], entries["volume"]["did_you_mean"]) == (3, None)
    assert all(p["message"] for p in problem["problems"])


def test_an_unknown_fact_of_another_company_is_refused_and_its_own_accepted(
    server: LiveServer, company: LiveServer
) -> None:
    acme = {"id": "t1", "task_type": "data_labeling", "touches_customer_data": True}
    assert post_json(company, "/v1/decide", acme).json()["crowdsource"] == "no"  # Acme's veto
    problem = problem_of(post_json(server, "/v1/decide", acme), 422)
    assert [p["fact"] for p in problem["problems"]] == ["touches_customer_data"]


def test_a_missing_id_and_a_task_that_is_not_an_object(server: LiveServer) -> None:
    missing = problem_of(post_json(server, "/v1/decide", {"urgency": "high"}), 422)
    assert [(p["fact"], p["value"]) for p in missing["problems"]] == [("id", None)]
    listed = problem_of(post_json(server, "/v1/decide", [TASK]), 422)
    assert "expected a mapping of facts, got list" in listed["problems"][0]["message"]


def test_a_fact_given_twice_is_refused(server: LiveServer) -> None:
    # Python's json would keep the second value silently: the API refuses to guess.
    body = b'{"id": "t1", "urgency": "low", "urgency": "high"}'
    problem = problem_of(
        server.client.post("/v1/decide", content=body, headers={"content-type": "application/json"}), 422
    )
    assert problem["problems"][0]["fact"] == "urgency" and "given twice" in problem["problems"][0]["message"]


@pytest.mark.parametrize(
    ("body", "words"),
    [
        (b'{"id": "t1",', "not JSON"),
        (b"", "not JSON"),
        (b'{"id": "t1", "volume": NaN}', "NaN is not a JSON value"),
        (b"\xff\xfe{}", "not JSON"),
    ],
    ids=["truncated", "empty", "nan", "bad-bytes"],
)
def test_a_body_that_is_not_json_is_a_400(server: LiveServer, body: bytes, words: str) -> None:
    response = server.client.post("/v1/decide", content=body, headers={"content-type": "application/json"})
    assert words in problem_of(response, 400)["detail"]


def test_a_nesting_too_deep_within_the_limit_is_a_400(server: LiveServer) -> None:
    body = b"[" * 30_000 + b"]" * 30_000  # under the 64 KiB limit of this server
    problem = problem_of(
        server.client.post("/v1/decide", content=body, headers={"content-type": "application/json"}), 400
    )
    assert "nested too deeply" in problem["detail"]


@pytest.mark.parametrize("content_type", ["text/plain", "application/x-www-form-urlencoded", "application/xml", None])
def test_a_wrong_content_type_is_a_415(server: LiveServer, content_type: str | None) -> None:
    headers = {"content-type": content_type} if content_type else {}
    response = server.client.post("/v1/decide", content=json.dumps(TASK).encode(), headers=headers)
    problem = problem_of(response, 415)
    assert "application/json" in problem["detail"]


def test_an_oversize_body_is_a_413_whether_its_length_is_declared_or_not(server: LiveServer) -> None:
    big = {"id": "t1", "need": "x" * (LIMIT + 1)}
    declared = problem_of(post_json(server, "/v1/decide", big), 413)
    assert f"limit of {LIMIT} bytes" in declared["detail"]

    def chunks():  # no Content-Length: the server counts as it reads
        data = json.dumps(big).encode()
        for start in range(0, len(data), 4096):
            yield data[start : start + 4096]

    streamed = server.client.post("/v1/decide", content=chunks(), headers={"content-type": "application/json"})
    problem_of(streamed, 413)
    assert server.client.get("/health").status_code == 200  # and the server goes on


def test_english_and_french_texts_with_codes_as_codes(server: LiveServer) -> None:
    """lang=fr gives the rules' texts in French; every code (verdict, crowd, risks) is the same."""
    english = post_json(server, "/v1/decide", TASK, lang="en").json()
    french = post_json(server, "/v1/decide", TASK, lang="fr").json()
    assert english == post_json(server, "/v1/decide", TASK).json()  # English is the default
    for name in ("crowdsource", "crowd_types", "service_types", "granularity"):
        assert french[name] == english[name]
    assert [r["id"] for r in french["risks"]] == [r["id"] for r in english["risks"]]
    assert french["plan"] != english["plan"] and len(french["plan"]) == len(english["plan"])
    assert "Inscrivez-vous" in " ".join(french["plan"]) or "Signalez" in " ".join(french["plan"])
    explained = server.client.post("/v1/explain?lang=fr&why=crowdsource", json=TASK).json()
    assert explained["recommendation"]["plan"] == french["plan"]
    problem = problem_of(post_json(server, "/v1/decide", TASK, lang="de"), 400)
    assert "expected one of en, fr" in problem["detail"] and problem["problems"][0]["value"] == "de"


def test_a_bad_parameter_is_a_400(server: LiveServer) -> None:
    problem = problem_of(post_json(server, "/v1/decide", TASK, trace="maybe"), 400)
    assert problem["problems"][0]["value"] == "maybe" and "trace" in problem["problems"][0]["message"]


def test_unknown_paths_and_methods_are_problems_too(server: LiveServer) -> None:
    assert problem_of(server.client.get("/v2/decide"), 404)["instance"] == "/v2/decide"
    problem_of(server.client.get("/v1/decide"), 405)
    problem_of(server.client.get("/nowhere"), 404)
    problem_of(server.client.post("/"), 405)  # the web form at / is read with GET only


# -- explain ---------------------------------------------------------------------------------------


def test_explain_answers_why_why_not_and_what_if(server: LiveServer) -> None:
    task = {"id": "t1", "skill_level": "licensed", "in_house_capability": "none"}
    params = {"why": "crowdsource", "why_not": "crowdsource=yes", "what_if": "true"}
    answer = post_json(server, "/v1/explain", task, **params).json()
    # A fresh advisor: the default one cr.explain caches may come from another test, its rule
    # locations relative to another working directory.
    with cr.Advisor.default() as advisor:
        explained = cr.explain(task, advisor=advisor, why_not=["crowdsource=yes"], what_if=True)
    expected = explained.to_dict(["crowdsource"])
    assert answer == json.loads(json.dumps(expected))
    assert {d["output"] for d in answer["why"]} == {"crowdsource"}
    assert answer["why_not"][0]["reached"] is False and answer["what_if"]["scenarios"]


def test_explain_refuses_questions_about_outputs_that_do_not_exist(server: LiveServer) -> None:
    why = problem_of(post_json(server, "/v1/explain", TASK, why="crowdsorce"), 400)
    assert why["problems"][0]["did_you_mean"] == "crowdsource"
    why_not = problem_of(post_json(server, "/v1/explain", TASK, why_not="crowdsource=maybe"), 400)
    assert "no value 'maybe'" in why_not["detail"]
    invalid = problem_of(post_json(server, "/v1/explain", {"id": "t1", "urgncy": "high"}), 422)
    assert invalid["problems"][0]["did_you_mean"] == "urgency"


# -- batch -----------------------------------------------------------------------------------------


def jsonl(*lines: object) -> bytes:
    return b"\n".join(line if isinstance(line, bytes) else json.dumps(line).encode() for line in lines) + b"\n"


def post_batch(
    server: LiveServer, body: bytes, content_type: str = "application/x-ndjson", **params: Any
) -> httpx.Response:
    return server.client.post("/v1/batch", content=body, headers={"content-type": content_type}, params=params)


def test_batch_answers_every_row_once_in_order_with_errors_per_row(server: LiveServer, advisor: cr.Advisor) -> None:
    body = jsonl(
        {"id": "a", "skill_level": "licensed"},
        b"",  # a blank line is not a row
        b"{not json",
        {"id": "b", "urgency": "soon"},
        [1, 2],
        b'{"id": "c", "urgency": "low", "urgency": "high"}',
        {"id": "d"},
    )
    response = post_batch(server, body)
    assert response.status_code == 200 and response.headers["content-type"].startswith("application/x-ndjson")
    rows = [json.loads(line) for line in response.text.splitlines()]
    assert [(r["index"], r["line"]) for r in rows] == [(0, 1), (1, 3), (2, 4), (3, 5), (4, 6), (5, 7)]
    assert rows[0]["recommendation"] == json.loads(
        json.dumps(advisor.decide({"id": "a", "skill_level": "licensed"}, questions=False).to_dict(trace=False))
    )
    assert rows[5]["recommendation"]["task_id"] == "d"
    unreadable, invalid, not_object, twice = (
        rows[1]["problem"],
        rows[2]["problem"],
        rows[3]["problem"],
        rows[4]["problem"],
    )
    assert "not JSON" in unreadable["problems"][0]["message"] and unreadable["status"] == 422
    assert rows[2]["task_id"] == "b" and invalid["problems"][0]["fact"] == "urgency"
    assert invalid["problems"][0]["did_you_mean"] is None and invalid["instance"] == "/v1/batch#line=4"
    assert "expected a mapping of facts" in not_object["problems"][0]["message"]
    assert "given twice" in twice["problems"][0]["message"]


def test_batch_streams_a_large_portfolio_row_for_row(server: LiveServer) -> None:
    tasks = [{"id": f"t{n}", "urgency": ["low", "medium", "high", "soon"][n % 4]} for n in range(500)]
    with server.client.stream(
        "POST", "/v1/batch", content=jsonl(*tasks), headers={"content-type": "application/jsonl"}
    ) as response:
        assert response.status_code == 200
        rows = [json.loads(line) for line in response.iter_lines() if line]
    assert [r["index"] for r in rows] == list(range(500))
    failed = [r["index"] for r in rows if "problem" in r]
    assert failed == list(range(3, 500, 4))  # exactly the tasks with 'soon'


def test_batch_options_and_limits(server: LiveServer) -> None:
    traced = json.loads(post_batch(server, jsonl({"id": "a"}), trace="true").text)
    assert traced["recommendation"]["trace"]
    asked = json.loads(post_batch(server, jsonl({"id": "a"}), questions="true").text)
    assert asked["recommendation"]["questions"]
    assert post_batch(server, b"").text == ""  # no row, no answer
    problem_of(post_batch(server, jsonl({"id": "a"}), content_type="application/json"), 415)
    big = jsonl(*({"id": f"t{n}", "need": "x" * 1000} for n in range(300)))
    assert problem_of(post_batch(server, big), 413)["detail"].endswith(f"{4 * LIMIT} bytes")
    problem_of(post_batch(server, jsonl({"id": "a"}), lang="de"), 400)


# -- OpenAPI and its pages -------------------------------------------------------------------------


def test_the_openapi_document_describes_the_api(server: LiveServer) -> None:
    document = server.client.get("/openapi.json").json()
    assert document["openapi"].startswith("3.")
    assert set(document["paths"]) == {
        "/health",
        "/v1/decide",
        "/v1/explain",
        "/v1/batch",
        "/v1/vocabulary",
        "/v1/rules",
        "/v1/schemas/{name}",
    }
    decide = document["paths"]["/v1/decide"]["post"]
    assert decide["requestBody"]["content"]["application/json"]["schema"] == {"$ref": "#/components/schemas/Task"}
    assert set(decide["responses"]) >= {"200", "400", "413", "415", "422"}
    assert decide["responses"]["422"]["content"][PROBLEM_JSON]
    schemas = document["components"]["schemas"]
    assert schemas["Task"]["properties"] == task_schema()["properties"]
    assert "HTTPValidationError" not in schemas  # bad parameters are problem documents (400)


@pytest.mark.parametrize("page", ["/docs", "/redoc"])
def test_the_interactive_pages_need_nothing_from_another_site(server: LiveServer, page: str) -> None:
    html = server.client.get(page).text
    links = re.findall(r'(?:src|href)="([^"]+)"', html)
    assert links and all(link.startswith("/docs/assets/") for link in links), links
    assert not re.search(r"https?://", html.replace("http://json-schema.org", ""))
    for link in links:
        assert server.client.get(link).status_code == 200


# -- threads and unexpected errors -----------------------------------------------------------------


def test_deciding_does_not_block_the_event_loop() -> None:
    """Every deciding thread held inside a decision: the server still answers /health."""
    threads = 2
    app = create_app(ServerConfig(threads=threads))
    state = app.state.crowdsourcing_rules
    advisor = state.snapshot.advisor
    inside = threading.Semaphore(0)
    release = threading.Event()
    original = advisor.decide

    def slow_decide(task: Any, **options: Any) -> cr.Recommendation:
        inside.release()
        release.wait(WAIT)
        return original(task, **options)

    advisor.decide = slow_decide  # type: ignore[method-assign]
    with LiveServer(app) as live:
        results: list[int] = []

        def call() -> None:
            with httpx.Client(base_url=live.url, timeout=WAIT) as client:
                results.append(client.post("/v1/decide", json=TASK).status_code)

        callers = [threading.Thread(target=call) for _ in range(threads)]
        for caller in callers:
            caller.start()
        for _ in range(threads):
            assert inside.acquire(timeout=WAIT)  # both decisions are running, in both threads
        assert live.client.get("/health").status_code == 200  # the loop is free
        release.set()
        for caller in callers:
            caller.join(WAIT)
    assert results == [200] * threads


def test_an_unexpected_error_is_a_500_without_internals(caplog: pytest.LogCaptureFixture) -> None:
    app = create_app(ServerConfig(threads=1))
    advisor = app.state.crowdsourcing_rules.snapshot.advisor

    def broken(task: Any, **options: Any) -> cr.Recommendation:
        raise RuntimeError("secret detail at /srv/app/secret.py")

    advisor.decide = broken  # type: ignore[method-assign]
    with LiveServer(app) as live:
        response = live.client.post("/v1/decide", json=TASK)
        problem = problem_of(response, 500)
        assert "secret" not in response.text and problem["type"].endswith("/internal-error")
        # a batch answers the other rows and the failed one as a 500 problem, without its message
        rows = [
            json.loads(line)
            for line in live.client.post(
                "/v1/batch", content=jsonl({"id": "a"}, b"{bad"), headers={"content-type": "application/x-ndjson"}
            ).text.splitlines()
        ]
        assert [r["problem"]["status"] for r in rows] == [500, 422]
        assert "secret" not in json.dumps(rows)
    assert eventually(lambda: True if "RuntimeError" in caplog.text else None, "the error in the log", timeout=5)
