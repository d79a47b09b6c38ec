"""crowdsourcing-rules: decide whether and how to crowdsource a task, from rules kept in data files.

>>> import crowdsourcing_rules as cr
>>> rec = cr.decide({"id": "t1", "task_type": "translation_localization"})
>>> rec.task_id
't1'

The public API is what this module exports; everything else is an implementation detail. Names
are imported the first time they are used, so that importing the package is cheap.

The package, layer by layer (``docs/development.md`` draws it; import-linter checks it):

- :mod:`~crowdsourcing_rules.errors`: the exception tree, locations, problems;
- :mod:`~crowdsourcing_rules.model`: the vocabulary, rules, conditions in normal form, the
  conflict policy, tasks and recommendations;
- :mod:`~crowdsourcing_rules.rulefiles`: reading rule, policy, task and case files;
  :mod:`~crowdsourcing_rules.engine`: compiling and running rules (durable-rules, reference);
- :mod:`~crowdsourcing_rules.advisor`: rule files in, recommendations out;
- :mod:`~crowdsourcing_rules.explanations`, :mod:`~crowdsourcing_rules.analysis`,
  :mod:`~crowdsourcing_rules.batch`, :mod:`~crowdsourcing_rules.consultation`: explanations, static
  analysis and tests of rule files, whole portfolios, the guided consultation;
- :mod:`~crowdsourcing_rules.cli`: the command line.
"""

from typing import TYPE_CHECKING

from crowdsourcing_rules._lazy import attach
from crowdsourcing_rules._version import __version__ as __version__

__getattr__, __dir__, _names = attach(__name__, __file__)
__all__ = sorted([*_names, "__version__"])

if TYPE_CHECKING:  # what type checkers see: the same names, imported
    from crowdsourcing_rules.advisor import (
        Advisor as Advisor,
        decide as decide,
    )
    from crowdsourcing_rules.analysis.checker import (
        check as check,
    )
    from crowdsourcing_rules.analysis.findings import (
        CheckReport as CheckReport,
        Finding as Finding,
    )
    from crowdsourcing_rules.analysis.graph import (
        RuleGraph as RuleGraph,
        rule_graph as rule_graph,
    )
    from crowdsourcing_rules.analysis.testing import (
        CaseReport as CaseReport,
        run_policy_cases as run_policy_cases,
    )
    from crowdsourcing_rules.batch.frame import (
        decide_frame as decide_frame,
    )
    from crowdsourcing_rules.batch.results import (
        TaskFailure as TaskFailure,
    )
    from crowdsourcing_rules.batch.stream import (
        decide_many as decide_many,
    )
    from crowdsourcing_rules.consultation.session import (
        Consultation as Consultation,
    )
    from crowdsourcing_rules.errors import (
        CaseFileError as CaseFileError,
        CrowdsourcingRulesError as CrowdsourcingRulesError,
        EngineError as EngineError,
        EngineUnavailableError as EngineUnavailableError,
        FiringLimitError as FiringLimitError,
        InputError as InputError,
        Location as Location,
        PolicyWarning as PolicyWarning,
        Problem as Problem,
        RuleFileError as RuleFileError,
        TaskError as TaskError,
    )
    from crowdsourcing_rules.explanations.answers import (
        Explanation as Explanation,
    )
    from crowdsourcing_rules.explanations.explainer import (
        Explainer as Explainer,
        explain as explain,
    )
    from crowdsourcing_rules.model.recommendation import (
        Firing as Firing,
        Override as Override,
        Recommendation as Recommendation,
        Risk as Risk,
    )
    from crowdsourcing_rules.model.rules import (
        Rule as Rule,
        RuleSet as RuleSet,
        Source as Source,
    )
    from crowdsourcing_rules.model.task import (
        Task as Task,
        parse_task as parse_task,
    )
    from crowdsourcing_rules.model.vocabulary import (
        Vocabulary as Vocabulary,
        default_vocabulary as default_vocabulary,
    )
    from crowdsourcing_rules.rulefiles.cases import (
        find_case_files as find_case_files,
    )
    from crowdsourcing_rules.rulefiles.layers import (
        LayeredRules as LayeredRules,
        format_changes as format_changes,
        load_layers as load_layers,
    )
    from crowdsourcing_rules.rulefiles.loading import (
        default_rules_path as default_rules_path,
        load_rules as load_rules,
        parse_rule_documents as parse_rule_documents,
    )
    from crowdsourcing_rules.rulefiles.tasks import (
        read_task_file as read_task_file,
    )
