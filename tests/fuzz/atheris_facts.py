"""Coverage-guided fuzzing of the facts reader, the condition language and evaluation, for
long runs by hand (not part of the test suite)::

    pip install atheris
    python tests/fuzz/atheris_facts.py -max_total_time=3600 -rss_limit_mb=4096

Each input is split into a document (TOML or JSON by its first byte) and a condition
string. Anything but a documented error (a subclass of ``policyengine.PolicyEngineError``,
or ``ExpressionError`` from the condition parser) is a finding: atheris stops and writes the
input to ``crash-…``; rerun it with ``python tests/fuzz/atheris_facts.py crash-…``.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import sys
import tempfile
from pathlib import Path

import atheris

with atheris.instrument_imports():
    import policyengine
    from policyengine import expressions as ex
    from policyengine.documents import parse_document, structure_subject

AS_OF = dt.date(2014, 12, 31)
PACKS = sorted(policyengine.installed_packs())
FOLDER = Path(tempfile.mkdtemp(prefix="atheris-facts-"))


def one_input(data: bytes) -> None:
    fdp = atheris.FuzzedDataProvider(data)
    suffix = ".toml" if fdp.ConsumeBool() else ".json"
    pack = PACKS[fdp.ConsumeIntInRange(0, len(PACKS) - 1)]
    condition = fdp.ConsumeUnicodeNoSurrogates(fdp.ConsumeIntInRange(0, 200))
    document = fdp.ConsumeBytes(fdp.remaining_bytes())
    with contextlib.suppress(ex.ExpressionError):
        ex.parse(condition)
    path = FOLDER / f"doc{suffix}"
    path.write_bytes(document)
    try:
        subject = structure_subject(parse_document(path), FOLDER)
    except policyengine.PolicyEngineError:
        return
    first = policyengine.evaluate(subject, pack, as_of=AS_OF)
    again = policyengine.evaluate(subject, pack, as_of=AS_OF)
    if first.to_dict() != again.to_dict():
        raise AssertionError("two evaluations of one document differ")


def main() -> None:
    atheris.Setup(sys.argv, one_input)
    atheris.Fuzz()


if __name__ == "__main__":
    main()
