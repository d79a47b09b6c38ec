"""Reading the files people write: rule files, policy layers, task files and decision cases.

- :mod:`~crowdsourcing_rules.rulefiles.yaml_reader`: safe YAML 1.2 with a location for every
  node (the only module that imports ``yaml``);
- :mod:`~crowdsourcing_rules.rulefiles.loading`: rule files to a rule set; the grammar in
  :mod:`~crowdsourcing_rules.rulefiles.parser`, :mod:`~crowdsourcing_rules.rulefiles.facts`,
  :mod:`~crowdsourcing_rules.rulefiles.conditions` and :mod:`~crowdsourcing_rules.rulefiles.conclusions`;
- :mod:`~crowdsourcing_rules.rulefiles.layers`: a company's policy layers on the defaults;
- :mod:`~crowdsourcing_rules.rulefiles.tasks` and :mod:`~crowdsourcing_rules.rulefiles.cases`:
  task files and decision cases files.
"""
