"""``policyengine lint``: static checks of a pack, before any facts are evaluated.

::

    policyengine lint [PACK_ID | PATH]... [--format text|json] [--seeds DIR]

With no argument every installed pack is checked. Each problem names the pack's
``pack.toml``, the item (``rules[3] (eligibility.no-veto).require``), a severity and a
message::

    policy_packs/x/policyengine_pack_x/pack.toml: rules[0] (a.b).require: warning: can never
    hold: happiness.survey_score > 300, but happiness.survey_score is between 0 and 300
    [never-holds]

Exit code: 0 no error (warnings allowed), 1 an error, 2 a pack that does not load (the
loading errors are shown, each naming the file and the field path), 3 an unknown pack id.

The checks, in the order they run (each is a small function in the module of its family:
``load`` and ``compile`` are :func:`check_loads` and :func:`check_compiles` in
:mod:`.runner`; the others are in :data:`CHECKS`, registered by :mod:`.citations`,
:mod:`.parameters`, :mod:`.bands`, :mod:`.conditions` and :mod:`.metadata`; what they
share is in :mod:`.base`):

=====================  ========  ====================================================
check                  severity  finds
=====================  ========  ====================================================
``load``               error     a pack that does not load (schema, ids, hooks module)
``compile``            error     a condition that does not compile for communities or
                                 jurisdictions: a type mismatch, an unknown fact or
                                 parameter (:func:`policyengine.engine.compile_pack`)
``source``             error     ``[pack.source]`` without a title or an issuer
``citation``           error     a rule, scale, deadline, phase or applicability without
                                 a clause and a quote; a parameter value without them (and
                                 no ``source``); warning: a derived fact without them
``placeholder``        warning   ``TODO`` left in a title, clause or quote
``quote-in-source``    error     a quote that is not in the seed document (whitespace
                                 ignored; ``…`` may elide text)
``parameter-value``    error     a parameter with no value and no ``source``
``dated-values``       error     dated values with the same ``since`` or out of order;
                                 programme-year values outside 1..years or repeated
``unused-parameter``   warning   a parameter no rule, scale, band, derived fact, output,
                                 aggregate, deadline, programme or hooks module reads
``band-overlap``       error     two bands with the same threshold or value, thresholds
                                 not increasing with the band value
``band-gap``           error     integer band values that skip a value (1, 2, 4)
``unreachable-band``   error     a band threshold above the maximum the scale's input can
                                 reach (from the vocabulary's ranges, through derived sums)
``never-holds``        warning   a condition that is a contradiction over one fact, or
                                 compares a fact with a value outside its range
``advisory-wording``   warning   a binding rule, scale or deadline quoting 原则上 or 力争
``unique-names``       error     ids, derived facts, aggregates or outputs given twice
``hooks``              error     a hook rule or an expression-less derived fact without
                                 the hooks module implementing it
``phases``             warning   phases that overlap or leave a gap
``english-titles``     warning   a rule, scale, deadline, phase or summary without
                                 ``title_en`` where others of the pack have one
``deadline-dates``     error     a deadline whose ``start`` is after its ``end``
``distribution``       error     a distribution (``pyproject.toml`` beside the package)
                                 whose ``policyengine`` entry point does not name the
                                 package; warning: name or version not matching the pack
=====================  ========  ====================================================

The seed document of ``[pack.source] seed`` is looked for in the ``--seeds`` folder
(default: ``../shared/seeds`` from the current directory, if it exists), then in the
pack folder; where it is not found, quotes are not checked and the summary says so.
"""

from __future__ import annotations

# The families register their checks in CHECKS when imported (in base.ORDER).
from policyengine.authoring.lint import bands, citations, conditions, metadata, parameters
from policyengine.authoring.lint.base import CHECKS, Issue, LintReport, PackLint, Problem
from policyengine.authoring.lint.runner import (
    check_compiles,
    check_loads,
    default_seeds,
    exit_code,
    lint_path,
    lint_paths,
    register_commands,
    render_json,
    render_text,
)

__all__ = [
    "CHECKS",
    "Issue",
    "LintReport",
    "PackLint",
    "Problem",
    "bands",
    "check_compiles",
    "check_loads",
    "citations",
    "conditions",
    "default_seeds",
    "exit_code",
    "lint_path",
    "lint_paths",
    "metadata",
    "parameters",
    "register_commands",
    "render_json",
    "render_text",
]
