"""crowdsourcing-rules: decide whether and how to crowdsource a task, from rules kept in data files.

>>> import crowdsourcing_rules as cr
>>> rec = cr.decide({"id": "t1", "task_type": "translation_localization"})
>>> rec.task_id
't1'

The public API is what this module exports; everything else is an implementation detail.
"""

from crowdsourcing_rules._version import __version__
from crowdsourcing_rules.advisor import Advisor, decide, default_rules_path
from crowdsourcing_rules.analysis import CheckReport, Finding, check
from crowdsourcing_rules.batch import TaskFailure, decide_frame, decide_many
from crowdsourcing_rules.errors import (
    CaseFileError,
    CrowdsourcingRulesError,
    EngineError,
    EngineUnavailableError,
    FiringLimitError,
    InputError,
    Location,
    PolicyWarning,
    Problem,
    RuleFileError,
    TaskError,
)
from crowdsourcing_rules.explain import Explainer, Explanation, explain
from crowdsourcing_rules.graph import RuleGraph, rule_graph
from crowdsourcing_rules.layers import LayeredRules, load_layers
from crowdsourcing_rules.loading import load_rules
from crowdsourcing_rules.recommendation import Firing, Override, Recommendation, Risk
from crowdsourcing_rules.rules import Rule, RuleSet, Source
from crowdsourcing_rules.task import Task, parse_task, read_task_file
from crowdsourcing_rules.vocabulary import Vocabulary, default_vocabulary

__all__ = [
    "Advisor",
    "CaseFileError",
    "CheckReport",
    "CrowdsourcingRulesError",
    "EngineError",
    "EngineUnavailableError",
    "Explainer",
    "Explanation",
    "Finding",
    "Firing",
    "FiringLimitError",
    "InputError",
    "LayeredRules",
    "Location",
    "Override",
    "PolicyWarning",
    "Problem",
    "Recommendation",
    "Risk",
    "Rule",
    "RuleFileError",
    "RuleGraph",
    "RuleSet",
    "Source",
    "Task",
    "TaskError",
    "TaskFailure",
    "Vocabulary",
    "__version__",
    "check",
    "decide",
    "decide_frame",
    "decide_many",
    "default_rules_path",
    "default_vocabulary",
    "explain",
    "load_layers",
    "load_rules",
    "parse_task",
    "read_task_file",
    "rule_graph",
]
