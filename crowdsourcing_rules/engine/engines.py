"""The engines, and how one is chosen: durable-rules where it can run the rules, else the
pure-Python reference engine, with a warning.

>>> from crowdsourcing_rules.engine.compiling import compile_rules
>>> from crowdsourcing_rules.model.rules import RuleSet
>>> make_engine("reference", compile_rules(RuleSet([]))).name
'reference'
"""

from __future__ import annotations

import warnings
from typing import Literal

from crowdsourcing_rules.engine.agenda import Engine
from crowdsourcing_rules.engine.compiling import CompiledRules
from crowdsourcing_rules.engine.reference import ReferenceEngine
from crowdsourcing_rules.errors import EngineUnavailableError

__all__ = ["ENGINE_NAMES", "EngineName", "make_engine"]

EngineName = Literal["auto", "durable-rules", "reference"]
ENGINE_NAMES: tuple[EngineName, ...] = ("auto", "durable-rules", "reference")
_warned: set[str] = set()  # fallback warnings already given: each once per process


def make_engine(name: EngineName, compiled: CompiledRules) -> Engine:
    """The engine asked for; with "auto", durable-rules where it can be imported and can carry the
    rules, else the reference engine, with a warning (once per reason)."""
    if name == "reference":
        return ReferenceEngine(compiled)
    if name not in ("auto", "durable-rules"):
        raise EngineUnavailableError(f"unknown engine {name!r}; expected 'auto', 'durable-rules' or 'reference'")
    try:
        # Imported here: durable-rules may be missing, and the reference engine needs none of it.
        from crowdsourcing_rules.engine.durable import DurableEngine

        return DurableEngine(compiled)
    except EngineUnavailableError as error:
        if name == "durable-rules":
            raise
        reason = str(error)
        if reason not in _warned:
            _warned.add(reason)
            warnings.warn(f"{reason}\nusing the pure-Python reference engine instead", RuntimeWarning, stacklevel=4)
        return ReferenceEngine(compiled)
