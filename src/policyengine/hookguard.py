"""A guard around a pack's Python hooks: failures and wrong results become :class:`PackError`.

A pack's ``hooks.py`` is code the engine calls. Whatever it does — raise, recurse without
end, call ``sys.exit()``, return ``'99'`` where a number belongs or an outcome that does not
exist — the caller gets a :class:`~policyengine.exceptions.PackError` naming the hooks file
and the hook, never a traceback or a wrong result. The guard is a pluggy wrapper registered
in each pack's plugin manager (:func:`guard`), so it sees every call of every hook.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Callable, Generator, Mapping
from typing import Any, get_args

from policyengine._converter import check_text, describe
from policyengine.contracts import RuleDecision
from policyengine.exceptions import PackError
from policyengine.facts import fact_catalogue
from policyengine.hookspecs import hookimpl
from policyengine.limits import MAX_EXACT_INT
from policyengine.results import Outcome

__all__ = ["HookGuard", "check_value"]

_OUTCOMES = frozenset(get_args(Outcome))
_KINDS = {
    path: ftype.kind
    for level in ("community", "jurisdiction")
    for path, ftype in fact_catalogue(level).items()
}
"""The type of every fact of the vocabulary: a hook may not give another."""
_PHRASES = {
    "bool": "true or false",
    "int": "a whole number",
    "number": "a number",
    "text": "text",
    "date": "a date",
    "list": "a list",
    "date_list": "a list of dates",
}


def check_value(value: Any, where: str, depth: int = 0) -> None:
    """Refuse a value no fact or output may hold (``where`` names it in the message)."""
    if value is None or isinstance(value, bool | dt.date):
        return
    if isinstance(value, int | float):
        if isinstance(value, float) and not math.isfinite(value):
            raise ValueError(f"{where}: {value!r} is not a finite number")
        if abs(value) > MAX_EXACT_INT:
            raise ValueError(f"{where}: {describe(value)} is beyond 2^53")
        return
    if isinstance(value, str):
        try:
            check_text(value)
        except ValueError as exc:
            raise ValueError(f"{where}: {exc}") from None
        return
    if depth >= 8:
        raise ValueError(f"{where}: values nest deeper than 8 levels")
    if isinstance(value, Mapping):
        for key, item in value.items():
            if not isinstance(key, str):
                raise ValueError(f"{where}: key {describe(key)} is not text")
            check_value(item, f"{where}.{key}", depth + 1)
        return
    if isinstance(value, list | tuple):
        for i, item in enumerate(value):
            check_value(item, f"{where}[{i}]", depth + 1)
        return
    raise ValueError(f"{where}: {describe(value)} is not a value a pack can give")


def _check_facts(result: Any, derived: Mapping[str, str]) -> None:
    if result is None:
        return
    if not isinstance(result, Mapping):
        raise ValueError(f"returned {describe(result)}, not a table of facts")
    for path, value in result.items():
        if not isinstance(path, str):
            raise ValueError(f"returned the fact name {describe(path)}, which is not text")
        check_value(value, path)
        kind = derived.get(path) or _KINDS.get(path)
        if value is None or kind is None:
            continue
        ok = {
            "bool": isinstance(value, bool),
            "int": isinstance(value, int) and not isinstance(value, bool),
            "number": isinstance(value, int | float) and not isinstance(value, bool),
            "text": isinstance(value, str),
            "date": isinstance(value, dt.date),
            "list": isinstance(value, list | tuple),
            "date_list": isinstance(value, list | tuple),
        }.get(kind, True)
        if not ok:
            raise ValueError(f"{path}: {describe(value)} is not {_PHRASES.get(kind, kind)}")


def _check_decision(result: Any) -> None:
    if result is None:
        return
    if not isinstance(result, RuleDecision):
        raise ValueError(f"returned {describe(result)}, not a RuleDecision")
    if result.outcome not in _OUTCOMES:
        allowed = ", ".join(sorted(_OUTCOMES))
        raise ValueError(f"outcome {describe(result.outcome)} is not one of: {allowed}")
    for name in ("message", "expected", "actual"):
        value = getattr(result, name)
        if name != "message" and value is None:
            continue
        if not isinstance(value, str):
            raise ValueError(f"{name} {describe(value)} is not text")
        check_value(value, name)


def _check_outputs(result: Any) -> None:
    if result is None:
        return
    if not isinstance(result, Mapping):
        raise ValueError(f"returned {describe(result)}, not a table of outputs")
    for name, value in result.items():
        if not isinstance(name, str):
            raise ValueError(f"returned the output name {describe(name)}, which is not text")
        check_value(value, name)


class HookGuard:
    """Pluggy wrappers around the pack hooks of one pack (register one per pack)."""

    def __init__(self, hooks_file: str, derived: Mapping[str, str]) -> None:
        self.hooks_file = hooks_file
        self.derived = dict(derived)

    def _run(self, hook: str, check: Any) -> Generator[None, Any, Any]:
        try:
            result = yield
        except KeyboardInterrupt:
            raise
        except PackError:
            raise
        except RecursionError:
            raise PackError(f"{self.hooks_file}: hook {hook} recursed without end") from None
        except BaseException as exc:  # SystemExit included: a hook never ends the program
            raise PackError(f"{self.hooks_file}: hook {hook} failed: {_exc_text(exc)}") from None
        try:
            check(result)
        except ValueError as exc:
            raise PackError(f"{self.hooks_file}: hook {hook} {exc}") from None
        return result

    @hookimpl(wrapper=True)
    def pack_derive_facts(self, context: Any) -> Generator[None, Any, Any]:
        """Check the facts a pack's hooks derive."""
        results = yield from self._run(
            "pack_derive_facts",
            lambda found: _check_each(found, lambda r: _check_facts(r, self.derived)),
        )
        return results

    @hookimpl(wrapper=True)
    def pack_evaluate_rule(self, rule: Any, context: Any) -> Generator[None, Any, Any]:
        """Check a hook rule's decision."""
        result = yield from self._run("pack_evaluate_rule", _check_decision)
        return result

    @hookimpl(wrapper=True)
    def pack_outputs(self, context: Any, findings: Any) -> Generator[None, Any, Any]:
        """Check the outputs a pack's hooks give."""
        results = yield from self._run(
            "pack_outputs", lambda found: _check_each(found, _check_outputs)
        )
        return results


def _check_each(found: Any, check: Callable[[Any], None]) -> None:
    """Check each implementation's result of a hook that collects them in a list."""
    for result in found if isinstance(found, list) else [found]:
        check(result)


def _exc_text(exc: BaseException) -> str:
    if isinstance(exc, SystemExit):
        return f"it called sys.exit({describe(exc.code) if exc.code is not None else ''})"
    text = str(exc)
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__
