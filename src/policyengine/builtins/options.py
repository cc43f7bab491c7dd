"""Command-line options shared by several commands: the decision log's."""

from __future__ import annotations

import argparse
from pathlib import Path

from policyengine.decisionlog import DecisionLog, NotAFileError
from policyengine.exceptions import InputError

__all__ = ["add_decision_log_options", "decision_log_of"]


def add_decision_log_options(p: argparse.ArgumentParser) -> None:
    """``--decision-log FILE``, ``--log-facts`` and ``--mask-names``."""
    p.add_argument(
        "--decision-log",
        type=Path,
        metavar="FILE",
        help="append one JSON line per decision to FILE (off by default; see `replay`)",
    )
    p.add_argument(
        "--log-facts",
        action="store_true",
        help="with --decision-log: write each decision's facts too (else only their SHA-256)",
    )
    p.add_argument(
        "--mask-names",
        action="store_true",
        help="with --log-facts: replace community and jurisdiction names by ***",
    )


def decision_log_of(args: argparse.Namespace) -> DecisionLog | None:
    """The decision log the options ask for, or None; InputError if the file cannot be
    appended to (checked now, before any work: a service would otherwise start and then
    fail every request)."""
    if args.decision_log is None:
        given = [
            o
            for o, on in (("--log-facts", args.log_facts), ("--mask-names", args.mask_names))
            if on
        ]
        if given:  # asked for, and nothing would be logged: said, not ignored
            raise InputError(
                f"{' and '.join(given)}: asks what to log, but no --decision-log is given"
            )
        return None
    if args.mask_names and not args.log_facts:
        raise InputError("--mask-names: masks the logged facts, but --log-facts is not given")
    log = DecisionLog(args.decision_log, log_facts=args.log_facts, mask_names=args.mask_names)
    try:
        log.check_writable()
    except NotAFileError:
        raise InputError(
            f"--decision-log {log.path}: is not a regular file (a device, pipe or socket); "
            "decisions are appended to regular files only"
        ) from None
    except OSError as exc:
        raise InputError(
            f"--decision-log {log.path}: cannot be appended to: {exc.strerror or exc}"
        ) from None
    return log
