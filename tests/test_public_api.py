"""The names the package root exports: the public API changes only on purpose."""

import crowdsourcing_rules as cr

EXPECTED = [
    "Advisor",
    "CaseFileError",
    "CaseReport",
    "CheckReport",
    "Consultation",
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
    "find_case_files",
    "format_changes",
    "load_layers",
    "load_rules",
    "parse_rule_documents",
    "parse_task",
    "read_task_file",
    "rule_graph",
    "run_policy_cases",
]


def test_exported_names_are_pinned() -> None:
    assert cr.__all__ == EXPECTED
    for name in cr.__all__:
        assert hasattr(cr, name), name
    assert set(dir(cr)) >= set(EXPECTED)


def test_a_name_that_is_not_exported_is_an_attribute_error() -> None:
    try:
        cr.read_rows  # type: ignore[attr-defined]  # noqa: B018
    except AttributeError as error:
        assert "read_rows" in str(error)
    else:
        raise AssertionError("crowdsourcing_rules.read_rows should not exist")


def test_every_library_error_shares_one_base() -> None:
    for name in cr.__all__:
        obj = getattr(cr, name)
        if isinstance(obj, type) and issubclass(obj, Exception) and not issubclass(obj, Warning):
            assert issubclass(obj, cr.CrowdsourcingRulesError)
