"""docs/serving.md's embedding examples run as written, on a real server: the app mounted in
another app, and an endpoint of one's own that decides a pydantic model on a thread.

Skipped without the ``server`` extra.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

fastapi = pytest.importorskip("fastapi")
pytest.importorskip("fastapi_offline")
pytest.importorskip("httpx")

from tests.server_support import LiveServer  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
PAGE = (ROOT / "docs" / "serving.md").read_text(encoding="utf-8")
EMBEDDING = PAGE[PAGE.index("## Embedding") :]
BLOCKS = re.findall(r"```python\n(.*?)```", EMBEDDING, re.S)


def run(block: str) -> dict[str, Any]:
    namespace: dict[str, Any] = {"__name__": "docs_example"}
    exec(compile(block, "docs/serving.md", "exec"), namespace)
    return namespace


def test_the_page_has_the_two_examples() -> None:
    assert len(BLOCKS) == 2


def test_the_app_works_mounted_in_another_app(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(ROOT)  # the example names examples/company_policy
    app = run(BLOCKS[0])["app"]
    outer = fastapi.FastAPI()
    outer.mount("/crowdsourcing", app)
    with LiveServer(outer) as live:
        client = live.client
        acme = {"id": "t1", "task_type": "data_labeling", "touches_customer_data": True}
        assert client.post("/crowdsourcing/v1/decide", json=acme).json()["crowdsource"] == "no"
        problem = client.post("/crowdsourcing/v1/decide", json={"id": "t1", "urgncy": "high"})
        assert problem.status_code == 422 and problem.json()["problems"][0]["did_you_mean"] == "urgency"


def test_an_endpoint_of_ones_own_decides_a_pydantic_model() -> None:
    app = run(BLOCKS[1])["app"]
    with LiveServer(app) as live:
        client = live.client
        answer = client.post("/jobs/advice", json={"id": "j1", "task_type": "data_labeling", "urgency": "high"})
        assert answer.status_code == 200 and answer.json()["task_id"] == "j1" and "trace" not in answer.json()
        wrong = client.post("/jobs/advice", json={"id": "j1", "urgency": "hihg"})
        assert wrong.status_code == 422
        assert wrong.json()["detail"][0] == {
            "field": "urgency",
            "message": "fact 'urgency' has value 'hihg' (str); expected one of 'low', 'medium', 'high', 'unknown'; "
            "did you mean 'high'?",
            "hint": "high",
        }
