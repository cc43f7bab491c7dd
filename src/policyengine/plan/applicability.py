"""``[pack.applicability]``: to which communities the pack applies."""

from __future__ import annotations

import attrs

from policyengine import expressions as ex
from policyengine.plan.common import Build, compile_expr, sources_of
from policyengine.plan.ids import CondId, ValueSource

__all__ = ["ApplicabilityItem", "build"]


@attrs.frozen
class ApplicabilityItem:
    """The pack's applicability condition, compiled."""

    when: ex.Expr
    when_id: int
    sources: tuple[ValueSource, ...]

    @property
    def all_sources(self) -> tuple[ValueSource, ...]:
        """Every value the condition compares."""
        return self.sources


def build(b: Build) -> None:
    """Compile the applicability condition (communities only)."""
    app = b.pack.info.applicability
    items: tuple[ApplicabilityItem, ...] = ()
    if app is not None and b.community:
        where = f"{b.file}: pack.applicability.when"
        when = compile_expr(app.when, where, b.env, condition=True)
        assert when is not None
        when_id = b.condition(CondId("pack", 0, "applies"), when)
        assert when_id is not None
        items = (ApplicabilityItem(when, when_id, sources_of(when)),)
        b.read(ex.fields_of(when))
    b.items["applicability"] = items
