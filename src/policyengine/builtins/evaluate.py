"""The ``evaluate`` command: facts documents, folders and tables against packs.

Results stream to the output as they come (``jsonl``, ``json``, ``csv``, ``parquet``);
the reports for people (``table``, ``markdown``, ``html``, a plugin's) are rendered at the
end. A bad record is reported on standard error with its position and field path; by
default the run then fails as a whole (exit 2, nothing written to ``--output``); with
``--on-bad-record skip`` every good record is written and the exit code is still 2.
"""

from __future__ import annotations

import argparse
import collections
import datetime as dt
import importlib
import json
import os
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import IO, Any, TextIO, cast

from policyengine import api
from policyengine.batch import CHUNK, evaluate_rows
from policyengine.boundaries import check_as_of
from policyengine.builtins.commands import reporters
from policyengine.builtins.io import (
    Destination,
    add_view_options,
    check_not_an_input,
    format_for_output,
    parse_date,
    problem_text_of,
    view_options,
)
from policyengine.builtins.options import add_decision_log_options, decision_log_of
from policyengine.contracts import EXIT_FINDINGS, EXIT_INPUT, EXIT_OK, Command, Streams
from policyengine.decisionlog import PendingDecisions
from policyengine.documents import structure_subject
from policyengine.exceptions import FactProblem, FactsError, InputError
from policyengine.facts import Community, Jurisdiction
from policyengine.files import outputs_not_read
from policyengine.hookspecs import hookimpl
from policyengine.i18n import error_text, problem_text, text
from policyengine.pack import Pack
from policyengine.results import OPTIONAL_PARTS, omit_problem
from policyengine.sinks import (
    STREAMED_FORMATS,
    ArrowSink,
    ReportSink,
    Sink,
    arrow_installed,
    make_sink,
)
from policyengine.tables import (
    TABLE_SUFFIXES,
    Record,
    choose_memory_pool,
    count_rows,
    open_records,
)

__all__ = ["register_commands"]

VERDICTS = ("pass", "fail", "incomplete", "not_applicable")


def _configure_evaluate(ev: argparse.ArgumentParser) -> None:
    ev.add_argument(
        "facts",
        nargs="+",
        metavar="FACTS",
        help="TOML or JSON documents, folders of them, JSON Lines, CSV, Excel (.xlsx) or "
        "Parquet tables (one community a row); - reads JSON from stdin",
    )
    ev.add_argument(
        "--pack",
        required=True,
        action="append",
        help="a pack id, 'all' for every installed pack, or a pack folder (repeatable)",
    )
    ev.add_argument(
        "--as-of",
        action="append",
        default=[],
        metavar="[PACK=]DATE",
        help="evaluation date (default: today); PACK=DATE for one pack (repeatable)",
    )
    ev.add_argument(
        "--format",
        default=None,
        help="table, json, jsonl, csv, parquet, markdown, html, xlsx, or a plugin's "
        "(default: from the --output file's extension, else table)",
    )
    ev.add_argument("--output", type=Path, help="write here instead of standard output")
    ev.add_argument(
        "--on-bad-record",
        choices=["fail", "skip"],
        default="fail",
        help="fail (default): a bad record fails the run and nothing is written; "
        "skip: write every good record, list the bad ones (the exit code is still 2)",
    )
    ev.add_argument("--errors", type=Path, help="also list the bad records here, as JSON Lines")
    ev.add_argument(
        "--gaps",
        action="store_true",
        help="csv, parquet: add a 'gaps' column (what it takes to pass, as JSON); every "
        "community then goes by the row path",
    )
    ev.add_argument(
        "--omit",
        action="append",
        default=[],
        metavar="PART[,PART]",
        help="json, jsonl: parts of each result left out (findings, gaps; separated by "
        "commas), nested results' too; they are then not worked out",
    )
    add_decision_log_options(ev)
    add_view_options(ev)


def _as_of(given: Sequence[str], lang: str) -> list[tuple[str | None, dt.date]]:
    """Each ``--as-of [PACK=]DATE``, checked before any work and refused in the language of
    ``--lang`` (Chinese by default), as the command's other errors."""
    out: list[tuple[str | None, dt.date]] = []
    for word in given:
        pack, sep, date = word.rpartition("=")
        if sep and not pack:
            raise InputError(text("error.as_of_no_pack", lang, value=repr(word)))
        try:
            out.append((pack or None, parse_date(date)))
        except argparse.ArgumentTypeError:
            raise InputError(text("error.as_of_not_date", lang, value=repr(date))) from None
    return out


_OMIT_FORMATS = ("json", "jsonl")
"""The formats that write a result's JSON, and so can leave parts of it out (``--omit``)."""


def _omit(given: Sequence[str], fmt: str, lang: str) -> tuple[str, ...]:
    """The parts of each result ``--omit`` leaves out (of :data:`OPTIONAL_PARTS`, separated
    by commas; ``--omit`` given again adds to them), checked before any work as the service
    checks its ``omit``: a name not known, given twice or empty, or a format that writes no
    result JSON, is refused in the language of ``--lang`` rather than ignored."""
    known = text("sep.list", lang).join(OPTIONAL_PARTS)
    parts: list[str] = []
    for word in given:
        value = repr(word)
        for name in word.split(","):
            wrong = omit_problem(name, parts)
            if not name:
                raise InputError(text("error.omit_empty", lang, value=value, known=known))
            if wrong == "unknown":
                said = text("error.omit_unknown", lang, value=value, name=repr(name), known=known)
                raise InputError(said)
            if wrong == "twice":
                raise InputError(text("error.omit_twice", lang, value=value, name=repr(name)))
            parts.append(name)
    if given and fmt not in _OMIT_FORMATS:
        raise InputError(text("error.omit_format", lang, value=repr(",".join(given)), fmt=fmt))
    return tuple(parts)


def _dates(
    given: Sequence[tuple[str | None, dt.date]], packs: list[Pack], lang: str
) -> dict[str, dt.date | None]:
    """The as-of date of each pack (``given``: the ``--as-of`` read by :func:`_as_of`): its
    own ``PACK=DATE``, else the plain one, else today."""
    default: dt.date | None = None
    own: dict[str, dt.date] = {}
    for pack_id, date in given:
        if pack_id is None:
            default = date
        else:
            own[pack_id] = date
    ids = {p.id for p in packs}
    for pack_id in own:
        if pack_id not in ids:
            said = text("error.as_of_not_evaluated", lang, id=pack_id, quoted=repr(pack_id))
            raise InputError(said)
    # every date checked here, before any path (rows or columns) evaluates on it
    return {p.id: check_as_of(own.get(p.id, default)) for p in packs}


def _subjects(records: Iterator[Record], report: Any) -> Iterator[Community | Jurisdiction | None]:
    """Each record's subject, or ``None`` for a bad one (reported through ``report``)."""
    for record in records:
        problems = list(record.problems)
        subject: Community | Jurisdiction | None = None
        # a record refused whole (a row of the wrong width, a line that is not JSON) has no
        # facts to check: saying it has no [community] table as well would be noise
        whole = bool(problems) and all(not p.path for p in problems)
        if record.data or not whole:
            try:
                subject = structure_subject(record.data, record.base)
            except FactsError as exc:
                problems.extend(exc.problems)
        if problems:
            report(record, problems)
            yield None
        else:
            yield subject


def _progress(total: int | None, err: TextIO) -> Any:
    """A progress bar on a terminal (tqdm, when installed); nothing otherwise."""
    if not (hasattr(err, "isatty") and err.isatty()):
        return None
    try:
        tqdm = importlib.import_module("tqdm").tqdm
    except ImportError:
        return None
    try:  # a terminal that reports no size (some ptys say 0 x 0) gets 80 x 24, not nothing
        sized = os.get_terminal_size(err.fileno()).columns > 0
    except (AttributeError, OSError, ValueError):
        sized = False
    if sized:
        return tqdm(total=total, file=err, unit="row", leave=False, dynamic_ncols=True)
    return tqdm(total=total, file=err, unit="row", leave=False, ncols=80, nrows=24)


def _summary(counts: dict[str, collections.Counter[str]], err: TextIO, lang: str) -> None:
    for pack_id, counter in counts.items():
        parts = text("run.part_sep", lang).join(
            text("run.part", lang, label=text(f"verdict.{v}", lang), n=counter.get(v, 0))
            for v in VERDICTS
        )
        total = sum(counter.values())
        print(text("run.count", lang, pack=pack_id, total=total, parts=parts), file=err)


def _note_fallbacks(packs: list[Pack], err: TextIO, lang: str) -> None:
    """Say which packs cannot use the columnar backend, and so run one row at a time."""
    try:
        from policyengine.columnar import unsupported
    except ImportError:
        print(text("run.no_batch", lang), file=err)
        return
    for pack in packs:
        reason = unsupported(pack)
        if reason is not None:
            said = error_text(reason, lang)  # why it runs a row at a time, in words
            print(text("run.fallback", lang, pack=pack.id, reason=said), file=err)


def _fast_path(names: Sequence[str], packs: list[Pack]) -> bool:
    """Whether CSV/Parquet tables can go straight to columns (every pack without hooks)."""
    try:
        from policyengine.columnar import unsupported
        from policyengine.columnar.fast import fast_tables
    except ImportError:
        return False
    return fast_tables(names) and all(unsupported(p) is None for p in packs)


# the format an --output file's extension names, when --format is not given
_BY_SUFFIX = {
    ".json": "json",
    ".jsonl": "jsonl",
    ".csv": "csv",
    ".parquet": "parquet",
    ".md": "markdown",
    ".html": "html",
    ".htm": "html",
    ".xlsx": "xlsx",
}


def _check_apart(named: Sequence[tuple[str, Path | None]]) -> None:
    """Two of the files written (results, errors, decision log) that are one file would
    overwrite each other."""
    seen: list[tuple[str, Path]] = []
    for what, path in named:
        if path is None:
            continue
        for other, before in seen:
            if path.resolve() == before.resolve():
                raise InputError(f"{what} {path}: is also {other}; give each its own file")
        seen.append((what, path))


def _run_evaluate(args: argparse.Namespace, streams: Streams) -> int:
    log_path = getattr(args, "decision_log", None)
    written = {
        "--output": args.output,
        "--errors": args.errors,
        "--decision-log": None if log_path is None else Path(log_path),
    }
    for option, path in written.items():
        check_not_an_input(path, args.facts, option)
    _check_apart(list(written.items()))
    # a file a jurisdiction includes is found only as it is read: refused then, unwritten
    with outputs_not_read(written):
        return _evaluate(args, streams)


def _evaluate(args: argparse.Namespace, streams: Streams) -> int:
    choose_memory_pool()  # before tables are read
    lang = args.lang or "zh"
    fmt = args.format = format_for_output(args.format, args.output, _BY_SUFFIX, "table")
    formats = reporters()
    if fmt not in STREAMED_FORMATS and fmt not in formats:
        available = sorted({*formats, *STREAMED_FORMATS})
        known = ", ".join(available)
        raise InputError(text("error.unknown_format", lang, fmt=repr(fmt), known=known))
    given_dates = _as_of(args.as_of, lang)  # a date that is no date: said before any work
    omit = _omit(args.omit, fmt, lang)
    if fmt == "parquet" and args.output is None:
        raise InputError(text("error.format_needs_file", lang, fmt=fmt, ext=fmt))
    log = decision_log_of(args)
    # appended only when the results are written: a failed run leaves the log as it was
    pending = PendingDecisions(log) if log is not None else None
    if log is not None and fmt in ("csv", "parquet"):  # one result per decision: the row path
        print(text("run.decision_log", args.lang or "zh"), file=streams.stderr)
    binary_report = fmt in formats and formats[fmt].render_bytes is not None
    if binary_report and args.output is None:
        raise InputError(text("error.format_needs_file", lang, fmt=fmt, ext=fmt))
    # Everything that can be checked is checked before any work.
    dest = Destination(args.output) if args.output is not None else None
    errors_dest = Destination(args.errors, "--errors") if args.errors is not None else None
    try:  # whatever stops the run (SIGTERM included) leaves no temporary file
        packs = [p for name in args.pack for p in api.default_registry().resolve(name)]
        options = view_options(args, packs)
        dates = _dates(given_dates, packs, lang)
        gaps = bool(getattr(args, "gaps", False))  # gaps are worked out by the row path only
        per_result = log is not None or gaps
        fast = fmt in ("csv", "parquet") and not per_result and _fast_path(args.facts, packs)
        if not fast:
            records = open_records(args.facts, streams.stdin)
            first = next(records, None)  # opens every table and checks its columns

        skip = args.on_bad_record == "skip"
        err = streams.stderr
        errors_fh: IO[str] | None = errors_dest.open() if errors_dest is not None else None
        bad = 0

        def report_at(position: str, problems: Sequence[FactProblem]) -> None:
            nonlocal bad
            bad += 1
            for problem in problems:
                shown = problem_text_of(problem, args.lang or "zh")
                print(f"{position}: {shown}", file=err)
                if errors_fh is not None:  # said as on standard error (--lang, Chinese by default)
                    said = problem_text(problem.message, args.lang or "zh")
                    line = {"record": position, "path": problem.path, "message": said}
                    errors_fh.write(json.dumps(line, ensure_ascii=False) + "\n")

        def report(record: Record, problems: list[FactProblem]) -> None:
            report_at(record.position, problems)

        arrow = fmt == "parquet" or (fmt == "csv" and arrow_installed())
        binary = arrow or fast or binary_report
        # the columns (and Parquet's types) the packs declare, whatever the rows hold
        declared = _declared(packs, dates) if arrow else None
        out: IO[Any] = dest.open(binary=binary) if dest is not None else streams.stdout
        if binary and dest is None:
            raw = getattr(streams.stdout, "buffer", None)
            out = raw if raw is not None else cast(IO[Any], _TextBytes(streams.stdout))
        sink: Sink
        if fast:
            sink = arrow_sink = ArrowSink(fmt, out, declared=declared, dialect="minimal")
        elif fmt in STREAMED_FORMATS:
            sink = make_sink(fmt, out, gaps, declared, omit=omit)
        else:
            reporter = formats[fmt]
            sink = ReportSink(out, lambda results: reporter.output(results, options))
        counts: dict[str, collections.Counter[str]] = {p.id: collections.Counter() for p in packs}
        bar = _progress(count_rows(args.facts), err)
        subjects = 0
        tabular = fmt in ("csv", "parquet") and not per_result
        if tabular and not fast:
            _note_fallbacks(packs, err, options.lang)
        chunk: list[Community] = []

        def write_rows(rows: list[dict[str, Any]]) -> None:
            for row in rows:
                counts[row["pack"]][row["verdict"]] += 1
            sink.write_rows(rows)  # type: ignore[attr-defined]

        def flush() -> None:
            write_rows(evaluate_rows(chunk, packs, dates))
            chunk.clear()

        try:
            if fast:
                from policyengine.columnar.fast import table_rows

                progress = bar.update if bar is not None else None
                dictionaries = fmt == "csv"  # Arrow's CSV writer makes the text (same bytes)
                for part in table_rows(args.facts, packs, dates, report_at, progress, dictionaries):
                    subjects += part.subjects
                    if not bad or skip:
                        arrow_sink.write_table(part.table)
                        for pack_id, counted in part.counts.items():
                            counts[pack_id].update(counted)
                    del part  # not held while the next batch is evaluated
            else:
                for subject in _subjects(_chain(first, records), report):
                    if bar is not None:
                        bar.update(1)
                    if subject is None or (bad and not skip):
                        continue  # after a bad record the run fails: only check the rest
                    subjects += 1
                    if tabular and isinstance(subject, Community):
                        chunk.append(subject)
                        if len(chunk) >= CHUNK:
                            flush()
                        continue
                    if chunk:
                        flush()
                    if tabular:  # a jurisdiction: its communities and aggregates on columns
                        for pack in packs:
                            rows = evaluate_rows([subject], [pack], dates)
                            counts[pack.id][rows[0]["verdict"]] += 1  # its own verdict
                            sink.write_rows(rows)  # type: ignore[attr-defined]
                        continue
                    for pack in packs:
                        result = api.evaluate(
                            subject, pack, as_of=dates[pack.id], lang=options.lang
                        )
                        if pending is not None:
                            pending.record(result, subject)
                        counts[pack.id][result.verdict] += 1
                        sink.write(result)
            if chunk and (not bad or skip):
                flush()
            if not bad or skip:
                sink.close()
            else:
                sink.discard()
        except BaseException:
            sink.discard()
            if pending is not None:
                pending.discard()
            if dest is not None:
                dest.abort()
            if errors_dest is not None:
                errors_dest.abort()
            raise
        finally:
            if bar is not None:
                bar.close()
        empty = [n for n in args.facts if Path(n).suffix.lower() in TABLE_SUFFIXES]
        if not subjects and not bad and empty:  # a truncated upload is no "all pass"
            for undone in (dest, errors_dest):
                if undone is not None:
                    undone.abort()
            if pending is not None:
                pending.discard()
            raise InputError(f"{empty[0]}: the table holds no community (no row below its header)")
        if errors_dest is not None:
            errors_dest.commit()
        if dest is not None:
            if bad and not skip:
                dest.abort()
            else:
                dest.commit()
        if pending is not None:
            if bad and not skip:
                pending.discard()
            else:
                pending.commit()
        # a table (or folder, or several inputs) is counted whatever its size; one document
        # alone is its result
        if (subjects + bad > 1 or _batch_input(args.facts)) and (skip or not bad):
            _summary(counts, err, options.lang)
            if bad:
                print(text("run.bad_records", options.lang, n=bad), file=err)
        if bad:
            return EXIT_INPUT
        failing = any(c["fail"] or c["incomplete"] for c in counts.values())
        return EXIT_FINDINGS if failing else EXIT_OK
    except BaseException:
        for undone in (dest, errors_dest):
            if undone is not None:
                undone.abort()
        raise


def _batch_input(names: Sequence[str]) -> bool:
    """Whether FACTS is a batch: several inputs, a table or JSON Lines, or a folder."""
    if len(names) > 1:
        return True
    return any(Path(n).suffix.lower() in TABLE_SUFFIXES or Path(n).is_dir() for n in names)


def _declared(packs: list[Pack], dates: dict[str, dt.date | None]) -> Any:
    """The Arrow schema of the packs' result table (columns in the packs' order, each of
    the type the pack fixes), or None where it cannot be known without data."""
    from policyengine.distributed import result_schema
    from policyengine.exceptions import PolicyEngineError

    try:
        return result_schema(packs, dates)
    except (PolicyEngineError, ImportError):
        return None


class _TextBytes:
    """Bytes written to a text stream (standard output replaced by a StringIO in tests)."""

    def __init__(self, text: IO[str]) -> None:
        self.text = text
        self.closed = False

    def write(self, data: bytes) -> int:
        self.text.write(bytes(data).decode("utf-8"))
        return len(data)

    def flush(self) -> None:
        self.text.flush()


def _chain(first: Record | None, rest: Iterator[Record]) -> Iterator[Record]:
    if first is not None:
        yield first
        yield from rest


@hookimpl
def register_commands() -> list[Command]:
    """The ``evaluate`` command."""
    return [
        Command(
            "evaluate",
            "evaluate facts documents, folders or tables against packs",
            _configure_evaluate,
            _run_evaluate,
        )
    ]
