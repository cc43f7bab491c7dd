"""The reports' commands and formats, registered as a built-in plugin.

``gap`` works with the core install; ``report`` and the ``xlsx`` format need the
``[reports]`` extra and say so when it is missing.
"""

from __future__ import annotations

from collections.abc import Sequence

from policyengine.builtins.lazy import lazy_command
from policyengine.contracts import Command, RenderOptions, Reporter
from policyengine.exceptions import InputError
from policyengine.hookspecs import hookimpl
from policyengine.results import Result

NEEDS_EXTRA = "{what} needs the reports extra: pip install 'community-policyengine[reports]'"

__all__ = ["register_commands", "register_reporters"]


@hookimpl
def register_commands() -> list[Command]:
    """``gap`` and ``report``."""
    return [
        lazy_command(
            "gap",
            "what it takes to pass, grouped by responsible unit",
            "policyengine.reports.gapview",
            "command",
        ),
        lazy_command(
            "report",
            "draft a report: Fengxiang's 自查报告 (--kind self-check) or a summary, "
            "as docx/html/md",
            "policyengine.reports.reportcmd",
            "command",
        ),
    ]


def _xlsx(results: Sequence[Result], options: RenderOptions) -> bytes:
    try:
        from policyengine.reports.xlsx import render_xlsx
    except ImportError as exc:  # pragma: no cover - without the extra
        raise InputError(NEEDS_EXTRA.format(what="--format xlsx")) from exc
    try:
        import openpyxl  # noqa: F401
    except ImportError:
        raise InputError(NEEDS_EXTRA.format(what="--format xlsx")) from None
    return render_xlsx(results, options)


def _not_text(results: Sequence[Result]) -> str:
    raise InputError("the xlsx format writes a binary file: give --output FILE")


@hookimpl
def register_reporters() -> list[Reporter]:
    """``xlsx``: the results table as an Excel workbook, with a summary sheet."""
    return [
        Reporter(
            "xlsx",
            "Excel workbook: one row per subject × pack, and a summary sheet",
            _not_text,
            render_bytes=_xlsx,
        )
    ]
