"""The fields of a request to the service, each read and checked: a bad one is a problem
naming its path (``pack[1]``, ``omit[0]``), and every bad field of a request is heard of at
once (:func:`collect`)."""

from __future__ import annotations

import datetime as dt
import inspect
import itertools
import json
import re
import urllib.parse
from collections.abc import Callable, Mapping, Sequence
from typing import Any, TypeVar

from fastapi import Request

from policyengine import api
from policyengine.boundaries import AFTER_LAST_DATE, LAST_DATE
from policyengine.facts import DATE_PATTERN
from policyengine.i18n import problem_text
from policyengine.pack import Pack
from policyengine.results import OPTIONAL_PARTS, omit_problem
from policyengine.server.errors import ServiceError
from policyengine.server.errors import problem as _problem

__all__ = [
    "BODY_FIELDS",
    "LANGUAGES",
    "OMIT_PARTS",
    "PACK_IDS",
    "REQUEST_FIELDS",
    "as_of",
    "collect",
    "evaluation_request",
    "language",
    "named",
    "omitted",
    "packs",
    "query_on_evaluate",
    "query_problems",
    "request_lang",
    "said_in",
]

LANGUAGES: tuple[str, ...] = (
    ("zh", "en") if "lang" in inspect.signature(api.evaluate).parameters else ("zh",)
)
"""Languages of messages: English too once the library can write it (``lang=``)."""

BODY_FIELDS = "facts, pack, as_of, lang and omit"
"""The fields of ``POST /v1/evaluate``'s body, as a sentence names them."""


def as_of(value: Any, path: str = "as_of") -> dt.date | None:
    """The evaluation date asked for (None: today), or a 422 at ``path``."""
    if value is None:
        return None
    if isinstance(value, str) and re.fullmatch(DATE_PATTERN, value):
        try:
            day = dt.date.fromisoformat(value)
        except ValueError:
            pass
        else:
            if day <= LAST_DATE:  # a date the engine can evaluate on (check_as_of)
                return day
            raise ServiceError(
                422, "bad request", problems=[_problem(path, value, AFTER_LAST_DATE)]
            )
    raise ServiceError(
        422, "bad request", problems=[_problem(path, value, "is not a date (YYYY-MM-DD)")]
    )


def language(value: Any) -> str:
    """The language of messages asked for (Chinese by default), or a 422 at ``lang``."""
    if value is None:
        return "zh"
    if value in LANGUAGES:
        return str(value)
    listed = ", ".join(LANGUAGES)
    raise ServiceError(
        422, "bad request", problems=[_problem("lang", value, f"is not one of: {listed}")]
    )


def packs(
    value: Any,
    installed: Mapping[str, Pack],
    path: str = "pack",
    positions: bool = True,
    given: Any = None,
) -> list[Pack]:
    """The packs asked for: an id, a list of ids, or ``all``; an unknown id is 404.

    An id (or ``all``) listed twice is a 422 naming it (at ``pack[i]`` when ``positions``,
    a list in a body; at ``pack`` for a query's ids separated by commas): each entry is one
    more evaluation and one more result, so that a body of 10,000 ids (or of ``all``) would
    have one request evaluate for a minute and answer gigabytes."""
    ids = value if isinstance(value, list) else [value]
    if not ids or not all(isinstance(i, str) and i.strip(_SPACES) for i in ids):  # "" names none
        raise ServiceError(
            422,
            "bad request",
            problems=[
                _problem(
                    path,
                    value if given is None else given,  # a query's text, before its commas
                    'is not a pack id, a list of pack ids, or "all"',
                )
            ],
        )
    seen: set[str] = set()
    repeated: dict[str, dict[str, Any]] = {}  # each id once, where it is first repeated
    for at, pack_id in enumerate(ids):
        if pack_id in seen and pack_id not in repeated:
            said = f"{json.dumps(pack_id, ensure_ascii=False)} is given twice: name each pack once"
            repeated[pack_id] = _problem(f"{path}[{at}]" if positions else path, pack_id, said)
        seen.add(pack_id)
    if repeated:
        raise ServiceError(422, "bad request", problems=list(repeated.values()))
    unknown = [i for i in ids if i not in installed and i != "all"]
    if unknown:
        raise ServiceError(
            404, f"unknown pack {named(unknown[0])}", unknown=unknown, installed=list(installed)
        )
    # as the command line's --pack: "all" is every installed pack, wherever it is listed
    return [p for i in ids for p in (installed.values() if i == "all" else (installed[i],))]


PACK_IDS = r"^[^,\s][^,]*(?:,[^,\s][^,]*)*$"
"""Pack ids in a query, separated by commas, none blank (``?pack=``, ``a,,b``): documented
in the OpenAPI, not checked by FastAPI (its message is a regular expression); :func:`packs`
says what is wrong in a sentence."""


_SPACES = " \t\n\v\f\r\u00a0\u1680\u2028\u2029\u202f\u205f\u3000\ufeff" + "".join(
    map(chr, range(0x2000, 0x200B))
)
"""What JSON Schema's ``\\s`` matches (ECMA-262): an id of these alone is blank, as the
OpenAPI's pattern says (Python's own spaces add \\x1c-\\x1f and \\x85: ids, not blanks)."""


def named(pack_id: str) -> str:
    """A pack id as a sentence names it: quoted, and cut at 80 characters (a 60 KB path was
    echoed three times in its 404)."""
    return repr(pack_id if len(pack_id) <= 80 else pack_id[:79] + "…")


T = TypeVar("T")


def collect(
    problems: list[dict[str, Any]], check: Callable[..., T], *args: Any, defer: bool = False
) -> T | None:
    """``check(*args)``; a 422's problems added to ``problems`` (None returned), so that a
    request hears of every bad field at once. Another status is raised, unless ``defer``
    (other fields are bad already: their 422 comes first)."""
    try:
        return check(*args)
    except ServiceError as exc:
        if exc.status == 422:
            problems.extend(exc.body.get("problems", []))
            return None
        if defer:
            return None
        raise


REQUEST_FIELDS = ("facts", "pack", "as_of", "lang", "omit")


def unknown_fields(given: Mapping[str, Any], expected: Sequence[str]) -> list[dict[str, Any]]:
    """A problem for each field of a request (its body, or a batch's query) not expected."""
    said = (
        f"unknown field (expected {', '.join(expected)})"
        if expected
        else "unknown query parameter (this path reads none)"
    )
    return [_problem(k, given[k], said) for k in sorted(set(given) - set(expected))]


def query_problems(request: Request, expected: Sequence[str]) -> list[dict[str, Any]]:
    """A problem for each query parameter not expected, and for each given more than once
    (``?pack=a&pack=b`` says two things: refused, as a key given twice in a body is, rather
    than one of them kept silently)."""
    query = request.query_params
    problems = unknown_fields(query, expected)
    repeated = sorted(k for k in set(query) & set(expected) if len(query.getlist(k)) > 1)
    return problems + [
        _problem(k, query.getlist(k), "is given more than once: give it once") for k in repeated
    ]


def query_on_evaluate(query: bytes) -> list[dict[str, Any]]:
    """A problem for each query parameter of ``POST /v1/evaluate`` (whose fields are the
    body's: ``?lang=en`` was ignored, and the answer came in Chinese)."""
    said = f"is a query parameter: POST /v1/evaluate reads {BODY_FIELDS} from the body"
    pairs = urllib.parse.parse_qsl(query.decode("latin-1"), keep_blank_values=True)
    return [_problem(name, value, said) for name, value in pairs] or [_problem("?", "", said)]


def evaluation_request(data: Any) -> tuple[Any, Any, Any, Any, Any, list[dict[str, Any]]]:
    """The body's five fields, and a problem for each field unknown or missing (the others
    are checked as well, so that every bad field is heard of at once)."""
    if not isinstance(data, dict):
        raise ServiceError(
            422, "bad request", problems=[_problem("", data, "the body is not a JSON object")]
        )
    problems = unknown_fields(data, REQUEST_FIELDS)
    problems += [_problem(k, None, "is required") for k in ("facts", "pack") if k not in data]
    facts, pack, day, lang = (
        data.get("facts"),
        data.get("pack"),
        data.get("as_of"),
        data.get("lang"),
    )
    return facts, pack, day, lang, data.get("omit"), problems


OMIT_PARTS = "^(?:{})$".format(
    "|".join(
        ",".join(names)
        for n in range(1, len(OPTIONAL_PARTS) + 1)
        for names in itertools.permutations(OPTIONAL_PARTS, n)
    )
)
"""The parts a batch's query leaves out (``?omit=findings,gaps``), separated by commas: as
the OpenAPI documents it (:func:`omitted` says what is wrong in a sentence)."""


def omitted(
    value: Any, path: str = "omit", positions: bool = True, given: Any = None
) -> frozenset[str]:
    """The parts of each result the request leaves out (:data:`OPTIONAL_PARTS`): a part's
    name, a list of them, or null for none. A name not known, or given twice, is a problem
    at ``omit[i]`` (at ``omit`` for a query's names separated by commas)."""
    if value is None:
        return frozenset()
    names = value if isinstance(value, list) else [value]
    if len(names) > len(OPTIONAL_PARTS):  # one problem, not one per name: a 1 MiB body of
        # names would ask for an answer of some 20 MB
        listed = ", ".join(OPTIONAL_PARTS)
        said = (
            f"lists {len(names)} parts: a result has {len(OPTIONAL_PARTS)} that can be left "
            f"out ({listed}), each named once"
        )
        shown = value if positions or given is None else given
        raise ServiceError(422, "bad request", problems=[_problem(path, shown, said)])
    problems: list[dict[str, Any]] = []
    seen: set[str] = set()
    for at, name in enumerate(names):
        where = f"{path}[{at}]" if positions and isinstance(value, list) else path
        shown = name if positions else (value if given is None else given)
        wrong = omit_problem(name, seen)
        if wrong == "unknown":
            problems.append(_problem(where, shown, f"is not one of: {', '.join(OPTIONAL_PARTS)}"))
        elif wrong == "twice":
            problems.append(_problem(where, shown, "is given more than once: give it once"))
        else:
            seen.add(name)
    if problems:
        raise ServiceError(422, "bad request", problems=problems)
    return frozenset(seen)


def request_lang(data: Any) -> str:
    """The language a request asks for, Chinese when it asks for none or an unknown one."""
    lang = data.get("lang") if isinstance(data, dict) else None
    return lang if isinstance(lang, str) and lang in LANGUAGES else "zh"


def said_in(exc: ServiceError, lang: str) -> ServiceError:
    """The error with its problems' messages, and its own message, in ``lang`` (paths and
    values as written)."""
    exc.lang = lang
    problems = exc.body.get("problems")
    if isinstance(problems, list):
        exc.body["problems"] = [
            {**p, "message": problem_text(p["message"], lang)} for p in problems
        ]
    return exc
