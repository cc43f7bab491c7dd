"""The command line: a thin layer that finds the commands and reports errors.

Every command, the core ``packs``, ``evaluate`` and ``validate`` included, is a plugin
registered through :func:`policyengine.hookspecs.register_commands`::

    policyengine packs
    policyengine evaluate FACTS... --pack ID|all|FOLDER [--as-of DATE] [--format F] [--output FILE]
    policyengine validate FACTS...

Exit codes: 0 every verdict pass or not_applicable; 1 a verdict fail or incomplete;
2 bad input (the message names the file, the field path and the value; nothing is written
to ``--output``); 3 unknown pack.
"""

from __future__ import annotations

import argparse
import io
import os
import signal
import sys
import threading
from collections.abc import Sequence
from typing import TextIO

from policyengine import api
from policyengine.contracts import EXIT_INPUT, EXIT_OK, EXIT_UNKNOWN_PACK, Command, Streams
from policyengine.exceptions import PolicyEngineError, UnknownPackError
from policyengine.i18n import error_text
from policyengine.plugins import by_name

__all__ = ["main", "parser"]


def _commands() -> dict[str, Command]:
    return by_name(api.default_registry().plugin_manager.hook.register_commands())


def parser(
    commands: dict[str, Command] | None = None, only: str | None = None
) -> argparse.ArgumentParser:
    """The argument parser (separate so the docs can show it).

    ``only``: the command being run; the others are listed (name and help) but their
    arguments are not configured, so their code is not imported."""
    p = argparse.ArgumentParser(
        prog="policyengine",
        description="Evaluate facts about communities (社区) against policy packs.",
    )
    sub = p.add_subparsers(dest="command", required=True)
    for command in (_commands() if commands is None else commands).values():
        each = sub.add_parser(command.name, help=command.help)
        if only is None or command.name == only:
            command.configure(each)
    return p


def main(
    argv: Sequence[str] | None = None,
    *,
    stdin: TextIO | None = None,
    stdout: TextIO | None = None,
    stderr: TextIO | None = None,
) -> int:
    """Run the command line; returns the exit code.

    No traceback reaches the user: bad input and bad packs exit 2 (an unknown pack 3) with
    a message; a closed pipe on standard output (``policyengine packs | head -1``) ends
    quietly with 141, as a program stopped by SIGPIPE; anything else is reported as an
    internal error in one line, exit 2.
    """
    previous = _on_sigterm()  # a stopped run cleans up as an interrupted one does
    try:
        return _main(argv, stdin, stdout, stderr)
    finally:
        if previous is not None:
            signal.signal(signal.SIGTERM, previous)  # type: ignore[arg-type]


def _main(
    argv: Sequence[str] | None,
    stdin: TextIO | None,
    stdout: TextIO | None,
    stderr: TextIO | None,
) -> int:
    stdin = stdin if stdin is not None else sys.stdin
    out = stdout if stdout is not None else sys.stdout
    err = stderr if stderr is not None else sys.stderr
    # the language of a file or pack error: that of the command's --lang (Chinese by
    # default) where it has one; the authoring and operating commands speak English
    lang = "en"
    try:
        try:
            commands = _commands()
            words = list(sys.argv[1:] if argv is None else argv)
            chosen = words[0] if words and words[0] in commands else None
            args = parser(commands, chosen).parse_args(words)
        except SystemExit as exc:
            return EXIT_INPUT if exc.code else EXIT_OK
        if hasattr(args, "lang"):
            lang = args.lang or "zh"
        return commands[args.command].run(args, Streams(stdin, out, err))
    except UnknownPackError as exc:
        _say(err, f"policyengine: {error_text(str(exc), lang)}")
        return EXIT_UNKNOWN_PACK
    except PolicyEngineError as exc:
        _say(err, f"policyengine: {error_text(str(exc), lang)}")
        return EXIT_INPUT
    except BrokenPipeError:
        _silence(out)
        return EXIT_BROKEN_PIPE
    except Terminated:
        _say(err, "policyengine: stopped (SIGTERM)")
        return EXIT_TERMINATED
    except KeyboardInterrupt:
        _say(err, "policyengine: interrupted")
        return EXIT_INTERRUPTED
    except RecursionError:
        _say(err, "policyengine: the input nests too deeply to be read")
        return EXIT_INPUT
    except OSError as exc:  # a file the command could not read or write
        where = f"{exc.filename}: " if exc.filename else ""
        _say(err, f"policyengine: {where}{exc.strerror or exc}")
        return EXIT_INPUT
    except MemoryError:
        _say(err, "policyengine: out of memory")
        return EXIT_INPUT
    except Exception as exc:  # a bug: one line, not a traceback
        _say(err, f"policyengine: internal error ({type(exc).__name__}: {exc}); please report it")
        return EXIT_INPUT


EXIT_BROKEN_PIPE = 128 + 13
"""Standard output was closed by its reader (SIGPIPE), as ``head`` does."""
EXIT_INTERRUPTED = 128 + 2
"""Interrupted (SIGINT, Ctrl-C)."""
EXIT_TERMINATED = 128 + 15
"""Stopped by SIGTERM (``kill``, ``timeout``, systemd, Kubernetes)."""


class Terminated(BaseException):
    """SIGTERM, raised where the program is, so that what it was writing is cleaned up as
    on Ctrl-C: no partial ``--output`` or temporary file is left."""


def _raise_terminated(signum: int, frame: object) -> None:
    raise Terminated()


def _on_sigterm() -> object | None:
    """Make SIGTERM raise :class:`Terminated` (in the main thread); the handler before."""
    if threading.current_thread() is not threading.main_thread():
        return None
    return signal.signal(signal.SIGTERM, _raise_terminated)


def _say(err: TextIO | None, text: str) -> None:
    """Print a message on standard error, whatever it holds and whatever state stderr is in."""
    if err is None:
        return
    try:
        encoding = getattr(err, "encoding", None) or "utf-8"
        print(text.encode(encoding, "backslashreplace").decode(encoding), file=err)
    except (OSError, ValueError, LookupError):
        pass


def _silence(out: TextIO | None) -> None:
    """Point standard output at /dev/null, so that the interpreter's last flush is quiet."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, out.fileno() if out is not None else 1)
    except (OSError, ValueError, AttributeError, io.UnsupportedOperation):
        pass
