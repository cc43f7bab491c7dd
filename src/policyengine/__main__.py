"""``python -m policyengine``: the command line."""

from policyengine.cli import main

raise SystemExit(main())
