"""``crowdsourcing-rules serve --watch``, run as a command on a free loopback port: an edit of a
rule file or a policy file is picked up without dropping a request, and a broken edit keeps the
rules in use, its problems logged with their locations.

Skipped without the ``server`` extra.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import pytest

pytest.importorskip("fastapi")
pytest.importorskip("fastapi_offline")
pytest.importorskip("uvicorn")
pytest.importorskip("watchfiles")
pytest.importorskip("httpx")

from tests.server_support import ServeProcess, eventually, requests_in_background

_T = TypeVar("_T")
FIXTURES = Path(__file__).resolve().parent / "fixtures"

EXTRA = """\
rules:
  - id: extra.urgent-work
    description: {description}
    salience: 5
    when:
      urgency: high
    then:
      - add: {{objectives: gain_reactivity}}
    source:
      citation: a test
      status: I
"""

BROKEN = """\
rules:
  - id: extra.urgent-work
    description: an edit with a misspelt fact
    when:
      urgncy: high
    then:
      - add: {objectives: gain_reactivity}
    source:
      citation: a test
      status: I
"""


def edit_until(path: Path, text: str, probe: Callable[[], _T | None], what: str) -> _T:
    """Write ``text`` to ``path`` and wait until ``probe`` sees its effect. The file is written
    again every few seconds: an edit made while the watcher is still starting would go unseen."""
    written = [0.0]

    def step() -> _T | None:
        if time.monotonic() - written[0] > 3:
            path.write_text(text, encoding="utf-8")
            written[0] = time.monotonic()
        return probe()

    return eventually(step, what, every=0.1)


def rules_of(server: ServeProcess) -> dict[str, dict[str, Any]]:
    return {rule["id"]: rule for rule in server.client.get("/v1/rules").json()}


@pytest.fixture
def folders(tmp_path: Path) -> tuple[Path, Path]:
    rules, policy = tmp_path / "rules", tmp_path / "policy"
    rules.mkdir()
    shutil.copy(FIXTURES / "defaults" / "starter.yaml", rules)
    shutil.copytree(FIXTURES / "company_policy", policy)
    return rules, policy


def test_watch_reloads_edits_and_keeps_the_rules_when_an_edit_is_broken(
    tmp_path: Path, folders: tuple[Path, Path]
) -> None:
    rules, policy = folders
    extra = rules / "extra.yaml"
    task = {"id": "t1", "urgency": "high"}
    with ServeProcess("--rules", str(rules), "--policy", str(policy), "--watch", cwd=tmp_path) as server:
        assert server.health()["watching"] is True
        before = rules_of(server)
        assert "extra.urgent-work" not in before
        with requests_in_background(f"{server.url}/v1/decide", task) as statuses:
            # 1. a new rule file: its rule is in use
            added = edit_until(
                extra,
                EXTRA.format(description="urgent work is done faster by a crowd"),
                lambda: rules_of(server).get("extra.urgent-work"),
                "the new rule to be loaded",
            )
            assert added["location"].endswith("extra.yaml:2:5")
            decided = server.client.post("/v1/decide", json=task, params={"trace": "true"}).json()
            assert "extra.urgent-work" in [firing["rule"] for firing in decided["trace"]]

            # 2. a broken edit: the rules in use stay, the problem is logged with its location
            health = edit_until(
                extra,
                BROKEN,
                lambda: h if (h := server.health())["last_reload_error"] else None,
                "the broken edit to be refused",
            )
            assert "unknown fact 'urgncy'" in health["last_reload_error"]
            assert rules_of(server) == {**before, "extra.urgent-work": added}  # the rules in use, unchanged
            log = eventually(
                lambda: text if "extra.yaml:5:7" in (text := server.log.read_text()) else None,
                "the located problem in the log",
            )
            assert "the rules in use are kept" in log and "did you mean 'urgency'?" in log

            # 3. the edit fixed: reloaded, the error cleared
            edit_until(
                extra,
                EXTRA.format(description="fixed"),
                lambda: True if rules_of(server)["extra.urgent-work"]["description"] == "fixed" else None,
                "the fixed edit to be loaded",
            )
            assert server.health()["last_reload_error"] is None

            # 4. a policy layer's file is watched too: a new value of a declared fact
            facts = policy / "facts.yaml"
            text = facts.read_text(encoding="utf-8")
            edit_until(
                facts,
                text.replace("[capex, opex, innovation]", "[capex, opex, innovation, grant]"),
                lambda: (
                    True
                    if "grant" in server.client.get("/v1/vocabulary").json()["facts"]["budget_code"]["values"]
                    else None
                ),
                "the policy's new value to be loaded",
            )
        # no request was dropped or failed while the rules were reloaded
        assert statuses and set(statuses) == {200}, sorted(set(statuses))
        assert server.health()["reloads"] >= 3


def test_without_watch_an_edit_changes_nothing(tmp_path: Path, folders: tuple[Path, Path]) -> None:
    rules, _policy = folders
    with ServeProcess("--rules", str(rules), cwd=tmp_path) as server:
        (rules / "extra.yaml").write_text(EXTRA.format(description="unseen"), encoding="utf-8")
        assert server.health()["watching"] is False
        assert "extra.urgent-work" not in rules_of(server)


def test_serve_refuses_broken_rules_before_binding(tmp_path: Path, folders: tuple[Path, Path]) -> None:
    rules, _policy = folders
    (rules / "extra.yaml").write_text(BROKEN, encoding="utf-8")
    done = subprocess.run(
        [sys.executable, "-m", "crowdsourcing_rules", "serve", "--rules", str(rules), "--port", "1"],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 1
    assert "extra.yaml:5:7: unknown fact 'urgncy'" in done.stderr and "Traceback" not in done.stderr
