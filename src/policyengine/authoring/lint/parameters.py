"""Checks of parameters: a value or a source, dated values in order, parameters in use."""

from __future__ import annotations

import re
from collections.abc import Iterator

from policyengine import expressions as ex
from policyengine.authoring.lint.base import Issue, PackLint, blank, error, register_check, warning
from policyengine.invariants import dated_value_problems, value_type_problems

_PARAM_REF = re.compile(r"params\.([A-Za-z_]\w*)")


@register_check("parameter-value")
def check_parameter_values(lint: PackLint) -> Iterator[Issue]:
    """A parameter without any value says in ``source`` why (the document does not state it)."""
    for name, param in lint.pack.parameters.items():
        if param.value is None and not param.values and blank(param.source):
            yield error(
                f"parameters.{name}",
                'no value and no source: give the value, or source = "not stated in the document"',
            )


@register_check("dated-values")
def check_dated_values(lint: PackLint) -> Iterator[Issue]:
    """Dated values in date order, each ``since`` once; programme years within 1..years, once;
    one type of value across dates (:mod:`policyengine.invariants`, also checked at load)."""
    prog = lint.pack.info.programme
    for name, param in lint.pack.parameters.items():
        for item, message in dated_value_problems(name, param, prog.years if prog else None):
            yield error(item, message)
        for item, message in value_type_problems(name, param):
            yield error(item, message)


@register_check("unused-parameter")
def check_unused_parameters(lint: PackLint) -> Iterator[Issue]:
    """Every parameter is read by an expression, the programme, or the hooks module
    (``params["name"]``, ``params.get("name")``: the quoted name in its source text).

    A parameter without a value whose ``source`` says why (``not stated in the document``)
    records the document's silence and is not reported."""
    used: set[str] = set()
    for text in lint.expression_texts():
        expr = lint.parse(text)
        used.update(ex.params_of(expr) if expr is not None else _PARAM_REF.findall(text))
    if lint.pack.info.programme is not None:
        used.add(lint.pack.info.programme.start_parameter)
    for table in lint.pack.tables:
        used.update(n for row in table.rows for n in (row.first, row.step, row.payers) if n)
    code = lint.python_text
    for name, param in lint.pack.parameters.items():
        if name in used or f'"{name}"' in code or f"'{name}'" in code:
            continue
        if param.value is None and not param.values and param.source:
            continue  # records that the document is silent: documentation, not a number
        yield warning(
            f"parameters.{name}",
            "never used by a rule, scale, band, derived fact, output, aggregate, deadline "
            "or the hooks module",
        )
