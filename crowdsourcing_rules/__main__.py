"""``python -m crowdsourcing_rules``: the command line."""

import sys

from crowdsourcing_rules.cli import main

sys.exit(main())
