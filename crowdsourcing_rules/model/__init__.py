"""The domain's values: what a task, a rule and a recommendation are, independent of files and
engines.

- :mod:`~crowdsourcing_rules.model.vocabulary`: the contract of facts and outputs;
- :mod:`~crowdsourcing_rules.model.rules`: rules, conditions, conclusions, sources;
- :mod:`~crowdsourcing_rules.model.conditions`: conditions in normal form;
- :mod:`~crowdsourcing_rules.model.policy`: the conflict policy, in one place;
- :mod:`~crowdsourcing_rules.model.dataflow`: which rules and facts can influence an output;
- :mod:`~crowdsourcing_rules.model.task`: a validated task;
- :mod:`~crowdsourcing_rules.model.recommendation`: a recommendation and its trace, shown as
  text (:mod:`~crowdsourcing_rules.model.text`) and HTML (:mod:`~crowdsourcing_rules.model.html`).
"""
