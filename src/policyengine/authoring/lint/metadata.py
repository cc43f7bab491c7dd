"""Checks of the pack's metadata: advisory wording, unique names, hooks, phases,
deadline dates and the distribution that installs the pack."""

from __future__ import annotations

import datetime as dt
import itertools
import tomllib
from collections.abc import Iterator

from policyengine.authoring.lint.base import (
    ADVISORY_WORDS,
    Issue,
    PackLint,
    blank,
    error,
    register_check,
    rule_item,
    warning,
)
from policyengine.files import NotReadError, read_found
from policyengine.pack import Deadline, Rule, Scale


@register_check("advisory-wording")
def check_advisory_wording(lint: PackLint) -> Iterator[Issue]:
    """A binding rule, scale or deadline does not quote 原则上 or 力争 (guidelines and goals
    are advisory: ``binding = false``)."""
    pack = lint.pack
    items: list[tuple[str, Rule | Scale | Deadline]] = [
        *((rule_item(i, r.id), r) for i, r in enumerate(pack.rules)),
        *((rule_item(i, s.id, "scales"), s) for i, s in enumerate(pack.scales)),
        *((rule_item(i, d.id, "deadlines"), d) for i, d in enumerate(pack.deadlines)),
    ]
    for item, obj in items:
        words = [w for w in ADVISORY_WORDS if w in obj.quote]
        if obj.binding and words:
            yield warning(
                item,
                f"binding, but its quote says “{'”、“'.join(words)}” (a guideline or a goal): "
                "set binding = false to report it as advisory",
            )


@register_check("unique-names")
def check_unique_names(lint: PackLint) -> Iterator[Issue]:
    """Rule, scale and deadline ids, derived facts, aggregates and output keys are each
    defined once."""
    pack = lint.pack
    ids: dict[str, str] = {}
    for item, name in [
        *((rule_item(i, r.id), r.id) for i, r in enumerate(pack.rules)),
        *((rule_item(i, s.id, "scales"), s.id) for i, s in enumerate(pack.scales)),
        *((rule_item(i, d.id, "deadlines"), d.id) for i, d in enumerate(pack.deadlines)),
    ]:
        if name in ids:
            yield error(item, f"the id {name!r} is also {ids[name]}'s")
        ids.setdefault(name, item)
    paths: dict[str, str] = {}
    for item, path in [
        *((rule_item(i, d.path, "derived"), d.path) for i, d in enumerate(pack.derived)),
        *((rule_item(i, a.path, "aggregates"), a.path) for i, a in enumerate(pack.aggregates)),
    ]:
        if path in paths:
            yield error(item, f"{path} is also defined by {paths[path]}")
        paths.setdefault(path, item)
    outputs: dict[str, str] = {}
    sources = [
        *((f"outputs.{k}", k) for k in pack.outputs),
        *((f"{rule_item(i, s.id, 'scales')}.output", s.output) for i, s in enumerate(pack.scales)),
        *(
            (f"{rule_item(i, d.id, 'deadlines')}.output", d.output)
            for i, d in enumerate(pack.deadlines)
            if d.output and d.subject == "community"
        ),
    ]
    if pack.phases:
        sources.append(("pack.phase_output", pack.info.phase_output))
    for item, key in sources:
        if key in outputs:
            yield error(item, f"the output {key!r} is also given by {outputs[key]}")
        outputs.setdefault(key, item)


@register_check("hooks")
def check_hooks(lint: PackLint) -> Iterator[Issue]:
    """Hook rules and derived facts without an expression have a hooks module that decides
    or computes them (``pack_evaluate_rule``, ``pack_derive_facts``)."""
    hooks = lint.pack.hooks
    for i, rule in enumerate(lint.pack.rules):
        if rule.kind == "hook" and (hooks is None or not hasattr(hooks, "pack_evaluate_rule")):
            yield error(
                rule_item(i, rule.id),
                "a hook rule needs the pack's hooks module to implement pack_evaluate_rule",
            )
    for i, d in enumerate(lint.pack.derived):
        computed = d.expression is not None or d.count_dates is not None
        computed = computed or d.count_events is not None
        if not computed and (hooks is None or not hasattr(hooks, "pack_derive_facts")):
            yield error(
                rule_item(i, d.path, "derived"),
                "no expression, and no pack_derive_facts hook to compute it: always unknown",
            )


@register_check("phases")
def check_phases(lint: PackLint) -> Iterator[Issue]:
    """Phases follow one another without overlap or gap."""
    phases = sorted(enumerate(lint.pack.phases), key=lambda ip: ip[1].start)
    for (_, a), (j, b) in itertools.pairwise(phases):
        item = rule_item(j, b.id, "phases")
        if b.start <= a.end:
            yield warning(item, f"starts {b.start.isoformat()}, before {a.id} ends {a.end}")
        elif b.start > a.end + dt.timedelta(days=1):
            yield warning(
                item, f"starts {b.start.isoformat()}: a gap after {a.id} ends {a.end.isoformat()}"
            )


@register_check("deadline-dates")
def check_deadline_dates(lint: PackLint) -> Iterator[Issue]:
    """A monthly or yearly deadline's ``start`` is not after its ``end``."""
    for i, dl in enumerate(lint.pack.deadlines):
        if dl.start is not None and dl.end is not None and dl.start > dl.end:
            yield error(
                rule_item(i, dl.id, "deadlines"),
                f"start {dl.start.isoformat()} is after end {dl.end.isoformat()}",
            )


@register_check("distribution")
def check_distribution(lint: PackLint) -> Iterator[Issue]:
    """A pack distribution (``pyproject.toml`` beside the package folder) registers the
    package in the ``policyengine`` entry-point group, with the pack's name and version."""
    pack = lint.pack
    pyproject = pack.path.parent / "pyproject.toml"
    if not pyproject.is_file() or not (pack.path / "__init__.py").is_file():
        return
    try:  # a file of the distribution's folder: inside it, regular, at most 64 MiB
        text = read_found(pyproject, pack.path.parent).decode("utf-8")
        project = tomllib.loads(text).get("project", {})
    except NotReadError as exc:
        yield Issue("", "error", f"cannot be read: {exc.why}", pyproject)
        return
    except (UnicodeDecodeError, tomllib.TOMLDecodeError, ValueError) as exc:
        yield Issue("", "error", f"cannot be read: {exc}", pyproject)
        return
    package = pack.path.name
    entry_points = project.get("entry-points", {}).get("policyengine", {})
    if package not in entry_points.values():
        yield Issue(
            "project.entry-points.policyengine",
            "error",
            f"no entry point names the package {package!r}, so the installed pack is never "
            f'found: {pack.id} = "{package}"',
            pyproject,
        )
    name = f"community-policyengine-pack-{pack.id}"
    if project.get("name") != name:
        message = f"the distribution is {project.get('name')!r}, not {name!r}"
        yield Issue("project.name", "warning", message, pyproject)
    if project.get("version") not in (None, pack.version):
        message = f"version {project.get('version')!r} is not the pack's {pack.version!r}"
        yield Issue("project.version", "warning", message, pyproject)


@register_check("english-titles")
def check_english_titles(lint: PackLint) -> Iterator[Issue]:
    """A pack that gives English titles (``title_en``) to its rules, scales, deadlines,
    phases or summaries gives one to each of them: ``--lang en`` shows them (a warning: the
    Chinese title is shown instead). Every pack has an English title of its own
    (``[pack] title_en``); a pack whose items have none yet is shown in Chinese."""
    pack = lint.pack
    items: list[tuple[str, str | None]] = [
        *((rule_item(i, r.id), r.title_en) for i, r in enumerate(pack.rules)),
        *((rule_item(i, s.id, "scales"), s.title_en) for i, s in enumerate(pack.scales)),
        *((rule_item(i, d.id, "deadlines"), d.title_en) for i, d in enumerate(pack.deadlines)),
        *((rule_item(i, p.id, "phases"), p.title_en) for i, p in enumerate(pack.phases)),
        *((rule_item(i, s.output, "summaries"), s.title_en) for i, s in enumerate(pack.summaries)),
    ]
    if blank(pack.info.title_en) or all(blank(t) for _, t in items):
        return
    for item, title_en in items:
        if blank(title_en):
            yield warning(
                item,
                "no title_en, though the pack has an English title: "
                "with --lang en its Chinese title is shown",
            )
