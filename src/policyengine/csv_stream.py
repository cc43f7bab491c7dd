"""CSV rows written by a background thread while the next batch is evaluated.

A CSV result table is written by Arrow's writer, which formats cells without holding the
interpreter: on two cores the rows of one batch are written while the next batch is read
and evaluated. A table's rows are written under its own schema. The table a sink gives in
the end is every batch under one *unified* schema (:func:`policyengine.sinks.unify_schema`):
the streamed text is that table's text when every batch has the unified column names in
order, and each column the unified type or no values at all (a null column is empty cells
under any type). :meth:`CsvStream.finish` says whether that holds; when it does not (a
column of whole numbers in one batch and of fractions in another, say), the sink rewinds
the file and writes the unified table as before.
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Callable
from typing import IO, Any

from policyengine.tables import require

__all__ = ["CsvStream", "streamable"]

_DONE = object()


def streamable(fh: IO[Any]) -> bool:
    """Whether rows written early can be taken back: a file that can seek and truncate."""
    try:
        return bool(fh.seekable()) and hasattr(fh, "truncate")
    except (AttributeError, OSError, ValueError):
        return False


class CsvStream:
    """Tables' rows written to ``fh`` as they come, by one background thread, in order."""

    backlog = 2
    """Tables waiting to be written at most (the evaluation waits beyond)."""

    def __init__(self, fh: IO[Any]) -> None:
        self.fh = fh
        self.start = fh.tell()
        self.schemas: list[Any] = []
        self.error: BaseException | None = None
        self.spool_error: BaseException | None = None
        self._first = True
        self._queue: queue.Queue[Any] = queue.Queue(maxsize=self.backlog)
        self._thread = threading.Thread(target=self._write, name="policyengine-csv", daemon=True)
        self._thread.start()

    def put(self, table: Any, then: Callable[[], None] | None = None) -> None:
        """Write one table's rows (the first with the header) after those before; then call
        ``then`` in the same thread (the sink keeping the table on disk)."""
        self.schemas.append(table.schema)
        self._queue.put((table, then))

    def _write(self) -> None:
        pacsv = require("pyarrow.csv", "writing CSV")
        while (item := self._queue.get()) is not _DONE:
            table, then = item
            if self.error is None:
                try:
                    options = pacsv.WriteOptions(quoting_style="needed", include_header=self._first)
                    with pacsv.CSVWriter(self.fh, table.schema, write_options=options) as writer:
                        writer.write_table(table)
                    self._first = False
                except BaseException as exc:  # finish() says so: the sink writes again
                    self.error = exc
            if then is not None and self.spool_error is None:
                try:
                    then()
                except BaseException as exc:  # raised if the sink needs the table again
                    self.spool_error = exc

    def stop(self) -> None:
        """Wait for the thread to end."""
        if self._thread.is_alive():
            self._queue.put(_DONE)
            self._thread.join()

    def finish(self, schema: Any) -> bool:
        """Wait for the rows; whether they are the text of every table under ``schema``."""
        self.stop()
        if self.error is not None or not self.schemas:
            return False
        pa = require("pyarrow", "writing CSV")
        for own in self.schemas:
            if own.names != schema.names:
                return False
            for field, unified in zip(own, schema, strict=True):
                if field.type != unified.type and not pa.types.is_null(field.type):
                    return False
        return True

    def rewind(self) -> None:
        """Take back what was written."""
        self.fh.seek(self.start)
        self.fh.truncate()
