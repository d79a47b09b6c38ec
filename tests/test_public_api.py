"""The names the package root exports: the public API changes only on purpose."""

import crowdsourcing_rules as cr

EXPECTED = {
    "Advisor",
    "CaseFileError",
    "CrowdsourcingRulesError",
    "EngineError",
    "EngineUnavailableError",
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
    "RuleSet",
    "Source",
    "Task",
    "TaskError",
    "Vocabulary",
    "__version__",
    "decide",
    "default_rules_path",
    "default_vocabulary",
    "load_layers",
    "load_rules",
    "parse_task",
    "read_task_file",
}


def test_exported_names() -> None:
    assert set(cr.__all__) >= EXPECTED
    assert cr.__all__ == sorted(cr.__all__)
    for name in cr.__all__:
        assert hasattr(cr, name)


def test_every_library_error_shares_one_base() -> None:
    for name in cr.__all__:
        obj = getattr(cr, name)
        if isinstance(obj, type) and issubclass(obj, Exception) and not issubclass(obj, Warning):
            assert issubclass(obj, cr.CrowdsourcingRulesError)
