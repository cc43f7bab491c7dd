"""How what is said about a table's text and cells is recognised, for :mod:`policyengine.i18n`:
``(pattern, catalogue key)`` pairs, tried before the others (a cell's number too long, a
CSV file saved as GBK, a Parquet cell of bytes, an included table with no row)."""

from __future__ import annotations

__all__ = ["TABLE_ERRORS", "TABLE_PROBLEMS"]

_NOT_UTF8 = (
    (
        r"^(?P<name>.+), line (?P<line>\d+): not UTF-8 text \(byte 0x(?P<byte>[0-9a-f]{2})\); "
        r'it looks like GBK or GB18030, as Chinese Excel saves "CSV": save it as "CSV UTF-8"$',
        "error.not_utf8_gbk",
    ),
    (
        r"^(?P<name>.+), line (?P<line>\d+): not UTF-8 text \(byte 0x(?P<byte>[0-9a-f]{2})\); "
        r"save the file as UTF-8$",
        "error.not_utf8_line",
    ),
)

TABLE_ERRORS: tuple[tuple[str, str], ...] = _NOT_UTF8
"""A table file that cannot be read, said as ``FILE, line N: …``."""

TABLE_PROBLEMS: tuple[tuple[str, str], ...] = (
    *_NOT_UTF8,  # an included table
    (r"^a number has more than (?P<n>[\d,]+) digits$", "problem.long_number"),
    (r"^not valid JSON: a number has more than (?P<n>[\d,]+) digits$", "problem.json_long_number"),
    (
        r"^holds binary data, not text: save the column as text \(a string column\)$",
        "problem.binary_cell",
    ),
    (
        r"^(?P<name>.+): the table holds no community \(no row below its header\)$",
        "error.empty_table",
    ),
)
"""A problem of a row, a cell or an included table."""
