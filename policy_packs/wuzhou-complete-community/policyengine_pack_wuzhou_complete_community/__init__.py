"""policyengine pack: 梧州市完整社区建设试点工作方案 (梧建函〔2023〕265号, 2023-12-01)."""

from importlib.resources import files

from policyengine import PackSource, hookimpl


@hookimpl
def register_packs() -> list[PackSource]:
    """The pack folder is this package."""
    return [PackSource(files(__name__))]
