"""The ``durable`` backend: durable-rules 2.0.28, and the only module that imports it.

It takes conditions in normal form (:mod:`policyengine.expressions`), compiles them into
durable-rules rulesets once, and answers "which conditions hold for these values?" by
asserting one fact, draining every action and retracting the fact. Nothing else in
policyengine knows the engine's API. :class:`DurableBackend` is its face to the
:class:`~policyengine.backends.Backend` protocol.

Rulesets are shared by *shape*: conditions read parameters as values (asserted with the
facts), so pack versions that differ only in parameter values compile to the same
rulesets, and the process holds one per distinct shape. durable-rules never returns a
ruleset's memory (``delete_ruleset`` keeps about 0.45 MB), so this is what keeps memory
bounded when many versions of a pack are loaded.

Every sharp edge measured in ``shared/notes/durable-rules.md`` has a guard here, and a
regression test in ``tests/test_durable_edges.py``:

=================================================  ==========================================
edge                                               guard
=================================================  ==========================================
stock ``Host`` starts timer threads, loses results  only the C API is used (no Host, no lang)
``delete_state`` on an undispatched session crashes  a ``__seen__`` catch-all in every ruleset,
                                                   sessions primed at creation, always drained
the engine's session object matches ``$nex``       every condition ANDs a ``__kind`` tag; no
                                                   ``$nex`` is ever emitted
error 303 past 64 matching conditions; 256 rules    rulesets are chunked at :data:`CHUNK`
on one node; 512 siblings hang ``create_ruleset``  condition branches
1,024 live sessions per ruleset, 32-bit sid hash    one fixed, primed session per ruleset,
                                                   reused under a lock (never a sid per subject)
a missing value on the right-hand side matches     ``$ex`` on every value the right-hand side
                                                   reads
mismatched types compared as text                  values typed before they arrive; numbers
                                                   always sent as floats, bools as bools
``1e-05`` (bare exponent) is a parse error          own JSON writer: ``1.0e-05``
integer ``$div`` by zero kills the process          numbers are floats and the compiler
                                                   (expressions.normalise) refuses divisors
                                                   that are not non-zero constants
``$or`` fires once per true branch                 matches are collected in a set
Chinese constants need ``ensure_ascii=False``       own JSON writer keeps UTF-8 text
Python 3.13 / gcc 14 build failures                 :func:`engine_module` turns the import error
                                                   into instructions (CPPFLAGS)
an engine error leaves a broken session             the session is deleted and primed again
=================================================  ==========================================
"""

from __future__ import annotations

import contextlib
import hashlib
import math
import threading
import types
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any

from policyengine.exceptions import EngineError, PackError
from policyengine.expressions import (
    Arith,
    Atom,
    Const,
    Contains,
    Count,
    Expr,
    Field,
    NAnd,
    NOr,
    Normal,
    Param,
    branches,
    key_of,
)

__all__ = [
    "CHUNK",
    "MAX_VALUES",
    "CompiledConditions",
    "DurableBackend",
    "compile_conditions",
    "engine_module",
    "shape_key",
    "value_keys",
]

CHUNK = 48
"""Condition branches per durable ruleset: below the 64 simultaneous matches of error 303."""

MAX_VALUES = 251
"""Values one asserted fact may carry besides its own two (error 302 past 253 properties):
rulesets are chunked so that none reads more, and each is sent only the values it reads."""

_SID = "policyengine"
_TAG = "__kind"
_TAG_VALUE = "subject"
_SEEN = "__seen__"

_BUILD_HELP = (
    "durable-rules (the rules engine) could not be imported: {error}. "
    "On Python 3.13 reinstall it with "
    "CPPFLAGS='-DPyEval_CallObject=PyObject_CallObject' "
    "pip install --force-reinstall --no-binary durable-rules durable-rules==2.0.28; "
    "with gcc 14 add -Wno-error=int-conversion -Wno-error=implicit-function-declaration "
    "to CPPFLAGS."
)

_engine: types.ModuleType | None = None


def engine_module() -> types.ModuleType:
    """The ``durable_rules_engine`` C extension, or an :class:`EngineError` on how to build it."""
    global _engine
    if _engine is None:
        try:
            import durable_rules_engine
        except ImportError as exc:
            raise EngineError(_BUILD_HELP.format(error=exc)) from exc
        _engine = durable_rules_engine
    return _engine


# ------------------------------------------------------------------------------ JSON


def _number(value: float) -> str:
    if not math.isfinite(value):
        raise EngineError(f"{value!r} cannot be sent to the rules engine")
    text = repr(float(value))
    if "e" in text and "." not in text.split("e")[0]:
        mantissa, exponent = text.split("e")
        text = f"{mantissa}.0e{exponent}"
    return text


def _text(value: str) -> str:
    out = ['"']
    for ch in value:
        if ch == '"':
            out.append('\\"')
        elif ch == "\\":
            out.append("\\\\")
        elif ord(ch) < 0x20:
            out.append(f"\\u{ord(ch):04x}")
        else:
            out.append(ch)  # UTF-8 as is: escaped Chinese never matches (ensure_ascii=False)
    out.append('"')
    return "".join(out)


def dump(value: Any) -> str:
    """JSON the engine parses correctly: UTF-8 text, floats never with a bare exponent."""
    if value is True:
        return "true"
    if value is False:
        return "false"
    if value is None:
        return "null"
    if isinstance(value, int | float):
        return _number(value)
    if isinstance(value, str):
        return _text(value)
    if isinstance(value, Mapping):
        return "{" + ",".join(f"{_text(k)}:{dump(v)}" for k, v in value.items()) + "}"
    if isinstance(value, list | tuple):
        return "[" + ",".join(dump(v) for v in value) + "]"
    raise EngineError(f"{type(value).__name__} values cannot be sent to the rules engine")


# --------------------------------------------------------------------------- compiling

_OPS = {"<": "$lt", "<=": "$lte", ">": "$gt", ">=": "$gte", "!=": "$neq"}
_ARITH = {"+": "$add", "-": "$sub", "*": "$mul", "/": "$div"}


class _Names:
    """Short field names in the asserted fact for each value key (``v0``, ``v1``, …)."""

    def __init__(self) -> None:
        self.by_key: dict[str, str] = {}

    def __call__(self, key: str) -> str:
        if key not in self.by_key:
            self.by_key[key] = f"v{len(self.by_key)}"
        return self.by_key[key]


def _operand(expr: Expr, names: _Names) -> Any:
    if isinstance(expr, Const):
        value = expr.value
        return float(value) if isinstance(value, int) and not isinstance(value, bool) else value
    if isinstance(expr, Arith):
        return {
            _ARITH[expr.op]: {"$l": _operand(expr.left, names), "$r": _operand(expr.right, names)}
        }
    return {"$m": names(key_of(expr))}  # type: ignore[arg-type]


def _refs(expr: Expr, names: _Names) -> list[str]:
    if isinstance(expr, Arith):
        return _refs(expr.left, names) + _refs(expr.right, names)
    if isinstance(expr, Const):
        return []
    return [names(key_of(expr))]  # type: ignore[arg-type]


def _condition(n: Normal, names: _Names) -> dict[str, Any]:
    if isinstance(n, Atom):
        field = names(n.key)
        rhs = _operand(n.rhs, names)
        if n.op == "==":
            atom = {"$eq": {field: rhs}} if isinstance(rhs, dict) else {field: rhs}
        else:
            atom = {_OPS[n.op]: {field: rhs}}
        refs = _refs(n.rhs, names)
        if not refs:
            return atom
        # a value the right-hand side reads must exist: without it durable-rules compares
        # against null and may match (0 < a missing value holds)
        return {"$and": [*({"$ex": {ref: 1}} for ref in dict.fromkeys(refs)), atom]}
    items = [_condition(i, names) for i in n.items]
    return {"$and" if isinstance(n, NAnd) else "$or": items}


def value_keys(n: Normal) -> set[str]:
    """The value keys a condition in normal form reads (what its fact must carry)."""
    keys: set[str] = set()
    stack: list[Any] = [n]
    while stack:
        node = stack.pop()
        if isinstance(node, Atom):
            keys.add(node.key)
            stack.append(node.rhs)
        elif isinstance(node, NAnd | NOr):
            stack += list(node.items)
        elif isinstance(node, Arith):
            stack += [node.left, node.right]
        elif isinstance(node, Field | Param | Count | Contains):
            keys.add(key_of(node))
    return keys


def _chunks(conditions: Sequence[tuple[str, Normal]]) -> list[list[tuple[str, Normal]]]:
    """Conditions grouped so that no ruleset holds more than :data:`CHUNK` branches or reads
    more than :data:`MAX_VALUES` values."""
    chunks: list[list[tuple[str, Normal]]] = [[]]
    load = 0
    reads: set[str] = set()
    for cid, cond in conditions:
        weight = branches(cond)
        if weight > CHUNK:
            raise PackError(
                f"condition {cid} has {weight} alternative branches; at most {CHUNK} are supported"
            )
        keys = value_keys(cond)
        if len(keys) > MAX_VALUES:
            raise PackError(
                f"condition {cid} reads {len(keys)} values; the rules engine compares at most "
                f"{MAX_VALUES} in one condition"
            )
        if load + weight > CHUNK or len(reads | keys) > MAX_VALUES:
            chunks.append([])
            load = 0
            reads = set()
        chunks[-1].append((cid, cond))
        load += weight
        reads |= keys
    return [c for c in chunks if c] or [[]]


class CompiledConditions:
    """Conditions compiled into durable-rules rulesets, evaluated one fact at a time.

    Thread-safe: one lock per compiled set; the engine holds the GIL anyway, so threads
    would gain nothing from parallel sessions.
    """

    def __init__(self, name: str, conditions: Sequence[tuple[str, Normal]]) -> None:
        dre = engine_module()
        names = _Names()
        self.rulesets: list[dict[str, Any]] = []
        chunk_keys: list[set[str]] = []
        for chunk in _chunks(conditions):
            ruleset: dict[str, Any] = {}
            chunk_keys.append(set().union(*(value_keys(c) for _, c in chunk)))
            for cid, cond in chunk:
                if not cid.replace("_", "").isalnum() or cid == _SEEN:
                    raise EngineError(f"condition id {cid!r} must be letters, digits and _")
                tagged = {"$and": [{_TAG: _TAG_VALUE}, _condition(cond, names)]}
                ruleset[cid] = {"all": [{"m": tagged}]}
            ruleset[_SEEN] = {"all": [{"m": {_TAG: _TAG_VALUE}}]}
            self.rulesets.append(ruleset)
        self.fields: dict[str, str] = dict(names.by_key)
        self._head = f'{{"sid":"{_SID}","{_TAG}":"{_TAG_VALUE}"'
        self._quoted = [(key, f'"{field}":') for key, field in self.fields.items()]
        self._chunk_quoted = [[q for q in self._quoted if q[0] in keys] for keys in chunk_keys]
        self._lock = threading.Lock()
        self._handles: list[Any] = []
        for i, ruleset in enumerate(self.rulesets):
            try:
                handle = dre.create_ruleset(f"{name}#{i}", dump(ruleset))
            except dre.error as exc:
                raise EngineError(f"the rules engine rejected ruleset {name}#{i}: {exc}") from exc
            self._prime(handle)
            self._handles.append(handle)

    @property
    def keys(self) -> Iterable[str]:
        """The value keys the conditions read."""
        return self.fields.keys()

    def _prime(self, handle: Any) -> None:
        """Create the fixed session with a fact only ``__seen__`` matches, drained."""
        payload = dump({"sid": _SID, _TAG: _TAG_VALUE})
        self._run(handle, payload)

    def _run(self, handle: Any, payload: str) -> list[str]:
        dre = engine_module()
        found: list[str] = []
        _, offset = dre.assert_fact(handle, payload)
        try:
            action = dre.start_action_for_state(handle, offset)
            result = action[1] if action else None
            while result:
                found.append(result[2 : result.index('"', 2)])
                result = dre.complete_and_start_action(handle, offset)
        finally:
            dre.retract_fact(handle, payload)
        return found

    def _reset(self, handle: Any) -> None:
        dre = engine_module()
        with contextlib.suppress(dre.error):
            dre.delete_state(handle, _SID)
        self._prime(handle)

    def payload(self, values: Mapping[str, Any], chunk: int | None = None) -> str:
        """The fact asserted for ``values`` (value key -> scalar; None is left out), with
        the values one ruleset ``chunk`` reads (all of them by default)."""
        parts = [self._head]
        for key, field in self._quoted if chunk is None else self._chunk_quoted[chunk]:
            value = values.get(key)
            if value is None:
                continue
            kind = type(value)
            if kind is bool:
                parts.append(f"{field}{'true' if value else 'false'}")
            elif kind is float or kind is int:
                text = repr(float(value))
                if "e" in text or "n" in text:  # 1e-05, inf, nan
                    text = _number(value)
                parts.append(field + text)
            elif kind is str:
                parts.append(field + _text(value))
            else:
                raise EngineError(f"{key}: {kind.__name__} values cannot be compared")
        return ",".join(parts) + "}"

    def matching(self, values: Mapping[str, Any]) -> frozenset[str]:
        """Ids of the conditions that hold for ``values``."""
        found = self.fired(values)
        found.discard(_SEEN)
        return frozenset(found)

    def fired(self, values: Mapping[str, Any]) -> set[str]:
        """The rule names that fired for ``values`` (a set: ``$or`` fires once per true
        branch), ``__seen__`` among them."""
        handles = self._handles
        if len(handles) == 1:  # most packs: one ruleset, one payload of every value
            pairs = [(handles[0], self.payload(values))]
        else:
            pairs = [(h, self.payload(values, i)) for i, h in enumerate(handles)]
        found: set[str] = set()
        with self._lock:
            for handle, payload in pairs:
                try:
                    found.update(self._run(handle, payload))
                except (engine_module().error, MemoryError) as exc:
                    self._reset(handle)
                    raise EngineError(f"the rules engine failed: {exc}") from exc
        return found


_compiled: dict[str, CompiledConditions] = {}
_compiled_lock = threading.Lock()


def compile_conditions(key: str, conditions: Sequence[tuple[str, Normal]]) -> CompiledConditions:
    """Compile once per ``key`` (a pack digest) for the life of the process.

    Ruleset handles are never freed by durable-rules (131,072 per process), so the same
    pack content is never compiled twice.
    """
    with _compiled_lock:
        found = _compiled.get(key)
        if found is None:
            found = CompiledConditions(key[:24], conditions)
            _compiled[key] = found
        return found


def shape_key(conditions: Sequence[Normal]) -> str:
    """A key equal for conditions of the same shape (same atoms, constants and nesting)."""
    return "shape:" + hashlib.sha256(repr(tuple(conditions)).encode()).hexdigest()


_NO_POSITION: frozenset[Any] = frozenset({None})  # what ``__seen__`` maps to


class _Matcher:
    """Answers with condition positions, over a shared compiled set."""

    def __init__(self, compiled: CompiledConditions, count: int) -> None:
        self.compiled = compiled
        self._position = {f"c{i}": i for i in range(count)}
        self._fired = compiled.fired
        # the position of each name fired (None for ``__seen__``)
        self._positions: Callable[[str], Any] = self._position.get

    @property
    def rulesets(self) -> list[dict[str, Any]]:
        """The durable-rules rulesets (for inspection and benchmarks)."""
        return self.compiled.rulesets

    def matching(self, values: Mapping[str, Any]) -> frozenset[int]:
        """Positions of the conditions that hold for one row of values."""
        found = frozenset(map(self._positions, self._fired(values)))
        return found - _NO_POSITION if None in found else found

    def matching_many(self, rows: Sequence[Mapping[str, Any]]) -> list[frozenset[int]]:
        """:meth:`matching` for each row (durable-rules takes one fact at a time)."""
        return [self.matching(row) for row in rows]


class DurableBackend:
    """The :class:`~policyengine.backends.Backend` running conditions in durable-rules."""

    name = "durable"

    def compile(self, conditions: Sequence[Normal]) -> _Matcher:
        """Compile (or reuse, for the same shape) the rulesets of ``conditions``."""
        key = shape_key(conditions)
        compiled = compile_conditions(key, [(f"c{i}", n) for i, n in enumerate(conditions)])
        return _Matcher(compiled, len(conditions))
