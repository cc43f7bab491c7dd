"""``policyengine new-pack``: start a new region's pack from a working skeleton.

::

    policyengine new-pack ID --region "…" --document "…" [--issuer …]... [--date YYYY-MM-DD]
                          [--number 文号] [--output DIR]

writes a pack distribution shaped like the bundled ones (``policy_packs/ID`` by default)::

    ID/
      pyproject.toml          distribution community-policyengine-pack-ID, entry point
                              ID = "policyengine_pack_ID" in the policyengine group
      README.md
      policyengine_pack_ID/   (dashes become underscores)
        __init__.py           register_packs: the pack folder is this package
        pack.toml             the document, one dated parameter, one rule reading it
        cases/example.toml    test cases for `policyengine test`

The skeleton loads, lints without errors (its ``TODO`` placeholders are warnings) and
passes its cases, so the author can change it one step at a time. An existing folder is
never overwritten (exit 2); the ID must be lower-case letters, digits and dashes; the
region, title, issuers and 文号 are written as given (escaped for each file's format),
and must each be one line of text without control characters (else exit 2, nothing
written).
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import re
import shutil
import tempfile
import unicodedata
from pathlib import Path

import attrs

from policyengine._converter import describe
from policyengine.contracts import Command, Streams
from policyengine.hookspecs import hookimpl

__all__ = ["PackSpec", "render_files", "write_pack"]

EXIT_OK, EXIT_INPUT = 0, 2
ID_PATTERN = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
"""Lower-case letters and digits, in words joined by single dashes."""

EXAMPLE_PARAMETER = "min_service_area_m2"
EXAMPLE_RULE = "spaces.service-area"


@attrs.frozen(kw_only=True)
class PackSpec:
    """What ``new-pack`` is told about the new pack and its document."""

    id: str
    region: str
    document: str
    """The document's title, e.g. 某某区城市社区建设实施方案."""
    date: dt.date
    """The document's date; its first parameter value starts on it."""
    issuers: tuple[str, ...] = ()
    number: str | None = None
    """The 文号, if the document has one."""

    @property
    def package(self) -> str:
        """The Python package: ``policyengine_pack_`` and the id with underscores."""
        return "policyengine_pack_" + self.id.replace("-", "_")

    @property
    def distribution(self) -> str:
        """The distribution name: ``community-policyengine-pack-ID``."""
        return f"community-policyengine-pack-{self.id}"

    @property
    def version(self) -> str:
        """The first version: the document's year, release 1 (as ``2013.1``)."""
        return f"{self.date.year}.1"


def check_id(pack_id: str) -> str | None:
    """Why ``pack_id`` is not a valid pack id, or None if it is."""
    if ID_PATTERN.match(pack_id):
        return None
    return (
        f"{pack_id!r} is not a pack id: use lower-case letters, digits and single dashes "
        "(e.g. wuma-star-rating)"
    )


_TOML_ESCAPES = {
    "\\": "\\\\",
    '"': '\\"',
    "\b": "\\b",
    "\t": "\\t",
    "\n": "\\n",
    "\f": "\\f",
    "\r": "\\r",
}


def _s(text: str) -> str:
    """A TOML basic string: ``"`` and ``\\`` escaped, and every control character (which
    TOML does not allow as it is, U+007F included) written as an escape."""
    out = []
    for c in text:
        if c in _TOML_ESCAPES:
            out.append(_TOML_ESCAPES[c])
        elif unicodedata.category(c) == "Cc":
            out.append(f"\\u{ord(c):04X}")
        else:
            out.append(c)
    return '"' + "".join(out) + '"'


def check_text(option: str, text: str) -> str | None:
    """Why ``text``, given as ``option``, cannot be written into the new pack, or None.

    The text is written into TOML strings, a TOML comment, Markdown and a Python
    docstring: it must be one line of text, not blank, without control characters."""
    shown = "".join(c if c.isprintable() else f"\\u{ord(c):04x}" for c in describe(text))
    if not text.strip():
        return f"{option} {shown}: the text is empty"
    for c in text:
        category = unicodedata.category(c)
        if category == "Cs":
            return (
                f"{option} {shown}: it is not text (U+{ord(c):04X} stands for a "
                "byte that is not UTF-8)"
            )
        if category == "Cc":
            return (
                f"{option} {shown}: it holds the control character U+{ord(c):04X}; "
                "give the text on one line, without control characters"
            )
    return None


def check_spec(spec: PackSpec) -> str | None:
    """Why the pack described by ``spec`` cannot be written, or None."""
    texts = [("--region", spec.region), ("--document", spec.document)]
    texts += [("--issuer", issuer) for issuer in spec.issuers]
    if spec.number is not None:
        texts.append(("--number", spec.number))
    for option, text in texts:
        problem = check_text(option, text)
        if problem is not None:
            return problem
    return check_id(spec.id)


def _pyproject(spec: PackSpec) -> str:
    description = f"policyengine pack: {spec.document} ({spec.region}, {spec.date.isoformat()})"
    return f"""\
[build-system]
requires = ["hatchling>=1.21"]
build-backend = "hatchling.build"

[project]
name = "{spec.distribution}"
version = "{spec.version}"
description = {_s(description)}
readme = "README.md"
requires-python = ">=3.11"
license = "MIT"
dependencies = ["community-policyengine>=0.1"]

[project.entry-points.policyengine]
{spec.id} = "{spec.package}"

[tool.hatch.build.targets.wheel]
packages = ["{spec.package}"]
"""


def _readme(spec: PackSpec) -> str:
    issuers = "、".join(spec.issuers) if spec.issuers else "TODO: 发文机关"
    number = f" {spec.number}" if spec.number else ""
    return f"""\
# {spec.id}

A policyengine pack for 《{spec.document}》{number}
({issuers}, {spec.date.isoformat()}), {spec.region}.

The rules are in `{spec.package}/pack.toml`, the test cases in
`{spec.package}/cases/`. Every rule and value cites its clause and quotes the document;
replace each `TODO` with the document's own words.

```
policyengine lint .
policyengine test .
pip install .
policyengine evaluate facts.toml --pack {spec.id}
```
"""


def _init(spec: PackSpec) -> str:
    title = f"{spec.document} ({spec.date.isoformat()})".replace("\\", "\\\\").replace('"', '\\"')
    return f'''\
"""policyengine pack: {title}."""

from importlib.resources import files

from policyengine import PackSource, hookimpl


@hookimpl
def register_packs() -> list[PackSource]:
    """The pack folder is this package."""
    return [PackSource(files(__name__))]
'''


def _pack_toml(spec: PackSpec) -> str:
    date = spec.date.isoformat()
    issuers = ", ".join(_s(i) for i in spec.issuers) if spec.issuers else _s("TODO: 发文机关")
    number = (
        f"number = {_s(spec.number)}"
        if spec.number
        else '# number = "…〔2024〕1号"    # the 文号, if the document has one'
    )
    return f"""\
# {spec.document} — read as rules.
# Written by `policyengine new-pack`: replace every TODO with the document's own text (a
# quote is copied exactly as written), then run `policyengine lint` and `policyengine test`.
# The format: docs/reference/pack-format.md.

[pack]
id = "{spec.id}"
version = "{spec.version}"
title = {_s(spec.document)}
title_en = "TODO: the pack's English title"
region = {_s(spec.region)}
effective_from = {date}
notes = []

[pack.source]
title = {_s(spec.document)}
issuer = [{issuers}]
date = {date}
{number}
# seed = "document.txt"        # the document's text: `policyengine lint --seeds DIR` checks
                               # every quote against it

# ------------------------------------------------------------------ parameters
# Each number the document states, with its clause and quote. A value that changes on a
# date gets another entry: {{ since = YYYY-MM-DD, value = …, clause = "…", quote = "…" }}.

[parameters.{EXAMPLE_PARAMETER}]
title = "TODO: 社区办公和服务用房最低面积（示例参数）"
unit = "m²"
clause = "TODO"
quote = "TODO: 规定该数值的原文"
values = [{{ since = {date}, value = 200 }}]

# ------------------------------------------------------------------------ rules

[[rules]]
id = "{EXAMPLE_RULE}"
title = "TODO: 社区办公和服务用房面积（示例规则）"
title_en = "TODO: Community office and service space (example rule)"
clause = "TODO"
quote = "TODO: 该要求的原文"
responsible = ["TODO: 责任单位"]
require = "spaces.service_area_m2 >= params.{EXAMPLE_PARAMETER}"
"""


def _cases(spec: PackSpec) -> str:
    date = spec.date.isoformat()
    before = (spec.date - dt.timedelta(days=1)).isoformat()
    return f"""\
# Test cases of the pack, run by `policyengine test`: the facts of a community, the date,
# and what the pack must conclude. Replace them with cases from the document.

[[cases]]
name = "TODO 示例：面积达到要求，符合"
as_of = {date}
facts = {{ community = {{ id = "example-001" }}, spaces = {{ service_area_m2 = 250 }} }}

[cases.expect]
verdict = "pass"
rules = {{ "{EXAMPLE_RULE}" = "pass" }}

[[cases]]
name = "TODO 示例：面积不足，不符合"
as_of = {date}
facts = {{ community = {{ id = "example-002" }}, spaces = {{ service_area_m2 = 150 }} }}

[cases.expect]
verdict = "fail"
rules = {{ "{EXAMPLE_RULE}" = "fail" }}

[[cases]]
name = "TODO 示例：面积未知，无法判断"
as_of = {date}
facts = {{ community = {{ id = "example-003" }} }}

[cases.expect]
verdict = "incomplete"
rules = {{ "{EXAMPLE_RULE}" = "unknown" }}

[[cases]]
name = "TODO 示例：文件施行前，不适用"
as_of = {before}
facts = {{ community = {{ id = "example-004" }}, spaces = {{ service_area_m2 = 250 }} }}

[cases.expect]
verdict = "not_applicable"
rules = {{ "{EXAMPLE_RULE}" = "not_applicable" }}
"""


def render_files(spec: PackSpec) -> dict[str, str]:
    """Every file of the new distribution: ``{relative path: text}``."""
    return {
        "pyproject.toml": _pyproject(spec),
        "README.md": _readme(spec),
        f"{spec.package}/__init__.py": _init(spec),
        f"{spec.package}/pack.toml": _pack_toml(spec),
        f"{spec.package}/cases/example.toml": _cases(spec),
    }


def write_pack(spec: PackSpec, output: Path) -> list[Path]:
    """Write the distribution into ``output`` (which must not exist); the files written.

    The files are written into a temporary folder beside ``output`` and moved into place
    at once, so a failure leaves nothing half-written.
    """
    problem = check_spec(spec)
    if problem is not None:
        raise ValueError(problem)
    if output.exists():
        raise FileExistsError(f"{output} already exists: new-pack never overwrites a folder")
    parent = output.parent
    parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(dir=parent, prefix=f".{output.name}."))
    try:
        written = []
        for relative, text in render_files(spec).items():
            file = staging / relative
            file.parent.mkdir(parents=True, exist_ok=True)
            file.write_text(text, encoding="utf-8")
            written.append(output / relative)
        os.rename(staging, output)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    return written


def _date(text: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a date (YYYY-MM-DD)") from None


def _configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("id", metavar="ID", help="the pack id: lower-case letters, digits, dashes")
    parser.add_argument("--region", required=True, help="e.g. 浙江省温州市鹿城区五马街道")
    parser.add_argument("--document", required=True, help="the document's title")
    parser.add_argument(
        "--issuer", action="append", default=[], help="an issuer of the document (repeatable)"
    )
    parser.add_argument(
        "--date", type=_date, default=None, help="the document's date (default: today)"
    )
    parser.add_argument("--number", default=None, help="the document's 文号, if it has one")
    parser.add_argument(
        "--output", type=Path, default=None, help="the folder to write (default: policy_packs/ID)"
    )


def _run(args: argparse.Namespace, streams: Streams) -> int:
    err, out = streams.stderr, streams.stdout
    problem = check_id(args.id)
    if problem is not None:
        print(f"policyengine new-pack: {problem}", file=err)
        return EXIT_INPUT
    spec = PackSpec(
        id=args.id,
        region=args.region,
        document=args.document,
        date=args.date or dt.date.today(),
        issuers=tuple(args.issuer),
        number=args.number,
    )
    problem = check_spec(spec)
    if problem is not None:
        print(f"policyengine new-pack: {problem}", file=err)
        return EXIT_INPUT
    output: Path = args.output or Path("policy_packs") / args.id
    try:
        written = write_pack(spec, output)
    except FileExistsError as exc:
        print(f"policyengine new-pack: {exc}", file=err)
        return EXIT_INPUT
    out.write(f"wrote {output}:\n")
    for file in written:
        out.write(f"  {file}\n")
    out.write(
        f"next: replace every TODO in {output / spec.package / 'pack.toml'}, then run\n"
        f"  policyengine lint {output}\n"
        f"  policyengine test {output}\n"
    )
    return EXIT_OK


@hookimpl
def register_commands() -> list[Command]:
    """The ``new-pack`` command."""
    return [
        Command(
            name="new-pack",
            help="write a new pack distribution that loads, lints and passes its cases",
            configure=_configure,
            run=_run,
        )
    ]
