"""What the server holds: its settings, the rules it decides with, the threads that decide, and the
watcher that reloads the rule files when they change.

The rules are held as a :class:`Snapshot` (an advisor and its explainer) replaced as a whole on
reload: a request takes the snapshot once and uses it to the end, so a reload never changes the
rules under a request in flight, and a request never waits for a reload. A reload whose files have
errors keeps the current snapshot and logs every problem with its location.
"""

from __future__ import annotations

import asyncio
import logging
import os
import threading
import time
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import TypeVar

import attrs

from crowdsourcing_rules.advisor import Advisor, EngineName
from crowdsourcing_rules.errors import CrowdsourcingRulesError, InputError
from crowdsourcing_rules.explanations.explainer import Explainer
from crowdsourcing_rules.model.language import Language
from crowdsourcing_rules.rulefiles.layers import load_layers
from crowdsourcing_rules.rulefiles.loading import default_rules_path, load_rules
from crowdsourcing_rules.rulefiles.translations import policy_language

__all__ = ["DEFAULT_MAX_BATCH_BODY", "DEFAULT_MAX_BODY", "ServerConfig", "ServerState", "Snapshot", "build_advisor"]

log = logging.getLogger("crowdsourcing_rules.server")
_T = TypeVar("_T")

DEFAULT_MAX_BODY = 1024 * 1024  # bytes of one task (a task's text facts are 100,000 characters at most)
DEFAULT_MAX_BATCH_BODY = 32 * 1024 * 1024  # bytes of a JSON Lines batch


def _paths(value: Sequence[str | Path] | None) -> tuple[Path, ...]:
    return tuple(Path(p) for p in value) if value else ()


@attrs.frozen
class ServerConfig:
    """The server's settings: the rule files and policy layers, the engine, the body limits (in
    bytes), the number of deciding threads (default: one per core) and whether to watch the files."""

    rules: tuple[Path, ...] = attrs.field(converter=_paths, default=())  # empty: the shipped rules
    policy: tuple[Path, ...] = attrs.field(converter=_paths, default=())
    engine: EngineName = "auto"
    max_body: int = DEFAULT_MAX_BODY
    max_batch_body: int = DEFAULT_MAX_BATCH_BODY
    threads: int = attrs.field(factory=lambda: os.cpu_count() or 1)
    watch: bool = False
    watch_debounce_ms: int = 300  # editors write a file in bursts: one reload per burst

    @property
    def rule_paths(self) -> tuple[Path, ...]:
        return self.rules or (default_rules_path(),)

    @property
    def watched(self) -> tuple[Path, ...]:
        return (*self.rule_paths, *self.policy)


def build_advisor(config: ServerConfig) -> Advisor:
    """An advisor for the configured files; a policy layer's warnings are logged, with their
    locations. Raises :class:`~crowdsourcing_rules.RuleFileError` listing every problem."""
    paths = list(config.rule_paths)
    if not config.policy:
        return Advisor(load_rules(paths), engine=config.engine, paths=paths)
    layered = load_layers(paths, config.policy)
    for problem in layered.warnings:
        log.warning("policy: %s", problem)
    return Advisor(layered.ruleset, engine=config.engine, paths=paths, policy=config.policy, layered=layered)


class Snapshot:
    """One set of rules: its advisor, and an explainer and the words of each language (with the
    policy layers' translations) built the first time they are asked for."""

    def __init__(self, advisor: Advisor) -> None:
        self.advisor = advisor
        self.loaded_at = time.time()
        self._explainer: Explainer | None = None
        self._languages: dict[str, Language] = {}
        self._lock = threading.Lock()

    @property
    def explainer(self) -> Explainer:
        with self._lock:
            if self._explainer is None:
                self._explainer = Explainer(self.advisor)
            return self._explainer

    def language(self, code: str) -> Language:
        """The words of a language (``en``, ``fr``), with the translations of the policy layers
        (their ``fr.po``, ``en.po``) on top."""
        with self._lock:
            if code not in self._languages:
                self._languages[code] = policy_language(code, self.advisor.policy)
            return self._languages[code]


class ServerState:
    """The current snapshot, the deciding threads and the reload history of one server."""

    def __init__(self, config: ServerConfig, advisor: Advisor | None = None) -> None:
        self.config = config
        self.snapshot = Snapshot(advisor or build_advisor(config))
        self.reloads = 0
        self.last_reload_error: str | None = None
        self._pool: ThreadPoolExecutor | None = None
        self._pool_lock = threading.Lock()
        self._reload_lock = threading.Lock()

    @property
    def pool(self) -> ThreadPoolExecutor:
        """The deciding threads, started on first use (one per core unless configured)."""
        with self._pool_lock:
            if self._pool is None:
                self._pool = ThreadPoolExecutor(self.config.threads, thread_name_prefix="crowdsourcing-rules")
            return self._pool

    async def run(self, function: Callable[..., _T], *args: object) -> _T:
        """Run ``function(*args)`` on a deciding thread, off the event loop."""
        return await asyncio.get_running_loop().run_in_executor(self.pool, function, *args)

    def reload(self) -> bool:
        """Read the rule files again; switch to them when they load, else keep the current rules
        and log every problem. True when the rules were switched."""
        with self._reload_lock:
            started = time.perf_counter()
            try:
                advisor = build_advisor(self.config)
            except InputError as error:
                self.last_reload_error = str(error)
                log.error("reload failed, the rules in use are kept: %s", error.summary)
                for problem in error.problems:
                    log.error("  %s", problem)
                return False
            except CrowdsourcingRulesError as error:  # the engine refused the rules
                self.last_reload_error = str(error)
                log.error("reload failed, the rules in use are kept: %s", error)
                return False
            self.snapshot = Snapshot(advisor)
            self.reloads += 1
            self.last_reload_error = None
            elapsed = time.perf_counter() - started
            log.info("reloaded %d rules in %.0f ms", len(advisor.ruleset), elapsed * 1000)
            return True

    async def watch(self, stop: asyncio.Event) -> None:
        """Reload the rules each time a YAML file under the watched paths changes, until ``stop``
        is set (watchfiles: inotify on Linux, or polling with ``WATCHFILES_FORCE_POLLING=1``)."""
        import watchfiles

        def rule_file(_change: watchfiles.Change, path: str) -> bool:
            return path.lower().endswith((".yaml", ".yml"))

        paths = [p for p in self.config.watched if p.exists()]
        log.info("watching %s for changes", ", ".join(map(str, paths)))
        changes = watchfiles.awatch(
            *paths, watch_filter=rule_file, stop_event=stop, debounce=self.config.watch_debounce_ms, step=50
        )
        async for found in changes:
            log.info("rule files changed: %s", ", ".join(sorted({path for _change, path in found})))
            await asyncio.to_thread(self.reload)

    def close(self) -> None:
        """Stop the deciding threads (after the decisions in flight)."""
        with self._pool_lock:
            if self._pool is not None:
                self._pool.shutdown(wait=True)
                self._pool = None
