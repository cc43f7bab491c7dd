"""The durable-rules adapter under its former name: the same module object as
:mod:`policyengine.backends.durable` (which is the only module importing durable-rules)."""

import sys

from policyengine.backends import durable

sys.modules[__name__] = durable
